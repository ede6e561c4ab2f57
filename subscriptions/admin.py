"""Editors manage chat targets per topic; subscribers' addresses are not listed anywhere."""

from django.contrib import admin

from .models import NotificationTarget, Push


class PushInline(admin.TabularInline):
    model = Push
    extra = 0
    can_delete = False
    fields = ("digest", "ok", "error", "sent_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    list_display = ("name", "topic", "url_reference", "is_active", "url_is_set")
    list_filter = ("topic", "is_active")
    fields = ("topic", "name", "url_reference", "is_active")
    inlines = [PushInline]

    @admin.display(boolean=True, description="URL set in the environment")
    def url_is_set(self, obj: NotificationTarget) -> bool:
        return bool(obj.resolve_url())


@admin.register(Push)
class PushAdmin(admin.ModelAdmin):
    list_display = ("digest", "target", "ok", "sent_at")
    list_filter = ("ok", "target__topic")
    readonly_fields = ("target", "digest", "ok", "error", "created_at", "sent_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
