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
# Files some classes load that Debian's TeX Live may not ship, stubbed with what the
# corpus uses of them: acmart's newtxmath \input's binhex.tex (package kastrup) although
# none of its uses of \nhex are live; aastex631 loads epsf and ulem.
STUBS = {
    "binhex.tex": "% stub: newtxmath inputs binhex.tex but uses nothing from it\n",
    "epsf.sty": "\\ProvidesPackage{epsf}[stub] \\def\\epsfbox#1{} \\def\\epsfsize#1#2{#1} "
    "\\newdimen\\epsfxsize \\newdimen\\epsfysize\n",
    "ulem.sty": "\\ProvidesPackage{ulem}[stub] \\DeclareOption*{}\\ProcessOptions \\def\\uline#1{#1}"
    "\\def\\sout#1{#1}\\def\\uuline#1{#1}\\def\\uwave#1{#1}\\def\\xout#1{#1}\\def\\dashuline#1{#1}"
    "\\def\\dotuline#1{#1}\\def\\normalem{}\\def\\ULforem{}\\def\\useunder#1#2#3{}\n",
}


def require_pdflatex() -> None:
    if not shutil.which("pdflatex"):
        raise SystemExit(INSTALL_HINT)


def _installed(workdir: Path, name: str) -> bool:
    if not shutil.which("kpsewhich"):
        return False
    return subprocess.run(["kpsewhich", name], cwd=workdir, capture_output=True).returncode == 0


def pdflatex(workdir: Path, tex_name: str, runs: int = 2) -> Path:
    """Compile workdir/tex_name `runs` times (the second resolves references); the PDF's path."""
    for name, stub in STUBS.items():
        if not _installed(workdir, name):
            (workdir / name).write_text(stub)
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
