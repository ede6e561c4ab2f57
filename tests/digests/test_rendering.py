from html.parser import HTMLParser

import pytest

from digests.rendering import ALLOWED_TAGS, render_inline, render_markdown, render_text, render_text_inline
from papers.models import Figure
from tests.digests.builders import HOSTILE


class ActiveMarkup(HTMLParser):
    """Collect every tag or attribute in parsed HTML that could run or load something."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "src", "srcdoc"}:
                self.found.append(f"{tag}[{name}]")
            if name == "href" and not (value or "").startswith(("http://", "https://", "mailto:")):
                self.found.append(f"{tag}[href={value}]")


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def test_inline_math_becomes_mathml():
    html = render_markdown("Energy $E = mc^2$ holds.")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert "<msup><mi>c</mi><mn>2</mn></msup>" in html


def test_display_math_becomes_block_mathml():
    assert 'display="block"' in render_markdown("$$\\frac{a}{b}$$")
    assert 'display="block"' in render_markdown("\\[x+y\\]")


def test_parenthesis_delimiters_are_inline_math():
    assert 'display="inline"' in render_markdown("see \\(x_1\\)")


def test_dollar_amounts_are_not_math():
    html = render_markdown("It costs $5 and $10 to train.")
    assert "<math" not in html
    assert "$5 and $10" in html


def test_unterminated_math_stays_text():
    html = render_markdown("the bound $x^2 + y is loose")
    assert "<math" not in html
    assert "$x^2 + y is loose" in html


def test_latex_the_converter_rejects_is_shown_as_code():
    html = render_text("broken $\\frac{a}{b$ end")
    assert "end" in html
    assert "<script" not in html


def test_markdown_keeps_emphasis_lists_and_http_links():
    html = render_markdown("**bold** and [arXiv](https://arxiv.org)\n\n- one\n- two")
    assert "<strong>bold</strong>" in html
    assert '<a href="https://arxiv.org" rel="nofollow noopener noreferrer ugc">arXiv</a>' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("render", [render_markdown, render_text, render_inline, render_text_inline])
def test_hostile_input_loses_every_active_part(payload, render):
    html = render(f"Before {payload} after")
    assert active_markup(html) == [], html
    assert "Before" in html


def test_plain_text_is_escaped_not_interpreted():
    html = render_text("A <b>bold</b> claim")
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_plain_text_keeps_paragraphs():
    assert render_text("one\n\ntwo") == "<p>one</p><p>two</p>"


def test_text_cannot_forge_a_math_marker():
    html = render_markdown("\ue0000\ue001 and $x$")
    assert html.count("<math") == 1


def test_list_item_has_no_wrapping_paragraph():
    assert render_inline("a **b**") == "a <strong>b</strong>"


@pytest.mark.parametrize(
    ("label", "caption", "shown"),
    [
        ("Figure 1", "Figure 1: Segmentation accuracy.", "Segmentation accuracy."),
        ("Figure 4", "Fig. 4. Input frame.", "Input frame."),
        ("Table 1", "TABLE I: Success rate of three sieves", "TABLE I: Success rate of three sieves"),
        ("Table I", "TABLE I: Success rate of three sieves", "Success rate of three sieves"),
        ("Figure 2", "Figure 3 compares both runs.", "Figure 3 compares both runs."),
    ],
)
def test_a_figure_caption_is_shown_without_the_label_printed_beside_it(label, caption, shown):
    assert Figure(label=label, caption=caption).caption_after_label == shown


TEX_QUOTED = "An editor where the user says ``brighten this'' or ``remove that'' aloud."


@pytest.mark.parametrize("render", [render_markdown, render_inline, render_text, render_text_inline])
def test_tex_quotes_become_typographic_quotes_not_code(render):
    html = render(TEX_QUOTED)
    assert "“brighten this” or “remove that”" in html
    assert "<code" not in html and "``" not in html


def test_markdown_code_spans_and_primes_in_math_are_left_alone():
    assert "<code>x</code>" in render_markdown("Call ``x`` twice.")
    assert "“" not in render_markdown("The second derivative $f''(x)$ and ``x``.")


@pytest.mark.parametrize("render", [render_markdown, render_inline, render_text, render_text_inline])
def test_tex_escaped_percent_and_ampersand_read_as_text(render):
    html = render("LPIPS improves by 18\\% on the R\\&D split, and $\\%$ stays math.")
    assert "18% on the R&amp;D split" in html
    assert "<math" in html
