"""The README stays true: its placeholders table and its commands match the code and CI."""

import re
from pathlib import Path

from eventdocs.placeholders import PLACEHOLDERS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_placeholder_is_documented():
    documented = set(re.findall(r"^\| `\{(\w+)\}` \|", README, flags=re.M))
    # {results_…} stands for one placeholder per figure of results: (the README shows examples of them)
    assert {name for name in documented if not name.startswith("results_")} == set(PLACEHOLDERS) - {"results_…"}
    assert any(name.startswith("results_") for name in documented)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    test_command = next(line for line in README.splitlines() if "pytest" in line and line.startswith("sudo apt-get"))
    after_apt = test_command.split("&& ", 1)[1]
    assert after_apt.replace("-q ", "") in ci.replace("-q ", "")
