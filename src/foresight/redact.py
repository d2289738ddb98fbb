"""Keep database passwords out of every message foresight prints.

A PostgreSQL connection string holds its password in the URL's user part
(``postgresql://user:secret@host/db``), in a ``password=`` query parameter or in a libpq
``key=value`` pair. Drivers echo parts of a malformed string in their errors, so each
message that may carry one is redacted twice: every password found in the connection
string itself is replaced wherever it appears (raw and percent-decoded), and anything
shaped like a password is masked whatever string it came from.
"""

from __future__ import annotations

import contextlib
import re
from urllib.parse import unquote

MASK = "***"
SCHEMES = ("postgresql://", "postgres://")

# password=VALUE in a query string or a libpq key=value string (quoted or not).
_PASSWORD_PAIR = re.compile(
    r"""(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s&"]*)""",
)
# scheme://user:password@ — the password may itself hold ':', '/' or '@'.
_USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^:/@\s]*:)([^\s]*)@")
# A libpq key=value string: it starts with a known keyword and an equals sign.
_CONNINFO = re.compile(
    r"^\s*(host|hostaddr|port|dbname|user|password|passfile|require_auth|channel_binding|"
    r"service|options|application_name|fallback_application_name|connect_timeout|"
    r"client_encoding|keepalives\w*|tcp_user_timeout|replication|gssencmode|sslmode|"
    r"sslnegotiation|sslcompression|sslcert|sslkey|sslpassword|sslcertmode|sslrootcert|"
    r"sslcrl|sslcrldir|sslsni|requirepeer|ssl_min_protocol_version|ssl_max_protocol_version|"
    r"krbsrvname|gsslib|gssdelegation|target_session_attrs|load_balance_hosts)\s*=",
    re.IGNORECASE,
)


def is_postgres(url: str) -> bool:
    """Whether a database string names PostgreSQL: a URL or a libpq key=value string."""
    return url.startswith(SCHEMES) or bool(_CONNINFO.match(url))


def passwords(url: str) -> list[str]:
    """Every password a connection string holds, raw and percent-decoded, longest first."""
    found: list[str] = []
    if "://" in url:
        rest = url.split("://", 1)[1]
        if "@" in rest:
            userinfo = rest.rsplit("@", 1)[0]
            if ":" in userinfo:
                found.append(userinfo.split(":", 1)[1])
    for match in _PASSWORD_PAIR.finditer(url):
        value = match.group(2)
        found.append(value)
        if len(value) >= 2 and value[0] == "'" and value[-1] == "'":
            found.append(value[1:-1])
    decoded = []
    for secret in found:
        with contextlib.suppress(UnicodeDecodeError):
            decoded.append(unquote(secret, errors="strict"))
    # A password holding '@', '/' or ':' makes drivers split the URL inside it, and then
    # echo a piece of it as a host, a port or a database name.
    pieces = [piece for secret in found + decoded for piece in re.split(r"[@/:]", secret) if piece]
    unique = {s for s in found + decoded + pieces if s}
    return sorted(unique, key=len, reverse=True)


def redact(text: str, url: str | None = None) -> str:
    """The text with every password of url, and anything shaped like one, masked."""
    if url:
        for secret in passwords(url):
            # Very short "passwords" would mask ordinary words; the patterns below still
            # catch them where they stand as passwords.
            if len(secret) >= 3:
                text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    return _PASSWORD_PAIR.sub(lambda m: m.group(1) + MASK, text)
