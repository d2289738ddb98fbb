"""Monthly briefs: a typed context from the engine, rendered by jinja2 to Markdown, HTML, PDF.

The only part of foresight that imports jinja2. A library user writes a brief with
``write_brief(Workspace.open(path), datetime.date(2021, 11, 1))``.
"""

from foresight.report.context import Brief, build_brief, compose_brief
from foresight.report.judgements import KeyJudgement
from foresight.report.render import FORMATS, Written, environment, previous_month, write_brief

__all__ = [
    "FORMATS",
    "Brief",
    "KeyJudgement",
    "Written",
    "build_brief",
    "compose_brief",
    "environment",
    "previous_month",
    "write_brief",
]
