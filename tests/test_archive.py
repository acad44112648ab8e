"""The archive: reproducible bytes, manifests, verify, incremental builds, next year's file, the index."""

import datetime as dt
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from conftest import tree_snapshot

ROOT = Path(__file__).resolve().parent.parent


def cli(project, *args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), "--project", str(project), *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})})


def hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {k: hashlib.sha256(v).hexdigest() for k, v in tree_snapshot(folder).items()}


def test_two_builds_in_two_processes_and_time_zones_are_byte_identical(project, tmp_path):
    first = cli(project, "build", "2026", "--only", "letter", "--output", tmp_path / "a", env={"TZ": "Europe/Paris"})
    second = cli(project, "build", "2026", "--only", "letter", "--output", tmp_path / "b",
                 env={"TZ": "Pacific/Auckland", "LC_ALL": "C"})
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert hashes(tmp_path / "a") == hashes(tmp_path / "b")


@pytest.mark.skipif(not Path("/usr/bin/faketime").exists(), reason="faketime is installed by .ci/run")
def test_a_build_on_another_day_is_byte_identical(project, tmp_path):
    cli(project, "build", "2026", "--only", "letter", "--output", tmp_path / "today")
    later = subprocess.run(["faketime", "2031-02-03 04:05:06", sys.executable, str(ROOT / "generate.py"),
                            "--project", str(project), "build", "2026", "--only", "letter", "--output", str(tmp_path / "later")],
                           capture_output=True, text=True)
    assert later.returncode == 0, later.stderr
    assert hashes(tmp_path / "today") == hashes(tmp_path / "later")


def test_manifest_lists_every_file(run, project, tmp_path):
    code, _, err = run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    assert code == 0, err
    manifest = json.loads((tmp_path / "2026" / "manifest.json").read_text(encoding="utf-8"))
    names = sorted(f["path"] for f in manifest["files"])
    assert names == ["letter-en.docx", "letter-en.pdf", "letter-fr.docx", "letter-fr.pdf"]
    for f in manifest["files"]:
        data = (tmp_path / "2026" / f["path"]).read_bytes()
        assert f["size"] == len(data)
        assert f["document"] == "letter" and f["language"] in ("fr", "en") and f["format"] in ("pdf", "docx")
        assert f["pages"] == (2 if f["format"] == "pdf" else None)
        import hashlib

        assert f["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["generator"]["weasyprint"] == "70.0"
    assert {"docxtpl", "python-docx", "pypdf", "pillow"} <= manifest["generator"].keys()
    assert "python" not in manifest["generator"]  # another Python with the same libraries gives the same files
    assert "NotoSerif-Regular.ttf" in manifest["fonts"]
    assert {"editions", "templates", "images", "code"} == manifest["inputs"].keys()
    assert not re.search(r"20\d\d-\d\d-\d\dT", json.dumps(manifest)), "no clock time in the manifest"


def test_verify_accepts_an_intact_archive_and_catches_a_changed_file(run, project):
    code, _, err = run("build", "2026", project=project)
    assert code == 0, err
    code, out, err = run("verify", "2026", project=project)
    assert code == 0, err
    assert "OK: a rebuild of 2026 gives exactly the archived files" in out
    pdf = project / "output/2026/letter-fr.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% edited by hand"))
    code, _, err = run("verify", "2026", project=project)
    assert code == 1
    assert "letter-fr.pdf: the file in" in err and "was changed after it was built" in err


def test_verify_without_a_build_says_what_to_do(run, project):
    code, _, err = run("verify", "2026", project=project)
    assert code == 1 and "build the edition first" in err


def test_rebuilding_unchanged_data_rewrites_and_renders_nothing(run, project, tmp_path, monkeypatch):
    run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    stats = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    from eventdocs import render

    def refuse(*args, **kwargs):
        raise AssertionError("rendered although nothing changed")

    monkeypatch.setattr(render.HtmlRenderer, "pdf", refuse)
    monkeypatch.setattr(render.DocxRenderer, "docx", refuse)
    code, out, err = run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    assert code == 0, err
    assert "(0 new or changed)" in out
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stats


def test_changing_one_text_rebuilds_only_the_documents_that_print_it(run, project, tmp_path):
    run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    before = hashes(tmp_path)
    path = project / "editions/2026.yaml"
    text = path.read_text(encoding="utf-8")
    assert "En espérant vous retrouver" in text
    path.write_text(text.replace("En espérant vous retrouver", "Dans l'espoir de vous retrouver"), encoding="utf-8")
    code, out, err = run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    assert code == 0, err
    after = hashes(tmp_path)
    changed = {k for k in after if before.get(k) != after[k]}
    assert {"2026/letter-fr.pdf", "2026/letter-fr.docx"} <= changed
    assert not changed & {"2026/letter-en.pdf", "2026/letter-en.docx"}


def test_new_edition_moves_on_and_fails_check_until_rewritten(run, project):
    code, out, err = run("new", "2027", project=project)
    assert code == 0, err
    new = project / "editions/2027.yaml"
    data = yaml.safe_load(new.read_text(encoding="utf-8"))
    assert data["edition"] == 18 and data["year"] == 2027
    assert data["dates"] == [dt.date(2027, 7, 7), dt.date(2027, 7, 8)]  # Wednesday and Thursday again
    assert all(d.weekday() == o.weekday() for d, o in zip(data["dates"], [dt.date(2026, 7, 8), dt.date(2026, 7, 9)]))
    assert [day["date"] for day in data["programme"]] == data["dates"]
    assert "results" not in data
    assert data["hashtag"] == "#RencontresAICT2027"
    code, _, err = run("check", "2027", project=project)
    assert code == 1
    for field in ("theme.fr", "theme.en", "letter.body[0].fr", "programme[0].sessions[2].parallel[0].title.fr"):
        assert f"{field}: still marked [À RÉÉCRIRE]: write this text for 2027" in err
    # the officer writes the texts: check passes
    new.write_text(new.read_text(encoding="utf-8").replace("[À RÉÉCRIRE] ", ""), encoding="utf-8")
    code, out, err = run("check", "2027", project=project)
    assert code == 0, err


def test_new_never_overwrites(run, project):
    before = (project / "editions/2026.yaml").read_bytes()
    code, _, err = run("new", "2026", project=project)
    assert code == 1 and "already exists; nothing was changed" in err
    assert (project / "editions/2026.yaml").read_bytes() == before


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


def test_index_links_every_document_and_thumbnail(run, project, tmp_path):
    code, _, err = run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    assert code == 0, err
    parser = _Links()
    parser.feed((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert parser.urls
    assert not [u for u in parser.urls if re.match(r"[a-z]+:", u)], "no external request, no absolute URL"
    for url in parser.urls:
        assert (tmp_path / url).is_file(), url
    for name in ("letter-fr.pdf", "letter-fr.docx", "letter-en.pdf", "thumbnails/letter-fr.png"):
        assert f"2026/{name}" in parser.urls


def test_digests_of_templates_and_fonts_follow_every_change_of_their_files(tmp_path, monkeypatch):
    """tree_hash and file_sha256 read a file again only when its inode, size or times changed (the live preview
    asks at every save): a new content, a file added or removed always shows, even of the same size."""
    import hashlib

    from eventdocs import archive

    def fresh(folder):
        digest = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()

    folder = tmp_path / "templates"
    folder.mkdir()
    label = folder / "labels.yaml"
    label.write_text("subject:\n  fr: Objet\n", encoding="utf-8")
    (folder / "letter.html").write_text("<p>{{ x }}</p>", encoding="utf-8")
    # just written: read each time (two writes within one step of the file clock could look the same)
    assert archive.tree_hash(folder) == fresh(folder)
    label.write_text("subject:\n  fr: OBJET\n", encoding="utf-8")
    assert archive.tree_hash(folder) == fresh(folder)
    assert archive.file_sha256(label) == hashlib.sha256(label.read_bytes()).hexdigest()
    monkeypatch.setattr(archive, "SETTLED_NS", -10**18)  # as if every file had been written long ago
    before = archive.tree_hash(folder)
    assert before == fresh(folder) == archive.tree_hash(folder)
    stat = label.stat()
    label.write_text("subject:\n  fr: Objeu\n", encoding="utf-8")  # same size
    os.utime(label, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert archive.tree_hash(folder) == fresh(folder) != before
    assert archive.file_sha256(label) == hashlib.sha256(label.read_bytes()).hexdigest()
    (folder / "new.css").write_text("p {}", encoding="utf-8")
    assert archive.tree_hash(folder) == fresh(folder)
    (folder / "new.css").unlink()
    (folder / "letter.html").rename(folder / "letter2.html")
    assert archive.tree_hash(folder) == fresh(folder)
