"""Row builders for tests. Facts look like arXiv's; override what a test is about."""

import datetime

import factory
from django.utils import timezone

from digests.models import Digest, DigestEntry
from papers.models import Figure, IngestRun, Paper, RevisionKind, Summary, SummaryRevision, Topic, TopicPaper


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    arxiv_query = 'abs:"diffusion model"'
    language = "en"


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    arxiv_id = factory.Sequence(lambda n: f"2405.{10000 + n:05d}")
    version = 1
    title = factory.Sequence(lambda n: f"A Study of Diffusion Number {n}")
    # Three sentences, as the shortest real abstracts have: an offline summary needs one for each required part.
    abstract = (
        "We study diffusion models for image generation and report strong results on ImageNet. "
        "Existing samplers need hundreds of network evaluations for every generated image. "
        "Our sampler needs twelve evaluations and keeps the image quality of the original model."
    )
    authors = factory.LazyFunction(lambda: ["Ada Lovelace", "Alan Turing"])
    primary_category = "cs.CV"
    categories = factory.LazyFunction(lambda: ["cs.CV", "cs.LG"])
    published = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    updated = factory.LazyAttribute(lambda o: o.published)
    abs_url = factory.LazyAttribute(lambda o: f"http://arxiv.org/abs/{o.arxiv_id}v{o.version}")
    pdf_url = factory.LazyAttribute(lambda o: f"http://arxiv.org/pdf/{o.arxiv_id}v{o.version}")


class TopicPaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TopicPaper

    topic = factory.SubFactory(TopicFactory)
    paper = factory.SubFactory(PaperFactory)
    digest_date = datetime.date(2024, 5, 2)


class IngestRunFactory(factory.django.DjangoModelFactory):
    """A finished ingest of one topic's day; ``status`` and the counts are what a test is about."""

    class Meta:
        model = IngestRun

    topic = factory.SubFactory(TopicFactory)
    digest_date = datetime.date(2024, 5, 2)
    window_start = factory.LazyFunction(timezone.now)
    window_end = factory.LazyFunction(timezone.now)
    query = "q"
    api_url = "http://127.0.0.1/"
    status = "ok"


# A summary's provenance lives on its live revision; SummaryFactory builds that from these.
SUMMARY_PROVENANCE = ("backend", "model_name", "prompt_version", "source_version", "input_tokens", "output_tokens")


class SummaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Summary

    paper = factory.SubFactory(PaperFactory)
    language = "en"
    one_line = "Diffusion models generate images."
    key_takeaways = factory.LazyFunction(lambda: ["First point.", "Second point."])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        provenance = {"backend": "extractive"}
        provenance.update({name: kwargs.pop(name) for name in SUMMARY_PROVENANCE if name in kwargs})
        summary = super()._create(model_class, *args, **kwargs)
        summary.live_revision = SummaryRevision.objects.create(
            summary=summary, kind=RevisionKind.GENERATED, content=summary.sections(), flags=summary.flags, **provenance
        )
        summary.save(update_fields=["live_revision"])
        return summary


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    paper = factory.SubFactory(PaperFactory)
    label = factory.Sequence(lambda n: f"Figure {n + 1}")
    caption = "An overview of the method."
    page = 1
    order = factory.Sequence(lambda n: n)


class DigestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Digest

    topic = factory.SubFactory(TopicFactory)
    date = datetime.date(2024, 5, 2)
    title = factory.LazyAttribute(lambda o: o.topic.name)


class DigestEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DigestEntry

    digest = factory.SubFactory(DigestFactory)
    paper = factory.SubFactory(PaperFactory)
    position = factory.Sequence(lambda n: n)
