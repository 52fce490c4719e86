"""Every notebook runs top to bottom twice in one real Jupyter kernel, whose event loop is
running: Restart & Run All, then Run All again, as a learner would.

When tests/test_browser.py has already done exactly that in JupyterLab in this session (it
runs first, and always under CI=true on leg 1), the notebook it saved is read instead of
executing the notebook a third time; otherwise (no browser, leg 2) nbclient runs it twice."""

import functools
import re
from pathlib import Path

import nbformat
import pytest
from notebook_runner import RAN_TWICE, run_notebook, save_plots, text_of

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb"))
DRAWS_NO_PLOT = {"00_start_here.ipynb", "02_first_async_view.ipynb"}


@functools.cache
def executed(path):
    """`path` run twice in one kernel, once per test session; later tests read its outputs."""
    if path.name in RAN_TWICE:
        return nbformat.read(RAN_TWICE[path.name], as_version=4)
    return run_notebook(path, times=2)


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_twice_in_one_kernel(path):
    plots = save_plots(executed(path), path.stem)
    if path.name not in DRAWS_NO_PLOT:
        assert plots, f"{path.name} drew no plot"


@pytest.mark.notebook
def test_sync_vs_async_notebook_measures_the_lesson():
    text = text_of(executed(next(p for p in NOTEBOOKS if p.stem.startswith("03"))))

    def total(title):
        match = re.search(rf"^{re.escape(title)}\s+([\d.]+) s", text, re.MULTILINE)
        assert match, f"the notebook did not print the total for {title!r}"
        return float(match.group(1))

    one_worker = total("sync server, 1 worker")
    sync_view, async_view = total("sync view, ASGI handler"), total("async view, ASGI handler")
    assert one_worker > 2.5 * async_view  # the seed's picture: three delays vs one
    assert sync_view < 1.5 * async_view  # Django's handler gives sync views a thread each
    held = re.search(r"^ASGI, async view: ([\d.]+) threads held per request", text, re.MULTILINE)
    assert held, "the notebook did not print the thread budget's verdict for the async view"
    assert float(held.group(1)) >= 0.5  # the request's own thread (its ThreadSensitiveContext)
    scale = re.findall(r"^(sync|async) view: ([\d.]+) new threads per request", text, re.MULTILINE)
    assert {kind for kind, _ in scale} == {"sync", "async"}, "no verdict from the 1,000-request runs"
