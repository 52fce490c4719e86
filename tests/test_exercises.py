"""exercises/ is generated from solutions/: markers, stubs, drift, and never losing a learner's work."""

from pathlib import Path

import nbformat
import pytest

from course.__main__ import main as cli
from course.grading.exercises import EXERCISES
from course.tools import exercise_builder as exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_there_is_one_solution_notebook_per_exercise():
    names = sorted(e.notebook for e in EXERCISES.values())
    assert [p.name for p in SOLUTIONS] == names


def test_committed_exercises_match_a_fresh_generation():
    outcomes = exercises.build(verify_only=True)
    assert [o.action for o in outcomes] == ["unchanged"] * len(SOLUTIONS), (
        f"{outcomes}: run `make exercises` and commit exercises/")


def test_the_cli_check_reports_drift(tmp_path, capsys):
    assert cli(["exercises", "--verify"]) == 0
    assert "unchanged" in capsys.readouterr().out


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_answers_are_tagged_and_solutions_are_gone(path):
    solution = nbformat.read(path, as_version=4)
    exercise = exercises.generate(solution, path.name)
    answers = [c for c in exercise.cells if "answer" in c.metadata.get("tags", [])]
    assert answers, "no cell is tagged `answer`: the learner has nothing to edit"
    text = "\n".join(c.source for c in exercise.cells)
    for marker in (exercises.START, exercises.END, exercises.STUB):
        assert marker not in text
    assert exercise.metadata["course"]["exercise"] == path.stem[:4]
    assert "course.check(" in exercise.cells[-4].source + exercise.cells[-3].source


def test_strip_solution_keeps_the_stub_with_its_indentation():
    source = ("def view(request):\n    delay_s = 1\n    # SOLUTION START\n    return 'done'\n"
              "    # SOLUTION END\n    # STUB: raise NotImplementedError('todo')\n")
    assert exercises.strip_solution(source) == (
        "def view(request):\n    delay_s = 1\n    raise NotImplementedError('todo')")


@pytest.mark.parametrize("source, problem", [
    ("# SOLUTION START\nx = 1\n# STUB: x = None", "never closed"),
    ("x = 1\n# SOLUTION END\n# STUB: x = None", "without # SOLUTION START"),
    ("# SOLUTION START\nx = 1\n# SOLUTION END\ny = 2", "must be followed by"),
    ("# SOLUTION START\nx = 1\n# SOLUTION END", "has no `# STUB:"),
])
def test_misplaced_markers_are_errors_that_say_where(source, problem):
    with pytest.raises(exercises.MarkerError, match=problem):
        exercises.strip_solution(source, "ex99.ipynb, cell 3")


def test_markers_outside_an_answer_cell_are_refused():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# SOLUTION START\nx = 1\n# SOLUTION END\n# STUB: x = 0")])
    with pytest.raises(exercises.MarkerError, match="without the tag 'answer'"):
        exercises.generate(nb, "ex99.ipynb")


def _copy_solutions(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    for path in SOLUTIONS[:2]:
        (solutions / path.name).write_text(path.read_text())
    return solutions


def test_an_edited_exercise_is_skipped_unless_forced(tmp_path):
    solutions, target = _copy_solutions(tmp_path), tmp_path / "exercises"
    assert {o.action for o in exercises.build(solutions, target)} == {"written"}
    edited = target / SOLUTIONS[0].name
    nb = nbformat.read(edited, as_version=4)
    answer = next(c for c in nb.cells if "answer" in c.metadata.get("tags", []))
    answer.source += "\n# my work in progress"
    nbformat.write(nb, edited)
    mine = edited.read_text()

    # A newer solution would change the exercise: the learner's file is still kept.
    solution = nbformat.read(solutions / SOLUTIONS[0].name, as_version=4)
    solution.cells[0].source += "\n\nA clarified sentence."
    nbformat.write(solution, solutions / SOLUTIONS[0].name)
    outcomes = {o.path.name: o.action for o in exercises.build(solutions, target)}
    assert outcomes[edited.name].startswith("skipped: edited")
    assert edited.read_text() == mine
    assert outcomes[SOLUTIONS[1].name] == "unchanged"

    outcomes = {o.path.name: o.action for o in exercises.build(solutions, target, force=True)}
    assert outcomes[edited.name] == "written"
    assert "A clarified sentence." in edited.read_text()


def test_outputs_alone_do_not_count_as_an_edit(tmp_path):
    solutions, target = _copy_solutions(tmp_path), tmp_path / "exercises"
    exercises.build(solutions, target)
    path = target / SOLUTIONS[0].name
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="ran it\n")]
    nbformat.write(nb, path)
    assert not exercises.edited_by_learner(path)
    path.write_text("{ not a notebook")
    assert exercises.edited_by_learner(path)
