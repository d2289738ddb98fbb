"""A library user does everything without the CLI: open a workspace and ask it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from foresight.intake import read_file
from foresight.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]


def test_status_favoured_history_and_brief_from_python(tmp_path: Path) -> None:
    workspace = Workspace.open(REPO, db_url=str(tmp_path / "foresight.db"))
    try:
        batch = read_file(
            REPO / "examples" / "observations.csv",
            workspace.definitions.indicators,
            workspace.config.default_tlp,
        )
        assert workspace.store.add(batch.rows, "library user").added == 59
        day = dt.date(2021, 11, 30)
        status = workspace.status(day)
        # the most confident call: civil war "very unlikely" (81% that it does not happen)
        assert status.questions[0].members[0].id == "renewed-civil-war"
        calls = workspace.favoured(day).board.open_questions
        assert calls[0].side == "no" and calls[1].side == "yes"
        assert calls[1].sentence().startswith("“Russia puts its ties")
        path = workspace.history([dt.date(2021, 6, 30), day])
        assert path[-1].probability("renewed-civil-war") == status.assessment.probability(
            "renewed-civil-war"
        )
        workspace.brief(day, out=tmp_path / "reports", formats=("md",))
        assert (tmp_path / "reports" / "2021-11.md").is_file()
    finally:
        workspace.close()
