"""Editors see the figures themselves in the admin: the figure list, a figure's page and the paper's inline."""

import pytest
from django.urls import reverse

from tests.digests.builders import add_figure
from tests.factories import PaperFactory

pytestmark = pytest.mark.django_db


def test_figure_list_shows_each_thumbnail(admin_client):
    figure = add_figure(PaperFactory())
    html = admin_client.get(reverse("admin:papers_figure_changelist")).content.decode()
    assert f'<img src="{figure.thumbnail.url}"' in html


def test_figure_page_shows_the_web_image(admin_client):
    figure = add_figure(PaperFactory())
    html = admin_client.get(reverse("admin:papers_figure_change", args=[figure.pk])).content.decode()
    assert f'<img src="{figure.image.url}"' in html


def test_paper_page_inline_shows_every_figure_with_hidden_ones_marked(admin_client):
    paper = PaperFactory()
    shown = add_figure(paper, label="Figure 1")
    hidden = add_figure(paper, label="Figure 2", hidden=True)
    html = admin_client.get(reverse("admin:papers_paper_change", args=[paper.pk])).content.decode()
    assert f'<img src="{shown.thumbnail.url}"' in html and f'<img src="{hidden.thumbnail.url}"' in html
    assert reverse("admin:papers_figure_change", args=[hidden.pk]) in html


def test_paper_page_inline_changes_nothing_on_save(admin_client):
    # Read-only: hiding goes through figure_set_hidden, which also lets go of a digest cover.
    paper = PaperFactory()
    add_figure(paper)
    html = admin_client.get(reverse("admin:papers_paper_change", args=[paper.pk])).content.decode()
    assert 'name="figures-TOTAL_FORMS"' in html
    assert 'name="figures-0-hidden"' not in html and 'name="figures-0-order"' not in html
