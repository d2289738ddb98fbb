"""Option bundles and output helpers shared by every command family."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        from foresight.records import date_text

        return date_text(value)  # 2022-06 for a date known only to its month
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


@contextmanager
def working(message: str) -> Iterator[None]:
    """Show a spinner on stderr while slow work runs (only on a terminal; never on stdout)."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    console = Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")))
    with console.status(message, spinner="dots"):
        yield


def note(message: str) -> None:
    """A message for the human, on stderr (wrapped to the width of a terminal)."""
    if sys.stderr.isatty():
        message = wrap(message, _width(sys.stderr) or 80)
    click.echo(message, err=True)


def wrap(message: str, width: int) -> str:
    """Wrap each line of a message between words; never break an id or a path."""
    import textwrap

    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) or line
        for line in message.splitlines()
    )


def _width(stream: Any) -> int | None:
    """The width to lay text out in: COLUMNS if set, else the terminal's, else None."""
    given = os.environ.get("COLUMNS", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    if stream.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


RICH_ROWS = 500  # beyond this, rich's layout costs seconds: print plain aligned columns


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    justify: Sequence[str] | None = None,
) -> None:
    """Print a table on stdout (plain when piped or NO_COLOR is set)."""
    cells = [["" if cell is None else str(cell) for cell in row] for row in rows]
    if len(cells) > RICH_ROWS:
        _plain_table(title, columns, cells, justify)
        return
    from rich.console import Console
    from rich.table import Table

    width = _width(sys.stdout) or 160
    widths = _column_widths(columns, cells, width)
    if widths is None:
        _stacked_table(title, columns, cells, width)
        return
    boxed, sizes = widths
    console = Console(
        file=sys.stdout,
        no_color=bool(os.environ.get("NO_COLOR")),
        width=width,
        highlight=False,
    )
    if boxed:
        table = Table(title=title, title_justify="left", show_lines=False)
    else:
        from rich import box

        table = Table(
            title=title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            padding=(0, 1, 0, 0),
        )
    for i, column in enumerate(columns):
        align = justify[i] if justify else "left"
        table.add_column(column, justify=align, overflow="fold", width=sizes[i])  # type: ignore[arg-type]
    for row in cells:
        table.add_row(*row)
    console.print(table)


def _column_widths(
    columns: Sequence[str], cells: list[list[str]], width: int
) -> tuple[bool, list[int]] | None:
    """Each column's width so that the table fits: (boxed, widths), or None if it cannot.

    No column is narrower than its longest word, so an id is never broken; the columns
    with the longest text give way first. A boxed table spends three characters a column
    on rules and padding, a table without the box two (padding and a blank rule).
    """
    n = len(columns)
    texts = [[columns[i], *(row[i] for row in cells)] for i in range(n)]
    natural = [max(len(line) for text in t for line in text.splitlines() or [""]) for t in texts]
    least = [max((len(word) for text in t for word in text.split()), default=0) for t in texts]
    for boxed, overhead in ((True, 3 * n + 1), (False, 2 * (n - 1))):
        budget = width - overhead
        if sum(least) > budget:
            continue
        sizes = list(natural)
        while sum(sizes) > budget:
            widest = max((i for i in range(n) if sizes[i] > least[i]), key=lambda i: sizes[i])
            sizes[widest] -= 1
        return boxed, sizes
    return None


def _stacked_table(
    title: str | None, columns: Sequence[str], cells: list[list[str]], width: int
) -> None:
    """A table too wide for the terminal, one block per row: never a word broken."""
    import textwrap

    out = [title, ""] if title else []
    for row in cells:
        out.append(row[0])
        for name, value in zip(columns[1:], row[1:], strict=True):
            if value:
                out.append(
                    textwrap.fill(
                        f"{name}: {value}",
                        width,
                        initial_indent="  ",
                        subsequent_indent="    ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                )
        out.append("")
    click.echo("\n".join(out).rstrip("\n"))


def _plain_table(
    title: str | None,
    columns: Sequence[str],
    cells: list[list[str]],
    justify: Sequence[str] | None,
) -> None:
    widths = [max(len(columns[i]), *(len(row[i]) for row in cells)) for i in range(len(columns))]
    right = [bool(justify) and justify[i] == "right" for i in range(len(columns))]  # type: ignore[index]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out += [line(columns), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    click.echo("\n".join(out))


def percent(value: float, digits: int = 1) -> str:
    """0.4567 -> '45.7%'."""
    return f"{100 * value:.{digits}f}%"


def signed_points(value: float) -> str:
    """A change in percentage points with its sign and direction arrow."""
    arrow = "▲" if value > 0.0005 else "▼" if value < -0.0005 else "="
    if arrow == "=":
        return "= 0.0 pp"  # never "-0.0"
    return f"{arrow} {100 * value:+.1f} pp"
