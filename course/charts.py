"""Pictures of timing records: one function per picture, each returning a Figure.

    course.timeline(run)                    # one bar per request, coloured by thread
    course.timelines(model, measured)       # several runs, one above the other
    course.compare(run_a, run_b)            # total time of each run
    course.charts.scale_plot(rows)          # total time and threads as requests grow

Figures are built without pyplot's global state, so a cell shows each one exactly once,
and they draw themselves as PNG in Jupyter whether or not pyplot was ever imported.
"""

import io

import matplotlib
from matplotlib.figure import Figure as _MatplotlibFigure
from matplotlib.patches import Patch

__all__ = ["arrivals_plot", "compare", "latency_plot", "long_poll_plot", "scale_plot", "timeline",
           "timelines"]


class Figure(_MatplotlibFigure):
    """A matplotlib Figure that Jupyter displays as a PNG (and `.savefig` as usual)."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


QUEUE_COLOUR = "#d9d9d9"
LATE_COLOUR = "#f0f0f0"  # the view had returned, but the client had not got the answer yet
QUEUE_SHOWN_S = 0.05  # shorter waits before the view starts are not drawn
MANY = 40  # above this many records, drop per-bar labels and the thread legend
PALETTE = matplotlib.colormaps["tab10"].colors


def _thread_colours(run):
    return {thread: PALETTE[i % len(PALETTE)] for i, thread in enumerate(run.threads)}


def _bar(ax, y, start, end, now_s, **style):
    """Draw [start, end) on row y, cut at `now_s` when drawing a moment of the run."""
    end = end if now_s is None else min(end, now_s)
    if end > start:
        ax.barh(y, end - start, left=start, edgecolor="none", **style)


def _draw_timeline(ax, run, xmax=None, now_s=None):
    colours = _thread_colours(run)
    height = 0.7 if len(run.records) <= MANY else 1.0
    queued = late = False
    for y, record in enumerate(run.records):
        colour = colours.get(record.thread, "#888888")
        waited, delayed = _draw_record(ax, y, record, colour, height, now_s)
        queued, late = queued or waited, late or delayed
    _label_rows(ax, run.records, colours, queued, late)
    _mark_time(ax, run, xmax, now_s)


def _draw_record(ax, y, record, colour, height, now_s):
    """Draw one request's bars; return (it waited to start, its answer was delayed)."""
    began, ended = record.start_s, record.end_s
    queued = late = False
    # Time before the view started was spent waiting (for a worker, a thread, the loop).
    if record.view_start_s is not None and record.view_start_s - began > QUEUE_SHOWN_S:
        _bar(ax, y, began, record.view_start_s, now_s, height=height, color=QUEUE_COLOUR)
        began, queued = record.view_start_s, True
    # A blocked event loop (or a slow network) delays the answer after the view returned.
    if record.view_end_s is not None and record.end_s - record.view_end_s > QUEUE_SHOWN_S:
        ended, late = max(record.view_end_s, began), True
        _bar(ax, y, ended, record.end_s, now_s, height=height, color=LATE_COLOUR,
             hatch="///", linewidth=0)
    _bar(ax, y, began, ended, now_s, height=height, color=colour)
    return queued, late


def _label_rows(ax, records, colours, queued, late):
    """Label each row and add a legend of threads, or just count them when there are many."""
    ax.set_ylim(len(records) - 0.5, -0.5)
    if len(records) > MANY:
        ax.set_yticks([])
        ax.set_ylabel(f"{len(records)} requests")
        ax.text(0.99, 0.02, f"{len(colours)} threads", transform=ax.transAxes,
                ha="right", va="bottom", fontsize="small")
        return
    ax.set_yticks(range(len(records)), [r.label for r in records])
    if 0 < len(colours) <= len(PALETTE):
        handles = [Patch(color=c, label=t) for t, c in colours.items()]
        if queued:
            handles.append(Patch(color=QUEUE_COLOUR, label="waiting to start"))
        if late:
            handles.append(Patch(facecolor=LATE_COLOUR, hatch="///", label="answer delayed"))
        ax.legend(handles=handles, title="ran on", loc="upper left", bbox_to_anchor=(1.01, 1),
                  fontsize="small")


def _mark_time(ax, run, xmax, now_s):
    """A dashed line at the run's end, or a red one at `now_s`; the title says which."""
    if now_s is None:
        ax.axvline(run.total_s, color="black", linestyle="--", linewidth=1)
        ax.set_title(f"{run.title} — total {run.total_s:.2f} s", loc="left", fontsize="medium")
    else:
        ax.axvline(now_s, color="#cf222e", linewidth=1.5)
        ax.set_title(f"{run.title} — at {now_s:.2f} s", loc="left", fontsize="medium")
    ax.set_xlim(0, xmax or max(run.total_s * 1.08, 0.1))
    ax.grid(axis="x", alpha=0.3)


XLABEL = "seconds since the first request was sent"


def _check_runs(runs):
    for run in runs:
        if not getattr(run, "records", None):
            raise ValueError(f"Nothing to draw: {run!r} has no records. Did the measurement run?")


def timeline(run, *, xlabel=XLABEL, now_s=None):
    """Draw one Run as a timeline: one bar per request, time on x, colour = thread.

    With `now_s`, draw only what had happened by then, and a red line at that moment."""
    _check_runs([run])
    rows = min(len(run.records), MANY)
    fig = Figure(figsize=(8, 1.2 + 0.35 * rows), layout="constrained")
    ax = fig.subplots()
    xmax = max(run.total_s * 1.08, 0.1) if now_s is not None else None  # a steady axis
    _draw_timeline(ax, run, xmax=xmax, now_s=now_s)
    ax.set_xlabel(xlabel)
    return fig


def timelines(*runs, xlabel=XLABEL):
    """Draw several Runs one above the other on the same time axis."""
    if not runs:
        raise ValueError("timelines() needs at least one Run, e.g. timelines(model, measured).")
    _check_runs(runs)
    heights = [1.0 + 0.3 * min(len(r.records), MANY) for r in runs]
    fig = Figure(figsize=(8, sum(heights) + 0.6), layout="constrained")
    axes = fig.subplots(len(runs), 1, sharex=True, height_ratios=heights, squeeze=False)[:, 0]
    xmax = max(r.total_s for r in runs) * 1.08 or 0.1
    for ax, run in zip(axes, runs, strict=True):
        _draw_timeline(ax, run, xmax=xmax)
    axes[-1].set_xlabel(xlabel)
    return fig


def compare(*runs, ideal_s=None):
    """Bar chart of each Run's total time, with an optional dashed line at `ideal_s`.

    >>> course.compare(sync_run, async_run, ideal_s=2)
    """
    if not runs:
        raise ValueError("compare() needs at least one Run, e.g. compare(sync_run, async_run).")
    _check_runs(runs)
    fig = Figure(figsize=(8, 0.9 + 0.5 * len(runs)), layout="constrained")
    ax = fig.subplots()
    totals = [r.total_s for r in runs]
    bars = ax.barh(range(len(runs)), totals, color=PALETTE[: len(runs)])
    ax.bar_label(bars, labels=[f"{t:.2f} s" for t in totals], padding=3)
    ax.set_yticks(range(len(runs)), [r.title for r in runs])
    ax.invert_yaxis()
    if ideal_s is not None:
        ax.axvline(ideal_s, color="black", linestyle="--", linewidth=1,
                   label=f"ideal {ideal_s:.2f} s")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_xlim(0, max(totals + [ideal_s or 0]) * 1.2 or 1)
    ax.set_xlabel("total time for the whole batch (s)")
    return fig


def scale_plot(rows):
    """Total time and peak threads against the number of concurrent requests.

    `rows` are dicts with `scenario`, `requests`, `total_s` and `peak_threads`.
    """
    rows = list(rows)
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    time_ax, thread_ax = fig.subplots(1, 2)
    for i, scenario in enumerate(dict.fromkeys(r["scenario"] for r in rows)):
        mine = sorted((r for r in rows if r["scenario"] == scenario), key=lambda r: r["requests"])
        xs = [r["requests"] for r in mine]
        colour = PALETTE[i % len(PALETTE)]
        time_ax.plot(xs, [r["total_s"] for r in mine], "o-", color=colour, label=scenario)
        if any(r.get("peak_threads") is not None for r in mine):
            thread_ax.plot(xs, [r.get("peak_threads") for r in mine], "o-", color=colour,
                           label=scenario)
    for ax in (time_ax, thread_ax):
        ax.set_xscale("log")
        ax.set_xlabel("concurrent requests")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    time_ax.set_ylabel("total time (s)")
    time_ax.set_ylim(bottom=0)
    thread_ax.set_yscale("log")
    thread_ax.set_ylabel("peak threads alive")
    return fig


def latency_plot(rows, percentiles=("p50", "p95", "p99")):
    """Latency percentiles against concurrent requests, one panel per scenario.

    `rows` are dicts with `scenario`, `requests` and the percentile keys, in seconds.
    """
    rows = list(rows)
    scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
    if not scenarios:
        raise ValueError("latency_plot() needs rows with 'scenario', 'requests' and 'p50' etc.")
    fig = Figure(figsize=(5 * len(scenarios), 3.6), layout="constrained")
    axes = fig.subplots(1, len(scenarios), sharey=True, squeeze=False)[0]
    for ax, scenario in zip(axes, scenarios, strict=True):
        mine = sorted((r for r in rows if r["scenario"] == scenario), key=lambda r: r["requests"])
        xs = [r["requests"] for r in mine]
        for i, key in enumerate(percentiles):
            ax.plot(xs, [r[key] for r in mine], "o-", color=PALETTE[i], label=key)
        ax.set_xscale("log")
        ax.set_title(scenario, loc="left", fontsize="medium")
        ax.set_xlabel("concurrent requests")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    axes[0].set_ylabel("latency (s)")
    axes[0].set_ylim(bottom=0)
    return fig


def arrivals_plot(*titled_results):
    """When each streamed event was made by the view and when it reached the client.

    >>> course.charts.arrivals_plot(("async generator", streamed), ("sync generator", buffered))

    Each result is a dict with `events`: dicts with `n`, `made_s` and `arrived_s`.
    """
    if not titled_results:
        raise ValueError("arrivals_plot() needs (title, result) pairs.")
    fig = Figure(figsize=(8, 1.2 + 1.6 * len(titled_results)), layout="constrained")
    axes = fig.subplots(len(titled_results), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (title, result) in zip(axes, titled_results, strict=True):
        events = result["events"]
        rows = range(len(events))
        made = [e["made_s"] for e in events]
        arrived = [e["arrived_s"] for e in events]
        ax.hlines(rows, made, arrived, color="#bbbbbb", linewidth=3)
        ax.scatter(made, rows, marker="|", s=200, color="black", label="made by the view")
        ax.scatter(arrived, rows, color="tab:blue", zorder=3, label="arrived at the client")
        ax.set_yticks(rows, [f"event {e['n']}" for e in events])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_title(title, loc="left", fontsize="medium")
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    axes[-1].set_xlabel("seconds since the request was sent")
    return fig


def long_poll_plot(run, published_s, *, title="long polling: waiters and a publish"):
    """Long-poll requests as bars (blue: got the event, orange: 204 no news) and the publish."""
    _check_runs([run])
    records = run.records
    fig = Figure(figsize=(8, 1.2 + 0.4 * len(records)), layout="constrained")
    ax = fig.subplots()
    outcome = {200: ("tab:blue", "answered with the event"), 204: ("tab:orange", "204: no news")}
    for row, record in enumerate(records):
        colour, label = outcome.get(record.status, ("grey", str(record.status)))
        ax.barh(row, record.duration_s, left=record.start_s, height=0.6, color=colour, label=label)
    ax.axvline(published_s, color="tab:red", linewidth=2, label="publish")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one legend entry per outcome
    ax.legend(unique.values(), unique.keys(), loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_yticks(range(len(records)), [record.label for record in records])
    ax.set_ylim(len(records) - 0.5, -0.5)
    ax.set_xlim(0, max(record.end_s for record in records) * 1.05)
    ax.set_title(title, loc="left", fontsize="medium")
    ax.set_xlabel(XLABEL)
    ax.grid(axis="x", alpha=0.3)
    return fig
