"""Build tests/fixtures/bodytext/*.pdf and truth.json from the .tex sources there with Debian's pdflatex.

    .venv/bin/python scripts/make_bodytext_fixtures.py

The PDFs and the truth are committed, so the tests need no LaTeX. The truth is
read from the sources, never from our parser: words broken at a line end
(``compound-\\newline word`` keeps its hyphen, ``frag\\brk ment`` is one word),
the paragraph pushed to the foot of a column (after ``\\vspace*{\\fill}``),
the captions, the table cells and the run-in headings.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from latex import pdflatex, require_pdflatex

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bodytext"
SOURCES = ("twocolumn", "onecolumn", "ieeetran", "llncs")


def _plain(tex: str) -> str:
    tex = re.sub(r"-\\newline\s+", "-", tex)
    tex = re.sub(r"\\brk\s+", "", tex)
    return re.sub(r"\s+", " ", tex).strip()


def truth(tex: str) -> dict:
    body = tex.split(r"\begin{document}", 1)[1]
    tail = re.search(r"\\vspace\*\{\\fill\}\s*(.+?)\n\\newpage", body, re.S)
    rows = []
    for table in re.findall(r"\\begin\{tabular\}\{[^}]*\}(.+?)\\end\{tabular\}", body, re.S):
        for row in table.replace(r"\hline", "").split(r"\\"):
            if cells := [c.strip() for c in row.split("&") if c.strip()]:
                rows.append(cells)
    return {
        "compounds": [f"{a}-{b}" for a, b in re.findall(r"([\w-]+)-\\newline\s+(\w+)", body)],
        "joined": [a + b for a, b in re.findall(r"(\w+)\\brk\s+(\w+)", body)],
        "column_tail": _plain(tail.group(1)) if tail else "",
        "captions": [_plain(c) for c in re.findall(r"\\caption\{(.+?)\}\n", body)],
        "table_rows": rows,
        "run_in_headings": re.findall(
            r"\\(?:subsection|subsubsection|plainsection|paragraph)\{([^}]+)\}\s*(\S+ \S+)", body
        ),
        "prose_opening_with_a_label": [_plain(p) for p in re.findall(r"^((?:Figure|Table) \d+ [a-z].+)$", body, re.M)],
    }


def main() -> None:
    require_pdflatex()
    all_truth = {}
    for name in SOURCES:
        source = (HERE / f"{name}.tex").read_text()
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            (workdir / f"{name}.tex").write_text(source)
            shutil.copy(pdflatex(workdir, f"{name}.tex"), HERE / f"{name}.pdf")
        all_truth[name] = truth(source)
        print(f"wrote {HERE / name}.pdf")
    (HERE / "truth.json").write_text(json.dumps(all_truth, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
