"""Helpers for the Django async views course: a small API that reads well in a cell.

    import course
    lab = course.setup()                              # embedded demo project, migrated, seeded

    @course.route("hello/")                           # mount a view from this cell
    async def hello(request): ...

    reply = await course.get("/hello/")               # through Django's real ASGI handler
    run = await course.measure("/hello/", requests=3) # three at once: start, end, thread
    course.timeline(run)                              # draw it

The rest lives in named modules: `course.asgi` (clients, raw ASGI calls), `course.loadtest`,
`course.charts`, `course.widgets`, `course.scenarios`, `course.cpu`,
`course.routes`, `course.grading` (checks, grader); `course.tools` is for maintainers.
"""

import importlib

from course._http import get
from course._looplag import LoopLag
from course.charts import compare, timeline, timelines
from course.grading.checks import check
from course.lab import setup
from course.readiness import environment
from course.records import Record, Run
from course.routes import route
from course.server import serve
from course.simulation import simulate
from course.timing import measure

__all__ = [
    "LoopLag", "Record", "Run", "check", "compare", "environment", "get", "measure", "route", "serve",
    "setup", "simulate", "timeline", "timelines",
]

# Named public modules, imported on first use: `course.asgi.client()` works after `import course`.
PUBLIC_MODULES = ("asgi", "budget", "charts", "cpu", "grading", "loadtest", "postgres",
                  "routes", "scenarios", "widgets")


def __getattr__(name):
    if name in PUBLIC_MODULES:
        return importlib.import_module(f"course.{name}")
    raise AttributeError(f"module 'course' has no attribute {name!r}. The course's names are "
                         f"{', '.join(__all__)}; more live in course.{{{', '.join(PUBLIC_MODULES)}}}.")
