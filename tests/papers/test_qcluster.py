"""The pipeline run by a real django-q2 cluster on the ORM broker."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings

from digests.models import Digest
from papers.models import Paper, PaperStatus
from papers.services.ingest import topic_ingest
from tests.atom import Entry, feed, make_pdf
from tests.factories import TopicFactory
from tests.servers import Reply

DAY = datetime.date(2024, 5, 2)
WAIT_SECONDS = 90


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cluster_processes_ingested_papers_to_summarized(arxiv_api, tmp_path, subprocess_db_env):
    entries = [Entry(arxiv_id=f"2405.0000{i}", base=arxiv_api.base_url, title=f"Paper {i}") for i in range(3)]
    arxiv_api.route("/api/query", Reply.atom(feed(entries)))
    for entry in entries:
        arxiv_api.route(f"/pdf/{entry.versioned_id}", Reply.pdf(make_pdf(entry.title)))
    topic = TopicFactory(auto_publish=True)

    run = topic_ingest(topic=topic, digest_date=DAY)  # enqueues on commit
    assert run.new_count == 3

    env = {
        **os.environ,
        **subprocess_db_env,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ARXIV_API_DELAY_SECONDS": "0",
        "ARXIV_PDF_DELAY_SECONDS": "0",
        "DIGEST_LLM": "extractive",
        "Q_WORKERS": "1",
        "Q_POLL": "0.2",
    }
    log = (tmp_path / "qcluster.log").open("w+")
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if Paper.objects.filter(status__in=[PaperStatus.SUMMARIZED, PaperStatus.FAILED]).count() == 3:
                break
            assert cluster.poll() is None, "qcluster exited early"
            time.sleep(0.5)
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cluster.kill()
            cluster.wait()
        log.seek(0)
        output = log.read()
        log.close()

    statuses = list(Paper.objects.values_list("status", "last_error"))
    assert statuses == [(PaperStatus.SUMMARIZED, "")] * 3, output[-3000:]
    assert all(p.content.page_count == 1 for p in Paper.objects.all())
    assert Digest.objects.get(topic=topic, date=DAY).status == "published"


@pytest.mark.django_db
def test_setup_schedules_is_idempotent_and_drops_inactive_topics():
    from django.core.management import call_command
    from django_q.models import Schedule

    active, inactive = TopicFactory(slug="active"), TopicFactory(slug="inactive")
    call_command("setup_schedules", at="21:00")
    inactive.is_active = False
    inactive.save()
    call_command("setup_schedules", at="21:30")
    call_command("setup_schedules", at="21:30")
    schedule = Schedule.objects.get(name__startswith="ingest:")
    assert schedule.name == "ingest:active" and schedule.args == str(active.pk)
    assert schedule.schedule_type == Schedule.DAILY
    assert (schedule.next_run.hour, schedule.next_run.minute) == (21, 30)
    assert "'timeout': 600" in schedule.kwargs


@pytest.mark.django_db
def test_ingest_task_defaults_to_today_utc(arxiv_api):
    from papers.tasks import ingest_topic_task

    arxiv_api.route("/api/query", Reply.atom(feed([])))
    topic = TopicFactory()
    result = ingest_topic_task(topic.pk)
    run = topic.ingest_runs.get()
    assert run.digest_date == datetime.datetime.now(datetime.timezone.utc).date()
    assert result["status"] == "empty"
