"""The first author's affiliation on title pages set with real publisher classes.

The PDFs are built by scripts/make_affiliation_fixtures.py from the .tex
sources in tests/fixtures/affiliation; the truth is the institution written
in each source (truth.json), never our parser's output.
"""

import json
from pathlib import Path

import pymupdf
import pytest

from papers.services.parse import paper_parse
from tests.pdfgen import stored_paper

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "affiliation"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())


BOLD = "hebo"
BODY = "Body text of the paper runs on here in its usual size."


def _title_page(lines: list[tuple], *, authors: list[str], body_top: int | None = None):
    """Parse a generated first page: ``lines`` as (x, y, text, size[, font]), and 20 body lines from ``body_top``."""
    doc = pymupdf.open()
    page = doc.new_page()
    for x, y, text, size, *font in lines:
        page.insert_text((x, y), text, fontsize=size, fontname=font[0] if font else "helv")
    if body_top is not None:
        for i in range(20):
            page.insert_text((72, body_top + 14 * i), BODY, fontsize=10)
    return paper_parse(paper=stored_paper(doc.tobytes(), authors=authors))


def parsed(name: str):
    truth = TRUTH[name]
    paper = stored_paper((FIXTURES / f"{name}.pdf").read_bytes(), authors=truth["authors"])
    return paper_parse(paper=paper), truth["affiliation"]


def test_ieee_conference_takes_only_the_block_under_the_first_author():
    content, truth = parsed("ieee_conf")
    assert content.affiliation == truth
    assert "Nordhavn" not in content.affiliation


def test_ieee_journal_reads_the_are_with_footnote_naming_the_first_author():
    content, truth = parsed("ieee_journal")
    assert content.affiliation == truth
    assert "e-mail" not in content.affiliation
    assert "Hartwig" in content.affiliation_evidence


def test_acm_sigconf_column_under_the_first_author_joined_with_commas():
    content, truth = parsed("acm_sigconf")
    assert content.affiliation == truth


def test_llncs_inst_marker_picks_the_second_listed_institute():
    content, truth = parsed("llncs")
    assert content.affiliation == truth


def test_elsarticle_letter_marker_picks_its_address():
    content, truth = parsed("elsarticle")
    assert content.affiliation == truth


def test_elsarticle_address_wrapped_onto_a_second_line_is_read_whole():
    content, truth = parsed("elsarticle_wrapped")
    assert content.affiliation == truth


def test_revtex_superscript_address_after_a_comma():
    content, truth = parsed("revtex")
    assert content.affiliation == truth


def test_authblk_code_footnote_sharing_the_marker_is_not_appended():
    content, truth = parsed("authblk")
    assert content.affiliation == truth
    assert "github" not in content.affiliation.lower()


def test_cvpr_internship_footnote_is_not_the_affiliation():
    content, truth = parsed("cvpr_like")
    assert content.affiliation == truth
    assert "Orbital" not in content.affiliation


def test_acl_suit_markers_split_a_shared_line_and_skip_work_done_while_at():
    content, truth = parsed("acl_like")
    assert content.affiliation == truth


def test_neurips_equal_contribution_mark_first_then_greek_marker():
    content, truth = parsed("neurips_like")
    assert content.affiliation == truth


def test_unmarked_first_author_among_marked_institutions_is_unknown_with_a_reason():
    content, truth = parsed("no_marker")
    assert content.affiliation == truth == ""
    assert "no marker" in content.affiliation_note
    assert "Tidewater University" in content.affiliation_note


def test_a_department_wrapped_inside_its_author_column_is_not_split_by_a_comma():
    content, truth = parsed("acm_wrapped")
    assert content.affiliation == truth


def test_two_institutions_under_an_unmarked_first_author_are_unknown_with_both_named():
    content, truth = parsed("dual_block")
    assert content.affiliation == truth == ""
    assert "Two candidate institutions" in content.affiliation_note
    assert "Max Volta Institute for Informatics; Saarland Lakes University" in content.affiliation_note


def test_one_centred_block_under_a_row_of_names_is_the_first_authors_too():
    content, truth = parsed("shared_block")
    assert content.affiliation == truth


def test_unicode_superscript_markers_typed_into_the_text_split_a_shared_line():
    content = _title_page(
        [
            (150, 90, "Typed Superscripts in Title Blocks", 15, BOLD),
            (170, 125, "Ada Lovelace\u00b2, Alan Turing\u00b9", 11),
            (130, 140, "\u00b9Google DeepMind \u00b2University of Oxford, UK", 10),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study typed superscript markers in some detail here and now.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
    )
    assert content.affiliation == "University of Oxford, UK"


def test_internship_note_under_the_author_block_is_skipped_for_the_block_under_the_name():
    content = _title_page(
        [
            (150, 90, "Notes Under the Author Block", 15, BOLD),
            (200, 125, "Ada Lovelace", 11),
            (265, 120, "*", 7),
            (320, 125, "Alan Turing", 11),
            (190, 139, "University of Oxford", 10),
            (175, 155, "*", 6),
            (180, 158, "Work done during an internship at Microsoft Research.", 9),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study notes printed under author blocks in some detail here.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
    )
    assert content.affiliation == "University of Oxford"


def test_the_authors_are_with_footnote_speaks_for_the_first_author():
    content = _title_page(
        [
            (150, 90, "Footnotes for the Whole Author List", 15, BOLD),
            (200, 125, "Ada Lovelace and Alan Turing", 11),
            (72, 170, "Abstract-We study author footnotes of journals in some detail here.", 9),
            (72, 720, "The authors are with the School of Informatics, University of Edinburgh, Edinburgh EH8 9AB,", 8),
            (72, 730, "UK (e-mail: ada@ed.ac.uk; alan@ed.ac.uk).", 8),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
        body_top=300,
    )
    assert content.affiliation == "School of Informatics, University of Edinburgh, Edinburgh EH8 9AB, UK"


def test_acm_journal_address_footnote_gives_the_whole_address_with_the_email_typed_first():
    content, truth = parsed("acm_tog_address")
    assert content.affiliation == truth
    assert "Author\u2019s address" in content.affiliation_evidence


def test_acm_addresses_footnote_takes_the_first_authors_entry_only():
    content, truth = parsed("acm_manuscript_addresses")
    assert content.affiliation == truth
    assert "Lagos" not in content.affiliation


def test_acm_first_author_with_two_institutions_in_the_addresses_is_unknown_with_both_named():
    content, _truth = parsed("acm_two_institutions")
    assert content.affiliation == ""
    assert "Coromandel Institute of Science" in content.affiliation_note
    assert "Vellore Research Labs" in content.affiliation_note


def test_acm_capitalised_byline_stops_at_the_next_authors_line():
    content = _title_page(
        [
            (72, 90, "Bylines of ACM Journals Without an Address Footnote", 14, BOLD),
            (72, 115, "CAMILLE DUBOIS, Universite de Montclair, Canada", 10),
            (72, 128, "ARASH KARIMI, Sable Interactive Research, USA", 10),
        ],
        authors=["Camille Dubois", "Arash Karimi"],
        body_top=200,
    )
    assert content.affiliation == ""
    assert "Sable" not in content.affiliation_note


def test_elsarticle_current_and_permanent_address_footnotes_are_not_appended():
    content, truth = parsed("elsarticle_current_address")
    assert content.affiliation == truth
    assert "Baltic" not in content.affiliation


@pytest.mark.parametrize(
    "note",
    [
        "Present address: Google DeepMind, London, UK.",
        "Current address: Google DeepMind, London, UK.",
        "Permanent address: Google DeepMind, London, UK.",
        "Now at Google DeepMind, London, UK.",
        "Currently with Google DeepMind, London, UK.",
        "On leave from Google DeepMind, London, UK.",
        "Formerly at Google DeepMind, London, UK.",
    ],
)
def test_a_footnote_on_where_the_author_is_now_or_was_is_never_appended(note):
    content = _title_page(
        [
            (150, 90, "Footnotes Sharing the Author's Marker", 15, BOLD),
            (200, 125, "Ada Lovelace", 11),
            (264, 120, "1,2", 7),
            (320, 125, "Alan Turing", 11),
            (380, 120, "1", 7),
            (200, 137, "1", 6),
            (204, 140, "University of Oxford, UK", 10),
            (72, 717, "2", 6),
            (76, 720, note, 8),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
        body_top=300,
    )
    assert content.affiliation == "University of Oxford, UK"


def test_compsoc_bulleted_thanks_is_read_over_its_line_breaks_to_the_sentences_end():
    content, truth = parsed("ieee_compsoc")
    assert content.affiliation == truth
    assert "Brazil" not in content.affiliation


def test_ieee_was_with_footnote_ends_before_when_this_work_was_done():
    content, truth = parsed("ieee_now_with")
    assert content.affiliation == truth
    assert "Nordic Radio" not in content.affiliation


def test_llncs_split_accents_and_an_orcid_after_two_inst_marks_keep_both_institutes():
    content, truth = parsed("llncs_accents")
    assert content.affiliation == truth
    assert "@" not in content.affiliation_evidence.splitlines()[0]


def test_llncs_orcid_icon_after_the_mark_leaves_the_mark_read():
    content, truth = parsed("llncs_orcid_icon")
    assert content.affiliation == truth


def test_a_split_accent_in_the_institution_is_stored_on_its_letter():
    content, _truth = parsed("llncs_orcid_icon")
    assert "Universit\u00e9 de Valromey" in content.affiliation
    assert "\u00b4" not in content.affiliation


def test_newer_acmart_contact_information_footnote_is_read_like_the_addresses():
    content = _title_page(
        [
            (72, 90, "Contact Information in Newer ACM Journals", 14, BOLD),
            (72, 115, "ADA LOVELACE, University of Oxford, UK", 10),
            (72, 128, "ALAN TURING, Bletchley Research, UK", 10),
            (
                72,
                720,
                "Authors' Contact Information: Ada Lovelace, ada@ox.ac.uk, University of Oxford, Oxford, UK; Alan",
                8,
            ),
            (72, 730, "Turing, Bletchley Research, Milton Keynes, UK.", 8),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
        body_top=200,
    )
    assert content.affiliation == "University of Oxford, Oxford, UK"


def test_the_is_with_place_ends_at_a_country_abbreviation_before_the_next_sentence():
    content = _title_page(
        [
            (150, 90, "Footnotes Naming a Later Affiliation", 15, BOLD),
            (200, 125, "Ada Lovelace and Alan Turing", 11),
            (82, 720, "A. Lovelace is with the School of Informatics, University of Edinburgh,", 8),
            (72, 730, "Edinburgh EH8 9AB, U.K. She is now with Bletchley Research, Milton Keynes, U.K.", 8),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
        body_top=300,
    )
    assert content.affiliation == "School of Informatics, University of Edinburgh, Edinburgh EH8 9AB, U.K"


def test_a_postcode_broken_at_its_space_continues_the_address_under_a_raised_marker():
    content, truth = parsed("els_postcode_wrap")
    assert content.affiliation == truth
    assert "EH8 9AB" in content.affiliation


def test_a_footnote_affiliation_ends_on_the_row_where_the_next_marker_stands():
    content, truth = parsed("footnote_wrap")
    assert content.affiliation == truth
    assert "Lisbon" not in content.affiliation


def test_a_digit_opening_a_line_under_a_raised_marker_entry_is_no_new_entry():
    content = _title_page(
        [
            (150, 90, "Wrapped Addresses in Title Blocks", 15, BOLD),
            (200, 125, "Ada Lovelace", 11),
            (264, 120, "a", 7),
            (320, 125, "Alan Turing", 11),
            (380, 120, "b", 7),
            (100, 137, "a", 6),
            (104, 140, "Department of Computing, Imperial College London, 180 Queen's Gate, London", 9),
            (104, 151, "12 Exhibition Road, SW7 2AZ, United Kingdom", 9),
            (100, 159, "b", 6),
            (104, 162, "Bletchley Research, Milton Keynes, United Kingdom", 9),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study addresses wrapped in title blocks in some detail here and now.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
    )
    assert content.affiliation == (
        "Department of Computing, Imperial College London, 180 Queen's Gate, London, 12 Exhibition Road, "
        "SW7 2AZ, United Kingdom"
    )


def test_a_uk_postcode_split_at_a_line_end_is_one_phrase_among_typed_markers():
    content = _title_page(
        [
            (150, 90, "Typed Markers and Postcodes", 15, BOLD),
            (200, 125, "Ada Lovelace1, Alan Turing2", 11),
            (130, 140, "1School of Informatics, University of Edinburgh, Edinburgh EH8", 10),
            (130, 152, "9AB, United Kingdom", 10),
            (130, 164, "2Bletchley Research, Milton Keynes, United Kingdom", 10),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study postcodes wrapped in title blocks in some detail here and now.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
    )
    assert content.affiliation == "School of Informatics, University of Edinburgh, Edinburgh EH8 9AB, United Kingdom"


def test_numbered_affiliations_run_together_take_the_wrapped_tail_before_the_next_marker():
    content = _title_page(
        [
            (150, 90, "Affiliations Run Together", 15, BOLD),
            (200, 125, "Ada Lovelace", 11),
            (264, 120, "2", 7),
            (320, 125, "Alan Turing", 11),
            (380, 120, "1", 7),
            (72, 137, "1", 6),
            (76, 140, "University of Oxford, Oxford, United Kingdom.", 9),
            (290, 137, "2", 6),
            (294, 140, "Bletchley Research Centre,", 9),
            (72, 151, "Milton Keynes, United Kingdom.", 9),
            (210, 148, "3", 6),
            (214, 151, "Leeds Institute of Data Analytics, University of Leeds, Leeds, UK.", 9),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study affiliations run together in some detail here and now.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
    )
    assert content.affiliation == "Bletchley Research Centre, Milton Keynes, United Kingdom"


def test_a_second_row_of_marked_names_is_not_read_as_institutions():
    content = _title_page(
        [
            (150, 90, "Two Rows of Authors", 15, BOLD),
            (120, 125, "Ada Lovelace", 11),
            (184, 120, "1", 7),
            (190, 125, ", Alan Turing", 11),
            (258, 120, "1", 7),
            (120, 139, "Grace Hopper", 11),
            (186, 134, "1", 7),
            (192, 139, ", Edsger Dijkstra", 11),
            (278, 134, "1", 7),
            (200, 153, "1", 6),
            (204, 156, "Amazon", 10),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study two rows of author names in some detail here and now.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra"],
    )
    assert content.affiliation == "Amazon"


def test_amsart_address_printed_after_the_references_is_the_first_authors():
    content, truth = parsed("amsart_address")
    assert content.affiliation == truth
    assert "Aldwych" not in content.affiliation


def test_amsart_with_an_author_lacking_an_address_is_unknown_with_a_reason():
    content, truth = parsed("amsart_missing_address")
    assert content.affiliation == truth == ""
    assert "2 address(es) for 3 authors" in content.affiliation_note


def test_amsart_first_author_without_an_address_takes_neither_a_reference_nor_the_next_address():
    content, truth = parsed("amsart_first_without_address")
    assert content.affiliation == truth == ""
    assert "Press" not in content.affiliation_note


def test_an_institution_breaking_off_mid_phrase_without_its_next_line_is_unknown_with_a_reason():
    content = _title_page(
        [
            (150, 90, "Addresses Cut at a Line End", 15, BOLD),
            (200, 125, "Ada Lovelace", 11),
            (264, 120, "1", 7),
            (320, 125, "Alan Turing", 11),
            (380, 120, "2", 7),
            (100, 137, "1", 6),
            (104, 140, "Department of Computing, Imperial College of", 9),
            (100, 170, "2", 6),
            (104, 173, "Bletchley Research, Milton Keynes, United Kingdom", 9),
            (280, 200, "Abstract", 11, BOLD),
            (72, 220, "We study addresses cut at a line end in some detail here and now.", 10),
        ],
        authors=["Ada Lovelace", "Alan Turing"],
    )
    assert content.affiliation == ""
    assert "breaks off at a line end" in content.affiliation_note
