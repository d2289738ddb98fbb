"""Pages to read: the dashboard, a scenario, logging in and out, the style sheet."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response

from foresight.errors import InputError
from foresight.report.render import render
from foresight.web import auth
from foresight.web.app import Visit, page
from foresight.web.dashboard import dashboard_context, scenario_context


def as_of(visit: Visit) -> dt.date:
    """The ?as_of= date (default today), as the CLI's --as-of."""
    given = visit.query.get("as_of", "").strip()
    if not given:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(given)
    except ValueError:
        raise InputError(f"'{given}' is not a date; write it as YYYY-MM-DD") from None


@page()
def dashboard(visit: Visit) -> Response:
    """Every open question with its call; awaiting and settled scenarios apart."""
    context = dashboard_context(visit.site.workspace(), as_of(visit), visit.me)
    return visit.render("dashboard.html.j2", board=context)


@page()
def scenario(visit: Visit) -> Response:
    """What explain says about one scenario, its history, its signposts and its state."""
    scenario_id = visit.request.path_params["scenario"]
    context = scenario_context(visit.site.workspace(), scenario_id, as_of(visit), visit.me)
    return visit.render("scenario.html.j2", scenario=context)


@page(public=True)
def login(visit: Visit) -> Response:
    """The login form; a wrong name or password gets one answer, whatever was wrong."""
    target = visit.query.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    if visit.site.local_user is not None:
        return visit.redirect(target)
    if visit.request.method == "GET":
        return visit.render("login.html.j2", target=target, login_name="", error="")
    name = visit.form.get("name", "")
    user = auth.authenticate(visit.site.users, name, visit.form.get("password", ""))
    if user is None:
        return visit.render(
            "login.html.j2",
            status=401,
            target=target,
            login_name=name,
            error="Wrong user name or password.",
        )
    visit.session = auth.Session.new(user.name)  # a new session (and token) on each login
    visit.changed = True
    return visit.redirect(target)


@page(public=True)
def logout(visit: Visit) -> Response:
    """End the session."""
    visit.session = auth.Session.new()
    visit.changed = True
    visit.flash("You are logged out.")
    return visit.redirect("/login")


def style(request: Request) -> Response:
    """The style sheet: the brief's, plus the app's forms and panels."""
    text = render(request.app.state.site.env, "web/style.css.j2")
    return Response(text, media_type="text/css", headers={"cache-control": "public, max-age=300"})
