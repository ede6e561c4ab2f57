"""Digests in the admin: order, hide, cover, preview, publish, schedule, override."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from digests.models import Digest, DigestStatus
from papers.services.revisions import summary_revalidate
from tests.papers.admin_data import RIGHT_CLAIM, flagged_day

pytestmark = pytest.mark.django_db


def _change_data(digest, entries_order, hidden=()):
    """POST data of the digest change form with entries in ``entries_order`` (entry objects)."""
    entries = list(digest.entries.order_by("position", "id"))
    data = {
        "title": digest.title,
        "description": digest.description,
        "cover_figure": digest.cover_figure_id or "",
        "entries-TOTAL_FORMS": len(entries),
        "entries-INITIAL_FORMS": len(entries),
        "entries-MIN_NUM_FORMS": 0,
        "entries-MAX_NUM_FORMS": 0,
    }
    position = {e.pk: i for i, e in enumerate(entries_order)}
    for i, entry in enumerate(entries):
        data[f"entries-{i}-id"] = entry.pk
        data[f"entries-{i}-digest"] = digest.pk
        data[f"entries-{i}-position"] = position[entry.pk]
        if entry.pk in hidden:
            data[f"entries-{i}-hidden"] = "on"
    return data


def _fix_flagged(day):
    summary = day.flagged
    summary.one_line = RIGHT_CLAIM
    summary.save()
    summary_revalidate(summary=summary)


def test_editor_reorders_and_hides_entries(editor_client, editor):
    day = flagged_day(n=3)
    first, second, third = day.digest.entries.order_by("position")
    url = reverse("admin:digests_digest_change", args=[day.digest.pk])
    response = editor_client.post(url, _change_data(day.digest, [second, first, third], hidden={third.pk}))
    assert response.status_code == 302, response.content.decode()[:2000]
    order = list(day.digest.entries.order_by("position").values_list("pk", flat=True))
    assert order == [second.pk, first.pk, third.pk]
    assert day.digest.entries.get(pk=third.pk).hidden
    assert LogEntry.objects.filter(object_id=str(day.digest.pk), user=editor).exists()


def test_cover_choices_are_the_visible_figures_of_the_digest(editor_client):
    from tests.factories import FigureFactory

    day = flagged_day()
    hidden = FigureFactory(paper=day.papers[0], hidden=True)
    stranger = FigureFactory()
    form = editor_client.get(reverse("admin:digests_digest_change", args=[day.digest.pk])).context["adminform"].form
    choices = set(form.fields["cover_figure"].queryset.values_list("pk", flat=True))
    assert choices == {f.pk for f in day.figures}
    assert hidden.pk not in choices and stranger.pk not in choices


def test_publish_without_blockers_goes_live(editor_client, editor):
    day = flagged_day()
    _fix_flagged(day)
    response = editor_client.post(reverse("admin:digests_digest_publish", args=[day.digest.pk]), {})
    assert response.status_code == 302
    digest = Digest.objects.get(pk=day.digest.pk)
    assert digest.is_live and digest.published_by == editor
    assert LogEntry.objects.filter(object_id=str(digest.pk), change_message__startswith="Published now").exists()


def test_publish_with_blocking_flags_asks_for_confirmation(editor_client):
    day = flagged_day()
    page = editor_client.get(reverse("admin:digests_digest_publish", args=[day.digest.pk])).content.decode()
    assert "author not in metadata: Xudong Zhang" in page
    response = editor_client.post(reverse("admin:digests_digest_publish", args=[day.digest.pk]), {})
    assert response.status_code == 200
    assert "tick the box to publish anyway" in response.content.decode()
    assert Digest.objects.get(pk=day.digest.pk).status == DigestStatus.DRAFT


def test_override_publishes_and_records_the_editor(editor_client, editor):
    day = flagged_day()
    editor_client.post(reverse("admin:digests_digest_publish", args=[day.digest.pk]), {"override": "on"})
    digest = Digest.objects.get(pk=day.digest.pk)
    assert digest.is_live
    assert "editor published despite blocking flags" in digest.override_note
    log = LogEntry.objects.get(object_id=str(digest.pk))
    assert "overriding blocking flags on " + day.flagged.paper.arxiv_id in log.get_change_message()


def test_publishing_a_digest_with_every_paper_hidden_asks_and_is_logged(editor_client):
    day = flagged_day()
    day.digest.entries.update(hidden=True)
    url = reverse("admin:digests_digest_publish", args=[day.digest.pk])
    assert "The digest lists no paper" in editor_client.get(url).content.decode()
    assert Digest.objects.get(pk=day.digest.pk).status == DigestStatus.DRAFT
    editor_client.post(url, {"override": "on"})
    assert Digest.objects.get(pk=day.digest.pk).is_live
    log = LogEntry.objects.get(object_id=str(day.digest.pk))
    assert "with no paper listed" in log.get_change_message()


def test_schedule_for_later_is_not_public_yet(editor_client):
    from django.test import Client

    day = flagged_day()
    _fix_flagged(day)
    at = timezone.localtime() + datetime.timedelta(days=1)
    editor_client.post(
        reverse("admin:digests_digest_publish", args=[day.digest.pk]), {"at": at.strftime("%Y-%m-%dT%H:%M")}
    )
    digest = Digest.objects.get(pk=day.digest.pk)
    assert digest.status == DigestStatus.PUBLISHED and not digest.is_live
    assert "Scheduled for" in editor_client.get(reverse("admin:digests_digest_changelist")).content.decode()
    assert Client().get(digest.get_absolute_url()).status_code == 404


def test_unpublish_returns_to_draft(editor_client):
    day = flagged_day()
    _fix_flagged(day)
    editor_client.post(reverse("admin:digests_digest_publish", args=[day.digest.pk]), {})
    editor_client.post(reverse("admin:digests_digest_unpublish", args=[day.digest.pk]))
    assert Digest.objects.get(pk=day.digest.pk).status == DigestStatus.DRAFT


def test_preview_renders_the_public_page_of_a_draft(editor_client):
    day = flagged_day()
    response = editor_client.get(reverse("admin:digests_digest_preview", args=[day.digest.pk]))
    assert response.status_code == 200
    assert day.papers[1].title in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_editor_cannot_publish_without_the_permission(editor_client, editor):
    from django.contrib.auth.models import Permission

    day = flagged_day()
    editor.groups.first().permissions.remove(Permission.objects.get(codename="publish_digest"))
    response = editor_client.post(reverse("admin:digests_digest_publish", args=[day.digest.pk]), {"override": "on"})
    assert response.status_code == 403
    assert Digest.objects.get(pk=day.digest.pk).status == DigestStatus.DRAFT


def test_superuser_adds_a_digest_by_topic_and_day_and_build_composes_it(admin_client):
    day = flagged_day()
    other_date = day.digest.date - datetime.timedelta(days=1)
    for paper in day.papers:
        paper.topicpaper_set.update(digest_date=other_date)
    response = admin_client.post(
        reverse("admin:digests_digest_add"), {"topic": day.topic.pk, "date": other_date.isoformat()}
    )
    assert response.status_code == 302
    digest = Digest.objects.get(topic=day.topic, date=other_date)
    assert digest.status == DigestStatus.DRAFT
    assert set(digest.entries.values_list("paper_id", flat=True)) == {p.pk for p in day.papers}


def test_adding_a_digest_that_exists_is_a_form_error(admin_client):
    day = flagged_day()
    response = admin_client.post(
        reverse("admin:digests_digest_add"), {"topic": day.topic.pk, "date": day.digest.date.isoformat()}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_digest_page_shows_topic_and_publisher_as_text_an_editor_can_read(editor_client, editor):
    day = flagged_day()
    Digest.objects.filter(pk=day.digest.pk).update(
        status=DigestStatus.PUBLISHED, published_at=timezone.now(), published_by=editor
    )
    page = editor_client.get(reverse("admin:digests_digest_change", args=[day.digest.pk])).content.decode()
    assert day.topic.name in page and editor.get_username() in page
    assert reverse("admin:papers_topic_change", args=[day.topic.pk]) not in page
    assert reverse("admin:auth_user_change", args=[editor.pk]) not in page
