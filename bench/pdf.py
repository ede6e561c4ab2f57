"""Benchmark the PDF stage against pymupdf's raw page rendering, side by side.

    .venv/bin/python bench/pdf.py [--papers 20] [--repeat 2]

Generates papers with tests/pdfgen.py, runs the whole ``paper_parse`` stage on
them (text, sections, facts, figure screenshots saved through storage, DB rows)
and, in the same run, renders every page of the same PDFs with
``page.get_pixmap(dpi=RENDER_DPI)``. Prints both, their ratio (target <= 1.5x)
and the peak RSS of a fresh process parsing 10 and 40 papers (should stay flat).
Uses a throwaway SQLite database and media folder; touches nothing else.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(workdir: str) -> None:
    os.environ["SQLITE_PATH"] = os.path.join(workdir, "bench.sqlite3")
    os.environ["MEDIA_ROOT"] = os.path.join(workdir, "media")
    os.environ["DJANGO_DEBUG"] = "0"  # DEBUG keeps every SQL query in memory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(n: int) -> list[bytes]:
    from tests.pdfgen import STANDARD_SET, make_paper

    out = []
    for i in range(n):
        kwargs = dict(STANDARD_SET[i % len(STANDARD_SET)])
        kwargs["seed"] = 1000 + i
        out.append(make_paper(**kwargs).data)
    return out


def run_stage(papers) -> float:
    from papers.services.pdf import paper_parse

    start = time.perf_counter()
    for paper in papers:
        paper_parse(paper=paper)
    return time.perf_counter() - start


def run_raw(datas: list[bytes], dpi: int, max_pages: int) -> float:
    import pymupdf

    start = time.perf_counter()
    for data in datas:
        with pymupdf.open(stream=data, filetype="pdf") as doc:
            for i in range(min(doc.page_count, max_pages)):
                doc.load_page(i).get_pixmap(dpi=dpi)
    return time.perf_counter() - start


def child(n: int, pdf_dir: str) -> None:
    """Parse n pre-generated papers in this fresh process; print RSS before and after in MB."""
    with tempfile.TemporaryDirectory() as workdir:
        setup_django(workdir)
        from tests.pdfgen import stored_paper

        files = sorted(Path(pdf_dir).glob("*.pdf"))
        papers = [stored_paper(files[i % len(files)].read_bytes()) for i in range(n)]
        base = _reset_peak_rss()
        run_stage(papers)
        print(f"{base:.1f} {_peak_rss():.1f}")


def _reset_peak_rss() -> float:
    """Reset the kernel's high-water mark (Linux) so setup does not count; return current RSS in MB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS")


def _peak_rss() -> float:
    try:
        return _status_mb("VmHWM")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise OSError(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="take the best of this many runs of each")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pdf-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.pdf_dir)
        return

    with tempfile.TemporaryDirectory() as workdir:
        setup_django(workdir)
        from django.conf import settings

        from papers.models import Figure
        from papers.services.pdf.images import RENDER_DPI
        from tests.pdfgen import stored_paper

        datas = generate(args.papers)
        papers = [stored_paper(d) for d in datas]
        stage_times, raw_times = [], []
        for _ in range(args.repeat):
            raw_times.append(run_raw(datas, RENDER_DPI, settings.PDF_MAX_PAGES))
            stage_times.append(run_stage(papers))
        stage, raw = min(stage_times), min(raw_times)
        pages = sum(p.content.page_count for p in papers)
        figures = Figure.objects.filter(paper__in=papers).count()
        print(f"papers: {len(papers)}  pages: {pages}  figures saved: {figures}  dpi: {RENDER_DPI}")
        print(f"raw pymupdf render of all pages: {raw:.3f}s  ({1000 * raw / pages:.1f} ms/page)")
        print(f"full PDF stage (paper_parse):    {stage:.3f}s  ({1000 * stage / pages:.1f} ms/page)")
        print(f"ratio stage/raw: {stage / raw:.2f}x  (target <= 1.5x)")

        # Memory: fresh processes parse 10 and 40 of these PDFs (generated here, not there).
        pdf_dir = Path(workdir) / "pdfs"
        pdf_dir.mkdir()
        for i, data in enumerate(datas):
            (pdf_dir / f"{i:03d}.pdf").write_bytes(data)
        for n in (10, 40):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(n), "--pdf-dir", str(pdf_dir)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout.split()
            base, peak = float(out[-2]), float(out[-1])
            print(f"peak RSS parsing {n:>2} papers in a fresh process: {peak:.1f} MB (before parsing: {base:.1f} MB)")


if __name__ == "__main__":
    main()
