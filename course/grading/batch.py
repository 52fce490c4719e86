"""Grade a folder of submitted exercise notebooks: each runs in a fresh kernel, then the checks.

    python -m course grade submissions/ [--csv grades.csv] [--json] [--timeout-s 120]

Each notebook is read into memory (the file is never written), gets one extra cell at the end
that runs the course's checks and prints their results as JSON, and runs in a new Jupyter
kernel with a time limit per cell and per notebook. Errors in the learner's cells don't stop
it (later checks still run). A file that is not a notebook, a kernel that dies, a notebook
that runs out of time: each becomes a failing row that says why. The grader itself always
finishes, and exits 0 only when every exercise of every submission passed.
"""

import asyncio
import csv
import json
import logging
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from course.grading.exercises import EXERCISES

MARKER = "COURSE-GRADE-RESULT "  # the grading cell prints this, then JSON
NOTEBOOK_LIMIT_S = 180.0  # a whole submission, kernel start to last check
CELL_LIMIT_S = 60.0  # one cell; a longer one is interrupted and the rest still runs
STARTUP_LIMIT_S = 60.0  # starting the kernel
FILENAME_EXERCISE = re.compile(r"(ex\d\d)")


@dataclass(frozen=True)
class Grade:
    """One row of the table: a submission's result for one exercise."""

    submission: str
    exercise: str
    passed: bool
    message: str

    def as_dict(self):
        return {"submission": self.submission, "exercise": self.exercise,
                "passed": self.passed, "message": self.message}


def collect(paths):
    """Notebook files under each path (a file is taken as it is, a folder searched)."""
    found = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def exercises_of(nb, path):
    """Which exercises a notebook answers: from its metadata, else from its file name."""
    meta = nb.get("metadata", {}).get("course", {}) if isinstance(nb, dict) else {}
    meta = meta if isinstance(meta, dict) else {}
    named = meta.get("exercises") or [meta.get("exercise")]
    if not isinstance(named, list):
        named = []
    named = [n for n in named if isinstance(n, str) and n in EXERCISES]
    if named:
        return named
    match = FILENAME_EXERCISE.search(Path(path).name)
    return [match.group(1)] if match and match.group(1) in EXERCISES else list(EXERCISES)


def grading_cell(exercises):
    code = (
        "import json as _grade_json\n"
        "import course as _grade_course\n"
        f"_grade_table = _grade_course.grading.check_all({exercises!r}, plot=False)\n"
        f"print({MARKER!r} + _grade_json.dumps([r.as_dict() for r in _grade_table.results]))"
    )
    return nbformat.v4.new_code_cell(code)


def _failing(name, exercises, reason):
    return [Grade(name, exercise, False, reason) for exercise in exercises]


def _results_from(cell):
    for output in cell.get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(MARKER):
                return json.loads(line[len(MARKER):])
        if output.get("output_type") == "error":
            return f"the grading cell raised {output.get('ename')}: {output.get('evalue')}"
    return "the grading cell printed no results"


def _first_error(nb):
    for index, cell in enumerate(nb.cells[:-1]):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index} raised {output.get('ename')}: {output.get('evalue')}"
    return None


_QUIET = logging.getLogger("course.grader.nbclient")  # its timeouts become our reasons
_QUIET.setLevel(logging.CRITICAL)


async def _execute(nb, limit_s, cell_limit_s):
    """Run `nb` in a fresh kernel; raise TimeoutError when it takes more than `limit_s`."""
    with tempfile.TemporaryDirectory(prefix="course-grade-") as workdir:
        client = NotebookClient(
            nb, timeout=cell_limit_s, startup_timeout=STARTUP_LIMIT_S, kernel_name="python3",
            allow_errors=True, interrupt_on_timeout=True, shutdown_kernel="immediate",
            resources={"metadata": {"path": workdir}}, log=_QUIET,
        )
        # The kernel's stderr (start-up warnings) is noise in a grading report.
        task = asyncio.ensure_future(client.async_execute(stderr=subprocess.DEVNULL))
        done, _ = await asyncio.wait({task}, timeout=limit_s)
        if not done:  # cancelling shuts the kernel down; whatever it raises, it ran out of time
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise TimeoutError
        task.result()


def grade_notebook(path, name=None, *, limit_s=NOTEBOOK_LIMIT_S, cell_limit_s=CELL_LIMIT_S):
    """Run one submission in a fresh kernel and return its Grades (one per exercise)."""
    name = name or str(path)
    try:
        nb = nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=4)
    except Exception as error:  # not UTF-8, not JSON, not a notebook
        reason = f"not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
        return _failing(name, exercises_of({}, path), reason)
    exercises = exercises_of(nb, path)
    nb.cells.append(grading_cell(exercises))
    try:
        asyncio.run(_execute(nb, limit_s, min(cell_limit_s, limit_s)))
    except TimeoutError:
        return _failing(name, exercises, f"did not finish within {limit_s:g} s")
    except DeadKernelError:
        return _failing(name, exercises, f"the kernel died ({_first_error(nb) or 'it crashed'}"
                                         "; e.g. os._exit() or a crash in a cell)")
    except Exception as error:  # nbclient or kernel trouble: report it, keep grading others
        return _failing(name, exercises, f"could not run: {type(error).__name__}: {error}")
    results, error = _results_from(nb.cells[-1]), _first_error(nb)
    note = f" (in the notebook, {error})" if error else ""
    if isinstance(results, str):
        return _failing(name, exercises, results + note)
    return [Grade(name, r["exercise"], r["passed"], r["message"] + ("" if r["passed"] else note))
            for r in results]


def grade(paths, *, limit_s=NOTEBOOK_LIMIT_S, cell_limit_s=CELL_LIMIT_S, progress=None):
    """Grade every notebook under `paths`; return all Grades in order.

    `progress(index, count, name)` is called before each notebook, if given."""
    grades = []
    files = collect(paths)
    roots = [Path(p) for p in paths]
    for index, path in enumerate(files, start=1):
        base = next((r for r in roots if r.is_dir() and r in path.parents), path.parent)
        name = str(path.relative_to(base))
        if progress:
            progress(index, len(files), name)
        try:
            grades += grade_notebook(path, name, limit_s=limit_s, cell_limit_s=cell_limit_s)
        except Exception as error:  # whatever a submission does, grade the others
            grades += _failing(name, exercises_of({}, path),
                               f"could not be graded: {type(error).__name__}: {error}")
    return grades


def _mark(grade):
    return "·" if grade is None else "✔" if grade.passed else "✘"


def table(grades):
    """A text table, submission × exercise, with ✔ / ✘ and the reasons for each ✘ below."""
    columns = [e for e in EXERCISES if any(g.exercise == e for g in grades)]
    rows = list(dict.fromkeys(g.submission for g in grades))
    cell = {(g.submission, g.exercise): g for g in grades}
    width = max([len("submission")] + [len(r) for r in rows])
    lines = [f"{'submission':<{width}}  " + "  ".join(columns)]
    for row in rows:
        marks = [_mark(cell.get((row, c))) for c in columns]
        cells = (f"{mark:<{len(column)}}" for mark, column in zip(marks, columns, strict=True))
        lines.append(f"{row:<{width}}  " + "  ".join(cells))
    failures = [g for g in grades if not g.passed]
    passed = len(grades) - len(failures)
    lines.append(f"\n{passed}/{len(grades)} passed")
    for g in failures:
        lines.append(f"✘ {g.submission} {g.exercise}: {g.message}")
    return "\n".join(lines)


def write_csv(grades, target):
    with open(target, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=["submission", "exercise", "passed", "message"])
        writer.writeheader()
        writer.writerows(g.as_dict() for g in grades)


def main(paths, *, csv_path=None, as_json=False, limit_s=NOTEBOOK_LIMIT_S):
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"No such file or folder: {', '.join(map(str, missing))}. Give notebooks or "
              "folders of notebooks, e.g. `python -m course grade submissions/`.")
        return 2
    def progress(index, count, name):  # on stderr, so that stdout stays the table or JSON
        print(f"[{index}/{count}] {name}", file=sys.stderr, flush=True)

    grades = grade(paths, limit_s=limit_s, progress=progress)
    if not grades:
        print(f"No notebooks (*.ipynb) found under {', '.join(map(str, paths))}.")
        return 2
    if as_json:
        for g in grades:
            print(json.dumps(g.as_dict(), ensure_ascii=False))
    else:
        print(table(grades))
    if csv_path:
        write_csv(grades, csv_path)
    return 0 if all(g.passed for g in grades) else 1
