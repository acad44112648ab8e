"""The command line as the officer uses it."""

import subprocess
import sys
from pathlib import Path

from conftest import tree_snapshot

ROOT = Path(__file__).resolve().parent.parent


def test_help_explains_the_commands():
    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for word in ("build", "check", "editions/2026.yaml", "templates/"):
        assert word in result.stdout


def test_build_help_lists_options_and_documents(run):
    code, out, _ = run("build", "--help")
    assert code == 0
    for word in ("--all", "--only", "--lang", "--output", "letter", "invitation", "dossier", "communique",
                 "python generate.py build 2026"):
        assert word in out


def test_check_writes_nothing(run, project):
    before = tree_snapshot(project)
    code, out, err = run("check", "2026", project=project)
    assert code == 0, err
    assert "OK: 2026" in out and "nothing written" in out
    assert tree_snapshot(project) == before


def test_build_writes_and_lists_files(run, project, tmp_path):
    out_dir = tmp_path / "out"
    code, out, err = run("build", "2026", "--only", "letter", "--output", out_dir, project=project)
    assert code == 0, err
    names = sorted(p.name for p in (out_dir / "2026").iterdir() if p.suffix in (".pdf", ".docx"))
    assert names == ["letter-en.docx", "letter-en.pdf", "letter-fr.docx", "letter-fr.pdf"]
    for name in names:
        assert f"2026/{name}" in out
    assert not list(out_dir.rglob("*.part"))


def test_lang_narrows_the_build(run, project, tmp_path):
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "en", "--output", tmp_path, project=project)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "2026").iterdir() if p.is_file()) == ["letter-en.docx", "letter-en.pdf", "manifest.json"]


def test_default_output_folder_is_output(run, project):
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "fr", project=project)
    assert code == 0, err
    assert (project / "output/2026/letter-fr.pdf").exists()


def test_second_build_rewrites_nothing(run, project, tmp_path):
    run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    first = tree_snapshot(tmp_path)
    code, out, _ = run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    assert code == 0
    assert "unchanged" in out and "(0 new or changed)" in out
    assert tree_snapshot(tmp_path) == first


def test_build_all_builds_every_edition_and_says_what_it_skipped(run, project, tmp_path):
    code, out, err = run("build", "--all", "--output", tmp_path, project=project)
    assert code == 0, err
    assert (tmp_path / "2026" / "letter-fr.pdf").exists()
    assert "skipped   2025 letter:" in out


def test_build_needs_a_year(run, project):
    code, _, err = run("build", project=project)
    assert code == 1 and "say which edition to build" in err
