"""Import a folder of generated Hexo posts and print the rate.

    .venv/bin/python bench/hexo_import.py [--posts 200]

Posts are the reference digest with new ids and dates (7 papers, 30 figure
references each). Runs in a throw-away SQLite database and media folder, and
prints, side by side from one run: parsing alone, the full import, and a
re-import of the same folder (which must write nothing).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hexo-bench-"))
    os.environ["SQLITE_PATH"] = str(work / "bench.sqlite3")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    from digests.hexo.parser import parse_post
    from digests.services.hexo_import import hexo_import
    from papers.models import Paper, SummaryRevision
    from tests.digests.hexo_posts import write_variants

    call_command("migrate", verbosity=0)
    paths = write_variants(work / "posts", args.posts)

    start = time.perf_counter()
    for path in paths:
        parse_post(path.read_text(encoding="utf-8"))
    parse_seconds = time.perf_counter() - start

    start = time.perf_counter()
    reports = hexo_import(paths=[work / "posts"])
    import_seconds = time.perf_counter() - start
    failed = [r for r in reports if r.skipped]
    revisions = SummaryRevision.objects.count()

    start = time.perf_counter()
    again = hexo_import(paths=[work / "posts"])
    reimport_seconds = time.perf_counter() - start
    changed = [r for r in again if r.changed]

    papers = Paper.objects.count()
    n = len(paths)
    print(f"posts: {n}  papers: {papers}  skipped: {len(failed)}  summary revisions: {revisions}")
    print(f"parse only : {parse_seconds:7.2f} s  {n / parse_seconds:8.1f} posts/s")
    print(
        f"import     : {import_seconds:7.2f} s  {n / import_seconds:8.1f} posts/s  {papers / import_seconds:8.1f} papers/s"
    )
    print(
        f"re-import  : {reimport_seconds:7.2f} s  {n / reimport_seconds:8.1f} posts/s  (files changed: {len(changed)})"
    )
    print(
        f"ratio import/parse: {import_seconds / parse_seconds:.1f}x   re-import/import: {reimport_seconds / import_seconds:.2f}x"
    )
    if failed or changed or SummaryRevision.objects.count() != revisions:
        print("FAILED: some posts were skipped or the re-import wrote something", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
