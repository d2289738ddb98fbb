"""Start the command line the way a small tool starts: import only what the command uses.

`foresight --version` answers before click is imported. Any other command runs through
click, and the process then ends without tearing down what it built: freeing a
million-row engine object by object costs a third of a second that nobody waits for.
Output is flushed first, and the store is closed (committed) by the command itself.
"""

from __future__ import annotations

import os
import sys

from foresight import __version__

# The global options that take a value (foresight.cli), skipped when looking for --version.
VALUED = ("--workspace", "-w", "--db")


def main() -> None:
    """Entry point of the console script and of `python -m foresight`."""
    if _only_version(sys.argv[1:]):
        sys.stdout.write(f"foresight, version {__version__}\n")
        return
    from foresight.cli import cli

    code = 0
    try:
        cli(prog_name="foresight")
    except SystemExit as exc:
        code = _exit_code(exc.code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or 1
    os._exit(code)


def _only_version(args: list[str]) -> bool:
    """Whether the arguments ask only for the version (global options aside)."""
    rest = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in VALUED:
            skip = True
        elif not arg.startswith(tuple(f"{name}=" for name in VALUED if name.startswith("--"))):
            rest.append(arg)
    return rest == ["--version"] and not skip


def _exit_code(code: object) -> int:
    """The process exit code sys.exit(code) would give."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1
