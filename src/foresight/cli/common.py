"""Option bundles and output helpers shared by every command family."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from foresight.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def open_workspace(ctx: click.Context) -> Workspace:
    """The workspace chosen by --workspace / FORESIGHT_WORKSPACE / the current folder."""
    from foresight.workspace import Workspace

    obj = ctx.find_root().obj or {}
    workspace = Workspace.open(obj.get("workspace"), obj.get("db"))
    ctx.call_on_close(workspace.close)
    return workspace


class DateParam(click.ParamType):
    """A calendar date written YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date; write it as YYYY-MM-DD", param, ctx)


class MonthParam(click.ParamType):
    """A calendar month written YYYY-MM."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            year, month = str(value).split("-")
            return dt.date(int(year), int(month), 1)
        except ValueError:
            self.fail(f"'{value}' is not a month; write it as YYYY-MM", param, ctx)


DATE = DateParam()
MONTH = MonthParam()


def json_option(func: F) -> F:
    """--json: print one JSON document on stdout and nothing else."""
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")(func)


def as_of_option(func: F) -> F:
    """--as-of DATE: use only observations dated on or before DATE."""
    return click.option(
        "--as-of",
        type=DATE,
        default=None,
        help="Use only observations dated on or before this date (default: today).",
    )(func)


def print_json(data: Any) -> None:
    """Print one JSON document on stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def note(message: str) -> None:
    """A message for the human, on stderr."""
    click.echo(message, err=True)


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    justify: Sequence[str] | None = None,
) -> None:
    """Print a table on stdout (plain when piped or NO_COLOR is set)."""
    from rich.console import Console
    from rich.table import Table

    console = Console(
        file=sys.stdout,
        no_color=bool(os.environ.get("NO_COLOR")),
        width=None if sys.stdout.isatty() else 160,
        highlight=False,
    )
    table = Table(title=title, title_justify="left", show_lines=False)
    for i, column in enumerate(columns):
        table.add_column(column, justify=(justify[i] if justify else "left"), overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)


def percent(value: float, digits: int = 1) -> str:
    """0.4567 -> '45.7%'."""
    return f"{100 * value:.{digits}f}%"


def signed_points(value: float) -> str:
    """A change in percentage points with its sign and direction arrow."""
    arrow = "▲" if value > 0.0005 else "▼" if value < -0.0005 else "="
    return f"{arrow} {100 * value:+.1f} pp"
