"""Build tests/fixtures/links/*.pdf from the .tex sources next to them with Debian's pdflatex.

    apt-get install texlive-latex-base texlive-publishers && .venv/bin/python scripts/make_link_fixtures.py [NAME ...]

With names (the sources' stems), only those PDFs are built.

The PDFs are committed, so the tests need no LaTeX. Each source says in its
header which code links are the paper's own and which are tools it uses; the
tests in tests/papers/test_pdf_links.py hold that truth.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from latex import pdflatex, require_pdflatex

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "links"


def main() -> None:
    require_pdflatex()
    names = set(sys.argv[1:])
    for source in sorted(HERE.glob("*.tex")):
        if names and source.stem not in names:
            continue
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            shutil.copy(source, workdir / source.name)
            target = HERE / f"{source.stem}.pdf"
            shutil.copy(pdflatex(workdir, source.name), target)
        print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
