"""A throwaway JupyterLab server and a headless Chromium for the browser test.

    with JupyterLab(root_dir) as lab:       # the venv's `jupyter lab`, 127.0.0.1, free port, token
        print(lab.url("notebooks/00_start_here.ipynb"))

The server reads the course's own settings (jupyter/, added to JUPYTER_CONFIG_PATH exactly as
`make lab` does) and keeps its user settings and workspaces in a temp dir, so neither the
learner's ~/.jupyter nor earlier runs change what the test sees.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_JUPYTER_CONFIG = ROOT / "jupyter"  # the same folder `make lab` puts on JUPYTER_CONFIG_PATH
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; Playwright cannot download browsers here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_TIMEOUT_S = 90  # a cold first start of JupyterLab on a 2-core machine takes ~10 s
STOP_TIMEOUT_S = 20


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def course_lab_environment(base=None):
    """The environment `make lab` gives JupyterLab: the course's config dir first on the path."""
    env = dict(os.environ if base is None else base)
    extra = env.get("JUPYTER_CONFIG_PATH")
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(COURSE_JUPYTER_CONFIG)] + ([extra] if extra else []))
    return env


def _start(owner, command, env, log_path, wait_until_ready, cwd=None):
    """Start `command` in a session of its own, logging to `log_path`; stop it if not ready."""
    owner._log = open(log_path, "w")  # closed in owner.__exit__
    owner.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=owner._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_ready()
    except BaseException:
        owner.__exit__(None, None, None)
        raise
    return owner


def _stop_group(process):
    """SIGTERM the process's session, then SIGKILL it if it has not gone within STOP_TIMEOUT_S."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class JupyterLab:
    """`jupyter lab --no-browser` serving `root_dir`; stopped (kernels included) on exit."""

    def __init__(self, root_dir, *, log_path=None):
        self.root_dir = Path(root_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = Path(log_path) if log_path else None
        self.process = None
        self._private = None

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path, *, workspace=None):
        """The URL that opens `path` (relative to root_dir) in a workspace of its own."""
        where = f"/lab/workspaces/{workspace}" if workspace else "/lab"
        return f"{self.base_url}{where}/tree/{path}?token={self.token}"

    def api(self, method, path, body=None):
        """Call the server's REST API with the token; return the decoded JSON (or None)."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def __enter__(self):
        self._private = Path(tempfile.mkdtemp(prefix="course-lab-"))
        env = course_lab_environment()
        env["JUPYTERLAB_SETTINGS_DIR"] = str(self._private / "user-settings")
        env["JUPYTERLAB_WORKSPACES_DIR"] = str(self._private / "workspaces")
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                   f"--ServerApp.root_dir={self.root_dir}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI run as root
        return _start(self, command, env, self.log_path or os.devnull, self._wait_until_ready)

    def _wait_until_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode} "
                                   f"before serving; see its log {self.log_path}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError(f"jupyter lab did not answer on port {self.port} within "
                           f"{START_TIMEOUT_S} s; see its log {self.log_path}")

    def shut_down_kernels(self):
        """Stop every kernel the server runs (the notebooks' servers stop with them)."""
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            try:
                self.shut_down_kernels()
                self.api("POST", "/api/shutdown")
                self.process.wait(STOP_TIMEOUT_S)
            except Exception:  # stop it the hard way below
                pass
            _stop_group(self.process)
        self._log.close()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
        return False


class MakeLab:
    """`make lab` itself, run in a temp copy of the course (so outputs saved by the browser
    stay there), with LAB_ARGS for a free port, a known token and no browser of its own.

    with MakeLab(tmp_path) as lab: lab.printed_url, lab.start_url (make lab's own URL + token)
    """

    COPIED = ("Makefile", "requirements.txt", "pyproject.toml", "jupyter", "notebooks",
              "exercises")

    def __init__(self, root_dir, *, log_path=None):
        self.root_dir = Path(root_dir)
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.log_path = Path(log_path or self.root_dir / "make-lab.log")
        self.process, self.printed_url = None, None

    def _copy_course(self):
        self.root_dir.mkdir(parents=True, exist_ok=True)
        for name in self.COPIED:  # copy2 keeps mtimes: make sees the venv as up to date
            source, target = ROOT / name, self.root_dir / name
            if source.is_dir():
                shutil.copytree(source, target, copy_function=shutil.copy2,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
            else:
                shutil.copy2(source, target)
        (self.root_dir / ".venv").symlink_to(ROOT / ".venv")  # the installed course

    @property
    def start_url(self):
        """make lab's printed URL with the token it elides ("?token=...")."""
        return self.printed_url.split("?")[0] + f"?token={self.token}"

    def __enter__(self):
        self._copy_course()
        private = self.root_dir / ".lab-private"
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(private / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(private / "workspaces"))
        args = (f"--no-browser --ServerApp.port={self.port} --ServerApp.port_retries=0 "
                f"--IdentityProvider.token={self.token}")
        return _start(self, ["make", "lab", f"LAB_ARGS={args}"], env, self.log_path,
                      self._wait_for_url, cwd=self.root_dir)

    def _wait_for_url(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            for line in self.log_path.read_text().splitlines():
                if f"http://127.0.0.1:{self.port}/" in line:
                    self.printed_url = line[line.index("http://"):].strip()
                    return
            if self.process.poll() is not None:
                raise RuntimeError(f"make lab exited with {self.process.returncode}: "
                                   f"{self.log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        raise RuntimeError(f"make lab printed no URL within {START_TIMEOUT_S} s")

    def __exit__(self, *exc):
        if self.process is not None:
            _stop_group(self.process)  # make and the jupyter it started
        self._log.close()
        return False
