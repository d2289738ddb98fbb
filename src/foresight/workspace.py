"""A workspace: foresight.yaml, scenarios/, indicators/, reports/ and the observation store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresight.errors import (
    DefinitionError,
    ForesightError,
    Problem,
    StoreError,
    WorkspaceNotFoundError,
)

if TYPE_CHECKING:
    from foresight.defcache import Cached
    from foresight.definitions import Definitions
    from foresight.engine import Assessment, Engine
    from foresight.models import WorkspaceConfig
    from foresight.report.render import Written
    from foresight.store import Store
    from foresight.summary import PathPoint, Status, Why

CONFIG_FILE = "foresight.yaml"
SKELETON = Path(__file__).parent / "skeleton"


def find_root(explicit: str | Path | None = None, cwd: Path | None = None) -> Path:
    """Locate the workspace: --workspace, then FORESIGHT_WORKSPACE, then walk up from cwd."""
    for given, origin in (
        (explicit, "--workspace"),
        (os.environ.get("FORESIGHT_WORKSPACE"), "FORESIGHT_WORKSPACE"),
    ):
        if given:
            root = Path(given).expanduser().resolve()
            if not (root / CONFIG_FILE).is_file():
                raise WorkspaceNotFoundError(
                    f"{origin} points at {root}, which has no {CONFIG_FILE}. "
                    f"Create a workspace there with: foresight init {given}"
                )
            return root
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    raise WorkspaceNotFoundError(
        f"no {CONFIG_FILE} found in {start} or any folder above it. "
        "Create a workspace with 'foresight init DIR', or point at one with "
        "--workspace DIR or FORESIGHT_WORKSPACE."
    )


class Workspace:
    """One workspace on disk; definitions are loaded and validated on first use."""

    def __init__(self, root: Path, db_url: str | None = None) -> None:
        self.root = root
        self._db_url = db_url

    @classmethod
    def open(cls, path: str | Path | None = None, db_url: str | None = None) -> Workspace:
        """Open the workspace at path, or find it as the command line does."""
        return cls(find_root(path), db_url)

    @cached_property
    def config(self) -> WorkspaceConfig:
        """The validated settings of foresight.yaml."""
        cached = self._from_cache("config")
        if cached is not None:
            return cached
        config, problems = self._config_loaded
        if config is None or any(not p.warning for p in problems):
            raise DefinitionError(problems)
        return config

    @cached_property
    def definitions(self) -> Definitions:
        """The validated scenarios and indicators; raises DefinitionError on any error.

        Read from the definitions cache while the files are those it was written for;
        otherwise loaded from the files, validated, and cached when they validate."""
        cached = self._from_cache("definitions")
        if cached is not None:
            return cached
        from foresight.loader import load_definitions

        key = self._cache_key  # before loading: a file changed meanwhile misses the cache
        definitions, problems = load_definitions(self.root)
        if any(not p.warning for p in problems):
            raise DefinitionError(problems)
        config, config_problems = self._config_loaded
        if config is not None:
            self._remember(key, config, config_problems, definitions, problems)
        return definitions

    def indicator_ids(self) -> list[str]:
        """The ids of the validated indicators (from the cache while the files are unchanged)."""
        index = self._index
        return list(index["indicators"]) if index else sorted(self.definitions.indicators)

    def indicators_without_absence(self) -> list[str]:
        """Indicators with no absent: weight, whose absence would move nothing."""
        index = self._index
        if index:
            return list(index["no_absence"])
        return sorted(
            i.id
            for i in self.definitions.indicators.values()
            if all(w.absent_ratio == 1.0 for w in i.weights.values())
        )

    @property
    def default_tlp(self) -> str:
        """The TLP level an observation gets when none is given (foresight.yaml)."""
        index = self._index
        return str(index["default_tlp"]) if index else self.config.default_tlp

    @cached_property
    def _config_loaded(self) -> tuple[WorkspaceConfig | None, list[Problem]]:
        """foresight.yaml read and validated from the file: the settings and every problem."""
        from foresight.loader import load_config

        return load_config(self.root)

    @cached_property
    def _cache_key(self) -> str | None:
        """The definitions cache's key for the files as they are now."""
        from foresight.defcache import cache_key

        return cache_key(self.root)

    @cached_property
    def _cached(self) -> Cached | None:
        """The definitions cache, if it was written for the files as they are now."""
        from foresight.defcache import read

        return read(self.root, self._cache_key)

    @property
    def _index(self) -> dict[str, Any] | None:
        """What commands that only log need (indicator ids, default TLP, database), cached."""
        cached = self._cached
        return cached.index if cached else None

    def _from_cache(self, part: str) -> Any:
        """The config or definitions from the cache; None when there is none or it does not
        decode (it is rewritten once they are loaded from the files)."""
        cached = self._cached
        if cached is None:
            return None
        try:
            return getattr(cached, part)()
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError):
            self.__dict__["_cached"] = None
            return None

    def _remember(
        self,
        key: str | None,
        config: WorkspaceConfig,
        config_problems: list[Problem],
        definitions: Definitions,
        problems: list[Problem],
    ) -> None:
        """Write the definitions cache, unless a file changed while they were loaded."""
        from foresight.defcache import cache_key, write

        if key is None or self._cached is not None or cache_key(self.root) != key:
            return
        write(self.root, key, config, config_problems, definitions, problems)

    def problems(self) -> list[Problem]:
        """Every problem (errors and warnings) in foresight.yaml and the definitions."""
        config = self._from_cache("config")
        found = self._from_cache("config_problems"), self._from_cache("problems")
        loaded = None
        if config is not None and found[0] is not None and found[1] is not None:
            config_problems, problems = found
        else:
            from foresight.loader import load_config, load_definitions

            key = self._cache_key
            config, config_problems = load_config(self.root)
            definitions, problems = load_definitions(self.root)
            loaded = key, list(config_problems), definitions
        if config is not None and not any(p.field == "database" for p in config_problems):
            config_problems = config_problems + self._database_problems(config.database)
        everything = config_problems + problems
        if loaded and config is not None and all(p.warning for p in everything):
            # Cached only when validate passes: a failing validate writes nothing.
            key, config_warnings, definitions = loaded
            self.__dict__.setdefault("config", config)
            self.__dict__.setdefault("definitions", definitions)
            self._remember(key, config, config_warnings, definitions, problems)
        return everything

    def unknown_indicators(self) -> dict[str, int]:
        """Indicator ids the log's current observations name but the definitions do not,
        with how many observations name each (none when the log does not exist yet)."""
        url = self.db_url
        if "://" not in url and not Path(url).exists():
            return {}  # opening would create an empty log
        known = self.definitions.indicators
        counts = self.store.indicator_counts()
        return {name: n for name, n in sorted(counts.items()) if name not in known}

    def _database_problems(self, database: str) -> list[Problem]:
        """What is wrong with foresight.yaml's database: setting, found without opening it."""
        from foresight.store import check_url

        try:
            self._resolve_db(database, from_config=True)
            message = check_url(database)
        except ForesightError as exc:
            message = str(exc).removeprefix(f"{CONFIG_FILE}: database: ")
        if message is None:
            return []
        from foresight import yamlio

        line = yamlio.load(self.root / CONFIG_FILE, CONFIG_FILE).line_for(("database",))
        return [Problem(CONFIG_FILE, line, "database", message)]

    @property
    def db_url(self) -> str:
        """Where the observation log lives: --db, FORESIGHT_DB, then foresight.yaml.

        A relative path in foresight.yaml must stay inside the workspace; a path given
        with --db or FORESIGHT_DB is relative to the workspace too, but may lead anywhere
        (whoever typed it named the place)."""
        if self._db_url is not None and not self._db_url.strip():
            raise StoreError("--db is empty; give a SQLite path or a PostgreSQL URL")
        given = self._db_url or os.environ.get("FORESIGHT_DB")
        if not given:
            index = self._index  # observe reads the database setting without pydantic
            configured = str(index["database"]) if index else self.config.database
            return self._resolve_db(configured, from_config=True)
        return self._resolve_db(given, from_config=False)

    def _resolve_db(self, url: str, *, from_config: bool) -> str:
        from foresight.redact import is_postgres

        if "://" in url or is_postgres(url):
            return url
        if not url.strip():
            raise StoreError("the database setting is empty; give a SQLite path or a URL")
        path = Path(url).expanduser()
        if path.is_absolute():
            return str(path)
        full = Path(os.path.normpath(self.root / path))
        # resolve(): a symbolic link inside the workspace may lead out of it too.
        if from_config and not full.resolve().is_relative_to(self.root.resolve()):
            raise StoreError(
                f"{CONFIG_FILE}: database: {url} leads outside the workspace; keep the log "
                "inside it, or give an absolute path to keep it elsewhere"
            )
        return str(full)

    @cached_property
    def store(self) -> Store:
        """The observation store, opened (and migrated) on first use."""
        from foresight.store import open_store

        return open_store(self.db_url)

    def engine(
        self,
        *,
        known_on: dt.date | None = None,
        audience: str | None = None,
        since: dt.date | None = None,
    ) -> Engine:
        """An engine over the definitions and the log (only what audience may see).

        The store hands over compact rows, filtered and scored in SQL; the engine loads
        the full observations its explanations show when it needs them. Given since
        (and neither known_on nor audience), the engine answers only dates from since on
        and reads the store's evidence summary where it can, instead of the whole log."""
        from foresight import scales
        from foresight.engine import Engine

        definitions = self.definitions  # a bad definition stops it before the store opens
        if since is not None and known_on is None and audience is None:
            wanted = Engine(definitions).rankings()
            evidence = self.store.evidence(wanted, since)
            if evidence is not None:
                return Engine.from_summary(
                    definitions, evidence, self.store.observations_by_id, self.store.gradings
                )
        tlps = None
        if audience is not None:
            limit = scales.tlp_rank(audience)
            tlps = [level for level in scales.TLP_LEVELS if scales.tlp_rank(level) <= limit]
        rows = self.store.scored_rows(known_on=known_on, tlps=tlps)
        store = self.store
        return Engine.from_scored_rows(definitions, rows, store.observations_by_id, store.gradings)

    def status(
        self, as_of: dt.date | None = None, limit: int = 3, audience: str | None = None
    ) -> Status:
        """Every scenario's state and probability and every question's call at as_of, with
        up to limit signposts that would change each open call (0: none)."""
        from foresight.summary import CHANGE_DAYS, status

        day = as_of or dt.date.today()
        # definitions load (and stop on a bad one) before the store opens
        engine = self.engine(audience=audience, since=day - dt.timedelta(days=CHANGE_DAYS))
        resolutions = self.store.resolutions(include_retracted=False)
        return status(engine, day, self.config.yardstick, resolutions, limit)

    def favoured(
        self, as_of: dt.date | None = None, limit: int = 3, audience: str | None = None
    ) -> Status:
        """The calls of the open questions and what would change each (status with changers)."""
        return self.status(as_of, limit, audience)

    def explain(self, scenario_id: str, as_of: dt.date | None = None) -> Why:
        """Why a scenario stands where it does: prior, evidence, signposts, state."""
        from foresight.summary import CHANGE_DAYS, explain

        day = as_of or dt.date.today()
        engine = self.engine(since=day - dt.timedelta(days=CHANGE_DAYS))
        resolutions = self.store.resolutions(include_retracted=False)
        return explain(engine, scenario_id, day, self.config.yardstick, resolutions)

    def history(
        self, dates: list[dt.date], audience: str | None = None, intervals: bool = True
    ) -> list[PathPoint]:
        """Every scenario's shown probability, state and interval at each date (ascending),
        computed only from what audience may see when it is given."""
        from foresight.summary import points

        assessments = self.assessments(dates, audience)
        if not intervals:
            assessments = [dataclasses.replace(a, variance=None) for a in assessments]
        resolutions = self.store.resolutions(include_retracted=False)
        return points(self.definitions, assessments, resolutions)

    def assessments(self, dates: list[dt.date], audience: str | None = None) -> list[Assessment]:
        """The engine's assessment (with its variance) at each date (ascending), from what
        audience may see. Dates weighed before, with the same definitions and no write to
        the log since that could change them, are read from the store's path checkpoints;
        the others are weighed, and kept for next time."""
        from foresight.engine import Engine
        from foresight.store import checkpoints

        probe = Engine(self.definitions)
        key, level = probe.fingerprint(), audience or ""
        seen = checkpoints.version(self.store)  # before the log is read
        kept = checkpoints.read(self.store, key, level, dates)
        missing = [d for d in dates if d not in kept]
        if missing:
            engine = self.engine(audience=audience, since=missing[0])
            fresh = [
                checkpoints.Point(
                    a.as_of,
                    {sid: r.log_ratio for sid, r in a.results.items()},  # capped, as shown
                    a.variance or {},
                    a.counted,
                )
                for a in engine.path(missing, spread=True)
            ]
            checkpoints.keep(self.store, key, level, seen, fresh)
            kept.update((p.as_of, p) for p in fresh)
        return [probe.assessed(d, kept[d].totals, kept[d].counted, kept[d].variance) for d in dates]

    def brief(self, month: dt.date, **options: Any) -> Written:
        """Write the month's brief; options as foresight.report.write_brief takes them."""
        from foresight.report import write_brief

        return write_brief(self, month, **options)

    @property
    def reports_dir(self) -> Path:
        """Where briefs are written by default."""
        return self.root / "reports"

    @property
    def templates_dir(self) -> Path:
        """The workspace's own template overrides."""
        return self.root / "templates"

    def close(self) -> None:
        """Close the store if it was opened."""
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]


def init_workspace(target: Path, name: str | None = None) -> Path:
    """Create a new workspace with one example scenario and indicator that validate."""
    target = target.expanduser()
    if (target / CONFIG_FILE).exists():
        raise ForesightError(f"{target / CONFIG_FILE} already exists; nothing was changed")
    clash = [p for p in ("scenarios", "indicators") if (target / p).exists()]
    if clash:
        raise ForesightError(
            f"{target} already has {' and '.join(clash)}/; nothing was changed. "
            "Add a foresight.yaml by hand, or choose an empty folder."
        )
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted(SKELETON.rglob("*")):
        if source.is_dir():
            continue
        relative = source.relative_to(SKELETON)
        destination = target / str(relative).replace("dot-", ".")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if destination.name == CONFIG_FILE:
            text = source.read_text(encoding="utf-8")
            text = text.replace(
                "name: My workspace",
                f"name: {json.dumps(name or target.resolve().name, ensure_ascii=False)}",
            )
            destination.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, destination)
    (target / "reports").mkdir(exist_ok=True)
    return target
