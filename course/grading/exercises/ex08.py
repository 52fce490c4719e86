"""ex08: how it is judged — a burst against a PostgreSQL with few connection slots.

The learner sets DATABASE_SETTINGS (laid over DATABASES["default"]); the judge serves the demo
project with them on a throwaway PostgreSQL started with MAX_CONNECTIONS, fires BURST requests
at the provided view at once, and requires that none failed and that the server's connections
stayed within BUDGET (its share of the slots, as if a second server process shared them).
"""

import asyncio
import json

from course import postgres
from course.grading.judging import Exercise
from course.grading.probes import Failed
from course.loadtest import load

MAX_CONNECTIONS = 20  # the PostgreSQL server's slots
BUDGET = 10  # one of two server processes: half the slots
BURST = 60  # requests at once, far more than the slots
HIDDEN_BURST = 90  # the grader's burst: a pool must hold under a bigger one too
VIEW = "/pg/books/?delay_s=0.3"  # reads the books, then waits 0.3 s holding its connection
ALLOWED = {"CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"}
GIVEN = {"CONN_MAX_AGE": 0}  # the exercise's settings as handed out
_cluster = None  # one per process, reused by later checks; it stops when Python exits


def _settings(namespace):
    settings = namespace.get("DATABASE_SETTINGS")
    if not isinstance(settings, dict):
        raise Failed("Set DATABASE_SETTINGS to a dict of database settings, e.g. "
                     f'{{"CONN_MAX_AGE": 0}}; got {repr(settings)[:200]}.')
    extra = sorted(set(settings) - ALLOWED)
    if extra:
        raise Failed(f"DATABASE_SETTINGS may set only {', '.join(sorted(ALLOWED))}: the check "
                     f"points the database at its own PostgreSQL. Remove {', '.join(extra)}.")
    try:
        json.dumps(settings)
    except (TypeError, ValueError) as error:
        raise Failed(f"DATABASE_SETTINGS must hold plain values (numbers, strings, True/False/"
                     f"None, dicts): {error}.") from None
    return settings


def _running_cluster():
    global _cluster
    if _cluster is None or not _cluster.running:
        _cluster = postgres.cluster(max_connections=MAX_CONNECTIONS)
    return _cluster


async def _burst(cluster, settings, requests):
    server = await asyncio.to_thread(cluster.serve, **settings)
    try:
        async with cluster.watch() as seen:
            run = await load(server.url + VIEW, requests=requests, server_pid=server.pid,
                             title=f"ex08: {requests} requests at once")
        return run, seen.peak, server.log_text()
    finally:
        await asyncio.to_thread(server.stop)


def _why(log):
    if "Pooling doesn't support persistent connections" in log:
        return ("Django refused the settings: \"Pooling doesn't support persistent "
                "connections.\" With a pool, CONN_MAX_AGE must be 0.")
    if "too many clients" in log:
        return ("PostgreSQL refused connections: \"too many clients already\". Each request "
                "in flight opened a connection of its own; cap them with a pool "
                '(OPTIONS={"pool": {...}}).')
    if "PoolTimeout" in log:
        return ("Requests gave up waiting for a pooled connection (PoolTimeout): the pool's "
                "timeout is shorter than the wait a burst needs. Raise it.")
    return "See the server's log for why."


async def judge(context):
    if not postgres.available():
        raise Failed("This exercise needs PostgreSQL, which is not installed here, so it "
                     "cannot be checked (and does not pass) on this machine.\n"
                     + postgres.how_to_install())
    settings = _settings(context.namespace)
    cluster = await asyncio.to_thread(_running_cluster)
    requests = HIDDEN_BURST if context.hidden else BURST
    run, peak, log = await _burst(cluster, settings, requests)
    context.keep(run)
    failed = sum(record.status != 200 for record in run.records)
    context.note(f"{requests} requests at once: {failed} failed, at most {peak} connections "
                 f"(max_connections={MAX_CONNECTIONS}, your share {BUDGET}), "
                 f"{run.total_s:.2f} s", failed=failed, peak_connections=peak)
    if failed:
        given = "Not solved yet: DATABASE_SETTINGS is as given. " if settings == GIVEN else ""
        raise Failed(f"{given}{failed} of {requests} requests failed. {_why(log)}")
    if peak > BUDGET:
        raise Failed(f"No request failed, but your server used {peak} connections at the peak; "
                     f"it may use at most {BUDGET} (a second server process needs the rest). "
                     "Make the pool smaller.")
    return (f"All {requests} requests answered with at most {peak} connections "
            f"(your share: {BUDGET} of {MAX_CONNECTIONS}); they waited for a pooled "
            f"connection instead of failing ({run.total_s:.2f} s in all).")


EXERCISE = Exercise("ex08", "survive a burst on PostgreSQL", "ex08_connection_pool.ipynb", judge)
