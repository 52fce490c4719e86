"""What every notebook and file of the course must be, checked without running anything."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
def _ours(path):
    """A file of the course: not in a venv, a cache, a checkpoint or build output."""
    parts = path.relative_to(ROOT).parts
    return not any(part.startswith(".") or part == "build" for part in parts)


NOTEBOOKS = sorted(p for p in ROOT.glob("*/**/*.ipynb") if _ours(p))


def _load(path):
    return json.loads(path.read_text())


def test_there_are_notebooks():
    assert len([p for p in NOTEBOOKS if p.parent.name == "notebooks"]) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_stored_without_outputs_and_with_a_kernel(path):
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3", "JupyterLab would ask for a kernel"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell["outputs"], "outputs are stored: clear them before committing"
            assert cell["execution_count"] is None


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.parent.name == "notebooks"],
                         ids=lambda p: p.stem)
def test_opens_with_what_you_will_learn_and_ends_with_a_recap(path):
    cells = _load(path)["cells"]
    first = "".join(cells[0]["source"])
    assert first.startswith("# ") and "You will learn" in first
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "## Recap" in text
    for target in re.findall(r"\]\(([^)#]+\.ipynb)\)", text):
        assert (path.parent / target).exists(), f"link to missing notebook {target}"


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        if path.parent.name == "notebooks":
            assert path.name in readme


def test_ruff_is_clean_on_code_and_notebooks():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    done = subprocess.run([ruff, "check", str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_course_never_sets_the_async_unsafe_escape_hatch():
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                 if p.suffix in {".py", ".ipynb"} and _ours(p)
                 and "tests" not in p.parts and "DJANGO_ALLOW_ASYNC_UNSAFE" in p.read_text()
                 and p.name != "environment.py"]  # the environment check warns when it is set
    assert not offenders


def test_navigation_cells_are_current():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "navigation.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
