"""course.postgres: a throwaway PostgreSQL that always stops, and the demo served on it."""

import gc
import os
import sys
import textwrap
import time

import psutil
import pytest

import course
from course import postgres

if not postgres.available():
    if os.environ.get("CI") == "true":
        pytest.fail("PostgreSQL's server programs are missing, and CI must run these tests: "
                    ".ci/run installs Debian's postgresql.", pytrace=False)
    pytest.skip("PostgreSQL is not installed here: " + postgres.how_to_install(),
                allow_module_level=True)

GONE_WITHIN_S = 30.0


def _processes(cluster):
    """The postmaster and every backend it started."""
    postmaster = psutil.Process(cluster.pid)
    return [postmaster, *postmaster.children(recursive=True)]


def _assert_gone(processes, folder, within_s=GONE_WITHIN_S):
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive and not folder.exists():
            return
        time.sleep(0.1)
    raise AssertionError(f"left behind: processes {alive}, folder exists: {folder.exists()}")


def test_the_demo_is_served_on_postgresql_and_everything_goes_after_the_block(run):
    with postgres.cluster(max_connections=20) as pg:
        processes, folder = _processes(pg), pg.folder
        assert pg.running and "max_connections=20" in repr(pg)
        with pg.connect() as connection:
            assert connection.execute("SHOW max_connections").fetchone()[0] == "20"
            assert connection.execute("SELECT count(*) FROM catalog_book").fetchone()[0] == 12
        with pg.serve(CONN_MAX_AGE=0) as server:
            reply = run(course.get(server.url + "/pg/books/"))
    assert reply.status == 200 and reply.json() == {"books": 12}
    assert not pg.running and "stopped" in repr(pg)
    _assert_gone(processes, folder)
    pg.stop()  # safe twice


def test_an_exception_in_the_block_still_stops_it():
    with pytest.raises(RuntimeError, match="a cell failed"):
        with postgres.cluster(migrate=False) as pg:
            processes, folder = _processes(pg), pg.folder
            raise RuntimeError("a cell failed")
    _assert_gone(processes, folder)


def test_garbage_collection_stops_a_forgotten_cluster():
    pg = postgres.cluster(migrate=False)
    processes, folder = _processes(pg), pg.folder
    del pg
    gc.collect()
    _assert_gone(processes, folder)


def test_connections_are_counted_while_a_load_runs(run):
    async def burst(pg, server):
        async with pg.watch() as seen:
            run_ = await course.loadtest.load(server.url + "/pg/books/?delay_s=0.3", requests=8)
        return seen, run_

    with postgres.cluster() as pg, pg.serve(CONN_MAX_AGE=0) as server:
        seen, load = run(burst(pg, server))
        assert pg.connections() == 0  # CONN_MAX_AGE=0: closed at the end of each request
    assert seen.baseline == 0 and seen.peak == 8 and len(seen.samples) > 5
    assert [r.status for r in load.records] == [200] * 8


KERNEL_CODE = textwrap.dedent("""
    from course import postgres
    pg = postgres.cluster(migrate=False)
    print(pg.pid, pg.folder)
""")


@pytest.mark.parametrize("how", ["kill", "restart"])
def test_a_killed_or_restarted_kernel_takes_its_cluster_with_it(how):
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        printed = []
        reply = client.execute_interactive(
            KERNEL_CODE, timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
        assert reply["content"]["status"] == "ok", printed
        pid, folder = "".join(printed).split()
        postmaster = psutil.Process(int(pid))
        processes = [postmaster, *postmaster.children(recursive=True)]
        if how == "kill":
            manager.shutdown_kernel(now=True)  # SIGKILL: no atexit, no finalizers
        else:
            manager.restart_kernel(now=True)
    finally:
        client.stop_channels()
        if manager.is_alive():
            manager.shutdown_kernel(now=True)
    from pathlib import Path

    _assert_gone(processes, Path(folder))


def test_without_postgresql_it_says_how_to_install(monkeypatch):
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)
    assert not postgres.available()
    with pytest.raises(postgres.PostgresMissing, match="apt-get install postgresql"):
        postgres.cluster()
    assert "brew install" in postgres.how_to_install()


def test_bad_max_connections_is_explained():
    with pytest.raises(ValueError, match="max_connections must be a whole number"):
        postgres.cluster(max_connections=2)


def test_as_root_it_runs_postgresql_as_an_unprivileged_user():
    from course._pg_process import server_owner

    owner = server_owner()
    if os.geteuid() == 0:
        assert owner is not None and owner[0] != 0
    else:
        assert owner is None


def test_the_demo_settings_read_the_database_from_the_environment():
    import json
    import subprocess

    code = "from demo_project import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {**os.environ, "DEMO_DATABASE": json.dumps({"ENGINE": "django.db.backends.postgresql"})}
    changed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.strip()
    env.pop("DEMO_DATABASE")
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.strip()
    assert (changed, default) == ("django.db.backends.postgresql", "django.db.backends.sqlite3")


def test_without_postgresql_a_notebook_skips_its_later_cells_cleanly():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        def run_cell(code):
            printed = []
            reply = client.execute_interactive(
                code, timeout=60,
                output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
            return reply["content"]["status"], "".join(printed)

        status, printed = run_cell(
            "import os; os.environ.pop('CI', None)\n"
            "from course import postgres\n"
            "postgres.find_bindir = lambda: None  # as on a machine without PostgreSQL\n"
            "print(postgres.require())")
        assert status == "ok" and "apt-get install postgresql" in printed and "False" in printed
        status, printed = run_cell("raise RuntimeError('this cell should not run')")
        assert status == "ok" and "skipped" in printed
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_under_ci_a_missing_postgresql_fails_instead(monkeypatch):
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(postgres.PostgresMissing):
        postgres.require()


def test_as_root_a_private_tmpdir_is_not_used(tmp_path, monkeypatch):
    import tempfile

    from course._pg_process import _traversable, temporary_folder

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    folder = temporary_folder(owner=(65534, 65534))  # dropping root to `nobody`
    try:
        assert not folder.is_relative_to(private) and _traversable(folder.parent)
    finally:
        folder.rmdir()
    mine = temporary_folder(owner=None)  # not root: $TMPDIR as it is
    try:
        assert mine.parent == private
    finally:
        mine.rmdir()


def test_a_server_that_dies_at_start_fails_fast_with_its_log(monkeypatch):
    real = postgres.start_server

    def broken(bindir, folder, port, owner, settings):
        return real(bindir, folder, port, owner, {**settings, "no_such_setting": "1"})

    monkeypatch.setattr(postgres, "start_server", broken)
    started = time.monotonic()
    with pytest.raises(postgres.PostgresError, match="exited while starting(.|\n)*no_such_setting"):
        postgres.cluster(migrate=False)
    assert time.monotonic() - started < postgres.STARTUP_TIMEOUT_S / 3


FORKING_KERNEL_CODE = textwrap.dedent("""
    import os, sys, time
    from course import postgres
    pg = postgres.cluster(migrate=False)
    child = os.fork()  # without exec: the child inherits the watchdog pipe's write end
    if child == 0:
        time.sleep(120)
        os._exit(0)
    print(pg.pid, pg.folder, child, flush=True)
    time.sleep(120)
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
def test_a_killed_kernel_stops_its_cluster_even_if_a_forked_child_holds_the_pipe():
    import signal
    import subprocess
    from pathlib import Path

    kernel = subprocess.Popen([sys.executable, "-c", FORKING_KERNEL_CODE],
                              stdout=subprocess.PIPE, text=True)
    try:
        pid, folder, child = kernel.stdout.readline().split()
        processes = _processes_of(int(pid))
        kernel.send_signal(signal.SIGKILL)  # no atexit, no finalizers; the child lives on
        kernel.wait()
        assert psutil.pid_exists(int(child))
        _assert_gone(processes, Path(folder))
    finally:
        kernel.kill()
        if "child" in locals():
            os.kill(int(child), signal.SIGKILL)


def _processes_of(postmaster_pid):
    postmaster = psutil.Process(postmaster_pid)
    return [postmaster, *postmaster.children(recursive=True)]
