"""A workspace: foresight.yaml, scenarios/, indicators/, reports/ and the observation store."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresight.errors import DefinitionError, ForesightError, WorkspaceNotFoundError

if TYPE_CHECKING:
    from foresight.engine import Engine
    from foresight.loader import Definitions
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
        from foresight.loader import load_config

        config, problems = load_config(self.root)
        if config is None or any(not p.warning for p in problems):
            raise DefinitionError(problems)
        return config

    @cached_property
    def definitions(self) -> Definitions:
        """The validated scenarios and indicators; raises DefinitionError on any error."""
        from foresight.loader import load_definitions

        definitions, problems = load_definitions(self.root)
        if any(not p.warning for p in problems):
            raise DefinitionError(problems)
        return definitions

    def problems(self) -> list:
        """Every problem (errors and warnings) in foresight.yaml and the definitions."""
        from foresight.loader import load_config, load_definitions

        _, config_problems = load_config(self.root)
        _, problems = load_definitions(self.root)
        return config_problems + problems

    def unknown_indicators(self) -> dict[str, int]:
        """Indicator ids the log's current observations name but the definitions do not,
        with how many observations name each (none when the log does not exist yet)."""
        url = self.db_url
        if "://" not in url and not Path(url).exists():
            return {}  # opening would create an empty log
        known = self.definitions.indicators
        counts = self.store.indicator_counts()
        return {name: n for name, n in sorted(counts.items()) if name not in known}

    @property
    def db_url(self) -> str:
        """Where the observation log lives: --db, FORESIGHT_DB, then foresight.yaml."""
        url = self._db_url or os.environ.get("FORESIGHT_DB") or self.config.database
        if "://" in url:
            return url
        path = Path(url).expanduser()
        return str(path if path.is_absolute() else self.root / path)

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
    ) -> Engine:
        """An engine over the definitions and the log (only what audience may see).

        The store hands over compact rows, filtered and scored in SQL; the engine loads
        the full observations its explanations show when it needs them."""
        from foresight import scales
        from foresight.engine import Engine

        tlps = None
        if audience is not None:
            limit = scales.tlp_rank(audience)
            tlps = [level for level in scales.TLP_LEVELS if scales.tlp_rank(level) <= limit]
        rows = self.store.scored_rows(known_on=known_on, tlps=tlps)
        store = self.store
        return Engine.from_scored_rows(
            self.definitions, rows, store.observations_by_id, store.gradings
        )

    def status(
        self, as_of: dt.date | None = None, limit: int = 3, audience: str | None = None
    ) -> Status:
        """Every scenario's state and probability and every question's call at as_of, with
        up to limit signposts that would change each open call (0: none)."""
        from foresight.summary import status

        resolutions = self.store.resolutions(include_retracted=False)
        day = as_of or dt.date.today()
        engine = self.engine(audience=audience)
        return status(engine, day, self.config.yardstick, resolutions, limit)

    def favoured(
        self, as_of: dt.date | None = None, limit: int = 3, audience: str | None = None
    ) -> Status:
        """The calls of the open questions and what would change each (status with changers)."""
        return self.status(as_of, limit, audience)

    def explain(self, scenario_id: str, as_of: dt.date | None = None) -> Why:
        """Why a scenario stands where it does: prior, evidence, signposts, state."""
        from foresight.summary import explain

        resolutions = self.store.resolutions(include_retracted=False)
        day = as_of or dt.date.today()
        return explain(self.engine(), scenario_id, day, self.config.yardstick, resolutions)

    def history(self, dates: list[dt.date], audience: str | None = None) -> list[PathPoint]:
        """Every scenario's shown probability, state and interval at each date (ascending),
        computed only from what audience may see when it is given."""
        from foresight.summary import path

        resolutions = self.store.resolutions(include_retracted=False)
        return path(self.engine(audience=audience), dates, resolutions)

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
