"""Fixtures: a copy of the project per test that changes data, one shared build per session."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eventdocs.cli import main  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of editions/, templates/ and fonts/ that a test may break."""
    root = tmp_path / "project"
    for name in ("editions", "templates", "fonts"):
        shutil.copytree(ROOT / name, root / name)
    return root


@pytest.fixture
def run(capsys):
    """Run the command line in-process: returns (exit code, stdout, stderr)."""

    def _run(*args, project: Path | None = None):
        argv = [str(a) for a in args]
        if project is not None:
            argv = ["--project", str(project)] + argv
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """Every edition built once into a temporary output folder (shared by the tests)."""
    out = tmp_path_factory.mktemp("output")
    code = main(["build", "--all", "--output", str(out)])
    assert code == 0
    return out


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, to prove nothing changed."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact snippet of a project file (it must be there exactly once)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
