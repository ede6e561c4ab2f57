"""Build tests/fixtures/figures/*.pdf: floats stacked the way CS publisher styles stack them.

    .venv/bin/python scripts/make_figure_fixtures.py

Each paper is written here (its .tex is committed next to the PDF) and compiled
twice with pdflatex. The truth (``truth.json``) is what this script wrote, each
float's label and caption, and the page LaTeX put it on, read from the .aux.
Tables carry their caption above them, as IEEE, ACM, CVPR, ACL and NeurIPS ask.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from latex import pdflatex, require_pdflatex  # noqa: E402
from make_latex_fixture import plot_pdf  # noqa: E402

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "figures"

WORDS = (
    "model sample gradient prompt encoder decoder layer token batch loss signal noise budget schedule "
    "benchmark baseline ablation variance accuracy estimate kernel feature channel window stride dataset"
).split()
VERBS = "improves reduces keeps shifts bounds follows matches exceeds tracks limits".split()


def prose(seed: int, sentences: int = 6) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        n = rng.randint(9, 16)
        words = [rng.choice(WORDS) for _ in range(n)]
        words.insert(rng.randint(2, n - 2), rng.choice(VERBS))
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def tabular(seed: int, cols: int, rows: int, header: list[str] | None = None) -> str:
    rng = random.Random(seed)
    header = header or ["Method"] + [f"Set {i}" for i in range(1, cols)]
    lines = [r"\begin{tabular}{l" + "c" * (cols - 1) + "}", r"\toprule", " & ".join(header) + r" \\", r"\midrule"]
    for r in range(rows):
        cells = [f"Variant {chr(65 + r)}"] + [f"{rng.uniform(10, 99):.1f}" for _ in range(cols - 1)]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def table(env: str, key: str, caption: str, body: str, where: str = "!t", after: str = "") -> str:
    return (
        f"\\begin{{{env}}}[{where}]\n\\centering\n\\caption{{{caption}}}\\label{{{key}}}\n"
        f"{body}\n{after}\\end{{{env}}}\n"
    )


def table_below(key: str, caption: str, body: str, where: str = "!t") -> str:
    """A table captioned under its body, as ACL's style files allow and many ACL papers do."""
    return f"\\begin{{table}}[{where}]\n\\centering\n{body}\n\\caption{{{caption}}}\\label{{{key}}}\n\\end{{table}}\n"


def figure(env: str, key: str, caption: str, width: str, where: str = "!t") -> str:
    return (
        f"\\begin{{{env}}}[{where}]\n\\centering\n\\includegraphics[width={width}]{{plot.pdf}}\n"
        f"\\caption{{{caption}}}\\label{{{key}}}\n\\end{{{env}}}\n"
    )


def section(title: str, seed: int, paragraphs: int = 2) -> str:
    return f"\\section{{{title}}}\n" + "\n\n".join(prose(seed + i, 7) for i in range(paragraphs)) + "\n\n"


# label key -> (kind, label as printed, caption text)
IEEE_FLOATS = {
    "tab:main": ("table", "Table I", "Detection rate of each probe on the held-out split"),
    "fig:curve": ("figure", "Figure 1", "Success rate of the probe as the step budget grows."),
    "tab:cost": ("table", "Table II", "Cost per query of every variant in milliseconds"),
}
IEEE = (
    r"""\documentclass[conference]{IEEEtran}
\usepackage{graphicx}
\usepackage{booktabs}
\renewcommand{\topfraction}{0.95}
\renewcommand{\textfraction}{0.05}
\setcounter{topnumber}{4}
\setcounter{totalnumber}{5}
\begin{document}
\title{Stacked Floats in a Conference Paper}
\author{\IEEEauthorblockN{Ada Writer}\IEEEauthorblockA{Example Institute of Testing}}
\maketitle
\begin{abstract}
"""
    + prose(1, 5)
    + "\n\\end{abstract}\n"
    + section("Introduction", 10, 1)
    + table("table", "tab:main", IEEE_FLOATS["tab:main"][2], tabular(1, 4, 5), "!h")
    + figure("figure", "fig:curve", IEEE_FLOATS["fig:curve"][2], r"0.8\columnwidth", "!h")
    + table("table", "tab:cost", IEEE_FLOATS["tab:cost"][2], tabular(2, 3, 4), "!h")
    + prose(15, 7)
    + "\n\n"
    + section("Method", 20, 3)
    + section("Results", 30, 3)
    + section("Conclusion", 40, 2)
    + "\\end{document}\n"
)

ACM_FLOATS = {
    "tab:wide": ("table", "Table 1", "Accuracy of every method on each of the nine evaluation sets."),
    "fig:curve": ("figure", "Figure 1", "Success rate as the step budget grows, for both probes."),
    "tab:small": ("table", "Table 2", "Memory use of the three encoders."),
}
ACM_HEADER = [
    "Method",
    "Alpha set",
    "Beta set",
    "Gamma set",
    "Delta set",
    "Epsilon",
    "Zeta set",
    "Eta set",
    "Theta set",
    "Iota set",
]
ACM = (
    r"""\documentclass[sigconf]{acmart}
\settopmatter{printacmref=false}
\setcopyright{none}
\renewcommand\footnotetextcopyrightpermission[1]{}
\pagestyle{plain}
\usepackage{booktabs}
\begin{document}
\title{Wide Tables in a Proceedings Paper}
\author{Ada Writer}
\affiliation{\institution{Example Institute of Testing}\city{Springfield}\country{Freedonia}}
\begin{abstract}
"""
    + prose(2, 5)
    + "\n\\end{abstract}\n\\maketitle\n"
    + section("Introduction", 50)
    + table("table*", "tab:wide", ACM_FLOATS["tab:wide"][2], tabular(3, 10, 6, ACM_HEADER))
    + figure("figure", "fig:curve", ACM_FLOATS["fig:curve"][2], r"\columnwidth")
    + section("Method", 60, 3)
    + table("table", "tab:small", ACM_FLOATS["tab:small"][2], tabular(4, 3, 3))
    + section("Results", 70, 3)
    + section("Conclusion", 80, 3)
    + "\\end{document}\n"
)

CVPR_FLOATS = {
    "tab:a": ("table", "Table 1", "Results on the first benchmark. Higher is better."),
    "tab:b": ("table", "Table 2", "Results on the second benchmark with the same probes."),
    "fig:curve": ("figure", "Figure 1", "Success rate of each probe over the step budget."),
    "tab:c": ("table", "Table 3", "Ablation of the two losses on the first benchmark."),
    "tab:d": ("table", "Table 4", "Runtime of each probe per image on one device."),
    "fig:two": ("figure", "Figure 2", "Accuracy of both probes while the window grows."),
}
CVPR = (
    r"""\documentclass[10pt,twocolumn,letterpaper]{article}
\usepackage{times}
\usepackage[letterpaper,textwidth=6.875in,textheight=8.875in,top=1in,columnsep=0.3125in,centering]{geometry}
\usepackage{graphicx}
\usepackage{booktabs}
\renewcommand{\topfraction}{0.9}
\renewcommand{\textfraction}{0.1}
\setcounter{topnumber}{4}
\setcounter{totalnumber}{6}
\begin{document}
\title{Stacked Tables in a Vision Paper}
\author{Ada Writer\\Example Institute of Testing}
\date{}
\maketitle
\begin{abstract}
"""
    + prose(3, 5)
    + "\n\\end{abstract}\n"
    + section("Introduction", 90)
    + table("table", "tab:a", CVPR_FLOATS["tab:a"][2], tabular(5, 4, 4))
    + table("table", "tab:b", CVPR_FLOATS["tab:b"][2], tabular(6, 4, 5))
    + section("Method", 100, 3)
    + figure("figure", "fig:curve", CVPR_FLOATS["fig:curve"][2], r"\linewidth")
    + table("table", "tab:c", CVPR_FLOATS["tab:c"][2], tabular(7, 3, 3))
    + section("Results", 110, 1)
    # Authors squeeze floats together: the table's space below is taken back,
    # so the figure starts right under the table's last rule.
    + table("table", "tab:d", CVPR_FLOATS["tab:d"][2], tabular(12, 4, 3), "tb", "\\vspace{-14pt}\n")
    + figure("figure", "fig:two", CVPR_FLOATS["fig:two"][2], r"0.8\linewidth", "tb")
    + prose(115, 8)
    + "\n\n"
    + section("Conclusion", 120, 3)
    + "\\end{document}\n"
)

NEURIPS_FLOATS = {
    "fig:curve": ("figure", "Figure 1", "Success rate of the probe as the step budget grows, for both probes."),
    "tab:main": ("table", "Table 1", "Accuracy and cost of each variant on the held-out split."),
}
NEURIPS = (
    r"""\documentclass[10pt]{article}
\usepackage{times}
\usepackage[letterpaper,textwidth=5.5in,textheight=9in,top=1in,centering]{geometry}
\usepackage{graphicx}
\usepackage{booktabs}
\begin{document}
\title{A Table Under a Figure}
\author{Ada Writer\\Example Institute of Testing}
\date{}
\maketitle
\begin{abstract}
"""
    + prose(4, 5)
    + "\n\\end{abstract}\n"
    + section("Introduction", 130)
    + section("Method", 140, 3)
    + figure("figure", "fig:curve", NEURIPS_FLOATS["fig:curve"][2], r"0.7\linewidth", "!t")
    + table("table", "tab:main", NEURIPS_FLOATS["tab:main"][2], tabular(8, 5, 5), "!t")
    + section("Experiments", 145, 3)
    + section("Conclusion", 150, 2)
    + "\\end{document}\n"
)

ACL_FLOATS = {
    "tab:a": ("table", "Table 1", "Scores on the development split for every variant."),
    "tab:b": ("table", "Table 2", "Scores on the test split, same variants and settings."),
    "fig:curve": ("figure", "Figure 1", "Success rate of each probe as the step budget grows."),
    "tab:c": ("table", "Table 3", "Latency of the three encoders on one device."),
}
ACL = (
    r"""\documentclass[11pt,twocolumn,a4paper]{article}
\usepackage{times}
\usepackage[a4paper,margin=2.5cm,columnsep=0.6cm]{geometry}
\usepackage{graphicx}
\usepackage{booktabs}
\begin{document}
\title{Tables Captioned Below in a Language Paper}
\author{Ada Writer\\Example Institute of Testing}
\date{}
\maketitle
\begin{abstract}
"""
    + prose(5, 5)
    + "\n\\end{abstract}\n"
    + section("Introduction", 160)
    + table_below("tab:a", ACL_FLOATS["tab:a"][2], tabular(9, 4, 4))
    + table_below("tab:b", ACL_FLOATS["tab:b"][2], tabular(10, 4, 5))
    + section("Method", 170, 3)
    + figure("figure", "fig:curve", ACL_FLOATS["fig:curve"][2], r"\linewidth")
    + table_below("tab:c", ACL_FLOATS["tab:c"][2], tabular(11, 3, 3))
    + section("Results", 180, 3)
    + section("Conclusion", 190, 3)
    + "\\end{document}\n"
)

PAPERS = {
    "ieee": (IEEE, IEEE_FLOATS),
    "acm": (ACM, ACM_FLOATS),
    "cvpr": (CVPR, CVPR_FLOATS),
    "neurips": (NEURIPS, NEURIPS_FLOATS),
    "acl": (ACL, ACL_FLOATS),
}


def numbers_from_aux(aux: str) -> dict[str, tuple[str, int]]:
    """Each label's number and page (1-based), as LaTeX wrote them ("\\newlabel{tab:a}{{1}{3}...")."""
    return {m[1]: (m[2], int(m[3])) for m in re.finditer(r"\\newlabel\{([^}]+)\}\{\{([^}]*)\}\{(\d+)\}", aux)}


def _float_source(source: str, key: str) -> str:
    """The source of the float that holds \\label{key}, from its \\begin to its \\end."""
    at = source.index(f"\\label{{{key}}}")
    begin = max(source.rfind("\\begin{table", 0, at), source.rfind("\\begin{figure", 0, at))
    return source[begin : source.index("\\end{", at)]


def main() -> None:
    require_pdflatex()
    HERE.mkdir(parents=True, exist_ok=True)
    truth = {}
    for name, (source, floats) in PAPERS.items():
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            (workdir / f"{name}.tex").write_text(source)
            (workdir / "plot.pdf").write_bytes(plot_pdf())
            pdf = pdflatex(workdir, f"{name}.tex")
            numbers = numbers_from_aux((workdir / f"{name}.aux").read_text())
            shutil.copy(pdf, HERE / f"{name}.pdf")
        (HERE / f"{name}.tex").write_text(source)
        truth[name] = [
            {
                "key": key,
                "kind": kind,
                "label": f"{kind.capitalize()} {numbers[key][0]}",
                "caption": caption,
                "page": numbers[key][1],
            }
            | ({"rows": len(re.findall(r"^Variant", _float_source(source, key), re.M))} if kind == "table" else {})
            for key, (kind, _label, caption) in floats.items()
        ]
        print(f"wrote {HERE / name}.pdf: {truth[name]}")
    (HERE / "truth.json").write_text(json.dumps(truth, indent=1) + "\n")


if __name__ == "__main__":
    main()
