"""Run a PostgreSQL server until the process that started us goes away, then clean up.

    python -m course._pg_watchdog FOLDER UID GID -- postgres -D ... -p ...

The course starts this watchdog with a pipe as its standard input and keeps the other end.
When that end closes — `Cluster.stop()`, the kernel exiting, or the kernel being killed on a
restart — the read below returns, and the watchdog stops PostgreSQL (fast shutdown, then
harder) and removes FOLDER. So a postmaster never outlives the kernel that started it.
The watchdog runs in a session of its own, so a kernel interrupt (SIGINT to the kernel's
process group) does not reach PostgreSQL. UID/GID (-1 for "as we are") drop root for the
server: PostgreSQL refuses to run as root.
"""

import shutil
import signal
import subprocess
import sys

FAST_S = 10.0  # SIGINT: fast shutdown (roll back open transactions, disconnect clients)
IMMEDIATE_S = 5.0  # SIGQUIT: immediate shutdown; after that SIGKILL


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
        sys.stdin.buffer.read()  # returns at EOF: the parent closed the pipe, or died
    except _StopNow:
        pass
    _stop(server)
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
