"""The course's benchmark: the numbers the notebooks teach, measured and checked against
their targets. `python -m course bench` prints a table; `--json` prints JSON lines."""

import asyncio
import gc
import json
import statistics
import time

import httpx

from course._http import BASE_URL, asgi_app
from course.lab import setup
from course.loadtest import load
from course.server import serve
from course.simulation import ideal_total_s
from course.timing import measure

# (scenario, requests, delay_s): in-process scenarios go through Django's ASGI handler.
IN_PROCESS = [
    ("async-view", 3, 2.0), ("async-view", 100, 1.0), ("async-view", 1000, 1.0),
    ("sync-view-asgi", 3, 2.0), ("sync-view-asgi", 100, 1.0), ("sync-view-asgi", 1000, 1.0),
]
PATHS = {"async-view": "/sleep/async/", "sync-view-asgi": "/sleep/sync/"}
ONE_WORKER = ("sync-one-worker", 3, 2.0)
OVERHEAD_LOAD = (100, 0.25)  # requests, delay_s: short, so any cost of ours shows
OVERHEAD_PAIRS = 31  # pairs differ by ±10% on a busy machine: the median of many steadies it
LOAD_CLIENT = (1000, 1.0)  # requests, delay_s against a no-framework app under uvicorn
# Targets from the course's promises: "ok" in the table says whether each one was met.
TARGETS = {
    ("async-view", 3): ("total_s", "<=", 2.10),
    ("sync-one-worker", 3): ("total_s", ">=", 5.9),
    ("helper-overhead", None): ("ratio", "<=", 1.05),
    ("load-client", None): ("ratio", "<=", 1.3),
}


def _row(scenario, requests, delay_s, run, workers=None):
    return {"scenario": scenario, "requests": requests, "delay_s": delay_s,
            "total_s": round(run.total_s, 3), "ideal_s": ideal_total_s(requests, delay_s, workers),
            "peak_threads": run.peak_threads}


async def _bare_httpx(target, n):
    """What a learner would write by hand: a client, a gather, and closing it."""
    transport = httpx.ASGITransport(app=asgi_app())
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=60) as http:
        await asyncio.gather(*(http.get(target) for _ in range(n)))


async def _course_measure(target, n):
    await measure(target, n)


async def _timed(send, target, n):
    """Return (wall seconds, CPU seconds of this thread) that `send(target, n)` took."""
    gc.collect()  # a collection during one side of a pair would be charged to it alone
    wall, cpu = time.perf_counter(), time.thread_time()
    await send(target, n)
    return time.perf_counter() - wall, time.thread_time() - cpu


async def _helper_overhead():
    """course.measure()'s cost against bare httpx: CPU seconds on the event loop's thread.

    Everything measure() adds runs on that thread (the views' threads do the same work for
    both). Both wait for the same views, so their wall-clock times differ by that cost plus
    the noise of whatever else runs on the machine; CPU time leaves most of that noise out.
    Pairs run back to back, in alternating order; the ratio is the median of theirs."""
    n, delay_s = OVERHEAD_LOAD
    target = f"/sleep/async/?delay_s={delay_s}"
    ours, bare = [], []
    for i in range(OVERHEAD_PAIRS):
        first, second = (ours, bare) if i % 2 else (bare, ours)
        first.append(await _timed(_course_measure if first is ours else _bare_httpx, target, n))
        second.append(await _timed(_course_measure if second is ours else _bare_httpx, target, n))
    ratio = statistics.median(mine[1] / theirs[1] for mine, theirs in zip(ours, bare, strict=True))
    return {"scenario": "helper-overhead", "requests": n, "delay_s": delay_s,
            "total_s": round(statistics.median(wall for wall, _ in ours), 3),
            "bare_s": round(statistics.median(wall for wall, _ in bare), 3),
            "ratio": round(ratio, 3), "ideal_s": None, "peak_threads": None}


async def _load_client():
    """aiohttp (the course's load generator) against a minimal raw-socket client."""
    n, delay_s = LOAD_CLIENT
    with serve("uvicorn", app="course.tools.bare_app:app", migrate=False) as server:
        url = f"{server.url}/sleep/?delay_s={delay_s}"
        raw = await load(url, n, client="raw")
        ours = await load(url, n, client="aiohttp")
    return {"scenario": "load-client", "requests": n, "delay_s": delay_s,
            "total_s": round(ours.total_s, 3), "raw_s": round(raw.total_s, 3),
            "ratio": round(ours.total_s / raw.total_s, 3), "ideal_s": delay_s, "peak_threads": None}


async def run_all(quick=False):
    """Yield one result row per scenario (quick: skip the 1,000-request rows)."""
    setup()
    await measure("/sleep/async/?delay_s=0", 10)  # warm up imports and URL caches
    for scenario, n, delay_s in IN_PROCESS:
        if quick and n > 100:
            continue
        run = await measure(f"{PATHS[scenario]}?delay_s={delay_s}", n, timeout_s=120)
        yield _row(scenario, n, delay_s, run)
    scenario, n, delay_s = ONE_WORKER
    with serve("waitress", workers=1) as server:
        run = await measure(f"{server.url}/sleep/sync/?delay_s={delay_s}", n,
                            server_pid=server.pid, timeout_s=60)
    yield _row(scenario, n, delay_s, run, workers=1)
    yield await _helper_overhead()
    yield await _load_client()
    if not quick:
        yield await _grade_throughput()


GRADE_COPIES = 6  # grade-throughput: six copies of the five solutions, 30 notebooks
GRADE_TARGETS = (0.5, 30)  # ratio parallel/serial at most; notebooks a minute at least


async def _grade_throughput():
    """30 solution notebooks graded with the default --jobs, then with --jobs 1."""
    import shutil
    import tempfile
    from pathlib import Path

    from course.grading import batch

    with tempfile.TemporaryDirectory(prefix="course-bench-grade-") as folder:
        for copy in range(GRADE_COPIES):
            for exercise in batch.EXERCISES.values():
                source = Path(__file__).resolve().parents[2] / "solutions" / exercise.notebook
                if source.exists() and exercise.name <= "ex05":
                    (Path(folder) / f"c{copy}").mkdir(exist_ok=True)
                    shutil.copy(source, Path(folder) / f"c{copy}" / exercise.notebook)
        seconds, passed = [], []
        for jobs in (None, 1):
            started = time.perf_counter()
            grades = await asyncio.to_thread(batch.grade, [folder], jobs=jobs)
            seconds.append(time.perf_counter() - started)
            passed.append(sum(g.passed for g in grades))
    parallel, serial = seconds
    ratio, per_min = parallel / serial, len(grades) * 60 / parallel
    return {"scenario": "grade-throughput", "requests": len(grades), "delay_s": None,
            "total_s": round(parallel, 1), "ideal_s": None, "peak_threads": None,
            "ratio": round(ratio, 3), "target": f"ratio <= {GRADE_TARGETS[0]}, >= "
            f"{GRADE_TARGETS[1]}/min ({per_min:.0f}/min; passed {passed[0]} and {passed[1]})",
            "ok": ratio <= GRADE_TARGETS[0] and per_min >= GRADE_TARGETS[1]}


def judge(row):
    """Add `target` and `ok` to a row that has a target."""
    rule = TARGETS.get((row["scenario"], row["requests"])) or TARGETS.get((row["scenario"], None))
    if rule:
        key, op, limit = rule
        row["target"] = f"{key} {op} {limit}"
        row["ok"] = row[key] <= limit if op == "<=" else row[key] >= limit
    return row


COLUMNS = ("scenario", "requests", "delay_s", "total_s", "ideal_s", "peak_threads", "ratio",
           "target", "ok")


def format_table(rows):
    def cell(value):
        if value is None:
            return "-"
        if isinstance(value, bool):
            return "yes" if value else "NO"
        return f"{value:g}" if isinstance(value, float) else str(value)

    table = [COLUMNS] + [tuple(cell(r.get(c)) for c in COLUMNS) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
                     for line in table)


async def _collect(quick, on_row):
    rows = []
    async for row in run_all(quick=quick):
        rows.append(judge(row))
        on_row(row)
    return rows


def main(as_json=False, quick=False):
    """Run the benchmark, print it, and return 0 when every target is met."""
    def on_row(row):
        if as_json:
            print(json.dumps(row), flush=True)

    rows = asyncio.run(_collect(quick, on_row))
    if not as_json:
        print(format_table(rows))
    return 0 if all(r.get("ok", True) for r in rows) else 1
