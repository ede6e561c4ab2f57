"""Chat targets per topic, what was sent, and subscribers; subscribers' addresses are not listed anywhere."""

from django.contrib import admin, messages
from django.db.models import Count, Q

from .models import DeliveryState, Mailing, NotificationTarget, Push, Subscriber
from .services.subscribe import subscriber_unsubscribe


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Find one subscriber by their exact address (a reader asking to leave) and unsubscribe or remove them.

    The address is a search key only: no list, form or confirmation page shows
    it, and no partial match lets anyone browse addresses.
    """

    list_display = ("__str__", "is_confirmed", "topic_count", "created_at", "unsubscribed_at")
    list_filter = ("topics",)
    search_fields = ("=email",)
    search_help_text = "The subscriber's exact email address."
    fields = ("topics", "confirmed_at", "unsubscribed_at", "created_at")
    # Following a topic needs the reader's own confirmation, so nobody edits topics here.
    readonly_fields = fields
    actions = ["unsubscribe"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_topics=Count("topics"))

    @admin.display(boolean=True, description="confirmed", ordering="confirmed_at")
    def is_confirmed(self, obj: Subscriber) -> bool:
        return obj.is_confirmed

    @admin.display(description="topics", ordering="n_topics")
    def topic_count(self, obj) -> int:
        return obj.n_topics

    @admin.action(description="Unsubscribe from every topic", permissions=["change"])
    def unsubscribe(self, request, queryset):
        for subscriber in queryset:
            subscriber_unsubscribe(subscriber=subscriber)
        self.message_user(request, f"{len(queryset)} unsubscribed.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


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


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    """How a digest's mails went out: counts per state, never the addresses."""

    list_display = ("digest", "created_at", "sent", "waiting", "failed")
    readonly_fields = ("digest", "created_at", "sent", "waiting", "failed", "last_errors")
    list_select_related = ("digest__topic",)

    def get_queryset(self, request):
        states = {
            "n_sent": Q(digest__deliveries__state=DeliveryState.SENT),
            "n_waiting": Q(digest__deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]),
            "n_failed": Q(digest__deliveries__state=DeliveryState.FAILED),
        }
        return (
            super()
            .get_queryset(request)
            .annotate(**{name: Count("digest__deliveries", filter=condition) for name, condition in states.items()})
        )

    @admin.display(ordering="n_sent")
    def sent(self, obj) -> int:
        return obj.n_sent

    @admin.display(ordering="n_waiting", description="pending")
    def waiting(self, obj) -> int:
        return obj.n_waiting

    @admin.display(ordering="n_failed")
    def failed(self, obj) -> int:
        return obj.n_failed

    @admin.display(description="last errors")
    def last_errors(self, obj) -> str:
        errors = obj.digest.deliveries.filter(state=DeliveryState.FAILED).values_list("last_error", flat=True)[:5]
        return "\n".join(errors) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
