"""Helpers for the Django async views course: a small API that reads well in a cell.

    import course
    lab = course.setup()                         # embedded demo project, migrated, seeded

    @course.route("hello/")                      # mount a view from this cell
    async def hello(request): ...

    reply = await course.get("/hello/")          # through Django's real ASGI handler
    run = await course.measure("/hello/", n=3)   # three at once: start, end, thread
    course.timeline(run)                         # draw it
"""

from course.checks import check, check_all
from course.environment import environment
from course.invoke import RequestTimeout, client, get, request
from course.lab import setup
from course.load import latency_percentiles, load
from course.plots import compare, latency_plot, scale_plot, timeline, timelines
from course.raw_asgi import asgi_call
from course.records import Record, Run
from course.routes import route
from course.scenarios import run_scenario
from course.server import serve
from course.simulation import simulate
from course.timing import measure
from course.widgets import simulation_explorer, timeline_player

__all__ = [
    "Record", "RequestTimeout", "Run", "asgi_call", "check", "check_all", "client", "compare",
    "environment", "get",
    "latency_percentiles", "latency_plot", "load", "measure", "request", "route", "run_scenario",
    "scale_plot", "serve", "setup", "simulate", "simulation_explorer", "timeline",
    "timeline_player", "timelines",
]
