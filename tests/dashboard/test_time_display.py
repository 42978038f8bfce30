"""Times in the person's zone with the exact UTC time on hover (dashboard/time_display.py, user_time_zone.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from dashboard.time_display import as_datetime, exact_utc, local_text, relative_text, time_html

MOMENT = datetime(2026, 12, 1, 10, 5, 14, tzinfo=UTC)


def test_a_time_shows_in_the_active_zone_with_utc_on_hover():
    with timezone.override("Asia/Kolkata"):
        html = str(time_html(MOMENT))
    assert html == ('<time datetime="2026-12-01T10:05:14Z" title="2026-12-01 10:05:14 UTC">2026-12-01 15:35 IST</time>')


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "2026-12-01 10:05:14 UTC"),
        ("America/New_York", "2026-12-01 05:05:14 EST"),
        ("Europe/Berlin", "2026-12-01 11:05:14 CET"),
        ("Asia/Tokyo", "2026-12-01 19:05:14 JST"),
        ("Pacific/Kiritimati", "2026-12-02 00:05:14 +14"),  # the next day there
    ],
)
def test_other_zones(zone, shown):
    with timezone.override(zone):
        assert local_text(MOMENT, seconds=True) == shown
    assert exact_utc(MOMENT) == "2026-12-01 10:05:14 UTC"


def test_summer_time_is_the_zone_rules_not_a_fixed_offset():
    july = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert local_text(july, zone_name="Europe/Berlin") == "2026-07-01 12:00 CEST"


def test_juspay_text_and_naive_times_are_read_as_utc():
    assert as_datetime("2026-12-01T10:05:14Z") == MOMENT
    assert as_datetime("2026-12-01 10:05:14") == MOMENT
    assert as_datetime("2026-12-01T15:35:14+05:30") == MOMENT
    assert as_datetime("yesterday") is None
    assert as_datetime(None) is None
    assert time_html("") == "—"


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(seconds=3), "just now"),
        (timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(days=2), "2 days ago"),
        (-timedelta(hours=2), "in 2 hours"),
    ],
)
def test_relative_times(offset, text):
    assert relative_text(MOMENT, now=MOMENT + offset) == text


def test_a_relative_time_names_the_local_and_utc_time_on_hover():
    with timezone.override("Asia/Kolkata"):
        html = str(time_html(MOMENT, relative=True, now=MOMENT + timedelta(minutes=5)))
    assert 'title="2026-12-01 15:35:14 IST · 2026-12-01 10:05:14 UTC"' in html
    assert ">5 minutes ago</time>" in html


def test_the_filters_need_no_load():
    with timezone.override("Asia/Kolkata"):
        html = Template("{{ t|when }} {{ t|when_s }} {{ none|when }}").render(Context({"t": MOMENT, "none": None}))
    assert "2026-12-01 15:35 IST</time>" in html
    assert "2026-12-01 15:35:14 IST</time>" in html
    assert html.endswith(" —")
