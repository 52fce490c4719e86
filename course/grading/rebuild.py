"""What the grader runs: the pristine exercise with only the learner's `answer` cells, between
two cells that check the course's own functions are the ones the kernel calls.

    nb, note = rebuild(submitted, "ex01")     # note: '' or what differed from the exercise
    seal_cell("ex01"), grading_cell("ex01")   # first and last cells; both print a fingerprint
    expected_fingerprint("ex01")              # the same fingerprint, computed in the grader

A learner's code runs in the kernel being judged, so it could replace the course's check
functions; the fingerprint (_fingerprint.py: a hash of every function, class and constant the
judging modules hold, wherever it was defined, and of where the modules were loaded from) is
taken before the learner's cells and before and after the checks, and the grader compares each
with its own. See solutions/README.md for what
this does not prevent.
"""

import ast
import json
from pathlib import Path

import nbformat

from course.grading.exercises import EXERCISES

ROOT = Path(__file__).resolve().parents[2]
PRISTINE = ROOT / "exercises"
MARKER = "COURSE-GRADE-RESULT "  # the grading cell prints this, then JSON
SEAL_MARKER = "COURSE-GRADE-SEAL "  # the first cell prints this, then the fingerprint
CORE_MODULES = ["course.grading.checks", "course.grading.judging", "course.grading.probes",
                "course.grading.sources", "course.grading.exercises", "course._http",
                "course.timing", "course.records", "course._looplag", "course.routes"]


def _course_imports(module):
    """The course modules that `module`'s file imports: ["course.postgres", …]."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / module.replace(".", "/") / "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "course":
            for alias in node.names:  # `from course import postgres` names a module
                inner = f"{node.module}.{alias.name}"
                is_module = (ROOT / (inner.replace(".", "/") + ".py")).exists() or \
                    (ROOT / inner.replace(".", "/")).is_dir()
                found.add(inner if is_module else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("course.")}
    return found - {"course"}


def judging_modules(exercise):
    """The modules that judge `exercise`: the shared ones, exNN.py and its exNN_*.py helpers,
    and every course module these import, directly or not (what ex08 measures with, …)."""
    folder = ROOT / "course" / "grading" / "exercises"
    own = sorted(p.stem for p in folder.glob(f"{exercise}*.py"))
    todo = CORE_MODULES + [f"course.grading.exercises.{name}" for name in own]
    modules = []
    while todo:
        module = todo.pop(0)
        if module not in modules:
            modules.append(module)
            todo += sorted(_course_imports(module))
    return modules


# Runs inside the kernel (and in the grader): self-contained, defines _course_fingerprint().
FINGERPRINT_CODE = (Path(__file__).with_name("_fingerprint.py")).read_text(encoding="utf-8")


def expected_fingerprint(exercise):
    namespace = {}
    exec(FINGERPRINT_CODE, namespace)  # noqa: S102 - the course's own code, as the kernel runs it
    return namespace["_course_fingerprint"](judging_modules(exercise))


def seal_cell(exercise):
    return nbformat.v4.new_code_cell(
        FINGERPRINT_CODE + f"print({SEAL_MARKER!r} + "
        f"_course_fingerprint({judging_modules(exercise)!r}))")


def grading_cell(exercise):
    code = FINGERPRINT_CODE + (
        "import json as _grade_json\n"
        "import course.grading.checks as _grade_checks\n"
        f"_grade_modules = {judging_modules(exercise)!r}\n"
        "_grade_before = _course_fingerprint(_grade_modules)\n"
        f"_grade_table = _grade_checks.check_all([{exercise!r}], plot=False, hidden=True)\n"
        "_grade_rows = [r.as_dict() for r in _grade_table.results]\n"
        f"print({MARKER!r} + _grade_json.dumps({{'rows': _grade_rows, 'before': _grade_before,"
        " 'after': _course_fingerprint(_grade_modules)}))"
    )
    return nbformat.v4.new_code_cell(code)


def _answers(nb):
    return [c for c in nb.cells if "answer" in c.get("metadata", {}).get("tags", [])]


def _others(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells
            if "answer" not in c.get("metadata", {}).get("tags", [])]


def rebuild(submitted, exercise):
    """The pristine exercise notebook with the submitted answer cells; and what differed."""
    nb = nbformat.read(PRISTINE / EXERCISES[exercise].notebook, as_version=4)
    mine, slots = _answers(submitted), _answers(nb)
    notes = []
    if len(mine) != len(slots):
        notes.append(f"{len(mine)} answer cells instead of {len(slots)}: the exercise's own "
                     "placeholder was run for each one missing")
    for slot, cell in zip(slots, mine, strict=False):
        slot.source = cell.source
    if _others(submitted) != _others(nb):
        notes.append("cells other than `answer` differ from the exercise; the exercise's own "
                     "were run (put all your code in the answer cells)")
    nb.cells = [seal_cell(exercise), *nb.cells, grading_cell(exercise)]
    return nb, "; ".join(notes)


def results_of(nb, expected):
    """The rows the grading cell printed, or a reason (str) why they cannot be trusted."""
    seal, found = None, None
    for cell in (nb.cells[0], nb.cells[-1]):
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith(SEAL_MARKER):
                    seal = line[len(SEAL_MARKER):]
                elif line.startswith(MARKER):
                    found = json.loads(line[len(MARKER):])
            if output.get("output_type") == "error" and cell is nb.cells[-1]:
                return f"the grading cell raised {output.get('ename')}: {output.get('evalue')}"
    if found is None:
        return "the grading cell printed no results"
    if seal != expected:  # before any learner cell: the files differ from the grader's
        return ("the course's files changed while grading (the kernel loaded other judging "
                "code than the grader): grade this submission again")
    if {found["before"], found["after"]} != {expected}:
        return ("the course's check functions were replaced in the kernel (their code differs "
                "from the course's), so this submission cannot be graded")
    return found["rows"]
