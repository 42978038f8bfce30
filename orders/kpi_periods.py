"""The period a KPI page shows, in the managers' time zone (`KPI_TIME_ZONE`, default Asia/Kolkata).

A period is a run of whole local days, `first` to `last` inclusive (Today and Yesterday are one day; "7 days" is
today and the six days before it). Its rollup grain is the hour when it spans at most two days, the day
otherwise. "Compare" sets it beside the period of the same length that ends the day before it starts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

PRESETS: dict[str, str] = {
    "today": "Today",
    "yesterday": "Yesterday",
    "7d": "7 days",
    "30d": "30 days",
    "90d": "90 days",
    "custom": "Custom range",
}
PRESET_DAYS = {"7d": 7, "30d": 30, "90d": 90}
DEFAULT_PRESET = "7d"
MAX_DAYS = 400  # a custom range longer than this is cut (the day rollups stay small to read)
HOUR = "h"
DAY = "d"


def zone() -> ZoneInfo:
    return ZoneInfo(settings.KPI_TIME_ZONE)


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), zone()).date()


def local_midnight(day: date) -> datetime:
    """The first instant of `day` in the KPI time zone (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone())


def bucket_starts(moment: datetime) -> tuple[datetime, datetime]:
    """The first instants of the local hour and of the local day `moment` falls in."""
    local = timezone.localtime(moment, zone())
    return _hour_of(local), local_midnight(local.date())


def hour_start(moment: datetime) -> datetime:
    """The first instant of the local hour `moment` falls in (`bucket_starts(moment)[0]`, without the day)."""
    return _hour_of(timezone.localtime(moment, zone()))


def _hour_of(local: datetime) -> datetime:
    return local.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return local_midnight(self.last + timedelta(days=1))

    @property
    def grain(self) -> str:
        return HOUR if self.days <= 2 else DAY

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def buckets(self) -> Iterator[datetime]:
        """The first instant of every bucket of the period's grain, in order (the x axis of its series)."""
        if self.grain == DAY:
            for i in range(self.days):
                yield local_midnight(self.first + timedelta(days=i))
            return
        at, end = self.start, self.end
        while at < end:
            yield timezone.localtime(at, zone())
            at += timedelta(hours=1)

    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%d %b %Y}"
        return f"{self.first:%d %b %Y} – {self.last:%d %b %Y}"


@dataclass(frozen=True)
class Choice:
    """What the picker chose, read from the URL (the URL holds the whole state of the page)."""

    preset: str
    period: Period
    merchant: str  # a merchant code, "" for all
    compare: bool
    problem: str = ""  # why a custom range was not taken as given

    @property
    def comparison(self) -> Period | None:
        return self.period.previous() if self.compare else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def choose(params: Mapping[str, str], *, today: date | None = None) -> Choice:
    """Read `period` (a preset), `from`/`to` (custom, local dates), `merchant` and `compare` from a query."""
    today = today or local_today()
    preset = params.get("period") or DEFAULT_PRESET
    if preset not in PRESETS:
        preset = DEFAULT_PRESET
    merchant = (params.get("merchant") or "").strip()
    compare = params.get("compare") in ("1", "on", "true")
    problem = ""
    if preset == "today":
        period = Period(today, today)
    elif preset == "yesterday":
        period = Period(today - timedelta(days=1), today - timedelta(days=1))
    elif preset == "custom":
        first, last = _date(params.get("from")), _date(params.get("to"))
        if first is None or last is None:
            problem = "Give both dates of the custom range (YYYY-MM-DD); showing the last 7 days."
            preset, period = DEFAULT_PRESET, Period(today - timedelta(days=6), today)
        else:
            if last < first:
                first, last = last, first
                problem = "The range's dates were the wrong way round; they have been swapped."
            if (last - first).days + 1 > MAX_DAYS:
                first = last - timedelta(days=MAX_DAYS - 1)
                problem = f"A range is at most {MAX_DAYS} days; showing the last {MAX_DAYS} days of it."
            period = Period(first, last)
    else:
        days = PRESET_DAYS[preset]
        period = Period(today - timedelta(days=days - 1), today)
    return Choice(preset=preset, period=period, merchant=merchant, compare=compare, problem=problem)
