"""The definitions cache: validated definitions kept as plain JSON beside the local store.

Validating a workspace's definitions reads and parses every YAML file and checks it with
pydantic, which costs more than answering `status` on a small log. Once they validate
(errors none, warnings allowed), the config, the scenarios, the indicators, the source
register and the warnings are written to `.foresight/definitions-cache.json`, under a key:
a SHA-256 of the cache format, foresight's version, the code that validates, and every
definition file's path and bytes (foresight.yaml, sources.yaml, everything under
scenarios/ and indicators/). A later command whose files hash to the same key reads the
cache instead, without importing yaml or pydantic.

Invariants:
- The key covers every byte validation reads, so a changed, added, removed or renamed
  file misses the cache. File contents are hashed, not their times: a checkout or a copy
  may keep a time while changing the bytes, and hashing 220 small files takes a few
  milliseconds.
- The cache is data: JSON, decoded into a fixed set of plain classes by name, never
  pickle, so a tampered file cannot run code. Its first line holds the format, the key
  and a SHA-256 of the rest, so a damaged file is noticed; the second line is the index
  `observe` needs (indicator ids, default TLP, database), the third everything else, so
  a command that only logs never parses the definitions. A missing, unreadable,
  damaged, foreign or malformed cache is ignored and rewritten; it is never an error.
- A plain copy answers every attribute, property and `model_dump(mode="json")` the
  pydantic model it was written from does (the behaviour lives in the shared mixins of
  `foresight.definitions`), so no reader can tell them apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresight.definitions import (
    FOLDERS,
    Definitions,
    IndicatorTraits,
    ScenarioTraits,
    SourceDocumentTraits,
    WeightTraits,
    relative_files,
)
from foresight.errors import Problem

if TYPE_CHECKING:
    from foresight.models import WorkspaceConfig

CACHE_FILE = Path(".foresight") / "definitions-cache.json"
FORMAT = 1
#: The modules whose code decides what validates and what the cached objects hold.
CODE = (
    "loader.py",
    "models.py",
    "bounds.py",
    "scales.py",
    "suggest.py",
    "yamlio.py",
    "definitions.py",
    "defcache.py",
)
CONFIG_FILE = "foresight.yaml"
SOURCES_FILE = "sources.yaml"
_MODEL, _DATE = "$model", "$date"
PARTS = ("config", "definitions", "config_problems", "problems")
INDEX = ["database", "default_tlp", "indicators", "no_absence"]


def cache_key(root: Path) -> str | None:
    """The key of the definitions as they are on disk now (None if a file cannot be read)."""
    from foresight import __version__

    digest = hashlib.sha256(f"foresight-definitions {FORMAT} {__version__}".encode())
    here = Path(__file__).parent
    labels = [CONFIG_FILE]
    if (root / SOURCES_FILE).exists():
        labels.append(SOURCES_FILE)
    for folder in FOLDERS:
        if (root / folder).is_dir():
            labels += ["/".join((folder, *parts)) for parts in relative_files(root / folder)]
    try:
        for name in CODE:
            digest.update(b"\0code\0" + (here / name).read_bytes())
        for label in labels:
            with open(os.path.join(root, label), "rb") as file:
                content = file.read()
            # Lengths first, so that no name and bytes can pass for another file's.
            name = label.encode()
            digest.update(b"\0file\0%d\0%s\0%d\0" % (len(name), name, len(content)))
            digest.update(content)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


class Plain:
    """A validated definition read back from the cache: frozen, compared by value."""

    def __init__(self, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "__dict__", fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.__dict__.values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self.__dict__.items())
        return f"{type(self).__name__}({fields})"

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """The fields as a dict, as pydantic's model_dump gives them (mode 'json' or 'python')."""
        return {name: _dump(value, mode) for name, value in self.__dict__.items()}


def _dump(value: Any, mode: str) -> Any:
    if isinstance(value, Plain):
        return value.model_dump(mode)
    if isinstance(value, list):
        return [_dump(v, mode) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v, mode) for k, v in value.items()}
    if mode == "json" and isinstance(value, dt.date):
        return value.isoformat()
    return value


class Scenario(ScenarioTraits, Plain):
    """A cached scenario (as foresight.models.Scenario)."""


class Indicator(IndicatorTraits, Plain):
    """A cached indicator (as foresight.models.Indicator)."""


class Weight(WeightTraits, Plain):
    """A cached weight (as foresight.models.Weight)."""


class SourceRef(Plain):
    """A cached source reference (as foresight.models.SourceRef)."""


class SourceDocument(SourceDocumentTraits, Plain):
    """A cached document of the source register (as foresight.models.SourceDocument)."""


class UserEntry(Plain):
    """A cached web app user (as foresight.models.UserEntry)."""


class Config(Plain):
    """Cached settings of foresight.yaml (as foresight.models.WorkspaceConfig)."""


#: The only classes a cache may name: anything else makes the cache invalid.
CLASSES: dict[str, type[Plain]] = {
    "Scenario": Scenario,
    "Indicator": Indicator,
    "Weight": Weight,
    "SourceRef": SourceRef,
    "SourceDocument": SourceDocument,
    "UserEntry": UserEntry,
    "WorkspaceConfig": Config,
}


def encode(value: Any) -> Any:
    """A validated value as JSON data: models and dates tagged, everything else as it is."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        name = type(value).__name__
        if name not in CLASSES:
            raise TypeError(f"no cached form for {name}")
        return {_MODEL: name, **{field: encode(getattr(value, field)) for field in fields}}
    if isinstance(value, dt.datetime):
        raise TypeError("a date and time has no cached form")
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only text keys have a cached form")
        return {k: encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise TypeError(f"no cached form for {type(value).__name__}")


def loads(text: str | bytes) -> Any:
    """JSON written from encode's data, with the plain objects it stands for."""
    return json.loads(text, object_hook=_decoded)


def _decoded(found: dict[str, Any]) -> Any:
    """One JSON object as loads reads it: a tagged model or date, else the dict itself."""
    if _MODEL in found:
        return CLASSES[found.pop(_MODEL)](found)
    if _DATE in found:
        return dt.date.fromisoformat(found[_DATE])
    return found


@dataclass(frozen=True)
class Cached:
    """The cache as read: the index commands that only log need, the rest decoded on use."""

    index: dict[str, Any]
    body: bytes

    @cached_property
    def data(self) -> dict[str, Any]:
        """The body: config, definitions and warnings, decoded."""
        found = loads(self.body)
        if not isinstance(found, dict) or not all(part in found for part in PARTS):
            raise ValueError("the cache's body is not whole")
        return found

    def config(self) -> WorkspaceConfig:
        """The validated settings of foresight.yaml."""
        return _checked(self.data["config"], Config)

    def definitions(self) -> Definitions:
        """The validated scenarios, indicators and source register."""
        found = self.data["definitions"]
        scenarios, indicators, sources = found["scenarios"], found["indicators"], found["sources"]
        for scenario in scenarios.values():
            _checked(scenario, Scenario)
        for indicator in indicators.values():
            for weight in _checked(indicator, Indicator).weights.values():
                _checked(weight, Weight)
        for document in sources.values():
            _checked(document, SourceDocument)
        origins = {(kind, iid): label for kind, iid, label in found["origins"]}
        return Definitions(scenarios, indicators, origins, sources)

    def config_problems(self) -> list[Problem]:
        """The warnings of foresight.yaml, as validation gave them."""
        return [Problem(*p) for p in self.data["config_problems"]]

    def problems(self) -> list[Problem]:
        """The warnings of the definitions, in the order validation gave them."""
        return [Problem(*p) for p in self.data["problems"]]


def _checked(value: Any, cls: type[Plain]) -> Any:
    """The value, if it is of the class the cache must hold there."""
    if type(value) is not cls:
        raise TypeError(f"the cache holds {type(value).__name__} where {cls.__name__} belongs")
    return value


def read(root: Path, key: str | None) -> Cached | None:
    """The cache, if it was written for key (the files as they are now) and is whole."""
    if key is None:
        return None
    try:
        header, _, rest = (root / CACHE_FILE).read_bytes().partition(b"\n")
        found = json.loads(header)
        if found.get("format") != FORMAT or found.get("key") != key:
            return None
        if found.get("digest") != hashlib.sha256(rest).hexdigest():
            return None  # damaged since it was written
        line, _, body = rest.partition(b"\n")
        index = json.loads(line)
        if not isinstance(index, dict) or sorted(index) != INDEX:
            return None
        return Cached(index, body)
    except (OSError, ValueError, TypeError, AttributeError, RecursionError):
        return None


def write(
    root: Path,
    key: str,
    config: Any,
    config_problems: list[Problem],
    definitions: Definitions,
    problems: list[Problem],
) -> None:
    """Record validated definitions under key; a workspace that cannot take the file runs
    without it (the cache is only a shortcut)."""
    if any(not p.warning for p in [*config_problems, *problems]):
        return
    try:
        text = _document(key, config, config_problems, definitions, problems)
    except (ValueError, TypeError, RecursionError):
        return
    path = root / CACHE_FILE
    temporary = path.with_name(f"{path.name}.{os.getpid()}-{os.urandom(4).hex()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(text)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)


def _document(
    key: str,
    config: Any,
    config_problems: list[Problem],
    definitions: Definitions,
    problems: list[Problem],
) -> bytes:
    """The cache file's bytes: header, index and body, one line each."""
    index = {
        "indicators": sorted(definitions.indicators),
        "no_absence": sorted(
            i.id
            for i in definitions.indicators.values()
            if all(w.absent_ratio == 1.0 for w in i.weights.values())
        ),
        "default_tlp": config.default_tlp,
        "database": config.database,
    }
    data = {
        "config": encode(config),
        "definitions": {
            "scenarios": encode(definitions.scenarios),
            "indicators": encode(definitions.indicators),
            "origins": [[*where, label] for where, label in definitions.origins.items()],
            "sources": encode(definitions.sources),
        },
        "config_problems": [_problem(p) for p in config_problems],
        "problems": [_problem(p) for p in problems],
    }
    rest = _json(index) + b"\n" + _json(data)
    digest = hashlib.sha256(rest).hexdigest()
    return _json({"format": FORMAT, "key": key, "digest": digest}) + b"\n" + rest


def _json(data: Any) -> bytes:
    """One line of JSON (ensure_ascii keeps any line break in a value escaped)."""
    return json.dumps(data, allow_nan=False).encode()


def _problem(problem: Problem) -> list[Any]:
    return [
        problem.file,
        problem.line,
        problem.field,
        problem.message,
        problem.hint,
        problem.warning,
    ]
