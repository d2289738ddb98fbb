"""Who is asking: password hashes, signed session cookies, CSRF tokens and roles.

Passwords are kept only as scrypt hashes (hashlib, RFC 7914) in the form
``scrypt$N$r$p$salt$hash`` (salt and hash in base64). A session is a small JSON
document signed with HMAC-SHA256 under the site's secret; it holds the user's name,
the session's CSRF token and when it was issued. Every comparison of secrets is
constant-time, and a login for an unknown name costs as much as one for a known name,
so neither the answer nor its timing tells who has an account.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from foresight import scales

ROLES: tuple[str, ...] = ("reader", "analyst", "admin")
ROLE_WORDS: dict[str, str] = {
    "reader": "reads the dashboard, the log and the briefs",
    "analyst": "also logs, retracts and amends observations and records resolutions",
    "admin": "also retracts and amends observations logged by others",
}
# scrypt's cost: N = 2**15, r = 8, p = 1 takes about 32 MiB and a tenth of a second,
# OWASP's 2023 recommendation for password storage.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SESSION_COOKIE = "foresight_session"
SESSION_HOURS = 12


@dataclass(frozen=True)
class User:
    """Someone who may use the web app: a name, a role and a TLP clearance."""

    name: str
    role: str  # one of ROLES
    clearance: str  # the highest TLP level they may see
    password_hash: str = ""

    def may(self, role: str) -> bool:
        """Whether the user's role is at least role."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_see(self, tlp: str) -> bool:
        """Whether an observation marked tlp is within the user's clearance."""
        return scales.tlp_rank(tlp) <= scales.tlp_rank(self.clearance)

    @property
    def levels(self) -> list[str]:
        """The TLP levels the user may see, least restricted first."""
        return [level for level in scales.TLP_LEVELS if self.may_see(level)]


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    """A new scrypt hash of password, with a random salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P)
    return "$".join(("scrypt", str(n), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest)))


def check_password(password: str, stored: str) -> bool:
    """Whether password matches the stored scrypt hash (constant time)."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.b64decode(digest, validate=True)
        found = _scrypt(password, base64.b64decode(salt, validate=True), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, expected)


@functools.cache
def _decoy() -> str:
    """A hash checked when a name is unknown, so that a miss costs as much as a hit."""
    return hash_password(secrets.token_urlsafe(16))


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user with this name and password, or None; the same work either way."""
    user = users.get(name.strip())
    matches = check_password(password, user.password_hash if user else _decoy())
    return user if user is not None and matches else None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r * p + 1024 * 1024,
        dklen=32,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class Session:
    """What the session cookie carries: the user (if logged in), a CSRF token, a flash."""

    user: str | None
    csrf: str
    issued: int
    flash: str = ""

    @classmethod
    def new(cls, user: str | None = None) -> Session:
        """A fresh session with its own CSRF token."""
        return cls(user, secrets.token_urlsafe(32), int(time.time()))


def sign(session: Session, secret: bytes) -> str:
    """The cookie value: base64 of the session's JSON, a dot, its HMAC-SHA256."""
    payload = {"u": session.user, "c": session.csrf, "t": session.issued, "f": session.flash}
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(secret, body, hashlib.sha256).digest()
    return f"{body.decode()}.{base64.urlsafe_b64encode(mac).decode()}"


def unsign(value: str | None, secret: bytes, now: float | None = None) -> Session | None:
    """The session in a cookie value, or None when it is missing, forged or expired."""
    if not value or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    expected = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    try:
        given = base64.urlsafe_b64decode(mac.encode())
        if not hmac.compare_digest(given, expected):
            return None
        data: Any = json.loads(base64.urlsafe_b64decode(body.encode()))
        session = Session(data["u"], str(data["c"]), int(data["t"]), str(data.get("f", "")))
    except (ValueError, KeyError, TypeError):
        return None
    if (now or time.time()) - session.issued > SESSION_HOURS * 3600:
        return None
    return session


def same_token(given: str | None, expected: str) -> bool:
    """Whether a form's CSRF token is the session's (constant time)."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())
