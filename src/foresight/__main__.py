"""Run the command line as `python -m foresight`."""

from foresight.launch import main

main()
