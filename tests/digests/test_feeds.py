import datetime

import feedparser
import pytest
from django.conf import settings
from django.utils import timezone

from digests.services.cache import public_cache_invalidate
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


@pytest.mark.parametrize("url", FEEDS[:2])
def test_site_feed_declares_the_site_language(client, digest, url):
    _, feed = fetch(client, url)
    assert feed.feed.language == settings.LANGUAGE_CODE
