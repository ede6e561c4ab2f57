"""Digests in the admin: order and hide entries, choose the cover, preview, publish or schedule."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from papers.admin.common import flags_html, next_url
from papers.admin.summaries import SummaryAdmin
from papers.models import Figure, Summary

from .admin_forms import PublishForm
from .models import Digest, DigestEntry, DigestStatus
from .selectors import summaries_prefetch, summary_in_language
from .services.build import digest_build
from .services.public import public_site_refresh_on_commit
from .services.publish import (
    PublishBlocked,
    digest_blockers,
    digest_publish,
    digest_unpublish,
    paper_use_figure_as_cover,
)

PUBLISH_PERMISSION = "digests.publish_digest"


class DigestEntryInline(admin.TabularInline):
    model = DigestEntry
    extra = 0
    max_num = 0  # entries come from the digest build; editors order and hide them
    can_delete = False
    fields = ["position", "paper_link", "summary_flags", "hidden"]
    readonly_fields = ["paper_link", "summary_flags"]
    ordering = ["position", "id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("paper", "digest__topic")
            .prefetch_related(summaries_prefetch())
        )

    def _summary(self, obj) -> Summary | None:
        return summary_in_language(obj.paper.summaries.all(), obj.digest.topic.language)

    @admin.display(description="Paper")
    def paper_link(self, obj):
        summary = self._summary(obj)
        if summary is None:
            return format_html("{}: {} (no summary yet)", obj.paper.arxiv_id, obj.paper.title)
        return format_html(
            '<a href="{}">{}</a>: {}',
            reverse("admin:papers_summary_change", args=[summary.pk]),
            obj.paper.arxiv_id,
            obj.paper.title,
        )

    @admin.display(description="Flags")
    def summary_flags(self, obj):
        summary = self._summary(obj)
        if summary is None:
            return "—"
        review = "reviewed" if summary.reviewed_at else "not reviewed"
        return format_html("{}<small>{}</small>", flags_html(summary.flags), review)


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["topic", "date", "state", "visible_entries", "published_at", "published_by"]
    list_filter = ["status", "topic"]
    list_select_related = ["topic", "published_by"]
    date_hierarchy = "date"
    inlines = [DigestEntryInline]
    change_form_template = "admin/digests/digest/change_form.html"
    fieldsets = [
        (None, {"fields": ["topic_name", "date", "title", "description", "cover_figure", "cover_preview"]}),
        (
            "Publication",
            {"fields": ["state", "published_at", "first_published_at", "publisher", "override_note"]},
        ),
    ]
    # The topic and the publisher as text: the admin would link them to pages
    # (topics, users) that an editor may not open.
    readonly_fields = [
        "topic_name",
        "date",
        "cover_preview",
        "state",
        "published_at",
        "first_published_at",
        "publisher",
        "override_note",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_paper_count()

    def has_add_permission(self, request):
        # Digests are composed by build_digest from the topic's papers.
        return request.user.is_superuser

    # Adding asks only for the topic and day; build_digest composes the rest.
    add_fieldsets = [(None, {"fields": ["topic", "date"]})]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else super().get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.pk = digest_build(topic=obj.topic, date=obj.date).pk
        obj.refresh_from_db()
        obj._state.adding = False

    @admin.display(description="Topic")
    def topic_name(self, obj):
        return obj.topic.name

    @admin.display(description="Published by")
    def publisher(self, obj):
        return obj.published_by.get_username() if obj.published_by else "—"

    @admin.display(description="Entries shown", ordering="paper_count")
    def visible_entries(self, obj):
        return obj.paper_count

    @admin.display(description="State")
    def state(self, obj):
        if obj.status == DigestStatus.DRAFT:
            return "Draft"
        if obj.is_live:
            return "Live"
        return f"Scheduled for {timezone.localtime(obj.published_at):%Y-%m-%d %H:%M}"

    @admin.display(description="Cover")
    def cover_preview(self, obj):
        figure = obj.cover_figure
        if figure is None:
            return "—"
        image = figure.thumbnail or figure.image
        if image:
            return format_html('<img src="{}" alt="{}" style="max-height:120px">', image.url, str(figure))
        return str(figure)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cover_figure":
            digest_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            # Only visible figures of this digest's papers can be its cover.
            kwargs["queryset"] = (
                Figure.objects.shown()
                .filter(paper__digest_entries__digest_id=digest_id)
                .select_related("paper")
                .order_by("paper__arxiv_id", "order", "id")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Entries shown or hidden change what search finds, too.
        public_site_refresh_on_commit(paper_ids=form.instance.entries.values_list("paper_id", flat=True))

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            context["can_publish"] = request.user.has_perm(PUBLISH_PERMISSION)
            context["blockers"] = digest_blockers(digest=obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/publish/", wrap(self.publish_view), name="digests_digest_publish"),
            path("<int:object_id>/unpublish/", wrap(self.unpublish_view), name="digests_digest_unpublish"),
            path("<int:object_id>/preview/", wrap(self.preview_view), name="digests_digest_preview"),
            path("cover-from-figure/<int:figure_id>/", wrap(self.cover_view), name="digests_digest_cover"),
            *super().get_urls(),
        ]

    def _digest(self, request, object_id) -> Digest:
        digest = self.get_object(request, str(object_id))
        if digest is None:
            raise Http404(f"No digest with id {object_id}.")
        return digest

    def publish_view(self, request, object_id):
        """Publish now or schedule; blocking flags on visible entries need an explicit override."""
        digest = self._digest(request, object_id)
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        blockers = digest_blockers(digest=digest)
        if request.method == "POST":
            form = PublishForm(request.POST)
            if form.is_valid():
                at = form.cleaned_data["at"]
                override = form.cleaned_data["override"]
                try:
                    digest = digest_publish(digest=digest, user=request.user, at=at, override=override)
                except PublishBlocked as blocked:
                    blockers = blocked.blockers
                    form.add_error(
                        "override", "Blocking problems remain; tick the box to publish anyway, or fix them first."
                    )
                else:
                    when = "now" if digest.is_live else f"at {timezone.localtime(digest.published_at):%Y-%m-%d %H:%M}"
                    note = f"Published {when}"
                    flagged = [b.paper.arxiv_id for b in blockers if b.paper is not None]
                    if flagged:
                        note += " overriding blocking flags on " + ", ".join(flagged)
                    if len(flagged) < len(blockers):
                        note += " with no paper listed"
                    self.log_change(request, digest, note)
                    self.message_user(request, f"{digest}: {note}.", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:digests_digest_change", args=[digest.pk]))
        else:
            form = PublishForm()
        return TemplateResponse(
            request,
            "admin/digests/digest/publish.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": digest,
                "digest": digest,
                "title": f"Publish {digest}",
                "form": form,
                "blockers": [
                    {"blocker": b, "flags": flags_html(b.summary.flags) if b.summary else b.messages[0]}
                    for b in blockers
                ],
            },
        )

    @method_decorator(require_POST)
    def unpublish_view(self, request, object_id):
        digest = self._digest(request, object_id)
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        digest = digest_unpublish(digest=digest, user=request.user)
        self.log_change(request, digest, "Unpublished")
        self.message_user(request, f"{digest} is a draft again.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:digests_digest_change", args=[digest.pk]))

    def preview_view(self, request, object_id):
        """Render the public digest page itself, drafts included (the viewer is staff)."""
        digest = self._digest(request, object_id)
        if not self.has_view_or_change_permission(request, digest):
            raise PermissionDenied
        match = resolve(digest.get_absolute_url())
        response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        add_never_cache_headers(response)
        return response

    @method_decorator(require_POST)
    def cover_view(self, request, figure_id):
        """Make a figure the cover of every digest its paper is in (from the summary editor)."""
        figure = get_object_or_404(Figure.objects.select_related("paper"), pk=figure_id)
        back = next_url(request, reverse("admin:papers_figure_change", args=[figure.pk]))
        if not self.has_change_permission(request):
            raise PermissionDenied
        if figure.hidden:
            messages.error(request, "A hidden figure cannot be the cover; show it first.")
            return HttpResponseRedirect(back)
        digests = paper_use_figure_as_cover(figure=figure)
        for digest in digests:
            self.log_change(request, digest, f"Cover set to {figure}")
        if digests:
            messages.success(request, f"{figure} is the cover of: {', '.join(str(d) for d in digests)}.")
        else:
            messages.warning(request, "This paper is in no digest yet.")
        return HttpResponseRedirect(back)


class DigestDateFilter(admin.SimpleListFilter):
    title = "digest date"
    parameter_name = "digest_date"

    def lookups(self, request, model_admin):
        dates = Digest.objects.order_by("-date").values_list("date", flat=True).distinct()[:14]
        return [(d.isoformat(), d.isoformat()) for d in dates]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                Exists(DigestEntry.objects.filter(paper=OuterRef("paper"), digest__date=self.value()))
            )
        return queryset


class ReviewQueueAdmin(SummaryAdmin):
    """The summary admin, knowing digests: the queue holds what digests list, newest day first,
    and the editor shows which digests list the paper and lets an editor choose their cover."""

    change_form_template = "admin/digests/summary_edit.html"
    list_display = [*SummaryAdmin.list_display[:2], "digest_date", *SummaryAdmin.list_display[2:]]
    list_filter = [*SummaryAdmin.list_filter[:2], DigestDateFilter, *SummaryAdmin.list_filter[2:]]

    def queue_annotate(self, queryset):
        # The digests that show this summary, by ``summary_in_language``'s rule: their topic's
        # language is the summary's, or the paper has no summary there and this one comes first.
        other_first = ~Exists(
            Summary.objects.filter(paper=OuterRef("paper"), language=OuterRef("digest__topic__language"))
        ) & ~Exists(Summary.objects.filter(paper=OuterRef("paper"), language__lt=OuterRef(OuterRef("language"))))
        entries = DigestEntry.objects.filter(paper=OuterRef("paper")).filter(
            Q(digest__topic__language=OuterRef("language")) | other_first
        )
        return queryset.annotate(
            digest_date=Subquery(entries.order_by("-digest__date").values("digest__date")[:1]),
            in_digest=Exists(entries),
        )

    def needs_editor(self, queryset):
        # A summary no digest lists waits until one does.
        return super().needs_editor(queryset).filter(in_digest=True)

    def get_ordering(self, request):
        return ["priority", "-digest_date", "paper__arxiv_id"]

    @admin.display(description="Digest", ordering="digest_date")
    def digest_date(self, obj):
        return obj.digest_date or "—"

    def editor_context(self, request, summary, **kwargs) -> dict:
        context = super().editor_context(request, summary, **kwargs)
        digests = list(
            Digest.objects.filter(entries__paper=summary.paper)
            .select_related("topic", "cover_figure")
            .order_by("-date")
        )
        context.update(
            digests=digests,
            cover_ids={d.cover_figure_id for d in digests if d.cover_figure_id},
            can_set_cover=request.user.has_perm("digests.change_digest"),
        )
        return context


admin.site.unregister(Summary)
admin.site.register(Summary, ReviewQueueAdmin)
