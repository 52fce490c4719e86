import asyncio
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
sys.path.insert(0, str(Path(__file__).parent))  # notebook_runner

import course  # noqa: E402

# Django is configured once per process; the test modules import models at the top.
LAB = course.setup()


@pytest.fixture(scope="session")
def lab():
    return LAB


@pytest.fixture
def run(lab):
    """Run a coroutine to completion on a fresh event loop (tests are plain functions)."""
    return asyncio.run



# `make test` runs two pytest-xdist workers (`-n 2`). Each test file runs whole on one worker
# (its module fixtures are made once), and test_notebooks.py runs on the browser test's worker,
# after it: the browser test runs every notebook twice in one kernel and test_notebooks.py reads
# those saved runs (notebook_runner.RAN_TWICE) instead of executing the notebooks again.
# (A scheduler, not xdist_group marks: with pytest 9.2 and xdist 3.8, `--dist loadgroup` did
# not keep a marked file on one worker here.)
SAME_WORKER = {"tests/test_notebooks.py": "tests/test_browser.py"}


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent without it
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadFileScheduling

    class FileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            scope = super()._split_scope(nodeid)
            return SAME_WORKER.get(scope, scope)

    return FileScheduling(config, log)
