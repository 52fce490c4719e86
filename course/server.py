"""Run the demo project under a real server, in a subprocess on 127.0.0.1, and stop it.

    with course.serve("uvicorn") as server:                  # ASGI, one event loop
        reply = await course.get(server.url + "/sleep/async/")
    with course.serve("waitress", workers=1) as server:      # WSGI, one worker thread
        ...

A subprocess is what a deployment looks like, and it keeps this kernel's own threads and
GIL out of the measurement. The server always stops: at the end of the `with` block, when
a cell fails, or when Python exits.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path

import httpx

from course._child import ChildProcess
from course._ports import free_port
from course._validate import whole_number

KINDS = ("uvicorn", "waitress")
STARTUP_TIMEOUT_S = 30.0  # Django imports, migrates and seeds before it answers
STOP_TIMEOUT_S = 5.0  # after this, a server that ignored SIGTERM is killed
PORT_ATTEMPTS = 3  # another program may take the free port before the server binds it
MAX_WORKERS = 256  # waitress threads: far more than a 2-core machine can use


class ServerError(RuntimeError):
    """The server could not start (the message includes what it printed)."""


DEMO_APPS = {"uvicorn": "demo_project.asgi:application", "waitress": "demo_project.wsgi:application"}
# app="bare": a no-framework ASGI app, the floor under any Django measurement on uvicorn
NAMED_APPS = {"bare": "course.tools.bare_app:app"}


def _command(kind, port, workers, app=None):
    if kind == "uvicorn":
        return [sys.executable, "-m", "uvicorn", NAMED_APPS.get(app, app) or DEMO_APPS[kind],
                "--host", "127.0.0.1", "--port", str(port),
                # Django refuses the lifespan scope; uvicorn's default (auto) would only log
                # that lifespan is unsupported, so "off" just skips it. No access log either.
                "--lifespan", "off", "--no-access-log", "--log-level", "warning"]
    return [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
            f"--threads={workers}", app or DEMO_APPS[kind]]


class Server(ChildProcess):
    """A demo-project server process: `url`, `pid`, `threads()`, `rss_mb()`, `stop()`."""

    def __init__(self, kind="uvicorn", *, workers=4, migrate=True, app=None, app_dir=None,
                 startup_timeout_s=STARTUP_TIMEOUT_S, env=None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
        whole_number("workers", workers, 1, MAX_WORKERS)
        app_dir = None if app_dir is None else _folder("app_dir", app_dir)
        self.kind, self.workers, self.app = kind, workers, app
        self.folder = Path(tempfile.mkdtemp(prefix="django-async-server-"))
        self.env = _environment(self.folder, env, app_dir)
        self.process = self.port = None
        self._finalizer = weakref.finalize(self, _cleanup, None, self.folder)
        if migrate:
            self._manage("migrate", "--verbosity=0")
            self._manage("seed_demo")
        self._start(startup_timeout_s)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.process.pid

    def _manage(self, *args):
        done = subprocess.run([sys.executable, "-m", "django", *args], env=self.env,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise ServerError(f"`django-admin {' '.join(args)}` failed:\n{done.stderr[-2000:]}")

    def _start(self, timeout_s):
        for _ in range(PORT_ATTEMPTS):
            self._spawn(free_port())
            if self._wait_until_answering(timeout_s):
                return
            printed, status = self.log_text(), self.process.poll()
            _terminate(self.process)
            if "address already in use" not in printed.lower():
                how = (f"exited with status {status}" if status is not None
                       else f"did not answer within {timeout_s:g} s")
                raise ServerError(f"The {self.kind} server {how}. "
                                  f"It printed:\n{printed[-2000:] or '(nothing)'}")
        raise ServerError(f"No free port found for the {self.kind} server after "
                          f"{PORT_ATTEMPTS} attempts.")

    def _spawn(self, port):
        """Start the server process on `port`; its output goes to server.log in its folder."""
        self.port = port
        log = open(self.folder / "server.log", "w+b")  # closed by _cleanup, with the process
        self.process = subprocess.Popen(_command(self.kind, port, self.workers, self.app),
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.folder)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _cleanup, self.process, self.folder, log)
        self._started()

    def _wait_until_answering(self, timeout_s):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.url + "/health/", timeout=1.0).status_code == 200:
                    return True
            except httpx.TransportError:
                time.sleep(0.05)
        return False

    def log_text(self):
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def threads(self):
        """Threads alive in the server process now."""
        import psutil

        return psutil.Process(self.pid).num_threads()

    def rss_mb(self):
        """Resident memory of the server process now, in MiB."""
        import psutil

        return psutil.Process(self.pid).memory_info().rss / 2**20

    def __repr__(self):
        state = "running" if self.running else "stopped"
        return f"<Server {self.kind} {state} at {self.url} (pid {self.process.pid})>"


def _environment(folder, env, app_dir):
    """The server's environment: the demo's settings and database in `folder`, then `env`
    (e.g. course.postgres's database settings), and `app_dir` first on the import path."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_project.settings",
                   "DEMO_DB_PATH": str(folder / "db.sqlite3"), "PYTHONUNBUFFERED": "1",
                   **(env or {})}
    if app_dir is not None:  # the folder first, so its modules win
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(app_dir), os.environ.get("PYTHONPATH")]))
    return environment


def _folder(name, value):
    """Return `value` as an absolute Path if it names an existing folder, else raise."""
    if not isinstance(value, str | os.PathLike) or not Path(value).is_dir():
        raise ValueError(f"{name} must be an existing folder (a str or Path), got {value!r}. "
                         "Create it first, e.g. with tempfile.mkdtemp().")
    return Path(value).resolve()


def _terminate(process):
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cleanup(process, folder, log=None):
    _terminate(process)
    if log is not None:
        log.close()
    shutil.rmtree(folder, ignore_errors=True)


def serving(target):
    """The running Server (started by course.serve) that the URL `target` is on, or None."""
    from course._child import _running

    return next((child for child in list(_running) if isinstance(child, Server)
                 and child.running and f"{target}/".startswith(f"{child.url}/")), None)


def serve(kind="uvicorn", *, workers=4, migrate=True, app=None, app_dir=None,
          startup_timeout_s=STARTUP_TIMEOUT_S, env=None):
    """Start the demo project under `kind` ("uvicorn" or "waitress") and return the Server.

    >>> with course.serve("waitress", workers=1) as server:
    ...     run = await course.measure(server.url + "/sleep/sync/?delay_s=2", requests=3)

    `workers` is waitress's worker thread count (uvicorn runs one event loop). `app` serves
    another application ("module:attribute") instead of the demo project; it must answer
    GET /health/ with 200, like `course.tools.bare_app:app`. `app_dir` is a folder put on
    the server's import path, so that `app` may be a module a notebook cell wrote there:

    >>> with course.serve("uvicorn", app="live_site:application", app_dir=folder) as server:
    ...     reply = await course.get(server.url + "/live/events/")
    """
    return Server(kind, workers=workers, migrate=migrate, app=app, app_dir=app_dir,
                  startup_timeout_s=startup_timeout_s, env=env)
