"""A throwaway PostgreSQL server for the demo project, started and stopped by the course.

    if course.postgres.available():
        with course.postgres.cluster(max_connections=20) as pg:   # initdb, start, migrate, seed
            with pg.serve(CONN_MAX_AGE=0) as server:              # the demo under uvicorn, on it
                async with pg.watch() as seen:                    # samples pg_stat_activity
                    run = await course.loadtest.load(server.url + "/pg/books/", requests=50)
            print(seen.peak, "connections at the peak")
    else:
        print(course.postgres.how_to_install())

The cluster lives in a temporary folder (data, log and unix socket), listens on 127.0.0.1 and
a free port, and always stops: at the end of the `with` block, when the kernel exits, when
the Cluster is garbage-collected, and — through a watchdog process that holds a pipe to this
one — when the kernel is killed or restarted. The folder goes with it.
"""

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import weakref

from course._child import ChildProcess
from course._pg_process import (
    EXITED,
    SUPERUSER,
    PostgresError,
    find_bindir,
    init_cluster,
    server_owner,
    start_server,
    temporary_folder,
)
from course._ports import free_port
from course._validate import whole_number

__all__ = ["Cluster", "ConnectionWatch", "PostgresError", "PostgresMissing", "available",
           "cluster", "how_to_install", "require"]

DATABASE = "demo"
URLCONF = "demo_project.pg_urls"  # the demo's URLs plus this lesson's views under /pg/
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 20.0  # the watchdog's fast, then immediate shutdown fit well within this
SAMPLE_EVERY_S = 0.01  # pg_stat_activity is read this often while a load runs
MAX_CONNECTIONS = 1000  # more than a laptop's PostgreSQL should be asked to accept


class PostgresMissing(RuntimeError):
    """PostgreSQL's server programs (initdb, postgres) are not installed on this machine."""


def how_to_install():
    """A friendly paragraph: how to install PostgreSQL's server programs on this system."""
    return ("This notebook needs PostgreSQL's server programs (initdb and postgres), and this "
            "machine has none on PATH or under `pg_config --bindir`. Install PostgreSQL, then "
            "restart the kernel:\n"
            "  Debian/Ubuntu:  sudo apt-get install postgresql\n"
            "  macOS:          brew install postgresql@17\n"
            "  Windows:        the installer from postgresql.org/download/windows, then add its "
            "bin folder to PATH\n"
            "The course starts and stops its own throwaway server; you do not need to set one up.")


def available():
    """True when PostgreSQL's server programs can be found."""
    return find_bindir() is not None


SKIPPED = 'print("(skipped: this cell needs PostgreSQL, which is not installed)")\n'


def require():
    """True when PostgreSQL is installed; else say how to install it and skip later cells.

    >>> if course.postgres.require(): ...

    Without PostgreSQL, every cell run after this one in the notebook prints a one-line
    "skipped" instead of failing. Under CI=true it raises PostgresMissing instead: there,
    a missing PostgreSQL is a broken machine, not a learner's laptop.
    """
    if available():
        return True
    if os.environ.get("CI") == "true":
        raise PostgresMissing(how_to_install())
    print(how_to_install())
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is not None and _skip_cell not in shell.input_transformers_post:
        shell.input_transformers_post.append(_skip_cell)
    return False


def _skip_cell(lines):
    return [SKIPPED]


class Cluster(ChildProcess):
    """A running throwaway PostgreSQL with the demo project migrated and seeded into it.

    Stopped (server and folder) by `stop()`, at the end of a `with` block, when it is
    garbage-collected, or when Python exits: see course._child.ChildProcess.
    """

    def __init__(self, max_connections=100, *, migrate=True, startup_timeout_s=STARTUP_TIMEOUT_S):
        whole_number("max_connections", max_connections, 5, MAX_CONNECTIONS)
        bindir = find_bindir()
        if bindir is None:
            raise PostgresMissing(how_to_install())
        self.max_connections = max_connections
        self.password = secrets.token_urlsafe(16)
        owner = server_owner()
        self.folder = temporary_folder(owner)
        self.port, self.process = free_port(), None
        self._finalizer = weakref.finalize(self, _cleanup, None, self.folder)
        init_cluster(bindir, self.folder, self.password, owner)
        self.process = start_server(bindir, self.folder, self.port, owner,
                                    {"max_connections": max_connections})
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _cleanup, self.process, self.folder)
        self._started()
        self._wait_until_ready(startup_timeout_s)
        self._create_database()
        if migrate:
            self._migrate_and_seed()

    def connect(self, dbname=DATABASE, **kwargs):
        """A new psycopg connection as the superuser (close it, or use it in `with`)."""
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                               password=self.password, dbname=dbname, **kwargs)

    def _wait_until_ready(self, timeout_s):
        import psycopg

        deadline, exited = time.monotonic() + timeout_s, self.folder / EXITED
        while time.monotonic() < deadline and self.process.poll() is None and not exited.exists():
            try:
                self.connect("postgres", connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        log = self.log_text()
        what = ("exited while starting" if exited.exists() else
                f"did not accept connections within {timeout_s:g} s")
        self.stop()
        raise PostgresError(f"PostgreSQL {what}. It printed:\n{log[-2000:] or '(nothing)'}")

    def _create_database(self):
        with self.connect("postgres", autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")

    def _migrate_and_seed(self):
        code = ("import django; django.setup(); from django.core.management import call_command; "
                "call_command('migrate', verbosity=0); call_command('seed_demo')")
        done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **self.environment()},
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise PostgresError(f"Migrating the demo project failed:\n{done.stderr[-2000:]}")

    def database(self, **settings):
        """Django's DATABASES["default"] for this cluster, with `settings` laid over it.

        >>> pg.database(CONN_MAX_AGE=0, OPTIONS={"pool": {"min_size": 2, "max_size": 4}})
        """
        return {"ENGINE": "django.db.backends.postgresql", "NAME": DATABASE, "USER": SUPERUSER,
                "PASSWORD": self.password, "HOST": "127.0.0.1", "PORT": str(self.port),
                **settings}

    def environment(self, database=None):
        """The environment variables that point the demo project's settings at this cluster."""
        return {"DJANGO_SETTINGS_MODULE": "demo_project.settings",
                "DEMO_DATABASE": json.dumps(database or self.database()), "DEMO_URLCONF": URLCONF}

    def serve(self, kind="uvicorn", *, workers=4, apps=(), **settings):
        """Serve the demo project on this cluster, with DATABASES["default"] settings laid over.

        >>> with pg.serve(CONN_MAX_AGE=0) as server: ...

        `apps` adds INSTALLED_APPS, e.g. ("django_async_backend",) with its ENGINE.
        """
        from course.server import serve

        env = self.environment(self.database(**settings))
        return serve(kind, workers=workers, migrate=False,
                     env={**env, "DEMO_EXTRA_APPS": ",".join(apps)})

    def connections(self):
        """Client connections to the demo database now (this query's own not counted)."""
        with self.connect("postgres", autocommit=True) as connection:
            return _count(connection.execute(COUNT_SQL).fetchone())

    def watch(self):
        """An `async with` block that samples the demo database's connections; see .peak."""
        return ConnectionWatch(self)

    @property
    def pid(self):
        """The postmaster's process id (None once stopped)."""
        try:
            return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def log_text(self):
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __repr__(self):
        state = "running" if self.running else "stopped"
        return (f"<PostgreSQL cluster {state} on 127.0.0.1:{self.port}, "
                f"max_connections={self.max_connections}>")


COUNT_SQL = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
             f"AND datname = '{DATABASE}' AND pid <> pg_backend_pid()")


def _count(row):
    return int(row[0])


class ConnectionWatch:
    """Samples the demo database's client connections while a block runs: .baseline, .peak.

    It connects before the block starts, so it still counts when the block uses up every
    connection slot; it samples on the running event loop with an async connection.
    """

    def __init__(self, cluster):
        self.cluster = cluster
        self.baseline = self.peak = None
        self.samples = []  # (seconds since the start, connections)
        self._task = self._connection = None

    async def _sample(self, started):
        while True:
            cursor = await self._connection.execute(COUNT_SQL)
            count = _count(await cursor.fetchone())
            self.samples.append((time.perf_counter() - started, count))
            self.peak = max(self.peak, count)
            await asyncio.sleep(SAMPLE_EVERY_S)

    async def __aenter__(self):
        import psycopg

        c = self.cluster
        self._connection = await psycopg.AsyncConnection.connect(
            host="127.0.0.1", port=c.port, user=SUPERUSER, password=c.password,
            dbname="postgres", autocommit=True)
        cursor = await self._connection.execute(COUNT_SQL)
        self.baseline = self.peak = _count(await cursor.fetchone())
        self._task = asyncio.ensure_future(self._sample(time.perf_counter()))
        return self

    async def __aexit__(self, *exc):
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        finally:
            await self._connection.close()
        return False


def cluster(max_connections=100, *, migrate=True, startup_timeout_s=STARTUP_TIMEOUT_S):
    """Start a throwaway PostgreSQL with the demo project in it; return the Cluster.

    >>> with course.postgres.cluster(max_connections=20) as pg:
    ...     print(pg.connections())

    Raises PostgresMissing (its message says how to install PostgreSQL) when there is none.
    """
    return Cluster(max_connections, migrate=migrate, startup_timeout_s=startup_timeout_s)


def _cleanup(process, folder):
    if process is not None:
        try:
            process.stdin.close()  # the watchdog's signal: stop PostgreSQL, remove the folder
            process.wait(STOP_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait()
    shutil.rmtree(folder, ignore_errors=True)

