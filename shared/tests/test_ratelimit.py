"""The public form's sliding windows, on a clock the test moves."""

from __future__ import annotations

from gongkai.shared.ratelimit import SlidingWindow, contact_key


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_goes_on_up_to_its_limit_then_waits_until_the_oldest_hit_leaves_the_window():
    clock = Clock()
    window = SlidingWindow(2, 60, clock=clock)
    assert window.retry_after("a") is None and window.retry_after("a") is None
    assert window.retry_after("a") == 61
    assert window.retry_after("b") is None  # another key counts on its own
    clock.now += 30
    assert window.retry_after("a") == 31
    clock.now += 31
    assert window.retry_after("a") is None


def test_the_window_forgets_the_oldest_keys_past_its_bound():
    window = SlidingWindow(1, 60, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        assert window.retry_after(key) is None
    assert window.retry_after("a") is None  # forgotten, so counted afresh
    assert window.retry_after("c") is not None


def test_a_contact_is_one_key_however_it_is_written():
    assert contact_key("010-1234 5678", " Zhang@Example.org ") == contact_key("01012345678", "zhang@example.org")
    assert contact_key(None, None) is None and contact_key("", "  ") is None
