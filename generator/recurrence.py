"""Expanding recurring activities into occurrences.

We expand rather than publish RRULEs alone: the building page, the door
notice and the digest all need concrete dates, and expanding once in the core
means the four consumers cannot disagree. The iCalendar feed still emits the
RRULE with EXDATE and RECURRENCE-ID overrides (see feeds), generated from the
same :class:`Recurrence`, so calendar apps see one series, not fifty events.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule

from .dates import WEEKDAYS_ZH
from .model import Occurrence, Recurrence, Status

_RR_WEEKDAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
_FREQ = {"day": rrule.DAILY, "week": rrule.WEEKLY, "month": rrule.MONTHLY}
_NTH_ZH = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", 5: "第五个", -1: "最后一个"}


def build_rrule(rec: Recurrence, first_start: datetime) -> rrule.rrule:
    """The dateutil rule for a recurrence, on naive wall-clock times."""
    naive = first_start.replace(tzinfo=None)
    kwargs: dict[str, object] = {
        "dtstart": naive,
        "interval": rec.interval,
        "until": datetime.combine(rec.until, naive.time()),
    }
    if rec.weekdays:
        if rec.every == "month" and rec.nth:
            kwargs["byweekday"] = [_RR_WEEKDAYS[d](rec.nth) for d in rec.weekdays]
        else:
            kwargs["byweekday"] = [_RR_WEEKDAYS[d] for d in rec.weekdays]
    return rrule.rrule(_FREQ[rec.every], **kwargs)  # type: ignore[arg-type]


def expand(
    activity_id: str,
    rec: Recurrence,
    first_start: datetime,
    duration: timedelta,
    tz: ZoneInfo,
    moved: dict[date, datetime],
    cancelled: dict[date, str],
    status: Status,
    status_note: str,
) -> tuple[Occurrence, ...]:
    """All occurrences in date order, exceptions applied.

    Times are wall-clock times in the site's zone, so a weekly 19:00 stays
    19:00 across any DST change (China has none today, other sites may).
    """
    result = []
    for naive in build_rrule(rec, first_start):
        day = naive.date()
        if day in rec.skip:
            continue
        key = day.isoformat()
        start = moved.get(day, naive)
        occ_status: Status = status
        note = status_note
        if day in cancelled:
            occ_status, note = "cancelled", cancelled[day]
        result.append(
            Occurrence(
                activity=activity_id,
                start=start.replace(tzinfo=tz),
                end=(start + duration).replace(tzinfo=tz),
                status=occ_status,
                note=note,
                key=key,
                moved_from=day if day in moved else None,
            )
        )
    result.sort(key=lambda o: o.start)
    return tuple(result)


def describe(rec: Recurrence, first_start: datetime, first_end: datetime) -> str:
    """The rule in Chinese, e.g. 每周二、周四 19:00–20:30."""
    days = "、".join(WEEKDAYS_ZH[d] for d in rec.weekdays)
    times = f"{first_start:%H:%M}–{first_end:%H:%M}"
    if rec.every == "day":
        head = "每天" if rec.interval == 1 else f"每 {rec.interval} 天"
    elif rec.every == "week":
        head = ("每" if rec.interval == 1 else f"每 {rec.interval} 周的") + (days or WEEKDAYS_ZH[first_start.weekday()])
    else:
        prefix = "每月" if rec.interval == 1 else f"每 {rec.interval} 个月"
        if rec.nth and rec.weekdays:
            head = f"{prefix}{_NTH_ZH.get(rec.nth, f'第{rec.nth}个')}{days}"
        else:
            head = f"{prefix} {first_start.day} 日"
    return f"{head} {times}（至 {rec.until.year}年{rec.until.month}月{rec.until.day}日）"
