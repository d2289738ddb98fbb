"""A local run without PostgreSQL or Chromium sums its skips up by reason."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_skips_are_summed_up_by_reason_not_listed_one_by_one(pytester: pytest.Pytester) -> None:
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(5))
        def test_needs_a_server(n):
            pytest.skip("PostgreSQL tests skipped: FORESIGHT_TEST_PG is not set")

        def test_needs_a_browser():
            pytest.skip("no Chromium on this machine")

        def test_runs():
            pass
        """
    )
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = settings["tool"]["pytest"]["ini_options"]["addopts"].split()
    result = pytester.runpytest_inprocess(*addopts)
    result.assert_outcomes(passed=1, skipped=6)
    lines = result.outlines
    assert not [line for line in lines if line.startswith("SKIPPED")]
    assert "5 skipped: PostgreSQL tests skipped: FORESIGHT_TEST_PG is not set" in lines
    assert "1 skipped: no Chromium on this machine" in lines
