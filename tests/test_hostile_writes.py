"""A failing machine: full disks, failures and kill -9 in the middle of writing, two runs at once, hand edits.

After any failure the output folder holds the old files or the new ones its
manifest describes, never a mix, and the message says which; a killed run is
finished (or undone) by the next one, which ends with the very files of a run
never interrupted; two runs into one folder take turns; a file changed by hand
is never overwritten without a word.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from eventdocs import write
from hostile import KILL_AT_RENAME, ROOT, ROWS, cli, edit_text, leftovers, manifest, snapshot, write_csv
from extract import docx_text

CLOSING = "En espérant vous retrouver"
CHANGED = "Dans l'espoir de vous retrouver"


@pytest.fixture
def built(run, project, tmp_path):
    """The letters of 2026 built into tmp_path/out (the "old set"); the data then changes (the "new set")."""
    out = tmp_path / "out"
    code, _, err = run("build", "2026", "--only", "letter", "--output", out, project=project)
    assert code == 0, err
    edit_text(project / "editions/2026.yaml", CLOSING, CHANGED)
    return out


def build(run, project, out, *extra):
    return run("build", "2026", "--only", "letter", "--output", out, *extra, project=project)


# --- failures while writing ------------------------------------------------------------------------------------


def test_a_full_disk_while_writing_a_build_changes_nothing_and_says_so(run, project, built, monkeypatch):
    before = snapshot(built)
    calls = []

    def full_disk(fd, data):
        calls.append(len(data))
        if len(calls) == 2:  # the second file: half of it fits
            os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write.__dict__["_real_write_bytes"](fd, data)

    monkeypatch.setitem(write.__dict__, "_real_write_bytes", write._write_bytes)
    monkeypatch.setattr(write, "_write_bytes", full_disk)
    code, out, err = build(run, project, built)
    assert code == 1 and "Traceback" not in err
    assert "Error: 1 problem(s), nothing was written." in err
    assert re.search(r"cannot write 2026/letter-fr\.(docx|pdf): No space left on device; free some space", err), err
    assert ".part" not in err and "new-" not in err
    assert snapshot(built) == before
    assert not leftovers(built)


def test_a_failure_while_putting_files_in_place_puts_the_old_ones_back(run, project, built, monkeypatch):
    before = snapshot(built)
    calls = []
    real = write._replace

    def refused(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(target))
        real(source, target)

    monkeypatch.setattr(write, "_replace", refused)
    code, _, err = build(run, project, built)
    assert code == 1 and "Traceback" not in err
    assert "nothing was changed (the files already replaced were put back)" in err
    assert "cannot write 2026/" in err and "Permission denied" in err
    assert snapshot(built) == before
    assert not leftovers(built)


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    done = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt && umount /mnt"],
                          capture_output=True)
    return done.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a tmpfs mount in a private namespace")
def test_a_really_full_disk(project, built, tmp_path):
    """The same on a small tmpfs filled to the brim, mounted in a private namespace (no root needed outside)."""
    before = snapshot(built)
    mount, result = tmp_path / "disk", tmp_path / "after"
    mount.mkdir()
    result.mkdir()
    script = f"""
mount -t tmpfs -o size=8m tmpfs {mount}
cp -a {built}/. {mount}/
dd if=/dev/zero of={mount}/filler bs=4k 2>/dev/null
{sys.executable} {ROOT}/generate.py --project {project} build 2026 --only letter --output {mount} >{tmp_path}/stdout 2>{tmp_path}/stderr
echo $? >{tmp_path}/rc
rm {mount}/filler
cp -a {mount}/. {result}/
"""
    subprocess.run(["unshare", "-rm", "sh", "-c", script], check=True, timeout=300)
    err = (tmp_path / "stderr").read_text()
    assert (tmp_path / "rc").read_text().strip() == "1", err
    assert "Traceback" not in err and "nothing was written" in err and "No space left on device" in err
    assert snapshot(result) == before
    assert not leftovers(result)


# --- kill -9 ---------------------------------------------------------------------------------------------------



def killed_at_rename(n: int, project: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", KILL_AT_RENAME, str(ROOT), str(n), "--project", str(project),
                           *map(str, args)], capture_output=True, text=True, timeout=300)


def killed_after(seconds: float, project: Path, *args) -> int:
    """Start the command line and kill -9 it after ``seconds`` (unless it ended before); its exit status."""
    process = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), "--project", str(project),
                                *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
    return process.wait()


def complete_files(folder: Path) -> None:
    """No document in ``folder`` is half written: each DOCX is a whole ZIP, each PDF reads to its last page."""
    for path in folder.rglob("*"):
        if path.suffix == ".docx":
            with zipfile.ZipFile(path) as archive:
                assert archive.testzip() is None, path
        elif path.suffix == ".pdf":
            assert len(PdfReader(path).pages) >= 1, path


@pytest.fixture
def reference(project, built, tmp_path):
    """The new set as a run never interrupted makes it (from the same old set), and how long that run takes."""
    ref = tmp_path / "reference"
    shutil.copytree(built, ref)
    start = time.monotonic()
    done = cli(project, "build", "2026", "--only", "letter", "--output", ref)
    assert done.returncode == 0, done.stderr
    return ref, time.monotonic() - start


def test_a_build_killed_at_random_points_is_completed_by_the_next_run(project, built, reference, tmp_path):
    ref, duration = reference
    old, new = snapshot(built), snapshot(ref)
    rng = random.Random(9)
    for attempt in range(4):
        work = tmp_path / f"killed-{attempt}"
        shutil.copytree(built, work)
        killed_after(rng.uniform(0.3, duration), project, "build", "2026", "--only", "letter", "--output", work)
        complete_files(work)
        for name, data in snapshot(work).items():  # each file is of the old set or of the new one
            if ".eventdocs-transaction" not in name:
                assert data in (old.get(name), new.get(name)), name
        again = cli(project, "build", "2026", "--only", "letter", "--output", work)
        assert again.returncode == 0, again.stderr
        assert snapshot(work) == new, attempt
        assert not leftovers(work)


@pytest.mark.parametrize("rename", [1, 3])
def test_a_build_killed_in_the_middle_of_its_renames_is_completed_by_the_next_run(project, built, reference,
                                                                                  rename, tmp_path):
    ref, _ = reference
    done = killed_at_rename(rename, project, "build", "2026", "--only", "letter", "--output", built)
    assert done.returncode == -signal.SIGKILL
    assert (built / ".eventdocs-transaction" / "journal.json").exists()  # the change was decided
    complete_files(built)
    again = cli(project, "build", "2026", "--only", "letter", "--output", built)
    assert again.returncode == 0, again.stderr
    assert "recovered an interrupted run was completed" in again.stdout
    assert snapshot(built) == snapshot(ref)
    assert not leftovers(built)


def _report_without_status(folder: Path) -> list[list[str]]:
    """The report without its status column ("written" by one run is "unchanged" for the run after a kill)."""
    text = (folder / "merge-report.csv").read_text(encoding="utf-8-sig")
    return [line[:4] + line[5:] for line in csv.reader(io.StringIO(text), delimiter=";")]


def _letters(folder: Path) -> dict:
    """Every file of a letters folder, but the report (and its checksum in the list), compared with _report_without_status."""
    files = snapshot(folder)
    files.pop("merge-report.csv")
    listed = json.loads(files.pop(".merge-files.json"))
    listed["files"].pop("merge-report.csv")
    return {**files, ".merge-files.json": listed}


@pytest.fixture
def merge_reference(project, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", ROWS)
    ref = tmp_path / "merged"
    start = time.monotonic()
    done = cli(project, "merge", "2026", spreadsheet, "--output", ref)
    assert done.returncode == 0, done.stderr
    return spreadsheet, ref / "2026" / "letters", time.monotonic() - start


def test_a_merge_killed_at_random_points_is_completed_by_the_next_run(project, merge_reference, tmp_path):
    spreadsheet, ref, duration = merge_reference
    rng = random.Random(17)
    for attempt in range(3):
        out = tmp_path / f"killed-{attempt}"
        killed_after(rng.uniform(0.5, duration), project, "merge", "2026", spreadsheet, "--output", out)
        if out.exists():
            complete_files(out)
        again = cli(project, "merge", "2026", spreadsheet, "--output", out)
        assert again.returncode == 0, again.stderr
        folder = out / "2026" / "letters"
        assert _letters(folder) == _letters(ref), attempt
        assert _report_without_status(folder) == _report_without_status(ref)
        assert not leftovers(out)


def test_a_merge_killed_while_putting_its_print_files_in_place_is_completed(project, merge_reference, tmp_path):
    spreadsheet, ref, _ = merge_reference
    out = tmp_path / "out"
    done = killed_at_rename(2, project, "merge", "2026", spreadsheet, "--output", out)
    assert done.returncode == -signal.SIGKILL
    complete_files(out)
    again = cli(project, "merge", "2026", spreadsheet, "--output", out)
    assert again.returncode == 0, again.stderr
    assert "recovered an interrupted run was completed" in again.stdout
    assert _letters(out / "2026" / "letters") == _letters(ref)


def test_the_leftovers_of_a_killed_run_are_cleaned_by_the_next(run, project, built):
    (built / "2026" / ".letter-fr.pdf.k3j4.part").write_bytes(b"%PDF half")
    (built / ".eventdocs-transaction").mkdir()
    (built / ".eventdocs-transaction" / "new-1").write_bytes(b"staged, never decided")
    code, out, err = build(run, project, built)
    assert code == 0, err
    assert "recovered an interrupted run had changed nothing; its unfinished files were deleted" in out
    assert not leftovers(built)


def test_a_run_killed_while_putting_the_old_files_back_has_them_all_put_back(run, project, built):
    """The double fault: a failure while renaming, then a kill while undoing it. The next run goes on undoing."""
    shutil.copy(ROOT / "tests/fixtures/reference/editions/2026.yaml", project / "editions/2026.yaml")  # the data of the build, again
    before = snapshot(built)
    staging = built / ".eventdocs-transaction"
    staging.mkdir()
    os.link(built / "2026/letter-fr.pdf", staging / "old-1")
    (built / "2026/letter-fr.pdf").unlink()
    (built / "2026/letter-fr.pdf").write_bytes(b"%PDF the new file, put in place before the failure")
    (staging / "journal.json").write_text(json.dumps([{"target": "2026/letter-fr.pdf", "new": "new-1", "old": "old-1"},
                                                      {"target": "2026/new.pdf", "new": "new-2", "old": None}]))
    (staging / "new-2").write_bytes(b"%PDF never put in place")
    (staging / "rolling-back").touch()
    code, out, err = build(run, project, built)
    assert code == 0, err
    assert "recovered an interrupted run had failed: its 2 change(s) were undone" in out
    assert snapshot(built) == before and not leftovers(built)


# --- two runs at once ----------------------------------------------------------------------------------------------


class _Held:
    """The output folder locked by the test itself, so that the runs started meanwhile must wait."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def release(self):
        os.close(self.fd)


def _start(project: Path, *args) -> tuple[subprocess.Popen, threading.Event, list[str]]:
    """Start the command line; the event is set once it says it is waiting."""
    process = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), "--project", str(project), *map(str, args)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waiting, lines = threading.Event(), []

    def read():
        for line in process.stderr:
            lines.append(line)
            if line.startswith("Waiting: another run is writing to"):
                waiting.set()

    threading.Thread(target=read, daemon=True).start()
    return process, waiting, lines


def test_two_builds_of_different_languages_into_one_folder_keep_both(project, tmp_path):
    out = tmp_path / "out"
    held = _Held(out)
    runs = [_start(project, "build", "2026", "--only", "letter", "--lang", lang, "--output", out) for lang in ("fr", "en")]
    for _, waiting, lines in runs:
        assert waiting.wait(120), "".join(lines)
    held.release()
    for process, _, lines in runs:
        assert process.wait(300) == 0, "".join(lines)
    names = {f["path"] for f in manifest(out / "2026")["files"]}
    assert names == {"letter-fr.docx", "letter-fr.pdf", "letter-en.docx", "letter-en.pdf"}
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "2026/letter-fr.pdf" in index and "2026/letter-en.pdf" in index


def test_two_merges_into_one_folder_take_turns(project, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", ROWS)
    out = tmp_path / "out"
    held = _Held(out)
    runs = [_start(project, "merge", "2026", spreadsheet, "--output", out) for _ in range(2)]
    for _, waiting, lines in runs:
        assert waiting.wait(120), "".join(lines)
    held.release()
    for process, _, lines in runs:
        assert process.wait(300) == 0, "".join(lines)
        assert "Traceback" not in "".join(lines)
    folder = out / "2026" / "letters"
    assert len([p for p in folder.glob("0*.pdf")]) == 4 and not leftovers(out)
    complete_files(folder)


def test_a_killed_run_leaves_no_stale_lock(project, tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c", f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from eventdocs.write import OutputFolder
with OutputFolder(Path({str(out)!r})):
    print("locked", flush=True)
    time.sleep(600)
"""], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    done = cli(project, "build", "2026", "--only", "letter", "--lang", "fr", "--output", out, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Waiting" not in done.stderr


# --- hand edits ---------------------------------------------------------------------------------------------------


def _edit_in_word(path: Path, sentence: str) -> bytes:
    """What Word does to a document the officer adjusts and saves: a new paragraph, the whole file rewritten."""
    import docx

    document = docx.Document(str(path))
    document.add_paragraph(sentence)
    document.save(str(path))
    return path.read_bytes()


def test_a_document_edited_by_hand_is_kept_and_the_rest_built(run, project, built):
    docx_file = built / "2026" / "letter-fr.docx"
    edited = _edit_in_word(docx_file, "Post-scriptum ajouté à la main.")
    code, out, err = build(run, project, built)
    assert code == 0, err
    assert "kept      " in out and "2026/letter-fr.docx: changed by hand since the last build, so not replaced" in out
    assert "; 1 kept as edited by hand)." in out
    assert docx_file.read_bytes() == edited
    assert "Dans l’espoir de vous retrouver" in "".join(p.extract_text() for p in PdfReader(built / "2026/letter-fr.pdf").pages)
    # the next build still knows the edit (the manifest keeps what the build wrote)
    code, out, _ = build(run, project, built)
    assert code == 0 and "2026/letter-fr.docx: changed by hand" in out and docx_file.read_bytes() == edited
    # --force replaces it, keeping the edit as a numbered copy (never dated: the archive stays reproducible)
    code, out, err = build(run, project, built, "--force")
    assert code == 0, err
    assert "your version is kept as letter-fr.edited-1.docx" in out
    assert (built / "2026" / "letter-fr.edited-1.docx").read_bytes() == edited
    assert "Dans l’espoir de vous retrouver" in docx_text(docx_file)
    assert "letter-fr.edited-1.docx" in {k["path"] for k in manifest(built / "2026")["kept"]}
    # the same edit again is not copied twice
    docx_file.write_bytes(edited)
    code, out, _ = build(run, project, built, "--force")
    assert code == 0 and "kept as letter-fr.edited-1.docx" in out
    assert not (built / "2026" / "letter-fr.edited-2.docx").exists()


def test_a_merged_letter_saved_again_in_word_is_kept(run, project, tmp_path):
    rows = [list(r) for r in ROWS]
    spreadsheet = write_csv(tmp_path / "invites.csv", rows)
    out = tmp_path / "out"
    code, _, err = run("merge", "2026", spreadsheet, "--output", out, project=project)
    assert code == 0, err
    folder = out / "2026" / "letters"
    edited = _edit_in_word(folder / "0002-hidalgo-anne.docx", "Avec mes amitiés.")
    rows[0][4] = "5 rue de Lobau"  # her address changes: the letter must be made again
    write_csv(spreadsheet, rows)
    code, printed, err = run("merge", "2026", spreadsheet, "--output", out, project=project)
    assert code == 0, err
    assert "kept      0002-hidalgo-anne.docx: changed by hand since the merge wrote it, so not replaced" in printed
    assert (folder / "0002-hidalgo-anne.docx").read_bytes() == edited
    assert "5 rue de Lobau" in PdfReader(folder / "0002-hidalgo-anne.pdf").pages[0].extract_text()
    report = (folder / "merge-report.csv").read_text(encoding="utf-8-sig")
    assert "0002-hidalgo-anne.docx: changed by hand, not replaced" in report
    code, printed, err = run("merge", "2026", spreadsheet, "--output", out, "--force", project=project)
    assert code == 0, err
    assert "replaced  0002-hidalgo-anne.docx: it had been changed by hand; your version is kept as " \
           "0002-hidalgo-anne.edited-1.docx" in printed
    assert (folder / "0002-hidalgo-anne.edited-1.docx").read_bytes() == edited
    assert "5 rue de Lobau" in docx_text(folder / "0002-hidalgo-anne.docx")


def test_an_edited_letter_whose_row_left_the_spreadsheet_is_not_deleted(run, project, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", ROWS)
    out = tmp_path / "out"
    assert run("merge", "2026", spreadsheet, "--output", out, project=project)[0] == 0
    folder = out / "2026" / "letters"
    edited = _edit_in_word(folder / "0005-o-neill-sean.docx", "Best wishes.")
    write_csv(spreadsheet, ROWS[:3])
    code, printed, err = run("merge", "2026", spreadsheet, "--output", out, project=project)
    assert code == 0, err
    assert "removed   0005-o-neill-sean.pdf" in printed
    assert "kept      0005-o-neill-sean.docx: its row is no longer in the spreadsheet, but the file was changed " \
           "by hand" in printed
    assert (folder / "0005-o-neill-sean.docx").read_bytes() == edited and not (folder / "0005-o-neill-sean.pdf").exists()


def test_a_report_saved_from_excel_is_kept_as_a_copy(run, project, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", ROWS)
    out = tmp_path / "out"
    assert run("merge", "2026", spreadsheet, "--output", out, project=project)[0] == 0
    report = out / "2026" / "letters" / "merge-report.csv"
    report.write_bytes(report.read_bytes() + "notes de Claire;;;;;;\r\n".encode())
    edited = report.read_bytes()
    code, printed, err = run("merge", "2026", spreadsheet, "--output", out, project=project)
    assert code == 0, err
    assert "your version is kept as merge-report.edited-1.csv" in printed
    assert (report.parent / "merge-report.edited-1.csv").read_bytes() == edited


# --- the report opened in Excel ------------------------------------------------------------------------------------


def test_no_report_cell_starts_a_formula_yet_the_letter_prints_the_name(run, project, tmp_path):
    rows = [["Madame", "@Marie", "-Dupont", "", "+33 rue de la Paix", "75002", "Paris", "", "", "+Chère amie"]]
    spreadsheet = write_csv(tmp_path / "invites.csv", rows + [list(ROWS[0])])
    out = tmp_path / "out"
    code, printed, err = run("merge", "2026", spreadsheet, "--output", out, project=project)
    assert code == 0, err
    assert "2 letter(s)" in printed and "rejected" not in printed  # a + or - is not a bad row
    folder = out / "2026" / "letters"
    lines = list(csv.reader(io.StringIO((folder / "merge-report.csv").read_text(encoding="utf-8-sig")), delimiter=";"))
    for line in lines:
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), line
    assert lines[1][1] == "'@Marie -Dupont" and lines[1][3] == "'+Chère amie"
    letter = docx_text(next(folder.glob("0002-*.docx")))
    assert "@Marie -Dupont" in letter and "+Chère amie" in letter
