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
    from foresight.questions import Question, Standing
    from foresight.summary import PathPoint, Status
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


def _shown(standing: Standing) -> str:
    if standing.probability is None or standing.resolution is not None:
        return standing.shown
    return percent(standing.probability)


def _echo_notes(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


audience_option = click.option(
    "--audience",
    help="Count only observations this TLP audience may see, as a brief for it does "
    "(default: every observation).",
)


@click.command()
@as_of_option
@audience_option
@json_option
@click.pass_context
def status(ctx: click.Context, as_of: dt.date | None, audience: str | None, as_json: bool) -> None:
    """Show every scenario's state, probability and time frame, question by question.

    A scenario outside an exclusive group is a yes/no question (will it happen by its
    horizon?); a group is one question whose answers are its scenarios plus "none of
    these". Resolved scenarios show their outcome.

    \b
    Example:
      foresight status
      foresight status --as-of 2021-09-30 --json
    """
    from foresight.questions import NONE_OF_THESE, time_frame

    day = as_of or dt.date.today()
    with working("Weighing the evidence…"):
        result = open_workspace(ctx).status(day, limit=0, audience=_audience(audience))
    if as_json:
        print_json(result.as_json())
        return
    rows = []
    for question in result.questions:
        confidence = result.confidence(question.id)
        for member in question.members:
            rows.append(
                (
                    member.id,
                    member.state.replace("-", " "),
                    _shown(member),
                    _span(result.interval(member.id)),
                    confidence.level if confidence else "",
                    member.estimative if member.resolution is None else "",
                    member.time_frame.removeprefix("by "),
                    signed_points(result.change_30d[member.id])
                    if member.id in result.change_30d
                    else "",
                )
            )
        if question.kind == "group":
            rest = next(a for a in question.answers if a.id is None)
            span = result.appraisal.interval_of(question, None) if result.appraisal else None
            rows.append(
                (
                    f"  {NONE_OF_THESE}",
                    "",
                    percent(rest.probability),
                    _span(span),
                    "",
                    rest.estimative,
                    time_frame(question.horizon).removeprefix("by "),
                    "",
                )
            )
    print_table(
        f"Scenarios as of {day}, question by question",
        ["scenario", "state", "now", "80% range", "confidence", "estimative", "by", "30 days"],
        rows,
        justify=["left", "left", "right", "right", "left", "left", "left", "right"],
    )
    for question in result.questions:
        _echo_confidence(result, question, "")
    _echo_notes(result.notes())


def _span(span: tuple[float, float] | None) -> str:
    from foresight.questions import percent as whole

    return "" if span is None else f"{whole(span[0])}–{whole(span[1])}"


def _echo_confidence(result: Status, question: Question, indent: str) -> None:
    """Confidence in a question's call, kept apart from its likelihood (ICD 203)."""
    confidence = result.confidence(question.id)
    if confidence is None:
        return
    name = question.id
    click.echo(f"{indent}Confidence in the call on {name}: {confidence.sentence}.")
    robust = confidence.robustness
    if robust.depends_most_on:
        click.echo(f"{indent}  It depends most on the reports of “{robust.depends_most_on}”.")


def _audience(value: str | None) -> str | None:
    if value is None:
        return None
    from foresight import scales

    try:
        return scales.normalise_tlp(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--audience") from None


@click.command()
@as_of_option
@click.option("--limit", default=3, show_default=True, help="Signposts to list per question.")
@audience_option
@json_option
@click.pass_context
def favoured(
    ctx: click.Context, as_of: dt.date | None, limit: int, audience: str | None, as_json: bool
) -> None:
    """Answer each open question: its call, time frame, and what would change it.

    Open questions are listed most confident call first. Scenarios past their horizon
    or resolved are not called; they are listed with how to resolve them.

    \b
    Example:
      foresight favoured
      foresight favoured --as-of 2021-11-30 --json
    """
    from foresight.questions import long_date

    day = as_of or dt.date.today()
    with working("Weighing the evidence…"):
        result = open_workspace(ctx).favoured(day, limit, audience=_audience(audience))
    open_questions = result.board.open_questions
    if as_json:
        print_json(
            {
                "as_of": day.isoformat(),
                "audience": _audience(audience),
                "questions": [q.as_json() for q in open_questions],
                "awaiting_resolution": [result.scenario_json(s) for s in result.awaiting],
                "resolved": [result.scenario_json(s) for s in result.resolved],
                "incoherent": [i.as_json() for i in result.board.incoherences],
                "notes": result.notes(),
            }
        )
        return
    if not open_questions:
        click.echo(f"No question is open as of {long_date(day)}.")
    else:
        click.echo(f"Open questions as of {long_date(day)}, most confident call first:")
    for number, question in enumerate(open_questions, 1):
        click.echo(f"{number}. {question.text}")
        click.echo(f"   {question.sentence()}")
        leader = question.leader
        span = result.appraisal.interval_of(question, leader.id) if result.appraisal else None
        if span is not None:
            click.echo(f"   80% interval for “{leader.title}”: {_span(span)}.")
        _echo_confidence(result, question, "   ")
        if question.changes:
            click.echo("   What would change the call:")
            for change in question.changes:
                click.echo(f"     - {change.sentence()}")
        else:
            click.echo("   No unseen signpost would change this call.")
    _echo_notes(result.notes())


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
      foresight explain example-scenario --as-of 2026-06-30
    """
    from foresight.questions import long_date

    workspace = open_workspace(ctx)
    sid = _scenario_id(workspace, scenario_id)
    day = as_of or dt.date.today()
    with working("Weighing the evidence…"):
        why = workspace.explain(sid, day)
    explanation, standing, result = why.explanation, why.standing, why.explanation.result
    moving = why.moving
    contributions = moving[: limit or None]
    overdue = [o for o in explanation.overdue if o.indicator.expected_by]
    if as_json:
        document = why.status.scenario_json(standing)
        question = next(q for q in why.status.questions if sid in (m.id for m in q.members))
        document.update(
            {
                "call": why.status.question_json(question),
                "as_of": day.isoformat(),
                "scenario": sid,
                "log_ratio": round(_zero(result.log_ratio), 6),
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
                        "log_odds": round(_zero(c.log_odds), 6),
                        "points": round(_zero(100 * c.points), 4),
                    }
                    for c in contributions
                ],
                "no_longer_moving": why.stale,
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
                ]
                if standing.state == "open"
                else [],
                "overdue": [
                    {
                        "indicator": o.indicator.id,
                        "title": o.indicator.title,
                        "expected_by": o.indicator.expected_by.isoformat(),  # type: ignore[union-attr]
                        "absence_logged": o.absence_logged,
                    }
                    for o in overdue
                ],
            }
        )
        print_json(document)
        return
    scenario = result.scenario
    click.echo(f"{scenario.title} ({sid}) as of {long_date(day)}")
    click.echo(
        f"  Question: will it happen {standing.time_frame}?"
        if not scenario.group
        else f"  An answer of the question '{scenario.group}' (exclusive group), "
        f"{standing.time_frame}."
    )
    click.echo(f"  State: {standing.state.replace('-', ' ')}")
    click.echo(
        f"  Prior {percent(result.prior)} set on {long_date(scenario.prior_set_on)}: "
        f"{scenario.prior_rationale}"
    )
    if standing.resolution is not None:
        click.echo(
            f"  Resolved: {standing.shown} on {long_date(standing.resolution.resolved_on)}; "
            f"the evidence alone gave {percent(standing.forecast)} "
            f"(log-odds {_zero(result.log_ratio):+.3f})."
        )
    else:
        click.echo(
            f"  Now {percent(result.probability)} ({standing.estimative}) {standing.time_frame}; "
            f"evidence log-odds {_zero(result.log_ratio):+.3f}"
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
                    f"{_zero(c.log_odds):+.3f}",
                    f"{_zero(100 * c.points):+.1f}",
                )
                for c in contributions
            ],
            justify=["right", "left", "left", "left", "left", "right", "right", "right", "right"],
        )
    else:
        click.echo("  No observation moves it yet.")
    hidden = len(moving) - len(contributions)
    if hidden:
        click.echo(f"  … and {hidden} more (--limit 0 shows all).")
    if why.stale:
        click.echo(
            f"  {why.stale} older report(s) no longer move it (aged away or outweighed); "
            "they are left out."
        )
    if explanation.repeats:
        click.echo(f"  {explanation.repeats} further report(s) repeat events already counted.")
    if standing.state == "open" and explanation.signposts:
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
    span = why.status.interval(sid)
    if span is not None and standing.resolution is None:
        click.echo(f"  80% interval: {_span(span)}.")
    question = next(q for q in why.status.questions if sid in (m.id for m in q.members))
    _echo_confidence(why.status, question, "  ")
    for line in why.status.notes(sid):
        click.echo(f"  {line}")
    for item in overdue:
        indicator = item.indicator
        if item.absence_logged:
            click.echo(
                f"  Overdue: {indicator.id} was expected by {indicator.expected_by}; it has "
                "been looked for and logged as absent, which counts (and ages). Log it again "
                "only when it is looked for again."
            )
        else:
            click.echo(
                f"  Overdue: {indicator.id} was expected by {indicator.expected_by} and has "
                "not been observed. Absence of evidence is not counted; if it was looked for, "
                f"log it with 'foresight observe {indicator.id} --absent …'."
            )


def _zero(value: float) -> float:
    """Show a zero as zero, never as -0.0."""
    return 0.0 if abs(value) < 5e-7 else value


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
      foresight history example-scenario --from 2026-01-01 --step week
      foresight history --all --json
    """
    from foresight.questions import percent as whole
    from foresight.questions import time_frame

    if bool(scenario_id) == all_:
        raise click.UsageError("give one SCENARIO or --all")
    workspace = open_workspace(ctx)
    scenarios = workspace.definitions.scenarios
    ids = list(scenarios) if all_ else [_scenario_id(workspace, scenario_id or "")]
    end = end or dt.date.today()
    if start is None:
        start = min(scenarios[sid].prior_set_on for sid in ids)
    if start > end:
        raise click.UsageError(f"--from {start} is after --to {end}")
    from foresight.summary import steps

    with working("Replaying the evidence…"):
        points = workspace.history(steps(start, end, step))
    resolutions = {r.scenario: r for r in workspace.store.resolutions(include_retracted=False)}
    if as_json:
        with working("Appraising the calls…"):
            final = workspace.status(end, limit=0)
        confidence = {
            q.id: final.question_json(q)["confidence"]
            for q in final.questions
            if any(m.id in ids for m in q.members)
        }
        print_json(
            {
                "step": step,
                "confidence_as_of": end.isoformat(),
                "confidence": confidence,
                "from": start.isoformat(),
                "to": end.isoformat(),
                "scenarios": [
                    {
                        "id": sid,
                        "title": scenarios[sid].title,
                        "horizon": scenarios[sid].horizon.isoformat(),
                        "time_frame": time_frame(scenarios[sid].horizon),
                        "resolution": None
                        if sid not in resolutions
                        else {
                            "outcome": resolutions[sid].outcome,
                            "resolved_on": resolutions[sid].resolved_on.isoformat(),
                        },
                    }
                    for sid in ids
                ],
                "points": [
                    {
                        "date": p.as_of.isoformat(),
                        "probabilities": {
                            sid: None
                            if p.probabilities[sid] is None
                            else round(p.probabilities[sid], 6)  # type: ignore[arg-type]
                            for sid in ids
                        },
                        "forecasts": {sid: round(p.forecasts[sid], 6) for sid in ids},
                        "intervals": {
                            sid: None
                            if p.intervals[sid] is None
                            else [round(v, 6) for v in p.intervals[sid]]  # type: ignore[union-attr]
                            for sid in ids
                        },
                        "states": {sid: p.states[sid] for sid in ids},
                    }
                    for p in points
                ],
            }
        )
        return

    def cell(point: PathPoint, sid: str) -> str:
        state = point.states[sid]
        if state == "resolved":
            return resolutions[sid].outcome.replace("-", " ")
        mark = {"awaiting-resolution": " †", "not-yet-open": " ·"}.get(state, "")
        return whole(point.probabilities[sid] or 0.0) + mark

    print_table(
        f"Probability by {step}",
        ["date", *ids],
        [(p.as_of, *(cell(p, sid) for sid in ids)) for p in points],
        justify=["left", *(["right"] * len(ids))],
    )
    for sid in ids:
        scenario = scenarios[sid]
        line = f"{sid}: horizon {scenario.horizon}"
        if sid in resolutions:
            r = resolutions[sid]
            line += f"; resolved {r.outcome.replace('-', ' ')} on {r.resolved_on}"
        click.echo(line)
    click.echo("† past the horizon, awaiting resolution; · before the prior was set.")
