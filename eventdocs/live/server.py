"""``python generate.py serve 2026``: a page on 127.0.0.1 that shows the edition's documents as they are edited.

The web server is Starlette on uvicorn; the page (``page.html``) holds every word it
shows besides the documents' own (their titles are labels). Safe by construction:

- it listens on 127.0.0.1 only, and answers only requests for ``127.0.0.1:PORT`` or
  ``localhost:PORT`` (a page of another site that points a name at 127.0.0.1 — DNS
  rebinding — is refused);
- every request carries the secret token printed with the address (in the address
  the first time, then in a cookie only this site sees), or gets 403;
- a request that changes something (build, merge) is a POST that carries the token
  in a header, which another site's page cannot send;
- it serves the preview folder, output/ and the page, nothing else; an upload is
  limited in size and read by the same checked reader as the command line.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import secrets
import socket
import tempfile
import threading
import webbrowser
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, unquote

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response, \
    StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..documents import FORMAT_FILES, registry
from ..errors import UsageError
from ..localize import localize
from ..render import FILTERS, Project
from . import jobs
from .preview import EAGER_PAGES, PAGE_IMAGE_WIDTH, Preview, Snapshot, up_to_date

HOST = "127.0.0.1"
DEFAULT_PORT = 8026
#: the largest spreadsheet accepted from the page (the reader refuses workbooks that unpack to more)
MAX_UPLOAD = 20 * 1024 * 1024
#: the longest sheet name the page passes on (Excel allows 31 characters)
MAX_SHEET_NAME = 100
SPREADSHEETS = (".csv", ".xlsx")
TOKEN_HEADER = "x-eventdocs-token"
LANGUAGE_ORDER = {"fr": 0, "en": 1, "bilingual": 2}
ICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
        b'fill="#1d3461"/><rect x="4" y="4" width="8" height="8" fill="#b5252f"/></svg>')


class Server:
    """The preview, the jobs started from the page, and the web application that shows them."""

    def __init__(self, project: Project, year: int, port: int, token: str | None = None):
        self.project, self.year, self.port = project, year, port
        self.token = token or secrets.token_urlsafe(24)
        self.output_dir = project.root / "output"
        self.preview = Preview(project, year, project.root / "preview", on_change=self._changed)
        self.build_job: jobs.Job | None = None
        self.merge_job: jobs.Job | None = None
        self.merge_source = ""
        self.uploads = Path(tempfile.mkdtemp(prefix="eventdocs-serve-"))
        self.jobs_version = 0
        self._jobs_lock = threading.Lock()
        self._news = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.pages = _page_templates()
        self.app = Starlette(routes=[
            Route("/", self.page),
            Route("/favicon.svg", self.icon),
            Route("/live/preview", self.preview_part),
            Route("/live/jobs", self.jobs_part),
            Route("/live/events", self.events),
            Route("/live/state", self.state),
            Route("/preview/{kind:str}/{name:str}", self.preview_file),
            Route("/pages/{stem:str}/{page:int}.png", self.page_thumbnail),
            Route("/build", self.start_build, methods=["POST"]),
            Route("/merge", self.start_merge, methods=["POST"]),
            Route("/merge/letters.zip", self.letters_zip),
            Route("/merge/{name:str}", self.merge_file),
            Mount("/output", app=_Folder(self.output_dir)),
        ], lifespan=self._lifespan)
        self.asgi = Guard(self.app, self)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    # --- news for the page ------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _lifespan(self, app):
        self._loop = asyncio.get_running_loop()
        yield

    def _changed(self) -> None:
        """Called from any thread: wake the pages' event streams."""
        if self._loop and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        """A new event for the next news, then this one set: no stream misses a change, however many there are."""
        news, self._news = self._news, asyncio.Event()
        news.set()

    def _jobs_changed(self, job: jobs.Job | None = None) -> None:
        with self._jobs_lock:
            self.jobs_version += 1
        self._changed()

    def _versions(self) -> dict:
        return {"preview": self.preview.snapshot.version, "jobs": self.jobs_version}

    async def events(self, request: Request) -> Response:
        """Server-sent events: the versions of the preview and of the jobs, each time one changes."""
        async def stream():
            last = None
            while True:
                news = self._news  # taken before reading the versions: a change after this sets it
                versions = self._versions()
                if versions != last:
                    last = versions
                    yield f"data: {json.dumps(versions)}\n\n"
                try:
                    await asyncio.wait_for(news.wait(), timeout=15)
                except asyncio.TimeoutError:
                    yield ": still here\n\n"
        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def state(self, request: Request) -> Response:
        snapshot = self.preview.snapshot
        return JSONResponse({**self._versions(), "building": snapshot.building, "ready": snapshot.ready,
                             "problems": snapshot.problems, "print_building": snapshot.print_building,
                             "seconds": round(snapshot.seconds, 3), "passes": snapshot.passes,
                             "first_seconds": round(snapshot.first_seconds, 3)})

    # --- the page ---------------------------------------------------------------------------------

    def page(self, request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        html = self.pages.get_template("page.html").render(
            self._preview_context() | self._jobs_context(), token=self.token, nonce=nonce,
            jobs_version=self.jobs_version, max_upload=MAX_UPLOAD, max_sheet_name=MAX_SHEET_NAME)
        return HTMLResponse(html, headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": f"default-src 'none'; img-src 'self'; connect-src 'self'; "
                                       f"style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; base-uri 'none'; "
                                       "form-action 'none'; frame-ancestors 'none'"})

    def icon(self, request: Request) -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    def preview_part(self, request: Request) -> Response:
        html = self.pages.get_template("parts.html").module.preview(**self._preview_context())
        return HTMLResponse(str(html), headers={"Cache-Control": "no-store"})

    def jobs_part(self, request: Request) -> Response:
        html = self.pages.get_template("parts.html").module.jobs(**self._jobs_context())
        return HTMLResponse(str(html), headers={"Cache-Control": "no-store"})

    def _preview_context(self) -> dict:
        snapshot = self.preview.snapshot
        edition = localize(snapshot.loaded.edition, "fr") if snapshot.loaded else None
        types = registry()
        skipped = [(types[doc_id].title(snapshot.loaded.edition, "fr") if snapshot.loaded and doc_id in types
                    else doc_id, reason) for doc_id, reason in snapshot.skipped]
        return {"snapshot": snapshot, "edition": edition, "year": self.year, "skipped": skipped,
                "documents": _documents(snapshot), "archive": (self.output_dir / "index.html").is_file()}

    def _jobs_context(self) -> dict:
        return {"build": self.build_job.state if self.build_job else None,
                "merge": self.merge_job.state if self.merge_job else None,
                "merge_source": self.merge_source, "year": self.year}

    # --- files of the preview ---------------------------------------------------------------------

    def preview_file(self, request: Request) -> Response:
        """A file of the preview: ``pdf`` (the first pass) or ``all`` (every format), listed in its manifest."""
        kind, name = request.path_params["kind"], request.path_params["name"]
        snapshot = self.preview.snapshot
        manifest = {"pdf": snapshot.screen, "all": snapshot.full}.get(kind)
        folder = {"pdf": self.preview.screen_dir, "all": self.preview.full_dir}.get(kind)
        if manifest is None or not any(f["path"] == name for f in manifest["files"]):
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(folder / str(self.year) / name, headers={"Cache-Control": "no-store"},
                            content_disposition_type="inline")

    def page_thumbnail(self, request: Request) -> Response:
        """One page of a preview PDF, drawn small (cached by the PDF's SHA-256)."""
        stem, number = request.path_params["stem"], request.path_params["page"]
        snapshot = self.preview.snapshot
        entry = next((f for f in (snapshot.screen or {}).get("files", [])
                      if f["path"] == f"{stem}.pdf"), None)
        if entry is None or not 1 <= number <= (entry.get("pages") or 0):
            return PlainTextResponse("not found", status_code=404)
        return Response(self.preview.page_image(entry, number), media_type="image/png",
                        headers={"Cache-Control": "private, max-age=86400, immutable"})

    # --- build ------------------------------------------------------------------------------------

    def start_build(self, request: Request) -> Response:
        """Write output/ as ``python generate.py build YEAR`` does, one build at a time."""
        with self._jobs_lock:
            if self.build_job and self.build_job.running:
                return JSONResponse({"started": False}, status_code=409)
            self.build_job = jobs.Job("build", jobs.build_job, {
                "root": str(self.project.root), "year": self.year, "output": str(self.output_dir)},
                on_change=self._jobs_changed).start()
        self._jobs_changed()
        return JSONResponse({"started": True}, status_code=202)

    # --- merge ------------------------------------------------------------------------------------

    async def start_merge(self, request: Request) -> Response:
        """The recipients' spreadsheet as the request's body (its name in ``X-File-Name``): merge it."""
        name = Path(unquote(request.headers.get("x-file-name", ""))).name
        suffix = Path(name).suffix.lower()
        if suffix not in SPREADSHEETS:
            return PlainTextResponse("not a spreadsheet", status_code=415)
        # the command line's --sheet, --strict and --force, from the page's options
        sheet = unquote(request.headers.get("x-merge-sheet", "")).strip()
        if len(sheet) > MAX_SHEET_NAME:
            return PlainTextResponse("sheet name too long", status_code=400)
        options = {"sheet": sheet or None, "strict": request.headers.get("x-merge-strict") == "1",
                   "force": request.headers.get("x-merge-force") == "1"}
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_UPLOAD:
            return PlainTextResponse("too large", status_code=413)
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_UPLOAD:
                return PlainTextResponse("too large", status_code=413)
        with self._jobs_lock:
            if self.merge_job and self.merge_job.running:
                return JSONResponse({"started": False}, status_code=409)
            target = Path(tempfile.mkdtemp(dir=self.uploads)) / f"recipients{suffix}"
            target.write_bytes(bytes(data))
            self.merge_source = name
            self.merge_job = jobs.Job("merge", jobs.merge_job, {
                "root": str(self.project.root), "year": self.year, "spreadsheet": str(target),
                "output": str(self.output_dir), **options}, on_change=self._jobs_changed).start()
        self._jobs_changed()
        return JSONResponse({"started": True}, status_code=202)

    def _merged(self) -> dict | None:
        job = self.merge_job
        return job.state.result if job and job.state.status == jobs.DONE else None

    def merge_file(self, request: Request) -> Response:
        """A combined print PDF or the report of the last merge."""
        result, name = self._merged(), request.path_params["name"]
        if not result or name not in [c["name"] for c in result["combined"]] + [result["report"]]:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(Path(result["folder"]) / name, filename=name)

    def letters_zip(self, request: Request) -> Response:
        """Every letter of the last merge (DOCX and PDF) and its report, in one ZIP."""
        result = self._merged()
        if not result:
            return PlainTextResponse("not found", status_code=404)
        folder = Path(result["folder"])
        names = [name for letter in result["letters"] for name in letter["files"]] + [result["report"]]
        target = self.uploads / f"letters-{id(self.merge_job)}.zip"  # one per merge, made at the first download
        with self._jobs_lock:
            if not target.exists():
                part = target.with_suffix(".part")
                with zipfile.ZipFile(part, "w", zipfile.ZIP_STORED) as archive:  # PDF and DOCX: compressed already
                    for name in names:
                        if name and (folder / name).is_file():
                            archive.write(folder / name, name)
                part.rename(target)
        return FileResponse(target, filename=f"lettres-{self.year}.zip", media_type="application/zip")

    # --- life -------------------------------------------------------------------------------------

    def stop(self) -> None:
        self.preview.stop()
        for job in (self.build_job, self.merge_job):
            if job and job.running:
                job.wait()  # a build or a merge started from the page finishes: they write output/
        import shutil

        shutil.rmtree(self.uploads, ignore_errors=True)


class _Folder(StaticFiles):
    """output/ (the archive and its documents), without its hidden files (locks, the writer's staging folder)."""

    def __init__(self, folder: Path):
        super().__init__(directory=folder, check_dir=False, follow_symlink=False)

    async def __call__(self, scope, receive, send) -> None:
        if not Path(self.directory).is_dir():  # no build yet: no output/
            return await PlainTextResponse("not found", status_code=404)(scope, receive, send)
        await super().__call__(scope, receive, send)

    async def get_response(self, path: str, scope) -> Response:
        if any(part.startswith(".") for part in Path(path).parts):
            return PlainTextResponse("not found", status_code=404)
        return await super().get_response(path, scope)


class Guard:
    """The ASGI layer in front of the application: Host header, token, POST carrying the token."""

    COOKIE = "eventdocs-token"

    def __init__(self, app, server: Server):
        self.app, self.server = app, server

    def _allowed_hosts(self) -> set[bytes]:
        return {f"{HOST}:{self.server.port}".encode(), f"localhost:{self.server.port}".encode()}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.app(scope, receive, send)
        if scope["type"] != "http":  # no WebSocket here
            return await send({"type": "websocket.close", "code": 1008})
        headers = dict(scope["headers"])
        token = self.server.token
        cookie_name = f"{self.COOKIE}-{self.server.port}"
        if headers.get(b"host") not in self._allowed_hosts():
            return await _refuse(send, "unknown host")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        in_query = _same(query.get("token", [""])[0], token)
        in_cookie = _same(_cookie(headers.get(b"cookie", b""), cookie_name), token)
        in_header = _same(headers.get(TOKEN_HEADER.encode(), b"").decode("latin-1"), token)
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get(b"origin")
            if not in_header or (origin and origin.removeprefix(b"http://") not in self._allowed_hosts()):
                return await _refuse(send, "this request needs the page's token")
        elif not (in_query or in_cookie):
            return await _refuse(send, "open the address printed by 'python generate.py serve' (it has the token)")
        if in_query and scope["path"] == "/":  # the token goes into a cookie, out of the address bar
            cookie = f"{cookie_name}={token}; Path=/; HttpOnly; SameSite=Strict"
            await send({"type": "http.response.start", "status": 303, "headers": [
                (b"location", b"/"), (b"set-cookie", cookie.encode()), (b"cache-control", b"no-store"),
                (b"referrer-policy", b"no-referrer"), (b"content-length", b"0")]})
            return await send({"type": "http.response.body", "body": b""})

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]
            await send(message)

        await self.app(scope, receive, with_headers)


async def _refuse(send, why: str) -> None:
    body = f"403 Forbidden: {why}\n".encode()
    await send({"type": "http.response.start", "status": 403, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _same(given: str, token: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "replace"), token.encode())


def _cookie(header: bytes, name: str) -> str:
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


# --- what the page shows -------------------------------------------------------------------------------


def _documents(snapshot: Snapshot) -> list[dict]:
    """Every document of the preview in every language: its pages, its files, whether its print files are ready."""
    if not snapshot.screen:
        return []
    types = registry()
    documents: dict[str, dict] = {}
    loaded = snapshot.loaded
    full_files = {f["path"]: f for f in (snapshot.full or {}).get("files", [])}
    for f in snapshot.screen["files"]:
        if f["format"] != "pdf":
            continue
        doc_id, lang = f["document"], f["language"]
        doc = documents.setdefault(doc_id, {
            "id": doc_id, "languages": [],
            "title": types[doc_id].title(loaded.edition, "fr") if loaded and doc_id in types else doc_id})
        stem = f"{doc_id}-{lang}"
        ready = up_to_date(stem, snapshot)
        others = [{"format": fmt, "name": stem + ending, **({"size": full_files[stem + ending]["size"],
                                                             "pages": full_files[stem + ending]["pages"]}
                                                            if stem + ending in full_files else {})}
                  for fmt, ending in FORMAT_FILES.items()
                  if fmt != "pdf" and fmt in types[doc_id].formats_for(lang)] if doc_id in types else []
        doc["languages"].append({"lang": lang, "stem": stem, "pdf": f, "version": f["sha256"][:12],
                                 "pages": f.get("pages") or 0, "ready": ready, "others": others})
    order = list(types)
    for doc in documents.values():
        doc["languages"].sort(key=lambda item: LANGUAGE_ORDER.get(item["lang"], 9))
    return sorted(documents.values(), key=lambda d: order.index(d["id"]) if d["id"] in order else len(order))


def _size(size: int) -> str:
    return f"{size / 1024:.0f} Ko" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


def _page_templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("eventdocs.live", "."), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    env.filters["size"] = _size
    env.globals["lang"] = "fr"  # the date filters' language
    env.globals["eager_pages"] = EAGER_PAGES  # drawn with the PDF: the browser loads them at once
    env.globals["page_width"] = PAGE_IMAGE_WIDTH // 2  # CSS pixels: sharp on high-density screens
    return env


# --- the command ---------------------------------------------------------------------------------------


def listen(port: int | None) -> socket.socket:
    """A socket on 127.0.0.1: the port asked (0: any free one), or the default one or any free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, DEFAULT_PORT if port is None else port))
    except OSError as exc:
        if port is not None or exc.errno != errno.EADDRINUSE:
            sock.close()
            raise UsageError(f"cannot listen on {HOST}:{port}: {exc.strerror}; choose another --port "
                             "(or --port 0 for any free one)") from None
        sock.bind((HOST, 0))  # the default port is taken (another serve?): any free one
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(project: Project, year: int, port: int | None = None, open_browser: bool = True,
          announce=print) -> None:
    """Run the preview server until Ctrl-C."""
    import uvicorn

    from ..load import edition_years

    if year not in edition_years(project.editions):
        raise UsageError(f"no edition file editions/{year}.yaml (the editions are: "
                         f"{', '.join(map(str, edition_years(project.editions))) or 'none'})")
    sock = listen(port)
    server = Server(project, year, sock.getsockname()[1])
    config = uvicorn.Config(server.asgi, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=1)
    web = uvicorn.Server(config)
    server.preview.start()
    announce(f"Live preview of {year}: {server.url}")
    announce("The page follows every change of editions/, templates/, fonts/ and images/. Ctrl-C to stop.")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(server.url,)).start()
    try:
        web.run(sockets=[sock])
    finally:
        announce("Stopping the live preview…")
        server.stop()
        sock.close()
