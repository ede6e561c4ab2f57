"""Render figure regions to pictures and store them through Django's storage."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

import pymupdf
from django.core.files.base import ContentFile
from PIL import Image

from papers.models import Figure

RENDER_DPI = 150
WEB_MAX_WIDTH = 1200
THUMB_WIDTH = 360
NEAR_WHITE = 245
MAX_WHITE_SHARE = 0.97
# Below this, a "figure" is a sliver: a rule, a lone glyph, a logo.
MIN_PIXELS_W, MIN_PIXELS_H = 80, 50


@dataclass
class Picture:
    web: bytes
    web_size: tuple[int, int]
    thumb: bytes | None  # None: the web image is small enough to be its own thumbnail
    thumb_size: tuple[int, int]


@dataclass
class Shot:
    """A rendered region and its thumbnail (the same image when it is already thumbnail-sized)."""

    image: Image.Image
    thumb: Image.Image


def render_clip(
    source: pymupdf.DisplayList,
    clip: pymupdf.Rect,
    *,
    dpi: int = RENDER_DPI,
    max_white: float = MAX_WHITE_SHARE,
) -> Shot | None:
    """Render one region of a page's display list; None when it is blank or a sliver.

    A region wider than the web image at ``dpi`` (a cover, a page-wide figure) is
    rendered straight at the web width: cheaper and sharper than shrinking it after.
    """
    zoom = min(dpi / 72, WEB_MAX_WIDTH / max(clip.width, 1.0))
    pix = source.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), clip=clip, alpha=False)
    if pix.width < MIN_PIXELS_W or pix.height < MIN_PIXELS_H:
        return None
    # An RGB pixmap (the default colour space). frombytes copies (PIL keeps RGB
    # as 4 bytes a pixel), so the image outlives ``pix``.
    img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", pix.stride, 1)
    if img.width > WEB_MAX_WIDTH:  # MuPDF rounds the clip outwards: a pixel column at most
        img = img.crop((0, 0, WEB_MAX_WIDTH, img.height))
    thumb = thumbnail(img)
    # Testing the thumbnail is cheaper. Each of its pixels averages a block of the
    # image, so one ink pixel (below NEAR_WHITE) in a white block leaves it just
    # under pure white: only pure white counts as white there, and then a block
    # is ink whenever any of its pixels is, so the thumbnail is never whiter than
    # the image (exact up to rounding for the factors of 2 and 3 used here).
    near_white = NEAR_WHITE if thumb is img else 255
    if is_blank(thumb, max_white=max_white, near_white=near_white):
        return None
    return Shot(img, thumb)


def thumbnail(img: Image.Image) -> Image.Image:
    """The image shrunk by the whole factor that brings it nearest THUMB_WIDTH (270-540 px wide).

    A whole factor is a plain area average (``reduce``), a tenth of the cost of
    resampling to an exact width; an image under 1.5x THUMB_WIDTH is its own thumbnail.
    """
    factor = round(img.width / THUMB_WIDTH)
    return img.reduce(factor) if factor >= 2 else img


def is_blank(img: Image.Image, *, max_white: float = MAX_WHITE_SHARE, near_white: int = NEAR_WHITE) -> bool:
    """True when nearly every pixel is near-white (an empty or white-on-white region)."""
    hist = img.convert("L").histogram()
    white = sum(hist[near_white:])
    return white >= max_white * (img.width * img.height)


def encode(shot: Shot) -> Picture:
    """Return the web JPEG and, when the thumbnail is a smaller image, the thumbnail JPEG."""
    # 4:4:4 keeps thin coloured plot lines crisp at full size; a thumbnail is too
    # small to show the difference, and 4:2:0 encodes a third faster.
    web = _jpeg(shot.image, subsampling=0)
    if shot.thumb is shot.image:
        return Picture(web, shot.image.size, None, shot.image.size)
    return Picture(web, shot.image.size, _jpeg(shot.thumb, subsampling=2), shot.thumb.size)


def _jpeg(img: Image.Image, *, subsampling: int) -> bytes:
    out = io.BytesIO()
    # JPEG over WebP: ~10x faster to encode (measured 0.4 vs 2.7-8 ms a figure), which
    # keeps the stage near the raw render cost.
    img.save(out, "JPEG", quality=85, subsampling=subsampling)
    return out.getvalue()


def store_picture(*, figure: Figure, picture: Picture, stem: str) -> list[str]:
    """Write the files and point the figure at them; return the new storage names.

    Names get a random suffix so files an older row still points to are never
    overwritten before the replacing transaction commits. Width and height are
    set from what was encoded, so Django does not re-open the file to measure it.
    A picture without a separate thumbnail points both fields at the web file.
    """
    token = secrets.token_hex(4)
    names = []
    files = [("image", picture.web, picture.web_size, "")]
    if picture.thumb is not None:
        files.append(("thumbnail", picture.thumb, picture.thumb_size, "-thumb"))
    for field_name, data, (w, h), suffix in files:
        field = Figure._meta.get_field(field_name)
        wanted = field.generate_filename(figure, f"{stem}-{token}{suffix}.jpg")
        name = field.storage.save(wanted, ContentFile(data), max_length=field.max_length)
        getattr(figure, field_name).name = name
        setattr(figure, field.width_field, w)
        setattr(figure, field.height_field, h)
        names.append(name)
    if picture.thumb is None:
        figure.thumbnail.name = figure.image.name
        figure.thumb_width, figure.thumb_height = picture.thumb_size
    return names


def delete_files(names: list[str]) -> None:
    storage = Figure._meta.get_field("image").storage
    for name in dict.fromkeys(names):  # a figure's thumbnail may be its image file
        if name:
            try:
                storage.delete(name)
            except OSError:
                pass
