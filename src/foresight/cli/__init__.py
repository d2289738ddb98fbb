"""The foresight command line: a thin layer that parses, calls the core and prints.

Command modules are imported only when their command runs (or help lists them), and
they import the core lazily, so `foresight --version` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from foresight import __version__

COMMANDS: dict[str, str] = {
    "init": "definitions:init",
    "validate": "definitions:validate",
    "scenarios": "definitions:scenarios",
    "indicators": "definitions:indicators",
    "observe": "log:observe",
    "log": "log:log",
    "retract": "log:retract",
    "amend": "log:amend",
    "import": "log:import_",
    "export": "log:export",
    "status": "engine:status",
    "favoured": "engine:favoured",
    "explain": "engine:explain",
    "history": "engine:history",
    "brief": "brief:brief",
    "resolve": "track:resolve",
    "unresolve": "track:unresolve",
    "resolutions": "track:resolutions",
    "scorecard": "track:scorecard",
    "backtest": "track:backtest",
    "serve": "serve:serve",
}


class ForesightGroup(click.Group):
    """A group that loads commands lazily and turns core errors into clean messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module = importlib.import_module(f"foresight.cli.{module_name}")
        return getattr(module, attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their whole one-line summaries, wrapped, never cut short."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, summary_line(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            from foresight.suggest import did_you_mean

            ctx.fail(f"no such command '{name}'{did_you_mean(name, COMMANDS)}")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        from foresight.errors import ForesightError

        try:
            return super().invoke(ctx)
        except ForesightError as exc:
            from foresight.cli.common import note

            note(f"Error: {exc}")  # wrapped between words on a terminal
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            ctx.exit(1)


def summary_line(command: click.Command) -> str:
    """A command's summary: its short help, else the first paragraph of its help, whole."""
    if command.short_help:
        return command.short_help
    first = (command.help or "").strip().split("\n\n")[0]
    return " ".join(first.split())


@click.group(cls=ForesightGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="foresight")
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False),
    envvar="FORESIGHT_WORKSPACE",
    help="Workspace folder (else FORESIGHT_WORKSPACE, else the nearest foresight.yaml above).",
)
@click.option(
    "--db",
    metavar="URL",
    envvar="FORESIGHT_DB",
    help="Observation store: a SQLite path or postgresql://… (else FORESIGHT_DB, else "
    "foresight.yaml).",
)
@click.pass_context
def cli(ctx: click.Context, workspace: str | None, db: str | None) -> None:
    """Track scenarios: priors, signposts, an evidence log, likelihoods and monthly briefs.

    \b
    Example:
      foresight init my-watch && cd my-watch
      foresight validate
      foresight observe example-indicator --date 2026-01-15 \\
          --source "Ministry statement" --reliability B --credibility 2
      foresight status
      foresight brief --month 2026-01
    """
    ctx.obj = {"workspace": workspace, "db": db}


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="foresight")
