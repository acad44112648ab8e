"""The independent check of Word files: openxml-audit (Microsoft's Open XML SDK rules) against the Office 2016 schemas."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable

from openxml_audit import FileFormat, OpenXmlValidator, ValidationSeverity


@functools.cache
def _validator() -> OpenXmlValidator:
    return OpenXmlValidator(file_format=FileFormat.OFFICE_2016, max_errors=0)


def schema_errors(paths: Iterable[Path]) -> list[str]:
    """Every error the validator finds in these DOCX files, as ``file: part: message (at path)``; [] if all valid."""
    errors = []
    for path in paths:
        for error in _validator().validate(path).errors:
            if error.severity is ValidationSeverity.ERROR:
                errors.append(f"{Path(path).name}: {error.part_uri}: {error.description} (at {error.path})")
    return errors
