"""A single-machine JupyterHub for the course (the Littlest-JupyterHub shape).

    make hub                                   # http://127.0.0.1:8000, state in classroom/state/
    .venv/bin/jupyterhub -f classroom/jupyterhub_config.py

JupyterHub + its configurable-http-proxy (npm, installed into classroom/node_modules by
`make hub`) + a local-process spawner. Every learner's server runs from this course's .venv
(Django, `course`, nbgitpuller), reads the course's JupyterLab settings (jupyter/), and lives
in its own home folder, classroom/state/homes/<name>/, where the nbgitpuller link puts the
notebooks. classroom/README.md is the instructor's guide.

Settings from the environment (the defaults are safe on a laptop):
  COURSE_HUB_IP     where learners connect (default 127.0.0.1; 0.0.0.0 = every interface)
  COURSE_HUB_PORT   default 8000
  COURSE_HUB_STATE  the hub's database, secrets, passwords and the learners' homes
                    (default classroom/state)

Isolation: the `simple` spawner runs every learner as the Unix user that started the hub, each
in their own home folder. Fine for a trusted class on a machine you watch; for isolation use
system users (LocalProcessSpawner, or The Littlest JupyterHub) or Kubernetes (z2jh-config.yaml).
"""

import os
import secrets
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COURSE = HERE.parent
VENV_BIN = Path(sys.executable).parent  # the hub runs from the course's .venv; so do learners
STATE = Path(os.environ.get("COURSE_HUB_STATE", HERE / "state")).resolve()
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"

c = get_config()  # noqa: F821 — JupyterHub defines it when it loads this file

# --- where the hub listens and keeps its state -------------------------------------------
c.JupyterHub.ip = os.environ.get("COURSE_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("COURSE_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"  # the hub's own API: only the proxy and servers talk to it
STATE.mkdir(parents=True, exist_ok=True)
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = [str(PROXY)]  # npm's configurable-http-proxy

# --- the learners' servers: the course's environment, settings and a home each -----------
c.JupyterHub.spawner_class = "simple"  # one Unix user; see "Isolation" above
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []  # Jupyter refuses root otherwise
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": str(COURSE / "jupyter"),  # no news or update pop-ups
    "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
    "VIRTUAL_ENV": str(VENV_BIN.parent),
}
c.Spawner.start_timeout = 120  # a busy small machine starts many servers at once
c.Spawner.http_timeout = 120

# --- who may log in: a shared password, made on first start (see classroom/README.md) -----
# Swap in a real authenticator for anything longer than a workshop: NativeAuthenticator
# (learners sign up, you approve), FirstUseAuthenticator, OAuth (GitHub, your institution's
# OpenID Connect, ...), or jupyterhub-ltiauthenticator for an LMS (LTI).
PASSWORDS = STATE / "passwords.txt"
if not PASSWORDS.exists():
    PASSWORDS.write_text(f"learner {secrets.token_urlsafe(9)}\ninstructor {secrets.token_urlsafe(33)}\n")
    PASSWORDS.chmod(0o600)
passwords = dict(line.split(maxsplit=1) for line in PASSWORDS.read_text().splitlines() if line.strip())
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = passwords["learner"].strip()
c.SharedPasswordAuthenticator.admin_password = passwords["instructor"].strip()
c.Authenticator.admin_users = {"instructor"}
LEARNERS = STATE / "learners.txt"  # one name a line; the admin page (/hub/admin) adds more
if LEARNERS.exists():
    c.Authenticator.allowed_users = {n.strip() for n in LEARNERS.read_text().split() if n.strip()}
c.Authenticator.allow_existing_users = True  # learners added on the admin page may log in
