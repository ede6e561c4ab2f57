"""Turn untrusted text (abstracts, model output, editor Markdown) into safe HTML.

Math (``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``) becomes MathML on the server,
so pages need no script and no CDN; TeX's quotes and ``\\%`` read as text.
Every result passes through nh3 with an allow-list last, whatever produced
it, so a bug in Markdown or in the MathML converter cannot let markup through.

Rendering is a pure function of the text, so results are memoised per process:
an edited summary is new text and misses the memo by itself.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from html import escape

import markdown
import nh3
from latex2mathml.converter import convert as latex_to_mathml

_MATHML_TAGS = {
    "math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace",
    "msqrt", "mroot", "mfrac", "msup", "msub", "msubsup", "munder", "mover", "munderover",
    "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "mfenced",
}  # fmt: skip
_MATHML_ATTRS = {
    "display", "xmlns", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
    "accent", "accentunder", "columnalign", "rowspacing", "columnspacing", "width", "height",
    "depth", "linethickness", "displaystyle", "scriptlevel", "open", "close", "separators",
    "notation", "minsize", "maxsize", "movablelimits", "symmetric", "form", "largeop",
    "encoding",
}  # fmt: skip
_TEXT_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h4", "h5", "h6", "hr", "sup", "sub", "del", "span",
}  # fmt: skip

ALLOWED_TAGS = _TEXT_TAGS | _MATHML_TAGS
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "span": {"class"},
    "code": {"class"},
    "ol": {"start"},
    **{tag: _MATHML_ATTRS for tag in _MATHML_TAGS},
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}

# Display math first so "$$" is never read as two empty inline spans. Inline
# "$" must hug its content ("costs $5 and $10" is not math) and not run past
# a blank line; an unterminated "$" simply stays text.
_MATH = re.compile(
    r"\$\$(?P<d1>.+?)\$\$"
    r"|\\\[(?P<d2>.+?)\\\]"
    r"|\\\((?P<i1>.+?)\\\)"
    r"|(?<![\\$\w])\$(?P<i2>[^\s$](?:[^$\n]|\n(?!\n))*?(?<![\s\\]))\$(?![\w$])",
    re.DOTALL,
)
# Private-use characters mark where math goes while Markdown runs; any in the
# input are dropped first so the text cannot forge a marker.
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARKER = re.compile(f"{_MARK_OPEN}(\\d+){_MARK_CLOSE}")
_PRIVATE = re.compile("[\ue000\ue001]")

# TeX's quotes, as arXiv abstracts and sentences taken from them write them: in Markdown,
# ``…'' would open a code span; on a page, they are typographic quotes.
_TEX_QUOTES = re.compile(r"``((?:(?!\n\s*\n)[^`])+?)''")
# "18\%", "R\&D": TeX's escapes that Markdown does not know (it would print the backslash).
_TEX_ESCAPES = re.compile(r"\\([%&])")

_local = threading.local()


def _markdown() -> markdown.Markdown:
    # Building a Markdown instance costs more than converting a paragraph.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    md.reset()
    return md


def _math_html(source: str, *, display: bool) -> str:
    try:
        return latex_to_mathml(source.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any LaTeX the converter rejects is shown as source
        return f'<code class="math-error">{escape(source)}</code>'


def _extract_math(text: str) -> tuple[str, list[str]]:
    pieces: list[str] = []

    def stash(match: re.Match) -> str:
        display = match.group("d1") is not None or match.group("d2") is not None
        source = next(g for g in match.group("d1", "d2", "i1", "i2") if g is not None)
        pieces.append(_math_html(source, display=display))
        return f"{_MARK_OPEN}{len(pieces) - 1}{_MARK_CLOSE}"

    text = _MATH.sub(stash, _PRIVATE.sub("", text))
    return _TEX_ESCAPES.sub(r"\1", _TEX_QUOTES.sub("“\\1”", text)), pieces


def _restore_math(html: str, pieces: list[str]) -> str:
    return _MARKER.sub(lambda m: pieces[int(m.group(1))], html)


def sanitize(html: str) -> str:
    """Return ``html`` reduced to the allow-list: no scripts, handlers or unsafe URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


@lru_cache(maxsize=8192)
def render_markdown(text: str) -> str:
    """Render editor or model Markdown with math to sanitised HTML."""
    if not text:
        return ""
    body, pieces = _extract_math(text)
    return sanitize(_restore_math(_markdown().convert(body), pieces))


@lru_cache(maxsize=8192)
def render_inline(text: str) -> str:
    """Render one Markdown line (a list item) without the wrapping paragraph."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


@lru_cache(maxsize=8192)
def render_text(text: str) -> str:
    """Render plain text (an abstract, a caption): escaped, with math and paragraphs."""
    if not text:
        return ""
    body, pieces = _extract_math(text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    html = "".join(f"<p>{escape(' '.join(p.split()))}</p>" for p in paragraphs)
    return sanitize(_restore_math(html, pieces))


@lru_cache(maxsize=8192)
def render_text_inline(text: str) -> str:
    """Render one line of plain text (a title) with math, no paragraph."""
    if not text:
        return ""
    body, pieces = _extract_math(" ".join(text.split()))
    return sanitize(_restore_math(escape(body), pieces))


def clear_memo() -> None:
    """Forget memoised renders (benchmarks measure a cold render with it)."""
    for func in (render_markdown, render_inline, render_text, render_text_inline):
        func.cache_clear()
