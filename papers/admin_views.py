"""Admin pages of the editor's desk that a plain ModelAdmin form cannot express.

Each view checks the admin permissions itself (they are all wrapped in
``admin_site.admin_view``, which handles login) and calls one service.
"""

from __future__ import annotations

import datetime
import difflib
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe

from digests.models import Digest
from digests.services.publish import (
    figure_set_hidden,
    figures_reorder,
    paper_use_figure_as_cover,
    public_cache_invalidate,
)
from papers.admin_forms import SECTION_LABELS, AffiliationForm, SummaryEditForm
from papers.models import Figure, PaperContent, PaperStatus, RevisionState, Summary, SummaryRevision, TopicPaper
from papers.services.revisions import (
    LIST_SECTIONS,
    EditConflict,
    summary_apply_revision,
    summary_dismiss_candidate,
    summary_edit,
    summary_mark_reviewed,
)

DASHBOARD_DAYS = 30
MAX_REVISIONS_SHOWN = 100


def _context(model_admin, request, **extra) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


def _post_only(view):
    """Answer 405 to anything but POST (Django's require_POST, for views that take the ModelAdmin first)."""

    @wraps(view)
    def wrapper(model_admin, request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(model_admin, request, *args, **kwargs)

    return wrapper


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _summary_or_404(model_admin, request, object_id) -> Summary:
    summary = model_admin.get_object(request, str(object_id))
    if summary is None:
        raise _NotFound(model_admin, request, object_id)
    return summary


def _summary_for_change(model_admin, request, object_id) -> Summary:
    summary = _summary_or_404(model_admin, request, object_id)
    if not model_admin.has_change_permission(request, summary):
        raise PermissionDenied
    return summary


class _NotFound(Exception):
    def __init__(self, model_admin, request, object_id):
        self.response = model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, str(object_id))


def _not_found_as_redirect(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except _NotFound as missing:
            return missing.response

    return wrapper


# -- summary editor ------------------------------------------------------------


def content_lines(content: dict) -> list[str]:
    """Flatten a summary's sections into labelled lines for a diff."""
    lines: list[str] = []
    for name in Summary.SECTION_FIELDS:
        value = content.get(name)
        if not value:
            continue
        lines.append(f"[{SECTION_LABELS.get(name, name)}]")
        if name in LIST_SECTIONS:
            lines.extend(f"{i}. {item}" for i, item in enumerate(value, start=1))
        else:
            lines.extend(str(value).splitlines())
    return lines


def content_diff_html(before: dict | None, after: dict, *, before_label: str, after_label: str) -> str:
    """Side-by-side HTML diff; difflib escapes the text it puts in the table."""
    if before is None:
        before_lines: list[str] = []
    else:
        before_lines = content_lines(before)
    after_lines = content_lines(after)
    if before_lines == after_lines:
        return ""
    table = difflib.HtmlDiff(wrapcolumn=70).make_table(
        before_lines, after_lines, fromdesc=before_label, todesc=after_label, context=True, numlines=1
    )
    return mark_safe(table)  # noqa: S308 - HtmlDiff escapes &, < and > in every line


def preview_sections(content: dict) -> list[dict]:
    """The sections in schema order, each with how the preview renders it."""
    kinds = {
        "one_line": "inline",
        "translated_title": "inline",
        "keywords": "keywords",
        "key_takeaways": "list",
        "method_steps": "ordered",
    }
    return [
        {"name": name, "label": SECTION_LABELS.get(name, name), "kind": kinds.get(name, "text"), "value": content[name]}
        for name in Summary.SECTION_FIELDS
        if content.get(name)
    ]


def _summary_page_context(model_admin, request, summary: Summary, form, preview: dict | None) -> dict:
    paper = summary.paper
    content = PaperContent.objects.filter(paper=paper).first()
    figures = list(paper.figures.order_by("order", "id"))
    digests = list(
        Digest.objects.filter(entries__paper=paper).select_related("topic", "cover_figure").order_by("-date")
    )
    candidates = list(
        summary.revisions.filter(state=RevisionState.CANDIDATE).select_related("author").order_by("-created_at")
    )
    from papers.admin import flags_html

    user = request.user
    return _context(
        model_admin,
        request,
        title=f"Edit summary: {paper.arxiv_id} [{summary.get_language_display()}]",
        original=summary,
        summary=summary,
        paper=paper,
        content=content,
        figures=figures,
        digests=digests,
        cover_ids={d.cover_figure_id for d in digests if d.cover_figure_id},
        candidates=candidates,
        flags=flags_html(summary.flags),
        form=form,
        preview_sections=preview_sections(preview if preview is not None else summary.sections()),
        previewing=preview is not None,
        section_labels=SECTION_LABELS,
        affiliation_form=AffiliationForm(initial={"affiliation": content.affiliation if content else ""}),
        can_change=model_admin.has_change_permission(request, summary),
        can_change_figures=user.has_perm("papers.change_figure"),
        can_change_content=user.has_perm("papers.change_papercontent"),
        can_set_cover=user.has_perm("digests.change_digest"),
        here=request.get_full_path(),
    )


@_not_found_as_redirect
def summary_edit_view(model_admin, request, object_id):
    """Edit every section, preview unsaved text, see facts and figures beside it."""
    summary = _summary_or_404(model_admin, request, object_id)
    if not model_admin.has_view_or_change_permission(request, summary):
        raise PermissionDenied
    preview = None
    if request.method == "POST":
        if not model_admin.has_change_permission(request, summary):
            raise PermissionDenied
        form = SummaryEditForm.for_summary(summary, data=request.POST)
        if form.is_valid():
            if "_preview" in request.POST:
                preview = form.sections()
            elif not form.changed_sections() and form.cleaned_data["lock_version"] == summary.lock_version:
                messages.info(request, "Nothing changed.")
                return HttpResponseRedirect(request.path)
            else:
                try:
                    updated = summary_edit(
                        summary=summary,
                        content=form.sections(),
                        user=request.user,
                        expected_lock_version=form.cleaned_data["lock_version"],
                    )
                except EditConflict as conflict:
                    form.add_error(None, str(conflict))
                else:
                    changed = [str(SECTION_LABELS.get(n, n)) for n in form.changed_sections()]
                    model_admin.log_change(request, updated, [{"changed": {"fields": changed}}])
                    transaction.on_commit(public_cache_invalidate)
                    blocking = [f["message"] for f in updated.flags if f.get("blocking")]
                    if blocking:
                        messages.warning(request, "Saved. Still blocking: " + "; ".join(blocking))
                    else:
                        messages.success(request, "Saved. No blocking problems remain.")
                    return HttpResponseRedirect(request.path)
    else:
        form = SummaryEditForm.for_summary(summary)
    return TemplateResponse(
        request,
        "admin/papers/summary/edit.html",
        _summary_page_context(model_admin, request, summary, form, preview),
    )


@_not_found_as_redirect
@_post_only
def summary_review_view(model_admin, request, object_id):
    """Record that an editor has read this summary (who and when)."""
    summary = _summary_for_change(model_admin, request, object_id)
    summary = summary_mark_reviewed(summary=summary, user=request.user)
    model_admin.log_change(request, summary, "Marked reviewed")
    if summary.has_blocking_flags:
        messages.warning(request, "Marked reviewed, but blocking flags remain: publishing will ask to override.")
    else:
        messages.success(request, "Marked reviewed.")
    return HttpResponseRedirect(_next_url(request, reverse("admin:papers_summary_change", args=[summary.pk])))


@_not_found_as_redirect
@_post_only
def summary_affiliation_view(model_admin, request, object_id):
    """Correct the affiliation the PDF stage read, then re-check the summaries."""
    from papers.services.metadata import paper_content_correct_affiliation

    summary = _summary_or_404(model_admin, request, object_id)
    if not request.user.has_perm("papers.change_papercontent"):
        raise PermissionDenied
    content = get_object_or_404(PaperContent, paper=summary.paper)
    form = AffiliationForm(request.POST)
    if form.is_valid():
        old = content.affiliation
        paper_content_correct_affiliation(content=content, affiliation=form.cleaned_data["affiliation"])
        content_admin = model_admin.admin_site._registry[PaperContent]
        content_admin.log_change(request, content, f"Affiliation corrected from {old!r} to {content.affiliation!r}")
        messages.success(request, "Affiliation corrected; the summary's checks were run again.")
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return HttpResponseRedirect(reverse("admin:papers_summary_change", args=[summary.pk]))


# -- history -------------------------------------------------------------------


def _revision_label(revision: SummaryRevision) -> str:
    who = revision.author.get_username() if revision.author else (revision.model_name or revision.backend or "?")
    return f"{revision.get_kind_display()} by {who}, {timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"


@_not_found_as_redirect
def summary_revisions_view(model_admin, request, object_id):
    """Every revision with a diff against the one before it; candidates against the live text."""
    summary = _summary_or_404(model_admin, request, object_id)
    if not model_admin.has_view_or_change_permission(request, summary):
        raise PermissionDenied
    revisions = list(summary.revisions.select_related("author").order_by("created_at", "id")[:MAX_REVISIONS_SHOWN])
    rows = []
    previous = None
    for revision in revisions:
        if revision.state == RevisionState.APPLIED:
            diff = content_diff_html(
                previous.content if previous else None,
                revision.content,
                before_label=_revision_label(previous) if previous else "(nothing)",
                after_label=_revision_label(revision),
            )
            previous = revision
        else:
            diff = content_diff_html(
                summary.sections(), revision.content, before_label="Live summary", after_label=_revision_label(revision)
            )
        rows.append({"revision": revision, "label": _revision_label(revision), "diff": diff})
    rows.reverse()
    return TemplateResponse(
        request,
        "admin/papers/summary/revisions.html",
        _context(
            model_admin,
            request,
            title=f"History of {summary}",
            original=summary,
            summary=summary,
            rows=rows,
            can_change=model_admin.has_change_permission(request, summary),
        ),
    )


def _revision_or_404(summary: Summary, revision_id: int) -> SummaryRevision:
    return get_object_or_404(SummaryRevision, pk=revision_id, summary=summary)


@_not_found_as_redirect
@_post_only
def summary_apply_revision_view(model_admin, request, object_id, revision_id):
    """Revert to a revision, or accept a candidate: either way a new revision is written."""
    summary = _summary_for_change(model_admin, request, object_id)
    revision = _revision_or_404(summary, revision_id)
    if revision.state == RevisionState.DISMISSED:
        messages.error(request, "That candidate was dismissed; it cannot be applied.")
    else:
        was_candidate = revision.state == RevisionState.CANDIDATE
        summary = summary_apply_revision(revision=revision, user=request.user)
        verb = "Accepted candidate" if was_candidate else "Reverted to revision"
        model_admin.log_change(request, summary, f"{verb} #{revision.pk} ({_revision_label(revision)})")
        transaction.on_commit(public_cache_invalidate)
        messages.success(request, f"{verb} #{revision.pk}.")
    return HttpResponseRedirect(reverse("admin:papers_summary_revisions", args=[summary.pk]))


@_not_found_as_redirect
@_post_only
def summary_dismiss_revision_view(model_admin, request, object_id, revision_id):
    summary = _summary_for_change(model_admin, request, object_id)
    revision = _revision_or_404(summary, revision_id)
    summary_dismiss_candidate(revision=revision)
    model_admin.log_change(request, summary, f"Dismissed candidate #{revision.pk}")
    messages.success(request, f"Dismissed candidate #{revision.pk}.")
    return HttpResponseRedirect(_next_url(request, reverse("admin:papers_summary_revisions", args=[summary.pk])))


# -- figures -------------------------------------------------------------------


def _figure_for_change(model_admin, request, object_id) -> Figure:
    figure = get_object_or_404(Figure.objects.select_related("paper"), pk=object_id)
    if not model_admin.has_change_permission(request, figure):
        raise PermissionDenied
    return figure


def _back(request, figure: Figure) -> HttpResponseRedirect:
    return HttpResponseRedirect(_next_url(request, reverse("admin:papers_figure_change", args=[figure.pk])))


@_post_only
def figure_hidden_view(model_admin, request, object_id):
    figure = _figure_for_change(model_admin, request, object_id)
    hidden = request.POST.get("hidden") == "1"
    figure_set_hidden(figure=figure, hidden=hidden)
    model_admin.log_change(request, figure, "Hidden" if hidden else "Shown")
    messages.success(request, f"{figure} is now {'hidden' if hidden else 'shown'}.")
    return _back(request, figure)


@_post_only
def figure_move_view(model_admin, request, object_id, direction):
    figure = _figure_for_change(model_admin, request, object_id)
    ids = list(figure.paper.figures.order_by("order", "id").values_list("pk", flat=True))
    index = ids.index(figure.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction in ("up", "down") and 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        figures_reorder(paper=figure.paper, figure_ids=ids)
        model_admin.log_change(request, figure, f"Moved {direction}")
    return _back(request, figure)


@_post_only
def figure_cover_view(model_admin, request, object_id):
    """Make the figure the cover of every digest its paper is in."""
    figure = get_object_or_404(Figure.objects.select_related("paper"), pk=object_id)
    if not request.user.has_perm("digests.change_digest"):
        raise PermissionDenied
    if figure.hidden:
        messages.error(request, "A hidden figure cannot be the cover; show it first.")
        return _back(request, figure)
    digests = paper_use_figure_as_cover(figure=figure)
    digest_admin = model_admin.admin_site._registry[Digest]
    for digest in digests:
        digest_admin.log_change(request, digest, f"Cover set to {figure}")
    if digests:
        messages.success(request, f"{figure} is the cover of: {', '.join(str(d) for d in digests)}.")
    else:
        messages.warning(request, "This paper is in no digest yet.")
    return _back(request, figure)


# -- dashboard -----------------------------------------------------------------


def pipeline_counts(*, since: datetime.date):
    """Per topic and digest day: fetched / parsed / summarized / failed / reviewed, in one query."""
    parsed = [PaperStatus.PARSED, PaperStatus.SUMMARIZED]
    return (
        TopicPaper.objects.filter(digest_date__gte=since)
        .values("topic_id", "topic__name", "digest_date")
        .annotate(
            fetched=Count("paper", distinct=True),
            parsed=Count("paper", distinct=True, filter=Q(paper__status__in=parsed)),
            summarized=Count("paper", distinct=True, filter=Q(paper__status=PaperStatus.SUMMARIZED)),
            failed=Count("paper", distinct=True, filter=Q(paper__status=PaperStatus.FAILED)),
            reviewed=Count(
                "paper",
                distinct=True,
                filter=Q(
                    paper__summaries__language=F("topic__language"),
                    paper__summaries__reviewed_at__isnull=False,
                ),
            ),
        )
        .order_by("-digest_date", "topic__name")
    )


def _dashboard_since(request) -> datetime.date:
    """Return the first day shown: ``?days=N`` before the latest day with papers (the demo day is in 2024)."""
    try:
        days = max(1, int(request.GET.get("days", DASHBOARD_DAYS)))
    except ValueError:
        days = DASHBOARD_DAYS
    latest = TopicPaper.objects.aggregate(latest=Max("digest_date"))["latest"] or timezone.localdate()
    return latest - datetime.timedelta(days=days - 1)


def dashboard_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    from django_q.models import Failure

    since = _dashboard_since(request)
    failures = list(Failure.objects.order_by("-stopped")[:50])
    return TemplateResponse(
        request,
        "admin/papers/dashboard.html",
        _context(
            model_admin,
            request,
            title="Pipeline dashboard",
            rows=list(pipeline_counts(since=since)),
            since=since,
            failures=failures,
            busy=model_admin.model.objects.filter(processing_until__gt=timezone.now()).count(),
            can_retry=model_admin.has_change_permission(request),
        ),
    )


@_post_only
def retry_failure_view(model_admin, request, task_id):
    """Queue a failed django-q2 task again with its arguments, and drop the failure."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    from django_q.models import Failure
    from django_q.tasks import async_task

    failure = get_object_or_404(Failure, id=task_id)
    async_task(
        failure.func,
        *(failure.args or ()),
        hook=failure.hook,
        group=failure.group,
        timeout=settings.Q_TIMEOUT,
        **(failure.kwargs or {}),
    )
    name = failure.name
    failure.delete()
    model_admin.message_user(request, f"Queued {name} again.", messages.SUCCESS)
    return HttpResponseRedirect(reverse("admin:papers_dashboard"))
