import datetime

from django.urls import path, register_converter

from . import views, views_export, views_filter, views_trust


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:  # 2024-02-30 matches the regex; make it a 404
            raise ValueError(value) from exc

    def to_url(self, value) -> str:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "digests"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:slug>/corrections/", views_trust.topic_corrections, name="corrections"),
    path("topics/<slug:slug>/calendar/", views_trust.topic_calendar, name="calendar"),
    path("topics/<slug:slug>/papers/", views_filter.topic_papers, name="topic_papers"),
    path("topics/<slug:slug>/<isodate:date>/", views.digest_detail, name="digest"),
    path("topics/<slug:slug>/<isodate:date>.md", views_export.digest_markdown, name="digest_markdown"),
    path("topics/<slug:slug>/<isodate:date>.bib", views_export.digest_bibtex, name="digest_bibtex"),
    path("papers/<path:arxiv_id>.bib", views_export.paper_bibtex, name="paper_bibtex"),
    # Before the paper page: its ``path`` converter would take "…/figures/1" as part of an arXiv id.
    path("papers/<path:arxiv_id>/figures/<int:number>/", views.figure_detail, name="figure"),
    path("papers/<path:arxiv_id>/", views.paper_detail, name="paper"),
]
