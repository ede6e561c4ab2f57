"""A topic's daily digest: which papers, in what order, and whether it is live."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from papers.models import Figure, Paper, Topic


class DigestStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class DigestQuerySet(models.QuerySet):
    def published(self) -> DigestQuerySet:
        """Digests the public may see: the one definition of "published".

        A published digest with a future ``published_at`` is scheduled: it goes
        live when the time comes, with no background job.
        """
        return self.filter(status=DigestStatus.PUBLISHED, published_at__lte=timezone.now())

    def with_paper_count(self) -> DigestQuerySet:
        """Annotate ``paper_count``: the entries readers see (not hidden)."""
        return self.annotate(paper_count=Count("entries", filter=Q(entries__hidden=False)))


class Digest(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="digests")
    date = models.DateField()
    title = models.CharField(max_length=300, blank=True)
    description = models.TextField(
        blank=True, help_text="The editor's own description; left blank, pages show an intro written from the day."
    )
    status = models.CharField(max_length=10, choices=DigestStatus.choices, default=DigestStatus.DRAFT)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="When it goes (or went) live; in the future = scheduled."
    )
    first_published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_note = models.TextField(blank=True, help_text="Who published despite blocking flags, and when.")
    cover_figure = models.ForeignKey(Figure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    papers = models.ManyToManyField(Paper, through="DigestEntry", related_name="digests")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DigestQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "topic"]
        permissions = [("publish_digest", "Can publish, schedule and unpublish digests")]
        constraints = [
            models.UniqueConstraint(fields=["topic", "date"], name="digest_unique_topic_date"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="digest_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic.name} {self.date.isoformat()}"

    def get_absolute_url(self) -> str:
        return reverse("digests:digest", kwargs={"slug": self.topic.slug, "date": self.date})

    @property
    def is_live(self) -> bool:
        return (
            self.status == DigestStatus.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )


class DigestEntryQuerySet(models.QuerySet):
    def shown(self) -> DigestEntryQuerySet:
        """Entries an editor has not hidden: the one definition of "in the digest" for readers."""
        return self.filter(hidden=False)


class DigestEntry(models.Model):
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="digest_entries")
    position = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)

    objects = DigestEntryQuerySet.as_manager()

    class Meta:
        ordering = ["digest", "position", "id"]
        verbose_name_plural = "digest entries"
        constraints = [models.UniqueConstraint(fields=["digest", "paper"], name="digestentry_unique_paper")]

    def __str__(self) -> str:
        return f"{self.digest} #{self.position} {self.paper.arxiv_id}"


class RelatedPaper(models.Model):
    """One of a paper's nearest papers in the site's archive, precomputed (``services.related``).

    Rows may name papers no longer public: readers' queries filter on
    visibility when they ask, so a digest going live or back to draft never
    shows a stale neighbour while the refresh catches up.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="related_rows")
    related = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(help_text="1 = nearest.")
    score = models.FloatField(help_text="Similarity by the method that ranked it; higher = nearer.")
    method = models.CharField(max_length=100, help_text='"search" or "embeddings:<model>".')
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="relatedpaper_unique_rank"),
            models.UniqueConstraint(fields=["paper", "related"], name="relatedpaper_unique_related"),
            models.CheckConstraint(condition=~Q(paper=models.F("related")), name="relatedpaper_not_itself"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="relatedpaper_rank_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} #{self.rank} {self.related_id}"


class PaperEmbedding(models.Model):
    """A paper's text embedding from the configured model, unit length, kept until its text changes."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    model_name = models.CharField(max_length=200)
    text_hash = models.CharField(max_length=40, help_text="SHA-1 of the text embedded: a change re-embeds.")
    vector = models.JSONField(help_text="Unit-length floats.")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "model_name"], name="paperembedding_unique_model")]

    def __str__(self) -> str:
        return f"{self.paper_id} [{self.model_name}]"
