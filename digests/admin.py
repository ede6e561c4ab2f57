from django.contrib import admin

from .models import Digest, DigestEntry


class DigestEntryInline(admin.TabularInline):
    model = DigestEntry
    extra = 0
    raw_id_fields = ["paper"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["topic", "date", "status", "published_at"]
    list_filter = ["status", "topic"]
    list_select_related = ["topic"]
    inlines = [DigestEntryInline]
    raw_id_fields = ["cover_figure"]
