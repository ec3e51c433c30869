"""The scenario clock: an exercise set at any date runs at real time, a multiple of it, or a step
at a time, and never goes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jprcc.core.clock import MAX_SPEED, ManualClock, ScenarioClock

START = datetime(2011, 3, 21, 23, 40, tzinfo=UTC)  # a past night: the article's shoot-down


class Wall:
    """Real time, moved by the test."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_it_starts_at_the_scenario_date_not_today():
    clock = ScenarioClock(START, wall=Wall())
    assert clock() == START


def test_at_real_time_a_real_minute_is_a_scenario_minute():
    wall = Wall()
    clock = ScenarioClock(START, wall=wall)
    wall.t += 60
    assert clock() == START + timedelta(minutes=1)


def test_at_ten_times_real_time_a_real_minute_is_ten_scenario_minutes():
    wall = Wall()
    clock = ScenarioClock(START, speed=10, wall=wall)
    wall.t += 60
    assert clock() == START + timedelta(minutes=10)


def test_stopped_it_moves_only_a_step_at_a_time():
    wall = Wall()
    clock = ScenarioClock(START, speed=0, wall=wall)
    wall.t += 3600
    assert clock() == START
    clock.advance(timedelta(minutes=15))
    wall.t += 3600
    assert clock() == START + timedelta(minutes=15)


def test_a_change_of_speed_keeps_the_time_already_run():
    wall = Wall()
    clock = ScenarioClock(START, speed=2, wall=wall)
    wall.t += 30  # one scenario minute
    assert clock.set_speed(60) == START + timedelta(minutes=1)
    wall.t += 1  # one more
    assert clock() == START + timedelta(minutes=2)
    clock.set_speed(0)
    wall.t += 100
    assert clock() == START + timedelta(minutes=2)


def test_it_never_goes_back():
    wall = Wall()
    clock = ScenarioClock(START, wall=wall)
    wall.t += 600
    with pytest.raises(ValueError, match="never goes back"):
        clock.advance(timedelta(seconds=-1))
    assert clock.advance_to(START) == START + timedelta(minutes=10)  # a time already past: no change
    assert clock.advance_to(START + timedelta(hours=1)) == START + timedelta(hours=1)


@pytest.mark.parametrize("speed", [-1, MAX_SPEED + 1])
def test_a_speed_out_of_range_is_refused_by_name(speed):
    with pytest.raises(ValueError, match="speed must be between 0 and 3600"):
        ScenarioClock(START, speed=speed)


def test_a_clock_keeps_utc_aware_time():
    with pytest.raises(ValueError, match="UTC-aware"):
        ScenarioClock(datetime(2011, 3, 21, 23, 40))
    local = datetime(2011, 3, 22, 1, 40, tzinfo=timezone(timedelta(hours=2)))
    assert ScenarioClock(local, wall=Wall())().utcoffset() == timedelta(0)
    assert ManualClock(local)() == START + timedelta(hours=0)


@given(
    steps=st.lists(
        st.tuples(st.floats(0, 1e4), st.sampled_from(["wait", "speed", "advance"]), st.floats(0, 100)),
        max_size=40,
    )
)
def test_whatever_is_done_to_it_its_time_never_decreases_and_adds_up(steps):
    wall = Wall()
    clock = ScenarioClock(START, speed=1, wall=wall)
    expected = 0.0  # scenario seconds since the start, computed independently
    speed = 1.0
    last = clock()
    for dt, what, value in steps:
        wall.t += dt
        expected += dt * speed
        if what == "speed":
            speed = value
            clock.set_speed(value)
        elif what == "advance":
            expected += value
            clock.advance(timedelta(seconds=value))
        now = clock()
        assert now >= last
        assert abs((now - START).total_seconds() - expected) <= 1e-3 * max(1.0, expected) ** 0.5 + 1e-3
        last = now
