"""PostgreSQL's programs: find them, initdb a folder, start the server under a watchdog.

    bindir = find_bindir()                        # None when PostgreSQL is not installed
    owner = server_owner()                        # (uid, gid) to drop root to, or None
    init_cluster(bindir, folder, password, owner)
    process = start_server(bindir, folder, port, owner, settings={"max_connections": 20})

Plumbing for course.postgres; a notebook never imports it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

WATCHDOG = Path(__file__).with_name("_pg_watchdog.py")
EXITED = "server.exited"  # the watchdog writes it into the folder when PostgreSQL exits by itself
SUPERUSER = "postgres"
INITDB_TIMEOUT_S = 120.0
# Throwaway cluster: durability off, so start-up and writes cost no disk syncs.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PostgresError(RuntimeError):
    """PostgreSQL could not be set up or started (the message includes what it printed)."""


# Where packages put the server programs off PATH: Debian/Ubuntu, Homebrew (Apple silicon, Intel)
KNOWN_BINDIRS = ("/usr/lib/postgresql/*/bin", "/opt/homebrew/opt/postgresql@*/bin",
                 "/usr/local/opt/postgresql@*/bin")


def _has_server(folder):
    suffix = ".exe" if os.name == "nt" else ""
    return (folder / f"initdb{suffix}").exists() and (folder / f"postgres{suffix}").exists()


def _pg_config_bindir():
    pg_config = shutil.which("pg_config")
    if not pg_config:
        return None
    try:
        named = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(named) if named else None


def find_bindir():
    """The folder holding initdb and postgres: on PATH, `pg_config --bindir`, or a package's
    usual folder (the newest version); None when there is none."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("postgres"):
        return Path(on_path).resolve().parent
    named = _pg_config_bindir()
    if named and _has_server(named):
        return named
    import glob

    found = [Path(p) for pattern in KNOWN_BINDIRS for p in glob.glob(pattern)]
    found = [p for p in found if _has_server(p)]
    return max(found, key=lambda p: [int(n) for n in re.findall(r"\d+", str(p))]) if found else None


def server_owner():
    """(uid, gid) of an unprivileged user to run PostgreSQL as when we are root, else None.

    PostgreSQL refuses to run as root ("cannot be run as root"): as root (CI, containers) the
    cluster belongs to the `postgres` user Debian's package creates, or else to `nobody`.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise PostgresError("Running as root, and neither a 'postgres' nor a 'nobody' user exists "
                        "to run PostgreSQL as (it refuses to run as root). Create one, or run "
                        "the course as an ordinary user.")


def _traversable(folder):
    """True when every folder from / down to `folder` lets other users pass (o+x)."""
    path = Path(folder).resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents])


def temporary_folder(owner, prefix="course-postgres-"):
    """A new temporary folder the server's owner can reach.

    As root, $TMPDIR may lie under /root (mode 0700), which the unprivileged `postgres` user
    cannot pass through; then the folder goes under /tmp instead."""
    import tempfile

    base = None
    if owner is not None and not _traversable(tempfile.gettempdir()):
        base = "/tmp"  # noqa: S108 - world-traversable; mkdtemp makes the folder 0700 itself
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def _give(folder, owner):
    if owner is not None:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, *owner)


def _as_owner(owner):
    return {} if owner is None else {"user": owner[0], "group": owner[1], "extra_groups": []}


def init_cluster(bindir, folder, password, owner):
    """initdb `folder`/data: superuser `postgres`, a password over TCP, trust on the socket."""
    pwfile = folder / "pwfile"
    pwfile.write_text(password + "\n")
    _give(folder, owner)
    command = [str(bindir / "initdb"), "-D", str(folder / "data"), "-U", SUPERUSER,
               f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=trust",
               "--encoding=UTF8", "--locale=C", "--no-sync"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INITDB_TIMEOUT_S,
                              **_as_owner(owner))
    except (OSError, subprocess.SubprocessError) as error:
        raise PostgresError(f"initdb could not run: {error}") from None
    finally:
        pwfile.unlink(missing_ok=True)
    if done.returncode:
        raise PostgresError(f"initdb failed (exit {done.returncode}):\n"
                            f"{(done.stdout + done.stderr)[-2000:]}")


def start_server(bindir, folder, port, owner, settings):
    """Start `postgres` on 127.0.0.1:`port` under the watchdog; return the watchdog process.

    Closing the returned process's stdin (or this process ending) stops the server and
    removes `folder`.
    """
    options = {**FAST_SETTINGS, **settings, "listen_addresses": "127.0.0.1", "port": port,
               "unix_socket_directories": str(folder)}
    command = [str(bindir / "postgres"), "-D", str(folder / "data")]
    for name, value in options.items():
        command += ["-c", f"{name}={value}"]
    uid, gid = owner if owner is not None else (-1, -1)
    with open(folder / "watchdog.log", "wb") as log:
        # run as a file, not `-m course...`: importing the course package would take a second
        return subprocess.Popen(
            [sys.executable, str(WATCHDOG), str(folder), str(uid), str(gid), "--", *command],
            stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # a kernel interrupt (SIGINT to its group) must not reach it
