"""The digest as a scan: compact entries, the intro written from the day, day links, figure pages."""

import datetime
import re

import pytest
from django.utils.html import strip_tags

from papers.models import Figure, Summary
from tests.digests.builders import add_figure, make_digest
from tests.factories import DigestEntryFactory, DigestFactory, PaperFactory, TopicFactory

pytestmark = pytest.mark.django_db


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def intro(html: str) -> str:
    return strip_tags(re.search(r'<p class="description">(.*?)</p>', html, re.S)[1]).strip()


def keyed_digest(*, language: str = "en", keywords: list[list[str]]):
    """A digest whose papers carry the given keywords, in order."""
    digest = make_digest(papers=len(keywords), language=language)
    for entry, words in zip(digest.entries.order_by("position"), keywords, strict=True):
        Summary.objects.filter(paper=entry.paper).update(keywords=words)
    return digest


def test_intro_counts_the_papers_and_names_the_keywords_papers_share(client):
    digest = keyed_digest(keywords=[["sampling", "video"], ["video", "robots"], ["video", "sampling"], ["graphs"]])
    name = digest.topic.name
    assert intro(page(client, digest.get_absolute_url())) == f"4 {name} papers on 2024-05-02, on video and sampling."


def test_intro_counts_a_plural_keyword_with_its_singular(client):
    digest = keyed_digest(keywords=[["Diffusion models", "graphs"], ["diffusion model"], ["robots"]])
    assert intro(page(client, digest.get_absolute_url())).endswith("on Diffusion models.")


def test_intro_names_no_keyword_only_one_paper_has(client):
    digest = keyed_digest(keywords=[["alpha"], ["beta"]])
    assert "alpha" not in intro(page(client, digest.get_absolute_url()))


def test_intro_in_chinese_for_a_chinese_topic(client):
    digest = keyed_digest(language="zh-hans", keywords=[["扩散模型", "视频"], ["视频"]])
    name = digest.topic.name
    assert intro(page(client, digest.get_absolute_url())) == f"{name} · 2024-05-02：本期共 2 篇论文，主要涉及视频。"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_intro_does_not_change_when_an_editor_reorders_entries(client, settings, language):
    settings.PUBLIC_CACHE_SECONDS = 0
    digest = keyed_digest(language=language, keywords=[["alpha"], ["beta"], ["beta"]])
    before = intro(page(client, digest.get_absolute_url()))
    assert "beta" in before and "3" in before
    first, _, last = digest.entries.order_by("position")
    first.position, last.position = last.position, first.position
    first.save()
    last.save()
    html = page(client, digest.get_absolute_url())
    assert intro(html) == before
    assert last.paper.title not in intro(html) and first.paper.title not in intro(html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2 {name} papers on 2024-05-02, on gamma."),
        ("zh-hans", "{name} · 2024-05-02：本期共 2 篇论文，主要涉及gamma。"),
    ],
)
def test_intro_follows_an_editor_hiding_entries(client, settings, language, expected):
    settings.PUBLIC_CACHE_SECONDS = 0
    digest = keyed_digest(language=language, keywords=[["alpha", "beta"], ["alpha", "gamma"], ["gamma"]])
    assert "alpha" in intro(page(client, digest.get_absolute_url()))
    digest.entries.filter(position=0).update(hidden=True)
    assert intro(page(client, digest.get_absolute_url())) == expected.format(name=digest.topic.name)


def test_a_blank_description_shows_the_intro(client):
    digest = keyed_digest(keywords=[["alpha"]])
    digest.description = "  \n "
    digest.save()
    assert intro(page(client, digest.get_absolute_url())) == f"1 {digest.topic.name} paper on 2024-05-02, on alpha."


def test_an_editors_description_replaces_the_intro(client):
    digest = keyed_digest(keywords=[["alpha"]])
    digest.description = "Latest thoughts from the editor."
    digest.save()
    assert intro(page(client, digest.get_absolute_url())) == "Latest thoughts from the editor."


def test_intro_falls_back_to_primary_categories_without_keywords(client):
    digest = keyed_digest(keywords=[[], []])
    assert intro(page(client, digest.get_absolute_url())).endswith(", on cs.CV.")


def test_entry_is_compact_with_its_details_closed_and_one_liner_outside(client):
    digest = make_digest(papers=1)
    paper = digest.entries.get().paper
    html = page(client, digest.get_absolute_url())
    head, details = html.split('<details class="more">', 1)
    assert f"A one-line summary of {paper.arxiv_id}" in strip_tags(head.split('id="paper-', 1)[1])
    assert "Key takeaways" not in head and ">Background<" in details and ">Abstract<" in details
    assert 'href="#top"' in html and 'id="top"' in html


def test_entry_names_three_authors_then_et_al_and_all_inside_the_details(client):
    digest = make_digest(papers=1)
    paper = digest.entries.get().paper
    paper.authors = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"]
    paper.save()
    head, details = page(client, digest.get_absolute_url()).split('<details class="more">', 1)
    assert "Ada Lovelace, Alan Turing, Grace Hopper et al." in " ".join(strip_tags(head).split())
    assert "Edsger Dijkstra" not in head
    assert "Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra" in details


def test_paper_page_keeps_everything_open(client):
    digest = make_digest(papers=1, figures=2)
    html = page(client, digest.entries.get().paper.get_absolute_url())
    assert "<details" not in html
    assert ">Background<" in html and 'class="thumbs"' in html


def test_digest_links_the_topics_previous_and_next_published_days(client):
    topic = TopicFactory()
    earlier = make_digest(papers=1, topic=topic, date=datetime.date(2024, 5, 1))
    make_digest(papers=1, topic=topic, date=datetime.date(2024, 5, 3), published=False)
    middle = make_digest(papers=1, topic=topic, date=datetime.date(2024, 5, 4))
    later = make_digest(papers=1, topic=topic, date=datetime.date(2024, 5, 9))
    make_digest(papers=1, date=datetime.date(2024, 5, 5))  # another topic's day is no neighbour
    html = page(client, middle.get_absolute_url())
    assert re.findall(r'<a rel="(prev|next)" href="([^"]+)"', html) == [
        ("prev", earlier.get_absolute_url()),
        ("next", later.get_absolute_url()),
        ("prev", earlier.get_absolute_url()),
        ("next", later.get_absolute_url()),
    ]
    assert 'rel="prev"' not in page(client, earlier.get_absolute_url())
    assert 'rel="next"' not in page(client, later.get_absolute_url())


def paper_with_figures(*, published: bool = True, hidden_second: bool = False):
    digest = make_digest(papers=1, figures=0, published=published)
    paper = digest.entries.get().paper
    figures = [
        add_figure(paper, label="Figure 1", caption="Figure 1: The pipeline, end to end."),
        add_figure(paper, label="Figure 2", caption="Secret results.", hidden=hidden_second),
        add_figure(paper, label="Figure 3", caption="Figure 3. Ablations."),
    ]
    return paper, figures


def test_figure_page_shows_the_large_image_full_caption_paper_and_neighbours(client):
    paper, figures = paper_with_figures()
    html = page(client, f"/papers/{paper.arxiv_id}/figures/2/")
    assert f'<img src="{figures[1].image.url}" width="640" height="400"' in html
    assert "Secret results." in html
    assert f'href="{paper.get_absolute_url()}"' in html
    assert f'rel="prev" href="/papers/{paper.arxiv_id}/figures/1/"' in html
    assert f'rel="next" href="/papers/{paper.arxiv_id}/figures/3/"' in html


def test_first_and_last_figure_pages_have_one_neighbour(client):
    paper, _ = paper_with_figures()
    first = page(client, f"/papers/{paper.arxiv_id}/figures/1/")
    last = page(client, f"/papers/{paper.arxiv_id}/figures/3/")
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_figure_page_of_a_paper_only_in_a_draft_is_404(client):
    paper, _ = paper_with_figures(published=False)
    assert client.get(f"/papers/{paper.arxiv_id}/figures/1/").status_code == 404


def test_figure_page_of_a_paper_only_in_a_hidden_entry_is_404(client):
    paper, _ = paper_with_figures()
    paper.digest_entries.update(hidden=True)
    assert client.get(f"/papers/{paper.arxiv_id}/figures/1/").status_code == 404


def test_hidden_figure_has_no_page_and_the_numbers_skip_it(client):
    paper, figures = paper_with_figures(hidden_second=True)
    second = page(client, f"/papers/{paper.arxiv_id}/figures/2/")
    assert "Ablations." in second and "Secret results." not in second
    assert client.get(f"/papers/{paper.arxiv_id}/figures/3/").status_code == 404
    assert client.get(f"/papers/{paper.arxiv_id}/figures/0/").status_code == 404


def test_staff_see_figure_pages_of_draft_papers(admin_client):
    paper, _ = paper_with_figures(published=False)
    assert admin_client.get(f"/papers/{paper.arxiv_id}/figures/1/").status_code == 200


def test_figure_page_of_an_old_style_arxiv_id(client):
    digest = DigestFactory(status="published", published_at=datetime.datetime(2024, 5, 2, tzinfo=datetime.UTC))
    paper = PaperFactory(arxiv_id="hep-th/9901001")
    DigestEntryFactory(digest=digest, paper=paper)
    add_figure(paper, caption="Old style.")
    assert "Old style." in page(client, "/papers/hep-th/9901001/figures/1/")


@pytest.mark.parametrize(
    "url",
    [
        lambda paper: paper.digest_entries.get().digest.get_absolute_url(),
        lambda paper: paper.get_absolute_url(),
        lambda paper: f"/papers/{paper.arxiv_id}/figures/1/",
    ],
    ids=["digest", "paper", "figure"],
)
def test_caption_label_is_never_printed_twice(client, url):
    paper, figures = paper_with_figures()
    Figure.objects.filter(pk=figures[0].pk).update(caption="Figure 1 Figure 1: The pipeline, end to end.")
    text = " ".join(strip_tags(page(client, url(paper))).split())
    assert "The pipeline, end to end." in text
    assert "Figure 1 Figure 1" not in text


def test_label_repeated_in_the_caption_is_taken_off_every_time():
    assert Figure(label="Figure 1", caption="Figure 1 Figure 1: The pipeline.").caption_after_label == "The pipeline."
    assert Figure(label="Figure 1", caption="Figure 1: Figure 2 is below.").caption_after_label == "Figure 2 is below."


def test_paper_page_thumbnails_carry_a_2x_srcset_and_link_their_figure_pages(client):
    paper, figures = paper_with_figures()
    html = page(client, paper.get_absolute_url())
    for number, figure in enumerate(figures, start=1):
        assert (
            f'<a href="/papers/{paper.arxiv_id}/figures/{number}/"><img src="{figure.thumbnail.url}"'
            f' srcset="{figure.thumbnail.url} 1x, {figure.image.url} 2x"'
        ) in html


def test_full_caption_is_shown_uncut(client):
    paper, figures = paper_with_figures()
    long = "Figure 1: " + "A long caption that explains every panel of the figure. " * 12 + "The end."
    Figure.objects.filter(pk=figures[0].pk).update(caption=long)
    html = page(client, paper.digest_entries.get().digest.get_absolute_url())
    assert "The end." in html


def test_chinese_digest_names_the_fold_out_and_day_links_in_chinese(client):
    topic = TopicFactory(language="zh-hans")
    make_digest(papers=1, topic=topic, date=datetime.date(2024, 5, 1))
    html = page(client, make_digest(papers=1, topic=topic).get_absolute_url())
    assert "<summary>展开" in html and "回到顶部" in html and "前一天" in html
    assert "Back to top" not in html and "Previous day" not in html


def test_feed_entry_keeps_the_whole_summary_without_a_fold_out(client):
    digest = make_digest(papers=1)
    xml = client.get(f"/feeds/{digest.topic.slug}/rss.xml").content.decode()
    assert "&lt;details" not in xml and "<details" not in xml
    assert "Key takeaways" in xml and "Better FID on ImageNet." in xml


def test_home_cover_carries_a_2x_srcset(client):
    digest = make_digest(papers=1)
    cover = digest.entries.get().paper.figures.get()
    digest.cover_figure = cover
    digest.save()
    assert f'srcset="{cover.thumbnail.url} 1x, {cover.image.url} 2x"' in page(client, "/")


def test_figure_page_keeps_a_hostile_caption_and_label_inert(client):
    paper, figures = paper_with_figures()
    Figure.objects.filter(pk=figures[0].pk).update(
        label='Fig" onerror="window.__xss=1', caption="<script>window.__xss=1</script><b>bold</b>"
    )
    html = page(client, f"/papers/{paper.arxiv_id}/figures/1/")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert 'alt="Fig&quot; onerror=&quot;window.__xss=1"' in html
