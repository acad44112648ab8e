"""The archive's front page: ``output/index.html``, every edition and its documents.

The page is plain HTML and CSS (no script, no external request), so it works
opened straight from disk. Each PDF's first page is shown as a thumbnail
(``<year>/thumbnails/<document>-<lang>.png``, drawn with pdfium).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from . import archive
from .documents import registry
from .errors import OutputError
from .localize import localize
from .filters import FILTERS
from .render import Project
from .write import RenderedFile

if TYPE_CHECKING:
    from .build import LoadedEdition

INDEX = "index.html"
TEMPLATE = "archive-index.html"
THUMBNAIL_WIDTH = 240  # pixels
#: how the page names each kind of file (manifest "format")
FORMAT_LABELS = {"pdf": "PDF", "docx": "DOCX", "print": "PDF imprimeur (PDF/X-4)", "booklet": "Livret A4 à imprimer"}


def thumbnail(pdf: bytes) -> bytes:
    """A PNG of a PDF's first page, the same bytes for the same PDF."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width = page.get_width()
        image = page.render(scale=THUMBNAIL_WIDTH / width).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()


def thumbnails(output_dir: Path, year: int, manifest: dict, fresh: dict[str, bytes]) -> list[RenderedFile]:
    """Thumbnails of every PDF in the manifest: from this build's bytes, or from the files on disk."""
    files = []
    for entry in manifest["files"]:
        if entry["format"] != "pdf":
            continue
        name = entry["path"]
        target = Path(str(year)) / "thumbnails" / (Path(name).stem + ".png")
        data = fresh.get(name)
        if data is None:
            if (output_dir / target).exists():
                continue
            source = output_dir / str(year) / name
            if not source.exists():
                continue
            data = source.read_bytes()
        files.append(RenderedFile(target, thumbnail(data)))
    return files


def index_page(project: Project, output_dir: Path, editions: dict[int, "LoadedEdition"], manifests: dict[int, dict]) -> RenderedFile:
    """output/index.html listing every edition that has a manifest, newest first."""
    documents = registry()
    entries = []
    for year in sorted(manifests, reverse=True):
        manifest = manifests[year]
        loaded = editions.get(year)
        view = localize(loaded.edition, "fr") if loaded else None
        docs: dict[str, dict] = {}
        for f in manifest["files"]:
            doc = docs.setdefault(f["document"], {
                "id": f["document"],
                "title": documents[f["document"]].title(loaded.edition, "fr", view)
                if loaded and f["document"] in documents else f["document"],
                "languages": {},
            })
            lang = doc["languages"].setdefault(f["language"], {"files": [], "thumbnail": None})
            lang["files"].append({"href": f"{year}/{f['path']}", "format": FORMAT_LABELS.get(f["format"], f["format"].upper()),
                                  "size": _size(f["size"]), "pages": f["pages"]})
            if f["format"] == "pdf":
                lang["thumbnail"] = f"{year}/thumbnails/{Path(f['path']).stem}.png"
        order = {doc_id: i for i, doc_id in enumerate(documents)}
        lang_order = {"fr": 0, "en": 1, "bilingual": 2}
        for doc in docs.values():
            doc["languages"] = dict(sorted(doc["languages"].items(), key=lambda item: lang_order.get(item[0], 9)))
        ordered = sorted(docs.values(), key=lambda d: order.get(d["id"], len(order)))
        entries.append({"year": year, "number": manifest["edition"], "edition": view, "documents": ordered})
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(project.templates), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    html = env.get_template(TEMPLATE).render(entries=entries, lang="fr")
    return RenderedFile(Path(INDEX), html.encode("utf-8"))


def _size(size: int) -> str:
    return f"{size / 1024:.0f} Ko" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} Mo"


def manifests_in(output_dir: Path) -> tuple[dict[int, dict], dict[int, OutputError]]:
    """The manifest of every edition folder in ``output_dir``, and the error of each damaged one."""
    found, damaged = {}, {}
    for folder in sorted(output_dir.iterdir()) if output_dir.is_dir() else []:
        if folder.is_dir() and folder.name.isdigit():
            try:
                manifest = archive.read_manifest(folder, f"{folder.name}/{archive.MANIFEST}")
            except OutputError as exc:
                damaged[int(folder.name)] = exc
                continue
            if manifest:
                found[int(folder.name)] = manifest
    return found, damaged
