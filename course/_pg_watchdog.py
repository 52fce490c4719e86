"""Run a PostgreSQL server until the process that started us goes away, then clean up.

    python -m course._pg_watchdog FOLDER UID GID -- postgres -D ... -p ...

The course starts this watchdog with a pipe as its standard input and keeps the other end.
When that end closes — `Cluster.stop()`, the kernel exiting, or the kernel being killed on a
restart — the reading thread below sees end-of-file, and the watchdog stops PostgreSQL (fast
shutdown, then harder) and removes FOLDER. So a postmaster never outlives the kernel that
started it. The pipe alone is not enough: a child the kernel forks without exec (a
multiprocessing worker, say) inherits the pipe's write end and keeps it open after the kernel
dies, so the watchdog also stops when its parent process changes (the kernel died and the
watchdog was re-parented). If PostgreSQL exits by itself (e.g. a FATAL error at start-up), the
watchdog writes its exit code to FOLDER/server.exited, so the course reports the failure at
once with the log, and keeps waiting to clean up.
The watchdog runs in a session of its own, so a kernel interrupt (SIGINT to the kernel's
process group) does not reach PostgreSQL. UID/GID (-1 for "as we are") drop root for the
server: PostgreSQL refuses to run as root.
"""

import os
import shutil
import signal
import subprocess
import sys
import threading

FAST_S = 10.0  # SIGINT: fast shutdown (roll back open transactions, disconnect clients)
IMMEDIATE_S = 5.0  # SIGQUIT: immediate shutdown; after that SIGKILL
POLL_S = 0.2  # how often the parent and the server are looked at
EXITED = "server.exited"  # written into FOLDER when PostgreSQL exits on its own


def _stop(server):
    for sig, wait_s in ((signal.SIGINT, FAST_S), (signal.SIGQUIT, IMMEDIATE_S)):
        if server.poll() is not None:
            return
        server.send_signal(sig)
        try:
            server.wait(wait_s)
        except subprocess.TimeoutExpired:
            pass
    if server.poll() is None:
        server.kill()
        server.wait()


class _StopNow(Exception):
    pass


def _stop_now(signum, frame):
    raise _StopNow


def _wait(server, folder):
    """Return when the pipe closes (EOF) or the parent that started us is gone."""
    parent, closed = os.getppid(), threading.Event()
    reader = threading.Thread(target=lambda: (sys.stdin.buffer.read(), closed.set()), daemon=True)
    reader.start()
    reported = False
    while not closed.wait(POLL_S) and os.getppid() == parent:
        if not reported and server.poll() is not None:
            with open(f"{folder}/{EXITED}", "w") as marker:
                marker.write(str(server.returncode))
            reported = True


def main(argv):
    folder, uid, gid = argv[0], int(argv[1]), int(argv[2])
    command = argv[argv.index("--") + 1:]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only the pipe tells us to stop
    ids = {"user": uid, "group": gid, "extra_groups": []} if uid >= 0 else {}
    with open(f"{folder}/server.log", "ab") as log:
        server = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT, **ids)
    signal.signal(signal.SIGTERM, _stop_now)
    try:
        _wait(server, folder)
    except _StopNow:
        pass
    _stop(server)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
