"""Quality of the PDF stage on the LaTeX corpus (tests/fixtures/corpus, built by scripts/make_latex_corpus.py).

    .venv/bin/python bench/pdf_quality.py [--corpus DIR]

Prints, per style and in total: figure and table precision/recall (a found
float matches a true one by page, kind and label number), how many matched
crops are the right region (the crop covers 90% of its own float's body box as
LaTeX recorded it, or touches its own caption where no box was recorded, holds
beside that box at most half its area again, and holds no other float's
caption nor 10% of another float's body box), whether the first author's
affiliation is exact (or rightly unknown) and never wrong, and code links:
the paper's own links found, and links reported as the paper's own that are a
third party's or malformed.
The truth comes from LaTeX, never from this code. The scoring functions are
imported by tests/papers/test_pdf_corpus.py and test_pdf_float_classes.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
# Crops hold the float's body, not its caption: LaTeX leaves \abovecaptionskip
# (10 pt) between the two, and a plot's white margin or tick labels left out
# add a line or so; a crop further away than two lines is another region.
TOUCH = 24.0
# With the float's body box recorded by LaTeX (truth "body_rect"), a crop is right when it
# covers COVER of that box and less than FOREIGN of any other float's box on the page.
COVER = 0.90
FOREIGN = 0.10
# ... and holds little beside it: on the corpus, right crops add at most a fifth of the box in
# margins (padding, \tabcolsep); crops that took the next column's prose or the byline above a
# teaser add as much as the box again.
SPILL = 0.50
ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def corpus(root: Path = CORPUS) -> list[tuple[str, Path, dict]]:
    out = []
    for folder in sorted(root.iterdir()):
        if (folder / "truth.json").exists():
            out.append((folder.name, folder / "paper.pdf", json.loads((folder / "truth.json").read_text())))
    return out


def tex_title(tex: Path) -> str:
    """The title as arXiv would list it: the source's \\title{…} without line breaks, notes or font commands."""
    m = re.search(r"\\title(?:\[[^\]]*\])?\{(.+?)\}\s*$", tex.read_text(), re.M) if tex.exists() else None
    if not m:
        return ""
    title = re.sub(r"\\\\|\\[a-zA-Z]+\*?", " ", m.group(1).split("\\thanks")[0].replace("\\&", "&"))
    return " ".join(title.replace("{", "").replace("}", "").split())


def parse(pdf: Path, truth: dict) -> dict:
    """Run the real PDF stage (reading only: no storage, no database) with the metadata arXiv would give."""
    import pymupdf

    from papers.services import parse as stage

    paper = SimpleNamespace(
        title=truth.get("title") or tex_title(pdf.with_name("paper.tex")),
        authors=truth["authors"],
        abstract=truth["abstract"],
        comment=truth.get("comment", ""),
    )
    with pymupdf.open(pdf) as doc:
        result, _lists = stage._read(doc, paper, Counter())
    return result


def label_number(label: str) -> int | None:
    token = label.strip().split()[-1].rstrip(".:") if label.strip() else ""
    if token.isdigit():
        return int(token)
    if token and all(c in ROMAN for c in token.upper()):
        values = [ROMAN[c] for c in token.upper()]
        return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return None


def found_floats(result: dict) -> list[dict]:
    out = []
    for f in result["figures"]:
        out.append(
            {
                "page": f.page + 1,
                "kind": f.kind,
                "number": label_number(f.label),
                "label": f.label,
                "caption": f.caption,
                "rect": tuple(f.rect),
            }
        )
    return out


def key(f: dict) -> tuple:
    return (f["page"], f["kind"], f["number"])


def touches_caption(rect: tuple, caption: dict) -> bool:
    x0, y0, x1, y1 = rect
    top, bottom = caption["caption_y_top"], caption["caption_y_last"] + 3
    left = min(caption["caption_x"], caption.get("caption_x_last", caption["caption_x"]))
    right = max(caption["caption_x"], caption.get("caption_x_last", caption["caption_x"]))
    return y0 - TOUCH <= bottom and y1 + TOUCH >= top and x0 - 40 <= right and x1 + 40 >= left


def holds_caption(rect: tuple, caption: dict) -> bool:
    x0, y0, x1, y1 = rect
    x, y = caption["caption_x"] + 4, caption["caption_y_first"] - 3
    return x0 + 2 < x < x1 - 2 and y0 + 2 < y < y1 - 2


def area(rect: tuple) -> float:
    x0, y0, x1, y1 = rect
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


def overlap(a: tuple, b: tuple) -> float:
    """The area of b that lies inside a."""
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def covers_body(rect: tuple, body: list[float]) -> bool:
    # 90%, not 100%: LaTeX's box includes the tabular's \tabcolsep and the image's white margin
    return overlap(rect, tuple(body)) >= COVER * area(tuple(body))


def holds_body(rect: tuple, body: list[float]) -> bool:
    # a few points of another float's box may be grazed by a crop's margin; a tenth is a real overlap
    return overlap(rect, tuple(body)) >= FOREIGN * area(tuple(body))


def holds_little_else(rect: tuple, body: list[float]) -> bool:
    return area(rect) - overlap(rect, tuple(body)) <= SPILL * area(tuple(body))


def region_correct(found: dict, truth_floats: list[dict]) -> bool:
    """The crop covers its own body (or, without a recorded body, touches its caption), holds little
    beside it, and holds no other float."""
    own = next((t for t in truth_floats if key(t) == key(found)), None)
    if own is None:
        return False
    rect = found["rect"]
    others = [t for t in truth_floats if t is not own and t["page"] == found["page"]]
    if any(holds_caption(rect, t) or ("body_rect" in t and holds_body(rect, t["body_rect"])) for t in others):
        return False
    if "body_rect" in own:
        return covers_body(rect, own["body_rect"]) and holds_little_else(rect, own["body_rect"])
    return touches_caption(rect, own)


def folded(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def caption_whole(truth: dict, found: str) -> bool:
    """Whether ``found`` is the float's caption as written, whole and alone.

    The found caption starts with its label ("Fig. 3", "TABLE II"); the truth has
    the text alone, with its math as LaTeX wrote it to the truth file (commands
    dropped), so math is compared only as "some text in between".
    """
    got = folded(found)
    parts = [folded(part) for part in re.split(r"\$[^$]*\$", truth["caption"])]
    ends_in_math = not parts[-1]
    parts = [part for part in parts if part]
    at = got.find(parts[0]) if parts else 0
    if at < 0 or at > len(folded(truth["label"])) + 1:
        return False  # not found, or something other than the label before it
    end = at + len(parts[0]) if parts else 0
    for part in parts[1:]:
        at = got.find(part, end)
        if at < 0:
            return False
        end = at + len(part)
    # After the last words, only the math the caption ends with (a few characters).
    return len(got) - end <= (12 if ends_in_math else 0)


def norm_affiliation(text: str | None) -> str:
    text = re.sub(r"\s+", " ", (text or "").replace(" ,", ",")).strip().strip(".,;: ")
    return text.lower()


def norm_url(url: str) -> str:
    url = re.sub(r"^https?://(www\.)?", "", url.strip().lower())
    return re.sub(r"(\.git)?/*$", "", url)


def own_links(result: dict) -> list[str]:
    """Links the stage presents as the paper's own (anything not marked as a tool it uses)."""
    return [link["url"] for link in result["code_links"] if link.get("role", "own") != "uses"]


@dataclass
class Score:
    truth: dict[str, int] = field(default_factory=Counter)
    found: dict[str, int] = field(default_factory=Counter)
    matched: dict[str, int] = field(default_factory=Counter)
    region_ok: int = 0
    region_of: int = 0
    affiliation_ok: int = 0
    affiliation_wrong: int = 0
    papers: int = 0
    own_true: int = 0
    own_found: int = 0
    wrong_own: int = 0
    wrong_own_urls: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("truth", "found", "matched"):
            getattr(self, name).update(getattr(other, name))
        for name in ("region_ok", "region_of", "affiliation_ok", "affiliation_wrong", "papers"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("own_true", "own_found", "wrong_own"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wrong_own_urls += other.wrong_own_urls
        self.missed += other.missed
        self.extra += other.extra

    def precision(self, kind: str) -> float:
        return self.matched[kind] / self.found[kind] if self.found[kind] else 1.0

    def recall(self, kind: str) -> float:
        return self.matched[kind] / self.truth[kind] if self.truth[kind] else 1.0


def affiliation_verdict(truth: dict, result: dict) -> str:
    """'exact', 'unknown' (none stored), or 'wrong' (stored, and not the truth, or stored where truth is unknown)."""
    found = norm_affiliation(result.get("affiliation"))
    if not found:
        return "exact" if truth["affiliation"] is None else "unknown"
    if truth["affiliation"] is not None and found == norm_affiliation(truth["affiliation"]):
        return "exact"
    return "wrong"


def score(truth: dict, result: dict) -> Score:
    s = Score(papers=1)
    floats = found_floats(result)
    truth_keys = {key(t) for t in truth["floats"]}
    found_keys = {key(f) for f in floats}
    for t in truth["floats"]:
        s.truth[t["kind"]] += 1
        if key(t) in found_keys:
            s.matched[t["kind"]] += 1
        else:
            s.missed.append(f"p{t['page']} {t['label']}")
    for f in floats:
        s.found[f["kind"]] += 1
        if key(f) not in truth_keys:
            s.extra.append(f"p{f['page']} {f['label']}")
        else:
            s.region_of += 1
            s.region_ok += region_correct(f, truth["floats"])
    # a float found twice counts once as matched and once as a false positive
    for k in list(s.matched):
        s.matched[k] = min(s.matched[k], s.found[k])
    verdict = affiliation_verdict(truth, result)
    s.affiliation_ok += verdict == "exact"
    s.affiliation_wrong += verdict == "wrong"
    true_own = {norm_url(link["url"]) for link in truth["links"] if link["role"] == "own"}
    reported = {norm_url(url) for url in own_links(result)}
    s.own_true = len(true_own)
    s.own_found = len(true_own & reported)
    wrong = sorted(reported - true_own)
    s.wrong_own = len(wrong)
    s.wrong_own_urls = wrong
    return s


def run(papers: Iterable[tuple[str, Path, dict]] | None = None) -> dict[str, Score]:
    per_style: dict[str, Score] = defaultdict(Score)
    for _name, pdf, truth in papers or corpus():
        per_style[truth["style"]].add(score(truth, parse(pdf, truth)))
    return dict(per_style)


def table(per_style: dict[str, Score]) -> str:
    head = f"{'style':10} {'papers':>6} {'fig P':>6} {'fig R':>6} {'tab P':>6} {'tab R':>6} {'region':>7} {'affil':>7} {'wrong':>5} {'own':>5} {'bad own':>7}"
    rows = [head]
    total = Score()
    for style, s in sorted(per_style.items()) + [("TOTAL", None)]:
        if s is None:
            s = total
        else:
            total.add(s)
        rows.append(
            f"{style:10} {s.papers:>6} {s.precision('figure'):6.2f} {s.recall('figure'):6.2f} "
            f"{s.precision('table'):6.2f} {s.recall('table'):6.2f} {f'{s.region_ok}/{s.region_of}':>7} "
            f"{f'{s.affiliation_ok}/{s.papers}':>7} {s.affiliation_wrong:>5} {f'{s.own_found}/{s.own_true}':>5} {s.wrong_own:>7}"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description="Quality of the PDF stage on a LaTeX corpus.")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of <name>/truth.json")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    per_style: dict[str, Score] = defaultdict(Score)
    for name, pdf, truth in corpus(args.corpus):
        result = parse(pdf, truth)
        s = score(truth, result)
        per_style[truth["style"]].add(s)
        notes = []
        if s.missed:
            notes.append("missed " + ", ".join(s.missed))
        if s.extra:
            notes.append("extra " + ", ".join(s.extra))
        if s.region_ok < s.region_of:
            notes.append(f"wrong region {s.region_of - s.region_ok}")
        notes.append(f"affiliation {affiliation_verdict(truth, result)}: {result.get('affiliation')!r}")
        if s.wrong_own_urls:
            notes.append("bad own links " + ", ".join(s.wrong_own_urls))
        print(f"{name}: " + "; ".join(notes))
    print()
    print(table(per_style))


if __name__ == "__main__":
    main()
