import pytest

from course import simulate
from course.simulation import ideal_total_s


def test_one_sync_worker_queues_the_seeds_three_requests():
    model = simulate(requests=3, delay_s=2, workers=1)
    assert model.total_s == 6
    assert [r.view_start_s for r in model.records] == [0, 2, 4]
    assert all(r.start_s == 0 for r in model.records)  # all arrive together
    assert model.threads == ["worker 1"]


def test_async_requests_wait_together_on_one_loop():
    model = simulate(requests=3, delay_s=2, mode="async")
    assert model.total_s == 2
    assert model.threads == ["event loop"]
    assert model.overlapping()


@pytest.mark.parametrize(("requests", "workers", "expected"),
                         [(3, 2, 4), (4, 2, 4), (5, 2, 6), (3, None, 2), (1, 1, 2), (10, 3, 8)])
def test_total_is_rounds_of_delay(requests, workers, expected):
    model = simulate(requests=requests, delay_s=2, workers=workers)
    assert model.total_s == expected == ideal_total_s(requests, 2, workers)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"requests": 0}, "requests must be a whole number"),
    ({"requests": "3"}, "requests must be a whole number"),
    ({"requests": True}, "requests must be a whole number"),
    ({"delay_s": -1}, "delay_s must be a number"),
    ({"delay_s": "2"}, "delay_s must be a number"),
    ({"workers": 0}, "workers must be a whole number"),
    ({"mode": "threads"}, "mode must be one of"),
])
def test_bad_input_says_what_is_expected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate(**kwargs)
