"""The exceptions foresight raises; the CLI turns each into a message and an exit code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is, which field, what and how to fix it."""

    file: str
    line: int | None
    field: str
    message: str
    hint: str = ""
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        kind = " warning:" if self.warning else ""
        return f"{where}:{kind}{field} {self.message}{hint}"


class ForesightError(Exception):
    """Base class: raised for any problem with data, definitions or the store (exit 1)."""

    exit_code = 1


class WorkspaceNotFoundError(ForesightError):
    """Raised when no foresight.yaml is found for the command to work in."""


class DefinitionError(ForesightError):
    """Raised when scenario, indicator or workspace definitions do not validate."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if not p.warning]
        super().__init__(
            f"{len(errors)} problem(s) in the definitions:\n" + "\n".join(str(p) for p in errors)
        )


class InputError(ForesightError):
    """Raised when an observation, a resolution or an import file holds bad values."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        text = message
        if self.problems:
            shown = self.problems[:20]
            text += "\n" + "\n".join(f"  {p}" for p in shown)
            if len(self.problems) > len(shown):
                text += f"\n  … and {len(self.problems) - len(shown)} more"
        super().__init__(text)


class UnknownIdError(ForesightError):
    """Raised when a scenario, indicator or observation id does not exist."""


class StoreError(ForesightError):
    """Raised when the observation store cannot be opened, read or written."""


class ReportError(ForesightError):
    """Raised when a brief cannot be rendered or written."""
