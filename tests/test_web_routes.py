"""The web app's routes through Starlette's test client: access, forms and their errors.

Each test runs on SQLite and on PostgreSQL (see conftest's stores). The browser tests
(test_web_browser.py) drive a real server; these check each route's error paths.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Run
from webkit import PASSWORD, add_users, csrf

from foresight.cli import cli
from foresight.store import open_store
from foresight.web import AccessError, Site, create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TestClient = pytest.importorskip("starlette.testclient").TestClient
DAY = "2026-06-01"
AS_OF = "2026-06-30"
FORM = {
    "observed_on": DAY,
    "absent": "observed",
    "strength": "strong",
    "source": "Border agency bulletin",
    "source_url": "",
    "reliability": "B",
    "credibility": "2",
    "event": "",
    "tlp": "GREEN",
    "note": "",
}

Client = Callable[..., "TestClient"]


@pytest.fixture
def client(log_ws: Path, db_url: str) -> Client:
    """Make a test client of the site, logged in as a user (or local, without users)."""
    made: list[bool] = []

    def make(user: str | None = "ana", host: str = "127.0.0.1") -> TestClient:
        if user is not None and not made:
            add_users(log_ws)
            made.append(True)
        site = Site.open(log_ws, db_url, host)
        client = TestClient(create_app(site), follow_redirects=False)
        if user is not None:
            login(client, user)
        return client

    return make


def login(client: TestClient, name: str, password: str = PASSWORD) -> object:
    """Log in through the form; return the response."""
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf(page.text), "name": name, "password": password})


def post(client: TestClient, url: str, form: dict[str, str], page: str | None = None) -> object:
    """Post a form with the CSRF token of the page it is on."""
    token = csrf(client.get(page or url).text)
    return client.post(url, data={"csrf": token, **form})


def field_error(html: str, name: str) -> str | None:
    """The problem shown next to a form's field, as it is in the page's HTML."""
    found = re.search(rf'<span class="field-error" id="{name}-error">([^<]*)</span>', html)
    return found.group(1) if found else None


def observations(db_url: str) -> list:
    with open_store(db_url) as store:
        return store.observations()


# -- access ----------------------------------------------------------------------------


def test_on_127_0_0_1_without_users_it_runs_for_the_local_user(client: Client) -> None:
    local = client(None)
    page = local.get("/")
    assert page.status_code == 200
    assert "admin · cleared to" in page.text
    assert "Log out" not in page.text


def test_any_other_address_without_users_is_refused(log_ws: Path, db_url: str) -> None:
    with pytest.raises(AccessError, match=r"foresight\.yaml must list users"):
        Site.open(log_ws, db_url, "0.0.0.0")
    result = CliRunner().invoke(
        cli, ["--workspace", str(log_ws), "--db", db_url, "serve", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 1, result.output
    assert "serving on 0.0.0.0 lets other machines in" in result.output


def test_with_users_every_page_asks_to_log_in_first(client: Client) -> None:
    anonymous = client("ana")
    anonymous.cookies.clear()
    answer = anonymous.get("/log?indicator=example-indicator")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/log%3Findicator%3Dexample-indicator"
    page = anonymous.get("/login")
    refused = anonymous.post("/observe/example-indicator", data={"csrf": csrf(page.text), **FORM})
    assert refused.status_code == 403
    assert "Log in first." in refused.text


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(client: Client) -> None:
    site = client("ana")
    site.cookies.clear()
    wrong = login(site, "ana", "wrong password")
    unknown = login(site, "nobody", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong user name or password." in wrong.text
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)
    assert "ana" not in strip.sub("", wrong.text).replace("analyst", "")


def test_login_sends_back_only_to_a_page_of_this_site(client: Client) -> None:
    site = client("ana")
    site.cookies.clear()
    page = site.get("/login")
    answer = site.post(
        "/login?next=//evil.example/",
        data={"csrf": csrf(page.text), "name": "ana", "password": PASSWORD},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_a_forged_session_cookie_counts_as_no_session(client: Client) -> None:
    site = client("ana")
    value = site.cookies.get("foresight_session")
    body, mac = value.split(".")
    site.cookies.clear()
    site.cookies.set("foresight_session", body + "." + mac[::-1])
    assert site.get("/").status_code == 303


def test_a_form_without_the_csrf_token_is_refused(client: Client, db_url: str) -> None:
    ana = client("ana")
    for token in ({}, {"csrf": "not-the-token"}):
        answer = ana.post("/observe/example-indicator", data={**FORM, **token})
        assert answer.status_code == 403
        assert "no valid CSRF token" in answer.text
    assert observations(db_url) == []


def test_a_reader_cannot_post(client: Client, db_url: str) -> None:
    rita = client("rita")
    dashboard = rita.get("/")
    assert "Log an observation" not in dashboard.text
    token = csrf(dashboard.text)
    answer = rita.post("/observe/example-indicator", data={"csrf": token, **FORM})
    assert answer.status_code == 403
    assert "Your role (reader) may not do this; it needs the analyst role." in answer.text
    assert rita.get("/observe").status_code == 403
    assert observations(db_url) == []


def test_every_response_carries_the_security_headers(client: Client) -> None:
    ana = client("ana")
    for url in ("/", "/log", "/login", "/no-such-page", "/style.css"):
        headers = ana.get(url).headers
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
    cookie = client("bob").cookies.jar
    assert all(c.has_nonstandard_attr("HttpOnly") for c in cookie)


# -- logging an observation ----------------------------------------------------------------


def test_a_valid_observation_is_logged_by_the_logged_in_user(client: Client, db_url: str) -> None:
    ana = client("ana")
    answer = post(ana, "/observe/example-indicator", FORM)
    assert answer.status_code == 303
    [logged] = observations(db_url)
    assert answer.headers["location"] == f"/observations/{logged.id}"
    assert logged.analyst == "ana"
    assert (logged.source, logged.reliability, logged.credibility) == (FORM["source"], "B", 2)
    page = ana.get(answer.headers["location"])
    assert f"Logged observation {logged.id}" in page.text


def test_errors_show_next_to_their_fields_in_the_cli_words(
    client: Client, db_url: str, run: Run
) -> None:
    ana = client("ana")
    bad = {**FORM, "observed_on": "2999-01-01", "source": " ", "strength": "huge", "tlp": "RED"}
    answer = post(ana, "/observe/example-indicator", bad)
    assert answer.status_code == 400
    assert field_error(answer.text, "observed_on") == (
        "2999-01-01 is in the future (log an observation once it has been made)"
    )
    assert field_error(answer.text, "source") == (
        "is required but missing or empty (name the source of the report)"
    )
    assert field_error(answer.text, "strength") == (
        "&#39;huge&#39; is not a strength (write strong, moderate, weak or a number in (0, 1])"
    )
    assert observations(db_url) == []
    # The CLI says the same about the same values.
    result = run(
        "observe",
        "example-indicator",
        "--date",
        "2150-01-01",
        "--source",
        " ",
        "--reliability",
        "B",
        "--credibility",
        "2",
        "--strength",
        "huge",
    )
    assert result.exit_code == 1
    for words in (
        "observed_on: 2150-01-01 is in the future (log an observation once it has been made)",
        "source: is required but missing or empty (name the source of the report)",
        "strength: 'huge' is not a strength (write strong, moderate, weak or a number in (0, 1])",
    ):
        assert words in result.output


def test_a_level_above_the_users_clearance_is_refused(client: Client, db_url: str) -> None:
    gina = client("gina")
    page = gina.get("/observe/example-indicator")
    assert "TLP:AMBER" not in page.text.split('id="tlp"')[1].split("</select>")[0]
    answer = post(gina, "/observe/example-indicator", {**FORM, "tlp": "AMBER"})
    assert answer.status_code == 400
    assert "AMBER is above your clearance (GREEN)" in answer.text
    assert observations(db_url) == []


def test_an_unknown_indicator_is_not_found_with_a_suggestion(client: Client) -> None:
    answer = client("ana").get("/observe/example-indicatr")
    assert answer.status_code == 404
    assert (
        "no indicator &#39;example-indicatr&#39;, did you mean &#39;example-indicator&#39;?"
        in answer.text
    )


def test_the_picker_searches_titles_and_descriptions(client: Client) -> None:
    ana = client("ana")
    by_title = ana.get("/observe?q=customs")
    assert "/observe/example-indicator" in by_title.text
    assert "/observe/other-indicator" not in by_title.text
    by_description = ana.get("/observe?q=warehouses stock")
    assert "/observe/second-indicator" in by_description.text
    assert "/observe/example-indicator" not in by_description.text


def test_an_identical_observation_is_not_added_twice(client: Client, db_url: str) -> None:
    ana = client("ana")
    first = post(ana, "/observe/example-indicator", FORM)
    again = post(ana, "/observe/example-indicator", FORM)
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert "nothing was added" in ana.get(again.headers["location"]).text
    assert len(observations(db_url)) == 1


def test_a_likely_duplicate_is_flagged_before_saving(client: Client, db_url: str) -> None:
    ana = client("ana")
    post(ana, "/observe/example-indicator", {**FORM, "event": "reopening"})
    near = {**FORM, "observed_on": "2026-06-02", "source": "Other paper", "event": "reopening"}
    flagged = post(ana, "/observe/example-indicator", near)
    assert flagged.status_code == 409
    assert "This looks like a report already in the log" in flagged.text
    assert len(observations(db_url)) == 1
    confirmed = post(ana, "/observe/example-indicator", {**near, "confirm": "yes"})
    assert confirmed.status_code == 303
    assert len(observations(db_url)) == 2
    # The recent event key is offered for this indicator.
    assert '<option value="reopening">' in ana.get("/observe/example-indicator").text


# -- retract and amend -----------------------------------------------------------------------


def test_retract_needs_a_reason_and_the_right_user(client: Client, db_url: str) -> None:
    ana, bob, adam = client("ana"), client("bob"), client("adam")
    where = post(ana, "/observe/example-indicator", FORM).headers["location"]
    oid = where.rsplit("/", 1)[1]
    refused = post(bob, f"{where}/retract", {"reason": "Wrong."}, page=where)
    assert refused.status_code == 403
    assert "Only an admin may retract an observation logged by ana." in refused.text
    empty = post(ana, f"{where}/retract", {"reason": "  "}, page=where)
    assert empty.status_code == 400
    assert "give a reason for the retraction" in empty.text
    done = post(adam, f"{where}/retract", {"reason": "A hoax."}, page=where)
    assert done.status_code == 303
    assert f"Retracted observation {oid}." in adam.get(where).text
    again = post(ana, f"{where}/retract", {"reason": "Again."}, page=where)
    assert again.status_code in (400, 403)
    [obs] = observations(db_url)
    assert (obs.retracted_by, obs.retraction_reason) == ("adam", "A hoax.")


def test_amend_checks_its_values_and_needs_a_reason(client: Client, db_url: str) -> None:
    ana = client("ana")
    where = post(ana, "/observe/example-indicator", FORM).headers["location"]
    bad = post(ana, f"{where}/amend", {**FORM, "credibility": "9", "reason": ""}, page=where)
    assert bad.status_code == 400
    assert "give a reason for the amendment" in bad.text
    assert "&#39;9&#39; is not a credibility grade" in bad.text
    same = post(ana, f"{where}/amend", {**FORM, "reason": "No change."}, page=where)
    assert same.status_code == 400
    assert "the amendment changes nothing; give at least one new value" in same.text
    done = post(
        ana, f"{where}/amend", {**FORM, "credibility": "3", "reason": "One source."}, page=where
    )
    assert done.status_code == 303
    old, new = observations(db_url)
    assert old.retracted and new.amends == old.id and new.credibility == 3 and new.analyst == "ana"


# -- clearance ------------------------------------------------------------------------------


def _amber_report(client: Client, db_url: str) -> int:
    adam = client("adam")
    where = post(
        adam,
        "/observe/example-indicator",
        {**FORM, "tlp": "AMBER", "note": "Secret AMBER note", "source": "Liaison"},
    ).headers["location"]
    return int(where.rsplit("/", 1)[1])


def test_a_green_user_never_sees_an_amber_observation(client: Client, db_url: str) -> None:
    oid = _amber_report(client, db_url)
    gina, ana = client("gina"), client("ana")
    assert "Secret AMBER note" in ana.get("/log").text
    for url in ("/log", "/log/export.csv", f"/?as_of={AS_OF}", "/scenarios/example-scenario"):
        assert "Secret AMBER note" not in gina.get(url).text
        assert "Liaison" not in gina.get(url).text
    hidden = gina.get(f"/observations/{oid}")
    assert hidden.status_code == 404
    assert f"the log has no observation {oid}" in hidden.text

    # The probabilities a GREEN user sees are computed without it.
    def probability(c: TestClient) -> str:
        row = c.get(f"/?as_of={AS_OF}").text.split('data-scenario="example-scenario"')[1]
        return re.search(r'class="num prob">([^<]+)<', row).group(1)

    assert probability(gina) == "30.0%"
    assert probability(ana) != "30.0%"
    assert "from 0 observation(s)" in gina.get(f"/?as_of={AS_OF}").text
    assert "from 1 observation(s)" in ana.get(f"/?as_of={AS_OF}").text


# -- the log -------------------------------------------------------------------------------


def test_the_log_filters_and_refuses_bad_filters(client: Client) -> None:
    ana = client("ana")
    post(ana, "/observe/example-indicator", FORM)
    post(ana, "/observe/other-indicator", {**FORM, "source": "Garrison radio"})
    only = ana.get("/log?indicator=other-indicator")
    assert "Garrison radio" in only.text and "Border agency bulletin" not in only.text
    by_scenario = ana.get("/log?scenario=example-scenario")
    assert "Border agency bulletin" in by_scenario.text and "Garrison radio" not in by_scenario.text
    assert "Garrison radio" not in ana.get("/log?analyst=bob").text
    assert "Garrison radio" not in ana.get("/log?until=2026-05-31").text
    bad = ana.get("/log?since=June")
    assert bad.status_code == 400
    assert "since: &#39;June&#39; is not a date; write it as YYYY-MM-DD" in bad.text
    unknown = ana.get("/log?scenario=nope")
    assert unknown.status_code == 404
    assert "no scenario &#39;nope&#39;" in unknown.text
    assert ana.get("/log?page=0").status_code == 400
    assert ana.get("/log?page=99").status_code == 200
    export = ana.get("/log/export.csv?indicator=other-indicator")
    assert export.headers["content-type"].startswith("text/csv")
    assert export.text.startswith("indicator,observed_on,")
    assert len(export.text.strip().splitlines()) == 2


def test_analyst_text_is_escaped_everywhere(client: Client, db_url: str) -> None:
    ana = client("ana")
    script = "<script>alert(1)</script>"
    answer = post(
        ana,
        "/observe/example-indicator",
        {
            **FORM,
            "source": script,
            "source_url": f"https://example.org/{script}",  # the log takes only web addresses
            "event": script,
            "note": script,
        },
    )
    assert answer.status_code == 303
    for url in (answer.headers["location"], "/log", "/observe/example-indicator"):
        text = ana.get(url).text
        assert "<script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# -- scenarios, briefs, resolutions ---------------------------------------------------------------


def test_pages_refuse_unknown_ids_and_bad_dates(client: Client) -> None:
    ana = client("ana")
    assert ana.get("/scenarios/example-scenario").status_code == 200
    unknown = ana.get("/scenarios/example-scenari")
    assert unknown.status_code == 404
    assert "did you mean &#39;example-scenario&#39;?" in unknown.text
    bad = ana.get("/?as_of=yesterday")
    assert bad.status_code == 400
    assert "&#39;yesterday&#39; is not a date; write it as YYYY-MM-DD" in bad.text
    assert ana.get("/observations/999").status_code == 404
    assert ana.get("/observations/abc").status_code == 404
    assert ana.post("/", data={}).status_code == 405


def test_briefs_render_on_demand_for_the_users_clearance(client: Client) -> None:
    gina = client("gina")
    html = gina.get("/briefs/render?month=2026-06")
    assert html.status_code == 200
    assert "TLP:GREEN" in html.text
    assert "script-src" not in html.headers["content-security-policy"]
    md = gina.get("/briefs/render?month=2026-06&format=md")
    assert md.headers["content-disposition"] == 'attachment; filename="2026-06.md"'
    bad = gina.get("/briefs/render?month=June")
    assert bad.status_code == 400
    assert "month: &#39;June&#39; is not a month; write it as YYYY-MM" in bad.text
    assert gina.get("/briefs/render?month=2026-06&format=pdf").status_code == 400


def test_archived_briefs_are_shown_only_to_those_cleared(
    client: Client, log_ws: Path, db_url: str
) -> None:
    _amber_report(client, db_url)  # the June brief for AMBER quotes it: marked AMBER
    for month in ("2026-05", "2026-06"):
        result = CliRunner().invoke(
            cli,
            [
                "--workspace",
                str(log_ws),
                "--db",
                db_url,
                "brief",
                "--month",
                month,
                "--audience",
                "AMBER",
            ],
        )
        assert result.exit_code == 0, result.output
    ana, gina = client("ana"), client("gina")
    assert ana.get("/briefs/2026-06.html").status_code == 200
    assert "2026-06.html" in ana.get("/briefs").text
    assert gina.get("/briefs/2026-06.html").status_code == 404
    assert gina.get("/briefs/2026-06.md").status_code == 404
    assert "2026-06.html" not in gina.get("/briefs").text
    assert gina.get("/briefs/2026-05.html").status_code == 200  # nothing above GREEN in it
    assert ana.get("/briefs/..%2Fforesight.yaml").status_code == 404


def test_an_archived_pdf_brief_is_served_as_a_download(
    client: Client, log_ws: Path, db_url: str
) -> None:
    pytest.importorskip("weasyprint")
    base = ["--workspace", str(log_ws), "--db", db_url, "brief", "--month", "2026-05"]
    result = CliRunner().invoke(cli, [*base, "--audience", "GREEN", "--format", "pdf"])
    assert result.exit_code == 0, result.output
    ana = client("ana")
    assert '<a href="/briefs/2026-05.pdf">PDF</a>' in ana.get("/briefs").text
    pdf = ana.get("/briefs/2026-05.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="2026-05.pdf"'
    assert pdf.content.startswith(b"%PDF")


def test_resolutions_use_the_cli_checks(client: Client, db_url: str) -> None:
    ana = client("ana")
    base = {
        "scenario": "example-scenario",
        "outcome": "happened",
        "source": "Customs notice",
        "note": "",
    }
    future = post(
        ana, "/resolutions/new", {**base, "resolved_on": "2999-01-01"}, page="/resolutions"
    )
    assert future.status_code == 400
    assert "is in the future" in future.text
    early = post(
        ana, "/resolutions/new", {**base, "resolved_on": "2020-01-01"}, page="/resolutions"
    )
    assert "before example-scenario&#39;s prior was set" in early.text
    done = post(ana, "/resolutions/new", {**base, "resolved_on": DAY}, page="/resolutions")
    assert done.status_code == 303
    twice = post(ana, "/resolutions/new", {**base, "resolved_on": DAY}, page="/resolutions")
    assert "scenario &#39;example-scenario&#39; is already resolved as happened" in twice.text
    assert "Settled" in ana.get("/").text
    with open_store(db_url) as store:
        [resolution] = store.resolutions()
    assert resolution.analyst == "ana"
    url = f"/resolutions/{resolution.id}/retract"
    assert post(ana, url, {"reason": ""}, page="/resolutions").status_code == 400
    assert post(ana, url, {"reason": "Wrong report."}, page="/resolutions").status_code == 303
    rita = client("rita")
    refused = post(rita, "/resolutions/new", {**base, "resolved_on": DAY}, page="/resolutions")
    assert refused.status_code == 403


def test_dashboard_speaks_per_question_with_its_time_frame(client: Client) -> None:
    page = client("ana").get(f"/?as_of={AS_OF}").text
    assert "Time frame: by 31 December 2027." in page
    assert "ahead of" not in page
    assert page.count('class="question"') == 2  # two standalone scenarios: two questions


def test_hash_password_prints_a_hash_that_checks(log_ws: Path) -> None:
    from foresight.web.auth import check_password

    result = CliRunner().invoke(
        cli, ["--workspace", str(log_ws), "serve", "--hash-password"], input="s3cret\n"
    )
    assert result.exit_code == 0, result.output
    hashed = result.output.strip()
    assert hashed.startswith("scrypt$32768$8$1$")
    assert check_password("s3cret", hashed) and not check_password("s3cret!", hashed)
    config = log_ws / "foresight.yaml"
    config.write_text(
        config.read_text()
        + "users:\n  - name: eve\n    password: hunter2\n    role: reader\n    clearance: GREEN\n"
    )
    check = CliRunner().invoke(cli, ["--workspace", str(log_ws), "validate"])
    assert check.exit_code == 1
    assert "users" in check.output and "password" in check.output


def test_only_a_web_address_becomes_a_link(client: Client) -> None:
    ana = client("ana")
    refused = post(ana, "/observe/example-indicator", {**FORM, "source_url": "javascript:alert(1)"})
    assert refused.status_code == 400  # the log takes only web addresses
    assert "is not a web address" in refused.text
    assert 'href="javascript:' not in refused.text
    other = post(
        ana,
        "/observe/example-indicator",
        {**FORM, "source": "Other", "source_url": "https://example.org/report"},
    ).headers["location"]
    assert 'href="https://example.org/report" rel="noopener noreferrer"' in ana.get(other).text


def test_workspace_status_for_an_audience_leaves_out_what_it_may_not_see(
    client: Client, log_ws: Path, db_url: str
) -> None:
    from foresight.workspace import Workspace

    _amber_report(client, db_url)
    workspace = Workspace(log_ws, db_url)
    day = dt.date(2026, 6, 30)
    green = {r.id: r.probability for r in workspace.status(day, audience="GREEN").rows}
    amber = {r.id: r.probability for r in workspace.status(day, audience="AMBER").rows}
    everyone = {r.id: r.probability for r in workspace.status(day).rows}
    assert green["example-scenario"] == pytest.approx(0.3)
    assert amber["example-scenario"] == everyone["example-scenario"] > 0.3
    [path] = workspace.history([day], audience="GREEN")
    assert path.probability("example-scenario") == pytest.approx(0.3)
    workspace.close()


def test_hash_password_refuses_an_empty_password(log_ws: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--workspace", str(log_ws), "serve", "--hash-password"], input="\n"
    )
    assert result.exit_code == 2
    assert "the password is empty" in result.output


def test_the_login_page_is_not_needed_by_the_local_user(client: Client) -> None:
    local = client(None)
    answer = local.get("/login?next=/log")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/log"
