"""The widgets are a thin layer: they redraw from pure functions, and a click measures."""

import asyncio

import course
from course.records import Record, Run


def test_explorer_draws_the_model_at_once_and_on_every_change():
    explorer = course.widgets.simulation_explorer(requests=3, delay_s=2.0, workers=1)
    assert "6.0 s" in explorer.status.value
    assert "total 6.00 s" in explorer.figure.axes[0].get_title(loc="left")
    explorer.workers.value = 3
    assert "2.0 s" in explorer.status.value
    explorer.mode.value = "async"
    assert explorer.workers.disabled and explorer.settings()["workers"] is None


def test_the_button_measures_for_real_and_draws_both(lab):
    explorer = course.widgets.simulation_explorer(requests=3, delay_s=0.5, mode="async")

    async def click_and_wait():
        explorer.button.click()
        explorer.button.click()  # a second click while measuring is refused politely
        assert "still measuring" in explorer.status.value
        return await explorer.task

    measured = asyncio.run(click_and_wait())
    assert measured.overlapping() and measured.threads == ["MainThread"]
    assert "measured" in explorer.status.value and not explorer.button.disabled
    assert len(explorer.figure.axes) == 2  # the model above the measurement


def test_a_failed_measurement_is_shown_in_the_widget(lab, monkeypatch):
    explorer = course.widgets.simulation_explorer(requests=2, delay_s=0.5, mode="async")

    async def broken(**settings):
        raise RuntimeError("no server today")

    monkeypatch.setattr("course.widgets.run_scenario", broken)

    async def click_and_wait():
        explorer.button.click()
        return await explorer.task

    assert asyncio.run(click_and_wait()) is None
    assert "no server today" in explorer.status.value and not explorer.button.disabled


def test_run_scenario_matches_the_model_it_measures(lab, run):
    one_worker = run(course.scenarios.run_scenario(requests=2, delay_s=0.4, workers=1))
    async_run = run(course.scenarios.run_scenario(requests=2, delay_s=0.4, mode="async"))
    assert not one_worker.overlapping() and one_worker.threads == ["waitress-0"]
    assert async_run.overlapping()
    assert one_worker.total_s > 1.5 * async_run.total_s


def test_player_steps_through_the_story():
    run = Run("r", [Record("a", 0.0, 1.0, "t"), Record("b", 0.0, 2.0, "t", view_start_s=1.0)])
    assert [text for _, text in run.events()] == [
        "a starts on t", "b arrives and waits", "a is done", "b starts on t", "b is done"]
    player = course.widgets.timeline_player(run, steps=4)
    assert "nothing yet" not in player.caption.value  # at 0 s, a has started
    player.slider.value = 4
    assert "b is done" in player.caption.value and "2.00 s" in player.caption.value
    assert "at 2.00 s" in player.figure.axes[0].get_title(loc="left")


def test_a_moment_of_a_timeline_cuts_the_bars():
    run = Run("r", [Record("a", 0.0, 2.0, "t")])
    fig = course.timeline(run, now_s=0.5)
    bar = fig.axes[0].patches[0]
    assert bar.get_width() == 0.5 and "at 0.50 s" in fig.axes[0].get_title(loc="left")
