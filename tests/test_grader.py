"""The batch grader on a folder of mixed submissions, built from the solutions with small edits.

One grader run (one kernel per notebook) covers them all, to keep the suite quick."""

import json
from pathlib import Path

import nbformat
import pytest

from course.grading import batch as grader
from course.grading import rebuild
from course.grading.exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent


def _solution(name):
    return nbformat.read(ROOT / "solutions" / name, as_version=4)


def _answer(nb):
    return next(c for c in nb.cells if "answer" in c.metadata.get("tags", []))


def _write(folder, name, nb):
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def build_submissions(root):
    """A class's folder: two solved, one untouched, five broken in different ways."""
    _write(root / "solved", "ex01_async_sleep.ipynb", _solution("ex01_async_sleep.ipynb"))
    _write(root / "solved", "ex05_unblock.ipynb", _solution("ex05_unblock.ipynb"))
    untouched = nbformat.read(ROOT / "exercises" / "ex02_database.ipynb", as_version=4)
    _write(root / "untouched", "ex02_database.ipynb", untouched)

    broken = root / "broken"
    broken.mkdir()
    (broken / "ex03_not_a_notebook.ipynb").write_text("I forgot to save it properly")

    nb = _solution("ex01_async_sleep.ipynb")
    _answer(nb).source = _answer(nb).source.replace("async def ex01_view(request):",
                                                    "async def ex01_view(request)")
    _write(broken, "ex01_syntax_error.ipynb", nb)

    nb = _solution("ex01_async_sleep.ipynb")  # a view that never answers: the check's time limit
    _answer(nb).source = _answer(nb).source.replace("asyncio.sleep(delay_s)", "asyncio.sleep(3600)")
    # Without its "Try it" cell, which would wait for course.get's own 30-s limit.
    nb.cells = [c for c in nb.cells if "course.get(" not in c.source]
    _write(broken, "ex01_never_returns.ipynb", nb)

    nb = _solution("ex02_database.ipynb")
    nb.cells.remove(_answer(nb))
    _write(broken, "ex02_deleted_cell.ipynb", nb)

    nb = _solution("ex05_unblock.ipynb")
    _answer(nb).source = "import os\nos._exit(1)\n" + _answer(nb).source
    _write(broken, "ex05_crashes_the_kernel.ipynb", nb)

    cheat = root / "cheat"
    nb = _solution("ex04_upstream_apis.ipynb")  # a check cell edited: the pristine one runs
    nb.cells[-3].source = "print('I changed this cell')"
    nb.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(1)"))  # never run
    _write(cheat, "ex04_other_cells_edited.ipynb", nb)
    nb = _solution("ex01_async_sleep.ipynb")  # replaces the course's check with its own
    _answer(nb).source += ("\nimport course.grading.checks as _c\n"
                           "_c.check = lambda name, **kw: _c.CheckResult(name, True, 'fine')")
    _write(cheat, "ex01_replaces_the_check.ipynb", nb)
    for name, source in SWAPS.items():  # unsolved, but the judge or a probe is swapped
        nb = nbformat.read(ROOT / "exercises" / EXERCISES[name[:4]].notebook, as_version=4)
        _answer(nb).source += "\n" + source
        _write(cheat, f"{name}.ipynb", nb)


SWAPS = {  # what a learner's cell could swap that the fingerprint must see (reviewer F, #1)
    "ex01_swaps_the_judge": (
        "from course.grading.exercises import EXERCISES\n"
        "from course.grading.judging import Exercise\n"
        "async def _judge(context):\n    return 'overlapped and finished together'\n"
        "EXERCISES['ex01'] = Exercise('ex01', EXERCISES['ex01'].title, "
        "EXERCISES['ex01'].notebook, _judge)"),
    "ex02_replaces_an_imported_probe": (
        "import course.grading.exercises.ex02 as _m\n"
        "_m.require_books = lambda data, expected: []\n_m.require_async = lambda *a, **k: None"),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    build_submissions(root)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    grades = grader.grade([root], limit_s=90, cell_limit_s=10, jobs=4)
    after = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return root, grades, before, after


EXPECTED = {  # submission -> (exercise, passed, words the reason must contain)
    "solved/ex01_async_sleep.ipynb": ("ex01", True, "overlapped"),
    "solved/ex05_unblock.ipynb": ("ex05", True, "no longer blocks"),
    "untouched/ex02_database.ipynb": ("ex02", False, "Not solved yet"),
    "broken/ex03_not_a_notebook.ipynb": ("ex03", False, "not a readable notebook"),
    "broken/ex01_syntax_error.ipynb": ("ex01", False, "SyntaxError on line 2"),
    "broken/ex01_never_returns.ipynb": ("ex01", False, "did not answer"),
    "broken/ex02_deleted_cell.ipynb": ("ex02", False, "0 answer cells instead of 1"),
    "broken/ex05_crashes_the_kernel.ipynb": ("ex05", False, "the kernel died"),
    "cheat/ex04_other_cells_edited.ipynb": ("ex04", True, "cells other than `answer` differ"),
    "cheat/ex01_replaces_the_check.ipynb": ("ex01", False, "check functions were replaced"),
    "cheat/ex01_swaps_the_judge.ipynb": ("ex01", False, "check functions were replaced"),
    "cheat/ex02_replaces_an_imported_probe.ipynb": ("ex02", False, "check functions were replaced"),
}


@pytest.mark.notebook
def test_the_grader_gives_the_right_row_for_each_submission(graded):
    _, grades, _, _ = graded
    rows = {g.submission: g for g in grades}
    assert sorted(rows) == sorted(EXPECTED)
    for submission, (exercise, passed, reason) in EXPECTED.items():
        row = rows[submission]
        assert (row.exercise, row.passed) == (exercise, passed), row
        assert reason in row.message, row


@pytest.mark.notebook
def test_the_grader_never_modifies_a_submission(graded):
    _, _, before, after = graded
    assert before == after


@pytest.mark.notebook
def test_the_table_shows_submission_by_exercise(graded):
    _, grades, _, _ = graded
    text = grader.table(grades)
    header, *lines = text.splitlines()
    assert header.split() == ["submission", "ex01", "ex02", "ex03", "ex04", "ex05"]
    solved = next(line for line in lines if line.startswith("solved/ex01"))
    assert solved.split()[1:] == ["✔", "·", "·", "·", "·"]
    assert "3/12 passed" in text
    assert "✘ broken/ex05_crashes_the_kernel.ipynb ex05: the kernel died" in text


def test_cli_json_csv_and_exit_status(tmp_path, capsys):
    (tmp_path / "ex04_garbage.ipynb").write_text("{ not json")
    csv_path = tmp_path / "grades.csv"
    assert grader.main([tmp_path], csv_path=csv_path, as_json=True) == 1
    row = json.loads(capsys.readouterr().out.strip())
    assert row["submission"] == "ex04_garbage.ipynb" and row["exercise"] == "ex04"
    assert row["passed"] is False and "not a readable notebook" in row["message"]
    assert csv_path.read_text().splitlines()[0] == "submission,exercise,passed,message"

    assert grader.main([tmp_path / "missing"]) == 2
    assert "No such file or folder" in capsys.readouterr().out


def test_exit_status_is_zero_only_when_everything_passed(tmp_path, monkeypatch):
    (tmp_path / "ex01.ipynb").write_text("{}")
    passed = [grader.Grade("ex01.ipynb", "ex01", True, "fine")]
    monkeypatch.setattr(grader, "grade", lambda paths, limit_s, progress, jobs: passed)
    assert grader.main([tmp_path]) == 0
    monkeypatch.setattr(grader, "grade", lambda paths, limit_s, progress, jobs:
                        [*passed, grader.Grade("b", "ex02", False, "no")])
    assert grader.main([tmp_path]) == 1


@pytest.mark.notebook
def test_a_notebook_that_never_finishes_is_stopped_at_its_time_limit(tmp_path):
    # A kernel cannot interrupt a cell that awaits forever: only the notebook's limit ends it.
    nb = _solution("ex01_async_sleep.ipynb")
    _answer(nb).source = "await asyncio.sleep(3600)\n" + _answer(nb).source
    _write(tmp_path, "ex01_stuck.ipynb", nb)
    [row] = grader.grade([tmp_path], limit_s=8, cell_limit_s=4)
    assert not row.passed and row.message == "did not finish within 8 s"


def test_the_summary_counts_passed_failed_and_crashed():
    rows = [grader.Grade("a", "ex01", True, "ok"), grader.Grade("b", "ex01", False, "no"),
            grader.Grade("c", "ex02", False, "the kernel died", crashed=True)]
    assert grader.summary(rows, 95.2) == "3 graded: 1 passed, 1 failed, 1 crashed, in 95 s"


def test_a_notebook_of_no_known_exercise_is_a_failing_row(tmp_path):
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "homework.ipynb")
    rows = grader.grade([tmp_path], jobs=2)
    assert rows and not any(r.passed for r in rows)
    assert "cannot tell which exercise" in rows[0].message


def _fingerprint(exercise):
    namespace = {}
    exec(rebuild.FINGERPRINT_CODE, namespace)  # noqa: S102 - as the grading cell runs it
    return namespace["_course_fingerprint"](rebuild.judging_modules(exercise))


async def _fake_judge(context):
    return "fine"


def _cloned_judge():
    """The ex01 judge with its own code, name, defaults and closure, but other globals."""
    import types

    from course.grading.exercises import ex01

    judge = ex01.judge
    clone = types.FunctionType(judge.__code__, dict(vars(ex01), hidden_delays=_fake_judge),
                               judge.__name__, judge.__defaults__, judge.__closure__)
    clone.__qualname__, clone.__module__ = judge.__qualname__, judge.__module__
    return clone


def _swaps():
    """kind: (exercise, (owner, attribute, replacement)) — what a learner's cell could swap."""
    import dataclasses

    from course import _batch, loadtest, postgres, records
    from course.grading import judging
    from course.grading.exercises import ex02

    return {
        "a judge in the EXERCISES table": ("ex01", (EXERCISES, "ex01", dataclasses.replace(
            EXERCISES["ex01"], judge=_fake_judge))),
        "a judge cloned with other globals": ("ex01", (EXERCISES, "ex01", dataclasses.replace(
            EXERCISES["ex01"], judge=_cloned_judge()))),
        "a probe imported by name": ("ex02", (ex02, "require_async", lambda *a, **k: None)),
        "a function imported from another module": ("ex01", (judging, "get", _fake_judge)),
        "a default argument": ("ex01", (judging.require_overlap, "__defaults__", (False, None))),
        "a time limit": ("ex01", (judging, "BLOCKED_LAG_S", 99.0)),
        "a method of a class": ("ex01", (records.Run, "overlapping", lambda self: True)),
        "ex08's burst": ("ex08", (_batch, "send_together", _fake_judge)),
        "ex08's load-test clients": ("ex08", (loadtest.CLIENTS, "aiohttp", _fake_judge)),
        "ex08's PostgreSQL": ("ex08", (postgres, "cluster", _fake_judge)),
    }


@pytest.mark.parametrize("kind", list(_swaps()))
def test_the_fingerprint_sees_what_a_learner_could_swap(kind, monkeypatch):
    exercise, (owner, attribute, replacement) = _swaps()[kind]
    before = _fingerprint(exercise)
    if isinstance(owner, dict):
        monkeypatch.setitem(owner, attribute, replacement)
    else:
        monkeypatch.setattr(owner, attribute, replacement)
    assert _fingerprint(exercise) != before
    monkeypatch.undo()
    assert _fingerprint(exercise) == before


def test_the_fingerprint_is_the_same_in_every_process():
    import os
    import subprocess
    import sys

    code = ("from course.grading import rebuild; "
            "print(*(rebuild.expected_fingerprint(e) for e in ('ex01', 'ex08')))")
    here = " ".join(rebuild.expected_fingerprint(e) for e in ("ex01", "ex08"))
    for seed in ("1", "2"):  # a frozenset's order depends on the hash seed
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                             text=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert out.stdout.split() == here.split()
