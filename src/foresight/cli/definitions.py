"""Commands about definitions: init, validate, scenarios, indicators."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from foresight.cli.common import json_option, note, open_workspace, percent, print_json, print_table

if TYPE_CHECKING:
    from foresight.errors import Problem
    from foresight.workspace import Workspace


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--name", help="Workspace name (default: the folder's name).")
def init(directory: str, name: str | None) -> None:
    """Create a new workspace with an example scenario and indicator.

    The workspace validates as it is, and its observations.csv (one example report,
    with every column of the import format) imports into it.

    \b
    Example:
      foresight init ~/watch/sahel --name "Sahel watch"
    """
    from foresight.workspace import init_workspace

    root = init_workspace(Path(directory), name)
    note(
        f"Created a workspace in {root} with an example scenario, indicator and import file. "
        f"Next, try it: cd {directory} && foresight validate && foresight import "
        "observations.csv && foresight status. Then edit scenarios/ and indicators/ "
        "(the README's 'Write your own pack' walks through it)."
    )


@click.command()
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.pass_context
def validate(ctx: click.Context, strict: bool) -> None:
    """Check every definition file and report all problems at once.

    Each problem is printed as file:line: field: message (hint). Exit 0 when clean.

    \b
    Example:
      foresight validate --strict
    """
    workspace = open_workspace(ctx)
    problems = workspace.problems()
    errors = [p for p in problems if not p.warning]
    if not errors:
        problems += _orphans(workspace)
    warnings = [p for p in problems if p.warning]
    for problem in errors + warnings:
        click.echo(str(problem), err=True)
    failed = bool(errors) or (strict and bool(warnings))
    if failed:
        note(f"{len(errors)} error(s), {len(warnings)} warning(s).")
        ctx.exit(1)
    definitions = workspace.definitions
    note(
        f"OK: {len(definitions.scenarios)} scenarios and {len(definitions.indicators)} "
        f"indicators in {workspace.root} ({len(warnings)} warning(s))."
    )


def _orphans(workspace: Workspace) -> list[Problem]:
    """A warning for the observations in the log that name indicators no longer defined."""
    from foresight.errors import Problem, StoreError

    try:
        unknown = workspace.unknown_indicators()
    except StoreError as exc:
        note(f"The log was not checked: {exc}")
        return []
    if not unknown:
        return []
    listed = ", ".join(f"{name} ({count})" for name, count in unknown.items())
    return [
        Problem(
            workspace.store.describe(),
            None,
            "",
            f"{sum(unknown.values())} observation(s) name indicators that are not defined: "
            f"{listed}; they count nowhere",
            "restore the indicator's file, or retract them with 'foresight retract ID' "
            "('foresight log --json' lists them)",
            warning=True,
        )
    ]


@click.command()
@json_option
@click.pass_context
def scenarios(ctx: click.Context, as_json: bool) -> None:
    """List the scenarios with their priors, horizons and groups.

    \b
    Example:
      foresight scenarios --json
    """
    definitions = open_workspace(ctx).definitions
    items = list(definitions.scenarios.values())
    if as_json:
        print_json([s.model_dump(mode="json") for s in items])
        return
    print_table(
        "Scenarios",
        ["id", "title", "prior", "horizon", "group", "indicators"],
        [
            (
                s.id,
                s.title,
                percent(s.prior, 0),
                s.horizon,
                s.group or "",
                len(definitions.indicators_for(s.id)),
            )
            for s in items
        ],
    )


@click.command()
@click.option("--scenario", "scenario_id", metavar="ID", help="Only indicators weighting it.")
@json_option
@click.pass_context
def indicators(ctx: click.Context, scenario_id: str | None, as_json: bool) -> None:
    """List the indicators and the scenarios each one moves.

    \b
    Example:
      foresight indicators --scenario example-scenario
    """
    from foresight.errors import UnknownIdError
    from foresight.suggest import did_you_mean

    definitions = open_workspace(ctx).definitions
    items = list(definitions.indicators.values())
    if scenario_id is not None:
        if scenario_id not in definitions.scenarios:
            raise UnknownIdError(
                f"no scenario '{scenario_id}'{did_you_mean(scenario_id, definitions.scenarios)}"
            )
        items = [i for i in items if scenario_id in i.weights]
    if as_json:
        print_json([i.model_dump(mode="json") for i in items])
        return
    rows = []
    for indicator in items:
        moves = ", ".join(
            f"{sid} {w.observed}" + (f"/{w.absent}" if w.absent is not None else "")
            for sid, w in indicator.weights.items()
            if scenario_id is None or sid == scenario_id
        )
        half_life = f"{indicator.half_life_days} d" if indicator.half_life_days else "lasting"
        rows.append((indicator.id, indicator.title, half_life, indicator.expected_by or "", moves))
    print_table(
        "Indicators", ["id", "title", "half-life", "expected by", "weights (observed/absent)"], rows
    )
