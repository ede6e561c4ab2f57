"""How the app is hooked in: its schedule, its task, its place among the apps, its mail defaults."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from digests.services.publish import digest_publish
from subscriptions.queue import SWEEP_FUNC, SWEEP_SCHEDULE
from subscriptions.tasks import subscriptions_sweep_task
from tests.subscriptions.conftest import subscribe_confirmed
from tests.test_architecture import imports_of
from tests.test_settings import run_manage


@pytest.mark.django_db
def test_setup_schedules_runs_the_sweep_every_configured_minutes(settings):
    settings.SUBSCRIPTIONS_SWEEP_MINUTES = 2

    call_command("setup_schedules", stdout=io.StringIO())
    call_command("setup_schedules", stdout=io.StringIO())

    schedule = Schedule.objects.get(name=SWEEP_SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (SWEEP_FUNC, Schedule.MINUTES, 2)


@pytest.mark.django_db
def test_the_scheduled_task_mails_a_digest_that_went_live(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)

    result = subscriptions_sweep_task()

    assert result["sent"] == 1 and len(smtp.to("a@example.org")) == 1


def test_the_schedule_names_the_task_that_exists():
    from django.utils.module_loading import import_string

    assert import_string(SWEEP_FUNC) is subscriptions_sweep_task


@pytest.mark.parametrize("app", ["papers", "digests"])
def test_no_other_app_imports_subscriptions(app):
    assert imports_of(app, "subscriptions") == []


def test_local_runs_write_mails_to_files_under_var_mail(tmp_path):
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)"
    result = run_manage("shell", "-v", "0", "-c", code, env={"SQLITE_PATH": str(tmp_path / "db.sqlite3")})
    backend, path = result.stdout.split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend", result.stderr
    assert path.endswith("var/mail")


@pytest.mark.django_db
def test_send_subscriptions_runs_one_sweep_now(smtp, topic, digest, admin_user):
    subscribe_confirmed("a@example.org", topic)
    digest_publish(digest=digest, user=admin_user)
    out = io.StringIO()

    call_command("send_subscriptions", stdout=out)

    assert "1 mails sent" in out.getvalue()
    assert len(smtp.to("a@example.org")) == 1


@pytest.mark.django_db
def test_send_subscriptions_enqueue_queues_the_scheduled_task(django_capture_on_commit_callbacks):
    from tests.queue import queued_tasks

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_subscriptions", "--enqueue", stdout=io.StringIO())

    [task] = queued_tasks()
    assert task["func"] == SWEEP_FUNC and task["group"] == "subscriptions"


@pytest.mark.django_db
def test_with_the_local_file_backend_mails_land_as_files(client, settings, tmp_path, topic):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"

    client.post("/subscribe/", {"email": "reader@example.org", "topics": [topic.pk], "website": ""})

    [written] = list((tmp_path / "mail").iterdir())
    assert "/subscribe/confirm/" in written.read_text()


def test_every_subscriptions_and_email_setting_is_documented():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    read = set(
        re.findall(
            r'env(?:_int|_float|_bool|_list)?\("((?:SUBSCRIPTIONS|EMAIL)_\w+|ANYMAIL|DEFAULT_FROM_EMAIL)"',
            (root / "config" / "settings.py").read_text(),
        )
    )
    readme = (root / "README.md").read_text()
    assert read and not [name for name in sorted(read) if f"`{name}`" not in readme]


@pytest.mark.django_db
def test_sweeps_only_sets_up_the_sweeps_and_no_daily_ingest():
    from tests.factories import TopicFactory

    TopicFactory()
    call_command("setup_schedules", "--sweeps-only", stdout=io.StringIO())

    names = set(Schedule.objects.values_list("name", flat=True))
    assert SWEEP_SCHEDULE in names and "pipeline:resume" in names
    assert not any(name.startswith("ingest:") for name in names)
