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


# `make test` runs two pytest-xdist workers (`-n 2 --dist loadgroup`). Each test file stays on one
# worker (its module fixtures are made once), and the JupyterLab files share one: the browser
# test runs every notebook twice in one kernel and test_notebooks.py reads those saved runs
# (notebook_runner.RAN_TWICE) instead of executing them again.
SAME_WORKER = {"test_browser.py": "jupyterlab", "test_notebooks.py": "jupyterlab"}


def pytest_collection_modifyitems(items):
    for item in items:
        name = item.path.name
        item.add_marker(pytest.mark.xdist_group(SAME_WORKER.get(name, name)))
