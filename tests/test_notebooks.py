"""Every notebook runs top to bottom in a real Jupyter kernel, whose event loop is running."""

import re
from pathlib import Path

import pytest
from notebook_runner import run_notebook, save_plots, text_of

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9]*.ipynb"))
DRAWS_NO_PLOT = {"00_start_here.ipynb", "02_first_async_view.ipynb"}


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path):
    nb = run_notebook(path)
    plots = save_plots(nb, path.stem)
    if path.name not in DRAWS_NO_PLOT:
        assert plots, f"{path.name} drew no plot"


@pytest.mark.notebook
def test_run_all_twice_in_one_kernel():
    """Restart & Run All, then Run All again: re-running every cell must be harmless."""
    run_notebook(NOTEBOOKS[2], times=2)  # 02 configures Django by hand: the hardest case


@pytest.mark.notebook
def test_sync_vs_async_notebook_measures_the_lesson():
    nb = run_notebook(next(p for p in NOTEBOOKS if p.stem.startswith("03")))
    text = text_of(nb)

    def total(title):
        match = re.search(rf"^{re.escape(title)}\s+([\d.]+) s", text, re.MULTILINE)
        assert match, f"the notebook did not print the total for {title!r}"
        return float(match.group(1))

    one_worker = total("sync server, 1 worker")
    sync_view, async_view = total("sync view, ASGI handler"), total("async view, ASGI handler")
    assert one_worker > 2.5 * async_view  # the seed's picture: three delays vs one
    assert sync_view < 1.5 * async_view  # Django's handler gives sync views a thread each
