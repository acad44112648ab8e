"""The README's three promises about failed runs, each proved by a test of its name.

- "When anything is wrong, it lists every problem at once and writes nothing."
- "A failed run never replaces a good document with a bad one."
- "An interrupted run never leaves a half-written file."

(test_hostile_writes.py tries the same promises with more faults: full disks, kill -9 at random points.)
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import zipfile

from pypdf import PdfReader

from eventdocs import write
from conftest import FIXTURES
from hostile import KILL_AT_RENAME, ROOT, cli, edit_text, leftovers, line_of, snapshot

CLOSING = "En espérant vous retrouver"


def test_promise_lists_every_problem_at_once_and_writes_nothing(run, project, tmp_path):
    out = tmp_path / "out"
    assert run("build", "2026", "--only", "letter", "--output", out, project=project)[0] == 0
    before = snapshot(out)
    edition, association = project / "editions/2026.yaml", project / "editions/association.yaml"
    edit_text(edition, "registration_opens: 2026-04-15", "registration_opens: 2026-02-30")
    edit_text(edition, "  postcode: \"75116\"", "  postcode: \"75116\"\n  adress: 9bis")
    edit_text(edition, "city: Paris\n\nvenue:", "city: \"Pa\\vris\"\n\nvenue:")
    edit_text(association, "  founded: 1975", "  founded: !!int mille")
    code, _, err = run("build", "2026", "--output", out, project=project)
    assert code == 1 and "Traceback" not in err
    assert "Error: 4 problem(s), nothing was written." in err
    city = line_of(edition, 'city: "Pa')
    for expected in (f"editions/2026.yaml:{line_of(edition, 'registration_opens')}: registration_opens: '2026-02-30'",
                     f"editions/2026.yaml:{line_of(edition, 'adress:')}: venue.adress: unknown key 'adress'",
                     f"editions/2026.yaml:{city}: city: holds the control character U+000B",
                     f"editions/association.yaml:{line_of(association, 'founded:')}: association.founded: 'mille' "
                     "is not a whole number"):
        assert expected in err, expected
    assert snapshot(out) == before

    # the same once the data is right, with problems in two templates: both listed, still nothing written
    shutil.copy(FIXTURES / "reference/editions/2026.yaml", edition)
    shutil.copy(FIXTURES / "reference/editions/association.yaml", association)
    css = project / "templates/css/letter.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.place-date { colr: red; }\n", encoding="utf-8")
    edit_text(edition, "  fr: Les collectivités territoriales dans le nouvel ordre mondial", "  fr: " + "x" * 3000)
    code, _, err = run("build", "2026", "--only", "letter", "--only", "dossier", "--output", out, project=project)
    assert code == 1 and "Traceback" not in err and "nothing was written" in err
    assert "templates/css/letter.css:" in err and "theme.fr: does not fit its place in dossier-fr.pdf" in err
    assert snapshot(out) == before


def test_promise_never_replaces_a_good_document_with_a_bad_one(run, project, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run("build", "2026", "--only", "letter", "--only", "dossier", "--output", out, project=project)[0] == 0
    good = snapshot(out)
    # the letter changes and renders fine, the dossier cannot: neither replaces its good version
    edit_text(project / "editions/2026.yaml", CLOSING, "Dans l'espoir de vous retrouver")
    edit_text(project / "templates/dossier.html", "{{ venue_address }}", "{{ edition.themme }}")
    code, _, err = run("build", "2026", "--only", "letter", "--only", "dossier", "--output", out, project=project)
    assert code == 1 and "templates/dossier.html" in err and "themme" in err
    assert snapshot(out) == good
    # a failure while the new files go in place puts the good ones back
    shutil.copy(ROOT / "templates/dossier.html", project / "templates/dossier.html")
    real, calls = write._replace, []

    def fails_third(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(target))
        real(source, target)

    monkeypatch.setattr(write, "_replace", fails_third)
    code, _, err = run("build", "2026", "--only", "letter", "--only", "dossier", "--output", out, project=project)
    assert code == 1 and "nothing was changed (the files already replaced were put back)" in err
    assert len(calls) >= 3 and snapshot(out) == good and not leftovers(out)




def test_promise_an_interrupted_run_never_leaves_a_half_written_file(project, tmp_path):
    old = tmp_path / "old"
    assert cli(project, "build", "2026", "--only", "letter", "--output", old).returncode == 0
    edit_text(project / "editions/2026.yaml", CLOSING, "Dans l'espoir de vous retrouver")
    reference = tmp_path / "reference"
    shutil.copytree(old, reference)
    assert cli(project, "build", "2026", "--only", "letter", "--output", reference).returncode == 0
    before, after = snapshot(old), snapshot(reference)
    renames = 1
    while True:  # killed before each of the renames in turn
        work = tmp_path / f"killed-{renames}"
        shutil.copytree(old, work)
        done = subprocess.run([sys.executable, "-c", KILL_AT_RENAME, str(ROOT), str(renames), "--project",
                               str(project), "build", "2026", "--only", "letter", "--output", str(work)],
                              capture_output=True, text=True, timeout=300)
        if done.returncode == 0:
            break  # fewer renames than that: every point was tried
        assert done.returncode == -signal.SIGKILL, done.stderr
        for name, data in snapshot(work).items():
            if name.endswith(".docx"):
                assert zipfile.ZipFile(work / name).testzip() is None
            if name.endswith(".pdf"):
                assert PdfReader(work / name).pages
            if ".eventdocs-transaction" not in name:
                assert data in (before.get(name), after.get(name)), (renames, name)
        again = cli(project, "build", "2026", "--only", "letter", "--output", work)
        assert again.returncode == 0, again.stderr
        assert snapshot(work) == after and not leftovers(work)
        renames += 1
    assert renames > 3
