import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from digests.services.cache import public_cache_invalidate
from papers.models import Summary
from tests.digests.builders import add_figure, full_summary, make_digest
from tests.factories import DigestEntryFactory, DigestFactory, PaperFactory, TopicFactory

pytestmark = pytest.mark.django_db


def page(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_lists_latest_published_digest_of_each_active_topic(client):
    topic = TopicFactory(name="Diffusion")
    make_digest(topic=topic, date=datetime.date(2024, 5, 1), papers=1)
    latest = make_digest(topic=topic, date=datetime.date(2024, 5, 2), papers=2)
    make_digest(topic=topic, date=datetime.date(2024, 5, 3), papers=1, published=False)
    make_digest(topic=TopicFactory(is_active=False), papers=1)
    html = page(client, reverse("digests:home"))
    assert html.count('class="card"') == 1
    assert latest.get_absolute_url() in html
    assert "2 papers" in html


def test_topic_page_paginates_and_filters_by_month(client):
    topic = TopicFactory()
    for day in range(1, 4):
        make_digest(topic=topic, date=datetime.date(2024, 4, day), papers=1, figures=0)
    make_digest(topic=topic, date=datetime.date(2024, 5, 1), papers=1, figures=0)
    html = page(client, topic.get_absolute_url() + "?month=2024-04")
    assert html.count("/topics/%s/2024-04-" % topic.slug) == 3
    assert "/topics/%s/2024-05-01/" % topic.slug not in html
    assert "?month=2024-05" in html and "?month=2024-04" in html


def test_topic_page_of_inactive_topic_is_404(client):
    assert client.get(TopicFactory(is_active=False).get_absolute_url()).status_code == 404


def test_digest_page_shows_facts_summary_and_fixed_headings(client):
    digest = make_digest(papers=2)
    paper = digest.entries.first().paper
    html = page(client, digest.get_absolute_url())
    assert paper.title in html
    assert "Ada Lovelace, Alan Turing" in html
    assert paper.arxiv_pdf_url in html and paper.arxiv_abs_url in html
    assert "12 pages, 5 figures" in html
    for heading in (
        "Abstract",
        "Key takeaways",
        "Background",
        "Prior work and its problems",
        "This paper's method",
        "Results",
        "Method steps",
        "Conclusion",
        "Significance",
        "Innovation",
        "Performance",
        "Workload",
    ):
        assert f">{heading}<" in html, heading
    assert "<math" in html


def test_keywords_read_as_a_list_without_the_stylesheet(client):
    from django.utils.html import strip_tags

    html = page(client, make_digest(papers=1).get_absolute_url())
    # Copied text, feed readers and screen readers see no pill borders.
    assert "diffusion, denoising" in strip_tags(html)


def test_chinese_topic_gets_chinese_headings(client):
    digest = make_digest(papers=1, language="zh-hans")
    html = page(client, digest.get_absolute_url())
    for heading in (
        "研究背景",
        "过往方法与问题",
        "本文方法",
        "实验结果",
        "方法步骤",
        "结论",
        "意义",
        "创新点",
        "性能",
        "工作量",
    ):
        assert f">{heading}<" in html, heading
    assert '<html lang="zh-hans">' in html
    assert f"{digest.topic.name} · 2024-05-02：本期共 1 篇论文，主要涉及diffusion和denoising。" in html


def test_toc_links_match_paper_anchors(client):
    html = page(client, make_digest(papers=3).get_absolute_url())
    targets = re.findall(r'<li><a href="#(paper-[\w-]+)"[^>]*>', html)
    assert len(targets) == 3
    for target in targets:
        assert f'id="{target}"' in html


def test_code_links_show_only_http_urls(client):
    digest = make_digest(papers=1)
    paper = digest.entries.first().paper
    from papers.models import PaperContent

    PaperContent.objects.create(
        paper=paper, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, affiliation="Univ. of Somewhere",
        code_links=[{"url": "https://github.com/a/b", "kind": "code", "source": "pdf"},
                    {"url": "javascript:window.__xss=1", "kind": "code", "source": "pdf"}],
    )  # fmt: skip
    html = page(client, digest.get_absolute_url())
    assert 'href="https://github.com/a/b"' in html
    assert "javascript:" not in html
    assert "Univ. of Somewhere" in html


def test_paper_page_says_the_affiliation_is_unknown_when_the_pdf_was_ambiguous(client):
    digest = make_digest(papers=2)
    unsure, unread = (entry.paper for entry in digest.entries.all())
    from papers.models import PaperContent

    PaperContent.objects.create(
        paper=unsure, pdf_version=1, pdf="x.pdf", pdf_sha256="0" * 64, affiliation="",
        affiliation_note="Two candidate institutions under the first author's name: A; B.",
    )  # fmt: skip
    assert "unknown: the PDF does not say it unambiguously" in page(client, unsure.get_absolute_url())
    # A paper whose PDF was never read claims nothing either way.
    assert "First author's affiliation" not in page(client, unread.get_absolute_url())


def test_hidden_entries_and_hidden_figures_never_appear(client):
    digest = make_digest(papers=2)
    hidden_entry = digest.entries.last()
    hidden_entry.hidden = True
    hidden_entry.save()
    shown = digest.entries.first().paper
    add_figure(shown, hidden=True, label="Secret figure")
    html = page(client, digest.get_absolute_url())
    assert hidden_entry.paper.title not in html
    assert "Secret figure" not in html
    assert shown.title in html


def test_figures_fold_out_with_lazy_sized_sharp_thumbnails_linking_their_figure_pages(client):
    digest = make_digest(papers=1, figures=2)
    paper = digest.entries.first().paper
    figure = paper.figures.first()
    html = page(client, digest.get_absolute_url())
    assert '<details class="more">' in html
    assert (
        f'<a href="/papers/{paper.arxiv_id}/figures/1/"><img src="{figure.thumbnail.url}"'
        f' srcset="{figure.thumbnail.url} 1x, {figure.image.url} 2x" width="320" height="200"'
    ) in html
    assert f'<a href="/papers/{paper.arxiv_id}/figures/2/">' in html
    # The entry's small first figure, then both in the fold-out.
    assert html.count('loading="lazy"') == 3
    assert f'href="{figure.image.url}"' not in html


def test_summary_text_changed_without_a_new_update_time_still_shows(client, settings):
    # The summary section is memoised on its text, not on updated_at, which
    # a queryset update() leaves alone.
    settings.PUBLIC_CACHE_SECONDS = 0
    digest = make_digest(papers=1)
    url = digest.get_absolute_url()
    assert "Better FID on ImageNet." in page(client, url)
    Summary.objects.filter(paper__digest_entries__digest=digest).update(results="Worse FID than hoped.")
    html = page(client, url)
    assert "Worse FID than hoped." in html
    assert "Better FID on ImageNet." not in html


def test_edited_marker_appears_when_only_is_edited_changes(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    digest = make_digest(papers=1)
    url = digest.get_absolute_url()
    assert 'class="edited"' not in page(client, url)
    Summary.objects.filter(paper__digest_entries__digest=digest).update(is_edited=True)
    assert 'class="edited"' in page(client, url)


def test_identical_summary_text_gets_each_topic_language_headings(client):
    english = make_digest(papers=1, topic=TopicFactory(language="en"))
    chinese = make_digest(papers=1, topic=TopicFactory(language="zh-hans"))
    same_text = {"one_line": "Same words.", "background": "Same background."}
    Summary.objects.filter(paper__digest_entries__digest__in=[english, chinese]).update(**same_text)
    assert ">Background<" in page(client, english.get_absolute_url())
    chinese_html = page(client, chinese.get_absolute_url())
    assert ">研究背景<" in chinese_html
    assert ">Background<" not in chinese_html


def test_figure_without_thumbnail_shows_its_image_at_its_own_size(client):
    digest = make_digest(papers=1)
    figure = digest.entries.first().paper.figures.get()
    figure.thumbnail = ""
    figure.save()
    html = page(client, digest.get_absolute_url())
    assert (
        f'<a href="/papers/{figure.paper.arxiv_id}/figures/1/"><img src="{figure.image.url}" width="640" height="400"'
    ) in html
    assert "srcset" not in html


def test_figure_label_is_escaped_in_alt_text_and_caption(client):
    digest = make_digest(papers=1, figures=0)
    add_figure(digest.entries.first().paper, label='Fig" onerror="window.__xss=1', caption="<b>bold</b>")
    html = page(client, digest.get_absolute_url())
    assert 'alt="Fig&quot; onerror=&quot;window.__xss=1"' in html
    assert "<strong>Fig&quot; onerror=&quot;window.__xss=1</strong>" in html
    assert "<b>bold</b>" not in html


def test_extractive_summaries_are_labelled_written_without_an_llm(client):
    html = page(client, make_digest(papers=1).get_absolute_url())
    assert "written without an LLM" in html


def test_llm_summaries_name_backend_and_model_and_warn_of_errors(client):
    html = page(client, make_digest(papers=1, backend="openai", model_name="gpt-4o-mini").get_absolute_url())
    assert "written without an LLM" not in html
    assert "openai: gpt-4o-mini" in html
    assert "can contain errors" in html


def test_edited_summary_carries_edited_marker(client):
    digest = make_digest(papers=2)
    summary = digest.entries.first().paper.summaries.get()
    summary.is_edited = True
    summary.save()
    html = page(client, digest.get_absolute_url())
    assert html.count('class="edited"') == 1


def test_draft_digest_is_404_for_anonymous(client):
    assert client.get(make_digest(papers=1, published=False).get_absolute_url()).status_code == 404


def test_scheduled_digest_is_404_until_it_goes_live(client):
    digest = make_digest(papers=1)
    digest.published_at = timezone.now() + datetime.timedelta(hours=1)
    digest.save()
    assert client.get(digest.get_absolute_url()).status_code == 404


def test_staff_preview_draft_with_badge_and_never_cache(admin_client):
    response = admin_client.get(make_digest(papers=1, published=False).get_absolute_url())
    assert response.status_code == 200
    assert 'class="badge draft"' in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_invalid_date_in_url_is_404(client):
    assert client.get("/topics/x/2024-02-30/").status_code == 404


def test_digest_page_has_opengraph_with_absolute_cover_and_canonical(client):
    digest = make_digest(papers=1)
    cover = digest.entries.first().paper.figures.first()
    digest.cover_figure = cover
    digest.save()
    html = page(client, digest.get_absolute_url())
    assert f'<meta property="og:image" content="http://testserver{cover.image.url}">' in html
    assert f'<link rel="canonical" href="http://testserver{digest.get_absolute_url()}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_paper_page_shows_every_language_and_its_digests(client):
    digest = make_digest(papers=1)
    paper = digest.entries.first().paper
    full_summary(paper, language="zh-hans", one_line="中文总结")
    html = page(client, paper.get_absolute_url())
    assert "中文总结" in html and "研究背景" in html and ">Background<" in html
    assert digest.get_absolute_url() in html


def test_paper_only_in_a_draft_is_404(client):
    entry = DigestEntryFactory(paper=PaperFactory(), digest=DigestFactory())
    assert client.get(entry.paper.get_absolute_url()).status_code == 404


def test_home_follows_accept_language_when_topics_speak_several(client):
    make_digest(papers=1)
    make_digest(papers=1, language="zh-hans")
    html = page(client, reverse("digests:home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "最新速览" in html


def test_robots_txt_points_at_sitemap(client):
    text = page(client, "/robots.txt")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_sitemap_lists_published_digests_and_their_papers_only(client):
    live = make_digest(papers=1, figures=0)
    draft = make_digest(papers=1, figures=0, published=False, date=datetime.date(2024, 5, 9))
    xml = page(client, "/sitemap.xml")
    assert f"http://testserver{live.get_absolute_url()}" in xml
    assert f"http://testserver{live.entries.first().paper.get_absolute_url()}" in xml
    assert draft.get_absolute_url() not in xml
    assert draft.entries.first().paper.get_absolute_url() not in xml


class TestCaching:
    """Every behaviour of the one page cache (PublicPageCacheMiddleware) and of conditional GETs."""

    def test_second_request_is_served_from_cache_without_queries(self, client, django_assert_num_queries):
        url = make_digest(papers=3).get_absolute_url()
        first = client.get(url)
        with django_assert_num_queries(0):
            second = client.get(url)
        assert second.content == first.content
        assert second["ETag"] == first["ETag"]

    def test_cached_page_is_answered_gzipped_from_one_stored_copy(self, client, django_assert_num_queries):
        import gzip

        url = make_digest(papers=3).get_absolute_url()
        plain = client.get(url).content
        with django_assert_num_queries(0):
            first = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
            second = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert first["Content-Encoding"] == "gzip" and "Accept-Encoding" in first["Vary"]
        assert gzip.decompress(first.content) == plain
        assert first.content == second.content  # compressed once, when it was stored
        assert first["ETag"].startswith('W/"') and int(first["Content-Length"]) == len(first.content)
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_ACCEPT_ENCODING="gzip").status_code == 304

    def test_cached_page_is_plain_for_a_client_without_gzip(self, client):
        url = make_digest(papers=1).get_absolute_url()
        client.get(url)
        response = client.get(url, HTTP_ACCEPT_ENCODING="identity")
        assert not response.has_header("Content-Encoding") and b"<html" in response.content

    def test_conditional_get_with_etag_is_304(self, client):
        url = make_digest(papers=1).get_absolute_url()
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    def test_conditional_get_with_last_modified_is_304(self, client):
        url = make_digest(papers=1).get_absolute_url()
        last_modified = client.get(url)["Last-Modified"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    def test_validators_answer_304_before_rendering_on_a_cold_cache(self, client, settings):
        settings.PUBLIC_CACHE_SECONDS = 0
        url = make_digest(papers=1).get_absolute_url()
        etag = client.get(url)["ETag"]
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304

    def test_editor_fix_shows_at_once_after_invalidation(self, client):
        digest = make_digest(papers=1)
        url = digest.get_absolute_url()
        before = client.get(url)
        summary = digest.entries.first().paper.summaries.get()
        summary.one_line = "Corrected by an editor."
        summary.save()
        public_cache_invalidate()
        after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"], HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
        assert after.status_code == 200
        assert "Corrected by an editor." in after.content.decode()

    def test_hidden_figure_disappears_after_invalidation(self, client):
        digest = make_digest(papers=1)
        url = digest.get_absolute_url()
        figure = digest.entries.first().paper.figures.get()
        assert figure.thumbnail.url in client.get(url).content.decode()
        figure.hidden = True
        figure.save()
        public_cache_invalidate()
        assert figure.thumbnail.url not in client.get(url).content.decode()

    def test_edit_without_invalidation_changes_etag_when_page_cache_is_off(self, client, settings):
        settings.PUBLIC_CACHE_SECONDS = 0
        digest = make_digest(papers=1)
        url = digest.get_absolute_url()
        etag = client.get(url)["ETag"]
        summary = digest.entries.first().paper.summaries.get()
        summary.one_line = "Edited."
        summary.save()
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200

    def test_page_cached_before_a_scheduled_digest_goes_live_shows_it_afterwards(self, client, monkeypatch):
        # The clock is moved, not waited for, so a busy machine cannot change the outcome.
        offset = datetime.timedelta()
        real_time, real_now = time.time, timezone.now
        monkeypatch.setattr(time, "time", lambda: real_time() + offset.total_seconds())
        monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
        make_digest(papers=1)
        scheduled = make_digest(papers=1, topic=TopicFactory(name="Scheduled topic"))
        scheduled.published_at = timezone.now() + datetime.timedelta(minutes=1)
        scheduled.save()
        assert "Scheduled topic" not in page(client, "/")
        offset = datetime.timedelta(minutes=1, seconds=1)
        assert "Scheduled topic" in page(client, "/")

    def test_staff_responses_never_fill_the_public_cache(self, client, admin_client, django_assert_num_queries):
        digest = make_digest(papers=1, published=False)
        admin_client.get(digest.get_absolute_url())
        assert client.get(digest.get_absolute_url()).status_code == 404

    def test_cached_response_carries_the_same_headers_as_the_rendered_one(self, client):
        url = make_digest(papers=2).get_absolute_url()
        first = client.get(url)
        second = client.get(url)
        for header in ("ETag", "Last-Modified", "Content-Language", "Content-Type", "Vary", "Cache-Control",
                       "X-Frame-Options", "X-Content-Type-Options", "Content-Length"):  # fmt: skip
            assert second[header] == first[header], header

    def test_staff_never_get_the_cached_public_page(self, client, admin_client):
        url = make_digest(papers=1).get_absolute_url()
        client.get(url)
        response = admin_client.get(url)
        assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]

    def test_each_language_gets_its_own_cached_page(self, client):
        make_digest(papers=1)
        make_digest(papers=1, language="zh-hans")  # topics of two languages: the home page speaks the reader's
        assert "最新速览" not in page(client, "/", HTTP_ACCEPT_LANGUAGE="en")
        assert "最新速览" in page(client, "/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
        assert "最新速览" not in page(client, "/", HTTP_ACCEPT_LANGUAGE="en")


def test_public_pages_forbid_scripts_fresh_and_from_the_cache(client):
    digest = make_digest(papers=1)
    for _ in range(2):  # the second answer comes from the page cache
        response = client.get(digest.get_absolute_url())
        policy = response["Content-Security-Policy"]
        assert "script-src 'none'" in policy and "object-src 'none'" in policy
