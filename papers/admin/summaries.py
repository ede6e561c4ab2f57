"""The review queue (the Summary changelist), the summary editor (its change form) and the history.

The editor is the admin's own change form on ``SummaryEditForm``; saving goes
through ``summary_edit`` so every change is a revision. The custom views are
what the admin has no equivalent for: preview, mark reviewed, correct the
affiliation, the revision history, and applying or dismissing a revision.
"""

from __future__ import annotations

import difflib

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from papers.admin_forms import SECTION_LABELS, AffiliationForm, SummaryEditForm
from papers.models import PaperContent, PaperStatus, RevisionState, Summary, SummaryRevision, Topic, TopicPaper
from papers.sections import LIST_SECTIONS
from papers.services.metadata import paper_content_correct_affiliation
from papers.services.revisions import (
    summary_apply_revision,
    summary_dismiss_candidate,
    summary_edit,
    summary_mark_reviewed,
)

from .common import flags_html, next_url

MAX_REVISIONS_SHOWN = 100


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
    before_lines = content_lines(before) if before is not None else []
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


def revision_label(revision: SummaryRevision) -> str:
    who = revision.author.get_username() if revision.author else (revision.model_name or revision.backend or "?")
    return f"{revision.get_kind_display()} by {who}, {timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}"


class QueueFilter(admin.SimpleListFilter):
    """What the editor should look at; defaults to what needs an editor."""

    title = "queue"
    parameter_name = "queue"
    DEFAULT = "needs"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.model_admin = model_admin

    def lookups(self, request, model_admin):
        return [
            ("needs", "Needs an editor"),
            ("blocking", "Blocking flags"),
            ("flagged", "Any flags"),
            ("unreviewed", "Not reviewed"),
            ("reviewed", "Reviewed"),
            ("all", "All summaries"),
        ]

    def value(self):
        return super().value() or self.DEFAULT

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == "needs":
            return self.model_admin.needs_editor(queryset)
        if value == "blocking":
            return queryset.filter(has_blocking_flags=True)
        if value == "flagged":
            return queryset.exclude(flag_codes="")
        if value == "unreviewed":
            return queryset.filter(reviewed_at__isnull=True)
        if value == "reviewed":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


class TopicFilter(admin.SimpleListFilter):
    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return list(Topic.objects.order_by("name").values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value():
            papers = TopicPaper.objects.filter(topic_id=self.value()).values("paper_id")
            return queryset.filter(paper_id__in=papers)
        return queryset


class FlagCodeFilter(admin.SimpleListFilter):
    title = "flag"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        codes: set[str] = set()
        for text in Summary.objects.exclude(flag_codes="").values_list("flag_codes", flat=True).distinct()[:2000]:
            codes.update(text.split())
        return [(code, code.replace("_", " ")) for code in sorted(codes)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(flag_codes__contains=f" {self.value()} ")
        return queryset


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    """The review queue (changelist) and the summary editor (change form)."""

    form = SummaryEditForm
    change_form_template = "admin/papers/summary/edit.html"
    list_display = ["paper_link", "language", "flag_list", "paper_status", "is_edited", "review_state"]
    list_filter = [QueueFilter, TopicFilter, "paper__status", FlagCodeFilter, "language"]
    list_select_related = ["paper", "reviewed_by"]
    search_fields = ["paper__arxiv_id", "paper__title", "one_line"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # summaries are written by the pipeline, then edited here

    def has_delete_permission(self, request, obj=None):
        # Its revisions are the record of who wrote what; a summary goes only with its paper.
        return False

    # -- the review queue --------------------------------------------------
    def get_queryset(self, request):
        # Not super(): the admin orders before we could annotate what it orders by.
        return (
            self.queue_annotate(self.model._default_manager.select_related("paper", "live_revision"))
            .annotate(
                priority=Case(
                    When(has_blocking_flags=True, then=Value(0)),
                    When(~Q(flag_codes="") & Q(reviewed_at__isnull=True), then=Value(1)),
                    When(reviewed_at__isnull=True, then=Value(2)),
                    default=Value(3),
                    output_field=IntegerField(),
                )
            )
            .order_by(*self.get_ordering(request))
        )

    def queue_annotate(self, queryset):
        """Add what the queue sorts and filters by; apps that know more (digests) add to it."""
        return queryset

    def needs_editor(self, queryset):
        """The default queue: blocking flags first, then anything not reviewed yet."""
        return queryset.filter(priority__lte=2)

    def get_ordering(self, request):
        return ["priority", "paper__arxiv_id"]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Review queue", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Paper", ordering="paper__arxiv_id")
    def paper_link(self, obj):
        return format_html("<strong>{}</strong><br>{}", obj.paper.arxiv_id, obj.paper.title)

    @admin.display(description="Flags", ordering="priority")
    def flag_list(self, obj):
        return flags_html(obj.flags)

    @admin.display(description="Paper status", ordering="paper__status")
    def paper_status(self, obj):
        label = obj.paper.get_status_display()
        if obj.paper.status == PaperStatus.FAILED:
            return format_html('<span class="flag-blocking">{} at {}</span>', label, obj.paper.failed_step)
        return label

    @admin.display(description="Reviewed", ordering="reviewed_at")
    def review_state(self, obj):
        if obj.reviewed_at is None:
            return "not yet"
        who = obj.reviewed_by.get_username() if obj.reviewed_by else "?"
        return f"{who}, {timezone.localtime(obj.reviewed_at):%Y-%m-%d %H:%M}"

    # -- the editor ----------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/review/", wrap(self.review_view), name="papers_summary_review"),
            path("<int:object_id>/affiliation/", wrap(self.affiliation_view), name="papers_summary_affiliation"),
            path("<int:object_id>/revisions/", wrap(self.revisions_view), name="papers_summary_revisions"),
            path(
                "<int:object_id>/revisions/<int:revision_id>/apply/",
                wrap(self.apply_revision_view),
                name="papers_summary_revision_apply",
            ),
            path(
                "<int:object_id>/revisions/<int:revision_id>/dismiss/",
                wrap(self.dismiss_revision_view),
                name="papers_summary_revision_dismiss",
            ),
            *super().get_urls(),
        ]

    def editor_context(self, request, summary: Summary, *, preview: dict | None = None) -> dict:
        """What the editor page shows beside the form: checks, facts, figures, candidates, preview."""
        paper = summary.paper
        content = PaperContent.objects.filter(paper=paper).first()
        user = request.user
        return {
            "title": f"Edit summary: {paper.arxiv_id} [{summary.get_language_display()}]",
            "summary": summary,
            "paper": paper,
            "content": content,
            "figures": list(paper.figures.order_by("order", "id")),
            "candidates": list(
                summary.revisions.filter(state=RevisionState.CANDIDATE).select_related("author").order_by("-created_at")
            ),
            "flags": flags_html(summary.flags),
            "preview_sections": preview_sections(preview if preview is not None else summary.sections()),
            "previewing": preview is not None,
            "affiliation_form": AffiliationForm(initial={"affiliation": content.affiliation if content else ""}),
            "can_change": self.has_change_permission(request, summary),
            "can_change_figures": user.has_perm("papers.change_figure"),
            "can_change_content": user.has_perm("papers.change_papercontent"),
            "here": request.get_full_path(),
        }

    def _summary(self, request, object_id) -> Summary:
        summary = self.get_object(request, str(object_id))
        if summary is None:
            raise Http404(f"No summary with id {object_id}.")
        return summary

    def _summary_for_change(self, request, object_id) -> Summary:
        summary = self._summary(request, object_id)
        if not self.has_change_permission(request, summary):
            raise PermissionDenied
        return summary

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and "_preview" in request.POST:
            return self.preview_view(request, object_id, form_url)
        summary = self._summary(request, object_id)
        extra_context = {**self.editor_context(request, summary), **(extra_context or {})}
        return super().changeform_view(request, object_id, form_url, extra_context)

    @transaction.atomic
    def preview_view(self, request, object_id, form_url=""):
        """Render the posted text as it would be published, without saving it."""
        summary = self._summary_for_change(request, object_id)
        form = self.get_form(request, summary, change=True)(request.POST, instance=summary)
        preview = form.sections() if form.is_valid() else None
        shown = self._summary(request, object_id)  # validating wrote the posted text onto ``summary``
        fieldsets = list(self.get_fieldsets(request, shown))
        adminform = helpers.AdminForm(form, fieldsets, {}, self.get_readonly_fields(request, shown), model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            **self.editor_context(request, shown, preview=preview),
            "adminform": adminform,
            "object_id": object_id,
            "original": shown,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return self.render_change_form(request, context, change=True, obj=shown, form_url=form_url)

    def save_model(self, request, obj, form, change):
        if not form.changed_sections():
            messages.info(request, "Nothing changed.")
            return
        # The form checked the lock version under a row lock; this re-checks and writes the revision.
        updated = summary_edit(
            summary=obj,
            content=form.sections(),
            user=request.user,
            expected_lock_version=form.cleaned_data["lock_version"],
            public_note=form.cleaned_data.get("public_note", ""),
        )
        blocking = [f["message"] for f in updated.flags if f.get("blocking")]
        if blocking:
            messages.warning(request, "Saved. Still blocking: " + "; ".join(blocking))
        else:
            messages.success(request, "Saved. No blocking problems remain.")

    def log_change(self, request, obj, message):
        if message:  # an unchanged form is not a change
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        # An editor keeps working on the same summary; save_model said what happened.
        return HttpResponseRedirect(reverse("admin:papers_summary_change", args=[obj.pk]))

    @method_decorator(require_POST)
    def review_view(self, request, object_id):
        """Record that an editor has read this summary (who and when)."""
        summary = summary_mark_reviewed(summary=self._summary_for_change(request, object_id), user=request.user)
        self.log_change(request, summary, "Marked reviewed")
        if summary.has_blocking_flags:
            messages.warning(request, "Marked reviewed, but blocking flags remain: publishing will ask to override.")
        else:
            messages.success(request, "Marked reviewed.")
        return HttpResponseRedirect(next_url(request, reverse("admin:papers_summary_change", args=[summary.pk])))

    @method_decorator(require_POST)
    def affiliation_view(self, request, object_id):
        """Correct the affiliation the PDF stage read, then re-check the summaries."""
        summary = self._summary(request, object_id)
        if not request.user.has_perm("papers.change_papercontent"):
            raise PermissionDenied
        content = get_object_or_404(PaperContent, paper=summary.paper)
        form = AffiliationForm(request.POST)
        if form.is_valid():
            old = content.affiliation
            paper_content_correct_affiliation(content=content, affiliation=form.cleaned_data["affiliation"])
            self.log_change(request, content, f"Affiliation corrected from {old!r} to {content.affiliation!r}")
            messages.success(request, "Affiliation corrected; the summary's checks were run again.")
        else:
            messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(reverse("admin:papers_summary_change", args=[summary.pk]))

    # -- history ---------------------------------------------------------------
    def revisions_view(self, request, object_id):
        """Every revision with a diff against the one before it; candidates against the live text."""
        summary = self._summary(request, object_id)
        if not self.has_view_or_change_permission(request, summary):
            raise PermissionDenied
        revisions = summary.revisions.select_related("author").order_by("created_at", "id")[:MAX_REVISIONS_SHOWN]
        rows = []
        previous = None
        for revision in revisions:
            if revision.state == RevisionState.APPLIED:
                diff = content_diff_html(
                    previous.content if previous else None,
                    revision.content,
                    before_label=revision_label(previous) if previous else "(nothing)",
                    after_label=revision_label(revision),
                )
                previous = revision
            else:
                diff = content_diff_html(
                    summary.sections(),
                    revision.content,
                    before_label="Live summary",
                    after_label=revision_label(revision),
                )
            rows.append({"revision": revision, "label": revision_label(revision), "diff": diff})
        rows.reverse()
        return TemplateResponse(
            request,
            "admin/papers/summary/revisions.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"History of {summary}",
                "original": summary,
                "summary": summary,
                "rows": rows,
                "can_change": self.has_change_permission(request, summary),
            },
        )

    @method_decorator(require_POST)
    def apply_revision_view(self, request, object_id, revision_id):
        """Revert to a revision, or accept a candidate: either way a new revision is written."""
        summary = self._summary_for_change(request, object_id)
        revision = get_object_or_404(SummaryRevision, pk=revision_id, summary=summary)
        if revision.state == RevisionState.DISMISSED:
            messages.error(request, "That candidate was dismissed; it cannot be applied.")
        else:
            was_candidate = revision.state == RevisionState.CANDIDATE
            summary = summary_apply_revision(revision=revision, user=request.user)
            verb = "Accepted candidate" if was_candidate else "Reverted to revision"
            self.log_change(request, summary, f"{verb} #{revision.pk} ({revision_label(revision)})")
            messages.success(request, f"{verb} #{revision.pk}.")
        return HttpResponseRedirect(reverse("admin:papers_summary_revisions", args=[summary.pk]))

    @method_decorator(require_POST)
    def dismiss_revision_view(self, request, object_id, revision_id):
        summary = self._summary_for_change(request, object_id)
        revision = get_object_or_404(SummaryRevision, pk=revision_id, summary=summary)
        summary_dismiss_candidate(revision=revision)
        self.log_change(request, summary, f"Dismissed candidate #{revision.pk}")
        messages.success(request, f"Dismissed candidate #{revision.pk}.")
        return HttpResponseRedirect(next_url(request, reverse("admin:papers_summary_revisions", args=[summary.pk])))


@admin.register(SummaryRevision)
class SummaryRevisionAdmin(admin.ModelAdmin):
    list_display = ["summary", "kind", "state", "author", "model_name", "created_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["summary__paper", "author"]
    # The author as text: the admin would link it to the user admin, which editors may not open.
    fields = [
        "summary",
        "kind",
        "state",
        "author_name",
        "created_at",
        "public_note",
        "content",
        "flags",
        "backend",
        "model_name",
        "prompt_version",
        "source_version",
        "input_tokens",
        "output_tokens",
        "latency_ms",
    ]
    readonly_fields = ["author_name"]

    @admin.display(description="Author")
    def author_name(self, obj):
        return obj.author.get_username() if obj.author else "—"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "summary":
            # Not the summary admin's queryset: it sorts by the review queue's annotations,
            # which a plain Summary queryset does not have.
            kwargs["queryset"] = Summary.objects.select_related("paper")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # history is the record: read it, apply it from the summary page

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
