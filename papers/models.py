"""arXiv records and everything derived from one paper: PDF, figures, summaries.

Facts (ids, authors, links, dates, comments) live on ``Paper`` and come only
from arXiv metadata; facts read from the PDF live on ``PaperContent``; prose
written by a model or an editor lives on ``Summary`` and its revisions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from papers.sections import SECTION_FIELDS
from papers.text import CAPTION_LABEL, text_language


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Topic(models.Model):
    """What to fetch from arXiv every day, and how its digest is written."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    arxiv_query = models.CharField(
        max_length=1000,
        help_text='arXiv search syntax, e.g. abs:"diffusion model" AND cat:cs.CV',
    )
    categories = models.JSONField(
        default=list,
        blank=True,
        help_text="Optional arXiv categories (e.g. cs.CV); added to the query as an OR group.",
    )
    language = models.CharField(max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    max_papers_per_day = models.PositiveIntegerField(default=50)
    # Two days by default: papers submitted late in the day are announced a day
    # later, and a paper already in an earlier digest is not added again.
    lookback_days = models.PositiveSmallIntegerField(
        default=2,
        help_text="How many days before the digest date a paper's first submission may fall.",
    )
    is_active = models.BooleanField(default=True)
    auto_publish = models.BooleanField(
        default=False,
        help_text="Publish the digest once every paper is processed and no summary has blocking flags.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_papers_per_day__gte=1), name="topic_max_papers_positive"),
            models.CheckConstraint(condition=Q(lookback_days__gte=1), name="topic_lookback_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("digests:topic", kwargs={"slug": self.slug})

    @property
    def full_query(self) -> str:
        """Return the arXiv query with the optional category group ANDed in."""
        query = f"({self.arxiv_query})"
        if self.categories:
            cats = " OR ".join(f"cat:{c}" for c in self.categories)
            query = f"{query} AND ({cats})"
        return query


class PaperStatus(models.TextChoices):
    FETCHED = "fetched", "Metadata fetched"
    PDF_READY = "pdf_ready", "PDF downloaded"
    PARSED = "parsed", "PDF parsed"
    SUMMARIZED = "summarized", "Summarized"
    FAILED = "failed", "Failed"


class PipelineStep(models.TextChoices):
    METADATA = "metadata", "Fetch metadata"
    DOWNLOAD = "download", "Download PDF"
    PARSE = "parse", "Parse PDF"
    SUMMARIZE = "summarize", "Summarize"


class PaperQuerySet(models.QuerySet):
    def unfinished_and_free(self):
        """Papers the pipeline has not finished (neither summarized nor failed) that no worker holds."""
        return self.exclude(status__in=[PaperStatus.SUMMARIZED, PaperStatus.FAILED]).filter(
            Q(processing_until__isnull=True) | Q(processing_until__lte=timezone.now())
        )


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=40, unique=True, help_text="Without version, e.g. 2404.19382")
    version = models.PositiveSmallIntegerField(default=1)
    title = models.TextField()
    abstract = models.TextField()
    authors = models.JSONField(default=list, help_text="Author names in the order arXiv lists them.")
    primary_category = models.CharField(max_length=40, blank=True)
    categories = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=200, blank=True)
    published = models.DateTimeField(help_text="First version's submission time.")
    updated = models.DateTimeField(help_text="Latest version's submission time.")
    abs_url = models.URLField(max_length=500)
    pdf_url = models.URLField(max_length=500, help_text="Where the PDF is downloaded from.")
    topics = models.ManyToManyField(Topic, through="TopicPaper", related_name="papers")

    status = models.CharField(max_length=20, choices=PaperStatus.choices, default=PaperStatus.FETCHED)
    failed_step = models.CharField(max_length=20, choices=PipelineStep.choices, blank=True)
    last_error = models.TextField(blank=True)
    last_task_at = models.DateTimeField(null=True, blank=True)
    # A lease, not a flag: a worker killed mid-step leaves it to expire.
    processing_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "arxiv_id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["-published"])]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="paper_version_positive"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(failed_step=""), name="paper_failed_has_step"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}v{self.version}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("digests:paper", kwargs={"arxiv_id": self.arxiv_id})

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def arxiv_abs_url(self) -> str:
        """Canonical public abstract page, whatever mirror the metadata came from."""
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def arxiv_pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned_id}"

    @property
    def source_language(self) -> str:
        """The language the paper is written in, read from its title and abstract (arXiv does not say)."""
        return text_language(f"{self.title}\n{self.abstract}")


class TopicPaper(models.Model):
    """A paper matched by a topic, and the digest day it belongs to.

    A paper appears in one digest per topic: the day it was first found, even
    when overlapping look-back windows find it again.
    """

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE)
    digest_date = models.DateField()
    ingest_run = models.ForeignKey("IngestRun", null=True, blank=True, on_delete=models.SET_NULL)
    matched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-digest_date", "topic"]
        constraints = [models.UniqueConstraint(fields=["topic", "paper"], name="topicpaper_unique")]
        indexes = [models.Index(fields=["topic", "digest_date"])]

    def __str__(self) -> str:
        return f"{self.topic} / {self.digest_date} / {self.paper.arxiv_id}"


class PaperVersion(models.Model):
    """Every arXiv version of a paper this site has seen."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField()
    title = models.TextField()
    updated = models.DateTimeField()
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper", "version"]
        constraints = [models.UniqueConstraint(fields=["paper", "version"], name="paperversion_unique")]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id}v{self.version}"


class IngestRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "Found papers"
    EMPTY = "empty", "Nothing new"
    FAILED = "failed", "Failed"


class IngestRun(models.Model):
    """One query of arXiv for a topic and a date window, and what came of it."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="ingest_runs")
    digest_date = models.DateField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    query = models.TextField()
    api_url = models.URLField(max_length=500)
    status = models.CharField(max_length=10, choices=IngestRunStatus.choices, default=IngestRunStatus.RUNNING)
    total_results = models.PositiveIntegerField(default=0, help_text="Entries arXiv returned.")
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0, help_text="Returned but outside the date window.")
    # Empty on runs from before they were counted: a reader is told "not recorded", never a guess.
    added_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Papers this run added to the topic's digest of its day."
    )
    earlier_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Papers in the window that another day's digest of the topic already has."
    )
    note = models.TextField(blank=True, help_text="Why nothing was found, or what went wrong.")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["topic", "digest_date"])]

    def __str__(self) -> str:
        return f"{self.topic} {self.digest_date} ({self.get_status_display()})"


def pdf_upload_to(instance: PaperContent, filename: str) -> str:
    return f"papers/{instance.paper.arxiv_id.replace('/', '_')}/{filename}"


class PaperContent(models.Model):
    """What the PDF stage read from the paper: the file, its text and its facts."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="content")
    pdf_version = models.PositiveSmallIntegerField(help_text="The arXiv version the PDF belongs to.")
    pdf = models.FileField(upload_to=pdf_upload_to, max_length=300)
    pdf_sha256 = models.CharField(max_length=64)
    pdf_bytes = models.PositiveBigIntegerField(default=0)
    page_count = models.PositiveIntegerField(default=0)
    downloaded_at = models.DateTimeField(default=timezone.now)

    text = models.TextField(blank=True, help_text="Cleaned body text, reference list removed.")
    sections = models.JSONField(
        default=dict, blank=True, help_text="Section name -> text (abstract, introduction, method, …)."
    )
    affiliation = models.TextField(blank=True, help_text="First author's affiliation, read from page 1.")
    affiliation_evidence = models.TextField(blank=True, help_text="The page text the affiliation came from.")
    affiliation_note = models.CharField(
        max_length=300, blank=True, help_text="Why no affiliation is stored, when the PDF stage could not tell."
    )
    code_links = models.JSONField(
        default=list,
        blank=True,
        help_text='Normalised URLs as {"url", "kind", "role", "source"}; role "own" is the paper\'s, "uses" a tool it cites.',
    )
    warnings = models.JSONField(default=list, blank=True, help_text="MuPDF warnings while reading.")
    parsed_version = models.PositiveSmallIntegerField(null=True, blank=True)
    parsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["paper"]
        verbose_name_plural = "paper contents"

    def __str__(self) -> str:
        return f"PDF of {self.paper.arxiv_id}v{self.pdf_version}"

    @property
    def links(self) -> list[dict]:
        """Every link as {"url", "kind", "role", "source"}: the PDF stage stores that shape,
        but an editor may type a bare URL into the JSON field (an editor's link is the paper's own)."""
        out = []
        for link in self.code_links or []:
            if isinstance(link, str):
                link = {"url": link, "kind": "code", "source": "editor"}
            if isinstance(link, dict) and isinstance(link.get("url"), str) and link["url"]:
                out.append({**link, "role": link.get("role") or "own"})
        return out

    @property
    def own_links(self) -> list[dict]:
        """The paper's own code, project page and data: what a digest shows as "Code"."""
        return [link for link in self.links if link["role"] == "own"]

    @property
    def used_links(self) -> list[dict]:
        """Third-party repositories the paper only uses; never shown as the paper's code."""
        return [link for link in self.links if link["role"] != "own"]


class FigureKind(models.TextChoices):
    FIGURE = "figure", "Figure"
    TABLE = "table", "Table"
    COVER = "cover", "First-page cover"


def figure_upload_to(instance: Figure, filename: str) -> str:
    return f"figures/{instance.paper.arxiv_id.replace('/', '_')}/{filename}"


class FigureQuerySet(models.QuerySet):
    def shown(self) -> FigureQuerySet:
        """Figures an editor has not hidden, in the paper's order: what readers see."""
        return self.filter(hidden=False).order_by("order", "id")


class Figure(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(max_length=10, choices=FigureKind.choices, default=FigureKind.FIGURE)
    label = models.CharField(max_length=40, blank=True, help_text='e.g. "Figure 2"')
    caption = models.TextField(blank=True)
    page = models.PositiveIntegerField(null=True, blank=True, help_text="1-based page number.")
    bbox = models.JSONField(default=list, blank=True, help_text="[x0, y0, x1, y1] in PDF points.")
    order = models.PositiveIntegerField(default=0)
    image = models.ImageField(
        upload_to=figure_upload_to, width_field="width", height_field="height", blank=True, max_length=300
    )
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.ImageField(
        upload_to=figure_upload_to,
        width_field="thumb_width",
        height_field="thumb_height",
        blank=True,
        max_length=300,
    )
    thumb_width = models.PositiveIntegerField(null=True, blank=True)
    thumb_height = models.PositiveIntegerField(null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True, help_text="Remote image (imported posts).")
    # Identifies "the same figure" across re-processing so editor choices stick.
    fingerprint = models.CharField(max_length=64, blank=True)
    hidden = models.BooleanField(default=False)
    is_automatic = models.BooleanField(default=True, help_text="Cut from the PDF (replaced on re-processing).")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FigureQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "order", "id"]
        indexes = [models.Index(fields=["paper", "order"])]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} {self.label or self.get_kind_display()}"

    @property
    def caption_after_label(self) -> str:
        """The caption without the label it opens with ("Figure 1: …" under a bold "Figure 1"),
        so a page that prints the label does not print it twice."""
        caption = self.caption.strip()
        number = self.label.split()[-1] if self.label.split() else ""
        # Captions cut from a PDF next to a printed label, or imported with the label prepended, can open
        # with it twice ("Figure 1 Figure 1: …"): take off every copy.
        while number and (m := CAPTION_LABEL.match(caption)) and m["num"].lower() == number.lower():
            caption = caption[m.end() :].lstrip(" :.|")
        return caption


def _live_revision_field(name: str, default):
    """A read-only attribute of the summary that is its live revision's ``name`` (``default`` without one)."""
    return property(lambda summary: getattr(summary.live_revision, name) if summary.live_revision else default)


class Summary(models.Model):
    """The current summary of a paper in one language; history is in revisions.

    The sections are the fixed schema of the digest, so headings never drift.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="summaries")
    language = models.CharField(max_length=10, choices=Language.choices)

    one_line = models.TextField(blank=True)
    key_takeaways = models.JSONField(default=list, blank=True)
    translated_title = models.TextField(blank=True)
    keywords = models.JSONField(default=list, blank=True)
    background = models.TextField(blank=True)
    prior_work = models.TextField(blank=True)
    method = models.TextField(blank=True)
    results = models.TextField(blank=True)
    method_steps = models.JSONField(default=list, blank=True)
    significance = models.TextField(blank=True)
    innovation = models.TextField(blank=True)
    performance = models.TextField(blank=True)
    workload = models.TextField(blank=True)

    # The revision whose text is live: who wrote it (backend, model, prompt) and from which version.
    live_revision = models.ForeignKey(
        "SummaryRevision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    flags = models.JSONField(
        default=list, blank=True, help_text='Failed validation rules: [{"code", "message", "blocking"}].'
    )
    # Derived from ``flags`` on save, so the review queue filters on columns, not JSON text.
    has_blocking_flags = models.BooleanField(default=False, db_index=True, editable=False)
    flag_codes = models.CharField(max_length=500, blank=True, editable=False, help_text='" code1 code2 "')
    is_edited = models.BooleanField(default=False, help_text="An editor changed the text.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=1, help_text="Optimistic lock for concurrent edits.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SECTION_FIELDS = SECTION_FIELDS

    class Meta:
        ordering = ["paper", "language"]
        verbose_name_plural = "summaries"
        constraints = [models.UniqueConstraint(fields=["paper", "language"], name="summary_unique_language")]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} [{self.language}]"

    def save(self, *args, **kwargs):
        derived = flag_columns(self.flags)
        for name, value in derived.items():
            setattr(self, name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "flags" in update_fields:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    # Provenance is the live revision's: read with select_related("live_revision").
    backend = _live_revision_field("backend", "")
    model_name = _live_revision_field("model_name", "")
    prompt_version = _live_revision_field("prompt_version", "")
    source_version = _live_revision_field("source_version", None)
    input_tokens = _live_revision_field("input_tokens", None)
    output_tokens = _live_revision_field("output_tokens", None)
    latency_ms = _live_revision_field("latency_ms", None)
    revision_kind = _live_revision_field("kind", "")
    revision_at = _live_revision_field("created_at", None)
    public_note = _live_revision_field("public_note", "")

    def sections(self) -> dict:
        return {name: getattr(self, name) for name in self.SECTION_FIELDS}


def flag_columns(flags: list[dict]) -> dict:
    """The columns a summary derives from its flags; pass them to ``update()`` beside ``flags``."""
    codes = sorted({str(flag.get("code", "")) for flag in flags or [] if flag.get("code")})
    return {
        "has_blocking_flags": any(flag.get("blocking") for flag in flags or []),
        "flag_codes": f" {' '.join(codes)} " if codes else "",
    }


class RevisionKind(models.TextChoices):
    GENERATED = "generated", "Generated by a model"
    EDITED = "edited", "Edited by an editor"
    IMPORTED = "imported", "Imported"
    REVERTED = "reverted", "Reverted"


class RevisionState(models.TextChoices):
    APPLIED = "applied", "Applied"
    CANDIDATE = "candidate", "Candidate awaiting an editor"
    DISMISSED = "dismissed", "Dismissed"


class SummaryRevision(models.Model):
    """A JSON snapshot of a summary's sections. Nothing is ever overwritten."""

    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="revisions")
    kind = models.CharField(max_length=10, choices=RevisionKind.choices)
    state = models.CharField(max_length=10, choices=RevisionState.choices, default=RevisionState.APPLIED)
    content = models.JSONField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who wrote the text. An edit or a revert keeps the provenance of the text it
    # started from, so "written by model X, corrected by an editor" stays true.
    backend = models.CharField(max_length=40, blank=True, help_text='e.g. "extractive", "openai"')
    model_name = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    source_version = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The paper version the text was written from."
    )
    flags = models.JSONField(default=list, blank=True)
    # What generating it cost; empty on revisions a person made.
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    public_note = models.CharField(
        max_length=300, blank=True, help_text="What an editor corrected, in a sentence readers see beside the summary."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["summary", "-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.summary} {self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class RateSlot(models.Model):
    """The next moment a rate-limited resource may be used, shared by all processes."""

    key = models.CharField(max_length=100, primary_key=True)
    next_at = models.DateTimeField()
    # Start times (Unix seconds) of the latest requests, for a sliding-window
    # budget such as LLM_REQUESTS_PER_MINUTE (see rate_window_acquire).
    recent = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} next at {self.next_at.isoformat()}"
