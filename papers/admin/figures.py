"""Figures in the admin: caption and label corrections, hide/show and order from the summary editor."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from papers.models import Figure
from papers.services.figures import figure_set_hidden, figures_reorder
from papers.signals import public_data_changed_on_commit

from .common import next_url

# Editors judge a figure by looking at it: a row of file names cannot tell a cropped plot from a logo.
THUMB_STYLE = "max-height:80px;max-width:160px;background:#fff;border:1px solid #ccc"


def figure_preview(figure: Figure, *, large: bool = False) -> str:
    """The figure's image as an ``<img>`` (the thumbnail, or the web image when asked large or without one)."""
    image = figure.image if large or not figure.thumbnail else figure.thumbnail
    if not image:
        return "(no image)"
    style = "max-width:100%;max-height:480px;background:#fff" if large else THUMB_STYLE
    return format_html(
        '<a href="{}"><img src="{}" alt="{}" loading="lazy" style="{}"></a>',
        figure.image.url if figure.image else image.url,
        image.url,
        figure.label or figure.get_kind_display(),
        style,
    )


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["preview", "paper", "kind", "label", "page", "order", "hidden"]
    list_display_links = ["preview", "paper"]
    list_filter = ["kind", "hidden"]
    list_select_related = ["paper"]
    search_fields = ["paper__arxiv_id", "label", "caption"]
    fields = ["paper", "kind", "large_preview", "label", "caption", "page", "order", "hidden", "image", "thumbnail"]
    readonly_fields = ["paper", "kind", "large_preview", "page", "image", "thumbnail"]

    @admin.display(description="Image")
    def preview(self, obj):
        return figure_preview(obj)

    @admin.display(description="Image")
    def large_preview(self, obj):
        return figure_preview(obj, large=True)

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/hidden/", wrap(self.hidden_view), name="papers_figure_hidden"),
            path("<int:object_id>/move/<str:direction>/", wrap(self.move_view), name="papers_figure_move"),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "hidden" in form.changed_data:
            figure_set_hidden(figure=obj, hidden=obj.hidden)
        else:
            public_data_changed_on_commit(paper_ids=[obj.paper_id])

    def _figure_for_change(self, request, object_id) -> Figure:
        figure = get_object_or_404(Figure.objects.select_related("paper"), pk=object_id)
        if not self.has_change_permission(request, figure):
            raise PermissionDenied
        return figure

    def _back(self, request, figure: Figure) -> HttpResponseRedirect:
        return HttpResponseRedirect(next_url(request, reverse("admin:papers_figure_change", args=[figure.pk])))

    @method_decorator(require_POST)
    def hidden_view(self, request, object_id):
        figure = self._figure_for_change(request, object_id)
        hidden = request.POST.get("hidden") == "1"
        figure_set_hidden(figure=figure, hidden=hidden)
        self.log_change(request, figure, "Hidden" if hidden else "Shown")
        messages.success(request, f"{figure} is now {'hidden' if hidden else 'shown'}.")
        return self._back(request, figure)

    @method_decorator(require_POST)
    def move_view(self, request, object_id, direction):
        figure = self._figure_for_change(request, object_id)
        ids = list(figure.paper.figures.order_by("order", "id").values_list("pk", flat=True))
        index = ids.index(figure.pk)
        other = index - 1 if direction == "up" else index + 1
        if direction in ("up", "down") and 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
            figures_reorder(paper=figure.paper, figure_ids=ids)
            self.log_change(request, figure, f"Moved {direction}")
        return self._back(request, figure)
