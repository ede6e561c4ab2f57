"""Editors' figure choices: shown or hidden, and the order a paper's figures appear in."""

import pytest

from papers.services.figures import figure_set_hidden, figures_reorder
from tests.factories import FigureFactory, PaperFactory

pytestmark = pytest.mark.django_db


def test_figures_reorder_follows_the_list():
    paper = PaperFactory()
    a, b, c = (FigureFactory(paper=paper, order=i) for i in range(3))
    figures_reorder(paper=paper, figure_ids=[c.pk, a.pk])
    assert list(paper.figures.order_by("order").values_list("pk", flat=True)) == [c.pk, a.pk, b.pk]


def test_hiding_a_figure_tells_the_public_site_on_commit(django_capture_on_commit_callbacks):
    from papers.signals import public_data_changed

    figure = FigureFactory()
    heard = []

    def listener(sender, paper_ids, **kwargs):
        heard.append(paper_ids)

    public_data_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            figure_set_hidden(figure=figure, hidden=True)
    finally:
        public_data_changed.disconnect(listener)
    assert heard == [[figure.paper_id]]
