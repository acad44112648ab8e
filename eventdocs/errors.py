"""The one family of errors a user can cause.

Every exception raised because of the user's data, templates or command line
is a ``PipelineError``. The command line (``cli.py``) is the only place that
prints them; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located as precisely as we can: file, line, field."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class PipelineError(Exception):
    """Base of every error caused by user input; carries one or more problems.

    ``outcome`` says what the failed run left on disk when it is not "nothing
    was written" (a merge stopped after writing some letters, for example).
    """

    def __init__(self, problems: list[Problem] | Problem | str, outcome: str | None = None):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        self.outcome = outcome
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # raised in a mail merge worker, it crosses to the main process whole
        return (type(self), (self.problems, self.outcome))


class EditionError(PipelineError):
    """The edition or association YAML cannot be read or does not validate."""


class TemplateError(PipelineError):
    """A Word or HTML template is missing, malformed or uses unknown data."""


class RecipientsError(PipelineError):
    """The recipients spreadsheet of a mail merge cannot be used."""


class OutputError(PipelineError):
    """A file cannot be written where the user asked (permissions, full disk, collisions), or the output
    folder's records (manifest.json) are damaged."""


class UsageError(PipelineError):
    """The command line asks for something that does not exist."""


class MailError(PipelineError):
    """The mail server cannot be reached, refuses the login, or stopped answering during a send."""
