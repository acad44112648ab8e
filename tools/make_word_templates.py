"""Create the first version of the Word templates in templates/.

    python tools/make_word_templates.py            # every template
    python tools/make_word_templates.py letter     # one of them

Each template is made by build() in tools/word_<id>.py. Once the officer has
edited a template in Word, that .docx is the source: this script refuses to
overwrite it without --force.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
TEMPLATES = TOOLS.parent / "templates"
sys.path.insert(0, str(TOOLS))


def builders() -> dict:
    return {p.stem.removeprefix("word_"): p.stem for p in sorted(TOOLS.glob("word_*.py"))}


def main(argv):
    force = "--force" in argv
    available = builders()
    names = [a for a in argv if not a.startswith("--")] or list(available)
    for name in names:
        if name not in available:
            sys.exit(f"no tools/word_{name}.py; templates: {', '.join(available)}")
        target = TEMPLATES / f"{name}.docx"
        if target.exists() and not force:
            print(f"{target} exists; use --force to recreate it (this discards edits made in Word)")
            continue
        importlib.import_module(available[name]).build().save(target)
        print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
