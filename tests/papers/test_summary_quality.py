"""The summary quality checker: every rule and junk pattern, on hand-made summaries.

Each violating example has a clean twin that differs only in what the rule
looks at, so no check passes by flagging nothing (or everything).
"""

import pytest

from papers.services.summarize import quality as q
from papers.services.summarize.quality import summary_quality

ABSTRACT = (
    "Long videos from diffusion models drift in content and grow overexposed after a few seconds. "
    "We introduce FlexiFilm, a diffusion model with a temporal conditioner and a resampling strategy. "
    "FlexiFilm generates consistent videos longer than thirty seconds and beats prior systems in user studies. "
    "The conditioner compresses the history of the film so that the denoising network can attend to it cheaply. "
    "Resampling targets only those frames whose brightness exceeds a threshold learned from natural footage. "
    "We release the model weights, the evaluation prompts and the scripts that reproduce every experiment."
)


def clean() -> dict:
    """A summary that breaks no rule: the base every test changes in one place."""
    return {
        "one_line": "FlexiFilm keeps long generated videos consistent by conditioning each clip on earlier frames.",
        "key_takeaways": [
            "Video diffusion models lose track of characters once a clip passes a few seconds.",
            "A temporal conditioner feeds compressed earlier frames to every attention block.",
            "Resampling the noise of bright frames removes the washed-out look of late frames.",
            "Thirty-second videos stay coherent where earlier systems break down.",
            "Human raters preferred its videos over four public baselines.",
        ],
        "translated_title": "FlexiFilm: Long Video Generation with Flexible Conditions",
        "keywords": ["video diffusion", "long video", "temporal conditioning"],
        "background": "Short clips are easy for current generators, but minutes of film are not.",
        "prior_work": "Earlier systems stitch independent clips, so faces and lighting jump between them.",
        "method": "A conditioner encodes previous frames into latents that guide the denoiser.",
        "results": "On a benchmark of long prompts, drift and exposure errors fall sharply.",
        "method_steps": [
            "Encode earlier frames.",
            "Condition the denoiser on them.",
            "Resample noise where exposure climbs.",
        ],
        "significance": "Coherent long videos become possible without training a larger network.",
        "innovation": "Conditioning on compressed history is new for this family of generators.",
        "performance": "Raters chose its videos in most side-by-side comparisons.",
        "workload": "Training needs eight GPUs for a week on licensed footage.",
    }


def kinds(content: dict, abstract: str = ABSTRACT) -> set[str]:
    return {f.kind for f in summary_quality(content, abstract=abstract).flags}


def with_(**changes) -> dict:
    return {**clean(), **changes}


# --- the clean base --------------------------------------------------------


def test_clean_summary_has_no_flag():
    assert summary_quality(clean(), abstract=ABSTRACT).flags == []


def test_clean_summary_has_no_empty_section():
    assert summary_quality(clean(), abstract=ABSTRACT).empty_sections == []


# --- sentence splitting ----------------------------------------------------


def test_split_keeps_eq_with_its_bracketed_number():
    assert q.sentences_split("As shown in Eq. (2) the loss drops. It works.") == [
        "As shown in Eq. (2) the loss drops.",
        "It works.",
    ]


def test_split_keeps_et_al_with_its_citation_bracket():
    assert q.sentences_split("Smith et al. [4] show this. It works.") == ["Smith et al. [4] show this.", "It works."]


def test_split_keeps_tab_with_its_number():
    assert q.sentences_split("Tab. 3 lists the scores. It works.") == ["Tab. 3 lists the scores.", "It works."]


def test_split_keeps_a_lowercase_continuation():
    assert q.sentences_split("We use the approx. method of Ho. It works.") == [
        "We use the approx. method of Ho.",
        "It works.",
    ]


def test_split_separates_real_sentences():
    assert q.sentences_split("The model is small. The data is large. Results are good.") == [
        "The model is small.",
        "The data is large.",
        "Results are good.",
    ]


# --- counting --------------------------------------------------------------


def test_summary_words_count_prose_and_list_items():
    content = {"one_line": "One two three.", "key_takeaways": ["Four five.", "Six."], "method_steps": ["Seven."]}
    assert summary_quality(content, abstract="a b").summary_words == 7


def test_summary_words_leave_out_keywords_and_translated_title():
    content = {"one_line": "One two three.", "keywords": ["four", "five six"], "translated_title": "Seven eight"}
    assert summary_quality(content, abstract="a b").summary_words == 3


def test_abstract_words_are_counted():
    assert summary_quality(clean(), abstract="Alpha beta, gamma - delta.").abstract_words == 4


# --- copies ----------------------------------------------------------------


def test_sentence_copied_word_for_word_is_a_copy():
    copied = "We introduce FlexiFilm, a diffusion model with a temporal conditioner and a resampling strategy."
    result = summary_quality(with_(method=copied), abstract=ABSTRACT)
    assert [(f.kind, f.section) for f in result.flags] == [("copy", "method")]


def test_copy_ignores_case_and_punctuation():
    copied = "we introduce flexifilm: a diffusion model with a temporal conditioner, and a resampling strategy!"
    assert "copy" in kinds(with_(method=copied))


def test_part_of_an_abstract_sentence_is_a_copy():
    assert "copy" in kinds(with_(method="FlexiFilm generates consistent videos longer than thirty seconds."))


def test_copy_behind_a_glued_heading_is_a_copy():
    glued = (
        "3.1 Overview We introduce FlexiFilm, a diffusion model with a temporal conditioner and a resampling strategy."
    )
    result = summary_quality(with_(method=glued), abstract=ABSTRACT)
    assert [f.kind for f in result.flags] == ["copy", "junk:glued_heading"]


def test_sentence_with_most_abstract_tokens_is_a_near_copy():
    near = "We introduce FlexiFilm, a video diffusion model with a temporal conditioner and a resampling strategy."
    result = summary_quality(with_(method=near), abstract=ABSTRACT)
    assert result.near_copied == 1 and result.copied == 0


def test_sentence_sharing_few_abstract_tokens_is_no_copy():
    result = summary_quality(
        with_(method="FlexiFilm adds a conditioner that remembers earlier frames."), abstract=ABSTRACT
    )
    assert result.copied == 0 and result.near_copied == 0


# --- repeats ---------------------------------------------------------------


def test_same_sentence_in_two_sections_is_a_duplicate():
    content = with_(significance=clean()["method"])
    result = summary_quality(content, abstract=ABSTRACT)
    assert [(f.kind, f.section) for f in result.flags] == [("duplicate", "significance")]


def test_duplicate_counts_list_items_too():
    steps = [
        "Encode earlier frames into latents.",
        "A conditioner encodes previous frames into latents that guide the denoiser.",
    ]
    assert "duplicate" in kinds(with_(method_steps=steps))


def test_reworded_repeat_is_a_near_duplicate():
    content = with_(innovation="A conditioner encodes the previous frames into latents which guide a denoiser.")
    result = summary_quality(content, abstract=ABSTRACT)
    assert result.near_duplicates == 1 and result.duplicates == 0


def test_sentence_contained_in_another_is_a_near_duplicate():
    content = with_(innovation="The conditioner encodes previous frames into latents.")
    assert "near_duplicate" in kinds(content)


def test_sentences_on_one_topic_with_different_content_are_no_near_duplicates():
    content = with_(innovation="Latents from a conditioner replace the text prompt for later clips.")
    assert kinds(content) == set()


# --- empty sections --------------------------------------------------------


def test_blank_analysis_section_is_empty():
    content = with_(workload="  ", prior_work="")
    assert summary_quality(content, abstract=ABSTRACT).empty_sections == ["prior_work", "workload"]


def test_missing_analysis_section_is_empty():
    content = clean()
    del content["results"]
    assert summary_quality(content, abstract=ABSTRACT).empty_sections == ["results"]


def test_empty_analysis_section_breaks_no_rule():
    assert summary_quality(with_(workload=""), abstract=ABSTRACT).violations == []


# --- one_line --------------------------------------------------------------


def test_one_line_of_two_sentences_breaks_the_rule():
    assert "rule:one_line_sentences" in kinds(with_(one_line="FlexiFilm makes long videos. They stay consistent."))


def test_empty_one_line_breaks_the_rule():
    assert "rule:one_line_sentences" in kinds(with_(one_line=""))


def test_one_line_over_35_words_breaks_the_rule():
    long = "FlexiFilm " + " ".join(["keeps"] * 35) + " videos consistent."
    assert "rule:one_line_words" in kinds(with_(one_line=long))


def test_one_line_of_35_words_is_within_the_rule():
    exact = "FlexiFilm " + " ".join(["keeps"] * 33) + " videos."
    assert q.words(exact) == 35
    assert "rule:one_line_words" not in kinds(with_(one_line=exact))


@pytest.mark.parametrize(
    "opening", ["Therefore,", "Furthermore,", "However,", "In addition,", "Specifically,", "Also", "Based on these,"]
)
def test_one_line_opening_with_a_connective_breaks_the_rule(opening):
    assert "rule:one_line_connective" in kinds(with_(one_line=f"{opening} FlexiFilm keeps long videos consistent."))


def test_one_line_opening_with_a_word_that_merely_starts_like_a_connective_is_fine():
    assert kinds(with_(one_line="Thusly named, FlexiFilm keeps long videos consistent.")) == set()


# --- key_takeaways ---------------------------------------------------------


def test_four_takeaways_break_the_count_rule():
    assert "rule:takeaways_count" in kinds(with_(key_takeaways=clean()["key_takeaways"][:4]))


def test_nine_takeaways_break_the_count_rule():
    extra = [f"Point number {n} concerns a separate measured effect of frame {n}." for n in range(4)]
    assert "rule:takeaways_count" in kinds(with_(key_takeaways=clean()["key_takeaways"] + extra))


def test_eight_takeaways_keep_the_count_rule():
    extra = ["Memory grows linearly with video length.", "Audio is out of scope.", "Code is public."]
    assert "rule:takeaways_count" not in kinds(with_(key_takeaways=clean()["key_takeaways"] + extra))


def test_takeaway_of_two_sentences_breaks_the_rule():
    items = clean()["key_takeaways"][:4] + ["Raters liked it. They said so twice."]
    assert "rule:takeaway_sentences" in kinds(with_(key_takeaways=items))


def test_takeaway_over_40_words_breaks_the_rule():
    items = clean()["key_takeaways"][:4] + ["Raters " + " ".join(["liked"] * 40) + " it."]
    assert "rule:takeaway_words" in kinds(with_(key_takeaways=items))


def test_three_takeaways_from_the_abstract_break_the_rule():
    abstract_sentences = q.sentences_split(ABSTRACT)
    items = abstract_sentences + clean()["key_takeaways"][:2]
    assert "rule:takeaways_copied" in kinds(with_(key_takeaways=items))


def test_two_takeaways_from_the_abstract_keep_the_rule():
    items = q.sentences_split(ABSTRACT)[:2] + clean()["key_takeaways"][:3]
    assert "rule:takeaways_copied" not in kinds(with_(key_takeaways=items))


# --- analysis sections and length ------------------------------------------


def test_analysis_section_of_four_sentences_breaks_the_rule():
    four = "Clips drift. Faces change. Light flickers. Colours fade."
    result = summary_quality(with_(background=four), abstract=ABSTRACT)
    assert [(f.kind, f.section) for f in result.violations] == [("rule:section_sentences", "background")]


def test_analysis_section_of_three_sentences_keeps_the_rule():
    assert kinds(with_(background="Clips drift. Faces change. Light flickers.")) == set()


def test_summary_of_twice_the_abstract_breaks_the_rule():
    abstract = " ".join(["word"] * 50) + "."
    result = summary_quality(clean(), abstract=abstract)
    assert result.summary_words >= 100
    assert "rule:vs_abstract" in {f.kind for f in result.flags}


def test_summary_under_twice_the_abstract_keeps_the_rule():
    result = summary_quality(clean(), abstract=" ".join(["word"] * 100) + ".")
    assert result.summary_words < 200
    assert "rule:vs_abstract" not in {f.kind for f in result.flags}


def test_summary_of_350_words_breaks_the_rule():
    padded = with_(method_steps=[f"Step {n} encodes frame group {n} into a fresh latent code." for n in range(40)])
    result = summary_quality(padded, abstract=" ".join(["word"] * 400))
    assert result.summary_words >= 350
    assert "rule:total_words" in {f.kind for f in result.flags}


def test_summary_under_350_words_keeps_the_rule():
    result = summary_quality(clean(), abstract=" ".join(["word"] * 400))
    assert "rule:total_words" not in {f.kind for f in result.flags}


# --- junk ------------------------------------------------------------------


def test_takeaway_opening_with_a_connective_is_junk():
    items = clean()["key_takeaways"][:4] + ["Moreover, raters liked the videos."]
    result = summary_quality(with_(key_takeaways=items), abstract=ABSTRACT)
    assert [(f.kind, f.detail) for f in result.junk] == [("junk:connective", "Moreover")]


def test_one_line_opening_with_a_connective_is_junk_too():
    result = summary_quality(with_(one_line="Thus, FlexiFilm keeps long videos consistent."), abstract=ABSTRACT)
    assert [(f.kind, f.section, f.detail) for f in result.junk] == [("junk:connective", "one_line", "Thus")]


def test_takeaway_opening_with_subsequently_is_junk():
    items = clean()["key_takeaways"][:4] + ["Subsequently, raters liked the videos."]
    assert "junk:connective" in kinds(with_(key_takeaways=items))


def test_takeaway_opening_with_next_as_an_adjective_is_no_junk():
    items = clean()["key_takeaways"][:4] + ["Next-frame prediction is left to future versions."]
    assert "junk:connective" not in kinds(with_(key_takeaways=items))


def test_takeaway_opening_with_instead_of_is_no_junk():
    items = clean()["key_takeaways"][:4] + ["Instead of stitching clips, the model conditions on history."]
    assert "junk:connective" not in kinds(with_(key_takeaways=items))


def test_connective_later_in_the_prose_is_no_junk():
    assert kinds(with_(results="However, drift and exposure errors fall sharply on long prompts.")) == set()


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("3.1 Overview Specifically, we encode the frames.", "3.1 Overview"),
        ("4 Experiments We evaluate on long prompts.", "4 Experiments"),
        ("2 Related Work Prior systems stitch clips.", "2 Related Work"),
        ("Introduction Recent video models drift.", "Introduction"),
        ("Related Work Earlier systems stitch clips.", "Related Work"),
        ("Temporal Conditioner The encoder reads earlier frames.", "Temporal Conditioner"),
        ("Noise Resampling We re-draw noise for bright frames.", "Noise Resampling"),
    ],
)
def test_glued_heading_is_junk(text, heading):
    assert q.glued_heading(text) == heading


@pytest.mark.parametrize(
    "text",
    [
        "Introduction of a conditioner helps.",
        "Results show less drift.",
        "2 GPUs suffice for training.",
        "Diffusion Models Are popular.",
        "Method: encode the frames.",
        "Stable Diffusion generates the first clip.",
        "The Conditioner We Use is small.",
    ],
)
def test_sentence_without_a_glued_heading_is_clean(text):
    assert q.glued_heading(text) is None


def test_glued_heading_is_reported_in_the_summary():
    result = summary_quality(with_(method="3.2 Conditioner The encoder reads earlier frames."), abstract=ABSTRACT)
    assert [(f.kind, f.detail) for f in result.junk] == [("junk:glued_heading", "3.2 Conditioner")]


@pytest.mark.parametrize(
    "text",
    [
        "Figure 3: Drift over time.",
        "Fig. 2. The pipeline of our method.",
        "Table 1: Scores on long prompts.",
        "The pipeline Figure 2: overview of the model.",
    ],
)
def test_caption_is_junk(text):
    assert q.caption(text)


def test_sentence_pointing_at_a_figure_is_no_caption():
    assert q.caption("As Figure 2 shows, drift falls.") is None


def test_numbers_from_a_table_are_junk():
    assert q.table_cells("FID 12.3 11.8 10.9 9.7 IS 30.1") == "12.3 11.8 10.9 9.7"


def test_axis_ticks_glued_into_a_sentence_are_junk():
    text = "The judges degrade on long dialogues (Figure 1), 75 50 25 0 where the context exceeds the encoder."
    assert q.table_cells(text) == "75 50 25 0"


def test_short_tokens_with_few_letters_are_junk():
    assert q.table_cells("A/B | 1.2 | 3.4 | x/y | 5 | 6")


def test_sentence_with_a_few_numbers_is_no_table():
    assert q.table_cells("FlexiFilm reaches 85.2% preference, 3.1 points above the best baseline.") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("J. Ho and T. Salimans. Guidance. In Proceedings of the NeurIPS Workshop.", "In Proceedings of"),
        ("Attention is all you need. arXiv preprint arXiv:1706.03762, 2017.", "arXiv preprint"),
        ("Video diffusion models. Ho et al., 2022.", "et al., 2022."),
        ("Learning rates. Journal of Learning, pp. 12–20.", "pp. 12–20"),
        ("Denoising diffusion probabilistic models. In NeurIPS, 2020.", "In NeurIPS, 2020"),
        ("R. Rombach, A. Blattmann, and B. Ommer trained latent models.", "R. Rombach, A. Blattmann"),
        ("The cost dominates at inference. [1] R.", "[1] R."),
    ],
)
def test_reference_entry_is_junk(text, found):
    assert q.reference_entry(text) == found


def test_sentence_naming_a_venue_without_a_year_is_no_reference():
    assert q.reference_entry("We follow the protocol common at NeurIPS and evaluate on long prompts.") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Stitching clips fails [12].", "[12]"),
        ("Stitching clips fails [3, 4].", "[3, 4]"),
        ("Stitching clips fails [5–7].", "[5–7]"),
        ("Stitching clips fails (Smith et al., 2020).", "(Smith et al., 2020)"),
        ("Guidance helps (Ho and Salimans, 2022).", "(Ho and Salimans, 2022)"),
    ],
)
def test_citation_bracket_is_junk(text, found):
    assert q.citation(text) == found


def test_bracketed_aside_is_no_citation():
    assert q.citation("The conditioner (a small transformer) reads [earlier] frames in 2024.") is None


@pytest.mark.parametrize(
    "text",
    [
        "The loss is L = (x + y.",
        "The bound holds since x ] y for all steps.",
        "We minimise the objective L =",
        "The score is s_t + λ ∇ log p where",
        "where α + β = γ holds for all steps.",
    ],
)
def test_cut_equation_is_junk(text):
    assert q.broken_equation(text)


@pytest.mark.parametrize(
    "text",
    [
        "The conditioner (a small transformer) reads earlier frames.",
        "We train with 1) a reconstruction loss and 2) a prior.",
        "Scores rise on long prompts (Table 3) and fall on short ones (Figure 1).",
        "The encoder [a small transformer] is frozen {always}.",
        "The loss weight is 0.5 in all runs.",
    ],
)
def test_complete_sentence_is_no_broken_equation(text):
    assert q.broken_equation(text) is None


def test_junk_flag_carries_the_offending_text():
    text = "Stitching clips fails [12]."
    result = summary_quality(with_(prior_work=text), abstract=ABSTRACT)
    assert [(f.kind, f.section, f.text, f.detail) for f in result.junk] == [
        ("junk:citation", "prior_work", text, "[12]")
    ]
