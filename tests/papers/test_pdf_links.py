"""Code links on real pdfTeX output: the paper's own versus the tools it uses.

The papers are tests/fixtures/links/*.tex (built by scripts/make_link_fixtures.py);
each source's header says which links are whose. The PDFs are read with empty
abstract and comment metadata, so every link here comes from the PDF itself.
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from papers.services import parse
from papers.services.parse import layout, paper_parse
from papers.services.parse.links import (
    context_role,
    find_links,
    front_role,
    join_broken_urls,
    link_kind,
    owned_by_authors,
)
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "links"
AUTHORS = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]


def roles(name: str, **fields) -> dict[str, str]:
    fields.setdefault("authors", AUTHORS)
    paper = stored_paper((FIXTURES / name).read_bytes(), abstract="", comment="", **fields)
    content = paper_parse(paper=paper)
    assert all(link["role"] in ("own", "uses") for link in content.code_links)
    return {link["url"]: link["role"] for link in content.code_links}


@pytest.fixture
def twocolumn():
    return roles("twocolumn.pdf", title="FlexiProbe: Probing Language Models with Flexible Prompts")


@pytest.fixture
def ieee():
    return roles(
        "ieee.pdf", authors=["Ada Lovelace", "Alan Turing"], title="Anchored Trajectories for Motion Forecasting"
    )


@pytest.fixture
def acl():
    return roles(
        "acl.pdf",
        authors=["Grace Hopper", "Alan Turing", "Ada Lovelace"],
        title="ParaDox: Paraphrase Robustness of Document Classifiers",
    )


@pytest.fixture
def markers():
    return roles(
        "markers.pdf", authors=["Ada Lovelace", "Alan Turing"], title="Sparse Voxel Fields for Indoor Scene Completion"
    )


@pytest.fixture
def elsevier():
    return roles(
        "elsevier.pdf", authors=["Grace Hopper", "Alan Turing"], title="Caching Embeddings for Interactive Retrieval"
    )


@pytest.fixture
def archive():
    return roles(
        "archive.pdf",
        authors=["Giulia Marchetti", "Tomás Herrera"],
        title="Snow-Aware Streamflow Forecasts for Ungauged Alpine Basins",
    )


def test_a_link_in_the_abstract_is_the_papers_own(twocolumn):
    assert twocolumn["https://lovelace-lab.github.io/flexiprobe"] == "own"


def test_a_code_footnote_on_the_title_is_the_papers_own(twocolumn):
    assert twocolumn["https://github.com/lovelace-lab/flexiprobe-models"] == "own"


def test_our_code_is_available_at_is_the_papers_own(twocolumn):
    assert twocolumn["https://github.com/lovelace-lab/flexiprobe"] == "own"


def test_a_tool_in_a_footnote_after_we_parse_with_is_used_not_own(twocolumn):
    assert twocolumn["https://github.com/explosion/spaCy"] == "uses"


def test_the_public_code_of_a_cited_paper_is_used_not_own(twocolumn):
    assert twocolumn["https://github.com/turing-group/detr-lite"] == "uses"


def test_a_repository_next_to_an_et_al_citation_is_used_not_own(twocolumn):
    assert twocolumn["https://github.com/hopper-group/para-base"] == "uses"


def test_a_repository_under_an_authors_name_is_own_without_a_cue(twocolumn):
    assert twocolumn["https://github.com/lovelace/flexiprobe-train"] == "own"


def test_a_footnote_mark_after_a_url_is_not_glued_to_it(twocolumn):
    assert twocolumn["https://github.com/lovelace-lab/probe-bench"] == "own"
    assert not any(url.endswith("probe-bench2") for url in twocolumn)


def test_links_in_the_references_are_not_reported(twocolumn, acl):
    assert not any("-ref" in url for url in [*twocolumn, *acl])


def test_a_url_ending_the_abstract_is_not_joined_with_index_terms(ieee):
    assert ieee["https://lovelace-lab.github.io/anchored/project"] == "own"
    assert not any("Index" in url or "project/" in url for url in ieee)


def test_we_use_the_toolkit_at_is_used_and_our_implementation_in_the_same_sentence_is_own(ieee):
    assert ieee["https://github.com/argo-tools/av2-api"] == "uses"
    assert ieee["https://github.com/lovelace-lab/anchored-trajectories"] == "own"


def test_a_link_behind_the_word_here_takes_the_role_of_its_sentence(acl):
    assert acl["https://github.com/hopper-nlp/paradox-eval"] == "own"


def test_a_data_set_footnote_after_we_release_is_own(acl):
    assert acl["https://huggingface.co/datasets/hopper-nlp/paradox"] == "own"


def test_a_footnote_on_a_tools_name_is_used_not_own(acl):
    assert acl["https://github.com/google/sentencepiece"] == "uses"


def test_the_official_code_of_an_author_year_citation_is_used_not_own(acl):
    assert acl["https://github.com/turing-lab/para-gen"] == "uses"
    assert acl["https://github.com/eval-tools/agree-kit"] == "uses"


def test_the_papers_repository_among_tools_in_one_sentence_is_own(acl):
    assert acl["https://github.com/hopper-nlp/paradox"] == "own"


def test_a_bare_url_in_the_abstract_is_own_without_any_phrase(markers):
    assert markers["https://github.com/lovelace-vision/sparse-fields"] == "own"


def test_a_body_footnote_sharing_the_affiliation_markers_digit_is_the_tools(markers):
    assert markers["https://github.com/isl-org/Open3D"] == "uses"


def test_a_tool_footnote_on_a_later_page_is_used(markers):
    assert markers["https://github.com/scikit-image/scikit-image"] == "uses"


def test_hyperlinked_words_project_page_are_the_papers_project_page(elsevier):
    assert elsevier["https://prefix-cache.example.org"] == "own"


def test_a_code_label_in_the_body_is_the_papers_own(elsevier):
    assert elsevier["https://github.com/hopper-lab/prefix-cache"] == "own"


def test_the_released_checkpoints_of_a_cited_paper_and_a_library_we_rely_on_are_used(elsevier):
    assert elsevier["https://huggingface.co/hopper-group/prefix-encoder"] == "uses"
    assert elsevier["https://github.com/facebookresearch/faiss"] == "uses"


def test_a_tool_named_and_cited_before_available_at_is_used_not_own(archive):
    assert archive["https://github.com/neuralhydrology/neuralhydrology"] == "uses"


def test_a_cited_data_set_archived_on_zenodo_is_used_not_own(archive):
    assert archive["https://zenodo.org/records/7957061"] == "uses"


def test_data_available_from_a_named_provider_is_used_not_own(archive):
    assert archive["https://zenodo.org/records/8362857"] == "uses"


def test_the_official_implementation_of_a_cited_paper_is_used_not_own(archive):
    assert archive["https://github.com/kratzert/ealstm_regional_modeling"] == "uses"


def test_trained_models_archived_on_zenodo_are_the_papers_own(archive):
    assert archive["https://zenodo.org/records/10462291"] == "own"


def test_data_deposited_across_a_page_break_are_the_papers_own(archive):
    assert archive["https://figshare.com/articles/dataset/alpine_forcing/24681234"] == "own"


def test_model_weights_on_the_hugging_face_hub_are_the_papers_own(archive):
    assert archive["https://huggingface.co/valmora-hydro/snow-lstm"] == "own"


@pytest.fixture
def hostbreak():
    return roles("hostbreak.pdf", authors=["Ada Lovelace", "Alan Turing"], title="Sparse Probes for Broken Hosts")


def test_code_under_a_host_broken_after_its_dot_is_the_papers_own(hostbreak):
    assert hostbreak["https://github.com/lovelace-lab/sparse-probes"] == "own"


def test_a_cited_tool_under_a_host_broken_after_its_dot_stays_used(hostbreak):
    assert hostbreak["https://gitlab.com/hopper-group/tagger"] == "uses"


def test_data_archived_under_a_host_broken_after_its_dot_are_the_papers_own(hostbreak):
    assert hostbreak["https://zenodo.org/records/7654321"] == "own"


def test_a_project_page_broken_before_its_top_level_domain_is_the_papers_own(hostbreak):
    assert hostbreak["https://lovelace-lab.github.io/sparse-probes"] == "own"


@pytest.mark.parametrize(
    "name", ["twocolumn.pdf", "ieee.pdf", "acl.pdf", "markers.pdf", "elsevier.pdf", "archive.pdf", "hostbreak.pdf"]
)
def test_each_fixture_gives_exactly_its_truth(name):
    truth = json.loads((FIXTURES / "truth.json").read_text())[name]
    assert roles(name, **truth["fields"]) == truth["links"]


def test_every_link_in_the_corpus_is_found_once(twocolumn, ieee, acl, markers, elsevier, archive):
    assert (len(twocolumn), len(ieee), len(acl), len(markers), len(elsevier), len(archive)) == (8, 3, 6, 3, 4, 7)


@pytest.mark.parametrize(
    "before",
    [
        "Fixed prompts overstate what models can do. Our code is available at ",
        "Code: ",
        "Project page: ",
        "We release the benchmark and the evaluation scripts at ",
        "Code and pre-trained models are publicly available at ",
        "The implementation of our method is available at ",
        "Our implementation, unlike that of [3], is available at ",
        "We use the toolkit of [4] (url) and our models will be released at ",
        "The source code will be made publicly available at ",
        "The code for reproducing our experiments is at ",
        "Code and models: ",
        "The trained checkpoints can be downloaded from ",
        "We implement the network in PyTorch, and the code is available at ",
        "Our code, built on NeuralHydrology [1], is available at ",
        "We introduce FooBench, available at ",
        "We propose SnowNet, whose code is available at ",
    ],
)
def test_sentences_about_the_papers_own_artefact_are_own(before):
    assert context_role(before.replace("(url)", "(https://github.com/a/b)")) == "own"


@pytest.mark.parametrize(
    "before",
    [
        "The optimiser is built on the public code of [3] (",
        "We compare with the baseline of Hopper et al. [1] (",
        "We parse every prompt with spaCy ",
        "Our pipeline builds on ",
        "Paraphrases are generated with the model of Turing (2021), whose official code is publicly available at ",
        "We thank the authors of DETR for releasing their code at ",
        "Our detector is adapted from ",
        "Results use the checkpoints provided by ",
        "For the baseline, we use the official implementation at ",
        "Detectors are initialised with the pretrained weights from ",
        "The evaluation follows [12] ",
    ],
)
def test_sentences_about_someone_elses_code_are_uses(before):
    assert context_role(before) == "uses"


@pytest.mark.parametrize(
    "before",
    [
        "Trained models, basin attributes and forecasts for all 470 catchments are archived at ",
        "The processed data are deposited at ",
        "We archive all forecasts at ",
        "Code and data for this paper are deposited with Zenodo at ",
        "Model weights are also on the Hugging Face Hub at ",
        "The checkpoints are available from our project page at ",
    ],
)
def test_an_archive_of_the_papers_own_artefacts_is_own(before):
    assert context_role(before) == "own"


@pytest.mark.parametrize(
    "before",
    [
        "We implement the LSTM with NeuralHydrology [1], available at ",
        "We implement the LSTM with NeuralHydrology, available at ",
        "We evaluate on KITTI, which is available at ",
        "We train on the CAMELS-CH data set (Höge et al., 2023), archived at ",
        "We train the LSTM on CAMELS [5] and the data are available at ",
        "Streamflow records are available from the national agencies at ",
        "We use NeuralHydrology [1]; it is available at ",
        "We present results on KITTI, available at ",
    ],
)
def test_is_available_at_about_a_tool_or_data_set_named_or_cited_after_we_is_not_own(before):
    assert context_role(before) != "own"


@pytest.mark.parametrize(
    "url", ["https://zenodo.org/records/10462291", "https://osf.io/x7k2p", "https://figshare.com/articles/dataset/a/1"]
)
def test_an_archive_of_records_is_a_data_link(url):
    assert link_kind(url) == "data"


def test_is_available_at_about_something_else_the_sentence_names_is_not_own():
    assert context_role("The KITTI data set is publicly available at ") is None
    assert context_role("FlexiProbe is publicly available at ", short="flexiprobe") == "own"


def test_a_sentence_without_a_cue_says_nothing():
    assert context_role("Training scripts for every run live in ") is None


def test_a_url_followed_by_a_citation_is_used():
    assert context_role("The detector ", after=" [12] is trained on") == "uses"


def test_an_account_under_an_authors_surname_or_the_papers_short_name_is_theirs():
    authors = ["Ada Lovelace", "Alan Turing"]
    assert owned_by_authors("https://github.com/alovelace/x", authors)
    assert owned_by_authors("https://lovelace-lab.github.io/x", authors)
    assert owned_by_authors("https://github.com/someone/flexiprobe", authors, "FlexiProbe: Probing Models")
    assert not owned_by_authors("https://github.com/explosion/spaCy", authors, "FlexiProbe: Probing Models")
    # A surname inside a longer account name, or a short surname, is someone else's account.
    assert not owned_by_authors("https://github.com/chenfei-wu/TaskMatrix", ["Wei Chen"])
    assert not owned_by_authors("https://github.com/liwei/x", ["Wei Li"])


@pytest.mark.parametrize(
    "text",
    [
        "Project page: https://a-lab.github.io/anchored/project/\nIndex Terms—Motion forecasting",
        "at https://a-lab.github.io/proj/\nand the code is there",
        "see https://github.com/a/b/\nThe next sentence starts here",
    ],
)
def test_a_url_ending_a_line_is_not_joined_with_the_phrase_that_follows(text):
    assert join_broken_urls(text) == text


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        (
            "live in https://github.com/lovelace/\nflexiprobe-train.",
            "live in https://github.com/lovelace/flexiprobe-train.",
        ),
        ("(https:\n//github.com/hopper-group/para-base), which", "(https://github.com/hopper-group/para-base), which"),
        ("at https://github.com/\nFooBar/x now", "at https://github.com/FooBar/x now"),
        (
            "at https://huggingface.co/ada-lab/\nprobe-weights and",
            "at https://huggingface.co/ada-lab/probe-weights and",
        ),
    ],
)
def test_a_url_broken_inside_its_path_is_rejoined(text, joined):
    assert join_broken_urls(text) == joined


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("at https://github.\ncom/ada/probe. Next", "at https://github.com/ada/probe. Next"),
        ("page: https://yaellevi.\nnet/projects/merge and", "page: https://yaellevi.net/projects/merge and"),
        ("page: https://yaellevi.\nnet.", "page: https://yaellevi.net."),
        ("see www.\nada-lab.org/probe now", "see www.ada-lab.org/probe now"),
        ("see https://ada-lab.github\n.io/probe now", "see https://ada-lab.github.io/probe now"),
        ("see https://ada-\nlab.github.io/probe now", "see https://ada-lab.github.io/probe now"),
        ("code at github.\ncom/ada/probe now", "code at github.com/ada/probe now"),
    ],
)
def test_a_url_broken_inside_its_host_is_rejoined(text, joined):
    assert join_broken_urls(text) == joined


@pytest.mark.parametrize(
    "text",
    [
        "visit https://ada-lab.org.\nnext we train",  # a whole host ending the sentence
        "at https://github.com/ada/probe.\nnet gains are small",  # a dot in the path ends the sentence
        "at https://ada-lab.\nThe next sentence",  # a capital starts the next sentence
        "at https://ada-lab.\nand the data",  # a phrase word is no top-level domain
    ],
)
def test_a_dot_ending_a_line_outside_a_broken_host_is_not_joined(text):
    assert join_broken_urls(text) == text


def test_a_link_annotation_joins_a_break_the_words_would_keep():
    # Alone, a capital after a whole path ("docs/" / "ReadMe") is the next sentence.
    text = "at https://ada.org/docs/\nReadMe now"
    assert join_broken_urls(text) == text
    assert join_broken_urls(text, {"ada.org/docs/readme"}) == "at https://ada.org/docs/ReadMe now"


def test_a_link_annotation_ending_at_the_line_end_keeps_the_break():
    text = "at https://ada.org/docs/\nmodels, we"
    assert join_broken_urls(text) == "at https://ada.org/docs/models, we"
    assert join_broken_urls(text, {"ada.org/docs"}) == text


def test_a_word_hyphenated_at_a_line_end_still_says_available_at():
    assert context_role("them. The code and anonymised depot instances are avail-\nable at ") == "own"


def test_a_project_page_is_at_is_the_papers_own_project_page():
    before = "results. A project page with interactive examples is at "
    assert context_role(before) == "own"
    assert link_kind("https://yaellevi.net/projects/merge", before) == "project"


def test_a_named_tools_project_page_is_at_is_not_own():
    assert context_role("results. The project page of ToMe is at ") != "own"


def test_only_the_own_link_is_shown_as_code_and_the_paper_page_lists_the_used_one_under_uses(client):
    from papers.models import PaperContent
    from tests.digests.builders import make_digest

    digest = make_digest(papers=1)
    paper = digest.entries.first().paper
    PaperContent.objects.create(
        paper=paper,
        pdf_version=1,
        pdf="x.pdf",
        pdf_sha256="0" * 64,
        code_links=[
            {"url": "https://github.com/lovelace-lab/flexiprobe", "kind": "code", "role": "own", "source": "pdf"},
            {"url": "https://github.com/explosion/spaCy", "kind": "code", "role": "uses", "source": "pdf"},
        ],
    )
    digest_html = client.get(digest.get_absolute_url()).content.decode()
    assert digest_html.count(">Code</a>") == 1
    assert 'href="https://github.com/lovelace-lab/flexiprobe"' in digest_html
    assert "explosion/spaCy" not in digest_html
    paper_html = client.get(paper.get_absolute_url()).content.decode()
    assert paper_html.count(">Code</a>") == 1
    uses = re.search(r'<p class="uses">.*?</p>', paper_html, re.S).group(0)
    assert 'href="https://github.com/explosion/spaCy"' in uses
    assert "flexiprobe" not in uses


def test_a_teaser_caption_comparing_with_another_papers_code_is_used_even_in_the_front_matter():
    assert front_role("Figure 1. Our method compared with DALL-E (") == "uses"
    assert front_role("Figure 1. Results of our method. Code: ") == "own"


def test_abstract_links_are_own_unless_their_sentence_says_they_are_someone_elses():
    abstract = (
        "We build on the public code of Hopper et al. (https://github.com/hopper-group/para-base). "
        "It needs no labels. https://github.com/lovelace-lab/flexiprobe"
    )
    found = {link["url"]: link["role"] for link in find_links(abstract, "abstract")}
    assert found == {
        "https://github.com/hopper-group/para-base": "uses",
        "https://github.com/lovelace-lab/flexiprobe": "own",
    }


def test_a_footnote_whose_mark_is_a_line_of_its_own_takes_the_role_of_its_marks_sentence():
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((120, 90), "Tokenisers Matter More Than Expected", fontname="hebo", fontsize=15)
    page.insert_text((72, 200), "1 Introduction", fontname="hebo", fontsize=11)
    page.insert_text((72, 220), "Tokenisation decides what a model can see in the text it is given.", fontsize=10)
    page.insert_text((72, 233), "We split every document into pieces with Toksplit before training", fontsize=10)
    page.insert_text((72, 246), "and keep the vocabulary fixed for every run in this paper here.", fontsize=10)
    # The marks are drawn apart from the words, as MuPDF sometimes reads raised marks.
    mark_x = 72 + pymupdf.get_text_length("We split every document into pieces with Toksplit", fontsize=10)
    page.insert_text((mark_x, 229), "3", fontsize=6)
    page.insert_text((72, 706), "3", fontsize=6)
    page.insert_text((76, 710), "https://github.com/tok-org/toksplit", fontname="cour", fontsize=8)
    paper = stored_paper(doc.tobytes(), abstract="", comment="", authors=["Ada Lovelace"], title="Tokenisers")
    content = paper_parse(paper=paper)
    assert [(link["url"], link["role"]) for link in content.code_links] == [
        ("https://github.com/tok-org/toksplit", "uses")
    ]


def _column_page(right_rows: list[float]) -> layout.PageLayout:
    """A two-column page: references from y=600 in the left column, right-column lines at ``right_rows``."""
    pl = layout.PageLayout(index=1, width=612.0, height=792.0, gutter=306.0)
    rows = [(0, y) for y in (500.0, 600.0, 611.0)] + [(1, y) for y in right_rows]
    for col, y in rows:
        x0 = 54.0 if col == 0 else 317.0
        pl.lines.append(layout.Line(1, (x0, y, x0 + 245.0, y + 10.0), "words", 9.0, False, [], col=col))
    return pl


def test_a_right_column_above_references_balanced_below_both_columns_is_the_papers():
    # revtex: the text of both columns ends, then the list starts level in both below a gap.
    pl = _column_page([450.0, 461.0, 600.0, 611.0])
    refs = parse._References.of(SimpleNamespace(references_at=(1, 600.0, 0)), [pl])
    conclusion = pl.lines[3]
    assert not refs.hold(1, conclusion, pl)
    assert refs.hold(1, pl.lines[5], pl)


def test_a_right_column_continuing_the_references_from_its_top_is_theirs():
    pl = _column_page([60.0 + 11 * i for i in range(60)])
    refs = parse._References.of(SimpleNamespace(references_at=(1, 600.0, 0)), [pl])
    assert refs.hold(1, pl.lines[3], pl)
