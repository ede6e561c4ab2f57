"""Sitemaps of public pages, built on ``Digest.objects.published()``."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from papers.models import Paper, Topic

from .models import Digest
from .selectors import public_entries


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["digests:home"]

    def location(self, item):
        return reverse(item)


class TopicSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return (
            Topic.objects.filter(is_active=True, digests__in=Digest.objects.published())
            .annotate(last_digest=Max("digests__updated_at"))
            .order_by("slug")
        )

    def lastmod(self, topic):
        return topic.last_digest


class DigestSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return Digest.objects.published().filter(topic__is_active=True).select_related("topic").order_by("-date", "pk")

    def lastmod(self, digest):
        return digest.updated_at


class PaperSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.5

    def items(self):
        return (
            Paper.objects.filter(pk__in=public_entries().values("paper_id"))
            .only("arxiv_id", "updated_at")
            .order_by("pk")
        )

    def lastmod(self, paper):
        return paper.updated_at


SITEMAPS = {"home": HomeSitemap, "topics": TopicSitemap, "digests": DigestSitemap, "papers": PaperSitemap}
