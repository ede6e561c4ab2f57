"""Build tests/fixtures/links/*.pdf from the .tex sources next to them with Debian's pdflatex.

    apt-get install texlive-latex-base texlive-publishers && .venv/bin/python scripts/make_link_fixtures.py

The PDFs are committed, so the tests need no LaTeX. Each source says in its
header which code links are the paper's own and which are tools it uses; the
tests in tests/papers/test_pdf_links.py hold that truth.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "links"


def main() -> None:
    if not shutil.which("pdflatex"):
        sys.exit("pdflatex not found: apt-get install texlive-latex-base texlive-publishers")
    for source in sorted(HERE.glob("*.tex")):
        with tempfile.TemporaryDirectory() as work:
            workdir = Path(work)
            shutil.copy(source, workdir / source.name)
            env = {**os.environ, "SOURCE_DATE_EPOCH": "1714608000", "FORCE_SOURCE_DATE": "1"}
            for _ in range(2):  # the second run resolves the citations
                subprocess.run(
                    ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", source.name],
                    cwd=workdir,
                    env=env,
                    check=True,
                    capture_output=True,
                )
            target = HERE / f"{source.stem}.pdf"
            shutil.copy(workdir / f"{source.stem}.pdf", target)
        print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
