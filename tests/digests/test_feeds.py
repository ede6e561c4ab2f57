import datetime
import email.utils
from pathlib import Path

import feedparser
import lxml.html
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import etree

from digests.services.cache import public_cache_invalidate
from digests.services.publish import digest_publish, digest_reorder, digest_unpublish
from papers.models import PaperContent, Summary
from tests.digests.builders import make_digest
from tests.factories import PaperFactory, TopicFactory, TopicPaperFactory

pytestmark = pytest.mark.django_db

FEEDS = ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/{slug}/rss.xml", "/feeds/{slug}/atom.xml"]


def fetch(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response, feedparser.parse(response.content)


@pytest.fixture
def digest():
    digest = make_digest(papers=2, topic=TopicFactory(slug="diffusion", name="Diffusion"))
    digest.cover_figure = digest.entries.first().paper.figures.first()
    digest.save()
    return digest


@pytest.mark.parametrize("url", FEEDS)
def test_feed_parses_without_errors(client, digest, url):
    _, feed = fetch(client, url.format(slug="diffusion"))
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert len(feed.entries) == 1


@pytest.mark.parametrize("url", FEEDS)
def test_feed_links_are_absolute(client, digest, url):
    _, feed = fetch(client, url.format(slug="diffusion"))
    entry = feed.entries[0]
    assert entry.link == f"http://testserver{digest.get_absolute_url()}"
    content = entry.content[0].value if "content" in entry else entry.description
    for attribute in ('src="/', 'href="/'):
        assert attribute not in content
    assert 'src="http://testserver/media/' in content


@pytest.mark.parametrize("url", FEEDS)
def test_feed_item_carries_full_summaries(client, digest, url):
    _, feed = fetch(client, url.format(slug="diffusion"))
    entry = feed.entries[0]
    content = entry.content[0].value if "content" in entry else entry.description
    paper = digest.entries.first().paper
    assert paper.title in content
    assert paper.summaries.get().one_line.split(" with")[0] in content
    assert "written without an LLM" in content


@pytest.mark.parametrize("url", FEEDS)
def test_feed_item_says_how_many_papers_could_not_be_processed(client, digest, url):
    failed = PaperFactory(status="failed", failed_step="download", last_error="HTTP 404")
    TopicPaperFactory(topic=digest.topic, paper=failed, digest_date=digest.date)
    public_cache_invalidate()
    _, feed = fetch(client, url.format(slug="diffusion"))
    entry = feed.entries[0]
    content = entry.content[0].value if "content" in entry else entry.description
    assert "1 paper could not be processed: the PDF could not be downloaded (1)" in content


@pytest.mark.parametrize("url", FEEDS)
def test_cover_figure_is_the_enclosure(client, digest, url):
    _, feed = fetch(client, url.format(slug="diffusion"))
    enclosure = feed.entries[0].enclosures[0]
    assert enclosure.href == f"http://testserver{digest.cover_figure.image.url}"
    assert enclosure.type == "image/png"


@pytest.mark.parametrize("url", FEEDS)
def test_editor_correction_shows_with_the_same_guid(client, digest, url):
    url = url.format(slug="diffusion")
    _, before = fetch(client, url)
    summary = digest.entries.first().paper.summaries.get()
    summary.one_line = "An editor fixed this typo."
    summary.save()
    public_cache_invalidate()
    _, after = fetch(client, url)
    assert after.entries[0].id == before.entries[0].id
    content = after.entries[0].content[0].value if "content" in after.entries[0] else after.entries[0].description
    assert "An editor fixed this typo." in content
    if "atom" in url:  # Atom readers re-show an entry whose <updated> moved; RSS 2.0 items have no such field
        corrected = summary.updated_at.astimezone(datetime.timezone.utc).timetuple()[:6]
        assert tuple(after.entries[0].updated_parsed[:6]) == corrected


def test_guid_is_a_tag_uri_of_topic_and_date(client, digest):
    _, feed = fetch(client, "/feeds/rss.xml")
    assert feed.entries[0].id == "tag:127.0.0.1,2024-05-02:digest/diffusion/2024-05-02"


def test_pubdate_is_first_publication(client, digest):
    digest.first_published_at = datetime.datetime(2024, 5, 2, 8, 0, tzinfo=datetime.timezone.utc)
    digest.save()
    _, feed = fetch(client, "/feeds/rss.xml")
    assert feed.entries[0].published_parsed[:5] == (2024, 5, 2, 8, 0)


def test_drafts_and_scheduled_digests_stay_out_of_feeds(client, digest):
    make_digest(papers=1, topic=digest.topic, date=datetime.date(2024, 5, 3), published=False)
    scheduled = make_digest(papers=1, topic=digest.topic, date=datetime.date(2024, 5, 4))
    scheduled.published_at = timezone.now() + datetime.timedelta(days=1)
    scheduled.save()
    _, feed = fetch(client, "/feeds/diffusion/rss.xml")
    assert [e.link for e in feed.entries] == [f"http://testserver{digest.get_absolute_url()}"]


def test_feed_answers_conditional_get(client, digest):
    response, _ = fetch(client, "/feeds/atom.xml")
    assert client.get("/feeds/atom.xml", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get("/feeds/atom.xml", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_unknown_topic_feed_is_404(client, digest):
    assert client.get("/feeds/nope/rss.xml").status_code == 404


@pytest.mark.parametrize("url", FEEDS[2:])
def test_topic_feed_declares_the_topic_language(client, url):
    make_digest(papers=1, topic=TopicFactory(slug="zh", name="Zh", language="zh-hans"))
    _, feed = fetch(client, url.format(slug="zh"))
    assert feed.feed.language == "zh-hans"


@pytest.mark.parametrize("url", FEEDS[2:])
def test_topic_feed_without_a_description_describes_itself_in_the_topic_language(client, url):
    make_digest(papers=1, topic=TopicFactory(slug="zh", name="扩散模型", language="zh-hans", description=""))
    _, feed = fetch(client, url.format(slug="zh"))
    assert feed.feed.subtitle == "扩散模型 方向的 arXiv 新论文每日摘要。"


@pytest.mark.parametrize("url", FEEDS[:2])
def test_site_feed_declares_the_site_language(client, digest, url):
    _, feed = fetch(client, url)
    assert feed.feed.language == settings.LANGUAGE_CODE


# --- a topic's paper feed, and validity of every feed ------------------------------------------

PAPER_FEEDS = ["/feeds/{slug}/papers/rss.xml", "/feeds/{slug}/papers/atom.xml"]
ALL_FEEDS = FEEDS + PAPER_FEEDS
ATOM_SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "atom.rng"


def content_of(entry) -> str:
    return entry.content[0].value if "content" in entry else entry.description


@pytest.fixture
def code_link(digest):
    paper = digest.entries.order_by("position").first().paper
    PaperContent.objects.create(
        paper=paper,
        pdf_version=1,
        pdf="papers/x.pdf",
        pdf_sha256="0" * 64,
        code_links=[{"url": "https://github.com/ada/sampler", "kind": "code", "role": "own", "source": "pdf"}],
    )
    public_cache_invalidate()
    return paper


@pytest.mark.parametrize("url", [u for u in ALL_FEEDS if "atom" in u])
def test_atom_feed_is_valid_against_the_rfc_4287_schema(client, digest, url):
    response, _ = fetch(client, url.format(slug="diffusion"))
    schema = etree.RelaxNG(etree.parse(str(ATOM_SCHEMA)))
    document = etree.fromstring(response.content)
    assert schema.validate(document), schema.error_log


def test_atom_schema_rejects_an_entry_without_updated(client, digest):
    # The schema fixture must be able to fail: an entry lacking a required element is refused.
    response, _ = fetch(client, "/feeds/diffusion/papers/atom.xml")
    document = etree.fromstring(response.content)
    entry = document.find("{http://www.w3.org/2005/Atom}entry")
    entry.remove(entry.find("{http://www.w3.org/2005/Atom}updated"))
    assert not etree.RelaxNG(etree.parse(str(ATOM_SCHEMA))).validate(document)


@pytest.mark.parametrize("url", [u for u in ALL_FEEDS if "rss" in u])
def test_rss_feed_has_the_elements_rss_2_requires(client, digest, url):
    response, _ = fetch(client, url.format(slug="diffusion"))
    rss = etree.fromstring(response.content)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    (channel,) = rss.findall("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    items = channel.findall("item")
    assert items
    for item in items:
        assert (item.findtext("title") or item.findtext("description") or "").strip()
        guid = item.find("guid")
        assert guid is not None and guid.text.startswith("tag:")
        assert guid.get("isPermaLink") == "false"
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate")) is not None


@pytest.mark.parametrize("url", PAPER_FEEDS)
def test_paper_feed_has_one_item_per_shown_paper(client, digest, url):
    hidden = digest.entries.order_by("position").last()
    hidden.hidden = True
    hidden.save()
    public_cache_invalidate()
    _, feed = fetch(client, url.format(slug="diffusion"))
    assert feed.bozo == 0, feed.get("bozo_exception")
    shown = digest.entries.get(hidden=False).paper
    assert [e.link for e in feed.entries] == [f"http://testserver{shown.get_absolute_url()}"]
    assert feed.entries[0].title == shown.title


@pytest.mark.parametrize("url", PAPER_FEEDS)
def test_paper_item_carries_authors_one_liner_takeaways_figure_and_links(client, digest, code_link, url):
    _, feed = fetch(client, url.format(slug="diffusion"))
    paper = code_link
    entry = next(e for e in feed.entries if e.link.endswith(paper.get_absolute_url()))
    content = content_of(entry)
    summary = paper.summaries.get()
    assert "Ada Lovelace, Alan Turing" in content
    assert f"A one-line summary of {paper.arxiv_id}" in content
    assert "<strong>point</strong>" in content and "Second point." in content
    figure = paper.figures.get()
    assert f'src="http://testserver{figure.image.url}"' in content
    assert f'href="{paper.arxiv_abs_url}"' in content
    assert f'href="{paper.arxiv_pdf_url}"' in content
    assert 'href="https://github.com/ada/sampler"' in content
    assert 'src="/' not in content and 'href="/' not in content
    assert summary.one_line  # the fixture's summary is what the item shows
    assert entry.enclosures[0].href == f"http://testserver{figure.image.url}"


@pytest.mark.parametrize("url", PAPER_FEEDS)
def test_paper_item_id_is_a_tag_uri_of_topic_and_paper(client, digest, url):
    _, feed = fetch(client, url.format(slug="diffusion"))
    papers = {e.paper.arxiv_id: e.paper for e in digest.entries.all()}
    for entry in feed.entries:
        arxiv_id = entry.link.rstrip("/").rsplit("/", 1)[-1]
        day = papers[arxiv_id].published.date().isoformat()
        assert entry.id == f"tag:127.0.0.1,{day}:paper/diffusion/{arxiv_id}"


@pytest.mark.parametrize("url", PAPER_FEEDS)
def test_paper_item_keeps_its_id_and_moves_its_time_when_the_summary_is_corrected(client, digest, url):
    url = url.format(slug="diffusion")
    paper = digest.entries.order_by("position").first().paper
    _, before = fetch(client, url)
    old = next(e for e in before.entries if e.link.endswith(paper.get_absolute_url()))
    summary = paper.summaries.get()
    summary.one_line = "An editor fixed this typo."
    summary.updated_at = timezone.now() + datetime.timedelta(hours=2)
    Summary.objects.filter(pk=summary.pk).update(one_line=summary.one_line, updated_at=summary.updated_at)
    public_cache_invalidate()
    _, after = fetch(client, url)
    new = next(e for e in after.entries if e.link.endswith(paper.get_absolute_url()))
    assert new.id == old.id
    assert "An editor fixed this typo." in content_of(new)
    corrected = summary.updated_at.astimezone(datetime.timezone.utc).timetuple()[:6]
    moved = new.updated_parsed if "atom" in url else new.published_parsed
    assert tuple(moved[:6]) == corrected
    assert tuple((old.updated_parsed if "atom" in url else old.published_parsed)[:6]) != corrected


def test_paper_atom_entry_keeps_its_first_publication_time(client, digest):
    digest.first_published_at = datetime.datetime(2024, 5, 2, 8, 0, tzinfo=datetime.timezone.utc)
    digest.save()
    _, feed = fetch(client, "/feeds/diffusion/papers/atom.xml")
    assert {e.published_parsed[:5] for e in feed.entries} == {(2024, 5, 2, 8, 0)}


def test_paper_feed_leaves_out_drafts_scheduled_digests_and_other_topics(client, digest):
    draft = make_digest(papers=1, topic=digest.topic, date=datetime.date(2024, 5, 3), published=False)
    scheduled = make_digest(papers=1, topic=digest.topic, date=datetime.date(2024, 5, 4))
    scheduled.published_at = timezone.now() + datetime.timedelta(days=1)
    scheduled.save()
    other = make_digest(papers=1, topic=TopicFactory(slug="other"))
    _, feed = fetch(client, "/feeds/diffusion/papers/rss.xml")
    links = {e.link for e in feed.entries}
    assert links == {f"http://testserver{e.paper.get_absolute_url()}" for e in digest.entries.all()}
    for excluded in (draft, scheduled, other):
        assert f"http://testserver{excluded.entries.get().paper.get_absolute_url()}" not in links


def test_paper_feed_lists_the_newest_digest_first(client, digest):
    newer = make_digest(papers=1, topic=digest.topic, date=datetime.date(2024, 5, 3))
    newer.published_at = timezone.now() - datetime.timedelta(minutes=1)
    newer.save()
    _, feed = fetch(client, "/feeds/diffusion/papers/atom.xml")
    assert feed.entries[0].link == f"http://testserver{newer.entries.get().paper.get_absolute_url()}"
    assert len(feed.entries) == 3


def test_paper_feed_of_unknown_topic_is_404(client, digest):
    assert client.get("/feeds/nope/papers/atom.xml").status_code == 404


def test_paper_feed_answers_conditional_get(client, digest):
    response, _ = fetch(client, "/feeds/diffusion/papers/atom.xml")
    assert client.get("/feeds/diffusion/papers/atom.xml", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("url", PAPER_FEEDS)
def test_paper_feed_queries_do_not_grow_with_papers(client, settings, url, django_assert_num_queries):
    settings.PUBLIC_CACHE_SECONDS = 0
    make_digest(papers=5, topic=TopicFactory(slug="small"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url.format(slug="small")).status_code == 200
    make_digest(papers=50, topic=TopicFactory(slug="large"))
    with django_assert_num_queries(len(few)):
        response = client.get(url.format(slug="large"))
    assert response.status_code == 200
    assert len(feedparser.parse(response.content).entries) == 50


# --- autodiscovery ----------------------------------------------------------------------------


def alternates(response) -> set[tuple[str, str]]:
    html = lxml.html.fromstring(response.content)
    return {(link.get("type"), link.get("href")) for link in html.xpath("//head/link[@rel='alternate']")}


SITE_FEEDS = {("application/rss+xml", "/feeds/rss.xml"), ("application/atom+xml", "/feeds/atom.xml")}
TOPIC_FEEDS = {
    ("application/rss+xml", "/feeds/diffusion/rss.xml"),
    ("application/atom+xml", "/feeds/diffusion/atom.xml"),
    ("application/rss+xml", "/feeds/diffusion/papers/rss.xml"),
    ("application/atom+xml", "/feeds/diffusion/papers/atom.xml"),
}


@pytest.mark.parametrize("page", ["/", "/search/?q=diffusion"])
def test_site_pages_announce_the_site_feeds(client, digest, page):
    assert alternates(client.get(page)) == SITE_FEEDS


@pytest.mark.parametrize(
    "page",
    [
        lambda d: d.topic.get_absolute_url(),
        lambda d: d.get_absolute_url(),
        lambda d: d.entries.first().paper.get_absolute_url(),
    ],
)
def test_topic_digest_and_paper_pages_announce_their_topic_feeds(client, digest, page):
    assert alternates(client.get(page(digest))) == SITE_FEEDS | TOPIC_FEEDS


@pytest.mark.parametrize("url", sorted(TOPIC_FEEDS | SITE_FEEDS))
def test_announced_feeds_answer_with_their_type(client, digest, url):
    kind, href = url
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(kind)


def test_paper_items_keep_ids_and_first_publication_across_unpublish_republish_and_reorder(
    client, digest, django_capture_on_commit_callbacks
):
    digest.first_published_at = digest.published_at  # as digest_publish leaves it
    digest.save()
    _, before = fetch(client, "/feeds/diffusion/papers/atom.xml")
    with django_capture_on_commit_callbacks(execute=True):
        digest_unpublish(digest=digest)
        digest_publish(digest=digest, user=None)
        digest_reorder(digest=digest, paper_ids=[e.paper_id for e in digest.entries.order_by("-position")])
    _, after = fetch(client, "/feeds/diffusion/papers/atom.xml")
    assert [e.id for e in after.entries] == [e.id for e in reversed(before.entries)]
    assert {e.id: e.published for e in after.entries} == {e.id: e.published for e in before.entries}
