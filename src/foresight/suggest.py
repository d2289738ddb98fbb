"""'Did you mean …' hints for mistyped keys and ids."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to word, if any is close enough to be a likely typo."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ', did you mean X?' suffix, or an empty string."""
    match = closest(word, choices)
    return f", did you mean '{match}'?" if match else ""
