"""The pictures of the documents: logos, the president's signature, partners' logos, emblems.

An image is a file inside the project, named in the YAML (``logo: templates/images/logo.png``).
``check_image`` says what is wrong with one (missing, outside the project, not an image);
``ImageStore.picture`` prepares it once for both formats:

- PNG and JPEG files are used as they are, unless they need converting: a CMYK
  JPEG (as printers supply them) becomes RGB, a picture larger than
  ``MAX_SIDE`` pixels is scaled down (a 50-megapixel photo would only weigh the
  documents down: the largest place an image takes is a few centimetres);
- an SVG file goes into the PDF as it is (WeasyPrint draws it) and is drawn
  into a PNG for Word (WeasyPrint lays it out, pdfium paints it).

The result depends only on the file's bytes (no date, no metadata), so
documents stay byte-reproducible.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from .archive import file_sha256

#: the longest side of a picture once prepared, in pixels (about 20 cm at 300 dpi)
MAX_SIDE = 2400
#: pictures above this many pixels are refused before decoding (a "decompression bomb")
MAX_PIXELS = 120_000_000
#: how finely an SVG is drawn for Word: pixels for its longest side
SVG_RASTER_SIDE = 1200

SUPPORTED = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class Picture:
    """An image ready to print: bytes for the PDF and for Word, its proportions and its alt text."""

    source: str  # the file as the YAML names it
    data: bytes  # what the PDF shows (PNG, JPEG or SVG)
    mime: str
    raster: bytes  # what Word shows (PNG or JPEG)
    width: float  # intrinsic size, any unit: only the proportions matter
    height: float

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raster).hexdigest()

    def data_uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    def fit(self, max_width: float, max_height: float) -> tuple[float, float]:
        """The largest (width, height) with the picture's proportions inside a box."""
        scale = min(max_width / self.width, max_height / self.height)
        return self.width * scale, self.height * scale

    def html(self, alt: str, css_class: str = "") -> str:
        """An <img> element; its size comes from the stylesheet (the layout decides)."""
        cls = f' class="{html.escape(css_class)}"' if css_class else ""
        return f'<img{cls} src="{self.data_uri()}" alt="{html.escape(alt)}">'


def resolve(root: Path, file: str) -> Path:
    """The image's path, or ValueError saying why it cannot be used."""
    if not file or not file.strip():
        raise ValueError("no file named; write the image's path, e.g. templates/images/logo.png")
    if Path(file).is_absolute() or re.match(r"^[A-Za-z]:[\\/]", file):
        raise ValueError(f"'{file}' is outside the project; copy the image into the project "
                         "(templates/images/) and write its path from there")
    root = root.resolve()
    path = (root / file).resolve()
    if root not in path.parents:
        raise ValueError(f"'{file}' is outside the project; copy the image into the project "
                         "(templates/images/) and write its path from there")
    if not path.exists():
        raise ValueError(f"image file not found: {file} (paths are relative to the project folder)")
    if not path.is_file():
        raise ValueError(f"'{file}' is a folder, not an image file")
    return path


def check_image(root: Path, file: str) -> str | None:
    """What is wrong with the image ``file`` (None when it can be printed)."""
    try:
        path = resolve(root, file)
        _probe(path, file)
    except ValueError as exc:
        return str(exc)
    return None


def _is_svg(path: Path, head: bytes) -> bool:
    return path.suffix.lower() == ".svg" or b"<svg" in head[:2048]


def _probe(path: Path, display: str) -> None:
    """Raise ValueError unless the file is a PNG, JPEG (or another bitmap Pillow reads) or an SVG."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if _is_svg(path, head):
        _svg_size(path.read_bytes(), display)
        return
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError(f"'{display}' has {image.width} × {image.height} pixels, too many to print; "
                                 f"scale it down below {MAX_PIXELS // 1_000_000} megapixels")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValueError(f"'{display}' is not an image Word and PDF can show ({exc.__class__.__name__}); "
                         "save it as PNG, JPEG or SVG") from None


def _svg_size(data: bytes, display: str) -> tuple[float, float]:
    """The proportions of an SVG from its width/height or viewBox."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ValueError(f"'{display}' is not a valid SVG file ({exc}); export it again as SVG, or as PNG") from None
    if not root.tag.endswith("svg"):
        raise ValueError(f"'{display}' is not an SVG image (its first element is <{root.tag}>)")
    box = root.get("viewBox")
    if box:
        parts = [float(v) for v in re.split(r"[\s,]+", box.strip()) if v]
        if len(parts) == 4 and parts[2] > 0 and parts[3] > 0:
            return parts[2], parts[3]
    width, height = _length(root.get("width")), _length(root.get("height"))
    if width and height:
        return width, height
    raise ValueError(f"'{display}' gives no size: add a viewBox (or width and height) to its <svg> element")


def _length(value: str | None) -> float | None:
    m = re.match(r"^\s*([0-9.]+)", value or "")
    return float(m.group(1)) if m and float(m.group(1)) > 0 else None


class ImageStore:
    """Prepares each image file once per run (files are read from the project folder only)."""

    def __init__(self, root: Path):
        self.root = root
        self._cache: dict[str, Picture] = {}

    def picture(self, file: str) -> Picture:
        if file not in self._cache:
            path = resolve(self.root, file)
            data = path.read_bytes()
            self._cache[file] = _prepare_svg(data, file) if _is_svg(path, data[:4096]) else _prepare_bitmap(data, file)
        return self._cache[file]

    def digests(self, files: list[str]) -> dict[str, str]:
        """The SHA-256 of each image file (for fingerprints and manifests); '(missing)' when unreadable."""
        result = {}
        for file in sorted(set(files)):
            try:
                result[file] = file_sha256(resolve(self.root, file))
            except (ValueError, OSError):
                result[file] = "(missing)"
        return result


def _prepare_bitmap(data: bytes, display: str) -> Picture:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(io.BytesIO(data)) as image:
        kind = image.format
        needs_work = (kind not in SUPPORTED or image.mode not in ("RGB", "RGBA", "L", "LA", "P")
                      or max(image.size) > MAX_SIDE or _rotated(image))
        if not needs_work:
            return Picture(display, data, SUPPORTED[kind], data, image.width, image.height)
        if kind == "JPEG":
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode a huge JPEG at a fraction of its size
        picture = ImageOps.exif_transpose(image)
        if picture.mode == "CMYK":
            picture = _cmyk_to_rgb(picture)
        has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
        picture = picture.convert("RGBA" if has_alpha else "RGB")
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if has_alpha or kind != "JPEG":
            picture.save(out, "PNG", optimize=False)
            mime = "image/png"
        else:
            picture.save(out, "JPEG", quality=90, optimize=False, progressive=False)
            mime = "image/jpeg"
        prepared = out.getvalue()
        return Picture(display, prepared, mime, prepared, picture.width, picture.height)


def _rotated(image) -> bool:
    try:
        return image.getexif().get(0x0112, 1) not in (1, None)
    except Exception:  # noqa: BLE001 - a damaged EXIF block only means no rotation
        return False


def _cmyk_to_rgb(image):
    """CMYK to RGB, through the file's own colour profile when it has one."""
    from PIL import ImageCms

    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass
    return image.convert("RGB")


def _prepare_svg(data: bytes, display: str) -> Picture:
    width, height = _svg_size(data, display)
    return Picture(display, data, "image/svg+xml", _svg_to_png(data, width, height), width, height)


def _svg_to_png(data: bytes, width: float, height: float) -> bytes:
    """Draw an SVG into a PNG: WeasyPrint lays it out on a page of its size, pdfium paints the page."""
    import pypdfium2 as pdfium
    from weasyprint import HTML

    scale = SVG_RASTER_SIDE / max(width, height)
    w, h = width * scale, height * scale
    page = (f"<style>@page {{ size: {w}px {h}px; margin: 0 }} body {{ margin: 0 }}"
            f"img {{ display: block; width: {w}px; height: {h}px }}</style>"
            f'<img src="data:image/svg+xml;base64,{base64.b64encode(data).decode()}" alt="">')
    pdf = HTML(string=page).write_pdf()
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=96 / 72, fill_color=(255, 255, 255, 0), may_draw_forms=False)
        image = bitmap.to_pil().convert("RGBA")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
