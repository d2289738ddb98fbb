"""The web app's frame: sessions, CSRF, roles, security headers and error pages.

Every page is a plain function of a Visit (who asks, what they posted) that returns a
response; `page()` wraps it into a Starlette endpoint that checks the session, the
CSRF token of every form and the user's role, then runs it in a worker thread (the
core is synchronous). Core errors become the same messages the CLI prints.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foresight.errors import ForesightError, InputError, StoreError, UnknownIdError
from foresight.web import auth
from foresight.web.auth import Session, User
from foresight.web.site import Site

log = logging.getLogger("foresight.web")

# No script at all, no inline style; the charts are inline SVG drawn with attributes.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cache-control", "no-store"),
)
MAX_FIELDS = 40
MAX_FIELD_BYTES = 64 * 1024


class SecurityHeaders:
    """Add the security headers to every response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class Visit:
    """One request as a page sees it: the site, the user, the session and the form."""

    request: Request
    site: Site
    session: Session
    user: User | None
    form: dict[str, str]
    changed: bool = False
    cookies: list[tuple[str, str]] = field(default_factory=list)

    @property
    def query(self) -> dict[str, str]:
        """The query string's parameters (the first value of each)."""
        return dict(self.request.query_params)

    @property
    def me(self) -> User:
        """The logged-in user (pages that need one only run with one)."""
        assert self.user is not None
        return self.user

    def flash(self, message: str) -> None:
        """Show message on the next page."""
        self.session.flash = message
        self.changed = True

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a page template under templates/web/."""
        from foresight.report.render import render

        shown = self.session.flash
        if shown:
            self.session.flash = ""
            self.changed = True
        text = render(
            self.site.env,
            f"web/{template}",
            site={"name": self.site.config.name},  # never the users and their hashes
            user=self.user,
            local=self.site.local_user is not None,
            csrf=self.session.csrf,
            path=self.request.url.path,
            flash=shown,
            today=dt.date.today(),
            **context,
        )
        return HTMLResponse(text, status_code=status)

    def redirect(self, url: str) -> RedirectResponse:
        """See other: after a form is posted, show the result on its own page."""
        return RedirectResponse(url, status_code=303)


Handler = Callable[[Visit], Response]


def page(role: str = "reader", *, public: bool = False) -> Callable[[Handler], Any]:
    """Make a Starlette endpoint of a page function (role: the least role it needs)."""

    def wrap(func: Handler) -> Any:
        async def endpoint(request: Request) -> Response:
            site: Site = request.app.state.site
            session = auth.unsign(request.cookies.get(auth.SESSION_COOKIE), site.secret)
            fresh = session is None
            if session is None:
                session = Session.new()
            user = site.local_user
            if user is None and session.user is not None:
                user = site.users.get(session.user)
            visit = Visit(request, site, session, user, {}, changed=fresh)
            if request.method == "POST":
                refused = await _read_form(visit)
                if refused is not None:
                    return _with_cookie(refused, visit, request)
            if user is None and not public:
                if request.method == "GET":
                    target = request.url.path + (
                        f"?{request.url.query}" if request.url.query else ""
                    )
                    response: Response = visit.redirect(f"/login?next={quote(target)}")
                else:
                    response = _refuse(visit, 403, "Log in first.")
                return _with_cookie(response, visit, request)
            if user is not None and not user.may(role):
                response = _refuse(
                    visit,
                    403,
                    f"Your role ({user.role}) may not do this; it needs the {role} role.",
                )
                return _with_cookie(response, visit, request)
            response = await run_in_threadpool(_run, func, visit)
            return _with_cookie(response, visit, request)

        endpoint.__name__ = func.__name__
        endpoint.__doc__ = func.__doc__
        return endpoint

    return wrap


async def _read_form(visit: Visit) -> Response | None:
    """Read a posted form into visit.form; refuse it without the session's CSRF token."""
    try:
        data = await visit.request.form(
            max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES
        )
    except Exception:  # a malformed or oversized body: nothing of it is used
        return _refuse(visit, 400, "The form could not be read; it is malformed or too large.")
    form = {key: value for key, value in data.items() if isinstance(value, str)}
    if any("\0" in value for value in form.values()):
        return _refuse(visit, 400, "The form holds a NUL character; remove it and try again.")
    if not auth.same_token(form.get("csrf"), visit.session.csrf):
        return _refuse(
            visit,
            403,
            "The form has no valid CSRF token (it may have expired, or come from another "
            "site). Reload the page and send it again.",
        )
    visit.form = form
    return None


def _run(func: Handler, visit: Visit) -> Response:
    """Run a page; turn core errors into an error page with the CLI's words."""
    try:
        return func(visit)
    except UnknownIdError as exc:
        return _refuse(visit, 404, str(exc))
    except InputError as exc:
        return _refuse(visit, 400, str(exc))
    except StoreError as exc:  # names the database's host or file: for the operator only
        log.error("%s: %s", visit.request.url.path, exc)
        return _refuse(
            visit, 503, "The observation log cannot be reached now; the server's log says why."
        )
    except ForesightError as exc:
        return _refuse(visit, 500, str(exc))
    except Exception:  # never show a traceback to the browser; log it for the operator
        log.exception("error on %s", visit.request.url.path)
        return _refuse(visit, 500, "Something went wrong on the server; it has been logged.")


def _refuse(visit: Visit, status: int, message: str) -> Response:
    """An error page with one message."""
    try:
        return visit.render("error.html.j2", status=status, message=message)
    except Exception:  # the error page itself failed: plain text, still escaped
        log.exception("cannot render the error page")
        return Response(message, status_code=status, media_type="text/plain")


def _with_cookie(response: Response, visit: Visit, request: Request) -> Response:
    if visit.changed:
        response.set_cookie(
            auth.SESSION_COOKIE,
            auth.sign(visit.session, visit.site.secret),
            max_age=auth.SESSION_HOURS * 3600,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


def create_app(site: Site) -> Starlette:
    """The ASGI app serving one site."""
    from foresight.web import routes

    app = Starlette(routes=routes.ROUTES, exception_handlers=routes.HANDLERS)
    app.state.site = site
    app.add_middleware(SecurityHeaders)  # type: ignore[arg-type]
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
        log.addHandler(handler)
    return app
