import pytest

import course
from course.records import Record, Run


def _run(n, title="run"):
    return Run(title, [Record(f"request {i + 1}", 0.0, 1.0 + i, f"t{i % 3}",
                              view_start_s=float(i)) for i in range(n)])


def test_timeline_draws_one_bar_per_request_and_the_wait():
    fig = course.timeline(_run(3))
    ax = fig.axes[0]
    assert len(ax.patches) == 3 + 2  # three views, two of which waited to start
    assert "total 3.00 s" in ax.get_title(loc="left")
    assert fig._repr_png_().startswith(b"\x89PNG")


def test_many_requests_drop_the_labels():
    fig = course.timeline(_run(500))
    assert fig.axes[0].get_yticks().size == 0
    assert "500 requests" in fig.axes[0].get_ylabel()


def test_timelines_share_one_time_axis():
    fig = course.timelines(_run(2, "a"), _run(4, "b"))
    assert len(fig.axes) == 2
    assert fig.axes[0].get_xlim() == fig.axes[1].get_xlim()


def test_timelines_needs_a_run():
    with pytest.raises(ValueError, match="at least one Run"):
        course.timelines()


def test_compare_labels_each_total():
    fig = course.compare(_run(2, "a"), _run(3, "b"), ideal_s=1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["2.00 s", "3.00 s"]


def test_latency_plot_has_a_panel_per_scenario():
    rows = [{"scenario": s, "requests": n, "p50": 1.0, "p95": 1.1, "p99": 1.2}
            for s in ("sync", "async") for n in (10, 100)]
    fig = course.charts.latency_plot(rows)
    assert [len(ax.lines) for ax in fig.axes] == [3, 3]


def test_scale_plot_draws_time_and_threads():
    rows = [{"scenario": s, "requests": n, "total_s": n / 100, "peak_threads": n}
            for s in ("sync", "async") for n in (10, 100)]
    fig = course.charts.scale_plot(rows)
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]


def test_an_empty_run_is_explained():
    with pytest.raises(ValueError, match="has no records"):
        course.timeline(Run("nothing", []))


def test_the_time_axis_can_be_named():
    fig = course.timelines(_run(2), xlabel="seconds since the tables sat down")
    assert fig.axes[-1].get_xlabel() == "seconds since the tables sat down"
