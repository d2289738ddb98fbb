"""Load and validate a workspace's YAML definitions, collecting every problem at once."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from foresight import yamlio
from foresight.definitions import FOLDERS, Definitions, files_in
from foresight.errors import Problem
from foresight.models import (
    Indicator,
    Scenario,
    SourceDocument,
    SourceRef,
    SourceRegister,
    Strict,
    WorkspaceConfig,
)
from foresight.suggest import did_you_mean

CONFIG_FILE = "foresight.yaml"
SOURCES_FILE = "sources.yaml"
YAML_SUFFIXES = (".yaml", ".yml")


def load_config(root: Path) -> tuple[WorkspaceConfig | None, list[Problem]]:
    """Read foresight.yaml."""
    doc = yamlio.load(root / CONFIG_FILE, CONFIG_FILE)
    if doc.problems and doc.data is None:
        return None, doc.problems
    config = _validate(WorkspaceConfig, doc)
    return config, doc.problems


def load_definitions(root: Path) -> tuple[Definitions, list[Problem]]:
    """Read every scenario and indicator file; return what validated and all problems."""
    problems: list[Problem] = []
    scenarios: dict[str, Scenario] = {}
    indicators: dict[str, Indicator] = {}
    origins: dict[tuple[str, str], str] = {}
    seen: dict[tuple[str, str], str] = {}
    indicator_docs: dict[str, yamlio.Document] = {}
    scenario_docs: dict[str, yamlio.Document] = {}
    invalid_scenarios: list[yamlio.Document] = []
    failed_indicators: list[str] = []

    for folder_name, model, target, docs in (
        (FOLDERS[0], Scenario, scenarios, scenario_docs),
        (FOLDERS[1], Indicator, indicators, indicator_docs),
    ):
        kind = folder_name.removesuffix("s")
        folder = root / folder_name
        if not folder.is_dir():
            problems.append(
                Problem(
                    f"{kind}s/",
                    None,
                    "",
                    "folder is missing",
                    f"create {kind}s/ with one YAML file per {kind}",
                )
            )
            continue
        for path in files_in(folder):
            label = path.relative_to(root).as_posix()
            if path.suffix not in YAML_SUFFIXES:
                if not path.name.startswith("."):
                    problems.append(
                        Problem(
                            label,
                            None,
                            "",
                            "is not a YAML file and is ignored",
                            "name it *.yaml",
                            warning=True,
                        )
                    )
                continue
            doc = yamlio.load(path, label)
            item = _validate(model, doc) if doc.data is not None or not doc.problems else None
            problems.extend(doc.problems)
            if item is None:
                if kind == "scenario":
                    invalid_scenarios.append(doc)
                else:
                    failed_indicators.append(label)
                continue
            key = (kind, item.id)
            if key in seen:
                problems.append(
                    Problem(
                        label,
                        doc.line_for(("id",)),
                        "id",
                        f"duplicate {kind} id '{item.id}' (also in {seen[key]})",
                        "give each a unique id",
                    )
                )
                continue
            seen[key] = label
            origins[key] = label
            target[item.id] = item
            docs[item.id] = doc

    # The ids of scenario files that failed to load, read from the file (or its name):
    # references to them are reported once, at that file, not as errors everywhere.
    failed = {_failed_id(root, doc): doc.path for doc in invalid_scenarios}
    mtimes = {label: _mtime(root / label) for label in origins.values()}
    problems.extend(
        _cross_check(
            scenarios, failed, indicators, scenario_docs, indicator_docs, failed_indicators, mtimes
        )
    )
    sources, found = load_sources(root)
    problems.extend(found)
    problems.extend(_check_citations(sources, scenario_docs, indicator_docs, scenarios, indicators))
    return Definitions(scenarios, indicators, origins, sources), problems


def load_sources(root: Path) -> tuple[dict[str, SourceDocument], list[Problem]]:
    """Read the source register, sources.yaml, when the workspace has one."""
    path = root / SOURCES_FILE
    if not path.exists():
        return {}, []
    doc = yamlio.load(path, SOURCES_FILE)
    register = _validate(SourceRegister, doc) if doc.data is not None or not doc.problems else None
    problems = list(doc.problems)
    if register is None:
        return {}, problems
    documents: dict[str, SourceDocument] = {}
    for index, document in enumerate(register.documents):
        if document.id in documents:
            problems.append(
                Problem(
                    doc.path,
                    doc.line_for(("documents", index, "id")),
                    f"documents.{index}.id",
                    f"duplicate source id '{document.id}'",
                    "give each document a unique id",
                )
            )
            continue
        documents[document.id] = document
    return documents, problems


def _check_citations(
    sources: dict[str, SourceDocument],
    scenario_docs: dict[str, yamlio.Document],
    indicator_docs: dict[str, yamlio.Document],
    scenarios: dict[str, Scenario],
    indicators: dict[str, Indicator],
) -> list[Problem]:
    """Warn where a cited document is nearly, but not exactly, a register id."""
    if not sources:
        return []
    cited: list[tuple[yamlio.Document, tuple[str | int, ...], SourceRef]] = []
    for sid, scenario in scenarios.items():
        cited += [(scenario_docs[sid], ("sources", i), r) for i, r in enumerate(scenario.sources)]
    for iid, indicator in indicators.items():
        doc = indicator_docs[iid]
        cited += [(doc, ("sources", i), r) for i, r in enumerate(indicator.sources)]
        for scenario_id, weight in indicator.weights.items():
            cited += [
                (doc, ("weights", scenario_id, "sources", i), r)
                for i, r in enumerate(weight.sources)
            ]
    problems = []
    for doc, loc, ref in cited:
        if ref.document in sources:
            continue
        hint = did_you_mean(ref.document, sources).lstrip(", ")
        if hint:
            where = (*loc, "document")
            problems.append(
                Problem(
                    doc.path,
                    doc.line_for(where),
                    yamlio.dotted(where),
                    f"'{ref.document}' is not in {SOURCES_FILE}, so it is cited as free text",
                    hint,
                    warning=True,
                )
            )
    return problems


def _failed_id(root: Path, doc: yamlio.Document) -> str:
    """The id a scenario file that failed to load declares: its id: line, else its name."""
    if isinstance(doc.data, dict) and "id" in doc.data:
        return str(doc.data["id"])
    try:
        text = (root / doc.path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    match = re.search(r"^id:\s*[\"']?([^\s\"'#]+)", text, re.MULTILINE)
    return match.group(1) if match else Path(doc.path).stem


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _cross_check(
    scenarios: dict[str, Scenario],
    failed: dict[str, str],
    indicators: dict[str, Indicator],
    scenario_docs: dict[str, yamlio.Document],
    indicator_docs: dict[str, yamlio.Document],
    failed_indicators: list[str],
    mtimes: dict[str, float],
) -> list[Problem]:
    problems: list[Problem] = []
    movable: set[str] = set()
    declared = set(scenarios) | set(failed)
    depending: dict[str, list[str]] = defaultdict(list)  # failed file -> files naming it
    for indicator in indicators.values():
        doc = indicator_docs[indicator.id]
        for scenario_id, weight in indicator.weights.items():
            loc = ("weights", scenario_id)
            if scenario_id in failed:
                depending[failed[scenario_id]].append(f"{doc.path}:{doc.line_for(loc)}")
                continue
            if scenario_id not in declared:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_for(loc),
                        yamlio.dotted(loc),
                        f"no scenario has the id '{scenario_id}'",
                        did_you_mean(scenario_id, declared).lstrip(", ") or "check scenarios/",
                    )
                )
                continue
            if weight.observed_ratio != 1.0 or weight.absent_ratio != 1.0:
                movable.add(scenario_id)
            if not weight.sources and not indicator.sources:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_for(loc),
                        yamlio.dotted(loc),
                        "weight cites no source",
                        "add sources:",
                        warning=True,
                    )
                )
    for path, names in depending.items():
        problems.append(
            Problem(
                path,
                None,
                "",
                f"failed to load (above), so {len(names)} weight(s) naming its scenario are "
                f"not checked: {', '.join(names)}",
                "fix this file first; they are checked once it loads",
                warning=True,
            )
        )
    for scenario in scenarios.values():
        if scenario.id not in movable:
            doc = scenario_docs[scenario.id]
            if failed_indicators:
                # Perhaps one of the indicators that failed to load moves it: say so once.
                continue
            problems.append(
                Problem(
                    doc.path,
                    doc.line_for(("id",)),
                    "id",
                    f"no indicator can move scenario '{scenario.id}'",
                    "give it a non-neutral weight in at least one indicator",
                )
            )
    problems.extend(_check_implications(scenarios, declared, scenario_docs))
    unmoved = [s.id for s in scenarios.values() if s.id not in movable]
    if failed_indicators and unmoved:
        problems.append(
            Problem(
                failed_indicators[0],
                None,
                "",
                f"{len(failed_indicators)} indicator file(s) failed to load (above), so whether "
                f"any indicator moves {', '.join(unmoved)} is not checked",
                "fix the indicator files first",
                warning=True,
            )
        )
    groups: dict[str, list[Scenario]] = defaultdict(list)
    for scenario in scenarios.values():
        if scenario.group:
            groups[scenario.group].append(scenario)
    for group, members in groups.items():
        total = sum(s.prior for s in members)
        if total > 0.999:
            # Point at the member changed last: most likely the one that tipped the sum.
            paths = {s.id: scenario_docs[s.id].path for s in members}
            last = max(members, key=lambda s: (mtimes.get(paths[s.id], 0.0), paths[s.id]))
            doc = scenario_docs[last.id]
            others = ", ".join(f"{paths[s.id]} {s.prior:g}" for s in members if s is not last)
            problems.append(
                Problem(
                    doc.path,
                    doc.line_for(("prior",)),
                    "prior",
                    f"the priors of exclusive group '{group}' sum to {total:.3g} "
                    f"(this file {last.prior:g}; {others})",
                    "mutually exclusive scenarios must sum to at most 0.999, leaving room for "
                    "'none of these'",
                )
            )
        horizons = sorted({s.horizon for s in members})
        if len(horizons) > 1:
            for member in members:
                doc = scenario_docs[member.id]
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_for(("horizon",)),
                        "horizon",
                        f"the answers of exclusive group '{group}' have different horizons "
                        f"({', '.join(str(h) for h in horizons)})",
                        "one question has one time frame: give every member the same horizon",
                        warning=True,
                    )
                )
        if len(members) == 1:
            [alone] = members
            doc = scenario_docs[alone.id]
            hint = did_you_mean(group, [g for g in groups if g != group]).lstrip(", ")
            problems.append(
                Problem(
                    doc.path,
                    doc.line_for(("group",)),
                    "group",
                    f"exclusive group '{group}' has only this scenario",
                    hint
                    or "a group needs two or more scenarios that exclude each other; "
                    "remove 'group:' if this one stands alone",
                    warning=True,
                )
            )
    return problems


def _check_implications(
    scenarios: dict[str, Scenario],
    declared: set[str],
    scenario_docs: dict[str, yamlio.Document],
) -> list[Problem]:
    """Every `implies:` names another known scenario, and the links form no cycle."""
    problems: list[Problem] = []
    for scenario in scenarios.values():
        doc = scenario_docs[scenario.id]
        for index, target in enumerate(scenario.implies):
            loc = ("implies", index)
            if target == scenario.id:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_for(loc),
                        "implies",
                        "a scenario cannot imply itself",
                        "name another scenario, or remove the line",
                    )
                )
            elif target not in declared:
                problems.append(
                    Problem(
                        doc.path,
                        doc.line_for(loc),
                        "implies",
                        f"no scenario has the id '{target}'",
                        did_you_mean(target, declared).lstrip(", ") or "check scenarios/",
                    )
                )
    links = {s.id: [t for t in s.implies if t in scenarios] for s in scenarios.values()}
    for cycle in _cycles(links):
        doc = scenario_docs[cycle[0]]
        problems.append(
            Problem(
                doc.path,
                doc.line_for(("implies",)),
                "implies",
                "the implications form a cycle: " + " -> ".join([*cycle, cycle[0]]),
                "scenarios that imply each other are the same scenario: merge them, or drop "
                "one link",
            )
        )
    return problems


def _cycles(links: dict[str, list[str]]) -> list[list[str]]:
    """Cycles of the implication graph, one per back edge of a depth-first walk (linear)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current trail, 2: finished
    for root in sorted(links):
        if root in state:
            continue
        trail = [root]
        state[root] = 1
        stack = [iter(links.get(root, []))]
        while stack:
            target = next(stack[-1], None)
            if target is None:
                state[trail.pop()] = 2
                stack.pop()
            elif state.get(target) == 1:
                found.append(trail[trail.index(target) :])
            elif target not in state:
                state[target] = 1
                trail.append(target)
                stack.append(iter(links.get(target, [])))
    return found


def _validate(model: type[Strict], doc: yamlio.Document) -> Any:
    """Validate a document against a model; add located problems to the document."""
    if not isinstance(doc.data, dict):
        doc.problems.append(
            Problem(
                doc.path,
                doc.line_for(()),
                "",
                f"must be a mapping of keys to values, not {_kind(doc.data)}",
            )
        )
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        seen: set[tuple[Any, ...]] = set()
        for error in exc.errors():
            loc = _field_loc(model, error["loc"])
            key = (loc, error["type"] == "missing")
            if key in seen:
                continue
            seen.add(key)
            doc.problems.append(_problem(model, doc, loc, error))
        return None


def _problem(
    model: type[Strict], doc: yamlio.Document, loc: tuple[Any, ...], error: Any
) -> Problem:
    kind = error["type"]
    field_name = yamlio.dotted(loc)
    line = doc.line_for(loc)
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed).lstrip(", ")
        if not hint:
            hint = "allowed keys: " + ", ".join(allowed)
        return Problem(doc.path, line, field_name, "unknown key", hint)
    if kind == "missing":
        return Problem(doc.path, line, field_name, "missing required field", f"add '{loc[-1]}:'")
    message, hint = plain_words(kind, loc, error)
    return Problem(doc.path, line, field_name, message, hint)


_SLUG_HINT = "ids are lower-case letters, digits and single hyphens"
_BOUNDS = {
    "greater_than": ("gt", "must be greater than"),
    "greater_than_equal": ("ge", "must be at least"),
    "less_than": ("lt", "must be less than"),
    "less_than_equal": ("le", "must be at most"),
}


def plain_words(kind: str, loc: tuple[Any, ...], error: Any) -> tuple[str, str]:
    """Say what pydantic found wrong in words a newcomer can act on: (message, hint)."""
    raw = error.get("input")
    shown = repr(raw) if isinstance(raw, str) else str(raw)
    name = next((str(part) for part in reversed(loc) if isinstance(part, str)), "")
    ctx = error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        what = "a scenario id" if name == "[key]" or "weights" in loc else f"a valid {name}"
        return f"{shown} is not {what}", f"{_SLUG_HINT}: write '{slugify(str(raw))}'"
    if kind == "model_type" and "weights" in loc:
        return (
            f"{shown} is not a weight",
            "write a weight word (e.g. 'moderate-for') or a mapping with 'observed:' and "
            "optional 'absent:' and 'sources:'",
        )
    if kind == "dict_type" and name == "weights":
        return (
            "must map scenario ids to weights",
            "e.g. 'weights:' then an indented line 'scenario-id: moderate-for'",
        )
    if kind in ("model_type", "dict_type") and "sources" in loc:
        return (
            f"{shown} is not a source",
            "each source is a mapping: '- document: NAME' with an indented 'quote: \"…\"'",
        )
    if kind in ("model_type", "dict_type"):
        return f"must be a mapping of keys to values, not {shown}", "write 'key: value' lines"
    if name in ("half_life_days", "absent_half_life_days") and (
        kind.startswith("int_") or (kind == "value_error" and isinstance(raw, str))
    ):
        return (
            f"{shown} is not a number of days",
            "write a whole number of days (30), '30 days' or '6 weeks', or null for a lasting fact",
        )
    if name == "prior" and (
        kind.startswith("float_") or (kind == "value_error" and isinstance(raw, str))
    ):
        return f"{shown} is not a probability", "write a number such as 0.1, or 10%"
    if kind.startswith(("int_", "float_")):
        return f"{shown} is not a number", "write a number, e.g. 30"
    if "date" in kind:
        return f"{shown} is not a date", "write dates as YYYY-MM-DD, e.g. 2026-01-31"
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        example = ", e.g. 0.1 or 10%" if name == "prior" else ""
        return f"{words} {ctx.get(key)}", f"got {shown}{example}"
    if kind == "list_type" and name == "sources":
        return (
            "must be a list of sources",
            "write '- document: NAME' with an indented 'quote: \"…\"' under it",
        )
    if kind == "list_type":
        return f"must be a list, not {shown}", "write one '- item' per line"
    if kind == "too_short":
        return "needs at least one entry", (
            "add '- document: NAME' and 'quote: \"…\"'" if name == "sources" else ""
        )
    if kind == "string_too_short":
        return "must not be empty", "write some text"
    if kind == "string_type":
        return f"must be text, not {shown}", "put the value in quotes"
    if kind == "literal_error":
        return f"{shown} is not allowed", "write " + str(ctx.get("expected", "")).replace("'", "")
    message = str(error["msg"]).removeprefix("Value error, ")
    return message.replace("Input should be", "should be"), ""


def slugify(text: str) -> str:
    """The nearest slug to a text: 'Bad_Id' -> 'bad-id'."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in text.lower()).split()
    return "-".join(words) or "my-id"


def _field_loc(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop pydantic's union-member and validator parts from an error location."""
    return tuple(
        part
        for part in loc
        if not (isinstance(part, str) and (part in ("str", "float", "int") or "[" in part))
    )


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at a location inside a model."""
    current: Any = model
    for part in loc:
        if _is_model(current):
            info = current.model_fields.get(str(part))
            current = info.annotation if info else None
        else:
            current = _inner_model(current)
    return list(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as list[SourceRef] or dict[str, Weight]."""
    for arg in get_args(annotation):
        if _is_model(arg):
            return arg
        found = _inner_model(arg)
        if found:
            return found
    return None


def _kind(value: Any) -> str:
    return {
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
    }.get(type(value), "nothing")
