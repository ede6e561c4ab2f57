"""What figures show: vector plots, bar charts, diagrams and raster images, each drawn from a spec.

A spec is a dict with a ``kind`` and the fields that kind reads. Vector kinds
draw into the rectangle they are given; raster kinds keep their images'
aspect ratio, so their height follows from the width (``art_height``).
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

import pymupdf
from PIL import Image, ImageDraw, ImageFilter

from tests.pdfgen.text import BLACK, SANS, SERIF, Word, text_width, wrap

# Plot colours close to the usual matplotlib cycle, by the names specs use.
COLOURS = {
    "blue": (0.12, 0.47, 0.71),
    "orange": (1.0, 0.5, 0.05),
    "green": (0.17, 0.63, 0.17),
    "red": (0.84, 0.15, 0.16),
}


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    step = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(step))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step), default=step)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while not ticks or ticks[-1] < hi - step * 1e-6:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1 or value == 0 else f"{value:.2f}"


def _axes(
    page: pymupdf.Page,
    rect: pymupdf.Rect,
    xs: list[float],
    ys: list[float],
    xlabel: str,
    ylabel: str,
    *,
    x_ticks: bool = True,
) -> Callable[[float, float], pymupdf.Point]:
    """Draw a frame, grid and tick labels; return the data-to-page mapping."""
    plot = pymupdf.Rect(rect.x0 + 30, rect.y0 + 4, rect.x1 - 6, rect.y1 - 22)
    xt, yt = _nice_ticks(min(xs), max(xs)), _nice_ticks(min(ys), max(ys))
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]

    def to_page(x: float, y: float) -> pymupdf.Point:
        return pymupdf.Point(plot.x0 + (x - x0) / (x1 - x0) * plot.width, plot.y1 - (y - y0) / (y1 - y0) * plot.height)

    shape = page.new_shape()
    for t in yt:
        p = to_page(x0, t)
        shape.draw_line((plot.x0, p.y), (plot.x1, p.y))
    shape.finish(color=(0.85, 0.85, 0.85), width=0.4)
    shape.draw_rect(plot)
    shape.finish(color=BLACK, width=0.6)
    for t in xt if x_ticks else []:
        p = to_page(t, y0)
        shape.draw_line((p.x, plot.y1), (p.x, plot.y1 + 2.5))
        label = _fmt(t)
        shape.insert_text((p.x - text_width(label, SANS, 6) / 2, plot.y1 + 9), label, fontname=SANS, fontsize=6)
    for t in yt:
        p = to_page(x0, t)
        shape.draw_line((plot.x0 - 2.5, p.y), (plot.x0, p.y))
        label = _fmt(t)
        shape.insert_text((plot.x0 - 4 - text_width(label, SANS, 6), p.y + 2), label, fontname=SANS, fontsize=6)
    shape.finish(color=BLACK, width=0.5)
    shape.insert_text(
        ((plot.x0 + plot.x1 - text_width(xlabel, SANS, 7)) / 2, rect.y1 - 3), xlabel, fontname=SANS, fontsize=7
    )
    mid_y = (plot.y0 + plot.y1 + text_width(ylabel, SANS, 7)) / 2
    shape.insert_text((rect.x0 + 7, mid_y), ylabel, fontname=SANS, fontsize=7, rotate=90)
    shape.commit()
    return to_page


def _legend(page: pymupdf.Page, at: pymupdf.Point, entries: list[tuple[str, tuple]]) -> None:
    shape = page.new_shape()
    width = max(text_width(label, SANS, 6) for label, _ in entries) + 22
    box = pymupdf.Rect(at.x, at.y, at.x + width, at.y + 9 * len(entries) + 4)
    shape.draw_rect(box)
    shape.finish(color=(0.7, 0.7, 0.7), fill=(1, 1, 1), width=0.4)
    for i, (label, colour) in enumerate(entries):
        y = at.y + 7 + 9 * i
        shape.draw_line((at.x + 3, y - 2), (at.x + 15, y - 2))
        shape.finish(color=colour, width=1.4)
        shape.insert_text((at.x + 18, y), label, fontname=SANS, fontsize=6)
    shape.commit()


def paint_line(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    """Straight-ish series with jitter seeded by the caption, so each plot has its own."""
    xs = spec.get("xs", list(range(0, 11)))
    rng = random.Random(spec["caption"])
    series = []
    for label, colour, start, slope in spec["series"]:
        ys = [start + slope * x * (10 / xs[-1]) + rng.uniform(-0.006, 0.006) for x in xs]
        series.append((label, COLOURS[colour], ys))
    all_y = [y for _, _, ys in series for y in ys]
    to_page = _axes(page, rect, xs, all_y, spec["xlabel"], spec["ylabel"])
    shape = page.new_shape()
    for _, colour, ys in series:
        shape.draw_polyline([to_page(x, y) for x, y in zip(xs, ys)])
        shape.finish(color=colour, width=1.2, closePath=False)
        for x, y in zip(xs, ys):
            shape.draw_circle(to_page(x, y), 1.4)
        shape.finish(color=colour, fill=colour, width=0.3)
    shape.commit()
    entries = [(s[0], s[1]) for s in series]
    corner = pymupdf.Point(rect.x0 + 36, rect.y0 + 8)
    if spec.get("legend") == "lower left":
        corner = pymupdf.Point(rect.x0 + 36, rect.y1 - 30 - 9 * len(entries))
    _legend(page, corner, entries)


def paint_bars(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    groups, series = spec["groups"], spec["series"]
    top = max(max(values) for _, _, values in series)
    top = 100 if "%" in spec["ylabel"] and top <= 100 else top * 1.1
    plot = pymupdf.Rect(rect.x0, rect.y0 + 12, rect.x1, rect.y1)
    to_page = _axes(page, plot, [0, len(groups)], [0, top], "", spec["ylabel"], x_ticks=False)
    shape = page.new_shape()
    bar = 0.8 / len(series)
    for s, (_, colour, values) in enumerate(series):
        for g, value in enumerate(values):
            left = g + 0.1 + s * bar
            shape.draw_rect(pymupdf.Rect(to_page(left, value), to_page(left + bar * 0.9, 0)))
            shape.finish(color=None, fill=COLOURS[colour])
    for g, name in enumerate(groups):
        p = to_page(g + 0.5, 0)
        shape.insert_text((p.x - text_width(name, SANS, 6.5) / 2, rect.y1 - 3), name, fontname=SANS, fontsize=6.5)
    # Legend in one row above the plot, so that it never hides a bar.
    x = rect.x0 + 30
    for label, colour, _ in series:
        shape.draw_rect(pymupdf.Rect(x, rect.y0 + 3, x + 7, rect.y0 + 10))
        shape.finish(color=None, fill=COLOURS[colour])
        shape.insert_text((x + 10, rect.y0 + 9.5), label, fontname=SANS, fontsize=6.5)
        x += 10 + text_width(label, SANS, 6.5) + 12
    shape.commit()


def paint_diagram(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    boxes = spec["boxes"]
    per_row = len(boxes) if rect.width > 360 else 3
    rows = math.ceil(len(boxes) / per_row)
    gap_x, gap_y = 18.0, 16.0
    bw = (rect.width - 8 - gap_x * (per_row - 1)) / per_row
    bh = (rect.height - 8 - gap_y * (rows - 1)) / rows
    fills = [(0.87, 0.92, 0.98), (0.99, 0.91, 0.82), (0.88, 0.95, 0.87), (0.95, 0.89, 0.96), (0.93, 0.93, 0.93)]
    centres = []
    shape = page.new_shape()
    for i, label in enumerate(boxes):
        row, pos = divmod(i, per_row)
        if row % 2:  # snake so that consecutive boxes stay adjacent
            pos = per_row - 1 - pos
        x0 = rect.x0 + 4 + pos * (bw + gap_x)
        y0 = rect.y0 + 4 + row * (bh + gap_y)
        box = pymupdf.Rect(x0, y0, x0 + bw, y0 + bh)
        shape.draw_rect(box, radius=0.12)
        shape.finish(color=(0.3, 0.3, 0.3), fill=fills[i % len(fills)], width=0.7)
        lines = wrap([Word(w, SANS, 7.5) for w in label.split()], bw - 6)
        ty = box.y0 + (bh - len(lines) * 9) / 2 + 7
        for line in lines:
            text = " ".join(w.text for w in line)
            shape.insert_text((box.x0 + (bw - text_width(text, SANS, 7.5)) / 2, ty), text, fontname=SANS, fontsize=7.5)
            ty += 9
        centres.append(box)
    for a, b in zip(centres, centres[1:]):
        if abs(a.y0 - b.y0) < 1:
            start, end = (
                (pymupdf.Point(a.x1, a.y0 + bh / 2), pymupdf.Point(b.x0, b.y0 + bh / 2))
                if a.x0 < b.x0
                else (pymupdf.Point(a.x0, a.y0 + bh / 2), pymupdf.Point(b.x1, b.y0 + bh / 2))
            )
        else:
            start, end = pymupdf.Point((a.x0 + a.x1) / 2, a.y1), pymupdf.Point((b.x0 + b.x1) / 2, b.y0)
        _arrow(shape, start, end)
    if len(centres) >= 4:
        # The feedback loop of the last stage back to an earlier one, drawn as a curve.
        a, b = centres[-2], centres[1]
        p1, p4 = pymupdf.Point((a.x0 + a.x1) / 2, a.y1), pymupdf.Point((b.x0 + b.x1) / 2, b.y1)
        if rows == 1:
            shape.draw_bezier(p1, p1 + (0, 14), p4 + (0, 14), p4 + (0, 2))
            shape.finish(color=(0.7, 0.2, 0.2), width=0.8, dashes="[2 1] 0", closePath=False)
    shape.commit()


def _arrow(shape: pymupdf.Shape, start: pymupdf.Point, end: pymupdf.Point) -> None:
    shape.draw_line(start, end)
    shape.finish(color=(0.2, 0.2, 0.2), width=0.8)
    direction = (end - start) / abs(end - start)
    normal = pymupdf.Point(-direction.y, direction.x)
    shape.draw_polyline([end, end - direction * 5 + normal * 2.5, end - direction * 5 - normal * 2.5, end])
    shape.finish(color=(0.2, 0.2, 0.2), fill=(0.2, 0.2, 0.2), closePath=True)


def paint_panels(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    """Two side-by-side plots (``panels``: a line or bars spec each) with their sub-captions under them."""
    half = (rect.width - 20) / 2
    left = pymupdf.Rect(rect.x0, rect.y0, rect.x0 + half, rect.y1 - 14)
    right = pymupdf.Rect(rect.x1 - half, rect.y0, rect.x1, rect.y1 - 14)
    for panel, sub, letter in zip((left, right), spec["panels"], "ab"):
        PAINTERS[sub["kind"]](page, panel, {**sub, "caption": spec["caption"] + letter})
    for panel, sub in zip((left, right), spec["panels"]):
        label = sub["label"]
        page.insert_text(
            ((panel.x0 + panel.x1 - text_width(label, SERIF, 8.5)) / 2, rect.y1 - 2),
            label,
            fontname=SERIF,
            fontsize=8.5,
        )


def paint_scatter(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    """A line plot as matplotlib draws it, with a scatter of measurements (one small path per marker).

    The x-axis title sits on the rectangle's bottom edge and the rotated y-axis
    title on its left edge, left of the tick labels.
    """
    scatter_plot(page, rect, random.Random(spec["seed"]))


def scatter_plot(page: pymupdf.Page, rect: pymupdf.Rect, rng: random.Random) -> None:
    """``paint_scatter`` drawing from a caller's random stream (the tests' generator shares one per paper)."""
    ax = pymupdf.Rect(rect.x0 + 22, rect.y0 + 4, rect.x1 - 4, rect.y1 - 18)
    shape = page.new_shape()
    shape.draw_line(ax.bl, ax.br)
    shape.draw_line(ax.bl, ax.tl)
    for i in range(5):
        tx = ax.x0 + i * ax.width / 4
        shape.draw_line((tx, ax.y1), (tx, ax.y1 + 3))
        ty = ax.y1 - i * ax.height / 4
        shape.draw_line((ax.x0 - 3, ty), (ax.x0, ty))
    shape.finish(color=(0, 0, 0), width=0.6)
    for color, phase in (((0.1, 0.3, 0.8), 0.0), ((0.85, 0.3, 0.1), 0.4)):
        pts = []
        for i in range(25):
            t = i / 24
            pts.append((ax.x0 + t * ax.width, ax.y1 - ax.height * (0.1 + 0.8 * (1 - (1 - t) ** (2 + phase)))))
        shape.draw_polyline(pts)
        shape.finish(color=color, width=1.2)
    for _ in range(150):
        t = rng.random()
        v = min(0.95, max(0.02, 0.1 + 0.8 * (1 - (1 - t) ** 2) + rng.gauss(0, 0.05)))
        shape.draw_circle((ax.x0 + t * ax.width, ax.y1 - v * ax.height), 0.9)
    shape.finish(color=(0.2, 0.6, 0.2), fill=(0.2, 0.6, 0.2), width=0.3)
    legend = pymupdf.Rect(ax.x1 - 60, ax.y1 - 30, ax.x1 - 4, ax.y1 - 6)
    shape.draw_rect(legend)
    shape.finish(color=(0.3, 0.3, 0.3), width=0.4)
    shape.commit()
    for i in range(5):
        page.insert_text((ax.x0 + i * ax.width / 4 - 3, ax.y1 + 10), str(i * 25), fontname=SANS, fontsize=5.5)
        page.insert_text((ax.x0 - 14, ax.y1 - i * ax.height / 4 + 2), f"{i * 0.25:.2f}"[:4], fontname=SANS, fontsize=5)
    page.insert_text((legend.x0 + 3, legend.y0 + 9), "ours", fontname=SANS, fontsize=5.5)
    page.insert_text((legend.x0 + 3, legend.y0 + 19), "baseline", fontname=SANS, fontsize=5.5)
    page.insert_text((ax.x0 + ax.width / 2 - 10, rect.y1 - 2), "Epoch", fontname=SANS, fontsize=6)
    page.insert_text((rect.x0 + 6, ax.y0 + ax.height / 2 + 10), "Score", fontname=SANS, fontsize=6, rotate=90)


def _photo() -> bytes:
    """A colourful photo-like JPEG at a typical camera-figure resolution."""
    w, h = 900, 600
    base = Image.linear_gradient("L").resize((w, h))
    img = Image.merge("RGB", (base, base.rotate(90).resize((w, h)), Image.effect_noise((w, h), 60)))
    return _jpeg(img, quality=88)


def paint_photo(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    """A camera image stretched over the whole rectangle."""
    page.insert_image(rect, stream=_photo(), keep_proportion=False)


def paint_triptych(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    """A photo and two plots side by side, with (a)-(c) sub-captions in the bottom 13 points."""
    width = (rect.width - 20) / 3
    for i, (draw, sub) in enumerate(
        ((paint_photo, "(a) Input"), (paint_scatter, "(b) Loss curve"), (paint_scatter, "(c) Accuracy"))
    ):
        panel = pymupdf.Rect(rect.x0 + i * (width + 10), rect.y0, rect.x0 + i * (width + 10) + width, rect.y1 - 13)
        draw(page, panel, {"seed": spec["seed"] + i})
        page.insert_text((panel.x0 + width / 2 - 18, panel.y1 + 10), sub, fontname=SANS, fontsize=7.5)


# --- Raster figures ---------------------------------------------------------


def _scene(rng: random.Random, size: int, *, shift: float = 0.0, bright: float = 1.0) -> Image.Image:
    sky = [rng.randint(90, 230) for _ in range(3)]
    ground = [rng.randint(40, 160) for _ in range(3)]
    img = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(img)
    horizon = int(size * rng.uniform(0.5, 0.7))
    for y in range(size):
        t = y / size
        base = sky if y < horizon else ground
        colour = tuple(min(255, int(c * (1.15 - 0.4 * t) * bright)) for c in base)
        draw.line([(0, y), (size, y)], fill=colour)
    for _ in range(rng.randint(2, 4)):
        cx = (rng.uniform(0.15, 0.85) + shift) % 1.0 * size
        cy = rng.uniform(0.35, 0.8) * size
        r = rng.uniform(0.08, 0.22) * size
        fill = tuple(min(255, int(rng.randint(20, 250) * bright)) for _ in range(3))
        draw.ellipse([cx - r, cy - r * 0.8, cx + r, cy + r * 0.8], fill=fill)
    return img.filter(ImageFilter.GaussianBlur(1.6))


def _jpeg(img: Image.Image, quality: int = 70) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _png(img: Image.Image, colours: int = 32) -> bytes:
    buf = io.BytesIO()
    img.quantize(colors=colours, dither=Image.Dither.NONE).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _grid(tiles: list[Image.Image], cols: int, gap: int = 4) -> Image.Image:
    size = tiles[0].width
    rows = math.ceil(len(tiles) / cols)
    canvas = Image.new("RGB", (cols * size + (cols - 1) * gap, rows * size + (rows - 1) * gap), "white")
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        canvas.paste(tile, (c * (size + gap), r * (size + gap)))
    return canvas


def raster_grid(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    rng = random.Random(spec["seed"])
    tiles = [_scene(rng, 96) for _ in range(spec["rows"] * spec["cols"])]
    grid = _grid(tiles, spec["cols"])
    return [(_jpeg(grid), grid, "")]


def raster_strip(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    def brightness(i: int) -> float:
        return 1.0 + (0.22 * i if spec.get("overexpose") else 0.0)

    tiles = [
        _scene(random.Random(spec["seed"]), 96, shift=i * 0.08, bright=brightness(i)) for i in range(spec["frames"])
    ]
    strip = _grid(tiles, spec.get("cols", spec["frames"]), gap=2)
    return [(_jpeg(strip), strip, "")]


def raster_anomaly(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    rng = random.Random(spec["seed"])
    size = 112
    fabric = Image.new("L", (size, size))
    fabric.putdata(
        [
            int(120 + 40 * math.sin(x * 0.9) * math.sin(y * 0.9) + rng.uniform(-12, 12))
            for y in range(size)
            for x in range(size)
        ]
    )
    normal = Image.merge("RGB", (fabric, fabric.point(lambda v: int(v * 0.85)), fabric.point(lambda v: int(v * 0.6))))
    defect = normal.copy()
    ImageDraw.Draw(defect).line([(30, 40), (62, 70), (70, 66)], fill=(40, 30, 25), width=4)
    heat = Image.new("RGB", (size, size))
    heat.putdata([_jet(math.exp(-(((x - 52) ** 2 + (y - 58) ** 2) / 260.0))) for y in range(size) for x in range(size)])
    grid = _grid([defect, normal.filter(ImageFilter.GaussianBlur(0.6)), heat], 3)
    return [(_png(grid, colours=48), grid, "")]


def _jet(v: float) -> tuple[int, int, int]:
    r = min(1.0, max(0.0, 1.5 - abs(4 * v - 3)))
    g = min(1.0, max(0.0, 1.5 - abs(4 * v - 2)))
    b = min(1.0, max(0.0, 1.5 - abs(4 * v - 1)))
    return int(r * 255), int(g * 255), int(b * 255)


def _pendulum(angle: float, light: float, size: int = 80) -> Image.Image:
    img = Image.new("RGB", (size, size), (236, 236, 228))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, size * 0.82, size, size], fill=(170, 160, 140))
    lx = size * light
    draw.ellipse([lx - 5, 3, lx + 5, 13], fill=(250, 200, 40))
    pivot = (size / 2, size * 0.18)
    bob = (pivot[0] + math.sin(angle) * size * 0.38, pivot[1] + math.cos(angle) * size * 0.38)
    draw.line([pivot, bob], fill=(60, 60, 60), width=2)
    draw.ellipse([bob[0] - 6, bob[1] - 6, bob[0] + 6, bob[1] + 6], fill=(200, 60, 50))
    shadow_x = bob[0] + (bob[0] - lx) * 0.4
    draw.ellipse([shadow_x - 10, size * 0.84, shadow_x + 10, size * 0.9], fill=(90, 85, 75))
    return img


def raster_pendulum(spec: dict) -> list[tuple[bytes, Image.Image, str]]:
    """Labelled panels of pendulum scenes, one tile per ``[angle, light position]`` pair."""
    panels = []
    for panel in spec["panels"]:
        grid = _grid([_pendulum(angle, light) for angle, light in panel["tiles"]], 2, gap=3)
        panels.append((_png(grid, colours=24), grid, panel["label"]))
    return panels


RASTERS: dict[str, Callable[[dict], list[tuple[bytes, Image.Image, str]]]] = {
    "raster_grid": raster_grid,
    "raster_strip": raster_strip,
    "raster_anomaly": raster_anomaly,
    "raster_pendulum": raster_pendulum,
}
PANEL_GAP, PANEL_LABEL = 16.0, 14.0


def art_height(spec: dict, width: float) -> float:
    """Height of the art drawn ``width`` wide: a vector spec says it, raster images keep their aspect ratio."""
    if spec["kind"] not in RASTERS:
        return spec["height"]
    panels = RASTERS[spec["kind"]](spec)
    panel_w = (width - PANEL_GAP * (len(panels) - 1)) / len(panels)
    image_h = max(panel_w * img.height / img.width for _, img, _ in panels)
    image_h = min(image_h, spec.get("max_height", 10_000))
    return image_h + (PANEL_LABEL if any(label for _, _, label in panels) else 0.0)


def paint_raster(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    panels = RASTERS[spec["kind"]](spec)
    labelled = any(label for _, _, label in panels)
    image_h = rect.height - (PANEL_LABEL if labelled else 0.0)
    panel_w = (rect.width - PANEL_GAP * (len(panels) - 1)) / len(panels)
    for i, (data, img, label) in enumerate(panels):
        w = min(panel_w, image_h * img.width / img.height)
        x0 = rect.x0 + i * (panel_w + PANEL_GAP) + (panel_w - w) / 2
        page.insert_image(pymupdf.Rect(x0, rect.y0, x0 + w, rect.y0 + w * img.height / img.width), stream=data)
        if label:
            page.insert_text(
                (x0 + (w - text_width(label, SERIF, 8.5)) / 2, rect.y1 - 3), label, fontname=SERIF, fontsize=8.5
            )


PAINTERS: dict[str, Callable[[pymupdf.Page, pymupdf.Rect, dict], None]] = {
    "line": paint_line,
    "bars": paint_bars,
    "diagram": paint_diagram,
    "panels": paint_panels,
    "scatter": paint_scatter,
    "photo": paint_photo,
    "triptych": paint_triptych,
    **{kind: paint_raster for kind in RASTERS},
}


def paint(page: pymupdf.Page, rect: pymupdf.Rect, spec: dict) -> None:
    PAINTERS[spec["kind"]](page, rect, spec)


# --- Papers -----------------------------------------------------------------
