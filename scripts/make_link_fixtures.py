"""Build tests/fixtures/links/*.pdf from the .tex sources next to them with Debian's pdflatex.

    apt-get install texlive-latex-base texlive-publishers && .venv/bin/python scripts/make_link_fixtures.py

The PDFs are committed, so the tests need no LaTeX. Each source says in its
header which code links are the paper's own and which are tools it uses; the
tests in tests/papers/test_pdf_links.py hold that truth.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from latex import pdflatex, require_pdflatex

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "links"


def main() -> None:
    require_pdflatex()
    for source in sorted(HERE.glob("*.tex")):
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            shutil.copy(source, workdir / source.name)
            target = HERE / f"{source.stem}.pdf"
            shutil.copy(pdflatex(workdir, source.name), target)
        print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
