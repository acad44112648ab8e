"""The live preview (python generate.py serve) in a real browser (Debian's chromium, driven by Playwright).

One real server per module, started as the officer starts it (the command line, in a
process of its own, on 127.0.0.1 and a free port), on a copy of the minimal fixture;
each test puts back what it changed.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import FIXTURES, ROOT, assemble, edit

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by .ci/run")

YEAR = 2030
#: how long the page may take to follow a change here (the benchmark measures it; tests only wait: a merge from
#: the page took more than 60 s while the other test files loaded both cores, and a wait is no timing assertion)
PATIENCE_MS = 180_000


class Served:
    def __init__(self, project: Path, process: subprocess.Popen, url: str):
        self.project, self.process, self.url = project, process, url
        self.base, self.token = url.split("/?token=")
        self.port = self.base.rsplit(":", 1)[1]
        self.edition = project / "editions" / f"{YEAR}.yaml"

    def state(self) -> dict:
        return json.loads(self.get("/live/state")[1])

    def get(self, path: str, headers: dict | None = None, token: bool = True, method: str = "GET"):
        """(status, body) of a request made outside the browser."""
        headers = dict(headers or {})
        if token:
            headers["Cookie"] = f"eventdocs-token-{self.port}={self.token}"
        request = urllib.request.Request(self.base + path, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    project = assemble("minimal", tmp_path_factory.mktemp("serve") / "project")
    shutil.copy(FIXTURES / "reference" / "editions" / "protocole.yaml", project / "editions")  # for the merge
    log = (project.parent / "serve-stderr.txt").open("w")
    process = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), "--project", str(project), "serve",
                                str(YEAR), "--no-browser", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", first)
        assert match, f"no address printed: {first!r}"
        server = Served(project, process, match.group(0))
        deadline = time.monotonic() + 180
        while not (lambda state: state["passes"] and not state["building"])(server.state()):
            assert time.monotonic() < deadline and process.poll() is None, "the first previews never came"
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(f"pageerror: {e}"))
    page.goto(served.url)
    page.wait_for_selector("[data-stem='letter-fr']")
    yield page
    context.close()


@pytest.fixture
def edition(served):
    """The edition file, put back as it was after the test (and the page back to no problem)."""
    original = served.edition.read_text(encoding="utf-8")
    yield served.edition
    passes = served.state()["passes"]
    served.edition.write_text(original, encoding="utf-8")
    wait_until(lambda: (lambda state: state["passes"] > passes and not state["building"] and not state["problems"])(
        served.state()))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("’", "'")


def version(page, stem: str) -> str:
    return page.get_attribute(f"[data-stem='{stem}']", "data-version")


def wait_until(condition, timeout_ms: int = PATIENCE_MS) -> None:
    """Poll from Python: the page's Content-Security-Policy forbids the eval that page.wait_for_function uses."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        assert time.monotonic() < deadline, "the page did not follow"
        time.sleep(0.05)


def test_the_page_shows_every_document_in_every_language_and_the_editions_facts(page, served):
    stems = page.eval_on_selector_all("[data-stem]", "nodes => nodes.map(n => n.dataset.stem)")
    assert stems == ["letter-fr", "letter-en", "invitation-fr", "invitation-en", "invitation-bilingual"]
    text = page.inner_text("main")
    assert "Lettre d’invitation du président" in text  # the label title_letter
    assert "Jeudi 14 mars 2030" in text and "Couvent des Jacobins, Rennes" in text
    assert "Dossier de presse – Journée des villes jumelées 2030 : no 'dossier:' section" in text  # skipped: why
    # a thumbnail for every page, each opening the PDF at its page
    pages = page.eval_on_selector_all("[data-stem='invitation-fr'] .pages a", "links => links.length")
    assert pages >= 4 and pages % 4 == 0
    wait_until(lambda: page.eval_on_selector_all("img[loading='eager']",
                                                  "images => images.every(i => i.complete && i.naturalWidth > 0)"))
    href = page.get_attribute("[data-stem='letter-fr'] .pages a", "href")
    assert href.endswith("letter-fr.pdf#page=1")
    pdf = page.request.get(served.base + href.split("#")[0])
    assert pdf.ok and pdf.body().startswith(b"%PDF") and "Journée des villes jumelées" in pdf_text(pdf.body())
    assert page.get_attribute("#archive", "href") == "/output/index.html"
    assert not page.errors, page.errors


def test_a_saved_change_shows_on_the_page_by_itself_then_in_the_word_file(page, served, edition):
    before = {stem: version(page, stem) for stem in ("letter-fr", "letter-en", "invitation-fr")}
    page.evaluate("window.notReloaded = true")
    edit(edition, "J'ai le plaisir de vous inviter", "J'ai la grande joie de vous inviter")
    wait_until(lambda: version(page, "letter-fr") != before["letter-fr"])
    assert page.evaluate("window.notReloaded") is True, "the page changed without being reloaded"
    href = page.get_attribute("[data-stem='letter-fr'] .language-head a", "href")
    assert "J'ai la grande joie de vous inviter" in pdf_text(page.request.get(served.base + href).body())
    # only the document that prints the text was made again
    assert version(page, "letter-en") == before["letter-en"]
    assert version(page, "invitation-fr") == before["invitation-fr"]
    # the Word file follows, from the second pass
    docx = page.wait_for_selector("[data-stem='letter-fr'] a[href$='letter-fr.docx']", timeout=PATIENCE_MS)
    data = page.request.get(served.base + docx.get_attribute("href")).body()
    with zipfile.ZipFile(io.BytesIO(data)) as word:
        assert "grande joie" in word.read("word/document.xml").decode()
    assert not (served.project / "output" / str(YEAR) / "letter-fr.pdf").exists() or \
        "grande joie" not in pdf_text((served.project / "output" / str(YEAR) / "letter-fr.pdf").read_bytes()), \
        "the preview never writes output/"


def test_a_saved_association_yaml_or_label_shows_too(page, served):
    """association.yaml and labels.yaml, read again only when their bytes change, are never shown stale."""
    association = served.project / "editions" / "association.yaml"
    labels = served.project / "templates" / "labels.yaml"
    originals = {path: path.read_text(encoding="utf-8") for path in (association, labels)}

    def letter() -> str:
        href = page.get_attribute("[data-stem='letter-fr'] .language-head a", "href")
        return " ".join(pdf_text(page.request.get(served.base + href).body()).split())  # no-break spaces too

    try:
        shown = version(page, "letter-fr")
        edit(association, "fr: Coopération entre collectivités", "fr: Coopération entre communes amies")
        wait_until(lambda: version(page, "letter-fr") != shown)
        assert "Coopération entre communes amies" in letter()
        shown = version(page, "letter-fr")
        edit(labels, 'fr: "Objet :"', 'fr: "Au sujet de :"')
        wait_until(lambda: version(page, "letter-fr") != shown)
        text = letter()
        assert "Au sujet de :" in text and "Objet :" not in text and "Coopération entre communes amies" in text
    finally:
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        wait_until(lambda: (lambda text: "Objet :" in text and "Coopération entre collectivités" in text)(letter()))
        wait_until(lambda: (lambda state: not state["building"] and not state["problems"])(served.state()))
    assert not page.errors, page.errors


def test_what_check_says_of_a_saved_word_template_shows_on_the_page_until_fixed(page, served):
    import docx

    template = served.project / "templates" / "letter.docx"
    original = template.read_bytes()
    try:
        document = docx.Document(str(template))
        document.add_paragraph("Texte tapé dans le modèle")
        document.save(str(template))
        finding = page.wait_for_selector("#word-findings", timeout=PATIENCE_MS).inner_text()
        assert "templates/letter.docx" in finding and "Texte tapé dans le modèle" in finding, finding
        assert page.is_visible("[data-stem='letter-fr'] img"), "the previews stay"
    finally:
        template.write_bytes(original)
    page.wait_for_selector("#word-findings", state="detached", timeout=PATIENCE_MS)
    wait_until(lambda: (lambda state: not state["building"] and not state["problems"])(served.state()))
    assert not page.errors, page.errors


def test_a_problem_shows_with_its_line_above_the_last_good_previews_until_fixed(page, served, edition):
    shown = version(page, "letter-fr")
    edit(edition, "start: 9:30", "start: 25:00")
    problem = page.wait_for_selector("#problems", timeout=PATIENCE_MS).inner_text()
    line = next(n for n, text in enumerate(edition.read_text(encoding="utf-8").splitlines(), 1) if "25:00" in text)
    assert f"editions/{YEAR}.yaml:{line}: programme[0].sessions[0].start:" in problem
    assert version(page, "letter-fr") == shown, "the last good previews stay"
    assert page.is_visible("[data-stem='letter-fr'] img")
    edit(edition, "start: 25:00", "start: 9:30")
    page.wait_for_selector("#problems", state="detached", timeout=PATIENCE_MS)
    assert page.wait_for_selector(".status-line .pill.good", timeout=PATIENCE_MS).inner_text() == "À jour"


def test_a_mail_merge_from_the_page_reports_every_row_and_gives_the_letters(page, served, tmp_path):
    spreadsheet = tmp_path / "invités.csv"
    rows = [["Civilité", "Prénom", "Nom", "Fonction", "Adresse 1", "Code postal", "Ville", "Langue"],
            ["Madame", "Anne", "Hidalgo", "Maire de Paris", "Place de l'Hôtel de Ville", "75004", "Paris", "fr"],
            ["M.", "John", "Smith", "", "1 Main Street", "12345", "Springfield", "en"],
            ["Xyz", "Jean", "Dupont", "", "2 rue Basse", "75002", "Paris", "fr"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    spreadsheet.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    page.set_input_files("#spreadsheet", str(spreadsheet))
    report = page.wait_for_selector("#merge-report", timeout=PATIENCE_MS)
    written = page.eval_on_selector_all("table.written tbody tr", "rows => rows.map(r => r.innerText)")
    rejected = page.eval_on_selector_all("table.rejected tbody tr", "rows => rows.map(r => r.innerText)")
    assert len(written) == 2 and "Anne Hidalgo" in written[0] and "John Smith" in written[1]
    assert len(rejected) == 1 and rejected[0].startswith("4") and "Xyz" in rejected[0]
    assert "invités.csv" in report.inner_text()
    with page.expect_download() as download:
        page.click("#letters-zip")
    with zipfile.ZipFile(download.value.path()) as letters:
        names = sorted(letters.namelist())
        assert names == ["0002-hidalgo-anne.docx", "0002-hidalgo-anne.pdf", "0003-smith-john.docx",
                         "0003-smith-john.pdf", "merge-report.csv"]
        assert "Hidalgo" in pdf_text(letters.read("0002-hidalgo-anne.pdf"))
    combined = page.get_attribute(f"a[href='/merge/letters-{YEAR}-fr.pdf']", "href")
    assert page.request.get(served.base + combined).body().startswith(b"%PDF")
    assert not page.errors, page.errors


def test_the_pages_merge_options_are_the_command_lines_sheet_and_strict(page, served, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Mairies"
    workbook.active.append(["Prénom", "Nom", "Adresse 1", "Code postal", "Ville"])
    workbook.active.append(["Anne", "Hidalgo", "Place de l'Hôtel de Ville", "75004", "Paris"])
    embassies = workbook.create_sheet("Ambassades")
    embassies.append(["Civilité", "Prénom", "Nom", "Adresse 1", "Code postal", "Ville", "Langue"])
    embassies.append(["M.", "John", "Smith", "1 Main Street", "12345", "Springfield", "en"])
    embassies.append(["Xyz", "Jean", "Dupont", "2 rue Basse", "75002", "Paris", "fr"])
    spreadsheet = tmp_path / "invités.xlsx"
    workbook.save(spreadsheet)
    letters = served.project / "output" / str(YEAR) / "letters"
    before = sorted(p.name for p in letters.glob("*.pdf")) if letters.exists() else []
    # --sheet and --strict: the second sheet has a bad row, so nothing is written, and the page says why
    page.fill("#merge-sheet", "Ambassades")
    page.check("#merge-strict")
    page.set_input_files("#spreadsheet", str(spreadsheet))
    failed = page.wait_for_selector("#merge-state .problems", timeout=PATIENCE_MS).inner_text()
    assert "row 3" in failed and "Xyz" in failed, failed
    assert (sorted(p.name for p in letters.glob("*.pdf")) if letters.exists() else []) == before
    # without --strict, the second sheet's good row makes a letter, and the first sheet is not read
    page.uncheck("#merge-strict")
    page.set_input_files("#spreadsheet", str(spreadsheet))
    page.wait_for_selector("#merge-report", timeout=PATIENCE_MS)
    written = page.eval_on_selector_all("table.written tbody tr", "rows => rows.map(r => r.innerText)")
    assert len(written) == 1 and "John Smith" in written[0], written
    # a sheet that does not exist is named
    page.fill("#merge-sheet", "Consulats")
    page.set_input_files("#spreadsheet", str(spreadsheet))
    failed = page.wait_for_selector("#merge-state .problems", timeout=PATIENCE_MS).inner_text()
    assert "Consulats" in failed and "Ambassades" in failed, failed
    assert not page.errors, page.errors


def test_the_build_button_writes_output_and_waits_for_a_command_line_build(page, served):
    from eventdocs.write import OutputFolder

    output = served.project / "output"
    with OutputFolder(output):  # a command-line build holds the folder
        page.click("#build")
        page.wait_for_selector("text=en attente", timeout=PATIENCE_MS)
        assert not (output / str(YEAR) / "letter-fr.pdf").exists()
    page.wait_for_selector("#build-state .ok", timeout=180_000)
    assert "letter-fr.pdf" in (output / str(YEAR) / "manifest.json").read_text(encoding="utf-8")
    assert (output / str(YEAR) / "invitation-fr-print.pdf").read_bytes().startswith(b"%PDF")


def test_requests_without_the_token_from_another_host_or_cross_site_are_refused(served):
    assert served.get("/", token=False)[0] == 403
    assert served.get("/live/state", token=False)[0] == 403
    assert served.get(f"/preview/pdf/letter-fr.pdf?token=wrong", token=False)[0] == 403
    assert served.get("/live/state")[0] == 200
    # DNS rebinding: a name of another site pointed at 127.0.0.1
    assert served.get("/live/state", headers={"Host": f"attacker.example:{served.port}"})[0] == 403
    assert served.get(f"/?token={served.token}", token=False, headers={"Host": "attacker.example"})[0] == 403
    # a state-changing request needs the token in its header (a cookie alone is what a cross-site form sends)
    assert served.get("/build", method="POST")[0] == 403
    assert served.get("/merge", method="POST", headers={"X-Eventdocs-Token": served.token,
                                                        "Origin": "http://attacker.example"})[0] == 403
    # uploads: a spreadsheet, of a bounded size
    from eventdocs.live.server import MAX_UPLOAD

    post = {"X-Eventdocs-Token": served.token, "X-File-Name": "invit%C3%A9s.csv"}
    connection = http.client.HTTPConnection("127.0.0.1", int(served.port), timeout=30)
    connection.putrequest("POST", "/merge")
    for name, value in {**post, "Content-Length": str(MAX_UPLOAD + 1)}.items():
        connection.putheader(name, value)
    connection.endheaders()  # refused before the body is sent
    assert connection.getresponse().status == 413
    connection.close()
    request = urllib.request.Request(served.base + "/merge", data=b"%PDF-1.7", method="POST",
                                     headers={**post, "X-File-Name": "lettre.pdf"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 415
    # nothing outside the preview and output/ is served
    assert served.get("/output/../editions/2030.yaml")[0] == 404
    assert served.get("/preview/pdf/..%2Feditions%2F2030.yaml")[0] == 404
    assert served.get("/output/.eventdocs.lock")[0] == 404


@pytest.mark.parametrize("name, source", [
    ("2030.yaml", True), ("association.yaml", True), ("letter.docx", True), ("labels.yaml", True),
    ("~$letter.docx", False), ("~WRL0001.tmp", False), (".~lock.2030.yaml#", False), (".2030.yaml.swp", False),
    ("2030.yaml~", False), ("4913", False), ("2030.sent.jsonl", False), (".#2030.yaml", False),
])
def test_editors_lock_and_temporary_files_rebuild_nothing(name, source):
    from eventdocs.live.preview import is_source

    assert is_source(f"/project/editions/{name}") is source


def test_serve_refuses_an_edition_that_does_not_exist_and_a_port_taken(run, make_project):
    import socket

    project = make_project("minimal")
    code, out, err = run("serve", "2099", "--no-browser", project=project)
    assert code == 1 and "no edition file editions/2099.yaml (the editions are: 2030)" in err
    assert "Traceback" not in err
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        code, out, err = run("serve", "2030", "--no-browser", "--port", taken.getsockname()[1], project=project)
    finally:
        taken.close()
    assert code == 1 and "choose another --port" in err and "Traceback" not in err
    assert not (project / "preview").exists()
