"""The paper page shows "arXiv:<id>vN"; a reader who pastes that id reaches the canonical page."""

import datetime

import pytest
from django.utils import timezone

from papers.models import PaperVersion
from tests.digests.builders import make_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    paper = make_digest(papers=1).entries.first().paper
    paper.version = 2
    paper.save()
    PaperVersion.objects.create(
        paper=paper, version=1, title=paper.title, updated=timezone.now() - datetime.timedelta(days=3)
    )
    return paper


@pytest.mark.parametrize("version", [1, 2])
def test_versioned_id_redirects_to_the_canonical_page(client, paper, version):
    response = client.get(f"/papers/{paper.arxiv_id}v{version}/")
    assert response.status_code == 301
    assert response["Location"] == paper.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_a_version_never_seen_is_404(client, paper):
    assert client.get(f"/papers/{paper.arxiv_id}v9/").status_code == 404
