"""The web app in a real browser: a real `foresight serve` driven by headless Chromium.

Each test starts the server in a subprocess on a free port, over SQLite and over
PostgreSQL (conftest's stores), and drives it with the system Chromium through the
playwright package (never a downloaded browser). Skipped without a browser or
playwright unless CI is set, like test_browser.py.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import test_browser
from webkit import PASSWORD, TOKEN, add_users

from foresight.store import open_store

browser = test_browser.browser  # one headless Chromium a module, as the brief tests use

AS_OF = "2026-06-30"
SCRIPT = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(log_ws: Path, db_url: str) -> Iterator[str]:
    """A real server over the workspace and a fresh store; its base URL."""
    add_users(log_ws)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "foresight",
            "--workspace",
            str(log_ws),
            "--db",
            db_url,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"the server did not start:\n{output}")
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Person:
    """One user in their own browser context (their own cookies)."""

    def __init__(self, browser, base: str, name: str | None, password: str = PASSWORD) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.status = 0
        if name is not None:
            self.log_in(name, password)

    def go(self, path: str) -> int:
        response = self.page.goto(self.base + path)
        self.status = response.status if response else 0
        return self.status

    def log_in(self, name: str, password: str = PASSWORD) -> None:
        self.go("/login")
        self.page.fill("#name", name)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("button:has-text('Log in')")

    def probability(self, scenario: str = "example-scenario") -> str:
        self.go(f"/?as_of={AS_OF}")
        row = self.page.locator(f'tr[data-scenario="{scenario}"] td.prob')
        return row.inner_text().strip()

    def observe(self, indicator: str, **values: str) -> None:
        """Log an observation through the form, as a person would."""
        self.go("/observe")
        self.page.fill("#q", values.pop("search", indicator))
        self.page.click("button:has-text('Search')")
        self.page.click(f'a[href="/observe/{indicator}"]')
        fields = {"observed_on": "2026-06-01", "source": "Border agency bulletin", **values}
        for name in ("reliability", "credibility", "tlp"):
            choice = fields.pop(name, {"reliability": "B", "credibility": "2"}.get(name))
            if choice:
                self.page.select_option(f"#{name}", choice)
        for name, value in fields.items():
            self.page.fill(f"#{name}", value)
        with self.page.expect_navigation():
            self.page.click("button:has-text('Log observation')")

    def close(self) -> None:
        assert self.errors == []
        self.context.close()


def test_an_observation_logged_in_the_form_moves_the_dashboard(
    browser, server: str, db_url: str
) -> None:
    ana = Person(browser, server, "ana")
    assert ana.probability() == "30.0%"
    ana.observe("example-indicator", search="customs redeployed")
    assert re.search(r"/observations/\d+$", ana.page.url)
    assert "Logged observation" in ana.page.locator("p.flash").inner_text()
    after = ana.probability()
    assert float(after.rstrip("%")) > 30.0
    assert ana.page.evaluate("document.scripts.length") == 0
    ana.go("/log")
    assert "ana" in ana.page.locator("table.log tbody tr").first.inner_text()
    with open_store(db_url) as store:
        [logged] = store.observations()
    assert logged.analyst == "ana"
    ana.close()


def test_field_errors_show_next_to_their_fields(browser, server: str) -> None:
    ana = Person(browser, server, "ana")
    ana.observe("example-indicator", observed_on="2999-01-01", source=" ")
    assert ana.page.locator("#observed_on-error").inner_text() == (
        "2999-01-01 is in the future (log an observation once it has been made)"
    )
    assert ana.page.locator("#source-error").inner_text() == (
        "is required but missing or empty (name the source of the report)"
    )
    assert ana.page.locator("#observed_on").get_attribute("aria-invalid") == "true"
    ana.close()


def test_a_reader_cannot_post(browser, server: str, db_url: str) -> None:
    rita = Person(browser, server, "rita")
    rita.go("/")
    assert rita.page.locator("nav a", has_text="Log an observation").count() == 0
    assert rita.go("/observe/example-indicator") == 403
    rita.go("/")
    token = rita.page.locator('input[name="csrf"]').first.get_attribute("value")
    answer = rita.context.request.post(
        server + "/observe/example-indicator",
        form={
            "csrf": token,
            "observed_on": "2026-06-01",
            "source": "Mine",
            "reliability": "A",
            "credibility": "1",
        },
    )
    assert answer.status == 403
    with open_store(db_url) as store:
        assert store.observations() == []
    rita.close()


def test_a_green_user_sees_no_amber_note_count_or_effect(browser, server: str) -> None:
    adam = Person(browser, server, "adam")
    adam.observe("example-indicator", tlp="AMBER", note="AMBER-only liaison note", source="Liaison")
    oid = adam.page.url.rsplit("/", 1)[1]
    assert float(adam.probability().rstrip("%")) > 30.0
    gina = Person(browser, server, "gina")
    assert gina.probability() == "30.0%"
    assert "from 0 observation(s)" in gina.page.locator("main").inner_text()
    gina.go("/log")
    assert "AMBER-only liaison note" not in gina.page.content()
    assert "0 observation(s)" in gina.page.locator("main").inner_text()
    assert gina.go(f"/observations/{oid}") == 404
    gina.go("/scenarios/example-scenario")
    assert "Liaison" not in gina.page.content()
    adam.close()
    gina.close()


def test_a_form_without_a_csrf_token_is_refused(browser, server: str, db_url: str) -> None:
    ana = Person(browser, server, "ana")
    form = {"observed_on": "2026-06-01", "source": "Forged", "reliability": "A", "credibility": "1"}
    for extra in ({}, {"csrf": "forged"}):
        answer = ana.context.request.post(
            server + "/observe/example-indicator", form={**form, **extra}
        )
        assert answer.status == 403
        assert "no valid CSRF token" in answer.text()
    with open_store(db_url) as store:
        assert store.observations() == []
    ana.close()


def test_script_in_every_text_field_stays_inert(browser, server: str) -> None:
    ana = Person(browser, server, "ana")
    url = "https://example.org/" + SCRIPT.replace(" ", "%20")  # the log takes only web addresses
    ana.observe("example-indicator", source=SCRIPT, source_url=url, event=SCRIPT, note=SCRIPT)
    where = ana.page.url
    for path in (where.removeprefix(server), "/log", "/observe/example-indicator", "/"):
        ana.go(path)
        assert ana.page.evaluate("document.scripts.length") == 0
        assert ana.page.title() != "pwned"
    ana.go(where.removeprefix(server))
    assert SCRIPT in ana.page.locator("dl.record").inner_text()
    assert ana.page.locator("dl.record img").count() == 0
    assert ana.dialogs == []
    ana.close()


def test_a_wrong_password_is_refused_and_tells_nothing_of_the_users(browser, server: str) -> None:
    known = Person(browser, server, None)
    known.log_in("ana", "not the password")
    unknown = Person(browser, server, None)
    unknown.log_in("zed", "not the password")
    for person in (known, unknown):
        assert "/login" in person.page.url
        assert person.page.locator("p.error").inner_text() == "Wrong user name or password."
        assert person.page.locator("nav").count() == 0
    assert known.go("/") == 200 and "/login" in known.page.url
    known.close()
    unknown.close()


def test_several_analysts_log_at_once(server: str, db_url: str) -> None:
    import httpx

    def work(name: str, count: int, failures: list[str]) -> None:
        with httpx.Client(base_url=server) as client:
            token = TOKEN.search(client.get("/login").text).group(1)
            client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
            for i in range(count):
                page = client.get("/observe/example-indicator")
                token = TOKEN.search(page.text).group(1)
                answer = client.post(
                    "/observe/example-indicator",
                    data={
                        "csrf": token,
                        "observed_on": "2026-06-01",
                        "source": f"{name} {i}",
                        "reliability": "B",
                        "credibility": "2",
                        "confirm": "yes",
                    },
                )
                if answer.status_code != 303:
                    failures.append(f"{name} {i}: {answer.status_code}")

    failures: list[str] = []
    workers = [threading.Thread(target=work, args=(n, 5, failures)) for n in ("ana", "bob", "adam")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    with open_store(db_url) as store:
        logged = store.observations()
    assert sorted(o.analyst for o in logged) == ["adam"] * 5 + ["ana"] * 5 + ["bob"] * 5
