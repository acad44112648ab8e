"""Time the schema validation of Word files (openxml-audit) and print the figures (no assertion).

    .venv/bin/python bench/wordcheck_bench.py

What `check` pays for the templates and the tests for every DOCX: loading the
validator once, then each file (the first one also loads the schemas it needs;
best of 3 for the others).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    start = time.perf_counter()
    from openxml_audit import FileFormat, OpenXmlValidator

    validator = OpenXmlValidator(file_format=FileFormat.OFFICE_2016)
    print(f"import and set up the validator: {time.perf_counter() - start:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "generate.py"), "build", "--all", "--output", tmp],
                       check=True, capture_output=True)
        files = sorted((ROOT / "templates").glob("*.docx")) + sorted(Path(tmp).rglob("*.docx"))
        first = True
        for path in files:
            times = []
            for _ in range(1 if first else 3):
                start = time.perf_counter()
                validator.validate(path)
                times.append(time.perf_counter() - start)
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.relative_to(tmp)
            print(f"{str(shown):32} {min(times):.2f} s{' (first file: schemas loaded)' if first else ''}")
            first = False


if __name__ == "__main__":
    main()
