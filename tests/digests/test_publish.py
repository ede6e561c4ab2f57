import datetime

import pytest
from django.utils import timezone

from digests.models import Digest, DigestStatus
from digests.services.publish import (
    PublishBlocked,
    digest_publish,
    digest_reorder,
    digest_set_cover,
    digest_unpublish,
    paper_use_figure_as_cover,
)
from papers.services.figures import figure_set_hidden
from tests.factories import DigestEntryFactory, DigestFactory, FigureFactory, PaperFactory, SummaryFactory

BLOCKING = {
    "code": "author_not_in_metadata",
    "message": "author not in metadata: Xudong Zhang",
    "blocking": True,
    "section": "one_line",
}
WARNING = {"code": "long_takeaway", "message": "takeaway too long", "blocking": False, "section": "key_takeaways"}

pytestmark = pytest.mark.django_db


def _digest_with(*flag_lists, hidden=()):
    digest = DigestFactory()
    for i, flags in enumerate(flag_lists):
        entry = DigestEntryFactory(digest=digest, position=i, hidden=i in hidden)
        SummaryFactory(paper=entry.paper, language=digest.topic.language, flags=flags)
    return digest


def test_publish_makes_digest_visible_now(admin_user):
    digest = _digest_with([], [WARNING])
    digest_publish(digest=digest, user=admin_user)
    assert Digest.objects.published().filter(pk=digest.pk).exists()
    digest.refresh_from_db()
    assert digest.published_by == admin_user
    assert digest.first_published_at == digest.published_at
    assert digest.override_note == ""


def test_publish_in_the_future_schedules_without_showing_it_yet(admin_user):
    digest = _digest_with([])
    at = timezone.now() + datetime.timedelta(hours=3)
    digest_publish(digest=digest, user=admin_user, at=at)
    digest.refresh_from_db()
    assert digest.status == DigestStatus.PUBLISHED and digest.published_at == at
    assert not Digest.objects.published().filter(pk=digest.pk).exists()


def test_publish_refuses_blocking_flags_on_visible_entries(admin_user):
    digest = _digest_with([], [BLOCKING])
    with pytest.raises(PublishBlocked) as blocked:
        digest_publish(digest=digest, user=admin_user)
    assert [b.messages for b in blocked.value.blockers] == [["author not in metadata: Xudong Zhang"]]
    digest.refresh_from_db()
    assert digest.status == DigestStatus.DRAFT


def test_publish_ignores_blocking_flags_on_hidden_entries(admin_user):
    digest = _digest_with([], [BLOCKING], hidden={1})
    digest_publish(digest=digest, user=admin_user)
    assert Digest.objects.published().filter(pk=digest.pk).exists()


def test_publish_refuses_visible_entry_without_summary(admin_user):
    digest = _digest_with([])
    DigestEntryFactory(digest=digest, position=5)
    with pytest.raises(PublishBlocked, match="Blocking problems"):
        digest_publish(digest=digest, user=admin_user)


def test_publish_refuses_a_digest_that_shows_no_paper(admin_user):
    digest = _digest_with([], hidden={0})
    with pytest.raises(PublishBlocked, match="the digest lists no paper"):
        digest_publish(digest=digest, user=admin_user)
    assert Digest.objects.get(pk=digest.pk).status == DigestStatus.DRAFT


def test_override_publishes_an_empty_digest_and_records_it(admin_user):
    digest = _digest_with([], hidden={0})
    digest_publish(digest=digest, user=admin_user, override=True)
    digest.refresh_from_db()
    assert digest.status == DigestStatus.PUBLISHED
    assert "admin published with no paper listed" in digest.override_note


def test_override_publishes_and_records_who(admin_user):
    digest = _digest_with([BLOCKING])
    digest_publish(digest=digest, user=admin_user, override=True)
    digest.refresh_from_db()
    assert digest.status == DigestStatus.PUBLISHED
    assert "admin published despite blocking flags" in digest.override_note
    assert "Xudong Zhang" in digest.override_note


def test_unpublish_hides_digest_but_keeps_first_publication(admin_user):
    digest = _digest_with([])
    digest_publish(digest=digest, user=admin_user)
    first = Digest.objects.get(pk=digest.pk).first_published_at
    digest_unpublish(digest=digest, user=admin_user)
    digest.refresh_from_db()
    assert digest.status == DigestStatus.DRAFT and digest.published_at is None
    assert digest.first_published_at == first
    assert not Digest.objects.published().exists()


def test_reorder_puts_listed_papers_first_and_keeps_the_rest():
    digest = DigestFactory()
    entries = [DigestEntryFactory(digest=digest, position=i) for i in range(4)]
    digest_reorder(digest=digest, paper_ids=[entries[2].paper_id, entries[0].paper_id])
    order = list(digest.entries.order_by("position").values_list("paper_id", flat=True))
    assert order == [entries[2].paper_id, entries[0].paper_id, entries[1].paper_id, entries[3].paper_id]


def test_hiding_the_cover_figure_clears_the_cover():
    entry = DigestEntryFactory()
    figure = FigureFactory(paper=entry.paper)
    digest_set_cover(digest=entry.digest, figure=figure)
    figure_set_hidden(figure=figure, hidden=True)
    entry.digest.refresh_from_db()
    figure.refresh_from_db()
    assert figure.hidden and entry.digest.cover_figure is None


def test_cover_must_belong_to_the_digest():
    digest = DigestEntryFactory().digest
    stranger = FigureFactory(paper=PaperFactory())
    with pytest.raises(ValueError, match="paper in this digest"):
        digest_set_cover(digest=digest, figure=stranger)


def test_use_figure_as_cover_sets_every_digest_of_the_paper():
    first = DigestEntryFactory()
    second = DigestEntryFactory(
        paper=first.paper, digest__date=datetime.date(2024, 5, 3), digest__topic=first.digest.topic
    )
    figure = FigureFactory(paper=first.paper)
    digests = paper_use_figure_as_cover(figure=figure)
    assert {d.pk for d in digests} == {first.digest_id, second.digest_id}
    assert set(Digest.objects.values_list("cover_figure", flat=True)) == {figure.pk}


def test_publish_invalidates_the_public_cache(admin_user, django_capture_on_commit_callbacks):
    from digests.services.cache import public_cache_version

    digest = _digest_with([])
    before = public_cache_version()
    with django_capture_on_commit_callbacks(execute=True):
        digest_publish(digest=digest, user=admin_user)
    assert public_cache_version() != before
