import asyncio
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from course import LoopLag
from course.cpu import Crunched, crunch, steps_for

STALL_S = 0.2


def test_lag_stays_small_while_the_loop_awaits(run):
    async def main():
        async with LoopLag() as lag:
            await asyncio.sleep(STALL_S)
        return lag

    lag = run(main())
    assert lag.worst_s < STALL_S / 2
    assert lag.ticks >= 5 and lag.elapsed_s >= STALL_S
    assert "worst loop lag" in repr(lag) and "LoopLag" in lag._repr_html_()


def test_lag_shows_a_blocking_call(run):
    async def main():
        async with LoopLag() as lag:
            await asyncio.sleep(0.02)
            time.sleep(STALL_S)  # holds the loop
            await asyncio.sleep(0.02)
        return lag

    assert run(main()).worst_s > STALL_S * 0.8


def test_lag_counts_a_stall_that_lasts_until_the_end(run):
    async def main():
        async with LoopLag() as lag:
            time.sleep(STALL_S)
        return lag

    assert run(main()).worst_s > STALL_S * 0.8


def test_lag_leaves_no_timer_behind(run):
    async def main():
        async with LoopLag() as lag:
            await asyncio.sleep(0.02)
        ticks = lag.ticks
        await asyncio.sleep(0.05)
        return ticks, lag.ticks

    before, after = run(main())
    assert before == after


@pytest.mark.parametrize("bad", [0, -1, "5ms", True, 100])
def test_intervals_are_checked(bad):
    with pytest.raises(ValueError, match="seconds"):
        LoopLag(interval_s=bad)


def test_crunch_is_a_fixed_amount_of_work():
    done = crunch(1_000)
    assert isinstance(done, Crunched)
    assert done.checksum == sum(i * i % 7 for i in range(1_000))
    assert done.thread == threading.current_thread().name
    assert "1,000 steps" in repr(done)


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True, 10**12])
def test_crunch_checks_steps(bad):
    with pytest.raises(ValueError, match="steps_for"):
        crunch(bad)


def test_steps_for_scales_with_time():
    short, long = steps_for(0.05), steps_for(0.2)
    assert 2 < long / short < 8  # about 4×, with room for a noisy machine
    with pytest.raises(ValueError, match="seconds"):
        steps_for(0)


def test_crunch_runs_in_a_process_pool():
    # spawn, as notebook 07 does: forking this multi-threaded test process may deadlock the child
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        done = pool.submit(crunch, 10).result(timeout=60)
    assert done.checksum == crunch(10).checksum
