"""ex08: how it is judged — a burst against a PostgreSQL with few connection slots.

The learner sets DATABASE_SETTINGS (laid over DATABASES["default"]); the judge serves the demo
project with them on a throwaway PostgreSQL started with MAX_CONNECTIONS, fires BURST requests
at the provided view at once (the grader: HIDDEN_BURST), and requires that none failed (a
request the client gave up on counts as failed), that the server's connections stayed within
BUDGET (its share of the slots, as if a second server process shared them), and that the pool
used at least MIN_PEAK of them: a pool of one connection need not fail (BURST × 0.3 s = 18 s is
within psycopg_pool's default 30 s timeout) but makes the last request wait about 18 s. The
server connects as the superuser, so all MAX_CONNECTIONS slots are usable (an ordinary role
would lose superuser_reserved_connections, 3 by default).
"""

import asyncio
import json

from course import postgres
from course._batch import send_together
from course.grading.exercises import ex08_pristine
from course.grading.judging import Exercise
from course.grading.probes import Failed
from course.loadtest import CLIENTS
from course.records import Run

MAX_CONNECTIONS = 20  # the PostgreSQL server's slots
BUDGET = 10  # one of two server processes: half the slots
MIN_PEAK = BUDGET // 2  # a pool sized from the budget uses at least half of it in a burst of 60
BURST = 60  # requests at once, far more than the slots
HIDDEN_BURST = 100  # the grader's burst: the task says it sends 100
CLIENT_TIMEOUT_S = 60.0  # a request unanswered this long counts as failed; the slowest passing
# answer (5 connections, 100 requests of 0.3 s) needs about 6 s: a tenfold slack for a busy machine
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


async def _send(url, requests, title):
    """`requests` GETs at once; one the client gives up on is a Record with status None."""
    async with CLIENTS["aiohttp"](url, CLIENT_TIMEOUT_S) as get:
        async def fetch(index):
            try:
                return await get()
            except (TimeoutError, OSError, ValueError):  # no answer: a failed request
                return None, {}

        return Run(title, await send_together(fetch, requests))


async def _burst(cluster, settings, requests):
    server = await asyncio.to_thread(cluster.serve, **settings)
    try:
        async with cluster.watch() as seen:
            run = await _send(server.url + VIEW, requests, f"ex08: {requests} requests at once")
        return run, seen.peak, server.log_text()
    finally:
        await asyncio.to_thread(server.stop)


def _why(log, unanswered):
    if "Pooling doesn't support persistent connections" in log:
        return ("Django refused the settings: \"Pooling doesn't support persistent "
                "connections.\" With a pool, CONN_MAX_AGE must be 0.")
    if "max_size must be greater or equal than min_size" in log:
        return ("psycopg_pool refused the pool: \"max_size must be greater or equal than "
                "min_size\". Its min_size defaults to 4, so a max_size below 4 needs a "
                "min_size too, e.g. {\"min_size\": 2, \"max_size\": 3}.")
    if "too many clients" in log:
        return ("PostgreSQL refused connections: \"too many clients already\". Each request "
                "in flight opened a connection of its own; cap them with a pool "
                '(OPTIONS={"pool": {...}}).')
    if "PoolTimeout" in log:
        return ("Requests gave up waiting for a pooled connection (PoolTimeout): the pool's "
                "timeout is shorter than the wait a burst needs. Raise it.")
    if unanswered:
        return (f"{unanswered} got no answer within {CLIENT_TIMEOUT_S:g} s: the burst waited "
                "far too long for connections. Let the pool use more of your share.")
    return "See the server's log for why."


def _require_sized(requests, peak, total_s):
    if peak > BUDGET:
        raise Failed(f"No request failed, but your server used {peak} connections at the peak; "
                     f"it may use at most {BUDGET} (a second server process needs the rest). "
                     "Make the pool smaller.")
    if peak < MIN_PEAK:
        raise Failed(f"No request failed, but your server used at most {peak} connection(s) of "
                     f"its share of {BUDGET}, so the {requests} requests queued for them "
                     f"({total_s:.1f} s in all). Size the pool from the share: let it use at "
                     f"least {MIN_PEAK} connections (max_size).")


async def judge(context):
    if not postgres.available():
        raise Failed("This exercise needs PostgreSQL, which is not installed here, so it "
                     "cannot be checked (and does not pass) on this machine.\n"
                     + postgres.how_to_install())
    settings = _settings(context.namespace)
    ex08_pristine.require_provided()
    cluster = await asyncio.to_thread(_running_cluster)
    requests = HIDDEN_BURST if context.hidden else BURST
    run, peak, log = await _burst(cluster, settings, requests)
    context.keep(run)
    failed = sum(record.status != 200 for record in run.records)
    unanswered = sum(record.status is None for record in run.records)
    context.note(f"{requests} requests at once: {failed} failed ({unanswered} unanswered), at "
                 f"most {peak} connections (max_connections={MAX_CONNECTIONS}, your share "
                 f"{BUDGET}), {run.total_s:.2f} s", failed=failed, peak_connections=peak)
    if failed:
        given = "Not solved yet: DATABASE_SETTINGS is as given. " if settings == GIVEN else ""
        raise Failed(f"{given}{failed} of {requests} requests failed. {_why(log, unanswered)}")
    _require_sized(requests, peak, run.total_s)
    return (f"All {requests} requests answered with at most {peak} connections "
            f"(your share: {BUDGET} of {MAX_CONNECTIONS}); they waited for a pooled "
            f"connection instead of failing ({run.total_s:.2f} s in all).")


EXERCISE = Exercise("ex08", "survive a burst on PostgreSQL", "ex08_connection_pool.ipynb", judge)
