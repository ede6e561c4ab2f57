"""The offline extractive backend: every section from the paper's own sentences."""

import re
from dataclasses import replace

import pytest

from papers.models import PaperContent, Summary
from papers.sections import ANALYSIS_SECTIONS
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


PROSE = ("one_line", *ANALYSIS_SECTIONS)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[\w%.-]+", text.lower()))


def own_sentences(paper):
    """A sentence is the paper's own when its words run in the paper's text (a connective or citation may be cut)."""
    text = _words(paper.abstract + " " + " ".join(paper.content.sections.values()))
    return lambda sentence: _words(sentence) in text


def test_every_sentence_is_the_papers_own(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")
    is_own = own_sentences(paper)

    sentences = [s for name in PROSE for s in _sentences(summary.sections()[name])]
    sentences += summary.key_takeaways + summary.method_steps
    assert len(sentences) >= 5
    assert [s for s in sentences if not is_own(s.rstrip("."))] == []


def test_sections_pick_sentences_that_fit_them(paper):
    summary = paper_summarize(paper=paper, language="en", backend="extractive")

    assert "we introduce FlexiFilm" in summary.one_line
    assert "25% lower FVD" in summary.results + summary.performance + " ".join(summary.key_takeaways)
    assert summary.method and summary.method in METHOD


def test_method_steps_come_from_the_method_section_in_order():
    from tests.papers.extractive_inputs import METHOD as LONG_METHOD

    content = _summarize_long_paper()

    steps = content["method_steps"]
    assert 2 <= len(steps) <= 3
    positions = [_words(LONG_METHOD).index(_words(step)) for step in steps]
    assert positions == sorted(positions)


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
    assert summary.backend == "extractive" and summary.one_line and summary.method
    # The abstract is printed right above the summary: at most two of its sentences come back as takeaways.
    assert 1 <= len(summary.key_takeaways) <= 2
    assert [f for f in summary.flags if f["blocking"]] == []


def test_an_offline_summary_for_a_chinese_topic_is_stored_as_the_english_it_is():
    paper = PaperFactory(title="FlexiFilm", abstract=ABSTRACT)
    TopicPaperFactory(paper=paper, topic=TopicFactory(language="zh-hans"))

    assert papers_summarize(papers=[paper], backend="extractive") == {paper.pk: None}

    (summary,) = Summary.objects.filter(paper=paper)
    assert summary.language == "en"
    # Truthful language: the wrong_language rule has nothing to report.
    assert "wrong_language" not in [f["code"] for f in summary.flags]


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
        assert summary.one_line and summary.method and 1 <= len(summary.key_takeaways) <= 2
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


# --- the rules, on a hand-written paper shaped like the PDF stage's output ---


def _summarize_long_paper(**changes) -> dict:
    from papers.services.summarize.backends.base import SummaryRequest
    from papers.services.summarize.backends.extractive import ExtractiveBackend
    from tests.papers import extractive_inputs as inputs

    request = SummaryRequest(
        arxiv_id="2405.00001",
        version=1,
        language="en",
        title=inputs.TITLE,
        abstract=changes.pop("abstract", inputs.ABSTRACT),
        sections={**inputs.SECTIONS, **changes},
    )
    return ExtractiveBackend().summarize(request).content


def _all_sentences(content: dict) -> list[str]:
    out = [s for name in PROSE for s in _sentences(content[name])]
    return out + list(content["key_takeaways"]) + list(content["method_steps"])


def _word_count(content: dict) -> int:
    return sum(len(s.split()) for s in _all_sentences(content))


def test_summary_is_shorter_than_twice_the_abstract_and_350_words():
    from tests.papers.extractive_inputs import ABSTRACT as LONG_ABSTRACT

    content = _summarize_long_paper()
    assert _word_count(content) < min(350, 2 * len(LONG_ABSTRACT.split()))
    short = " ".join(LONG_ABSTRACT.split(". ")[:4]) + "."
    assert _word_count(_summarize_long_paper(abstract=short)) < 2 * len(short.split())


def test_one_line_is_the_contribution_statement_within_35_words():
    content = _summarize_long_paper()
    assert content["one_line"].startswith("We propose SparseFlow")
    assert len(content["one_line"].split()) <= 35


def test_one_line_never_opens_with_a_connective():
    from tests.papers.extractive_inputs import ABSTRACT as LONG_ABSTRACT

    abstract = LONG_ABSTRACT.replace("We propose SparseFlow", "Therefore, we propose SparseFlow")
    content = _summarize_long_paper(abstract=abstract)
    assert content["one_line"].startswith("We propose SparseFlow")


def test_key_takeaways_are_five_to_eight_short_points_mostly_from_the_body():
    from tests.papers.extractive_inputs import ABSTRACT as LONG_ABSTRACT

    takeaways = _summarize_long_paper()["key_takeaways"]
    assert 5 <= len(takeaways) <= 8
    assert all(len(t.split()) <= 40 for t in takeaways)
    abstract = _words(LONG_ABSTRACT)
    assert sum(_words(t) in abstract for t in takeaways) <= 2


def test_no_sentence_is_used_twice_or_near_duplicated_anywhere():
    sentences = _all_sentences(_summarize_long_paper())
    terms = [set(_words(s).split()) - {"the", "a", "of", "and", "to", "in", "is", "for", "we"} for s in sentences]
    assert len(set(sentences)) == len(sentences)
    for i in range(len(terms)):
        for j in range(i + 1, len(terms)):
            jaccard = len(terms[i] & terms[j]) / len(terms[i] | terms[j])
            assert jaccard < 0.5, (sentences[i], sentences[j])


def test_analysis_sections_hold_one_to_three_sentences_from_their_part_of_the_paper():
    from tests.papers import extractive_inputs as inputs

    content = _summarize_long_paper()
    sources = {
        "method": inputs.METHOD,
        "results": inputs.EXPERIMENTS + inputs.CONCLUSION,
        "background": inputs.INTRODUCTION,
        "prior_work": inputs.RELATED + inputs.INTRODUCTION,
        "significance": inputs.CONCLUSION,
    }
    for name, source in sources.items():
        sentences = _sentences(content[name])
        assert 1 <= len(sentences) <= 3, name
        assert all(_words(s) in _words(source) for s in sentences), name


def test_a_part_the_paper_gives_no_material_for_stays_empty():
    content = _summarize_long_paper(conclusion="")
    assert content["significance"] == ""


def test_headings_captions_table_cells_equations_and_references_stay_out():
    text = " ".join(_all_sentences(_summarize_long_paper()))
    for junk in (
        "Overview The transformer",
        "Introduction Recent",
        "Figure 2",
        "Table 1",
        "12.4 6.1 0.98",
        "q_t",
        "Ho, T. Salimans",
        "Stable video diffusion:",
    ):
        assert junk not in text, junk


def test_citation_brackets_and_figure_pointers_are_cut_from_the_sentences():
    text = " ".join(_all_sentences(_summarize_long_paper()))
    assert not re.search(r"\[\d|\(Fig\.|et al\., 20", text)


def test_sentence_splitting_knows_abbreviations_decimals_and_equation_numbers():
    from papers.services.summarize.backends.extractive import split_sentences

    text = (
        "We follow Ho et al. [4] and weigh the loss by Eq. (2) as in Sec. 3.1 of the paper. "
        "It reaches 0.97 vs. 0.98 for full attention, i.e. one point lower (Fig. 3). "
        "Local windows, e.g. of 64 tokens, are cheap."
    )
    assert split_sentences(text) == [
        "We follow Ho et al. [4] and weigh the loss by Eq. (2) as in Sec. 3.1 of the paper.",
        "It reaches 0.97 vs. 0.98 for full attention, i.e. one point lower (Fig. 3).",
        "Local windows, e.g. of 64 tokens, are cheap.",
    ]


def test_a_heading_glued_to_its_first_sentence_is_cut_off():
    from papers.services.summarize.backends.extractive import strip_heading

    assert strip_heading("3.1 Overview Specifically, we split the tokens.") == "Specifically, we split the tokens."
    assert strip_heading("4 Experiments We evaluate on three models.") == "We evaluate on three models."
    assert strip_heading("Implementation details. We build on public checkpoints.") == "We build on public checkpoints."
    assert strip_heading("2 GPUs suffice for training.") == "2 GPUs suffice for training."
