"""Render briefs with the one jinja2 environment and write them atomically.

Every file of a run (the briefs, the snapshot, the index) is rendered in memory first;
only then are they written, each to a temporary name in the target folder and renamed
into place, so a failed run never leaves a half brief.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from foresight import scales
from foresight.errors import ForesightError, ReportError
from foresight.records import show_date
from foresight.report import charts, pdf, snapshot
from foresight.report.context import (
    NOTABLE,
    Brief,
    Marking,
    add_months,
    compose_brief,
    long_date,
    visible_levels,
)
from foresight.store import describe_url
from foresight.summary import month_end

if TYPE_CHECKING:
    from foresight.workspace import Workspace

FORMATS: tuple[str, ...] = ("md", "html", "pdf")
DEFAULT_FORMATS: tuple[str, ...] = ("md", "html")
BRIEF_FILE = re.compile(r"^(\d{4})-(\d{2})\.(md|html|pdf)$")
COMMENTARY_DIR = "commentary"  # the analyst's commentary for a month: commentary/YYYY-MM.md
INDEX = "index.html"
# The one line of a brief that says when it was rendered (the packaged templates' forms).
GENERATED_LINE = re.compile(r'^(Generated: .*|<p class="generated">.*)$', re.MULTILINE)


@dataclass(frozen=True)
class IndexEntry:
    """One brief in a reports folder, as the index lists it."""

    key: str
    month: dt.date
    headline: str | None
    marking: Marking | None
    html: str | None  # file name, if that format exists
    md: str | None
    pdf: str | None = None


@dataclass(frozen=True)
class Index:
    """The context of the index page: every brief in a folder, newest first."""

    workspace: str
    marking: Marking  # the highest marking of the briefs it quotes
    entries: list[IndexEntry]

    @property
    def title(self) -> str:
        """The page's title."""
        return f"{self.workspace}: monthly briefs"


@dataclass(frozen=True)
class Written:
    """What one run wrote: the brief's context and the paths, briefs first."""

    brief: Brief
    paths: list[Path]


class Markdown(str):
    """Text already safe in Markdown: the .md templates' finalize leaves it as it is."""

    __slots__ = ()


# What Markdown (CommonMark, and GitHub's tables and strikethrough) reads as syntax
# anywhere in a line: escapes, code, emphasis, links and images, raw HTML and
# autolinks, entities, table cells, strikethrough.
# An underscore inside a word never makes emphasis, so file_names stay readable.
_MD_INLINE = re.compile(r"([\\`*\[\]<>&|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
# What it reads as syntax at the start of a line: headings, block quotes, lists,
# setext underlines and thematic breaks.
_MD_LINE_START = re.compile(
    r"^(?:([#+-](?=\s|$)|>|=(?==*\s*$)|-(?=-*\s*$))|([0-9]{1,9})([.)])(?=\s|$))"
)


_WHITESPACE = re.compile(r"\s+")


def md_escape(value: object) -> str:
    """Analyst text made inert in Markdown: one line, every syntax character escaped.

    Rendered as CommonMark with raw HTML on, it shows as the text typed: no tag, link,
    image, emphasis or heading comes from it."""
    if isinstance(value, Markdown):
        return value
    text = _WHITESPACE.sub(" ", str(value))
    text = _MD_INLINE.sub(r"\\\1", text)
    return Markdown(_MD_LINE_START.sub(_escape_line_start, text))


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


@pass_context
def _finalize(context: Context, value: Any) -> Any:
    """Escape every value a Markdown template prints; leave the others to autoescape."""
    name = context.name or ""
    if name.endswith((".md.j2", ".md")) and not isinstance(value, int | float):
        return md_escape(value)
    return value


def environment(overrides: Path | None = None) -> Environment:
    """The one template environment: workspace templates first, then the packaged ones.

    It is jinja2's sandbox: a workspace's templates are somebody's files, and opening
    their workspace must not run their code. HTML templates autoescape; Markdown
    templates escape every value they print (md_escape)."""
    loaders: list[Any] = []
    if overrides is not None and overrides.is_dir():
        loaders.append(FileSystemLoader(str(overrides)))
    loaders.append(PackageLoader("foresight", "templates"))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        finalize=_finalize,
        autoescape=select_autoescape(
            enabled_extensions=("html.j2", "html", "svg.j2"),
            default_for_string=False,
            default=False,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    numbers = dict(
        pct=percent,
        pp=signed_points,
        arrow=arrow,
        trend=lambda change: "up" if change >= NOTABLE else "down" if change <= -NOTABLE else "",
        points=lambda value: f"{100 * value:+.1f} pp",
        log_odds=lambda value: f"{value:+.3f}",
        score=lambda value: f"{value:.3f}",
        signed_score=lambda value: f"{0.0 if abs(value) < 0.0005 else value:+.3f}",
        ratio=lambda value: f"×{value:.3g}",
        long_date=long_date,
        observed=show_date,
    )
    # Numbers and dates foresight formats itself need no Markdown escaping.
    env.filters.update({name: _markdown_safe(f) for name, f in numbers.items()})
    env.filters.update(
        cell=md_cell,
        md_text=md_text,
        oneline=lambda text: " ".join(str(text).split()),
    )
    env.globals["line_chart"] = charts.line_chart
    env.globals["calibration_chart"] = charts.calibration_chart
    return env


def _markdown_safe(format_: Any) -> Any:
    def formatted(*args: Any, **kwargs: Any) -> Markdown:
        return Markdown(format_(*args, **kwargs))

    return formatted


def percent(value: float, digits: int = 0) -> str:
    """0.456 -> '46%' (digits=0) or '45.6%' (digits=1)."""
    return f"{100 * value:.{digits}f}%"


def arrow(change: float) -> str:
    """▲ for a rise, ▼ for a fall, = for no notable change."""
    return "▲" if change >= NOTABLE else "▼" if change <= -NOTABLE else "="


def signed_points(change: float) -> str:
    """A change in percentage points with its direction: '▲ +4.2 pp'."""
    if abs(change) < NOTABLE:
        return "= 0.0 pp"
    return f"{arrow(change)} {100 * change:+.1f} pp"


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no syntax."""
    return md_escape(value)


def md_text(value: object) -> str:
    """Analyst text as literal Markdown on one line (see md_escape)."""
    return md_escape(value)


def render(env: Environment, name: str, **context: Any) -> str:
    """Render one template; turn any template problem into a ReportError."""
    try:
        return env.get_template(name).render(**context)
    except TemplateNotFound as exc:
        raise ReportError(f"template {exc.name} was not found") from None
    except TemplateSyntaxError as exc:
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        raise ReportError(f"template {where}: {exc.message}") from None
    except TemplateError as exc:
        raise ReportError(f"cannot render {name}{_where(exc)}: {exc}") from None
    except ForesightError:
        raise
    except Exception as exc:  # an override's expression may fail in any way
        kind = type(exc).__name__
        raise ReportError(f"cannot render {name}{_where(exc)}: {kind}: {exc}") from None


def _where(exc: BaseException) -> str:
    """' (at file:line)' for the innermost template frame of a rendering error."""
    found = ""
    frame = exc.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = f" (at {Path(filename).name}:{frame.tb_lineno})"
        frame = frame.tb_next
    return found


def previous_month(today: dt.date | None = None) -> dt.date:
    """The first day of the last full calendar month before today."""
    return add_months((today or dt.date.today()).replace(day=1), -1)


def write_brief(
    workspace: Workspace,
    month: dt.date,
    *,
    audience: str | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    out: Path | None = None,
    generated: dt.datetime | None = None,
    audit: bool = True,
) -> Written:
    """Render the month's brief in the given formats, its snapshot and the index, atomically.

    audit: whether the track record (shown once a scenario is resolved) lists the
    indicator audit.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ReportError(f"formats must be among {', '.join(FORMATS)}; got {', '.join(formats)}")
    first = month.replace(day=1)
    key = f"{first:%Y-%m}"
    today = dt.date.today()
    if first > today:
        raise ReportError(
            f"{first:%B %Y} has not begun (today is {today}); brief a month that has begun"
        )
    partial = month_end(first) >= today
    folder = (out if out is not None else workspace.reports_dir).expanduser()
    if str(folder).strip() == "":
        raise ReportError("the folder to write to is empty; name one, or leave --out out")
    if out is None and folder.is_symlink():
        raise ReportError(
            f"cannot write the brief: {folder} is a symbolic link, which may lead out of the "
            "workspace; name the folder with --out to write there. Nothing was written."
        )
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"{folder} is not a folder")
    config = workspace.config
    level = scales.normalise_tlp(audience or config.default_audience)
    previous = snapshot.previous(folder, key)
    definitions = workspace.definitions
    store = workspace.store
    levels = visible_levels(level)
    commentary = read_commentary(workspace.root / COMMENTARY_DIR / f"{key}.md")
    # The engine reads compact scored rows and loads only the observations it shows;
    # the provenance is counted by the database: the log is never held in memory.
    brief = compose_brief(
        definitions,
        workspace.engine(audience=level),
        store.summary(
            since=first,
            until=month_end(first),
            tlps=levels,
            indicators=list(definitions.indicators),
        ),
        first,
        evidence=lambda indicators: [
            o for o in store.observations(indicators=indicators) if o.tlp in levels
        ],
        audience=level,
        workspace=config.name,
        yardstick=config.yardstick,
        store=describe_url(workspace.db_url),
        previous=previous,
        generated=generated,
        resolutions=store.resolutions(),
        audit=audit,
        commentary=commentary,
        appendix=config.methodology_appendix,
    )
    env = environment(workspace.templates_dir)
    files: dict[Path, str | bytes] = {}
    for fmt in ("md", "html"):
        if fmt in formats:
            files[folder / f"{key}.{fmt}"] = render(
                env, f"brief.{fmt}.j2", brief=brief, partial=partial
            )
    if "pdf" in formats:
        html = render(env, "brief.html.j2", brief=brief, partial=partial)
        files[folder / f"{key}.pdf"] = pdf.html_to_pdf(html)
    snapshots = snapshot.read_all(folder)
    snapshots[key] = brief.snapshot
    files[snapshot.snapshot_path(folder, key)] = snapshot.dumps(brief.snapshot)
    index = build_index(config.name, folder, snapshots, [p.name for p in files])
    files[folder / INDEX] = render(env, "index.html.j2", index=index)
    paths = list(files)
    if generated is None and not os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        # No time was asked for: an unchanged brief keeps the time it was first made.
        files = {path: text for path, text in files.items() if not _same_brief(path, text)}
    write_atomically(files, folder)
    return Written(brief, paths)


def _same_brief(path: Path, text: str | bytes) -> bool:
    """Whether the file on disk already says the same, but for its generation time.

    Re-rendering an unchanged brief then leaves its bytes (and a checkout) untouched.
    A PDF is always written: its layout carries the time in a way no line can blank.
    """
    if isinstance(text, bytes):
        return False
    try:
        old = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return old == text or GENERATED_LINE.sub("", old) == GENERATED_LINE.sub("", text)


def _check_targets(files: dict[Path, str | bytes], folder: Path) -> None:
    """Refuse to write through a symbolic link below folder, or over a non-regular file."""
    for path in files:
        try:
            inside = path.relative_to(folder)
        except ValueError:
            raise ReportError(
                f"cannot write the brief: {path} lies outside {folder}; nothing was written"
            ) from None
        current = folder
        for part in inside.parts[:-1]:
            current = current / part
            if current.is_symlink() or (current.exists() and not current.is_dir()):
                raise ReportError(
                    f"cannot write the brief: {current} is a symbolic link or not a folder; "
                    "foresight writes only into "
                    "real folders inside the one named. Nothing was written."
                )
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise ReportError(
                f"cannot write the brief: {path} is a symbolic link or not a regular file; "
                "nothing was written "
                "(move it away to write the brief)"
            )


def build_index(
    workspace: str, folder: Path, snapshots: dict[str, snapshot.Snapshot], new: list[str]
) -> Index:
    """List every brief in the folder (and those about to be written), newest first."""
    names = set(new)
    if folder.is_dir():
        names.update(p.name for p in folder.iterdir() if p.is_file())
    found: dict[str, dict[str, str]] = {}
    for name in sorted(names):
        match = BRIEF_FILE.match(name)
        if match and 1 <= int(match.group(2)) <= 12:
            found.setdefault(f"{match.group(1)}-{match.group(2)}", {})[match.group(3)] = name
    entries = []
    for key in sorted(found, reverse=True):
        data = snapshots.get(key, {})
        level = data.get("marking")
        marking = Marking(level) if level in scales.TLP_LEVELS else None
        headline = data.get("headline")
        year, month = key.split("-")
        entries.append(
            IndexEntry(
                key,
                dt.date(int(year), int(month), 1),
                headline if isinstance(headline, str) else None,
                marking,
                found[key].get("html"),
                found[key].get("md"),
                found[key].get("pdf"),
            )
        )
    highest = max((e.marking.rank for e in entries if e.marking), default=0)
    return Index(workspace, Marking(scales.TLP_LEVELS[highest]), entries)


def read_commentary(path: Path) -> str:
    """The analyst's commentary for the month, or '' when there is none."""
    if not path.is_file():
        return ""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ReportError(
            f"{COMMENTARY_DIR}/{path.name}: the commentary is not UTF-8 text (save it as UTF-8)"
        ) from None
    except OSError as exc:
        where = f"{COMMENTARY_DIR}/{path.name}"
        raise ReportError(f"{where}: cannot read the commentary: {exc.strerror}") from None


def write_atomically(files: dict[Path, str | bytes], folder: Path | None = None) -> None:
    """Write each text to a temporary file beside its target, then rename all into place.

    folder: the folder named for the run; nothing is written through a symbolic link
    inside it (a reports/.snapshots pointing elsewhere), nor over anything but a
    regular file."""
    mask = os.umask(0)
    os.umask(mask)
    if folder is not None:
        _check_targets(files, folder)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((Path(name), path))
            if isinstance(text, bytes):
                with os.fdopen(fd, "wb") as binary:
                    binary.write(text)
            else:
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
            os.chmod(name, 0o666 & ~mask)
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as exc:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        where = exc.filename or next(iter(files)).parent
        raise ReportError(f"cannot write the brief: {exc.strerror or exc} ({where})") from None
