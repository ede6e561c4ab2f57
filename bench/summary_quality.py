"""Quality of the offline summaries on the sample day and the LaTeX corpus, by an independent checker.

    .venv/bin/python bench/summary_quality.py [--backend extractive] [--show ID]

Runs the real pipeline pieces on (a) the bundled sample day
(papers/sample/2024-05-02: the Paper rows built from papers.yaml, the PDFs
from pdfs/) and (b) the LaTeX corpus (tests/fixtures/corpus/*/paper.pdf, its
title from truth.json or paper.tex and its abstract from paper.tex's
``abstract`` environment): each paper is stored, parsed with ``paper_parse``,
summarized in English with ``paper_summarize(force=True)`` and measured with
``papers.services.summarize.quality.summary_quality``.

Prints one row per paper: words of the summary and of the abstract, sentences
copied (and nearly copied) from the abstract, duplicate and near-duplicate
sentences, empty analysis sections, junk findings and rules broken; then
totals. ``--show ID`` (an arXiv id, or a corpus folder such as ``acl``) prints
that paper's summary section by section with each flagged sentence marked.
Uses a throwaway SQLite database and media folder; touches nothing else. It
is a report: the exit status is 0 whatever the summaries are like.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pdf import setup_django  # noqa: E402
from tests.sample_day import corpus_papers, sample_papers, summarize  # noqa: E402

COLUMNS = ("words", "abs", "copy", "near", "dup", "ndup", "empty", "junk", "rules")


def row(quality) -> dict[str, int]:
    return {
        "words": quality.summary_words,
        "abs": quality.abstract_words,
        "copy": quality.copied,
        "near": quality.near_copied,
        "dup": quality.duplicates,
        "ndup": quality.near_duplicates,
        "empty": len(quality.empty_sections),
        "junk": len(quality.junk),
        "rules": len(quality.violations),
    }


def line(label: str, values: dict, width: int) -> str:
    return f"{label:<{width}} " + " ".join(f"{values[c]:>6}" for c in COLUMNS)


def show(label: str, content: dict, quality) -> None:
    """Print the summary section by section, each flagged sentence prefixed with its flags."""
    from papers.services.summarize.quality import NOT_PROSE

    print(f"\n=== {label}: {quality.summary_words} words, abstract {quality.abstract_words} ===")
    by_section: dict[str, list] = {}
    for sentence in quality.sentences:
        by_section.setdefault(sentence.section, []).append(sentence)
    for name, value in content.items():
        if name in NOT_PROSE:
            print(f"\n[{name}] {value}")
            continue
        print(f"\n[{name}]" + ("" if value else " (empty)"))
        for sentence in by_section.get(name, []):
            marks = [f"{f.kind}" + (f" ({f.detail})" if f.detail else "") for f in quality.flags_for(sentence)]
            prefix = ">> " + "; ".join(marks) + "\n   " if marks else "   "
            print(f"  {prefix}{sentence.text}")
    whole = [f for f in quality.violations if not f.text]
    if whole:
        print("\nrules broken by the whole summary or section:")
        for f in whole:
            print(f"  {f.kind} {f.section} {f.detail}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="extractive")
    parser.add_argument("--show", metavar="ID", help="print one paper's summary with its flagged sentences marked")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="paperdigest-summary-quality-") as workdir:
        setup_django(workdir)
        from papers.services.summarize.quality import summary_quality

        started = time.monotonic()
        groups = {"sample": sample_papers(), "corpus": corpus_papers()}
        width = max([len(label) for papers in groups.values() for label, _, _ in papers] + [len("TOTAL corpus (99)")])
        grand: Counter = Counter()
        rules: Counter = Counter()
        junk: Counter = Counter()
        shown = False
        print(f"{'paper':<{width}} " + " ".join(f"{c:>6}" for c in COLUMNS))
        for group, papers in groups.items():
            total: Counter = Counter()
            for label, pdf, fields in papers:
                try:
                    content = summarize(pdf, fields, args.backend)
                except Exception as exc:  # a report: one failing paper is a line, not the end
                    print(f"{label:<{width}} FAILED {type(exc).__name__}: {exc}")
                    continue
                quality = summary_quality(content, abstract=fields["abstract"])
                values = row(quality)
                total.update(values)
                rules.update(quality.rule_counts())
                junk.update(f.kind.removeprefix("junk:") for f in quality.junk)
                print(line(label, values, width))
                if args.show and args.show in (label, fields["arxiv_id"]):
                    show(label, content, quality)
                    shown = True
            total["papers"] = len(papers)
            grand.update(total)
            print(line(f"TOTAL {group} ({len(papers)})", total, width))
        print(line(f"TOTAL all ({grand['papers']})", grand, width))
        print("rules broken: " + (", ".join(f"{k} {v}" for k, v in sorted(rules.items())) or "none"))
        print("junk found:   " + (", ".join(f"{k} {v}" for k, v in sorted(junk.items())) or "none"))
        print(f"({time.monotonic() - started:.1f} s, backend {args.backend})")
        if args.show and not shown:
            print(f"--show {args.show}: no such paper (an arXiv id of the sample day or a corpus folder name)")


if __name__ == "__main__":
    main()
