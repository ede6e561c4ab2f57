"""Build tests/fixtures/affiliation/*.pdf from the .tex sources next to them with TeX Live's pdflatex.

    .venv/bin/python scripts/make_affiliation_fixtures.py [name ...]

Each source uses a real publisher class (IEEEtran, acmart, llncs, elsarticle,
revtex4-2, authblk) or imitates a venue's title block (CVPR, ACL, NeurIPS).
The PDFs are committed, so the tests need no LaTeX; the truth (truth.json) is
the institution as written in the source, not anything our parser produced.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from latex import pdflatex, require_pdflatex

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "affiliation"

# Filler prose of our own, so the first page has a body like a paper's.
BODY = (
    "We describe a method that trades a small amount of accuracy for a large saving in computation. "
    "The approach keeps a short summary of the past and revisits it only when the input changes quickly. "
    "Experiments on three benchmarks show that the summary is enough in most cases, and that the rare "
    "failures are easy to detect from the residual alone. We discuss the limits of this design, the "
    "settings in which it should not be used, and the questions it leaves open for later work."
)


def build(tex: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / tex.name
        src.write_text(tex.read_text().replace("%BODY%", BODY + "\n\n"))
        shutil.copy(pdflatex(Path(tmp), src.name), tex.with_suffix(".pdf"))


def main(names: list[str]) -> None:
    require_pdflatex()
    for tex in sorted(HERE.glob("*.tex")):
        if not names or tex.stem in names:
            build(tex)
            print(tex.with_suffix(".pdf").relative_to(HERE.parent.parent.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
