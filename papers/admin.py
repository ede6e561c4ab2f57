from django.contrib import admin

from .models import Figure, IngestRun, Paper, PaperContent, Summary, SummaryRevision, Topic, TopicPaper


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "language", "is_active", "auto_publish", "max_papers_per_day"]
    list_filter = ["is_active", "language"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "arxiv_query"]


class TopicPaperInline(admin.TabularInline):
    model = TopicPaper
    extra = 0
    readonly_fields = ["topic", "digest_date", "ingest_run", "matched_at"]
    can_delete = False


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["arxiv_id", "version", "title", "status", "failed_step", "published"]
    list_filter = ["status", "failed_step", "topics"]
    search_fields = ["arxiv_id", "title"]
    inlines = [TopicPaperInline]
    readonly_fields = [
        "arxiv_id", "version", "title", "abstract", "authors", "primary_category", "categories",
        "comment", "journal_ref", "doi", "published", "updated", "abs_url", "pdf_url",
        "status", "failed_step", "last_error", "last_task_at", "processing_until",
    ]


@admin.register(PaperContent)
class PaperContentAdmin(admin.ModelAdmin):
    list_display = ["paper", "pdf_version", "page_count", "affiliation", "parsed_at"]
    list_select_related = ["paper"]
    readonly_fields = ["paper"]


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["paper", "kind", "label", "page", "order", "hidden"]
    list_filter = ["kind", "hidden"]
    list_select_related = ["paper"]


@admin.register(Summary)
class SummaryAdmin(admin.ModelAdmin):
    list_display = ["paper", "language", "backend", "model_name", "is_edited", "updated_at"]
    list_filter = ["language", "backend", "is_edited"]
    list_select_related = ["paper"]


@admin.register(SummaryRevision)
class SummaryRevisionAdmin(admin.ModelAdmin):
    list_display = ["summary", "kind", "state", "author", "created_at"]
    list_filter = ["kind", "state"]


@admin.register(IngestRun)
class IngestRunAdmin(admin.ModelAdmin):
    list_display = ["topic", "digest_date", "status", "total_results", "new_count", "updated_count",
                    "unchanged_count", "started_at"]
    list_filter = ["status", "topic"]
    list_select_related = ["topic"]
