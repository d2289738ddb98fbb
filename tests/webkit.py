"""Helpers for the web app's tests: users in a workspace, logging in, CSRF tokens."""

from __future__ import annotations

import re
from pathlib import Path

from foresight.web.auth import hash_password

PASSWORD = "correct horse battery staple"
# name: (role, clearance); every user's password is PASSWORD.
USERS: dict[str, tuple[str, str]] = {
    "ana": ("analyst", "AMBER"),
    "bob": ("analyst", "AMBER"),
    "rita": ("reader", "AMBER"),
    "gina": ("analyst", "GREEN"),
    "adam": ("admin", "RED"),
}
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
# A cheap scrypt cost keeps the tests quick; the format is the same as a real hash.
TEST_COST = 2**10


def add_users(root: Path, users: dict[str, tuple[str, str]] = USERS) -> None:
    """Append users to the workspace's foresight.yaml."""
    lines = ["users:"]
    for name, (role, clearance) in users.items():
        lines += [
            f"  - name: {name}",
            f"    password: {hash_password(PASSWORD, n=TEST_COST)}",
            f"    role: {role}",
            f"    clearance: {clearance}",
        ]
    config = root / "foresight.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n".join(lines) + "\n", "utf-8")


def csrf(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)
