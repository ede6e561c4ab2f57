"""The pdflatex run shared by the fixture generators (make_*_fixture(s).py, make_latex_corpus.py).

A fixed SOURCE_DATE_EPOCH with FORCE_SOURCE_DATE keeps \\today and the PDF dates the
same on every rebuild, so a regenerated fixture differs only where its source did.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

INSTALL_HINT = "pdflatex not found: apt-get install texlive-latex-extra texlive-publishers texlive-fonts-extra"
DATE_ENV = {"SOURCE_DATE_EPOCH": "1714608000", "FORCE_SOURCE_DATE": "1"}
# acmart loads newtxmath, which \input's binhex.tex (package kastrup) although none of
# its uses of \nhex are live; Debian's TeX Live may not ship it, and an empty file is enough.
BINHEX_STUB = "% stub: newtxmath inputs binhex.tex but uses nothing from it\n"


def require_pdflatex() -> None:
    if not shutil.which("pdflatex"):
        raise SystemExit(INSTALL_HINT)


def _has_binhex(workdir: Path) -> bool:
    if not shutil.which("kpsewhich"):
        return False
    return subprocess.run(["kpsewhich", "binhex.tex"], cwd=workdir, capture_output=True).returncode == 0


def pdflatex(workdir: Path, tex_name: str, runs: int = 2) -> Path:
    """Compile workdir/tex_name `runs` times (the second resolves references); the PDF's path."""
    if not _has_binhex(workdir):
        (workdir / "binhex.tex").write_text(BINHEX_STUB)
    env = {**os.environ, **DATE_ENV}
    stem = Path(tex_name).stem
    for _ in range(runs):
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex_name],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            errors="replace",
        )
        if run.returncode:
            log = workdir / f"{stem}.log"
            tail = log.read_text(errors="replace") if log.exists() else run.stdout
            raise SystemExit(f"{tex_name}: pdflatex failed\n{tail[-3000:]}")
    return workdir / f"{stem}.pdf"
