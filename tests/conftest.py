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
