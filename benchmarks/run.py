"""Time foresight as whole processes on synthetic logs of growing size.

    python benchmarks/run.py [--sizes 10000,100000] [--full] [--runs 5] [--work DIR]

For each size N (S = 20 scenarios, I = 200 indicators, ten years of observations) it
generates a workspace with benchmarks/generate.py, then times, as separate processes and
several runs each (median and spread), with the peak resident memory of each process:
start-up (`--version`), `observe` of one entry, `import` of the N-row CSV (rows per second),
`status`, `favoured`, `explain` of one scenario, `history --all --step month` over 120
months (as it runs again, reading the path checkpoints it kept, and cold, with them
dropped first), `brief` for one month, and the web app's dashboard: one GET of `/` from a
running `foresight serve` (warm, over HTTP on 127.0.0.1; the server's peak memory). The
floor is a bare Python process that connects to the same SQLite file and reads the
columns the engine needs with one SELECT; every command's ratio to it is printed.
`--full` adds N = 1,000,000 (several minutes).

Ratios are measured in pairs, so that they hold while the shared machine's speed drifts:
each run of a command is followed by a run of what it is compared with (the floor, or
for `--version` and `observe` a bare `python -c pass`), and the median of the per-pair
ratios is quoted. The issue's targets are printed last, each with met / not met.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR_SQL = (
    "SELECT o.indicator, o.observed_on, o.absent, o.strength, o.reliability, o.credibility, "
    "o.event FROM observations o WHERE o.id NOT IN (SELECT observation_id FROM retractions)"
)
AS_OF = "2025-12-31"


@dataclass
class Timing:
    """Several runs of one command at one size."""

    name: str
    size: int
    seconds: list[float]
    rss_mb: float
    note: str = ""
    ratios: list[float] = field(default_factory=list)  # paired with `versus`, run by run
    versus: str = ""

    @property
    def ratio(self) -> float:
        """The median of the paired ratios (nan if not paired)."""
        return statistics.median(self.ratios) if self.ratios else math.nan

    @property
    def median(self) -> float:
        """The median wall time."""
        return statistics.median(self.seconds)


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one process; return its wall time and peak RSS in MB."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024


def measure(
    name: str,
    size: int,
    command: list[str],
    env: dict[str, str],
    runs: int,
    before: list[str] | None = None,
    versus: tuple[str, list[str]] | None = None,
) -> Timing:
    """Time a command several times (running `before` untimed ahead of each run), each
    run followed by one of `versus` (a name and a command) for a paired ratio."""
    seconds, peak, ratios = [], 0.0, []
    warm = [part.replace("{k}", "warm-up") for part in command]
    if not before:
        run(warm, env)
    for k in range(runs):
        if before:
            subprocess.run(before, check=True, env=env)
        elapsed, rss = run([part.replace("{k}", str(k)) for part in command], env)
        seconds.append(elapsed)
        peak = max(peak, rss)
        if versus:
            other, _ = run(versus[1], env)
            ratios.append(elapsed / other)
    return Timing(name, size, seconds, peak, ratios=ratios, versus=versus[0] if versus else "")


def bench_size(size: int, work: Path, runs: int, env: dict[str, str]) -> list[Timing]:
    """Generate a workspace of the given size and time every command on it."""
    ws = work / f"n{size}"
    if ws.exists():
        shutil.rmtree(ws)
    subprocess.run(
        [
            sys.executable,
            str(HERE / "generate.py"),
            str(ws),
            "--observations",
            str(size),
            "--no-import",
        ],
        check=True,
        env=env,
    )
    db = ws / ".foresight" / "foresight.db"
    fs = [sys.executable, "-m", "foresight", "--workspace", str(ws)]
    import_runs = max(1, min(runs, 3 if size <= 100_000 else 1))
    clear = [
        sys.executable,
        "-c",
        f"import pathlib, shutil; shutil.rmtree(pathlib.Path({str(db.parent)!r}), True)",
    ]
    timings = [
        measure(
            "import",
            size,
            [*fs, "import", str(ws / "observations.csv")],
            env,
            import_runs,
            before=clear,
        )
    ]
    timings[-1].note = f"{size / timings[-1].median:,.0f} rows/s"
    floor_code = (
        f"import sqlite3; c = sqlite3.connect({str(db)!r}); "
        f"rows = c.execute({FLOOR_SQL!r}).fetchall()"
    )
    floor = [sys.executable, "-c", floor_code]
    by_floor = ("floor", floor)
    bare = ("python -c pass", [sys.executable, "-c", "pass"])
    timings.append(measure("floor (one SELECT)", size, floor, env, runs))
    timings.append(measure("--version", size, [*fs, "--version"], env, runs, versus=bare))
    timings.append(
        measure(
            "observe",
            size,
            [
                *fs,
                "observe",
                "i000",
                "--date",
                "2020-01-01",
                "--source",
                "benchmark",
                "--reliability",
                "B",
                "--credibility",
                "2",
                "--note",
                f"benchmark run {time.time()} {{k}}",
            ],
            env,
            runs,
            versus=bare,
        )
    )
    for name, args in (
        ("status", ["status", "--as-of", AS_OF]),
        ("favoured", ["favoured", "--as-of", AS_OF]),
        ("explain", ["explain", "s000", "--as-of", AS_OF]),
    ):
        timings.append(measure(name, size, [*fs, *args], env, runs, versus=by_floor))
    path = [*fs, "history", "--all", "--step", "month", "--from", "2016-01-01", "--to", AS_OF]
    # The first history after a write weighs every month; the next reads the checkpoints
    # it kept. Both are timed: "cold" with the checkpoints dropped (untimed) before each run.
    forget = [
        sys.executable,
        "-c",
        f"import sqlite3; c = sqlite3.connect({str(db)!r}); "
        "c.execute('DELETE FROM path_points'); c.commit()",
    ]
    timings.append(measure("history --all (120 months)", size, path, env, runs, versus=by_floor))
    timings.append(
        measure(
            "history --all, cold",
            size,
            path,
            env,
            runs,
            before=forget,
            versus=by_floor,
        )
    )
    timings.append(
        measure(
            "brief (one month)",
            size,
            [
                *fs,
                "brief",
                "--month",
                "2025-06",
                "--out",
                str(ws / "reports"),
            ],
            env,
            runs,
            versus=by_floor,
        )
    )
    timings.append(bench_dashboard(ws, size, runs, env))
    return timings


def bench_dashboard(ws: Path, size: int, runs: int, env: dict[str, str]) -> Timing:
    """Time GET / (the dashboard) on a running server, after one untimed warm-up request."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "foresight", "--workspace", str(ws), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/?as_of={AS_OF}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    answer.read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    stderr = server.stderr.read().decode() if server.stderr else ""
                    raise SystemExit(f"foresight serve did not start:\n{stderr}") from None
                time.sleep(0.2)
        seconds = []
        for _ in range(max(runs, 5)):
            start = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as answer:
                answer.read()
            seconds.append(time.perf_counter() - start)
        with open(f"/proc/{server.pid}/status", encoding="ascii") as status:
            peak = next(
                (int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM")),
                math.nan,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return Timing("serve: dashboard GET /", size, seconds, peak, "warm server")


def report(timings: list[Timing]) -> None:
    """Print the table, the ratios to the floor and the scaling lines."""
    floors = {t.size: t.median for t in timings if t.name.startswith("floor")}
    print(
        f"\nforesight benchmark — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    header = (
        f"{'command':<28} {'N':>9} {'median s':>9} {'spread s':>15} {'peak MB':>8} "
        f"{'× floor':>8} {'paired ×':>9}  note"
    )
    print(header)
    print("-" * len(header))
    for t in timings:
        spread = f"{min(t.seconds):.3f}–{max(t.seconds):.3f}"
        ratio = t.median / floors[t.size] if t.size in floors else math.nan
        paired = f"{t.ratio:.2f}" if t.ratios else ""
        note = " ".join(part for part in (f"vs {t.versus}" if t.versus else "", t.note) if part)
        print(
            f"{t.name:<28} {t.size:>9,} {t.median:>9.3f} {spread:>15} {t.rss_mb:>8.0f} "
            f"{ratio:>8.2f} {paired:>9}  {note}"
        )
    sizes = sorted({t.size for t in timings})
    exponents: dict[str, float] = {}
    if len(sizes) >= 2:
        print("\nScaling (median seconds by N; exponent of time vs N, 1.0 = linear):")
        for name in dict.fromkeys(t.name for t in timings):
            by_size = {t.size: t.median for t in timings if t.name == name}
            points = "  ".join(f"{n:,}: {by_size[n]:.3f}" for n in sizes if n in by_size)
            first, last = sizes[0], sizes[-1]
            exponent = math.log(by_size[last] / by_size[first]) / math.log(last / first)
            exponents[name] = exponent
            print(f"  {name:<28} {points}   exponent {exponent:.2f}")
    targets(timings, exponents)


def targets(timings: list[Timing], exponents: dict[str, float]) -> None:
    """Print each of the issue's targets that this run measured, with met / not met."""
    found = {(t.name, t.size): t for t in timings}
    lines: list[tuple[str, str, bool]] = []

    def check(label: str, value: str, met: bool) -> None:
        lines.append((label, value, met))

    big = 1_000_000
    for name in ("status", "favoured", "explain"):
        t = found.get((name, big))
        if t:
            check(f"{name} at 1M ≤ 0.5 × floor", f"{t.ratio:.2f} ×", t.ratio <= 0.5)
            check(f"{name} at 1M peak ≤ 100 MB", f"{t.rss_mb:.0f} MB", t.rss_mb <= 100)
    for name in ("history --all (120 months)", "history --all, cold", "brief (one month)"):
        t = found.get((name, big))
        if t:
            check(f"{name} at 1M ≤ 1.5 × floor", f"{t.ratio:.2f} ×", t.ratio <= 1.5)
    t = found.get(("status", 10_000))
    if t:
        check("status at 10k ≤ 4 × floor", f"{t.ratio:.2f} ×", t.ratio <= 4)
    for name, limit in (("observe", 6.0), ("--version", 3.0)):
        for t in (t for t in timings if t.name == name):
            check(
                f"{name} at {t.size:,} ≤ {limit:g} × python -c pass",
                f"{t.ratio:.2f} ×",
                t.ratio <= limit,
            )
    t = found.get(("import", big))
    if t:
        rate = big / t.median
        check("import at 1M ≥ 60,000 rows/s", f"{rate:,.0f} rows/s", rate >= 60_000)
        check("import at 1M peak ≤ 300 MB", f"{t.rss_mb:.0f} MB", t.rss_mb <= 300)
    for name, exponent in exponents.items():
        if name.startswith(("floor", "--version", "observe")):
            continue
        # Sub-linear is the aim; a few hundredths over 1.0 is within this machine's noise.
        check(f"{name} grows no worse than linearly", f"exponent {exponent:.2f}", exponent <= 1.05)
    if not lines:
        return
    print("\nTargets (issue 13):")
    for label, value, met in lines:
        print(f"  {'met    ' if met else 'NOT met'}  {label:<48} {value}")


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--full", action="store_true", help="add N = 1,000,000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, help="where to generate (default: a temp folder)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.full else [])
    work = args.work or Path(tempfile.mkdtemp(prefix="foresight-bench-"))
    env = {**os.environ, "NO_COLOR": "1", "FORESIGHT_ANALYST": "benchmark"}
    env.pop("FORESIGHT_DB", None)
    env.pop("FORESIGHT_WORKSPACE", None)
    # An installed foresight has its bytecode compiled (pip does it); without this, a
    # checkout run with PYTHONDONTWRITEBYTECODE set would compile every module every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "src")], env=env)
    timings: list[Timing] = []
    for size in sizes:
        print(f"N = {size:,} …", file=sys.stderr, flush=True)
        timings += bench_size(size, work, args.runs, env)
    report(timings)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
