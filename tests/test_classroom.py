"""The course on a real JupyterHub: four learners at once, each fed by an nbgitpuller link.

Starts classroom/jupyterhub_config.py (JupyterHub + npm's configurable-http-proxy + the local
`simple` spawner) on free 127.0.0.1 ports in a temp dir, with two test-only overrides: the
`dummy` authenticator and a service token to drive the hub's REST API. Then, as an
instructor's class would: four learners, each pulls the course (a bare clone of this
repository's committed HEAD) through the nbgitpuller link, and all four run notebook 03 and the
ex01 solution AT THE SAME TIME in kernels of their own servers, through the hub's proxy (REST +
kernel websocket). Prints time, peak memory and CPU per learner (classroom/README.md's
sizing numbers).
A later course update is pulled again: nbgitpuller merges it without overwriting a learner's
edit. Everything the hub started is stopped at the end, and checked gone.

Needs jupyterhub (requirements-classroom.txt, part of requirements-dev.txt), nbgitpuller
(requirements.txt) and the proxy in classroom/node_modules (`make hub-proxy`, needs npm);
outside CI the test skips without them, under CI (CI=true) it fails: `.ci/run` installs them.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import httpx
import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "classroom" / "jupyterhub_config.py"
PROXY = ROOT / "classroom" / "node_modules" / ".bin" / "configurable-http-proxy"
HUB = Path(sys.executable).parent / "jupyterhub"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

LEARNERS = ("ada", "grace", "linus", "barbara")
REPO_NAME = "django-async-views-course"
NOTEBOOKS = {"03": "notebooks/03_sync_vs_async.ipynb", "ex01": "solutions/ex01_async_sleep.ipynb"}
NOTIFICATIONS = "@jupyterlab/apputils-extension:notification"  # the course's jupyter/ turns news off
HUB_START_S = 90
SPAWN_S = 240  # four servers starting at once on a busy 2-core machine
CELL_S = 300
HUB_ANSWER_S = 5  # "the hub stayed responsive"
STOP_S = 60

TOKEN = uuid.uuid4().hex
TEST_CONFIG = """\
# test-only overrides on top of the classroom's config
load_subconfig({config!r})
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.services = [{{"name": "classroom-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "classroom-test", "services": ["classroom-test"],
    "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]}}]
"""

# Run in each kernel after its notebook: what that learner's embedded Django and servers used.
PROBE = """\
import json as _json, os as _os, sys as _sys
from django.conf import settings as _settings
_facts = {"pid": _os.getpid(), "cwd": _os.getcwd(), "prefix": _sys.prefix,
          "config_path": _os.environ.get("JUPYTER_CONFIG_PATH", ""),
          "db": str(_settings.DATABASES["default"]["NAME"])}
if "server" in dir():
    _facts["server_url"], _facts["server_db"] = server.url, str(server.folder)
_checks = [v for v in Out.values() if hasattr(v, "passed") and hasattr(v, "exercise")]
if _checks:
    _facts["check_passed"], _facts["check_message"] = _checks[-1].passed, _checks[-1].message
print("PROBE " + _json.dumps(_facts))
"""


def _missing():
    for path, how in ((HUB, "pip install -r requirements-classroom.txt"),
                      (PROXY, "make hub-proxy (needs Node and npm)")):
        if not path.exists():
            return f"{path} is missing ({how}; .ci/run does this)"
    if shutil.which("git") is None:
        return "git is missing"
    return None


MISSING = _missing()
needs_hub = pytest.mark.skipif(bool(MISSING) and not IN_CI, reason=f"classroom test: {MISSING}")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "instructor", "GIT_COMMITTER_NAME":
                        "instructor", "GIT_AUTHOR_EMAIL": "i@example.org",
                        "GIT_COMMITTER_EMAIL": "i@example.org"})


class Hub:
    """The classroom hub on free ports in `folder`: `url`, `process`, `log`; `stop()` ends it."""

    def __init__(self, folder):
        self.folder = folder
        self.port, hub_port, api_port = _free_port(), _free_port(), _free_port()
        self.ports = (self.port, hub_port, api_port)
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / "test_config.py"
        config.write_text(TEST_CONFIG.format(config=str(CONFIG), hub_port=hub_port,
                                             api_port=api_port, token=TOKEN))
        env = {**os.environ, "COURSE_HUB_IP": "127.0.0.1", "COURSE_HUB_PORT": str(self.port),
               "COURSE_HUB_STATE": str(folder / "state")}
        self.log = folder / "hub.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([str(HUB), "-f", str(config)], cwd=folder, env=env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.ps = psutil.Process(self.process.pid)
        self.seen = {self.process.pid: self.ps}  # every process the hub started, for stop()

    def wait_ready(self):
        deadline = time.monotonic() + HUB_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/hub/api/", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"the hub did not answer within {HUB_START_S} s:\n{self.tail()}")

    def tail(self, lines=40):
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def processes(self):
        """The hub's descendants now (proxy, servers, kernels, their demo servers)."""
        try:
            found = self.ps.children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        self.seen.update({p.pid: p for p in found})
        return found

    def stop(self):
        """SIGTERM the hub (it stops the servers and the proxy); return what was left running."""
        self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
        _, alive = psutil.wait_procs(list(self.seen.values()), timeout=STOP_S)
        left = []
        for proc in alive:
            try:
                left.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
                proc.kill()
            except psutil.NoSuchProcess:
                continue
        return left


def _learner_server(hub, name):
    """Learner `name`'s jupyterhub-singleuser process, or None before it has started."""
    for proc in hub.processes():
        try:
            if proc.environ().get("JUPYTERHUB_USER") == name and \
                    "jupyterhub-singleuser" in " ".join(proc.cmdline()):
                return proc
        except psutil.Error:
            continue
    return None


def _tree_usage(proc, cpu_s, *, recursive=True):
    """RSS in MiB of `proc` and everything under it (kernels, their demo servers); records
    each process's CPU seconds so far in `cpu_s` (pid -> seconds)."""
    total = 0
    try:
        members = [proc, *(proc.children(recursive=True) if recursive else [])]
    except psutil.Error:
        return 0.0
    for member in members:
        try:
            with member.oneshot():
                total += member.memory_info().rss
                times = member.cpu_times()
            cpu_s[member.pid] = max(cpu_s.get(member.pid, 0.0), times.user + times.system)
        except psutil.Error:
            continue
    return total / 2**20


class Sampler(threading.Thread):
    """Peak memory and CPU seconds per learner (and of the hub + proxy), every half second."""

    def __init__(self, hub):
        super().__init__(daemon=True)
        self.hub, self.done = hub, threading.Event()
        self.peak_mb = dict.fromkeys([*LEARNERS, "hub"], 0.0)
        self.cpu = {name: {} for name in [*LEARNERS, "hub"]}  # name -> pid -> CPU seconds

    def cpu_s(self, name):
        return sum(self.cpu[name].values())

    def run(self):
        servers = {}
        while not self.done.wait(0.5):
            for name in LEARNERS:
                if name not in servers and (found := _learner_server(self.hub, name)):
                    servers[name] = found
                if name in servers:
                    mib = _tree_usage(servers[name], self.cpu[name])
                    self.peak_mb[name] = max(self.peak_mb[name], mib)
            hub_mib = sum(_tree_usage(p, self.cpu["hub"], recursive=False)
                          for p in self._hub_and_proxy())
            self.peak_mb["hub"] = max(self.peak_mb["hub"], hub_mib)

    def _hub_and_proxy(self):
        try:
            children = self.hub.ps.children()
        except psutil.Error:
            return []
        proxies = []
        for child in children:
            try:
                if "configurable-http-proxy" in " ".join(child.cmdline()):
                    proxies.append(child)
            except psutil.Error:
                continue
        return [self.hub.ps, *proxies]


async def _spawn(api, name):
    """Create learner `name`, give them a token, start their server; return the token."""
    reply = await api.post(f"/hub/api/users/{name}")
    assert reply.status_code == 201, reply.text
    reply = await api.post(f"/hub/api/users/{name}/tokens", json={"note": "classroom test"})
    assert reply.status_code == 201, reply.text
    token = reply.json()["token"]
    reply = await api.post(f"/hub/api/users/{name}/server")
    assert reply.status_code in (201, 202), reply.text
    deadline = time.monotonic() + SPAWN_S
    while time.monotonic() < deadline:
        server = (await api.get(f"/hub/api/users/{name}")).json()["servers"].get("", {})
        if server.get("ready"):
            return token
        await asyncio.sleep(1)
    raise AssertionError(f"{name}'s server was not ready within {SPAWN_S} s")


def _link(hub, repo):
    """The nbgitpuller link an instructor hands out."""
    query = urllib.parse.urlencode({
        "repo": repo, "branch": "main",
        "urlpath": f"lab/tree/{REPO_NAME}/notebooks/00_start_here.ipynb"})
    return f"{hub.url}/hub/user-redirect/git-pull?{query}"


async def _follow_link(hub, name, repo):
    """Log in as a browser does, open the link: it must land on nbgitpuller's page."""
    async with httpx.AsyncClient(base_url=hub.url, timeout=60, follow_redirects=True) as browser:
        await browser.get("/hub/login")
        reply = await browser.post("/hub/login", data={
            "username": name, "password": "any (dummy authenticator)",
            "_xsrf": browser.cookies.get("_xsrf", "")})
        assert reply.status_code == 200, f"{name} could not log in: {reply.status_code}"
        page = await browser.get(_link(hub, repo))
        assert page.status_code == 200 and page.url.path == f"/user/{name}/git-pull", page.url
        assert "nbgitpuller" in page.text.lower(), page.text[:500]


async def _pull(client, name, repo):
    """What the link's page does: nbgitpuller's API, read to its last event."""
    query = urllib.parse.urlencode({"repo": repo, "branch": "main", "targetpath": REPO_NAME})
    events = []
    async with client.stream("GET", f"/user/{name}/git-pull/api?{query}") as reply:
        assert reply.status_code == 200, await reply.aread()
        async for line in reply.aiter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events and events[-1]["phase"] == "finished", events[-3:]
    return events


class RemoteKernel:
    """A kernel in a learner's server, driven over the proxied websocket like JupyterLab does."""

    def __init__(self, client, name, ws):
        self.client, self.name, self.ws, self.session = client, name, ws, uuid.uuid4().hex

    @classmethod
    async def start(cls, client, hub, name, token, path):
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        reply = await client.post(f"/user/{name}/api/sessions", json={
            "path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}})
        assert reply.status_code == 201, reply.text
        session = reply.json()
        url = f"ws://127.0.0.1:{hub.port}/user/{name}/api/kernels/{session['kernel']['id']}/channels"
        ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}),
                                     max_message_size=64 * 2**20)
        kernel = cls(client, name, ws)
        kernel.session_id = session["id"]
        return kernel

    async def execute(self, code):
        """Run one cell; return (ok, text printed or displayed, error or '')."""
        msg_id = uuid.uuid4().hex
        self.ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": self.session,
                       "username": self.name, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        texts, error, replied, idle = [], "", False, False
        while not (replied and idle):
            raw = await asyncio.wait_for(self.ws.read_message(), CELL_S)
            if raw is None:
                raise AssertionError(f"{self.name}: the kernel's websocket closed")
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers; nothing to check there
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(content.get("data", {}).get("text/plain", ""))
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_reply":
                replied = True
                if content["status"] != "ok" and not error:
                    error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return not error, "".join(texts), error

    async def close(self):
        self.ws.close()
        await self.client.delete(f"/user/{self.name}/api/sessions/{self.session_id}")


async def _run_notebook(client, hub, name, token, relpath):
    """Run every code cell of the learner's copy of `relpath`, then the probe; return facts."""
    path = f"{REPO_NAME}/{relpath}"
    reply = await client.get(f"/user/{name}/api/contents/{path}", params={"content": 1})
    assert reply.status_code == 200, reply.text
    cells = [c for c in reply.json()["content"]["cells"] if c["cell_type"] == "code"]
    kernel = await RemoteKernel.start(client, hub, name, token, path)
    started = time.monotonic()
    try:
        for number, cell in enumerate(cells, 1):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            ok, text, error = await kernel.execute(source)
            assert ok, f"{name} {relpath} cell {number} failed: {error}\n{source}\n{text[-2000:]}"
        ok, text, error = await kernel.execute(PROBE)
        assert ok, f"{name} {relpath}: probe failed: {error}"
    finally:
        await kernel.close()
    facts = json.loads(text.split("PROBE ", 1)[1])
    facts["run_s"] = time.monotonic() - started
    return facts


async def _learner(hub, api, name, repo, ready, results):
    """One learner's session: spawn, follow the link, pull, then (with the others) run."""
    started = time.monotonic()
    token = await _spawn(api, name)
    spawned = time.monotonic()
    async with httpx.AsyncClient(base_url=hub.url, timeout=CELL_S,
                                 headers={"Authorization": f"token {token}"}) as client:
        await _follow_link(hub, name, repo)
        await _pull(client, name, repo)
        news = await client.get(f"/user/{name}/lab/api/settings/{NOTIFICATIONS}")
        assert news.status_code == 200, news.text
        fetch_news = news.json()["schema"]["properties"]["fetchNews"]["default"]
        assert fetch_news == "false", f"{name}'s JupyterLab would offer news: {fetch_news!r}"
        pulled = time.monotonic()
        await ready.wait()  # every learner starts running at the same moment
        run_started = time.monotonic()
        facts = await asyncio.gather(*(
            _run_notebook(client, hub, name, token, path) for path in NOTEBOOKS.values()))
    results[name] = {"spawn_s": spawned - started, "pull_s": pulled - spawned,
                     "runs_s": time.monotonic() - run_started,
                     "facts": dict(zip(NOTEBOOKS, facts, strict=True)), "token": token}


async def _watch_hub(api, stop):
    """Ask the hub for its users every 2 s while the runs go; return the slowest answer (s)."""
    slowest = 0.0
    while not stop.is_set():
        started = time.monotonic()
        reply = await api.get("/hub/api/users", timeout=30)
        assert reply.status_code == 200, reply.text
        slowest = max(slowest, time.monotonic() - started)
        try:
            await asyncio.wait_for(stop.wait(), 2)
        except TimeoutError:
            pass
    return slowest


async def _class_session(hub, repo, sampler):
    """Four learners at once, the hub watched meanwhile; return (results, slowest answer)."""
    results, ready, stop = {}, asyncio.Barrier(len(LEARNERS)), asyncio.Event()
    async with httpx.AsyncClient(base_url=hub.url, timeout=60,
                                 headers={"Authorization": f"token {TOKEN}"}) as api:
        watcher = asyncio.create_task(_watch_hub(api, stop))
        try:
            await asyncio.gather(*(_learner(hub, api, n, repo, ready, results) for n in LEARNERS))
        finally:
            stop.set()
            sampler.done.set()
            slowest = await watcher
    return results, slowest


async def _update_keeps_edits(hub, repo, results):
    """The instructor updates the course; a learner's edit survives the next pull."""
    ada, grace = LEARNERS[0], LEARNERS[1]
    path = f"/api/contents/{REPO_NAME}/exercises/README.md"
    clients = {name: httpx.AsyncClient(base_url=hub.url, timeout=60, headers={
        "Authorization": f"token {results[name]['token']}"}) for name in (ada, grace)}
    try:
        original = (await clients[ada].get(f"/user/{ada}{path}")).json()["content"]
        mine = "# My own notes: this line is the learner's\n" + original.split("\n", 1)[1]
        reply = await clients[ada].put(f"/user/{ada}{path}", json={
            "type": "file", "format": "text", "content": mine})
        assert reply.status_code == 200, reply.text

        work = hub.folder / "instructor-work"
        _git("clone", "-q", "--branch", "main", str(repo), str(work))
        upstream = "# Exercises (updated by the instructor)\n" + original.split("\n", 1)[1]
        (work / "exercises" / "README.md").write_text(upstream)
        (work / "notebooks" / "UPDATE.md").write_text("New this week.\n")
        _git("add", "exercises/README.md", "notebooks/UPDATE.md", cwd=work)
        _git("commit", "-q", "-m", "course update", cwd=work)
        _git("push", "-q", "origin", "main", cwd=work)

        for name, client in clients.items():
            await _pull(client, name, str(repo))
            new = await client.get(f"/user/{name}/api/contents/{REPO_NAME}/notebooks/UPDATE.md")
            assert new.status_code == 200, f"{name} did not get the update: {new.text}"
        kept = (await clients[ada].get(f"/user/{ada}{path}")).json()["content"]
        updated = (await clients[grace].get(f"/user/{grace}{path}")).json()["content"]
        assert kept == mine, f"nbgitpuller overwrote {ada}'s edit:\n{kept[:300]}"
        assert updated == upstream, f"{grace} (no edits) did not get the update:\n{updated[:300]}"
        other = await clients[ada].get(f"/user/{grace}{path}")
        assert other.status_code == 403, f"{ada} reached {grace}'s server: {other.status_code}"
    finally:
        for client in clients.values():
            await client.aclose()


def _table(results, sampler):
    """Time, peak memory and CPU per learner, as the README quotes them."""
    lines = [f"{'learner':<9}{'spawn s':>9}{'pull s':>8}{'03 s':>7}{'ex01 s':>8}{'both s':>8}"
             f"{'peak MiB':>10}{'CPU s':>7}  server URL (03)"]
    for name in LEARNERS:
        r, facts = results[name], results[name]["facts"]
        lines.append(
            f"{name:<9}{r['spawn_s']:>9.1f}{r['pull_s']:>8.1f}{facts['03']['run_s']:>7.1f}"
            f"{facts['ex01']['run_s']:>8.1f}{r['runs_s']:>8.1f}{sampler.peak_mb[name]:>10.0f}"
            f"{sampler.cpu_s(name):>7.1f}  {facts['03'].get('server_url')}")
    lines.append(f"{'hub+proxy':<57}{sampler.peak_mb['hub']:>10.0f}{sampler.cpu_s('hub'):>7.1f}")
    total_gib = sum(sampler.peak_mb.values()) / 1024
    lines.append(f"sum of peaks {total_gib:.2f} GiB; CPU {sum(map(sampler.cpu_s, LEARNERS)):.0f} s "
                 f"for {len(LEARNERS)} learners on {os.cpu_count()} cores")
    return "\n".join(lines)


@needs_hub
@pytest.mark.slow
@pytest.mark.timeout(420)  # 2-4 minutes on a busy 2-core machine
def test_four_learners_on_a_hub_at_once(tmp_path):
    if MISSING:
        pytest.fail(f"CI=true, so the classroom test must run, but {MISSING}")
    repo = tmp_path / "repos" / REPO_NAME  # a bare repository, as on a git host
    _git("init", "-q", "--bare", "-b", "main", str(repo))
    _git("push", "-q", str(repo), "HEAD:refs/heads/main", cwd=ROOT)  # the committed HEAD

    hub = Hub(tmp_path)
    sampler = Sampler(hub)
    try:
        hub.wait_ready()
        sampler.start()
        results, slowest = asyncio.run(_class_session(hub, str(repo), sampler))
        sampler.join()
        asyncio.run(_update_keeps_edits(hub, repo, results))
    except BaseException:
        print(hub.tail(80))
        raise
    finally:
        sampler.done.set()
        left = hub.stop()
    print(f"\nfour learners at once on one hub ({os.cpu_count()} cores), "
          f"slowest hub API answer during the runs {slowest:.2f} s")
    print(_table(results, sampler))

    assert not left, f"still running after the hub stopped: {left}"
    for port in hub.ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    assert slowest < HUB_ANSWER_S, f"the hub took {slowest:.1f} s to answer during the runs"
    facts = [results[n]["facts"] for n in LEARNERS]
    for name, fact in zip(LEARNERS, facts, strict=True):
        assert fact["ex01"]["check_passed"], f"{name}'s ex01 check: {fact['ex01']['check_message']}"
        for run in fact.values():
            assert run["prefix"] == sys.prefix, f"{name} ran in {run['prefix']}, not the course's"
            assert run["config_path"].split(os.pathsep)[0] == str(ROOT / "jupyter"), run
            assert f"/homes/{name}/{REPO_NAME}/" in run["cwd"] + "/", run["cwd"]
    for name in LEARNERS:  # where classroom/README.md collects submissions from
        home = tmp_path / "state" / "homes" / name / REPO_NAME
        assert (home / "exercises" / "ex01_async_sleep.ipynb").is_file(), sorted(home.iterdir())
    for key in ("db", "server_db", "server_url", "pid"):
        used = [run[key] for fact in facts for run in fact.values() if key in run]
        assert len(set(used)) == len(used), f"learners shared a {key}: {used}"


def test_hub_config_defaults_are_safe(tmp_path, monkeypatch):
    """What `make hub` starts: 127.0.0.1, real passwords made on first start, no dummy login."""
    from traitlets.config.loader import PyFileConfigLoader

    for name in ("COURSE_HUB_IP", "COURSE_HUB_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COURSE_HUB_STATE", str(tmp_path / "state"))
    c = PyFileConfigLoader(CONFIG.name, str(CONFIG.parent)).load_config()
    assert (c.JupyterHub.ip, c.JupyterHub.port) == ("127.0.0.1", 8000)
    assert c.JupyterHub.authenticator_class == "shared-password"
    assert "dummy" not in CONFIG.read_text()
    passwords = tmp_path / "state" / "passwords.txt"
    assert passwords.stat().st_mode & 0o077 == 0, "passwords.txt must be private"
    assert len(c.SharedPasswordAuthenticator.user_password) >= 8  # JupyterHub's minimums
    assert len(c.SharedPasswordAuthenticator.admin_password) >= 32
    assert c.Spawner.environment["JUPYTER_CONFIG_PATH"] == str(ROOT / "jupyter")
    assert Path(c.Spawner.cmd[0]).parent == Path(sys.executable).parent
    again = PyFileConfigLoader(CONFIG.name, str(CONFIG.parent)).load_config()
    assert again.SharedPasswordAuthenticator.user_password == c.SharedPasswordAuthenticator.user_password
