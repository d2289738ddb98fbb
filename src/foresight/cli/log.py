"""Commands about the observation log: observe, log, retract, amend, import, export."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from foresight.cli.common import (
    DATE,
    ID,
    inert,
    json_option,
    note,
    open_workspace,
    print_json,
    print_table,
    working,
)

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from foresight.records import Observation
    from foresight.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


class ObservedOnParam(click.ParamType):
    """A date written YYYY-MM-DD, or a month YYYY-MM (checked further by intake)."""

    name = "YYYY-MM-DD|YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip()
        month = len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()
        if month and 1 <= int(text[5:]) <= 12:
            return text  # a month-only date: intake turns it into the day it stands for
        try:
            return DATE.convert(text, param, ctx)
        except click.BadParameter as exc:
            if "outside the supported" in exc.message:
                raise  # a real date, too early or too late: say so
            self.fail(
                f"'{inert(str(value))}' is not a date; write it as YYYY-MM-DD, or YYYY-MM for "
                "a month",
                param,
                ctx,
            )


OBSERVED_ON = ObservedOnParam()
FORMATS = ("csv", "jsonl", "yaml")  # intake.FORMATS, repeated to keep start-up light
# Files from this size on show a progress bar even when stderr is not a terminal.
BIG_FILE = 16 * 1024 * 1024


def _observation_options(amending: bool) -> Callable[[F], F]:
    """The options describing one observation; when amending, each defaults to the old value."""
    old = " (default: the old value)" if amending else ""

    def decorate(func: F) -> F:
        options = [
            click.option(
                "--date",
                "observed_on",
                type=OBSERVED_ON,
                required=not amending,
                help=f"The day it was observed, YYYY-MM-DD, or YYYY-MM when only the month is "
                f"known{old}.",
            ),
            click.option(
                "--source",
                required=not amending,
                metavar="TEXT",
                help=f"Who or what reported it{old}.",
            ),
            click.option(
                "--url", "source_url", metavar="URL", help=f"Where the report can be read{old}."
            ),
            click.option(
                "--reliability",
                required=not amending,
                metavar="A-F",
                help="Admiralty source reliability: A (completely reliable) to F "
                f"(cannot be judged){old}.",
            ),
            click.option(
                "--credibility",
                required=not amending,
                metavar="1-6",
                help="Admiralty information credibility: 1 (confirmed) to 6 (cannot "
                f"be judged){old}.",
            ),
            click.option(
                "--absent/--observed",
                default=None if amending else False,
                help="Looked for and not found (default: observed"
                + (", or the old value)." if amending else ")."),
            ),
            click.option(
                "--strength",
                metavar="WORD|NUMBER",
                help="How clearly it fits the indicator: strong, moderate, weak or a "
                f"number in (0, 1]{old or ' (default: strong)'}.",
            ),
            click.option(
                "--event",
                metavar="KEY",
                help=f"Reports sharing an event key count as one event{old}.",
            ),
            click.option(
                "--tlp",
                metavar="LEVEL",
                callback=_not_empty,
                help="TLP 2.0 marking: CLEAR, GREEN, AMBER, AMBER+STRICT or RED"
                + (old or " (default: default_tlp in foresight.yaml)")
                + ".",
            ),
            click.option("--note", metavar="TEXT", help=f"Free text{old}."),
            _analyst_option,
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def _not_empty(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("is empty; give CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
    return value


_analyst_option = click.option(
    "--analyst",
    envvar="FORESIGHT_ANALYST",
    metavar="NAME",
    help="Who is logging this (default: FORESIGHT_ANALYST, else your login name).",
)


def _analyst(given: str | None) -> str:
    """The analyst: --analyst or FORESIGHT_ANALYST, else the operating system's user."""
    from foresight.errors import InputError

    if given is None:
        import getpass

        try:
            given = getpass.getuser()
        except Exception:  # no login name on some containers; the log still needs one
            given = "unknown"
    name = given.strip()
    if not name or "\n" in name:
        raise InputError("--analyst must be a name on one line")
    return name


@click.command()
@click.argument("indicator")
@_observation_options(amending=False)
@json_option
@click.pass_context
def observe(ctx: click.Context, indicator: str, as_json: bool, **given: Any) -> None:
    """Log one observation of an indicator (or its absence) and print its id.

    The id goes to stdout, a message to stderr. An identical observation already in the
    log is not added twice.

    \b
    Example:
      foresight observe example-indicator --date 2026-01-15 \\
          --source "Ministry statement" --reliability B --credibility 2 --strength moderate
    """
    from foresight import duplicates, intake
    from foresight.errors import InputError

    workspace = open_workspace(ctx)
    analyst = _analyst(given.pop("analyst"))
    values = {"indicator": indicator, **{k: v for k, v in given.items() if v is not None}}
    row = intake.new_observation(
        values,
        workspace.indicator_ids(),
        workspace.default_tlp,
        workspace.indicators_without_absence(),
    )
    store = workspace.store
    logged = store.observations(
        False, indicators=[row.indicator], since=row.observed_on, until=row.observed_on
    )
    result = store.add([row], analyst)
    if result.ids:
        new_id = result.ids[0]
        note(f"Logged observation {new_id} in {store.describe()}.")
        for copy in duplicates.likely_duplicates([row], logged)[:1]:
            old = copy.logged
            assert old is not None
            note(
                f"Warning: it looks like another copy of observation {old.id} (the same "
                "indicator, date and source); reports with no shared event key count as "
                f"separate events, so it counts again. {duplicates.event_advice(new_id, old)}."
            )
    else:
        new_id = store.find(row) or 0
        if store.get(new_id).retracted:
            raise InputError(
                f"an identical observation ({new_id}) was retracted; to log it again, tell "
                "the two apart with --note"
            )
        note(f"Already in the log as observation {new_id}; nothing was added.")
    _print_new(workspace, new_id, as_json)


@click.command("log")
@click.option("--since", type=DATE, help="Only observations made on or after this day.")
@click.option("--until", type=DATE, help="Only observations made on or before this day.")
@click.option("--indicator", "indicator_id", metavar="ID", help="Only this indicator.")
@click.option(
    "--scenario",
    "scenario_id",
    metavar="ID",
    help="Only indicators that carry a weight for this scenario.",
)
@click.option(
    "--all",
    "include_retracted",
    is_flag=True,
    help="Include retracted observations, marked as such.",
)
@json_option
@click.pass_context
def log(
    ctx: click.Context,
    since: Any,
    until: Any,
    indicator_id: str | None,
    scenario_id: str | None,
    include_retracted: bool,
    as_json: bool,
) -> None:
    """List the observations in the log, oldest first.

    \b
    Example:
      foresight log --since 2026-01-01 --scenario example-scenario
      foresight log --all --json
    """
    from foresight import scales
    from foresight.records import show_date

    workspace = open_workspace(ctx)
    indicators = _indicator_filter(workspace, indicator_id, scenario_id)
    observations = workspace.store.observations(
        include_retracted, indicators=indicators, since=since, until=until
    )
    if as_json:
        print_json([_json_record(obs) for obs in observations])
        return
    if not observations:
        note(
            "No observations match."
            if indicators is not None or since or until
            else "The log is empty. Add one with 'foresight observe' or 'foresight import'."
        )
        return
    words = {value: word for word, value in scales.STRENGTH.items()}
    columns = [
        "id",
        "observed on",
        "indicator",
        "seen",
        "grade",
        "strength",
        "tlp",
        "source",
        "note",
        "analyst",
    ]
    if include_retracted:
        columns.append("status")
    rows = []
    for obs in observations:
        row = [
            obs.id,
            show_date(obs.observed_on),
            obs.indicator,
            "absent" if obs.absent else "observed",
            f"{obs.reliability}{obs.credibility}",
            words.get(obs.strength, f"{obs.strength:g}"),
            obs.tlp,
            obs.source,
            obs.note,
            obs.analyst,
        ]
        if include_retracted:
            row.append(f"retracted {obs.retracted_at:%Y-%m-%d}" if obs.retracted_at else "")
        rows.append(row)
    print_table(None, columns, rows)


def _indicator_filter(
    workspace: Workspace, indicator_id: str | None, scenario_id: str | None
) -> set[str] | None:
    """The indicator ids --indicator and --scenario leave, or None for all of them."""
    if indicator_id is None and scenario_id is None:
        return None
    from foresight.errors import UnknownIdError
    from foresight.suggest import did_you_mean

    definitions = workspace.definitions
    chosen: set[str] | None = None
    if indicator_id is not None:
        if indicator_id not in definitions.indicators:
            raise UnknownIdError(
                f"no indicator '{indicator_id}'{did_you_mean(indicator_id, definitions.indicators)}"
            )
        chosen = {indicator_id}
    if scenario_id is not None:
        if scenario_id not in definitions.scenarios:
            raise UnknownIdError(
                f"no scenario '{scenario_id}'{did_you_mean(scenario_id, definitions.scenarios)}"
            )
        weighting = {i.id for i in definitions.indicators_for(scenario_id)}
        chosen = weighting if chosen is None else chosen & weighting
    return chosen


@click.command()
@click.argument("observation_id", type=ID, metavar="ID")
@click.option("--reason", required=True, metavar="TEXT", help="Why it is retracted.")
@_analyst_option
@click.pass_context
def retract(ctx: click.Context, observation_id: int, reason: str, analyst: str | None) -> None:
    """Retract an observation: it stays in the log, marked, and no longer counts.

    \b
    Example:
      foresight retract 42 --reason "The report was a hoax (see AFP fact check)."
    """
    workspace = open_workspace(ctx)
    who = _analyst(analyst)
    workspace.store.retract(observation_id, reason, who)
    note(f"Retracted observation {observation_id}.")


@click.command()
@click.argument("observation_id", type=ID, metavar="ID")
@click.option("--indicator", metavar="ID", help="The indicator (default: the old value).")
@_observation_options(amending=True)
@click.option("--reason", required=True, metavar="TEXT", help="Why it is amended.")
@json_option
@click.pass_context
def amend(
    ctx: click.Context, observation_id: int, reason: str, as_json: bool, **given: Any
) -> None:
    """Correct an observation: retract it and log the corrected one, which is printed.

    Every value not given is taken from the old observation. Give --url "" or
    --event "" to clear one.

    \b
    Example:
      foresight amend 42 --credibility 3 --reason "Only one source confirms it."
    """
    from foresight import intake

    workspace = open_workspace(ctx)
    store = workspace.store
    analyst = _analyst(given.pop("analyst"))
    old = store.get(observation_id)
    values: dict[str, Any] = {
        name: getattr(old, name) for name in intake.FIELDS if name != "analyst"
    }
    values.update({k: v for k, v in given.items() if v is not None})
    row = intake.new_observation(
        values,
        workspace.indicator_ids(),
        workspace.default_tlp,
        workspace.indicators_without_absence(),
    )
    new_id = store.amend(observation_id, row, reason, analyst)
    note(f"Retracted observation {observation_id} and logged its correction as {new_id}.")
    _print_new(workspace, new_id, as_json)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="The file's format (default: from its extension).",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@_analyst_option
@click.pass_context
def import_(
    ctx: click.Context, file: Path, fmt: str | None, dry_run: bool, analyst: str | None
) -> None:
    """Import observations from a CSV, JSONL or YAML file, all or nothing.

    Every row is checked first; any problem is reported with its line and field, and
    nothing is written. Rows already in the log are skipped, so importing a file twice
    adds nothing. A file written by 'foresight export' re-creates the same log: who
    recorded what and when, retractions and amendments.

    \b
    Example:
      foresight import reports-2026-01.csv --dry-run
      foresight import reports-2026-01.csv
    """
    from foresight.intake.bulk import import_file

    workspace = open_workspace(ctx)
    who = _analyst(analyst)
    definitions = workspace.definitions
    store = workspace.store
    with _progress(file) as steps:
        done = import_file(
            file,
            store,
            definitions.indicators,
            workspace.config.default_tlp,
            who,
            fmt=fmt,
            dry_run=dry_run,
            checking=steps.step(f"Checking {inert(file.name)}", None),
            writing=lambda rows: steps.step("Writing", rows),
        )
    for warning in done.warnings:
        note(f"Warning: {warning}")
    result, rows = done.result, done.rows
    if done.copies:
        note(
            f"Warning: {done.copies} row(s) look like further copies of a logged report or of "
            "an earlier row (the same indicator, date and source, no shared event key): each "
            "counts as a separate event. Give reports of one event the same event key."
        )
    if dry_run:
        note(
            f"Dry run: {file.name} holds {rows} valid row(s); {result.added} would be added "
            f"and {result.skipped} are already in the log. Nothing was written."
        )
    elif result.added == 0:
        note(
            f"nothing new: all {rows} rows are already in the log"
            if rows > 1
            else "nothing new: the row is already in the log"
        )
    else:
        extra = f"; {result.skipped} already in the log" if result.skipped else ""
        if result.retracted:
            extra += f"; {result.retracted} retraction(s) carried over"
        note(f"Added {result.added} observation(s) to {store.describe()}{extra}.")


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="csv, jsonl or yaml (default: from --output's extension, else csv).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (default: stdout).",
)
@click.option(
    "--all/--current",
    "include_retracted",
    default=True,
    help="Everything including retracted observations (default), or only the current ones.",
)
@click.option(
    "--template",
    is_flag=True,
    help="Write only the header of a CSV import file, to fill in (no workspace needed).",
)
@click.pass_context
def export(
    ctx: click.Context,
    fmt: str | None,
    output: Path | None,
    include_retracted: bool,
    template: bool,
) -> None:
    """Export the log as CSV, JSONL or YAML, with its audit trail.

    An export of everything imports into an empty store as the same log.

    \b
    Example:
      foresight export --output backup/log-2026-01.csv
      foresight export --format jsonl --current > current.jsonl
      foresight export --template --output new-reports.csv
    """
    from foresight import intake

    if template:
        _write_template(fmt, output)
        return

    store = open_workspace(ctx).store
    with working("Reading the log…"):
        observations = store.observations(include_retracted)
    if output is None:
        intake.write_export(observations, fmt or "csv", sys.stdout)
        return
    fmt = fmt or (intake.format_of(output) if output.suffix else "csv")
    with working(f"Writing {output}…"):
        count = intake.export_file(observations, fmt, output)
    note(f"Wrote {count} observation(s) to {output}.")


def _write_template(fmt: str | None, output: Path | None) -> None:
    """Write the header row of a CSV import file (the keys JSONL and YAML rows take too)."""
    from foresight import intake

    if (fmt or (intake.format_of(output) if output and output.suffix else "csv")) != "csv":
        raise click.UsageError(
            "a template is a CSV header; JSONL and YAML rows take the same keys: "
            + ", ".join(intake.FIELDS)
        )
    header = ",".join(intake.FIELDS) + "\r\n"
    if output is None:
        click.echo(header, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(header, encoding="utf-8", newline="")
    note(f"Wrote an empty import template to {output}; fill in one row per report.")


def _print_new(workspace: Workspace, observation_id: int, as_json: bool) -> None:
    """Print a new observation's id, or the whole observation as JSON."""
    if as_json:
        print_json(_json_record(workspace.store.get(observation_id)))
    else:
        click.echo(observation_id)


def _json_record(obs: Observation) -> dict[str, Any]:
    """An observation as a JSON object: the export's keys, id first, and 'retracted'."""
    from foresight import intake

    record = intake.export_record(obs)
    return {"id": record.pop("id"), **record, "retracted": obs.retracted}


class _Steps:
    """The steps of a long command, each with its own progress bar (or none at all)."""

    def __init__(self, bar: Progress | None) -> None:
        self.bar = bar
        self.current: TaskID | None = None

    def step(self, description: str, total: int | None) -> Callable[[int], None] | None:
        """End the current step; start a new one and return what advances it."""
        bar = self.bar
        if bar is None:
            return None
        self.finish()
        task = self.current = bar.add_task(description, total=total)

        def advance(count: int) -> None:
            bar.advance(task, count)

        return advance

    def finish(self) -> None:
        """Mark the current step as done: its bar full, its clock stopped."""
        if self.bar is not None and self.current is not None:
            done = self.bar.tasks[self.current].completed
            self.bar.update(self.current, total=done, completed=done)
            self.bar.stop_task(self.current)


@contextmanager
def _progress(file: Path) -> Iterator[_Steps]:
    """Progress bars on stderr for a big file or a watching human; silent otherwise."""
    terminal = sys.stderr.isatty()
    try:
        size = file.stat().st_size
    except OSError:
        size = 0
    if not (terminal or size >= BIG_FILE):
        yield _Steps(None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(file=sys.stderr)
    columns = (
        TextColumn("{task.description}", markup=False),  # file names are not markup
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=terminal) as bar:
        steps = _Steps(bar)
        yield steps
        steps.finish()
