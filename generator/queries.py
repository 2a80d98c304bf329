"""The questions every face asks of the model, answered in one place.

"What is on for building B between D1 and D2?" is asked by the building page,
the door notice, the building's calendar feed and the chat-group digest; they
all call :func:`for_building`, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .model import Activity, Occurrence, Site


@dataclass(frozen=True)
class Item:
    """An occurrence with its activity, the unit every list shows."""

    occurrence: Occurrence
    activity: Activity

    @property
    def start(self) -> datetime:
        return self.occurrence.start


def window(start: date, days: int) -> tuple[date, date]:
    """[start, end] inclusive: ``days`` calendar days from ``start``."""
    return start, start + timedelta(days=max(days, 1) - 1)


def items(site: Site, activities: Iterable[Activity], first: date | None = None, last: date | None = None) -> list[Item]:
    """Occurrences of the given activities within [first, last], by start
    (those that overlap the window: started before its end, end after its start)."""
    result = []
    if first is None or last is None:
        result = [Item(o, a) for a in activities for o in a.occurrences]
    else:
        # Bounds computed once: this runs per building for the page, the
        # notice, the calendar and the digest (10^7 occurrences at district scale).
        tz = site.tz
        lo = datetime.combine(first, time.min, tz)
        hi = datetime.combine(last + timedelta(days=1), time.min, tz)
        result = [Item(o, a) for a in activities for o in a.occurrences if o.start < hi and o.end > lo]
    result.sort(key=lambda i: (i.occurrence.start, i.activity.id, i.occurrence.key))
    return result


def for_building(site: Site, building_id: str, first: date | None = None, last: date | None = None) -> list[Item]:
    """What the residents of a building are invited to, within [first, last]."""
    ids = site.activities_by_building.get(building_id, ())
    return items(site, (site.activities[i] for i in ids), first, last)


def upcoming(site: Site, activities: Iterable[Activity] | None = None) -> list[Item]:
    """Occurrences that have not ended before today (site time zone)."""
    today = datetime.combine(site.today, time.min, site.tz)
    acts = site.activities.values() if activities is None else activities
    return [i for i in items(site, acts) if i.occurrence.end > today]


def past(site: Site, activities: Iterable[Activity] | None = None) -> list[Item]:
    today = datetime.combine(site.today, time.min, site.tz)
    acts = site.activities.values() if activities is None else activities
    return [i for i in reversed(items(site, acts)) if i.occurrence.end <= today]


def next_lecture(site: Site) -> Item | None:
    for item in upcoming(site, (a for a in site.activities.values() if a.lecture)):
        if not item.occurrence.cancelled:
            return item
    return None


def lectures(site: Site) -> list[Activity]:
    return [a for a in site.activities.values() if a.lecture]
