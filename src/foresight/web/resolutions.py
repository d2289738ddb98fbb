"""Resolutions: record how a scenario turned out, or retract a mistaken record.

The same checks as `foresight resolve` and `foresight unresolve`: the scenario exists,
the date is between the prior and today, a source is given, and a scenario has at most
one current resolution.
"""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response

from foresight.errors import InputError
from foresight.records import OUTCOMES
from foresight.web.app import Visit, page


def _page(visit: Visit, values: dict[str, str], error: str, status: int = 200) -> Response:
    store = visit.site.workspace().store
    return visit.render(
        "resolutions.html.j2",
        status=status,
        resolutions=list(reversed(store.resolutions())),
        scenarios=visit.site.definitions.scenarios,
        outcomes=OUTCOMES,
        values=values,
        error=error,
    )


@page()
def resolutions(visit: Visit) -> Response:
    """Every resolution, newest first, and the form to record one."""
    chosen = visit.query.get("scenario", "")
    return _page(visit, {"scenario": chosen, "resolved_on": dt.date.today().isoformat()}, "")


@page("analyst")
def resolve(visit: Visit) -> Response:
    """Record a resolution."""
    from foresight.scoring import check_resolution

    values = {
        name: visit.form.get(name, "")
        for name in ("scenario", "outcome", "resolved_on", "source", "note")
    }
    try:
        try:
            day = dt.date.fromisoformat(values["resolved_on"].strip())
        except ValueError:
            raise InputError(
                f"'{values['resolved_on']}' is not a date; write it as YYYY-MM-DD"
            ) from None
        scenario = check_resolution(
            visit.site.definitions, values["scenario"], day, dt.date.today()
        )
        new_id = visit.site.workspace().store.resolve(
            scenario.id,
            values["outcome"],
            day,
            values["source"],
            visit.me.name,
            values["note"].strip(),
        )
    except InputError as exc:
        return _page(visit, values, str(exc), 400)
    message = f"Resolved {scenario.id} as {values['outcome']} on {day} (resolution {new_id})."
    if values["outcome"] == "happened" and day > scenario.horizon:
        message += (
            f" Warning: {scenario.id}'s horizon is {scenario.horizon}; it is scored as having "
            "happened although that is after the horizon."
        )
    visit.flash(message)
    return visit.redirect("/resolutions")


@page("analyst")
def unresolve(visit: Visit) -> Response:
    """Retract a resolution with a reason."""
    text = visit.request.path_params["resolution"]
    store = visit.site.workspace().store
    if not text.isdigit():
        raise InputError(f"'{text}' is not a resolution id")
    try:
        store.retract_resolution(int(text), visit.form.get("reason", ""), visit.me.name)
    except InputError as exc:
        return _page(visit, {}, str(exc), 400)
    visit.flash(f"Retracted resolution {text}.")
    return visit.redirect("/resolutions")
