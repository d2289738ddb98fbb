"""Safe YAML reading that keeps line numbers and refuses YAML's surprises.

- Only plain data: the safe constructor, no Python objects.
- Duplicate keys are problems (PyYAML would silently keep the last one).
- YAML 1.2 style scalars: only true/false are booleans (not yes/no/on/off), integers
  have no leading zeros (010 stays the string "010"), and dates stay text for the
  models to parse, so a bad date is reported as a field error with its line.
- Hostile input is a problem, never a hang or a crash: no aliases (``*name``; a
  "billion laughs" file is refused before anything is built), nesting at most
  MAX_DEPTH deep, files of at most MAX_FILE_BYTES, numbers that fit (at most 20
  digits, finite), and only the core tags (``!!str``, ``!!int``, ``!!float``,
  ``!!bool``, ``!!null``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from foresight.errors import Problem

Loc = tuple[str | int, ...]

#: The largest definition file (and foresight.yaml): a scenario is a few kilobytes.
MAX_FILE_BYTES = 256 * 1024
#: How deep mappings and lists may nest: definitions need four levels.
MAX_DEPTH = 32
#: The most digits of a whole number: beyond any id, count or ratio foresight uses.
MAX_DIGITS = 20
_SCALAR_TAGS = {"tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null")}


class _Resolver(yaml.resolver.BaseResolver):
    """Implicit types of YAML 1.2's core schema, minus the surprises."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _PyLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


_Loader: type = _PyLoader
if getattr(yaml, "__with_libyaml__", False):  # libyaml parses ten times faster
    from yaml._yaml import CParser

    class _CLoader(CParser, yaml.constructor.SafeConstructor, _Resolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            _Resolver.__init__(self)

    _Loader = _CLoader


@dataclass
class Document:
    """One YAML document's data, with the line of every key and item."""

    path: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    plain_text: bool = False

    def line_for(self, loc: Loc) -> int | None:
        """The line of the deepest known part of loc (a path of keys and indexes)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None


def read_text(
    path: Path, label: str, limit: int = MAX_FILE_BYTES
) -> tuple[str | None, list[Problem]]:
    """Read a file of at most limit bytes as UTF-8 text, or explain why it cannot be."""
    try:
        if not path.is_file():
            return None, [Problem(label, None, "", "is not a regular file")]
        with path.open("rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as exc:
        return None, [Problem(label, None, "", f"cannot be read: {exc.strerror}")]
    if len(raw) > limit:
        return None, [
            Problem(
                label,
                None,
                "",
                f"is larger than {limit // 1024} KiB",
                "a definition is a few kilobytes; is this the right file?",
            )
        ]
    if b"\x00" in raw[:8192]:
        return None, [
            Problem(label, None, "", "is a binary file, not text", "save it as UTF-8 text")
        ]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                label,
                line,
                "",
                f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                "save the file with UTF-8 encoding",
            )
        ]
    return text, []


def parse(text: str, label: str, *, plain_text: bool = False) -> Document:
    """Parse YAML text into a Document; syntax errors become problems, never exceptions.

    plain_text: also refuse control characters (escape sequences, bidirectional
    overrides) in any text, as definitions, shown on terminals as they are, must."""
    doc = Document(label, None, plain_text=plain_text)
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        doc.problems.append(Problem(label, None, "", "is empty", "remove it or fill it in"))
        return doc
    loader = _Loader(text)
    try:
        refused = _screen(loader)
        if refused is not None:
            doc.problems.append(refused.problem(label))
            return doc
        loader.dispose()
        loader = _Loader(text)
        node = loader.get_single_node()
        doc.data = _convert(loader, node, (), doc) if node is not None else None
    except _Refused as exc:
        doc.problems.append(exc.problem(label))
        doc.data = None
    except RecursionError:
        doc.problems.append(Problem(label, None, "", "is nested too deeply"))
        doc.data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        doc.problems.append(
            Problem(
                label,
                line,
                "",
                f"YAML syntax error: {message}",
                "check indentation, colons and quotes",
            )
        )
        doc.data = None
    except yaml.YAMLError as exc:
        doc.problems.append(Problem(label, None, "", f"YAML error: {exc}"))
        doc.data = None
    finally:
        loader.dispose()
    return doc


def load(path: Path, label: str | None = None) -> Document:
    """Read and parse one YAML file."""
    label = label or str(path)
    text, problems = read_text(path, label)
    if text is None:
        return Document(label, None, problems=problems)
    return parse(text, label, plain_text=True)


class _Refused(Exception):
    """The document uses something this reader refuses (an alias, deep nesting, a tag)."""

    def __init__(self, line: int | None, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint

    def problem(self, label: str) -> Problem:
        return Problem(label, self.line, "", self.message, self.hint)


def _screen(loader: Any) -> _Refused | None:
    """Walk the document's events (no recursion, nothing built): refuse aliases and
    nesting deeper than MAX_DEPTH before the document is composed."""
    depth = 0
    while loader.check_event():
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent):
            return _Refused(
                event.start_mark.line + 1,
                f"YAML aliases (*{str(event.anchor)[:40]}) are not allowed",
                "write the value out in full",
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return _Refused(
                    event.start_mark.line + 1,
                    f"is nested more than {MAX_DEPTH} levels deep",
                    "definitions and imports are flat mappings and lists",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


# Characters a terminal acts on: C0 controls but tab and newline, DEL, C1 (ESC, CSI),
# and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _scalar(loader: Any, node: yaml.ScalarNode, plain_text: bool = False) -> Any:
    """Build a scalar, refusing other tags and numbers foresight cannot hold."""
    if node.tag not in _SCALAR_TAGS:
        raise _Refused(
            node.start_mark.line + 1,
            f"the tag {str(node.tag)[:60]} is not allowed here",
            "remove the tag",
        )
    text = str(node.value)
    if node.tag.endswith(":int") and sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise _Refused(
            node.start_mark.line + 1, f"{_short(text)} is too large a number", "check the value"
        )
    try:
        value = loader.construct_object(node, deep=True)
    except Exception:  # the constructors fail in many ways on a tagged, malformed value
        raise _Refused(
            node.start_mark.line + 1,
            f"{_short(text)} is not a valid {node.tag.rsplit(':', 1)[-1]}",
            "remove the tag, or fix the value",
        ) from None
    if plain_text and isinstance(value, str):
        found = _CONTROL.search(value)
        if found:
            raise _Refused(
                node.start_mark.line + 1,
                f"holds a control character (U+{ord(found.group()):04X})",
                "definitions are plain text: remove it",
            )
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Refused(
                node.start_mark.line + 1,
                "holds a lone surrogate (a \\ud800-style escape), not text",
                "write the character itself",
            ) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _Refused(
            node.start_mark.line + 1, f"{_short(text)} is too large a number", "check the value"
        )
    return value


def _short(text: str) -> str:
    return repr(text) if len(text) <= 30 else repr(text[:27]) + "…"


def _convert(loader: Any, node: yaml.Node, loc: Loc, doc: Document) -> Any:
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(loader, node, doc.plain_text)
    if node.tag not in _PLAIN_TAGS:
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag {node.tag} is not allowed here", node.start_mark
        )
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*loc, i), doc) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                doc.problems.append(
                    Problem(doc.path, line, _dotted(loc), "a key must be plain text")
                )
                continue
            key = _scalar(loader, key_node, doc.plain_text)
            if key == "<<":
                doc.problems.append(
                    Problem(
                        doc.path,
                        line,
                        _dotted(loc),
                        "YAML merge keys (<<) are not supported",
                        "write the keys out in full",
                    )
                )
                continue
            if key in result:
                first = doc.lines.get((*loc, key))
                doc.problems.append(
                    Problem(
                        doc.path,
                        line,
                        _dotted((*loc, key)),
                        f"duplicate key (first given on line {first})",
                        "keep only one of them",
                    )
                )
                continue
            doc.lines[(*loc, key)] = line
            result[key] = _convert(loader, value_node, (*loc, key), doc)
        return result
    raise yaml.constructor.ConstructorError(None, None, "unsupported YAML node", node.start_mark)


_PLAIN_TAGS = ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def dotted(loc: Loc) -> str:
    """A location as 'weights.some-scenario.observed'."""
    return _dotted(loc)


def dump(data: Any) -> str:
    """Write plain data as block-style YAML that this module reads back unchanged."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
