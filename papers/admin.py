"""The editor's desk for papers: review queue, summary editor, history, figures, actions, dashboard.

The Summary changelist *is* the review queue. Editors (the "Editor" group,
see ``manage.py setup_roles``) hold view/change permissions on papers,
contents, figures, summaries and digests only; topics, users, groups and
django-q2 schedules stay with superusers because nobody else has their
permissions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Cast
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from digests.models import DigestEntry

from . import admin_views
from .admin_forms import RegenerateForm, TopicAdminForm
from .models import (
    Figure,
    IngestRun,
    Paper,
    PaperContent,
    PaperStatus,
    Summary,
    SummaryRevision,
    Topic,
    TopicPaper,
)
from .services.actions import ACTIONS, papers_enqueue_action

# Flags are a JSON list; matching their text keeps the queue one portable query
# (SQLite has no JSON containment). Django and PostgreSQL both write ``"key": value``.
BLOCKING_TEXT = '"blocking": true'


def flags_html(flags: list[dict]) -> str:
    if not flags:
        return "—"
    return format_html(
        '<ul class="flag-list">{}</ul>',
        format_html_join(
            "",
            '<li class="{}"><strong>{}</strong>{}</li>',
            (
                (
                    "flag-blocking" if f.get("blocking") else "flag-warning",
                    "Blocking: " if f.get("blocking") else "Warning: ",
                    f.get("message") or f.get("code", ""),
                )
                for f in flags
            ),
        ),
    )


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


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "version", "short_title", "status", "failed_step", "last_task_at", "busy"]
    list_filter = ["status", "failed_step", "topics"]
    search_fields = ["arxiv_id", "title"]
    inlines = [TopicPaperInline, SummaryLinkInline]
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
    def _enqueue(self, request, papers, action, model=""):
        outcome = papers_enqueue_action(papers=list(papers), action=action, model=model)
        label = ACTIONS[action][1]
        for paper in outcome.queued:
            self.log_change(request, paper, f"Queued: {label}" + (f" with model {model}" if model else ""))
        if outcome.queued:
            self.message_user(
                request,
                f"Queued {label} for {len(outcome.queued)} paper(s); progress shows in status and last task.",
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
                "opts": self.model._meta,
                "papers": queryset,
                "form": form,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def run_action_view(self, request, object_id, action):
        """Run one action on one paper from its change page (POST only)."""
        paper = self.get_object(request, str(object_id))
        if paper is None or action not in ACTIONS:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(object_id))
        if not self.has_change_permission(request, paper):
            raise admin_views.PermissionDenied
        if request.method == "POST":
            model = request.POST.get("model", "").strip() if action == "regenerate" else ""
            self._enqueue(request, [paper], action, model=model)
        return HttpResponseRedirect(reverse("admin:papers_paper_change", args=[paper.pk]))

    def render_change_form(self, request, context, *args, **kwargs):
        context["paper_actions"] = [(name, label) for name, (_func, label) in ACTIONS.items()]
        return super().render_change_form(request, context, *args, **kwargs)

    # -- dashboard ---------------------------------------------------------
    def dashboard_view(self, request):
        return admin_views.dashboard_view(self, request)

    def retry_failure_view(self, request, task_id):
        return admin_views.retry_failure_view(self, request, task_id)


# Editors may correct what the PDF stage read (affiliation, code links); the rest is its record.
CONTENT_EDITABLE_FIELDS = ("affiliation", "code_links")
CONTENT_FIELDS = [
    "paper",
    "affiliation",
    "affiliation_evidence",
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
        from papers.services.metadata import paper_content_correct_affiliation

        super().save_model(request, obj, form, change)
        # Re-check the summaries against the corrected fact.
        paper_content_correct_affiliation(content=obj, affiliation=obj.affiliation)


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["paper", "kind", "label", "page", "order", "hidden"]
    list_filter = ["kind", "hidden"]
    list_select_related = ["paper"]
    search_fields = ["paper__arxiv_id", "label", "caption"]
    fields = ["paper", "kind", "label", "caption", "page", "order", "hidden", "image", "thumbnail"]
    readonly_fields = ["paper", "kind", "page", "image", "thumbnail"]

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/hidden/", wrap(self.hidden_view), name="papers_figure_hidden"),
            path("<int:object_id>/move/<str:direction>/", wrap(self.move_view), name="papers_figure_move"),
            path("<int:object_id>/cover/", wrap(self.cover_view), name="papers_figure_cover"),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        from digests.services.publish import figure_set_hidden, public_cache_invalidate

        super().save_model(request, obj, form, change)
        if "hidden" in form.changed_data:
            figure_set_hidden(figure=obj, hidden=obj.hidden)
        else:
            public_cache_invalidate()

    def hidden_view(self, request, object_id):
        return admin_views.figure_hidden_view(self, request, object_id)

    def move_view(self, request, object_id, direction):
        return admin_views.figure_move_view(self, request, object_id, direction)

    def cover_view(self, request, object_id):
        return admin_views.figure_cover_view(self, request, object_id)


class QueueFilter(admin.SimpleListFilter):
    """What the editor should look at; defaults to what needs an editor."""

    title = "queue"
    parameter_name = "queue"
    DEFAULT = "needs"

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
            return queryset.filter(in_digest=True, priority__lte=2)
        if value == "blocking":
            return queryset.filter(priority=0)
        if value == "flagged":
            return queryset.exclude(flags_text="[]")
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
            return queryset.filter(Exists(TopicPaper.objects.filter(paper=OuterRef("paper"), topic_id=self.value())))
        return queryset


class DigestDateFilter(admin.SimpleListFilter):
    title = "digest date"
    parameter_name = "digest_date"

    def lookups(self, request, model_admin):
        from digests.models import Digest

        dates = Digest.objects.order_by("-date").values_list("date", flat=True).distinct()[:14]
        return [(d.isoformat(), d.isoformat()) for d in dates]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(DigestEntry.objects.filter(paper=OuterRef("paper"), digest__date=self.value()))
            )
        return queryset


class FlagCodeFilter(admin.SimpleListFilter):
    title = "flag"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        codes: dict[str, str] = {}
        for flags in Summary.objects.exclude(flags=[]).values_list("flags", flat=True)[:2000]:
            for flag in flags or []:
                code = flag.get("code")
                if code:
                    codes.setdefault(code, code.replace("_", " "))
        return sorted(codes.items())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(flags_text__contains=f'"code": "{self.value()}"')
        return queryset


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    """The review queue (changelist) and the summary editor (change view)."""

    list_display = [
        "paper_link",
        "language",
        "digest_date",
        "flag_list",
        "paper_status",
        "is_edited",
        "review_state",
    ]
    list_filter = [QueueFilter, TopicFilter, DigestDateFilter, "paper__status", FlagCodeFilter, "language"]
    list_select_related = ["paper", "reviewed_by"]
    search_fields = ["paper__arxiv_id", "paper__title", "one_line"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False  # summaries are written by the pipeline, then edited here

    def has_delete_permission(self, request, obj=None):
        # Its revisions are the record of who wrote what; a summary goes only with its paper.
        return False

    def get_queryset(self, request):
        latest_entry = DigestEntry.objects.filter(paper=OuterRef("paper"), digest__topic__language=OuterRef("language"))
        # Not super(): the admin orders before we could annotate what it orders by.
        return (
            self.model._default_manager.get_queryset()
            .annotate(
                flags_text=Cast("flags", TextField()),
                digest_date=Subquery(latest_entry.order_by("-digest__date").values("digest__date")[:1]),
                in_digest=Exists(latest_entry),
            )
            .annotate(
                priority=Case(
                    When(flags_text__contains=BLOCKING_TEXT, then=Value(0)),
                    When(~Q(flags_text="[]") & Q(reviewed_at__isnull=True), then=Value(1)),
                    When(reviewed_at__isnull=True, then=Value(2)),
                    default=Value(3),
                    output_field=IntegerField(),
                )
            )
            .order_by(*self.get_ordering(request))
        )

    def get_ordering(self, request):
        return ["priority", "-digest_date", "paper__arxiv_id"]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Review queue", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="Paper", ordering="paper__arxiv_id")
    def paper_link(self, obj):
        return format_html("<strong>{}</strong><br>{}", obj.paper.arxiv_id, obj.paper.title)

    @admin.display(description="Digest", ordering="digest_date")
    def digest_date(self, obj):
        return obj.digest_date or "—"

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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.summary_edit_view(self, request, object_id)

    def review_view(self, request, object_id):
        return admin_views.summary_review_view(self, request, object_id)

    def affiliation_view(self, request, object_id):
        return admin_views.summary_affiliation_view(self, request, object_id)

    def revisions_view(self, request, object_id):
        return admin_views.summary_revisions_view(self, request, object_id)

    def apply_revision_view(self, request, object_id, revision_id):
        return admin_views.summary_apply_revision_view(self, request, object_id, revision_id)

    def dismiss_revision_view(self, request, object_id, revision_id):
        return admin_views.summary_dismiss_revision_view(self, request, object_id, revision_id)


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
            # Not the summary admin's ordering: it sorts by the review queue's annotations,
            # which a plain Summary queryset does not have.
            kwargs["queryset"] = Summary.objects.select_related("paper")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # history is the record: read it, apply it from the summary page

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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
