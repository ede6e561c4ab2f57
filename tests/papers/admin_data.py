"""A small digest day as the editor finds it: summarized, one paper flagged."""

from __future__ import annotations

from dataclasses import dataclass

from digests.models import Digest
from papers.models import Figure, Paper, PaperContent, Summary, Topic
from papers.services.revisions import summary_revalidate
from tests.factories import (
    DigestEntryFactory,
    DigestFactory,
    FigureFactory,
    PaperFactory,
    SummaryFactory,
    TopicFactory,
    TopicPaperFactory,
)

# The reference digest's kind of error: the model invents an author and claims
# an affiliation the PDF does not print.
WRONG_CLAIM = "Xudong Zhang et al. at Stanford University study diffusion models for image generation."
RIGHT_CLAIM = "The authors, at the Chinese Academy of Sciences, study diffusion models for image generation."
AFFILIATION = "Institute of Automation, Chinese Academy of Sciences"


def clean_sections(i: int) -> dict:
    """Sections that pass every validation rule for PaperFactory's abstract."""
    return {
        "one_line": f"Diffusion models for image generation, study {i}.",
        "key_takeaways": [f"Diffusion models generate images, point {n}." for n in range(1, 6)],
        "translated_title": f"A study of diffusion {i}",
        "keywords": ["diffusion", "image generation"],
        "background": "Diffusion models generate images.",
        "prior_work": "Earlier diffusion models were slow at image generation.",
        "method": "The study trains diffusion models for image generation.",
        "results": "Strong results on ImageNet.",
        "method_steps": ["Train the diffusion model.", "Generate images."],
        "significance": "Better image generation.",
        "innovation": "A diffusion study.",
        "performance": "Strong results on ImageNet.",
        "workload": "Moderate.",
    }


@dataclass
class Day:
    topic: Topic
    digest: Digest
    papers: list[Paper]
    summaries: list[Summary]
    figures: list[Figure]

    @property
    def flagged(self) -> Summary:
        return self.summaries[0]


def flagged_day(*, n: int = 2) -> Day:
    topic = TopicFactory(name="Diffusion Models", slug="diffusion-models", language="en")
    digest = DigestFactory(topic=topic)
    papers, summaries, figures = [], [], []
    for i in range(n):
        paper = PaperFactory(status="summarized", authors=["Xiaoxuan Han", "Songlin Yang"])
        TopicPaperFactory(topic=topic, paper=paper, digest_date=digest.date)
        DigestEntryFactory(digest=digest, paper=paper, position=i)
        PaperContent.objects.create(
            paper=paper,
            pdf_version=1,
            parsed_version=1,
            pdf="papers/x.pdf",
            pdf_sha256="0" * 64,
            affiliation=AFFILIATION,
        )
        sections = clean_sections(i)
        if i == 0:
            sections["one_line"] = WRONG_CLAIM
        summary = SummaryFactory(paper=paper, language="en", **sections)
        summaries.append(summary_revalidate(summary=summary))
        figures.append(FigureFactory(paper=paper, label="Figure 1", caption=f"Overview of paper {i}"))
        papers.append(paper)
    return Day(topic=topic, digest=digest, papers=papers, summaries=summaries, figures=figures)
