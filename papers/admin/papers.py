"""Topics, papers (with their actions and the pipeline dashboard), PDF contents and ingest runs."""

from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from papers.admin_forms import RegenerateForm, TopicAdminForm
from papers.models import Figure, IngestRun, Paper, PaperContent, PaperStatus, Summary, Topic, TopicPaper
from papers.queue import EDITOR_JOBS, failure_requeue, papers_enqueue_job
from papers.services.metadata import paper_content_correct_affiliation

from .figures import figure_preview

DASHBOARD_DAYS = 30


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicAdminForm
    list_display = ["name", "slug", "language", "is_active", "auto_publish", "max_papers_per_day"]
    list_filter = ["is_active", "language"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "arxiv_query"]


class TopicPaperInline(admin.TabularInline):
    model = TopicPaper
    extra = 0
    fields = ["topic", "digest_date", "ingest_run", "matched_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SummaryLinkInline(admin.TabularInline):
    model = Summary
    extra = 0
    fields = ["language", "edit_link", "flag_count", "is_edited", "reviewed_by", "reviewed_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Summary")
    def edit_link(self, obj):
        return format_html('<a href="{}">Edit summary</a>', reverse("admin:papers_summary_change", args=[obj.pk]))

    @admin.display(description="Flags")
    def flag_count(self, obj):
        return len(obj.flags)


class FigureInline(admin.TabularInline):
    """The paper's figures as images; hiding, order and captions are changed on each figure's own page
    (and in the summary editor), where hiding also lets go of a digest cover."""

    model = Figure
    extra = 0
    fields = ["preview", "label", "caption", "order", "hidden", "change_link"]
    readonly_fields = fields
    can_delete = False
    ordering = ["order", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Image")
    def preview(self, obj):
        return figure_preview(obj)

    @admin.display(description="Figure")
    def change_link(self, obj):
        return format_html('<a href="{}">Edit, hide or move</a>', reverse("admin:papers_figure_change", args=[obj.pk]))


def _reviewed_shown_summary():
    """A reviewed summary of the paper that its topic shows: the one in the topic's language, else,
    when there is none, the paper's first in another (an offline summary in the paper's language).
    The rule of ``digests.selectors.summary_in_language``, which papers cannot import."""
    none_in_topic_language = ~Exists(
        Summary.objects.filter(paper=OuterRef("paper"), language=OuterRef(OuterRef("topic__language")))
    )
    first = ~Exists(Summary.objects.filter(paper=OuterRef("paper"), language__lt=OuterRef("language")))
    return Summary.objects.filter(paper=OuterRef("paper"), reviewed_at__isnull=False).filter(
        Q(language=OuterRef("topic__language")) | (none_in_topic_language & first)
    )


def pipeline_counts(*, since: datetime.date):
    """Per topic and digest day: fetched / parsed / summarized / failed / pending / reviewed, in one query.

    Pending counts the papers the pipeline has not finished (neither summarized
    nor failed): while a day runs, the editor sees how many are still to come.
    """
    parsed = [PaperStatus.PARSED, PaperStatus.SUMMARIZED]
    finished = [PaperStatus.SUMMARIZED, PaperStatus.FAILED]
    return (
        TopicPaper.objects.filter(digest_date__gte=since)
        .values("topic_id", "topic__name", "digest_date")
        .annotate(
            fetched=Count("paper", distinct=True),
            parsed=Count("paper", distinct=True, filter=Q(paper__status__in=parsed)),
            summarized=Count("paper", distinct=True, filter=Q(paper__status=PaperStatus.SUMMARIZED)),
            failed=Count("paper", distinct=True, filter=Q(paper__status=PaperStatus.FAILED)),
            pending=Count("paper", distinct=True, filter=~Q(paper__status__in=finished)),
            reviewed=Count("paper", distinct=True, filter=Exists(_reviewed_shown_summary())),
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


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "version", "short_title", "status", "failed_step", "last_task_at", "busy"]
    list_filter = ["status", "failed_step", "topics"]
    search_fields = ["arxiv_id", "title"]
    inlines = [TopicPaperInline, SummaryLinkInline, FigureInline]
    actions = ["refresh_metadata", "reprocess", "regenerate", "regenerate_with_model"]
    change_form_template = "admin/papers/paper/change_form.html"
    # Facts come from arXiv and pipeline state from the workers: nothing here is typed in.
    PIPELINE_FIELDS = ["status", "failed_step", "last_error", "last_task_at", "processing_until"]
    FACT_FIELDS = [
        "arxiv_id",
        "version",
        "title",
        "abstract",
        "authors",
        "primary_category",
        "categories",
        "comment",
        "journal_ref",
        "doi",
        "published",
        "updated",
        "abs_url",
        "pdf_url",
    ]
    fieldsets = [("Pipeline", {"fields": PIPELINE_FIELDS}), ("arXiv facts", {"fields": FACT_FIELDS})]
    readonly_fields = FACT_FIELDS + PIPELINE_FIELDS

    def has_add_permission(self, request):
        return False  # papers come from arXiv, never from a form

    @admin.display(description="Title")
    def short_title(self, obj):
        return obj.title if len(obj.title) <= 80 else obj.title[:79] + "…"

    @admin.display(description="Running", boolean=True)
    def busy(self, obj):
        return bool(obj.processing_until and obj.processing_until > timezone.now())

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="papers_dashboard"),
            path(
                "dashboard/failures/<str:task_id>/retry/",
                wrap(self.retry_failure_view),
                name="papers_failure_retry",
            ),
            path("<int:object_id>/run/<str:action>/", wrap(self.run_action_view), name="papers_paper_run"),
            *super().get_urls(),
        ]

    # -- actions -----------------------------------------------------------
    def _enqueue(self, request, papers, job_name, model=""):
        job = EDITOR_JOBS[job_name]
        outcome = papers_enqueue_job(papers=list(papers), job=job, model=model)
        for paper in outcome.queued:
            self.log_change(request, paper, f"Queued: {job.label}" + (f" with model {model}" if model else ""))
        if outcome.queued:
            self.message_user(
                request,
                f"Queued {job.label} for {len(outcome.queued)} paper(s); progress shows in status and last task.",
                messages.SUCCESS,
            )
        if outcome.busy:
            ids = ", ".join(p.arxiv_id for p in outcome.busy)
            self.message_user(request, f"Not queued, being processed right now: {ids}.", messages.WARNING)
        if outcome.duplicate:
            ids = ", ".join(p.arxiv_id for p in outcome.duplicate)
            self.message_user(request, f"Already queued a moment ago: {ids}.", messages.WARNING)

    @admin.action(description="Re-fetch metadata from arXiv", permissions=["change"])
    def refresh_metadata(self, request, queryset):
        self._enqueue(request, queryset, "refresh_metadata")

    @admin.action(description="Re-process PDF (download if needed, parse again, summarize)", permissions=["change"])
    def reprocess(self, request, queryset):
        self._enqueue(request, queryset, "reprocess")

    @admin.action(description="Regenerate summary", permissions=["change"])
    def regenerate(self, request, queryset):
        self._enqueue(request, queryset, "regenerate")

    @admin.action(description="Regenerate summary with another model…", permissions=["change"])
    def regenerate_with_model(self, request, queryset):
        if "apply" in request.POST:
            form = RegenerateForm(request.POST)
            if form.is_valid():
                self._enqueue(request, queryset, "regenerate", model=form.cleaned_data["model"])
                return None
        else:
            form = RegenerateForm()
        return TemplateResponse(
            request,
            "admin/papers/paper/regenerate.html",
            {
                **self.admin_site.each_context(request),
                "title": "Regenerate summaries with another model",
                "opts": self.opts,
                "papers": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def run_action_view(self, request, object_id, action):
        """Run one action on one paper from its change page (POST only)."""
        paper = self.get_object(request, str(object_id))
        if paper is None or action not in EDITOR_JOBS:
            raise Http404(f"No paper {object_id} or no action {action!r}.")
        if not self.has_change_permission(request, paper):
            raise PermissionDenied
        if request.method == "POST":
            model = request.POST.get("model", "").strip() if action == "regenerate" else ""
            self._enqueue(request, [paper], action, model=model)
        return HttpResponseRedirect(reverse("admin:papers_paper_change", args=[paper.pk]))

    def render_change_form(self, request, context, *args, **kwargs):
        context["paper_actions"] = [(job.name, job.label) for job in EDITOR_JOBS.values()]
        return super().render_change_form(request, context, *args, **kwargs)

    # -- dashboard ---------------------------------------------------------
    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        from django_q.models import Failure

        since = _dashboard_since(request)
        return TemplateResponse(
            request,
            "admin/papers/dashboard.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Pipeline dashboard",
                "rows": list(pipeline_counts(since=since)),
                "since": since,
                "failures": list(Failure.objects.order_by("-stopped")[:50]),
                "busy": Paper.objects.filter(processing_until__gt=timezone.now()).count(),
                "can_retry": self.has_change_permission(request),
            },
        )

    @method_decorator(require_POST)
    def retry_failure_view(self, request, task_id):
        """Queue a failed django-q2 task again with its arguments, and drop the failure."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        from django_q.models import Failure

        failure = get_object_or_404(Failure, id=task_id)
        name = failure.name
        failure_requeue(failure)
        self.message_user(request, f"Queued {name} again.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:papers_dashboard"))


# Editors may correct what the PDF stage read (affiliation, code links); the rest is its record.
CONTENT_EDITABLE_FIELDS = ("affiliation", "code_links")
CONTENT_FIELDS = [
    "paper",
    "affiliation",
    "affiliation_evidence",
    "affiliation_note",
    "code_links",
    "pdf_version",
    "pdf",
    "pdf_sha256",
    "pdf_bytes",
    "page_count",
    "downloaded_at",
    "parsed_version",
    "parsed_at",
    "warnings",
]


@admin.register(PaperContent)
class PaperContentAdmin(admin.ModelAdmin):
    """Editors may correct what the PDF stage read (affiliation, code links); the file stays."""

    list_display = ["paper", "pdf_version", "page_count", "affiliation", "parsed_at"]
    list_select_related = ["paper"]
    search_fields = ["paper__arxiv_id", "affiliation"]
    fields = CONTENT_FIELDS
    readonly_fields = [name for name in CONTENT_FIELDS if name not in CONTENT_EDITABLE_FIELDS]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Re-check the summaries against the corrected fact.
        paper_content_correct_affiliation(content=obj, affiliation=obj.affiliation)


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = [
        "topic",
        "digest_date",
        "status",
        "total_results",
        "new_count",
        "updated_count",
        "unchanged_count",
        "started_at",
    ]
    list_filter = ["status", "topic"]
    list_select_related = ["topic"]
