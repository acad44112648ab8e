"""Fixtures: a copy of the project per test that changes data, one shared build per session.

Tests never read the real editions/ (the officer rewrites them every year) but the
fixture editions of tests/fixtures/<name>/ (their editions/ and images/), assembled
with the project's real templates/ and fonts/ into a temporary project folder:

- reference: the 2025 and 2026 editions as the seeds give them (frozen copies);
- full: a two-day edition with images, lists, labels of its own and results;
- minimal: a one-day edition with no optional block;
- earlier: an earlier edition written in YAML alone (another name, venue, president…);
- unicode: long texts and non-Latin scripts.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eventdocs.cli import main  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden extracted texts (tests/fixtures/*/expected/) from the current output")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


def assemble(fixture: str, target: Path) -> Path:
    """A project folder: the fixture's editions (and images), the project's templates and fonts."""
    shutil.copytree(FIXTURES / fixture, target, ignore=shutil.ignore_patterns("expected"))
    for name in ("templates", "fonts"):
        shutil.copytree(ROOT / name, target / name)
    return target


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of the reference fixture (2025 and 2026 as the seeds give them) that a test may break."""
    return assemble("reference", tmp_path / "project")


@pytest.fixture
def make_project(tmp_path):
    """``make_project("minimal")``: a private copy of any fixture project."""
    return lambda fixture: assemble(fixture, tmp_path / fixture)


#: shared by the workers of one run (pytest -n, pytest-xdist) and removed at its end
RUN_FOLDER = "RAICT_TEST_RUN"


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the run itself, not one of its workers
        os.environ[RUN_FOLDER] = tempfile.mkdtemp(prefix="raict-tests-")


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput"):
        shutil.rmtree(os.environ.pop(RUN_FOLDER), ignore_errors=True)


@contextmanager
def _once(name: str):
    """A folder of the run's shared folder and whether it still has to be made: the first worker
    to ask makes it while the others wait, then they all read it."""
    folder = Path(os.environ[RUN_FOLDER]) / name
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / ".done"
        yield folder, not done.exists()
        done.touch()


_shared: dict[str, Path] = {}


def shared_project(fixture: str = "reference") -> Path:
    """A fixture project assembled once per test run, for tests that only read it."""
    if fixture not in _shared:
        with _once(f"project-{fixture}") as (folder, todo):
            if todo:
                shutil.rmtree(folder / "project", ignore_errors=True)
                assemble(fixture, folder / "project")
        _shared[fixture] = folder / "project"
    return _shared[fixture]


@pytest.fixture(scope="session")
def reference_project() -> Path:
    """The reference fixture, shared: for tests that only read it."""
    return shared_project("reference")


@pytest.fixture
def run(capsys):
    """Run the command line in-process, on a fixture project: returns (exit code, stdout, stderr)."""

    def _run(*args, project: Path | None = None):
        """``project``: the reference fixture (shared, read-only: write to --output) unless given."""
        argv = ["--project", str(project or shared_project())] + [str(a) for a in args]
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture(scope="session")
def built() -> Path:
    """Every edition of the reference fixture built once (shared by the tests, read-only)."""
    return built_fixture("reference")


def tree_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes, to prove nothing changed."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous_output(project):
    """An output folder holding an earlier, good build (which a failed build must not touch)."""
    out = project / "output"
    (out / "2026").mkdir(parents=True)
    (out / "2026" / "letter-fr.pdf").write_bytes(b"%PDF earlier build")
    return out


def failed_cleanly(code, err, out: Path, before: dict[str, bytes]) -> None:
    """A run that failed as promised: exit 1, no traceback, « nothing was written », ``out`` as it was."""
    assert code == 1, err
    assert "Traceback" not in err
    assert "nothing was written" in err
    assert tree_snapshot(out) == before


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact snippet of a project file (it must be there exactly once)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not found once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


_builds: dict[str, Path] = {}


def built_fixture(fixture: str) -> Path:
    """Every edition of a fixture project built once per test run (read-only); its output folder."""
    if fixture not in _builds:
        project = shared_project(fixture)
        with _once(f"build-{fixture}") as (folder, todo):
            if todo:
                shutil.rmtree(folder / "output", ignore_errors=True)
                code = main(["--project", str(project), "build", "--all", "--output", str(folder / "output")])
                assert code == 0, f"the {fixture} fixture does not build"
        _builds[fixture] = folder / "output"
    return _builds[fixture]


def check_golden(path: Path, text: str, update: bool) -> None:
    """Compare ``text`` with the golden file ``path``; ``pytest --update-golden`` rewrites it instead.

    Golden files hold extracted text (never PDF bytes): a change of wording or
    layout shows as a readable diff in review.
    """
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"no golden file {path.relative_to(ROOT)} yet: written now, review it and run again")
        return
    expected = path.read_text(encoding="utf-8")
    if expected != text:
        import difflib

        diff = "\n".join(difflib.unified_diff(expected.splitlines(), text.splitlines(), "golden", "now", lineterm="", n=1))
        pytest.fail(f"{path.relative_to(ROOT)} differs (run pytest --update-golden if the change is wanted):\n"
                    + diff[:4000])
