"""The review queue, the summary editor, history and figures, through the Django test client."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from papers.models import PaperContent, RevisionState, Summary, SummaryRevision
from papers.services.revisions import Generation, summary_record_generated
from tests.factories import SummaryFactory
from tests.papers.admin_data import AFFILIATION, RIGHT_CLAIM, WRONG_CLAIM, clean_sections, flagged_day

pytestmark = pytest.mark.django_db


def _form_data(summary: Summary, **changes) -> dict:
    sections = {**summary.sections(), **changes}
    data = {"lock_version": summary.lock_version}
    for name, value in sections.items():
        if name == "keywords":
            data[name] = ", ".join(value)
        elif isinstance(value, list):
            data[name] = "\n".join(value)
        else:
            data[name] = value
    return data


def _edit_url(summary):
    return reverse("admin:papers_summary_change", args=[summary.pk])


# -- review queue -----------------------------------------------------------------


def test_queue_lists_blocking_first_with_readable_flags(editor_client):
    day = flagged_day(n=3)
    page = editor_client.get(reverse("admin:papers_summary_changelist"))
    html = page.content.decode()
    assert "author not in metadata: Xudong Zhang" in html
    ids = [s.paper.arxiv_id for s in page.context["cl"].result_list]
    assert ids[0] == day.flagged.paper.arxiv_id
    assert len(ids) == 3


def test_queue_drops_reviewed_clean_summaries_by_default(editor_client, editor):
    day = flagged_day()
    Summary.objects.filter(pk=day.summaries[1].pk).update(reviewed_by=editor, reviewed_at="2024-05-02T10:00Z")
    ids = [s.pk for s in editor_client.get(reverse("admin:papers_summary_changelist")).context["cl"].result_list]
    assert ids == [day.flagged.pk]


def test_queue_keeps_blocking_summaries_even_when_reviewed(editor_client, editor):
    day = flagged_day()
    Summary.objects.filter(pk=day.flagged.pk).update(reviewed_by=editor, reviewed_at="2024-05-02T10:00Z")
    ids = [s.pk for s in editor_client.get(reverse("admin:papers_summary_changelist")).context["cl"].result_list]
    assert day.flagged.pk in ids


def test_queue_leaves_out_papers_in_no_digest(editor_client):
    flagged_day()
    stray = SummaryFactory(language="en")
    ids = [s.pk for s in editor_client.get(reverse("admin:papers_summary_changelist")).context["cl"].result_list]
    assert stray.pk not in ids


@pytest.mark.parametrize(
    "query, expect_flagged_only",
    [("flag=unknown_author", True), ("queue=blocking", True), ("queue=all", False)],
)
def test_queue_filters_by_flag_and_state(editor_client, query, expect_flagged_only):
    day = flagged_day()
    result = editor_client.get(reverse("admin:papers_summary_changelist") + "?" + query).context["cl"].result_list
    ids = {s.pk for s in result}
    assert (ids == {day.flagged.pk}) is expect_flagged_only


def test_queue_filters_by_topic_and_digest_date(editor_client):
    day = flagged_day()
    url = reverse("admin:papers_summary_changelist")
    same = editor_client.get(f"{url}?queue=all&topic={day.topic.pk}&digest_date=2024-05-02").context["cl"].result_list
    other = editor_client.get(f"{url}?queue=all&digest_date=2024-05-03").context["cl"].result_list
    assert len(same) == 2
    assert len(other) == 0


def test_queue_query_count_does_not_grow_with_rows(editor_client, django_assert_max_num_queries):
    flagged_day(n=8)
    with django_assert_max_num_queries(14):
        editor_client.get(reverse("admin:papers_summary_changelist"))


# -- editing ----------------------------------------------------------------------


def test_editor_page_shows_facts_read_only_and_sections(editor_client):
    day = flagged_day()
    html = editor_client.get(_edit_url(day.flagged)).content.decode()
    assert AFFILIATION in html
    assert day.flagged.paper.abstract in html
    assert 'name="key_takeaways"' in html and "data-ordered-list" in html
    assert 'name="title"' not in html  # facts are not form fields


def test_saving_an_edit_clears_flags_records_revision_and_log(editor_client, editor):
    day = flagged_day()
    summary = day.flagged
    revisions_before = summary.revisions.count()
    response = editor_client.post(_edit_url(summary), _form_data(summary, one_line=RIGHT_CLAIM))
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.one_line == RIGHT_CLAIM
    assert summary.flags == [] and summary.is_edited
    assert summary.revisions.count() == revisions_before + 1
    revision = summary.live_revision
    assert revision.author == editor and revision.kind == "edited"
    log = LogEntry.objects.get(object_id=str(summary.pk))
    assert log.user == editor and "One-line summary" in log.get_change_message()


def test_saving_keeps_ordered_lists_in_the_order_given(editor_client):
    day = flagged_day()
    summary = day.summaries[1]
    items = ["Third becomes first.", "Diffusion models generate images.", "Second item."]
    editor_client.post(_edit_url(summary), _form_data(summary, key_takeaways=items, keywords=["a", "b"]))
    summary.refresh_from_db()
    assert summary.key_takeaways == items
    assert summary.keywords == ["a", "b"]


def test_saving_reports_flags_that_still_hold(editor_client):
    day = flagged_day()
    summary = day.summaries[1]
    response = editor_client.post(_edit_url(summary), _form_data(summary, method=""), follow=True)
    summary.refresh_from_db()
    assert summary.has_blocking_flags
    assert "Still blocking: method is empty" in response.content.decode()


def test_preview_renders_without_saving(editor_client):
    day = flagged_day()
    summary = day.summaries[1]
    revisions_before = summary.revisions.count()
    response = editor_client.post(
        _edit_url(summary), {**_form_data(summary, one_line="**Bold** preview <script>x()</script>"), "_preview": "1"}
    )
    html = response.content.decode()
    assert "<strong>Bold</strong> preview" in html
    assert "<script>x()</script>" not in html
    summary.refresh_from_db()
    assert summary.one_line.startswith("Diffusion models")
    # Every summary starts with its generated (live) revision; a preview adds none.
    assert summary.revisions.count() == revisions_before


def test_second_editor_saving_a_stale_form_gets_a_conflict(editor_client, client, django_user_model, editor):
    day = flagged_day()
    summary = day.flagged
    revisions_before = summary.revisions.count()
    stale = _form_data(summary, background="Second editor's text about diffusion models.")
    editor_client.post(_edit_url(summary), _form_data(summary, one_line=RIGHT_CLAIM))
    other = django_user_model.objects.create_user(username="other", password="x", is_staff=True)
    other.groups.set(editor.groups.all())
    client.force_login(other)
    response = client.post(_edit_url(summary), stale)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    summary.refresh_from_db()
    assert summary.one_line == RIGHT_CLAIM
    assert summary.revisions.count() == revisions_before + 1


def test_mark_reviewed_records_who_and_when(editor_client, editor):
    day = flagged_day()
    editor_client.post(reverse("admin:papers_summary_review", args=[day.summaries[1].pk]))
    summary = Summary.objects.get(pk=day.summaries[1].pk)
    assert summary.reviewed_by == editor and summary.reviewed_at is not None
    assert LogEntry.objects.filter(object_id=str(summary.pk), change_message="Marked reviewed").exists()


def test_mark_reviewed_refuses_get(editor_client):
    day = flagged_day()
    assert editor_client.get(reverse("admin:papers_summary_review", args=[day.flagged.pk])).status_code == 405


def test_editor_corrects_the_pdf_affiliation(editor_client, editor):
    day = flagged_day()
    url = reverse("admin:papers_summary_affiliation", args=[day.flagged.pk])
    editor_client.post(url, {"affiliation": "University of Chinese Academy of Sciences"})
    content = PaperContent.objects.get(paper=day.flagged.paper)
    assert content.affiliation == "University of Chinese Academy of Sciences"
    assert LogEntry.objects.filter(object_id=str(content.pk), user=editor).exists()


def test_editor_sees_why_the_affiliation_is_unknown(editor_client):
    day = flagged_day()
    PaperContent.objects.filter(paper=day.flagged.paper).update(
        affiliation="", affiliation_note="Two candidate institutions: Univ A; Univ B"
    )
    html = editor_client.get(reverse("admin:papers_summary_change", args=[day.flagged.pk])).content.decode()
    shown = html.split('id="affiliation"', 1)[1].split("</dd>", 1)[0]
    assert "unknown: Two candidate institutions: Univ A; Univ B" in shown


def test_correcting_the_affiliation_clears_the_stages_doubt(editor_client):
    day = flagged_day()
    PaperContent.objects.filter(paper=day.flagged.paper).update(affiliation="", affiliation_note="Two candidates")
    url = reverse("admin:papers_summary_affiliation", args=[day.flagged.pk])
    editor_client.post(url, {"affiliation": "University of Tokyo"})
    assert PaperContent.objects.get(paper=day.flagged.paper).affiliation_note == ""


# -- history ----------------------------------------------------------------------


def test_history_shows_escaped_diff_between_revisions(editor_client):
    day = flagged_day()
    summary = day.summaries[1]
    summary_record_generated(
        paper=summary.paper, language="en", content=summary.sections(), generation=Generation(backend="extractive")
    )
    summary.refresh_from_db()
    editor_client.post(_edit_url(summary), _form_data(summary, background="Now <b>bold</b> diffusion models."))
    html = editor_client.get(reverse("admin:papers_summary_revisions", args=[summary.pk])).content.decode()
    assert "Edited by an editor by editor" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert 'class="diff_' in html


def test_revert_restores_text_as_a_new_revision(editor_client, editor):
    day = flagged_day()
    summary = day.summaries[1]
    first = summary_record_generated(
        paper=summary.paper, language="en", content=summary.sections(), generation=Generation(backend="extractive")
    )
    summary.refresh_from_db()
    original = summary.background
    revisions_before = summary.revisions.count()
    editor_client.post(_edit_url(summary), _form_data(summary, background="Changed diffusion models text."))
    editor_client.post(reverse("admin:papers_summary_revision_apply", args=[summary.pk, first.pk]))
    summary.refresh_from_db()
    assert summary.background == original
    # The edit and the revert, each a revision of its own.
    assert summary.revisions.count() == revisions_before + 2
    assert summary.revisions.filter(kind="reverted", author=editor).exists()


def test_regeneration_after_edit_arrives_as_candidate_and_can_be_accepted(editor_client):
    day = flagged_day()
    summary = day.flagged
    editor_client.post(_edit_url(summary), _form_data(summary, one_line=RIGHT_CLAIM))
    regenerated = {**clean_sections(9), "background": "A regenerated background on diffusion models."}
    candidate = summary_record_generated(
        paper=summary.paper,
        language="en",
        content=regenerated,
        generation=Generation(backend="openai", model_name="m2"),
    )
    summary.refresh_from_db()
    assert candidate.state == RevisionState.CANDIDATE and summary.one_line == RIGHT_CLAIM
    page = editor_client.get(_edit_url(summary)).content.decode()
    assert "regenerated version is waiting" in page
    history = editor_client.get(reverse("admin:papers_summary_revisions", args=[summary.pk])).content.decode()
    assert "Accept this candidate" in history and "regenerated" in history
    editor_client.post(reverse("admin:papers_summary_revision_apply", args=[summary.pk, candidate.pk]))
    summary.refresh_from_db()
    assert summary.background == "A regenerated background on diffusion models."
    assert SummaryRevision.objects.get(pk=candidate.pk).state == RevisionState.APPLIED


def test_dismissed_candidate_leaves_the_edit_live(editor_client):
    day = flagged_day()
    summary = day.flagged
    editor_client.post(_edit_url(summary), _form_data(summary, one_line=RIGHT_CLAIM))
    candidate = summary_record_generated(
        paper=summary.paper,
        language="en",
        content={**summary.sections(), "one_line": WRONG_CLAIM},
        generation=Generation(backend="openai"),
    )
    editor_client.post(reverse("admin:papers_summary_revision_dismiss", args=[summary.pk, candidate.pk]))
    summary.refresh_from_db()
    assert summary.one_line == RIGHT_CLAIM
    assert SummaryRevision.objects.get(pk=candidate.pk).state == RevisionState.DISMISSED


# -- figures ----------------------------------------------------------------------


def test_hide_and_show_a_figure_from_the_editor(editor_client, editor):
    day = flagged_day()
    figure = day.figures[0]
    url = reverse("admin:papers_figure_hidden", args=[figure.pk])
    back = _edit_url(day.flagged)
    response = editor_client.post(url, {"hidden": "1", "next": back})
    assert response["Location"] == back
    figure.refresh_from_db()
    assert figure.hidden
    assert LogEntry.objects.filter(object_id=str(figure.pk), change_message="Hidden", user=editor).exists()
    editor_client.post(url, {"hidden": "0"})
    figure.refresh_from_db()
    assert not figure.hidden


def test_next_parameter_cannot_redirect_off_site(editor_client):
    day = flagged_day()
    response = editor_client.post(
        reverse("admin:papers_figure_hidden", args=[day.figures[0].pk]),
        {"hidden": "1", "next": "https://evil.example/"},
    )
    assert "evil" not in response["Location"]


def test_move_figure_down_swaps_order(editor_client):
    from tests.factories import FigureFactory

    day = flagged_day()
    first = day.figures[0]
    second = FigureFactory(paper=first.paper, order=first.order + 1)
    editor_client.post(reverse("admin:papers_figure_move", args=[first.pk, "down"]))
    assert list(first.paper.figures.order_by("order").values_list("pk", flat=True)) == [second.pk, first.pk]


def test_use_as_cover_sets_the_digest_cover_and_logs_it(editor_client, editor):
    day = flagged_day()
    figure = day.figures[1]
    editor_client.post(reverse("admin:digests_digest_cover", args=[figure.pk]))
    day.digest.refresh_from_db()
    assert day.digest.cover_figure == figure
    assert LogEntry.objects.filter(object_id=str(day.digest.pk), user=editor).exists()


def test_a_summary_cannot_be_deleted_in_the_admin(admin_client):
    summary = SummaryFactory()
    response = admin_client.post(reverse("admin:papers_summary_delete", args=[summary.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Summary.objects.filter(pk=summary.pk).exists()


def test_saving_an_edit_stores_the_public_note_on_its_revision(editor_client):
    day = flagged_day()
    summary = day.flagged
    data = {**_form_data(summary, one_line=RIGHT_CLAIM), "public_note": "  Corrected the  claim about the dataset. "}
    assert editor_client.post(_edit_url(summary), data).status_code == 302
    summary.refresh_from_db()
    assert summary.live_revision.public_note == "Corrected the claim about the dataset."


def test_editor_form_offers_an_empty_public_note_each_time(editor_client):
    day = flagged_day()
    summary = day.flagged
    editor_client.post(_edit_url(summary), {**_form_data(summary, one_line=RIGHT_CLAIM), "public_note": "First fix."})
    html = editor_client.get(_edit_url(summary)).content.decode()
    assert 'name="public_note"' in html
    assert "First fix." not in html


def test_history_shows_each_corrections_public_note(editor_client):
    day = flagged_day()
    summary = day.flagged
    editor_client.post(
        _edit_url(summary), {**_form_data(summary, one_line=RIGHT_CLAIM), "public_note": "Fixed the claim."}
    )
    html = editor_client.get(reverse("admin:papers_summary_revisions", args=[summary.pk])).content.decode()
    assert "Public note: Fixed the claim." in html
