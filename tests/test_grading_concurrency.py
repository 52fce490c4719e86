"""Verdicts hold on a busy classroom machine: the five solutions and five wrong answers, graded
in six concurrent kernels while another process keeps a CPU core busy. Every solution must
pass and every wrong answer fail, for its own reason. Bounded: one grader run, ~2 minutes."""

import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course.grading import batch as grader

ROOT = Path(__file__).resolve().parent.parent
KERNELS = 6
WRONG = {  # file: (solution, old, new, words of the reason)
    "ex01_blocks.ipynb": ("ex01_async_sleep.ipynb", "await asyncio.sleep(delay_s)",
                          "__import__('time').sleep(delay_s)", "blocks the event loop"),
    "ex02_lazy.ipynb": ("ex02_database.ipynb",
                        'await sync_to_async(list)(Book.objects.values("title", "published"))',
                        '[b for b in await sync_to_async(Book.objects.values)("title", "published")]',
                        "SynchronousOnlyOperation"),
    "ex03_twice.ipynb": ("ex03_sync_vs_async.ipynb", 'course.measure("/ex03/sync/',
                         'course.measure("/ex03/async/', "ran on the event loop's thread"),
    "ex04_no_deadline.ipynb": ("ex04_upstream_apis.ipynb", "async with asyncio.timeout(DEADLINE_S):",
                               "if True:", "the deadline is DEADLINE_S"),
    "ex05_rewritten.ipynb": ("ex05_unblock.ipynb",
                             "report = await sync_to_async(legacy_report)(delay_s)",
                             "await __import__('asyncio').sleep(delay_s)\n    "
                             "report = {'report': 'ready', 'took_s': delay_s}",
                             "without running legacy_report"),
}


def _build(folder):
    for solution in sorted((ROOT / "solutions").glob("ex0[1-5]_*.ipynb")):
        (folder / solution.name).write_text(solution.read_text())
    for name, (solution, old, new, _) in WRONG.items():
        nb = nbformat.read(ROOT / "solutions" / solution, as_version=4)
        cells = [c for c in nb.cells if old in c.source and c.cell_type == "code"]
        assert len(cells) == 1, (name, old)
        cells[0].source = cells[0].source.replace(old, new)
        nbformat.write(nb, folder / name)


@pytest.mark.notebook
def test_six_kernels_beside_a_cpu_hog_judge_every_answer_right(tmp_path):
    _build(tmp_path)
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        started = time.monotonic()
        rows = {g.submission: g for g in grader.grade([tmp_path], jobs=KERNELS, limit_s=150)}
        seconds = time.monotonic() - started
    finally:
        hog.kill()
        hog.wait()
    print(grader.table(list(rows.values())), f"\n{len(rows)} notebooks in {seconds:.0f} s")
    solutions = [name for name in rows if name not in WRONG]
    assert len(solutions) == 5
    for name in solutions:
        assert rows[name].passed, rows[name]
    for name, (*_, reason) in WRONG.items():
        assert not rows[name].passed and reason in rows[name].message, rows[name]
