"""The offline extractive backend: every section from the paper's own sentences."""

from dataclasses import replace

import pytest

from papers.models import PaperContent, Summary
from papers.services.errors import SummarizeError
from papers.services.summarize import paper_summarize, papers_summarize
from papers.services.summarize.backends import SummaryRequest
from papers.services.summarize.backends.extractive import ExtractiveBackend
from tests.factories import PaperFactory, TopicFactory, TopicPaperFactory

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "Generating long and consistent videos has emerged as a significant yet challenging problem. "
    "While most existing diffusion-based video generation models demonstrate promising performance in generating "
    "short videos, their simple conditioning mechanism and sampling strategy cause severe performance degradation "
    "when adapted to long video generation. This results in prominent temporal inconsistency and overexposure. "
    "Thus, in this work, we introduce FlexiFilm, a new diffusion model tailored for long video generation. "
    "Our framework incorporates a temporal conditioner to establish a more consistent relationship between "
    "generation and multi-modal conditions, and a resampling strategy to tackle overexposure. "
    "Empirical results demonstrate FlexiFilm generates long and consistent videos, each over 30 seconds in length, "
    "outperforming competitors in qualitative and quantitative analyses."
)
METHOD = (
    "The temporal conditioner encodes the previous frames into a compact latent sequence for the video model. "
    "We then inject the conditioning latents into every attention block of the denoising network. "
    "The resampling strategy re-draws noise for overexposed frames during the sampling process. "
    "Finally, the generated clips are stitched together into a long video with overlapping frames."
)


@pytest.fixture
def paper():
    paper = PaperFactory(title="FlexiFilm: Long Video Generation with Flexible Conditions", abstract=ABSTRACT)
    PaperContent.objects.create(
        paper=paper,
        pdf_version=1,
        pdf="x.pdf",
        pdf_sha256="0" * 64,
        sections={
            "abstract": ABSTRACT,
            "introduction": "Video generation with diffusion models is increasingly important for film making. "
            "However, existing approaches fail to keep long videos temporally consistent over many frames.",
            "3 Method": METHOD,
            "experiments": "We train the model on 8 GPUs for three days on a dataset of long movie clips. "
            "FlexiFilm achieves a 25% lower FVD than the strongest baseline on long video benchmarks.",
            "conclusion": "FlexiFilm paves the way for long video generation with flexible conditions in the future.",
        },
    )
    return paper


def own_sentences(paper):
    text = paper.abstract + " " + " ".join(paper.content.sections.values())
    return lambda sentence: sentence in text


def test_every_section_is_filled_from_the_papers_own_sentences(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")
    is_own = own_sentences(paper)

    for name in Summary.SECTION_FIELDS:
        if name != "translated_title":
            assert summary.sections()[name], f"{name} is empty"
    for name in ("one_line", "background", "prior_work", "method", "results", "significance", "workload"):
        for sentence in summary.sections()[name].split(". "):
            assert is_own(sentence.rstrip(".")), (name, sentence)
    assert all(is_own(item) for item in summary.key_takeaways + summary.method_steps)
    assert 5 <= len(summary.key_takeaways) <= 8


def test_sections_pick_sentences_that_fit_them(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")

    assert "we introduce FlexiFilm" in summary.one_line
    assert "However" in summary.prior_work or "existing" in summary.prior_work
    assert "GPUs" in summary.workload
    assert "25% lower FVD" in summary.results + summary.performance
    assert "paves the way" in summary.significance


def test_method_steps_come_from_the_method_section_in_order(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")

    assert summary.method_steps and all(step in METHOD for step in summary.method_steps)
    assert summary.method_steps == sorted(summary.method_steps, key=METHOD.index)


def test_keywords_are_scored_terms_of_the_paper(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")

    assert any("video generation" in kw.lower() for kw in summary.keywords)
    source = " ".join([paper.title, ABSTRACT, *paper.content.sections.values()]).lower()
    assert all(kw.lower() in source for kw in summary.keywords)
    assert 1 <= len(summary.keywords) <= 5


def test_extractive_summary_says_no_model_wrote_it(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")
    assert (summary.backend, summary.model_name) == ("extractive", "")


def test_abstract_only_paper_is_summarized_offline_by_default():
    paper = PaperFactory(title="FlexiFilm", abstract=ABSTRACT)
    TopicPaperFactory(paper=paper, topic=TopicFactory(language="en"))

    outcome = papers_summarize(papers=[paper])

    assert outcome == {paper.pk: None}
    summary = Summary.objects.get(paper=paper, language="en")
    assert summary.backend == "extractive" and summary.method and summary.results
    assert [f["code"] for f in summary.flags] == []


def test_an_offline_summary_for_a_chinese_topic_is_stored_as_the_english_it_is():
    paper = PaperFactory(title="FlexiFilm", abstract=ABSTRACT)
    TopicPaperFactory(paper=paper, topic=TopicFactory(language="zh-hans"))

    assert papers_summarize(papers=[paper], backend="extractive") == {paper.pk: None}

    (summary,) = Summary.objects.filter(paper=paper)
    assert summary.language == "en"
    # Truthful language: the wrong_language rule has nothing to report.
    assert [f["code"] for f in summary.flags] == []


def test_a_paper_in_an_english_and_a_chinese_topic_gets_one_offline_summary():
    paper = PaperFactory(title="FlexiFilm", abstract=ABSTRACT)
    TopicPaperFactory(paper=paper, topic=TopicFactory(language="en"))
    TopicPaperFactory(paper=paper, topic=TopicFactory(language="zh-hans"))

    assert papers_summarize(papers=[paper], backend="extractive") == {paper.pk: None}
    assert list(Summary.objects.filter(paper=paper).values_list("language", flat=True)) == ["en"]
    assert Summary.objects.get(paper=paper).revisions.count() == 1


def test_a_current_offline_summary_is_not_written_again_for_the_other_topic_language():
    paper = PaperFactory(title="FlexiFilm", abstract=ABSTRACT)
    TopicPaperFactory(paper=paper, topic=TopicFactory(language="zh-hans"))
    first = paper_summarize(paper=paper, language="en", backend="extractive")

    again = paper_summarize(paper=paper, language="zh-hans", backend="extractive")

    assert again.pk == first.pk and again.language == "en"
    assert again.revisions.count() == 1


def test_the_offline_summary_leaves_the_title_untranslated(paper):
    summary = paper_summarize(paper=paper, language="zh-hans", backend="extractive")
    assert summary.translated_title == ""
    assert "missing_section" not in {f["code"] for f in summary.flags}


def test_a_chinese_paper_gets_a_chinese_offline_summary():
    abstract = (
        "扩散模型在图像生成中取得了显著进展。然而，现有方法难以控制生成视频的时间一致性，导致画面闪烁。"
        "我们提出了一种新的时间注意力机制，在不增加训练成本的情况下提升一致性。"
        "实验结果表明，该方法在多个基准上优于现有方法。"
    )
    request = SummaryRequest(
        arxiv_id="2405.1", version=1, language="en", title="视频扩散模型的时间一致性", abstract=abstract
    )
    assert ExtractiveBackend().written_language(request) == "zh-hans"
    assert ExtractiveBackend().written_language(replace(request, title="FlexiFilm", abstract=ABSTRACT)) == "en"


def test_paper_without_usable_text_fails_with_a_clear_error():
    paper = PaperFactory(abstract="TBD.")
    outcome = papers_summarize(papers=[paper], backend="extractive")
    assert isinstance(outcome[paper.pk], SummarizeError)
    assert "no usable sentences" in str(outcome[paper.pk])


def _reference_day():
    """Return (title, authors, arxiv_id, abstract) for each paper of the reference digest."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "fixtures/hexo/digest-2024-05-02-diffusion-models.md").read_text()
    found = []
    for block in text.split("\n## ")[1:]:
        title = block.splitlines()[0].strip()
        authors = re.search(r"\*\*Authors:(.+?)\*\*", block).group(1).split(", ")
        abstract = block.split("**\n\n", 1)[1].split("\n\n[PDF]", 1)[0].strip()
        arxiv_id = re.search(r"arxiv\.org/abs/(\d{4}\.\d{5})", block).group(1)
        found.append((title, authors, arxiv_id, abstract))
    return found


def test_reference_day_summarizes_offline_without_blocking_flags():
    topic = TopicFactory(language="zh-hans")
    papers = []
    for title, authors, arxiv_id, abstract in _reference_day():
        papers.append(
            TopicPaperFactory(
                topic=topic, paper=PaperFactory(title=title, authors=authors, arxiv_id=arxiv_id, abstract=abstract)
            ).paper
        )
    assert len(papers) == 7

    outcome = papers_summarize(papers=papers)

    assert all(error is None for error in outcome.values()), outcome
    for summary in Summary.objects.filter(paper__in=papers):
        assert summary.one_line and summary.method and len(summary.key_takeaways) >= 5
        assert [f for f in summary.flags if f["blocking"]] == [], (summary.paper.arxiv_id, summary.flags)


def test_a_sentence_the_introduction_repeats_from_the_abstract_appears_once_in_a_section():
    from papers.services.summarize.backends.base import SummaryRequest
    from papers.services.summarize.backends.extractive import ExtractiveBackend

    request = SummaryRequest(
        arxiv_id="2404.18620",
        version=1,
        language="en",
        title="FlexiFilm",
        abstract=ABSTRACT,
        sections={"introduction": ABSTRACT, "3 Method": METHOD},  # papers often repeat their abstract
    )
    content = ExtractiveBackend().summarize(request).content
    repeated = [
        (name, sentence)
        for name in ("background", "prior_work", "method", "results")
        for sentence in ABSTRACT.split(". ")
        if content[name].count(sentence.rstrip(".")) > 1
    ]
    assert repeated == []


def test_figure_captions_glued_into_the_text_are_not_used_as_prose(paper):
    sections = dict(paper.content.sections)
    caption = "Overview Figure 2: (a) The temporal conditioner and the resampling strategy of the long video model"
    sections["3 Method"] = caption + ". " + METHOD
    PaperContent.objects.filter(paper=paper).update(sections=sections)
    paper.refresh_from_db()
    summary = paper_summarize(paper=paper, language="en", backend="extractive")
    assert all("Figure 2:" not in str(value) for value in summary.sections().values())


def test_reference_entries_and_thanks_are_never_used_as_prose(paper):
    # Entries and thanks worded like the paper itself, so only their section keeps them out.
    entries = [
        f"[{n}] A. Author{n}. Long video generation with diffusion models and a temporal conditioner for "
        f"consistent long videos and resampling of overexposed frames, part {n}. In CVPR, 2023."
        for n in range(1, 7)
    ]
    thanks = (
        "We thank the reviewers for comments on long video generation with diffusion models and the temporal "
        "conditioner for consistent long videos."
    )
    sections = {**paper.content.sections, "references": " ".join(entries), "Acknowledgements": thanks}
    PaperContent.objects.filter(paper=paper).update(sections=sections)
    paper.refresh_from_db()
    summary = paper_summarize(paper=paper, language="en", backend="extractive")
    text = " ".join(str(value) for value in summary.sections().values())
    assert ", part " not in text and "We thank the reviewers" not in text
