"""BibTeX records of papers, written with bibtexparser so the file parses back.

arXiv titles are plain text with TeX math in ``$…$``: the math is kept as it
is (it is already TeX), everything else is encoded for LaTeX (``&`` → ``\\&``,
``é`` → ``{\\'e}``), so the record works with classic BibTeX as well as biber.
The fields follow arXiv's own export (``eprint``, ``archivePrefix``,
``primaryClass``), which BibLaTeX and natbib styles know.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

import bibtexparser
from bibtexparser import model
from pylatexenc.latexencode import UnicodeToLatexEncoder

if TYPE_CHECKING:
    from papers.models import Paper

# Inline or display math, dollar-delimited, not preceded by a backslash (``\$`` is a literal dollar).
MATH = re.compile(r"(?<!\\)(\$\$.+?(?<!\\)\$\$|\$.+?(?<!\\)\$)", re.S)

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Words a citation key skips, as Google Scholar's and arXiv's keys do.
KEY_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "towards", "toward", "via", "from"}

_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=False,
    replacement_latex_protection="braces-all",
    unknown_char_policy="keep",  # CJK and the like: UTF-8, which biber and XeLaTeX read
    unknown_char_warning=False,
)


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def latex_text(text: str) -> str:
    """Encode plain text with ``$…$`` math for a BibTeX field: math verbatim, the rest escaped.

    Math whose braces do not balance would break the record, so it is encoded as text.
    """
    text = " ".join(text.split())
    parts = []
    last = 0
    for match in MATH.finditer(text):
        if not _balanced(match.group()):
            continue
        parts.append(_prose(text[last : match.start()]))
        parts.append(match.group())
        last = match.end()
    parts.append(_prose(text[last:]))
    return "".join(parts)


def _prose(text: str) -> str:
    # ``\$`` is how a title writes a literal dollar beside math; encoded, it becomes ``{\$}``.
    return _ENCODER.unicode_to_latex(text.replace("\\$", "$"))


def _author(name: str) -> str:
    name = latex_text(name)
    # A comma would be read as "Last, First" and a lone "and" as a second author: keep such a name whole.
    if "," in name or re.search(r"\band\b", name, re.I):
        return "{" + name + "}"
    return name


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def paper_bibtex_key(paper: Paper) -> str:
    """``lovelace2024study``: first author's last name, year, first word of the title that says something."""
    surname = ""
    if paper.authors:
        surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors[0].split() else ""
    words = [_ascii_word(word) for word in MATH.sub(" ", paper.title).split()]
    word = next((w for w in words if w and w not in KEY_STOP_WORDS), "")
    return f"{surname or 'arxiv'}{paper.published.year}{word}"


def paper_bibtex_entry(paper: Paper, *, key: str | None = None) -> model.Entry:
    """One ``@misc`` record of a paper, as arXiv's export shapes it, with the DOI when arXiv has one."""
    published = paper.published
    fields = [
        # Outer braces keep the title's capitals (BibTeX styles lower-case everything else).
        model.Field("title", "{" + latex_text(paper.title) + "}"),
        model.Field("author", " and ".join(_author(name) for name in paper.authors)),
        model.Field("year", str(published.year)),
        # The month macro (``may``) every style spells out; unbraced, as macros are written.
        model.Field("month", MONTHS[published.month - 1], enclosing="no-enclosing"),
        model.Field("eprint", paper.arxiv_id),
        model.Field("archivePrefix", "arXiv"),
    ]
    if paper.primary_category:
        fields.append(model.Field("primaryClass", paper.primary_category))
    fields.append(model.Field("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    if paper.doi:
        fields.append(model.Field("doi", paper.doi))
    if paper.journal_ref:
        fields.append(model.Field("note", latex_text(paper.journal_ref)))
    return model.Entry("misc", key or paper_bibtex_key(paper), fields)


def papers_bibtex(papers: Iterable[Paper]) -> str:
    """A BibTeX file of ``papers`` in order, keys made unique within it (``…study``, ``…studya``, …)."""
    library = bibtexparser.Library()
    used: set[str] = set()
    for paper in papers:
        base = paper_bibtex_key(paper)
        key, suffix = base, 0
        while key in used:
            key = base + _suffix(suffix)
            suffix += 1
        used.add(key)
        library.add(paper_bibtex_entry(paper, key=key))
    return bibtexparser.write_string(library)


def _suffix(number: int) -> str:
    # a, b, …, z, aa, ab, …: the letters BibTeX users expect after a year.
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
