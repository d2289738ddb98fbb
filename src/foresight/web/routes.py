"""The URL of every page."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from foresight.web import briefs, observations, pages, resolutions

ROUTES = [
    Route("/", pages.dashboard),
    Route("/scenarios/{scenario}", pages.scenario),
    Route("/login", pages.login, methods=["GET", "POST"]),
    Route("/logout", pages.logout, methods=["POST"]),
    Route("/style.css", pages.style),
    Route("/observe", observations.pick),
    Route("/observe/{indicator}", observations.observe, methods=["GET", "POST"]),
    Route("/log", observations.log),
    Route("/log/export.csv", observations.export),
    Route("/observations/{observation}", observations.observation),
    Route("/observations/{observation}/retract", observations.retract, methods=["POST"]),
    Route("/observations/{observation}/amend", observations.amend, methods=["POST"]),
    Route("/briefs", briefs.archive),
    Route("/briefs/render", briefs.render_month),
    Route("/briefs/{name}", briefs.archived),
    Route("/resolutions", resolutions.resolutions),
    Route("/resolutions/new", resolutions.resolve, methods=["POST"]),
    Route("/resolutions/{resolution}/retract", resolutions.unresolve, methods=["POST"]),
]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Not found, method not allowed: a short plain answer."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    words = {404: "Not found.", 405: "Method not allowed."}
    return PlainTextResponse(words.get(status, "Error."), status_code=status)


HANDLERS = {HTTPException: _http_error}
