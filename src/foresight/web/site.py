"""The site: one workspace served to many people, each request on its own connection.

Definitions and settings are loaded once, when the server starts. Each worker thread
keeps its own Workspace (and so its own database connection), sharing those loaded
definitions: a SQLite connection must stay in its thread, and a PostgreSQL one carries
one transaction at a time.
"""

from __future__ import annotations

import getpass
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foresight.errors import ForesightError
from foresight.web.auth import User
from foresight.workspace import Workspace

LOOPBACK: frozenset[str] = frozenset({"127.0.0.1", "::1", "localhost"})
SECRET_FILE = "secret-key"


class AccessError(ForesightError):
    """Raised when the server would be reachable by others without any users defined."""


@dataclass
class Site:
    """What every request shares: the workspace's definitions, users and the secret."""

    root: Path
    db_url: str | None
    host: str
    secret: bytes
    users: dict[str, User]
    local_user: User | None  # on 127.0.0.1 with no users: everyone is this user
    _template: Workspace = field(repr=False)
    _threads: threading.local = field(default_factory=threading.local, repr=False)
    _env: Any = field(default=None, repr=False)

    @classmethod
    def open(cls, root: Path, db_url: str | None = None, host: str = "127.0.0.1") -> Site:
        """Load the workspace and its users; refuse to serve others without users."""
        workspace = Workspace(root, db_url)
        config = workspace.config
        workspace.definitions  # noqa: B018 - fail now, with every problem, not per request
        users = {
            entry.name: User(entry.name, entry.role, entry.clearance, entry.password)
            for entry in config.users
        }
        local = None
        if not users:
            if host not in LOOPBACK:
                raise AccessError(
                    f"serving on {host} lets other machines in, so foresight.yaml must list "
                    "users (name, password hash, role, clearance); make a password hash with "
                    "'foresight serve --hash-password', or serve on 127.0.0.1 for yourself only"
                )
            local = User(_login_name(), "admin", "RED")
        workspace.store  # noqa: B018 - open (and migrate) the store once, before any request
        workspace.close()
        return cls(root, db_url, host, _secret(workspace), users, local, workspace)

    def workspace(self) -> Workspace:
        """This thread's workspace, sharing the definitions loaded at start."""
        found: Workspace | None = getattr(self._threads, "workspace", None)
        if found is None:
            found = Workspace(self.root, self.db_url)
            found.__dict__["config"] = self._template.config
            found.__dict__["definitions"] = self._template.definitions
            self._threads.workspace = found
        return found

    @property
    def config(self) -> Any:
        """The workspace's settings."""
        return self._template.config

    @property
    def definitions(self) -> Any:
        """The workspace's scenarios and indicators."""
        return self._template.definitions

    @property
    def env(self) -> Any:
        """The one template environment (the workspace's own templates first)."""
        if self._env is None:
            from foresight.report.render import environment

            self._env = environment(self._template.templates_dir)
        return self._env


def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some containers; the log still needs one
        return "local"


def _secret(workspace: Workspace) -> bytes:
    """FORESIGHT_SECRET_KEY, else a key kept in .foresight/secret-key (made once, 0600)."""
    given = os.environ.get("FORESIGHT_SECRET_KEY", "")
    if given:
        return given.encode("utf-8")
    path = workspace.root / ".foresight" / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another server made it at the same moment
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
