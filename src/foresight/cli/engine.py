"""Commands that ask the engine: status, favoured, explain, history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from foresight.cli.common import (
    DATE,
    as_of_option,
    json_option,
    open_workspace,
    percent,
    print_json,
    print_table,
    signed_points,
    working,
)

if TYPE_CHECKING:
    from foresight.workspace import Workspace


def _scenario_id(workspace: Workspace, scenario_id: str) -> str:
    from foresight.errors import UnknownIdError
    from foresight.suggest import did_you_mean

    scenarios = workspace.definitions.scenarios
    if scenario_id not in scenarios:
        raise UnknownIdError(
            f"no scenario '{scenario_id}'{did_you_mean(scenario_id, scenarios)} "
            "(see 'foresight scenarios')"
        )
    return scenario_id


@click.command()
@as_of_option
@json_option
@click.pass_context
def status(ctx: click.Context, as_of: dt.date | None, as_json: bool) -> None:
    """Show every scenario's probability, estimative phrase, 30-day change and prior.

    \b
    Example:
      foresight status
      foresight status --as-of 2021-09-30 --json
    """
    day = as_of or dt.date.today()
    with working("Weighing the evidence…"):
        result = open_workspace(ctx).status(day)
    if as_json:
        print_json(result.as_json())
        return
    print_table(
        f"Scenarios as of {day}",
        ["scenario", "title", "probability", "estimative", "30 days", "prior"],
        [
            (
                r.id,
                r.title,
                percent(r.probability),
                r.estimative,
                signed_points(r.change_30d),
                percent(r.prior),
            )
            for r in result.rows
        ],
        justify=["left", "left", "right", "left", "right", "right"],
    )
    for r in result.rows:
        if r.resolution is not None:
            click.echo(f"Resolved: {r.id} {r.resolution.outcome} on {r.resolution.resolved_on}.")
        elif r.awaiting_resolution:
            click.echo(
                f"Awaiting resolution: {r.id} is past its horizon; record how it turned out "
                f"with 'foresight resolve {r.id} --outcome … --on … --source …'."
            )


@click.command()
@as_of_option
@click.option("--limit", default=3, show_default=True, help="How many signposts to list.")
@json_option
@click.pass_context
def favoured(ctx: click.Context, as_of: dt.date | None, limit: int, as_json: bool) -> None:
    """Say which scenario is favoured, by how much, and what would change the call.

    \b
    Example:
      foresight favoured
    """
    with working("Weighing the evidence…"):
        call = open_workspace(ctx).favoured(as_of or dt.date.today(), limit)
    if as_json:
        print_json(call.as_json())
        return
    click.echo(call.sentence())
    lines = call.what_would_change()
    if lines:
        click.echo("What would change the call:")
        for line in lines:
            click.echo(f"  - {line}")
    else:
        click.echo("No unseen signpost would narrow the lead.")


@click.command()
@click.argument("scenario_id", metavar="SCENARIO")
@as_of_option
@click.option(
    "--limit", default=20, show_default=True, help="Show at most this many observations (0: all)."
)
@json_option
@click.pass_context
def explain(
    ctx: click.Context, scenario_id: str, as_of: dt.date | None, limit: int, as_json: bool
) -> None:
    """Explain a scenario: prior, the observations that moved it, what to watch.

    Contributions are in log-odds (what the report added to the scenario's log-odds)
    and in percentage points (the probability now minus the probability without it).

    \b
    Example:
      foresight explain renewed-civil-war --as-of 2021-11-30
    """
    from foresight import scales

    workspace = open_workspace(ctx)
    sid = _scenario_id(workspace, scenario_id)
    day = as_of or dt.date.today()
    yardstick = workspace.config.yardstick
    with working("Weighing the evidence…"):
        explanation = workspace.engine(explain=True).explain(sid, day)
    result = explanation.result
    contributions = explanation.contributions[: limit or None]
    if as_json:
        print_json(
            {
                "as_of": day.isoformat(),
                "scenario": sid,
                "title": result.scenario.title,
                "prior": result.prior,
                "probability": round(result.probability, 6),
                "estimative": scales.estimative(result.probability, yardstick),
                "log_ratio": round(result.log_ratio, 6),
                "contributions": [
                    {
                        "observation": c.observation.id,
                        "indicator": c.observation.indicator,
                        "observed_on": c.observation.observed_on.isoformat(),
                        "absent": c.observation.absent,
                        "grading": f"{c.observation.reliability}{c.observation.credibility}",
                        "source": c.observation.source,
                        "ratio": round(c.ratio, 6),
                        "trust": round(c.trust, 6),
                        "decay": round(c.decay, 6),
                        "rank": c.rank,
                        "log_odds": round(c.log_odds, 6),
                        "points": round(100 * c.points, 4),
                    }
                    for c in contributions
                ],
                "repeats": explanation.repeats,
                "signposts": [
                    {
                        "indicator": s.indicator.id,
                        "title": s.indicator.title,
                        "if": "absent" if s.absent else "observed",
                        "ratio": round(s.ratio, 6),
                        "probability_if_seen": round(s.probability_if_seen, 6),
                    }
                    for s in explanation.signposts
                ],
                "overdue": [
                    {"indicator": i.id, "title": i.title, "expected_by": i.expected_by.isoformat()}
                    for i in explanation.overdue
                    if i.expected_by
                ],
            }
        )
        return
    phrase = scales.estimative(result.probability, yardstick)
    click.echo(f"{result.scenario.title} ({sid}) as of {day}")
    click.echo(
        f"  Prior {percent(result.prior)} set on {result.scenario.prior_set_on}: "
        f"{result.scenario.prior_rationale}"
    )
    click.echo(
        f"  Now {percent(result.probability)} ({phrase}); evidence log-odds {result.log_ratio:+.3f}"
    )
    if contributions:
        print_table(
            "Observations that moved it (strongest first)",
            ["id", "date", "indicator", "seen", "grading", "trust", "decay", "log-odds", "pp"],
            [
                (
                    c.observation.id,
                    c.observation.observed_on,
                    c.observation.indicator,
                    "absent" if c.observation.absent else "observed",
                    f"{c.observation.reliability}{c.observation.credibility}",
                    f"{c.trust:.2f}",
                    f"{c.decay:.2f}",
                    f"{c.log_odds:+.3f}",
                    f"{100 * c.points:+.1f}",
                )
                for c in contributions
            ],
            justify=["right", "left", "left", "left", "left", "right", "right", "right", "right"],
        )
    else:
        click.echo("  No observation moves it yet.")
    hidden = len(explanation.contributions) - len(contributions)
    if hidden:
        click.echo(f"  … and {hidden} more (--limit 0 shows all).")
    if explanation.repeats:
        click.echo(f"  {explanation.repeats} further report(s) repeat events already counted.")
    if explanation.signposts:
        print_table(
            "Signposts not yet seen (strongest first)",
            ["indicator", "if", "ratio", "would give"],
            [
                (
                    s.indicator.id,
                    "absent" if s.absent else "observed",
                    f"×{s.ratio:.2f}",
                    percent(s.probability_if_seen),
                )
                for s in explanation.signposts[:10]
            ],
        )
    for indicator in explanation.overdue:
        click.echo(
            f"  Overdue: {indicator.id} was expected by {indicator.expected_by} and has not "
            "been observed. Absence of evidence is not counted; if it was looked for, log it "
            f"with 'foresight observe {indicator.id} --absent …'."
        )


@click.command()
@click.argument("scenario_id", metavar="[SCENARIO]", required=False)
@click.option("--all", "all_", is_flag=True, help="Every scenario.")
@click.option(
    "--from", "start", type=DATE, help="First date (default: the earliest prior or observation)."
)
@click.option("--to", "end", type=DATE, help="Last date (default: today).")
@click.option("--step", type=click.Choice(["week", "month"]), default="month", show_default=True)
@json_option
@click.pass_context
def history(
    ctx: click.Context,
    scenario_id: str | None,
    all_: bool,
    start: dt.date | None,
    end: dt.date | None,
    step: str,
    as_json: bool,
) -> None:
    """Show the probability path of one scenario or all of them.

    \b
    Example:
      foresight history renewed-civil-war --from 2021-01-01 --step week
      foresight history --all --json
    """
    from foresight.summary import steps

    if bool(scenario_id) == all_:
        raise click.UsageError("give one SCENARIO or --all")
    workspace = open_workspace(ctx)
    scenarios = workspace.definitions.scenarios
    ids = list(scenarios) if all_ else [_scenario_id(workspace, scenario_id or "")]
    with working("Reading the log…"):
        engine = workspace.engine()
    end = end or dt.date.today()
    if start is None:
        first = engine.first_date
        start = min(s.prior_set_on for s in scenarios.values())
        start = min(start, first) if first else start
    if start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    with working("Replaying the evidence…"):
        path = engine.path(steps(start, end, step))
    if as_json:
        print_json(
            {
                "step": step,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "scenarios": ids,
                "points": [
                    {
                        "date": a.as_of.isoformat(),
                        "probabilities": {sid: round(a.probability(sid), 6) for sid in ids},
                    }
                    for a in path
                ],
            }
        )
        return
    print_table(
        f"Probability by {step}",
        ["date", *ids],
        [(a.as_of, *(percent(a.probability(sid)) for sid in ids)) for a in path],
        justify=["left", *(["right"] * len(ids))],
    )
