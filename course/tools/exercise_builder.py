"""Generate exercises/ from solutions/: the solution notebooks are the single source.

    python -m course exercises            # regenerate exercises/, skipping edited ones
    python -m course exercises --force    # overwrite them anyway
    python -m course exercises --verify   # exit 1 if exercises/ differ from solutions/

In a solution notebook, learner-editable cells carry the cell tag `answer`. Inside them the
solution sits between two marker lines, and the stub the learner starts from follows as
`# STUB:` comment lines:

    # SOLUTION START
    await asyncio.sleep(delay_s)
    # SOLUTION END
    # STUB: raise NotImplementedError("wait delay_s seconds with asyncio.sleep")

The exercise keeps the stub (uncommented) and drops the solution. Each generated notebook
stores a hash of its own cells, so a learner's edits are detected and never overwritten
without --force.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]  # the course folder: course/tools/ is two levels down
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
ANSWER_TAG = "answer"
START, END, STUB = "# SOLUTION START", "# SOLUTION END", "# STUB:"


class MarkerError(ValueError):
    """A solution notebook's markers are misplaced (the message names the cell)."""


def strip_solution(source, where="cell"):
    """Return `source` with each solution region removed and its `# STUB:` lines uncommented.

    >>> strip_solution("x = 1\\n# SOLUTION START\\nx = 2\\n# SOLUTION END\\n# STUB: x = None")
    'x = 1\\nx = None'
    """
    kept, inside, stubs_expected = [], False, False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == START:
            if inside:
                raise MarkerError(f"{where}, line {number}: {START} inside another solution "
                                  f"region; close the first with {END}.")
            inside = True
        elif marker == END:
            if not inside:
                raise MarkerError(f"{where}, line {number}: {END} without {START} before it.")
            inside, stubs_expected = False, True
        elif inside:
            continue
        elif marker.startswith(STUB):
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + marker[len(STUB):].strip())
            stubs_expected = False
        else:
            if stubs_expected:
                raise MarkerError(f"{where}, line {number}: a solution region must be followed "
                                  f"by at least one `{STUB} …` line, the learner's starting point.")
            kept.append(line)
    if inside:
        raise MarkerError(f"{where}: {START} is never closed by {END}.")
    if stubs_expected:
        raise MarkerError(f"{where}: the last solution region has no `{STUB} …` line after it.")
    return "\n".join(kept)


def content_hash(nb):
    """A hash of what a learner can edit: cell types and sources (not outputs, not metadata)."""
    cells = [[cell.cell_type, cell.source] for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def generate(solution, source_name="solution"):
    """Return the exercise notebook made from the solution notebook `solution` (a copy)."""
    nb = nbformat.from_dict(json.loads(json.dumps(solution)))  # deep copy, same node types
    for index, cell in enumerate(nb.cells):
        has_markers = any(m in cell.source for m in (START, END, STUB))
        if cell.cell_type != "code" or ANSWER_TAG not in cell.metadata.get("tags", []):
            if has_markers:
                raise MarkerError(f"{source_name}, cell {index}: solution markers in a cell "
                                  f"without the tag {ANSWER_TAG!r}; tag it or remove them.")
            continue
        cell.source = strip_solution(cell.source, f"{source_name}, cell {index}")
        cell.outputs, cell.execution_count = [], None
    meta = nb.metadata.setdefault("course", {})
    meta["generated_from"] = f"solutions/{source_name}"
    meta["generated_sha256"] = content_hash(nb)
    return nb


def text_of(nb):
    return nbformat.writes(nb) + "\n"


def edited_by_learner(path):
    """True when `path` is no longer what was generated (or is unreadable as a notebook)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # not JSON, not a notebook: someone's file, don't touch it
        return True
    stored = nb.metadata.get("course", {}).get("generated_sha256")
    return stored != content_hash(nb)


@dataclass
class Outcome:
    path: Path
    action: str  # "written", "unchanged", "skipped: …", "differs"

    def __repr__(self):
        return f"{self.path.name}: {self.action}"


def build(solutions=SOLUTIONS, exercises=EXERCISES, *, force=False, verify_only=False):
    """Regenerate every exercise; return one Outcome per solution notebook.

    An exercise a learner edited is skipped (unless `force`); `verify_only` writes nothing
    and reports "differs" for each exercise that a fresh generation would change.
    """
    outcomes = []
    exercises.mkdir(parents=True, exist_ok=True)
    for source in sorted(Path(solutions).glob("*.ipynb")):
        target = Path(exercises) / source.name
        fresh = text_of(generate(nbformat.read(source, as_version=4), source.name))
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == fresh:
            outcomes.append(Outcome(target, "unchanged"))
        elif verify_only:
            outcomes.append(Outcome(target, "differs"))
        elif current is not None and not force and edited_by_learner(target):
            outcomes.append(Outcome(target, "skipped: edited since it was generated "
                                            "(keep your work, or use --force to overwrite it)"))
        else:
            target.write_text(fresh, encoding="utf-8")
            outcomes.append(Outcome(target, "written"))
    return outcomes


def main(*, force=False, verify_only=False):
    outcomes = build(force=force, verify_only=verify_only)
    if not outcomes:
        print(f"No solution notebooks found in {SOLUTIONS}.")
        return 1
    for outcome in outcomes:
        print(f"exercises/{outcome!r}")
    bad = [o for o in outcomes if o.action == "differs" or o.action.startswith("skipped")]
    return 1 if bad else 0
