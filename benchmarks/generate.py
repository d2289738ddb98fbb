"""Generate a seeded synthetic workspace and observation log, and import it with foresight.

    python benchmarks/generate.py OUT_DIR --observations 100000 [--scenarios 20]
        [--indicators 200] [--seed 7] [--db URL] [--no-import]

Writes OUT_DIR/foresight.yaml, scenarios/, indicators/ and OUT_DIR/observations.csv (ten
years of observations with shared event keys, absences, retractions, every grading and
TLP level), then imports the CSV through `foresight import` into the workspace's SQLite
store, or into --db (e.g. a PostgreSQL URL).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

WEIGHTS = [
    "strong-for",
    "moderate-for",
    "weak-for",
    "weak-against",
    "moderate-against",
    "strong-against",
    "decisive-for",
    "decisive-against",
]
HALF_LIVES = [30, 60, 90, 180, 365, None]
TLP = ["CLEAR", "GREEN", "GREEN", "GREEN", "AMBER", "AMBER", "AMBER+STRICT", "RED"]
COLUMNS = [
    "indicator",
    "observed_on",
    "absent",
    "strength",
    "source",
    "source_url",
    "reliability",
    "credibility",
    "event",
    "tlp",
    "note",
    "analyst",
    "recorded_at",
    "retracted_at",
    "retracted_by",
    "retraction_reason",
]
START = dt.date(2016, 1, 1)
DAYS = 3652  # ten years
GROUP_SIZE = 4


def write_definitions(out: Path, scenarios: int, indicators: int, rnd: random.Random) -> set[int]:
    """Write foresight.yaml and the scenario and indicator files."""
    (out / "scenarios").mkdir(parents=True, exist_ok=True)
    (out / "indicators").mkdir(parents=True, exist_ok=True)
    (out / "foresight.yaml").write_text(
        "name: Synthetic benchmark workspace\nyardstick: icd203\n"
        "database: .foresight/foresight.db\ndefault_tlp: GREEN\ndefault_audience: AMBER\n",
        encoding="utf-8",
    )
    source = '  - document: synthetic.txt\n    quote: "generated for benchmarking"\n'
    can_be_absent: set[int] = set()
    for s in range(scenarios):
        grouped = s < GROUP_SIZE
        prior = round(rnd.uniform(0.05, 0.2), 3) if grouped else round(rnd.uniform(0.05, 0.9), 3)
        (out / "scenarios" / f"s{s:03d}.yaml").write_text(
            f"id: s{s:03d}\ntitle: Synthetic scenario {s}\nsummary: A generated future.\n"
            f"prior: {prior}\nprior_rationale: Generated.\nprior_set_on: 2015-12-31\n"
            f"horizon: 2030-12-31\nresolution: Generated.\n"
            + ("group: block\n" if grouped else "")
            + f"sources:\n{source}",
            encoding="utf-8",
        )
    for i in range(indicators):
        targets = rnd.sample(range(scenarios), k=rnd.randint(1, 4))
        if i < scenarios:
            targets = sorted({i, *targets})  # every scenario can be moved
        weights = ""
        for t in targets:  # the draws in the same order as ever: the same workspace
            weights += f"  s{t:03d}:\n    observed: {rnd.choice(WEIGHTS)}\n"
            if rnd.random() < 0.5:
                weights += f"    absent: {rnd.choice(WEIGHTS)}\n"
                can_be_absent.add(i)  # foresight refuses absences that move nothing
        half_life = rnd.choice(HALF_LIVES)
        expected = (
            f"expected_by: {START + dt.timedelta(days=rnd.randint(0, DAYS))}\n"
            if (rnd.random() < 0.2)
            else ""
        )
        (out / "indicators" / f"i{i:03d}.yaml").write_text(
            f"id: i{i:03d}\ntitle: Synthetic indicator {i}\ndescription: A generated signpost.\n"
            f"half_life_days: {'null' if half_life is None else half_life}\n{expected}"
            f"weights:\n{weights}sources:\n{source}",
            encoding="utf-8",
        )
    return can_be_absent


def write_observations(
    path: Path, count: int, indicators: int, rnd: random.Random, can_be_absent: set[int]
) -> None:
    """Write count observations as an import CSV (export columns, so retractions come too)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        events: list[tuple[int, int, str]] = []
        for n in range(count):
            if events and rnd.random() < 0.15:  # another report of an earlier event
                indicator, day, event = rnd.choice(events)
                day = min(day + rnd.randint(0, 3), DAYS - 1)
            else:
                indicator, day, event = rnd.randrange(indicators), rnd.randrange(DAYS), ""
                if rnd.random() < 0.1:
                    event = f"ev-{n}"
                    events.append((indicator, day, event))
                    if len(events) > 5000:
                        events.pop(0)
            observed_on = START + dt.timedelta(days=day)
            recorded = dt.datetime.combine(observed_on, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
                days=rnd.randint(0, 20), seconds=n % 86400
            )
            retracted = rnd.random() < 0.02
            writer.writerow(
                [
                    f"i{indicator:03d}",
                    observed_on.isoformat(),
                    "true" if rnd.random() < 0.1 and indicator in can_be_absent else "false",
                    rnd.choice(["strong", "moderate", "weak"]),
                    f"Synthetic source {rnd.randrange(500)}",
                    "",
                    rnd.choice("ABCDEF"),
                    rnd.randint(1, 6),
                    event,
                    rnd.choice(TLP),
                    f"Synthetic report number {n}.",
                    f"analyst-{rnd.randrange(12)}",
                    recorded.isoformat(),
                    (recorded + dt.timedelta(days=30)).isoformat() if retracted else "",
                    f"analyst-{rnd.randrange(12)}" if retracted else "",
                    "Superseded by a better report." if retracted else "",
                ]
            )


def main() -> None:
    """Parse the arguments, write the workspace and import the log."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--scenarios", type=int, default=20)
    parser.add_argument("--indicators", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", help="store URL (default: the workspace's SQLite file)")
    parser.add_argument("--no-import", action="store_true", help="only write the files")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    can_be_absent = write_definitions(args.out, args.scenarios, args.indicators, rnd)
    write_observations(
        args.out / "observations.csv", args.observations, args.indicators, rnd, can_be_absent
    )
    if not args.no_import:
        command = [sys.executable, "-m", "foresight", "--workspace", str(args.out)]
        if args.db:
            command += ["--db", args.db]
        subprocess.run([*command, "import", str(args.out / "observations.csv")], check=True)


if __name__ == "__main__":
    main()
