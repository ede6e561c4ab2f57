"""Revision pages in the admin open for every revision the pipeline and editors record."""

import pytest
from django.urls import reverse

from papers.models import SummaryRevision
from papers.services.revisions import summary_edit
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def test_revision_change_page_opens(admin_client, admin_user):
    summary = SummaryFactory()
    summary_edit(
        summary=summary, content={"one_line": "Edited."}, user=admin_user, expected_lock_version=summary.lock_version
    )
    revision = SummaryRevision.objects.filter(summary=summary).latest("pk")
    response = admin_client.get(reverse("admin:papers_summaryrevision_change", args=[revision.pk]))
    assert response.status_code == 200
    assert "Edited." in response.content.decode()
