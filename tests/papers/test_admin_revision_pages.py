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


def test_revision_page_names_its_author_without_a_link_editors_cannot_open(editor_client, editor):
    summary = SummaryFactory()
    summary_edit(
        summary=summary, content={"one_line": "Edited."}, user=editor, expected_lock_version=summary.lock_version
    )
    revision = SummaryRevision.objects.filter(summary=summary).latest("pk")
    page = editor_client.get(reverse("admin:papers_summaryrevision_change", args=[revision.pk])).content.decode()
    assert editor.get_username() in page
    assert reverse("admin:auth_user_change", args=[editor.pk]) not in page
