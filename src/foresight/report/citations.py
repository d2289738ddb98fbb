"""Numbered citations and the reference list they point to.

An observation's source is a citation of the workspace's source register when it equals a
register id; any other text is cited as written (free text keeps working). Numbers are
given in the order the brief first cites each source, so the reference list reads in the
order a reader meets them; one document cited twice keeps one number.
"""

from __future__ import annotations

from dataclasses import dataclass

from foresight.models import SourceDocument


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list."""

    number: int
    short: str  # 'Koç, November 2021', or the free text as written
    text: str  # the full reference, without the link
    url: str | None  # only a plain http(s) link

    @property
    def marker(self) -> str:
        """'[3]'."""
        return f"[{self.number}]"


class Citations:
    """Give each cited source a number, first cited first."""

    def __init__(self, register: dict[str, SourceDocument]) -> None:
        self._register = register
        self._numbers: dict[tuple[str, str | None], Reference] = {}

    def cite(self, source: str, url: str | None = None) -> Reference:
        """The reference for an observation's source (and its own link, if any)."""
        document = self._register.get(source.strip())
        key = (document.id, None) if document else (source.strip(), _link(url))
        found = self._numbers.get(key)
        if found is None:
            number = len(self._numbers) + 1
            if document is not None:
                found = Reference(number, document.short, full_reference(document), document.url)
            else:
                text = " ".join(source.split())
                found = Reference(number, text, text, _link(url))
            self._numbers[key] = found
        return found

    @property
    def references(self) -> list[Reference]:
        """Every cited source, by number."""
        return sorted(self._numbers.values(), key=lambda r: r.number)


def full_reference(document: SourceDocument) -> str:
    """'Mehmet Akif Koç, “Cautious Optimism: …”, OpSour …, November 2021.'"""
    parts = [document.author] if document.author else []
    parts.append(f"\u201c{document.title}\u201d")
    if document.outlet:
        parts.append(document.outlet)
    parts.append(document.when)
    return ", ".join(parts) + "."


def _link(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None
