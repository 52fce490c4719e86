"""Thin ipywidgets fronts over the course's pure functions, for learners and the projector.

    course.widgets.simulation_explorer()     # sliders redraw the model; a button measures it for real
    course.widgets.timeline_player(run)      # step through a Run: what had happened at each moment

The logic lives in simulate(), run_scenario(), Run.events() and timeline(); these only wire
controls to them, so everything they show can also be produced by a cell without a click.
"""

import asyncio
import base64
import html

import ipywidgets as w
from IPython import get_ipython

from course.charts import timeline, timelines
from course.scenarios import run_scenario
from course.simulation import simulate

__all__ = ["simulation_explorer", "timeline_player"]

SLIDER_MAX = 12  # a click stays bounded: at most 12 requests (and workers) of at most 3 s
MAX_DELAY_S = 3.0


def _show(output, figure):
    """Make `output` show `figure`, and return the figure.

    The output is set directly rather than captured with `with output: display(...)`:
    capture only works while a widget callback is running, and the measurement draws
    later, from a task on the event loop."""
    shell = get_ipython()
    if shell is None:  # a plain Python process (tests): nothing to display into
        return figure
    data, metadata = shell.display_formatter.format(figure)
    data = {kind: base64.b64encode(value).decode() if isinstance(value, bytes) else value
            for kind, value in data.items()}
    output.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)
    return figure


def _settings_controls(requests, delay_s, workers, mode):
    """The four controls of a scenario: requests, delay, sync workers and the views' kind."""
    wide = {"description_width": "initial"}  # long labels are not cut off
    return (w.IntSlider(requests, 1, SLIDER_MAX, description="requests", style=wide),
            w.FloatSlider(delay_s, min=0.5, max=MAX_DELAY_S, step=0.5, description="delay (s)",
                          style=wide),
            w.IntSlider(workers or 1, 1, SLIDER_MAX, description="sync workers", style=wide),
            w.ToggleButtons(options=["sync", "async"], value=mode, description="views",
                            style=wide))


class SimulationExplorer(w.VBox):
    """Controls for (requests, delay, workers, mode): the model at once, the real thing on click."""

    def __init__(self, requests=3, delay_s=2.0, workers=1, mode="sync"):
        self.requests, self.delay_s, self.workers, self.mode = _settings_controls(
            requests, delay_s, workers, mode)
        self.button = w.Button(description="Measure for real", icon="play",
                               tooltip="run these requests through Django and draw them")
        self.status = w.HTML()
        self.picture = w.Output()
        self.task = None  # the measurement in flight, if any
        self.figure = None  # what the picture shows now
        for control in (self.requests, self.delay_s, self.workers, self.mode):
            control.observe(self._redraw, names="value")
        self.button.on_click(self._measure)
        controls = w.HBox([w.VBox([self.requests, self.delay_s]),
                           w.VBox([self.workers, self.mode])])
        super().__init__([controls, w.HBox([self.button, self.status]), self.picture])
        self._redraw()

    def settings(self):
        workers = self.workers.value if self.mode.value == "sync" else None
        return {"requests": self.requests.value, "delay_s": self.delay_s.value,
                "workers": workers, "mode": self.mode.value}

    def _redraw(self, change=None):
        self.workers.disabled = self.mode.value == "async"
        model = simulate(**self.settings())
        self.status.value = f"model: <b>{model.total_s:.1f} s</b> in total"
        self.figure = _show(self.picture, timeline(model))

    def _measure(self, button=None):
        """Start the measurement as a task on the running loop; the picture updates when done."""
        if self.task is not None and not self.task.done():
            self.status.value = "still measuring: wait for the current run to finish"
            return
        self.button.disabled = True
        self.status.value = "measuring…"
        self.task = asyncio.get_running_loop().create_task(self._measure_and_draw())

    async def _measure_and_draw(self):
        settings = self.settings()
        try:
            measured = await run_scenario(**settings)
        except Exception as error:  # show it in the widget: a callback's error has nowhere to go
            self.status.value = (f"<span style='color:#cf222e'>the measurement failed: "
                                 f"{html.escape(type(error).__name__)}: {html.escape(str(error))}"
                                 "</span>")
            return None
        finally:
            self.button.disabled = False
        model = simulate(**settings)
        self.status.value = (f"model <b>{model.total_s:.2f} s</b>, "
                             f"measured <b>{measured.total_s:.2f} s</b>")
        self.figure = _show(self.picture, timelines(model, measured))
        return measured


def simulation_explorer(requests=3, delay_s=2.0, workers=1, mode="sync"):
    """Return the interactive simulation: sliders for the model, a button for the measurement."""
    return SimulationExplorer(requests, delay_s, workers, mode)


class TimelinePlayer(w.VBox):
    """Play or step through a Run: the bars grow up to the current moment, with a caption."""

    def __init__(self, run, steps=40, interval_ms=150, xlabel=None):
        self.run, self.xlabel = run, xlabel
        self.moments = [run.total_s * i / steps for i in range(steps + 1)]
        self.play = w.Play(value=0, min=0, max=steps, interval=interval_ms, description="play")
        self.slider = w.IntSlider(0, 0, steps, description="moment", readout=False)
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.caption = w.HTML()
        self.picture = w.Output()
        self.slider.observe(self._redraw, names="value")
        super().__init__([w.HBox([self.play, self.slider]), self.caption, self.picture])
        self._redraw()

    def _redraw(self, change=None):
        now_s = self.moments[self.slider.value]
        happened = [text for at_s, text in self.run.events() if at_s <= now_s + 1e-9]
        latest = happened[-3:] if happened else ["nothing yet"]
        self.caption.value = (f"<b>{now_s:.2f} s</b>: " + html.escape("; ".join(latest)))
        kwargs = {"xlabel": self.xlabel} if self.xlabel else {}
        self.figure = _show(self.picture, timeline(self.run, now_s=now_s, **kwargs))


def timeline_player(run, *, steps=40, interval_ms=150, xlabel=None):
    """Return a player that steps through `run` moment by moment (▶ plays it)."""
    return TimelinePlayer(run, steps=steps, interval_ms=interval_ms, xlabel=xlabel)
