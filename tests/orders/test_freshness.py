from datetime import timedelta

from orders.freshness import sync_interval


def test_open_orders_are_polled_more_often_the_younger_they_are():
    young = sync_interval(timedelta(minutes=10), is_open=True)
    day_old = sync_interval(timedelta(hours=5), is_open=True)
    week_old = sync_interval(timedelta(days=3), is_open=True)
    ancient = sync_interval(timedelta(days=30), is_open=True)
    assert young < day_old < week_old < ancient
    assert young == timedelta(minutes=1)


def test_terminal_orders_are_rechecked_daily():
    assert sync_interval(timedelta(minutes=1), is_open=False) == timedelta(hours=24)


def test_failures_back_off_exponentially_up_to_a_cap():
    base = sync_interval(timedelta(minutes=1), is_open=True)
    assert sync_interval(timedelta(minutes=1), is_open=True, failures=1) == base * 2
    assert sync_interval(timedelta(minutes=1), is_open=True, failures=3) == base * 8
    assert sync_interval(timedelta(minutes=1), is_open=True, failures=50) == timedelta(hours=6)
