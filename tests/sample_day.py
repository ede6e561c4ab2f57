"""The bundled sample day and the LaTeX corpus as Paper fields and PDFs, for tests and bench/ scripts.

The sample day's rows come from papers/sample/2024-05-02/papers.yaml (what
``make demo`` ingests) and its stand-in PDFs; the corpus papers' titles from
truth.json or paper.tex and their abstracts from paper.tex, as arXiv would list them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench.pdf_quality import tex_title

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "papers" / "sample" / "2024-05-02"
CORPUS = ROOT / "tests" / "fixtures" / "corpus"


def _tex_block(tex: str, name: str) -> str:
    """The text of ``\\begin{name}…\\end{name}`` with the commonest LaTeX markup taken off."""
    m = re.search(r"\\begin\{" + name + r"\}(.*?)\\end\{" + name + r"\}", tex, re.S)
    if not m:
        return ""
    text = re.sub(r"\\(?:url|href|texttt|emph|textbf|textit)\{([^}]*)\}(?:\{[^}]*\})?", r"\1", m.group(1))
    text = re.sub(r"\\[a-zA-Z]+\*?(?:\[[^\]]*\])?", "", text).replace("~", " ").replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def sample_papers() -> list[tuple[str, bytes, dict]]:
    """(label, PDF bytes, Paper fields) for each paper of the sample day, from papers.yaml."""
    import yaml

    data = yaml.safe_load((SAMPLE / "papers.yaml").read_text())
    out = []
    for entry in data["papers"]:
        fields = {
            "arxiv_id": entry["arxiv_id"],
            "title": entry["title"],
            "authors": entry["authors"],
            "abstract": re.sub(r"\s+", " ", entry["abstract"]).strip(),
            "comment": entry.get("comment", "") or "",
            "categories": entry.get("categories", ["cs.CV"]),
            "primary_category": (entry.get("categories") or ["cs.CV"])[0],
        }
        out.append((entry["arxiv_id"], (SAMPLE / "pdfs" / f"{entry['arxiv_id']}v1.pdf").read_bytes(), fields))
    return out


def corpus_papers() -> list[tuple[str, bytes, dict]]:
    """(folder, PDF bytes, Paper fields) for each corpus paper; the abstract is the source's, as arXiv would list it."""
    out = []
    folders = [f for f in sorted(CORPUS.iterdir()) if (f / "paper.pdf").exists() and (f / "truth.json").exists()]
    for n, folder in enumerate(folders):
        truth = json.loads((folder / "truth.json").read_text())
        tex = (folder / "paper.tex").read_text() if (folder / "paper.tex").exists() else ""
        fields = {
            "arxiv_id": f"2501.{90000 + n:05d}",
            "title": truth.get("title") or tex_title(folder / "paper.tex") or folder.name,
            "authors": truth["authors"],
            "abstract": _tex_block(tex, "abstract") or truth["abstract"],
            "comment": truth.get("comment", ""),
        }
        out.append((folder.name, (folder / "paper.pdf").read_bytes(), fields))
    return out


def summarize(pdf: bytes, fields: dict, backend: str) -> dict:
    """Store, parse and summarize one paper with the real stages; return the summary's sections."""
    from papers.services.parse import paper_parse
    from papers.services.summarize import paper_summarize
    from tests.pdfgen import stored_paper

    paper = stored_paper(pdf, **fields)
    paper_parse(paper=paper)
    summary = paper_summarize(paper=paper, language="en", backend=backend, force=True)
    return {name: getattr(summary, name) for name in summary.SECTION_FIELDS}
