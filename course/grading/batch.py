"""Grade a folder of submitted exercise notebooks, several at once, each in a fresh kernel.

    python -m course grade submissions/ [--jobs N] [--csv grades.csv] [--json] [--timeout-s 120]

Each submission is rebuilt from the pristine exercise (exercises/) with only the learner's
`answer` cells (the row says when other cells differed), framed by a first cell and a grading
cell that check the course's functions are its own (course/grading/rebuild.py), and run in a
new Jupyter kernel with a time limit per cell and per notebook; the grading cell runs the
checks with their hidden cases. `--jobs` kernels run at once (default: default_jobs(), six per
core, at most 12 — measured on 2 cores: 12 notebooks of correct solutions graded all ✔, twice).
A file that is not a notebook, a kernel that dies, a notebook that runs out of time: each
becomes a failing row that says why. A line on stderr per finished notebook, a summary at the
end; the grader exits 0 only when every exercise of every submission passed. The submitted
files are only read, never written.
"""

import asyncio
import csv
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from course.grading.exercises import EXERCISES
from course.grading.rebuild import expected_fingerprint, rebuild, results_of

NOTEBOOK_LIMIT_S = 180.0  # a whole submission, kernel start to last check
CELL_LIMIT_S = 60.0  # one cell; a longer one is interrupted and the rest still runs
STARTUP_LIMIT_S = 60.0  # starting the kernel
JOBS_PER_CORE = 6  # the default --jobs: cores × this, at most MAX_DEFAULT_JOBS
MAX_DEFAULT_JOBS = 12  # (at least the number of cores)
FILENAME_EXERCISE = re.compile(r"(ex\d\d)")


@dataclass(frozen=True)
class Grade:
    """One row of the table: a submission's result for one exercise."""

    submission: str
    exercise: str
    passed: bool
    message: str
    crashed: bool = False  # the notebook could not be run to its grading cell

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


def _failing(name, exercises, reason, crashed=True):
    return [Grade(name, exercise, False, reason, crashed) for exercise in exercises]


def _first_error(nb):
    for index, cell in enumerate(nb.cells[1:-1], start=1):
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


def _read(path, name):
    """(notebook, exercise) to grade, or failing Grades saying why it cannot be graded."""
    try:
        submitted = nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=4)
    except Exception as error:  # not UTF-8, not JSON, not a notebook
        reason = f"not a readable notebook ({type(error).__name__}: {str(error)[:200]})"
        return _failing(name, exercises_of({}, path), reason)
    exercises = exercises_of(submitted, path)
    if len(exercises) != 1:
        return _failing(name, exercises, "cannot tell which exercise this notebook answers: "
                        "keep the exercise's file name (exNN_…) or its metadata")
    return submitted, exercises[0]


async def _run(nb, name, exercise, limit_s, cell_limit_s):
    try:
        await _execute(nb, limit_s, min(cell_limit_s, limit_s))
    except TimeoutError:
        return _failing(name, [exercise], f"did not finish within {limit_s:g} s")
    except DeadKernelError:
        return _failing(name, [exercise], f"the kernel died ({_first_error(nb) or 'it crashed'}"
                                          "; e.g. os._exit() or a crash in a cell)")
    except Exception as error:  # nbclient or kernel trouble: report it, keep grading others
        return _failing(name, [exercise], f"could not run: {type(error).__name__}: {error}")
    return None


async def grade_notebook_async(path, name=None, *, limit_s=NOTEBOOK_LIMIT_S,
                               cell_limit_s=CELL_LIMIT_S):
    """Rebuild one submission from the pristine exercise, run it in a fresh kernel, judge it."""
    name = name or str(path)
    read = _read(path, name)
    if isinstance(read, list):
        return read
    nb, note = rebuild(*read)
    failed = await _run(nb, name, read[1], limit_s, cell_limit_s)
    if failed:
        return [replace(g, message=_with(g.message, note)) for g in failed]
    results, error = results_of(nb, expected_fingerprint(read[1])), _first_error(nb)
    note = "; ".join(filter(None, [note, error and f"in the notebook, {error}"]))
    if isinstance(results, str):
        return _failing(name, [read[1]], _with(results, note))
    return [Grade(name, r["exercise"], r["passed"],
                  _with(r["message"], note if not r["passed"] else note.split("; in the")[0]),
                  False) for r in results]


def _with(message, note):
    return f"{message} ({note})" if note else message


def grade_notebook(path, name=None, **limits):
    """Run one submission in a fresh kernel and return its Grades (one per exercise)."""
    return asyncio.run(grade_notebook_async(path, name, **limits))


def _names(paths):
    files, roots = collect(paths), [Path(p) for p in paths]
    for path in files:
        base = next((r for r in roots if r.is_dir() and r in path.parents), path.parent)
        yield path, str(path.relative_to(base))


async def _grade_all(paths, jobs, limits, progress):
    files = list(_names(paths))
    slots, finished = asyncio.Semaphore(jobs), []

    async def one(path, name):
        async with slots:
            started = time.monotonic()
            try:
                rows = await grade_notebook_async(path, name, **limits)
            except Exception as error:  # whatever a submission does, grade the others
                rows = _failing(name, exercises_of({}, path),
                                f"could not be graded: {type(error).__name__}: {error}")
        finished.append(name)
        if progress:
            progress(len(finished), len(files), name, rows, time.monotonic() - started)
        return rows

    return [g for rows in await asyncio.gather(*(one(p, n) for p, n in files)) for g in rows]


def default_jobs():
    """Kernels at once: a grading kernel mostly waits (its checks sleep and measure), so more
    than one per core pays; measured on 2 cores, 12 at once beside a CPU hog graded right."""
    cores = os.cpu_count() or 1
    return max(cores, min(MAX_DEFAULT_JOBS, cores * JOBS_PER_CORE))


def grade(paths, *, limit_s=NOTEBOOK_LIMIT_S, cell_limit_s=CELL_LIMIT_S, progress=None,
          jobs=None):
    """Grade every notebook under `paths`, `jobs` at a time (default: default_jobs());
    return all Grades in the order of the files.

    `progress(done, count, name, grades, seconds)` is called as each notebook finishes."""
    jobs = max(1, jobs or default_jobs())
    limits = {"limit_s": limit_s, "cell_limit_s": cell_limit_s}
    return asyncio.run(_grade_all(paths, jobs, limits, progress))


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


def summary(grades, seconds):
    """'30 graded: 28 passed, 1 failed, 1 crashed, in 95 s' (one row per notebook counted)."""
    rows = list({(g.submission, g.exercise): g for g in grades}.values())
    crashed = sum(g.crashed for g in rows)
    passed = sum(g.passed for g in rows)
    return (f"{len(rows)} graded: {passed} passed, {len(rows) - passed - crashed} failed, "
            f"{crashed} crashed, in {seconds:.0f} s")


def _progress(done, count, name, grades, seconds):  # on stderr: stdout stays the table or JSON
    marks = " ".join(f"{g.exercise} {'✔' if g.passed else '✘'}" for g in grades)
    print(f"[{done}/{count}] {name}: {marks} ({seconds:.1f} s)", file=sys.stderr, flush=True)


def main(paths, *, csv_path=None, as_json=False, limit_s=NOTEBOOK_LIMIT_S, jobs=None):
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"No such file or folder: {', '.join(map(str, missing))}. Give notebooks or "
              "folders of notebooks, e.g. `python -m course grade submissions/`.")
        return 2
    started = time.monotonic()
    grades = grade(paths, limit_s=limit_s, progress=_progress, jobs=jobs)
    if not grades:
        print(f"No notebooks (*.ipynb) found under {', '.join(map(str, paths))}.")
        return 2
    if as_json:
        for g in grades:
            print(json.dumps(g.as_dict(), ensure_ascii=False))
    else:
        print(table(grades))
    print(summary(grades, time.monotonic() - started), file=sys.stderr, flush=True)
    if csv_path:
        write_csv(grades, csv_path)
    return 0 if all(g.passed for g in grades) else 1
