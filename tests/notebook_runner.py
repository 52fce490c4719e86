"""Execute notebooks in a real Jupyter kernel (nbclient) and keep the plots they draw."""

import base64
import copy
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
PLOTS = ROOT / "build" / "notebook-plots"
CELL_TIMEOUT_S = 240  # the slowest cell (1,000 requests, a server) takes well under this

# Notebook name -> the .ipynb JupyterLab saved after running it twice in one kernel
# (tests/test_browser.py fills it; tests/test_notebooks.py reads it rather than run it again).
RAN_TWICE = {}


def run_notebook(path, *, times=1, timeout_s=CELL_TIMEOUT_S):
    """Run all cells of `path` `times` times in one kernel; return the executed notebook.

    Raises nbclient's CellExecutionError (with the cell and traceback) on any error.
    """
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    nb.cells = [copy.deepcopy(cell) for _ in range(times) for cell in cells]
    client = NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).parent)}})
    client.execute()
    return nb


def save_plots(nb, name):
    """Write every PNG the notebook displayed to build/notebook-plots/<name>/; return paths."""
    folder = PLOTS / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    saved = []
    for index, cell in enumerate(nb.cells):
        for number, output in enumerate(cell.get("outputs", [])):
            data = output.get("data", {})
            if "image/png" in data:
                target = folder / f"cell{index:02d}-{number}.png"
                target.write_bytes(base64.b64decode(data["image/png"]))
                saved.append(target)
    return saved


def text_of(nb):
    """All text the notebook printed or displayed, for assertions on what a learner sees."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)
