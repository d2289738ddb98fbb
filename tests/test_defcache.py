"""The definitions cache: what it keys on, what it survives, and that it changes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from factories import packs
from hypothesis import given, settings

from foresight import defcache
from foresight.cli import cli
from foresight.defcache import CACHE_FILE
from foresight.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
AS_OF = ("--as-of", "2026-03-31")


def invoke(root: Path, *args: str) -> Result:
    """Run the command line in a workspace, as a user would."""
    return CliRunner().invoke(cli, ["--workspace", str(root), *args])


def cached(root: Path) -> dict:
    """The cache file as written: its header, index and body lines as one dict."""
    header, index, body = (root / CACHE_FILE).read_bytes().split(b"\n")
    return {**json.loads(header), "index": json.loads(index), **json.loads(body)}


def rewrite(root: Path, found: dict, digest: bool = True) -> None:
    """Write a cache file with found's contents, its digest made to match unless told."""
    head = {name: found.pop(name) for name in ("format", "key", "digest")}
    rest = json.dumps(found.pop("index")).encode() + b"\n" + json.dumps(found).encode()
    if digest:
        head["digest"] = hashlib.sha256(rest).hexdigest()
    (root / CACHE_FILE).write_bytes(json.dumps(head).encode() + b"\n" + rest)


def test_a_command_that_loads_the_definitions_writes_the_cache(log_ws: Path) -> None:
    assert not (log_ws / CACHE_FILE).exists()
    result = invoke(log_ws, "scenarios", "--json")
    assert result.exit_code == 0, result.output
    found = cached(log_ws)
    assert found["key"] == defcache.cache_key(log_ws)
    assert found["index"]["indicators"] == [
        "example-indicator",
        "other-indicator",
        "second-indicator",
    ]
    assert sorted(found["definitions"]["scenarios"]) == ["example-scenario", "other-scenario"]
    assert Workspace(log_ws)._cached is not None


@pytest.mark.parametrize("change", ["changed", "added", "removed", "renamed", "sources"])
def test_a_changed_added_removed_or_renamed_file_misses_the_cache(
    log_ws: Path, change: str
) -> None:
    assert invoke(log_ws, "indicators", "--json").exit_code == 0
    assert Workspace(log_ws)._cached is not None
    indicators = log_ws / "indicators"
    second = indicators / "second-indicator.yaml"
    if change == "changed":
        text = second.read_text(encoding="utf-8")
        second.write_text(text.replace("half_life_days: 60", "half_life_days: 61"), "utf-8")
        expected = 61
    elif change == "added":
        text = second.read_text(encoding="utf-8").replace("second-indicator", "third-indicator")
        (indicators / "third-indicator.yaml").write_text(text, encoding="utf-8")
        expected = 60
    elif change == "removed":
        second.unlink()
        expected = None
    elif change == "renamed":
        second.rename(indicators / "second.yaml")
        expected = 60
    else:
        (log_ws / "sources.yaml").write_text(
            "documents:\n  - id: tass\n    title: TASS\n    published: 2021\n", encoding="utf-8"
        )
        expected = 60
    assert Workspace(log_ws)._cached is None
    result = invoke(log_ws, "indicators", "--json")
    assert result.exit_code == 0, result.output
    listed = {i["id"]: i["half_life_days"] for i in json.loads(result.output)}
    assert listed.get("second-indicator") == expected
    assert ("third-indicator" in listed) == (change == "added")
    if change == "sources":
        assert sorted(Workspace(log_ws).definitions.sources) == ["tass"]
    # Loaded again from the files, and cached for them.
    assert cached(log_ws)["key"] == defcache.cache_key(log_ws)
    assert Workspace(log_ws)._cached is not None


def _pack(tmp_path: Path) -> Path:
    """A copy of the shipped example pack with its example log imported."""
    root = tmp_path / "pack"
    root.mkdir()
    for name in ("foresight.yaml", "sources.yaml"):
        shutil.copyfile(ROOT / name, root / name)
    for folder in ("scenarios", "indicators"):
        shutil.copytree(ROOT / folder, root / folder)
    result = invoke(root, "import", str(ROOT / "examples" / "observations.csv"))
    assert result.exit_code == 0, result.output
    return root


def _benchmark_pack(tmp_path: Path) -> Path:
    """A generated benchmark workspace (20 scenarios, 200 indicators), 2,000 observations."""
    root = tmp_path / "bench"
    script = ROOT / "benchmarks" / "generate.py"
    command = [sys.executable, str(script), str(root), "--observations", "2000", "--no-import"]
    subprocess.run(command, check=True, capture_output=True)
    result = invoke(root, "import", str(root / "observations.csv"))
    assert result.exit_code == 0, result.output
    return root


COMMANDS = [
    ("status", *AS_OF, "--json"),
    ("favoured", *AS_OF, "--json"),
    ("scenarios", "--json"),
    ("indicators", "--json"),
    ("history", "--all", "--from", "2025-10-01", "--to", "2026-03-31", "--json"),
    ("status", *AS_OF),
    ("validate", "--strict"),
]


@pytest.mark.parametrize("make", [_pack, _benchmark_pack], ids=["example", "benchmark"])
def test_answers_from_the_cache_are_the_answers_from_the_files_byte_for_byte(
    tmp_path: Path, make: object
) -> None:
    root = make(tmp_path)  # type: ignore[operator]
    first = next(iter(Workspace(root).definitions.scenarios))
    for command in [*COMMANDS, ("explain", first, *AS_OF, "--json")]:
        (root / CACHE_FILE).unlink(missing_ok=True)
        from_files = invoke(root, *command)
        assert from_files.exit_code == 0, from_files.output
        assert (root / CACHE_FILE).exists(), command
        assert type(Workspace(root).definitions.scenarios[first]) is defcache.Scenario
        from_cache = invoke(root, *command)
        assert from_cache.exit_code == 0, from_cache.output
        assert from_cache.output == from_files.output, command
        assert from_cache.stderr == from_files.stderr, command


def test_warnings_are_reported_as_before_when_the_cache_is_used(log_ws: Path) -> None:
    # A citation that nearly names a register entry, a lone exclusive group, a file
    # that is not YAML.
    (log_ws / "sources.yaml").write_text(
        "documents:\n  - id: briefing-note-2025-12\n    title: A note\n    published: 2025\n",
        encoding="utf-8",
    )
    other = log_ws / "scenarios" / "other-scenario.yaml"
    other.write_text(other.read_text(encoding="utf-8") + "group: alone\n", encoding="utf-8")
    (log_ws / "indicators" / "notes.txt").write_text("to do\n", encoding="utf-8")
    runs = []
    for _ in range(2):
        runs.append(invoke(log_ws, "validate"))
        assert runs[-1].exit_code == 0, runs[-1].output
        assert (log_ws / CACHE_FILE).exists()
    assert Workspace(log_ws)._cached is not None
    assert runs[1].output == runs[0].output
    assert "indicators/notes.txt: warning: is not a YAML file and is ignored" in runs[1].output
    assert (
        "indicators/other-indicator.yaml:10: warning: sources.0.document: "
        "'briefing-note-2025-12.pdf' is not in sources.yaml, so it is cited as free text "
        "(did you mean 'briefing-note-2025-12'?)"
    ) in runs[1].output
    assert "exclusive group 'alone' has only this scenario" in runs[1].output
    warnings = runs[1].output.count(": warning: ")
    assert warnings == len(cached(log_ws)["problems"]) > 2
    assert f"({warnings} warning(s))" in runs[1].output
    strict = invoke(log_ws, "validate", "--strict")
    assert strict.exit_code == 1, strict.output
    assert strict.output.endswith(f"0 error(s), {warnings} warning(s).\n")


def test_definitions_with_errors_are_never_cached(log_ws: Path) -> None:
    other = log_ws / "scenarios" / "other-scenario.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("prior: 0.4", "prior: 4"), "utf-8")
    for _ in range(2):
        result = invoke(log_ws, "status", "--json")
        assert result.exit_code == 1, result.output
        assert (
            "scenarios/other-scenario.yaml:4: prior: must be at most 0.999 (got 4.0"
            in result.output
        )
        assert not (log_ws / CACHE_FILE).exists()


def _garble(root: Path, how: str) -> None:
    path = root / CACHE_FILE
    if how == "bytes":
        path.write_bytes(b"\x00\xff not json")
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif how == "folder":
        path.unlink()
        path.mkdir()
    elif how == "unreadable-shape":
        path.write_text("[1, 2, 3]", encoding="utf-8")
    else:
        found = cached(root)
        if how == "format":
            found["format"] = defcache.FORMAT + 1
        elif how == "damaged":
            # A changed byte in the body, the digest left as written: noticed, not used.
            found["definitions"]["scenarios"]["example-scenario"]["prior"] = 0.9
        elif how == "damaged-index":
            found["index"]["indicators"].append("made-up")
            rewrite(root, found, digest=False)
            return
        elif how == "foreign-class":
            # A name outside the plain classes: never looked up anywhere else.
            found["config"]["$model"] = "os.system"
        elif how == "not-a-model":
            del found["definitions"]["scenarios"]["example-scenario"]["$model"]
        elif how == "bad-date":
            scenario = found["definitions"]["scenarios"]["example-scenario"]
            scenario["horizon"] = {"$date": "not a date"}
        elif how == "missing-part":
            del found["problems"]
        rewrite(root, found, digest=how != "damaged")


@pytest.mark.parametrize(
    "how",
    [
        "bytes",
        "truncated",
        "folder",
        "unreadable-shape",
        "format",
        "damaged",
        "damaged-index",
        "foreign-class",
        "not-a-model",
        "bad-date",
        "missing-part",
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(log_ws: Path, how: str) -> None:
    good = invoke(log_ws, "status", *AS_OF, "--json")
    assert good.exit_code == 0, good.output
    _garble(log_ws, how)
    again = invoke(log_ws, "status", *AS_OF, "--json")
    assert again.exit_code == 0, again.output
    assert again.output == good.output
    if how != "folder":
        assert cached(log_ws)["key"] == defcache.cache_key(log_ws)
        assert Workspace(log_ws).definitions == Workspace(log_ws).definitions
    validate = invoke(log_ws, "validate")
    assert validate.exit_code == 0, validate.output


def test_a_definition_file_that_cannot_be_read_means_no_key_and_the_loader_reports_it(
    log_ws: Path,
) -> None:
    assert invoke(log_ws, "scenarios", "--json").exit_code == 0
    (log_ws / "sources.yaml").mkdir()  # read as a file by the key and by the loader
    assert defcache.cache_key(log_ws) is None
    assert Workspace(log_ws)._cached is None
    result = invoke(log_ws, "scenarios", "--json")
    assert result.exit_code == 1, result.output
    assert result.output == (
        "Error: 1 problem(s) in the definitions:\nsources.yaml: is not a regular file\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ("status", "--json"),
        ("favoured", "--json"),
        ("explain", "example-scenario", "--json"),
        ("history", "--all", "--json"),
        ("scenarios", "--json"),
        ("validate",),
        (
            "observe",
            "example-indicator",
            "--date",
            "2026-01-05",
            "--source",
            "TASS",
            "--reliability",
            "B",
            "--credibility",
            "2",
        ),
    ],
    ids=lambda command: command[0],
)
def test_commands_from_the_cache_import_neither_pydantic_nor_yaml(
    log_ws: Path, command: tuple[str, ...]
) -> None:
    assert invoke(log_ws, "scenarios", "--json").exit_code == 0  # writes the cache
    code = (
        "import sys\n"
        "from foresight.cli import cli\n"
        f"cli.main(['--workspace', {str(log_ws)!r}, *{list(command)!r}], "
        "standalone_mode=False)\n"
        "loaded = sorted(m for m in ('pydantic', 'yaml', 'foresight.loader', 'rich') "
        "if m in sys.modules)\n"
        "print(loaded, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "[]", result.stderr


@settings(max_examples=60, deadline=None)
@given(pack=packs())
def test_cached_copies_answer_as_the_models_do(pack: object) -> None:
    from foresight.engine import Engine

    models = pack  # a Definitions of validated pydantic models
    scenarios = defcache.loads(json.dumps(defcache.encode(models.scenarios)))
    indicators = defcache.loads(json.dumps(defcache.encode(models.indicators)))
    for sid, scenario in models.scenarios.items():
        copy = scenarios[sid]
        assert type(copy) is defcache.Scenario
        assert copy.model_dump(mode="json") == scenario.model_dump(mode="json")
        assert copy.model_dump() == scenario.model_dump()
        assert copy.label == scenario.label
        assert copy.prior_set_on == scenario.prior_set_on
    for iid, indicator in models.indicators.items():
        copy = indicators[iid]
        assert copy.model_dump(mode="json") == indicator.model_dump(mode="json")
        assert copy.absent_half_life == indicator.absent_half_life
        for sid, weight in indicator.weights.items():
            assert copy.weights[sid].observed_ratio == weight.observed_ratio
            assert copy.weights[sid].absent_ratio == weight.absent_ratio
            assert copy.settles(sid) == indicator.settles(sid)
    from factories import observation

    log = [observation(iid, day) for day in (0, 200, 400) for iid in models.indicators]
    day = log[-1].observed_on
    plain = type(models)(scenarios, indicators)
    expected = Engine(models, log).assess(day).results
    found = Engine(plain, log).assess(day).results
    assert {k: r.probability for k, r in found.items()} == {
        k: r.probability for k, r in expected.items()
    }


def test_cached_copies_are_frozen_and_compare_by_value(log_ws: Path) -> None:
    invoke(log_ws, "scenarios", "--json")
    first, second = Workspace(log_ws).definitions, Workspace(log_ws).definitions
    scenario = first.scenarios["example-scenario"]
    assert type(scenario) is defcache.Scenario
    assert scenario == second.scenarios["example-scenario"]
    assert scenario != first.scenarios["other-scenario"]
    with pytest.raises(AttributeError, match="frozen"):
        scenario.prior = 0.5  # type: ignore[misc]
    source = scenario.sources[0]
    assert hash(source) == hash(second.scenarios["example-scenario"].sources[0])


def test_the_files_listed_are_those_the_loader_globbed(tmp_path: Path) -> None:
    from foresight.definitions import files_in

    folder = tmp_path / "indicators"
    (folder / "nested" / "deeper").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for name in ("b.yaml", "a-b.yaml", ".dot.yaml", "notes.txt", "nested/x.yaml"):
        (folder / name).write_text("x", encoding="utf-8")
    (folder / "nested" / "deeper" / "y.yml").write_text("y", encoding="utf-8")
    (folder / ".hidden" / "z.yaml").write_text("z", encoding="utf-8")
    (tmp_path / "elsewhere" / "w.yaml").write_text("w", encoding="utf-8")
    (folder / "linked.yaml").symlink_to(folder / "b.yaml")
    (folder / "dangling.yaml").symlink_to(tmp_path / "nowhere")
    (folder / "a").symlink_to(tmp_path / "elsewhere")  # a linked folder is not followed
    expected = sorted(p for p in folder.rglob("*") if p.is_file())
    assert files_in(folder) == expected
    assert [p.relative_to(folder).as_posix() for p in expected] == [
        ".dot.yaml",
        ".hidden/z.yaml",
        "a-b.yaml",
        "b.yaml",
        "linked.yaml",
        "nested/deeper/y.yml",
        "nested/x.yaml",
        "notes.txt",
    ]


def test_cached_settings_and_register_answer_as_the_models_do(log_ws: Path) -> None:
    from foresight.loader import load_config, load_definitions

    config = log_ws / "foresight.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("yardstick: icd203", "yardstick: phia")
        + "users:\n  - name: ana\n"
        + "    password: scrypt$16384$8$1$c2FsdA==$aGFzaA==\n"
        + "    role: analyst\n    clearance: amber\n",
        encoding="utf-8",
    )
    (log_ws / "sources.yaml").write_text(
        "documents:\n"
        "  - id: koc-2021\n    title: A study\n    author: Ayşe Koç\n    published: 2021-11\n"
        "  - id: note\n    title: A note\n    outlet: TASS\n    published: 2017-02-23\n"
        "    url: https://example.org/note\n",
        encoding="utf-8",
    )
    assert invoke(log_ws, "validate").exit_code == 0
    workspace = Workspace(log_ws)
    assert workspace._cached is not None
    settings_, _ = load_config(log_ws)
    register = load_definitions(log_ws)[0].sources
    assert type(workspace.config) is defcache.Config
    assert workspace.config.model_dump(mode="json") == settings_.model_dump(mode="json")
    assert workspace.config.users[0].clearance == "AMBER"
    sources = workspace.definitions.sources
    assert list(sources) == list(register) == ["koc-2021", "note"]
    for sid, document in register.items():
        copy = sources[sid]
        assert type(copy) is defcache.SourceDocument
        assert (copy.by, copy.short, copy.when) == (document.by, document.short, document.when)
        assert copy.model_dump(mode="json") == document.model_dump(mode="json")
