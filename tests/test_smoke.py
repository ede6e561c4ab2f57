import pytest
from django.urls import reverse

from tests.factories import DigestEntryFactory


@pytest.mark.django_db
def test_published_digest_is_reachable_from_home(client):
    from django.utils import timezone

    entry = DigestEntryFactory(digest__status="published", digest__published_at=timezone.now())
    home = client.get(reverse("digests:home"))
    assert entry.digest.get_absolute_url() in home.content.decode()
    page = client.get(entry.digest.get_absolute_url())
    assert page.status_code == 200
    assert entry.paper.title in page.content.decode()


@pytest.mark.django_db
def test_draft_digest_is_404_for_anonymous(client):
    entry = DigestEntryFactory()
    assert client.get(entry.digest.get_absolute_url()).status_code == 404
