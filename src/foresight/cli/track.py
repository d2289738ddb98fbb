"""Commands about the track record: resolve, unresolve, resolutions, scorecard, backtest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from foresight.cli.common import (
    DATE,
    json_option,
    note,
    open_workspace,
    print_json,
    print_table,
    working,
)
from foresight.cli.log import FORMATS, _analyst, _analyst_option
from foresight.records import OUTCOMES

if TYPE_CHECKING:
    from foresight.records import Observation, Resolution
    from foresight.scoring import Scorecard
    from foresight.workspace import Workspace


def _window_options(func: Any) -> Any:
    """--from, --to and --step: which replayed dates are scored."""
    options = [
        click.option(
            "--from",
            "start",
            type=DATE,
            help="Score forecasts from this date (default: each scenario's prior_set_on).",
        ),
        click.option(
            "--to",
            "end",
            type=DATE,
            help="Score forecasts up to this date (default: each resolution date).",
        ),
        click.option(
            "--step",
            type=click.Choice(["week", "month"]),
            default="month",
            show_default=True,
            help="How often the forecast is replayed.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.command()
@click.argument("scenario_id", metavar="SCENARIO")
@click.option(
    "--outcome",
    type=click.Choice(OUTCOMES),
    required=True,
    help="happened, did-not-happen, or void (the question no longer makes sense; not scored).",
)
@click.option(
    "--on",
    "resolved_on",
    type=DATE,
    required=True,
    help="The day the outcome was settled, YYYY-MM-DD (not before the prior was set).",
)
@click.option("--source", required=True, metavar="TEXT", help="What settles it.")
@click.option("--note", "note_text", default="", metavar="TEXT", help="Free text.")
@_analyst_option
@json_option
@click.pass_context
def resolve(
    ctx: click.Context,
    scenario_id: str,
    outcome: str,
    resolved_on: dt.date,
    source: str,
    note_text: str,
    analyst: str | None,
    as_json: bool,
) -> None:
    """Record how a scenario turned out and print the resolution's id.

    Resolutions are append-only like observations: who, when and why are kept, and a
    mistaken one is retracted with 'foresight unresolve', never edited.

    \b
    Example:
      foresight resolve example-scenario --outcome did-not-happen --on 2027-12-31 \\
          --source "Border authority's year-end statement"
    """
    from foresight.scoring import check_resolution

    workspace = open_workspace(ctx)
    who = _analyst(analyst)
    scenario = check_resolution(workspace.definitions, scenario_id, resolved_on, dt.date.today())
    store = workspace.store
    new_id = store.resolve(scenario.id, outcome, resolved_on, source, who, note_text)
    note(f"Resolved {scenario.id} as {outcome} on {resolved_on} (resolution {new_id}).")
    if outcome == "happened" and resolved_on > scenario.horizon:
        note(
            f"Warning: {scenario.id}'s horizon is {scenario.horizon}; it is scored as having "
            "happened although that is after the horizon."
        )
    if as_json:
        print_json(_json_resolution(store.resolution(new_id)))
    else:
        click.echo(new_id)


@click.command()
@click.argument("scenario_id", metavar="SCENARIO")
@click.option("--reason", required=True, metavar="TEXT", help="Why it is retracted.")
@_analyst_option
@click.pass_context
def unresolve(ctx: click.Context, scenario_id: str, reason: str, analyst: str | None) -> None:
    """Retract a scenario's resolution: it stays in the log, marked, and stops counting.

    \b
    Example:
      foresight unresolve example-scenario --reason "Resolved on the wrong report."
    """
    from foresight.errors import InputError, UnknownIdError
    from foresight.suggest import did_you_mean

    workspace = open_workspace(ctx)
    who = _analyst(analyst)
    store = workspace.store
    resolutions = store.resolutions()
    current = [r for r in resolutions if r.scenario == scenario_id and not r.retracted]
    if not current:
        known = {*workspace.definitions.scenarios, *(r.scenario for r in resolutions)}
        if scenario_id not in known:
            raise UnknownIdError(
                f"no scenario '{scenario_id}'{did_you_mean(scenario_id, known)} "
                "(see 'foresight scenarios')"
            )
        raise InputError(f"scenario '{scenario_id}' has no current resolution to retract")
    store.retract_resolution(current[0].id, reason, who)
    note(
        f"Retracted resolution {current[0].id} of {scenario_id} "
        f"({current[0].outcome} on {current[0].resolved_on})."
    )


@click.command()
@click.option(
    "--all",
    "include_retracted",
    is_flag=True,
    help="Include retracted resolutions, marked as such.",
)
@json_option
@click.pass_context
def resolutions(ctx: click.Context, include_retracted: bool, as_json: bool) -> None:
    """List the resolutions: how each scenario turned out, who said so and when.

    \b
    Example:
      foresight resolutions --all
    """
    store = open_workspace(ctx).store
    found = store.resolutions(include_retracted)
    if as_json:
        print_json([_json_resolution(r) for r in found])
        return
    if not found:
        note("No scenario has been resolved. Record one with 'foresight resolve'.")
        return
    columns = ["id", "scenario", "outcome", "resolved on", "source", "note", "analyst", "recorded"]
    if include_retracted:
        columns.append("status")
    rows = []
    for r in found:
        row: list[Any] = [
            r.id,
            r.scenario,
            r.outcome,
            r.resolved_on,
            r.source,
            r.note,
            r.analyst,
            f"{r.recorded_at:%Y-%m-%d %H:%M} UTC",
        ]
        if include_retracted:
            row.append(
                f"retracted {r.retracted_at:%Y-%m-%d} by {r.retracted_by}: {r.retraction_reason}"
                if r.retracted_at
                else ""
            )
        rows.append(row)
    print_table(None, columns, rows)


@click.command()
@_window_options
@json_option
@click.pass_context
def scorecard(
    ctx: click.Context,
    start: dt.date | None,
    end: dt.date | None,
    step: str,
    as_json: bool,
) -> None:
    """Score every resolved scenario: replay what was believed then, against what happened.

    At each step the forecast is replayed as known on that date: only observations
    recorded, and not retracted, by then count. Brier and log scores (lower is better)
    are shown beside the prior alone and a flat 50% as baselines, with the calibration
    table and the indicator audit.

    \b
    Example:
      foresight scorecard
      foresight scorecard --from 2022-01-01 --step week --json
    """
    from foresight.scoring import score_resolutions

    _check_window(start, end)
    workspace = open_workspace(ctx)
    store = workspace.store
    with working("Replaying what was known at each date…"):
        card = score_resolutions(
            workspace.definitions,
            store.observations(),
            store.resolutions(),
            start=start,
            end=end,
            step=step,
        )
    _report(card, as_json)
    if card.late:
        note(
            f"{card.late} observation(s) dated on or before a resolution were recorded after "
            "it and took no part in its replay (each date uses only what was recorded by "
            "then). 'foresight backtest FILE' replays a file as if each observation had been "
            "logged on the day it was observed."
        )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="The file's format (default: from its extension).",
)
@_window_options
@json_option
@click.pass_context
def backtest(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    start: dt.date | None,
    end: dt.date | None,
    step: str,
    as_json: bool,
) -> None:
    """Replay a log file in a temporary store and print its scorecard: a what-if.

    The file (CSV, JSONL or YAML, as for 'foresight import', and checked the same way)
    is loaded into a temporary store; the workspace's log is never touched. It is scored
    against the workspace's current resolutions. Rows with a recorded_at (an export)
    count from then; rows without one count from the day they were observed.

    \b
    Example:
      foresight backtest observations.csv
      foresight backtest reweighted-log.jsonl --json
    """
    from foresight.scoring import score_resolutions

    _check_window(start, end)
    workspace = open_workspace(ctx)
    definitions = workspace.definitions
    observations = _replay_file(workspace, file, fmt)
    resolved = workspace.store.resolutions()
    card = score_resolutions(definitions, observations, resolved, start=start, end=end, step=step)
    note(
        f"Backtest of {file.name}: {len(observations)} observation(s) in a temporary store, "
        "scored against the workspace's resolutions; the workspace's log was not touched."
    )
    _report(card, as_json)


def _replay_file(workspace: Workspace, file: Path, fmt: str | None) -> list[Observation]:
    """Check a log file as import does and load it into a throw-away SQLite store."""
    import tempfile
    from dataclasses import replace

    from foresight import intake
    from foresight.store import open_store

    batch = intake.read_file(
        file, workspace.definitions.indicators, workspace.config.default_tlp, fmt
    )
    for warning in batch.warnings:
        note(f"Warning: {warning}")
    rows = [
        row
        if row.recorded_at is not None
        else replace(row, recorded_at=dt.datetime.combine(row.observed_on, dt.time(), dt.UTC))
        for row in batch.rows
    ]
    with (
        tempfile.TemporaryDirectory(prefix="foresight-backtest-") as folder,
        open_store(str(Path(folder) / "backtest.db")) as store,
    ):
        store.add(rows, "backtest")
        return store.observations()


def _check_window(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")


def _report(card: Scorecard, as_json: bool) -> None:
    """Print a scorecard: one JSON document, or tables."""
    for resolution in card.unknown:
        note(
            f"Warning: resolution {resolution.id} is of scenario '{resolution.scenario}', "
            "which the definitions no longer have; it is left out."
        )
    if as_json:
        print_json(card.as_json())
        if card.empty:
            note("No scenario has been resolved yet.")
        return
    if card.empty:
        note(
            "No scenario has been resolved yet; record an outcome with 'foresight resolve "
            "SCENARIO --outcome … --on … --source …'."
        )
        return
    document = card.as_json()
    rows = []
    for entry in document["scenarios"]:
        brier, log = entry["brier"], entry["log_score"]
        if brier is None:
            why = "void: not scored" if entry["outcome"] == "void" else "no date in the window"
            rows.append((entry["id"], entry["outcome"], entry["resolved_on"], 0, why, *[""] * 7))
            continue
        rows.append(
            (
                entry["id"],
                entry["outcome"],
                entry["resolved_on"],
                entry["steps"],
                f"{brier['forecast']:.3f}",
                f"{brier['prior']:.3f}",
                f"{brier['even']:.3f}",
                f"{log['forecast']:.3f}",
                f"{log['prior']:.3f}",
                f"{log['even']:.3f}",
                f"{100 * entry['mean_probability']:.1f}%",
                entry["crossed_half_on"] or "never",
            )
        )
    print_table(
        "Resolved scenarios (scores: lower is better; baselines: the prior alone, and 50%)",
        [
            "scenario",
            "outcome",
            "resolved on",
            "steps",
            "Brier",
            "Brier prior",
            "Brier 50%",
            "log",
            "log prior",
            "log 50%",
            "mean p",
            "above 50% from",
        ],
        rows,
        justify=["left", "left", "left", *["right"] * 8, "left"],
    )
    parts = card.decomposition
    if parts is not None:
        count = sum(len(p.forecasts) for p in card.paths)
        click.echo(
            f"Overall Brier score {parts.brier:.4f} over {count} forecast(s) of "
            f"{len(card.paths)} scenario(s) = reliability {parts.reliability:.4f} "
            f"- resolution {parts.resolution:.4f} + uncertainty {parts.uncertainty:.4f} "
            f"+ within-bin {parts.within_bin:+.4f}"
        )
        print_table(
            "Calibration: forecasts binned, against how often the scenario happened",
            ["forecast", "forecasts", "mean forecast", "happened"],
            [
                (
                    f"{100 * b.low:.0f}–{100 * b.high:.0f}%",
                    b.count,
                    f"{100 * b.mean_forecast:.1f}%",
                    f"{100 * b.observed_frequency:.1f}%",
                )
                for b in card.calibration
            ],
            justify=["left", "right", "right", "right"],
        )
    judged = [row for row in card.audit if row.verdict != "silent"]
    silent = len(card.audit) - len(judged)
    if judged:
        print_table(
            "Indicator audit (evidence dated by each resolution)",
            ["verdict", "indicator", "scenario", "seen", "absent", "log-odds", "why"],
            [
                (
                    row.verdict,
                    row.indicator,
                    row.scenario,
                    row.observed,
                    row.absent,
                    f"{row.log_odds:+.3f}",
                    row.reason,
                )
                for row in judged
            ],
            justify=["left", "left", "left", "right", "right", "right", "left"],
        )
    if silent:
        names = ", ".join(sorted({r.indicator for r in card.audit if r.verdict == "silent"}))
        click.echo(f"Silent (not observed by the resolution, nothing to judge): {names}")


def _json_resolution(resolution: Resolution) -> dict[str, Any]:
    """A resolution as a JSON object, with its retraction."""
    return {
        "id": resolution.id,
        "scenario": resolution.scenario,
        "outcome": resolution.outcome,
        "resolved_on": resolution.resolved_on.isoformat(),
        "source": resolution.source,
        "note": resolution.note,
        "analyst": resolution.analyst,
        "recorded_at": resolution.recorded_at.isoformat(),
        "retracted": resolution.retracted,
        "retracted_at": resolution.retracted_at.isoformat() if resolution.retracted_at else None,
        "retracted_by": resolution.retracted_by,
        "retraction_reason": resolution.retraction_reason,
    }
