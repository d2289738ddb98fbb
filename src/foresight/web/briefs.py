"""The briefs: the archive in the reports folder, and any month rendered on demand.

An archived brief is shown only to users cleared for its marking. A brief rendered on
demand is written for the user's clearance (as `foresight brief --audience`) into a
temporary folder, so the committed archive is never overwritten from the web.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from starlette.responses import Response

from foresight import scales
from foresight.errors import InputError, UnknownIdError
from foresight.report import snapshot
from foresight.report.render import BRIEF_FILE, build_index
from foresight.web.app import Visit, page

# A brief is a self-contained page with its own inline style, and no script.
BRIEF_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
TYPES = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8"}
ARCHIVED_TYPES = {**TYPES, "pdf": "application/pdf"}  # the archive may also hold PDFs


@page()
def archive(visit: Visit) -> Response:
    """Every brief in the reports folder the user is cleared for, newest first."""
    workspace = visit.site.workspace()
    folder = workspace.reports_dir
    index = build_index(visit.site.config.name, folder, snapshot.read_all(folder), [])
    entries = [
        e for e in index.entries if e.marking is not None and visit.me.may_see(e.marking.level)
    ]
    withheld = len(index.entries) - len(entries)
    return visit.render("briefs.html.j2", entries=entries, withheld=withheld)


@page()
def archived(visit: Visit) -> Response:
    """One archived brief, as HTML to read or Markdown to download."""
    name = visit.request.path_params["name"]
    match = BRIEF_FILE.match(name)
    folder = visit.site.workspace().reports_dir
    path = folder / name
    if match is None or not path.is_file():
        raise UnknownIdError(f"there is no brief {name} in the reports folder")
    key = f"{match.group(1)}-{match.group(2)}"
    marking = snapshot.read_all(folder).get(key, {}).get("marking")
    if marking not in scales.TLP_LEVELS or not visit.me.may_see(str(marking)):
        raise UnknownIdError(f"there is no brief {name} in the reports folder")
    fmt = match.group(3)
    if fmt == "pdf":  # written by 'foresight brief --format pdf': served as it is
        return _file(path.read_bytes(), fmt, name)
    return _file(path.read_text(encoding="utf-8"), fmt, name)


@page()
def render_month(visit: Visit) -> Response:
    """Render any month's brief now, for the user's clearance."""
    month = _month(visit.query.get("month", ""))
    fmt = visit.query.get("format", "html")
    if fmt not in TYPES:
        raise InputError(f"format: '{fmt}' is not a brief format; use html or md")
    workspace = visit.site.workspace()
    with tempfile.TemporaryDirectory(prefix="foresight-brief-") as out:
        written = workspace.brief(month, audience=visit.me.clearance, formats=(fmt,), out=Path(out))
        path = written.paths[0]
        text = path.read_text(encoding="utf-8")
    return _file(text, fmt, path.name)


def _month(text: str) -> dt.date:
    try:
        year, month = text.strip().split("-")
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise InputError(f"month: '{text}' is not a month; write it as YYYY-MM") from None


def _file(text: str | bytes, fmt: str, name: str) -> Response:
    headers = {"content-security-policy": BRIEF_CSP}
    if fmt in ("md", "pdf"):
        headers["content-disposition"] = f'attachment; filename="{name}"'
    return Response(text, media_type=ARCHIVED_TYPES[fmt], headers=headers)
