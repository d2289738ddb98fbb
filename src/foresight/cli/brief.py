"""The brief command: render the monthly brief as Markdown, HTML and PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from foresight.cli.common import MONTH, note, open_workspace, working

AUDIENCES = ("clear", "green", "amber", "amber+strict", "red")
FORMAT_NAMES = ("md", "html", "pdf")  # pdf needs the pdf extra (WeasyPrint)


def _formats(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    wrong = [f for f in chosen if f not in FORMAT_NAMES]
    if wrong or not chosen:
        raise click.BadParameter(
            f"'{value}' is not a list of formats; choose from {', '.join(FORMAT_NAMES)} "
            "separated by commas, e.g. md,html",
            ctx,
            param,
        )
    return chosen


def _folder(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("is empty; name a folder, or leave --out out", ctx, param)
    return Path(value)


@click.command()
@click.option(
    "--month",
    type=MONTH,
    default=None,
    help="The month to brief (default: the last full calendar month).",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES, case_sensitive=False),
    default=None,
    help="Who may read it: observations marked above it are left out "
    "(default: default_audience in foresight.yaml).",
)
@click.option(
    "--format",
    "formats",
    default="md,html",
    show_default=True,
    callback=_formats,
    help="Formats to write, separated by commas: md, html, pdf (pdf needs the pdf extra).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    callback=lambda ctx, param, value: _folder(ctx, param, value),
    help="Folder to write to (default: the workspace's reports/).",
)
@click.pass_context
def brief(
    ctx: click.Context,
    month: dt.date | None,
    audience: str | None,
    formats: tuple[str, ...],
    out: Path | None,
) -> None:
    """Write the monthly brief (Markdown, HTML or PDF) and refresh the reports index.

    The brief states the situation at the month's last day, so a brief for a past
    month comes out the same whenever it is rendered. It prints the written paths.

    \b
    Example:
      foresight brief --month 2026-01
      foresight brief --month 2026-01 --audience green --format html --out shared/
      foresight brief --month 2026-01 --format pdf
    """
    from foresight.report import previous_month, write_brief

    day = month or previous_month()
    if day.year < 2:
        raise click.BadParameter(f"{day:%Y-%m} is too early for a brief", ctx, param_hint="--month")
    today = dt.date.today()
    if day > today:
        raise click.BadParameter(
            f"{day:%Y-%m} has not begun (today is {today}); brief a past month or the current one",
            ctx,
            param_hint="--month",
        )
    workspace = open_workspace(ctx)
    with working(f"Writing the brief for {day:%B %Y}…"):
        written = write_brief(workspace, day, audience=audience, formats=formats, out=out)
    for path in written.paths:
        click.echo(path)
    result = written.brief
    withheld = result.provenance.withheld
    note(
        f"Brief for {result.month:%B %Y} marked {result.marking.label} "
        f"(audience {result.audience.label}); "
        + (f"{withheld} observation(s) marked above it withheld." if withheld else "none withheld.")
    )
    if result.end >= today:
        note(
            f"{result.month:%B %Y} has not ended yet: the brief is marked as partial and will "
            "change as evidence comes in."
        )
