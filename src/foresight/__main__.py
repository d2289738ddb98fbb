"""Run the command line as `python -m foresight`."""

from foresight.cli import main

main()
