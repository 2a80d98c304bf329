"""The questions every face asks of the model, answered in one place.

"What is on for building B between D1 and D2?" is asked by the building page,
the door notice, the building's calendar feed and the chat-group digest; they
all call :func:`for_building` (a door of one entrance :func:`for_door`, which
filters it), so they cannot disagree.
"""

from __future__ import annotations

import bisect
import functools
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Generic, TypeVar

from .model import Activity, Occurrence, Site


@dataclass(frozen=True)
class Item:
    """An occurrence with its activity, the unit every list shows."""

    occurrence: Occurrence
    activity: Activity

    @property
    def start(self) -> datetime:
        return self.occurrence.start


# When a day's lists start to matter: 08:00 in the site's zone, when the
# grid worker prints and posts the door notices and residents look at the
# site. An occurrence that began on an earlier day and ends by then (a New
# Year's Eve party, 12-31 23:00 to 01-01 00:30) is over before anyone reads
# a list made for that day: it is not coming on that day, and no window
# starting that day lists it (it is past). One that is still on later in the
# day (an exhibition from 12-30 to 01-03) is listed. One that starts on the
# day itself is listed whatever its hours: the day is on the notice.
DAY_STARTS = time(8, 0)


def over_by(site: Site, start: datetime, end: datetime, day: date) -> bool:
    """Whether what runs from ``start`` to ``end`` is over for a list made
    for ``day`` (see DAY_STARTS): it began before that day and ends by
    DAY_STARTS on it."""
    midnight, morning = _day_marks(day, site.tz)
    return start < midnight and end <= morning


@functools.lru_cache(maxsize=16)
def _day_marks(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    # Asked for every occurrence of every building page at district scale
    # (hundreds of thousands of times, always for today): made once.
    return datetime.combine(day, time.min, tz), datetime.combine(day, DAY_STARTS, tz)


def is_over(site: Site, occurrence: Occurrence) -> bool:
    """Past as of today (site.today): the complement of :func:`upcoming`."""
    return over_by(site, occurrence.start, occurrence.end, site.today)


def window(start: date, days: int) -> tuple[date, date]:
    """[start, end] inclusive: ``days`` calendar days from ``start``."""
    return start, start + timedelta(days=max(days, 1) - 1)


def items(site: Site, activities: Iterable[Activity], first: date | None = None, last: date | None = None) -> list[Item]:
    """Occurrences of the given activities within [first, last], by start
    (those that overlap the window: started before its end, end after its
    start; less those over by DAY_STARTS on its first day)."""
    if first is not None and last is not None:
        # Few of the occurrences are in a window: made from scratch, only
        # those are made into Items (faster than picking them from the
        # timeline, 0.05 against 0.11 ms a building at bench scale L).
        return _items(site, activities, first, last)
    chosen = list(activities)
    timeline = _TIMELINES(site)
    if any(timeline.activities.get(a.id) is not a for a in chosen):  # not this model's activities
        return _items(site, chosen, None, None)
    places = [i for a in chosen for i in timeline.places[a.id]]
    places.sort()
    every = timeline.items
    return [every[i] for i in places]


def _bounds(site: Site, first: date, last: date) -> tuple[datetime, datetime, datetime]:
    """The window's start, end, and the time on its first day by which an
    occurrence begun earlier must still be on (DAY_STARTS)."""
    tz = site.tz
    return (datetime.combine(first, time.min, tz), datetime.combine(last + timedelta(days=1), time.min, tz),
            datetime.combine(first, DAY_STARTS, tz))


def _order(item: Item) -> tuple[datetime, str, str]:
    return (item.occurrence.start, item.activity.id, item.occurrence.key)


def _items(site: Site, activities: Iterable[Activity], first: date | None, last: date | None) -> list[Item]:
    """:func:`items` made from scratch (and the definition of its order)."""
    if first is None or last is None:
        result = [Item(o, a) for a in activities for o in a.occurrences]
    else:
        lo, hi, morning = _bounds(site, first, last)
        # Begun in the window, or earlier and still on after DAY_STARTS.
        result = [Item(o, a) for a in activities for o in a.occurrences if o.start < hi and (o.start >= lo or o.end > morning)]
    result.sort(key=_order)
    return result


class _Timeline:
    """Every occurrence of a model's activities as an :class:`Item`, made
    once, in :func:`items` order, and where each activity's are in it.

    Why: the building page asks :func:`for_building` for everything its
    residents were ever invited to (bench scale L: ~480 occurrences, 2,000
    buildings), and the lists of coming and past activities ask for every
    occurrence of the site (12,260), on many pages. Each answer made an Item
    of each occurrence and sorted them by a key made for each (py-spy, cold
    L build: ``items`` 3.1 s of the main process, 1.7 s of it the building
    pages). Now such an answer sorts the positions of its activities'
    occurrences, integers, and picks those Items: 0.23 -> 0.08 ms a
    building at L, in one process.
    """

    def __init__(self, site: Site, last: _Timeline | None = None) -> None:
        self.activities = dict(site.activities)
        again = _items_again(site, last, self.activities) if last is not None else None
        self.items = again if again is not None else _items(site, self.activities.values(), None, None)
        self.places: dict[str, list[int]] = {a: [] for a in self.activities}
        # Each activity's longest occurrence: a building's longest is the
        # longest of its activities' (see _BuildingMemo.invited).
        self.longest: dict[str, timedelta] = {}
        for i, item in enumerate(self.items):
            aid = item.activity.id
            self.places[aid].append(i)
            length = item.occurrence.end - item.occurrence.start
            if aid not in self.longest or length > self.longest[aid]:
                self.longest[aid] = length
        # For windows over all of them (every_item)
        self.starts = [item.occurrence.start for item in self.items]
        self.longest_all = max(self.longest.values(), default=timedelta(0))


V = TypeVar("V")


class PerModel(Generic[V]):
    """A value made once for each model in use (by the call ``make(site)``)
    and kept while the model lives. By id(): the model (a frozen dataclass
    with dict fields) cannot be hashed; a weak reference checks the id is
    still that model's, and its entry goes with it."""

    def __init__(self, make: Callable[[Site], V]) -> None:
        self._make = make
        self._entries: dict[int, tuple[weakref.ref[Site], V]] = {}

    def __call__(self, site: Site) -> V:
        key = id(site)
        entry = self._entries.get(key)
        if entry is None or entry[0]() is not site:
            entry = (weakref.ref(site, lambda _gone: self._entries.pop(key, None)), self._make(site))
            self._entries[key] = entry
        return entry[1]

    def __contains__(self, key: object) -> bool:
        """Whether the model of this id() has a value (tests)."""
        return key in self._entries


# The items of activities changed since the last timeline above which it
# is made from scratch (a save changes one file's activities at most).
_AGAIN_AT_MOST = 2_000


def _items_again(site: Site, last: _Timeline, activities: dict[str, Activity]) -> list[Item] | None:
    """_items(every activity) from the last model's timeline: its Items of
    the activities that are the same objects (made of the same occurrences),
    with the changed ones' put in their places. None where too many
    changed. Why: the timeline of each new model (every `serve` save) made
    and sorted 12,260 Items again, ~49 ms of a YAML save at bench scale L
    (py-spy), and a save changes one activity of 10,000 (pipeline keeps
    the others' objects)."""
    gone = {aid for aid, a in last.activities.items() if activities.get(aid) is not a}
    new = [a for aid, a in activities.items() if last.activities.get(aid) is not a]
    if len(gone) + len(new) > min(_AGAIN_AT_MOST, len(activities) // 2):
        return None
    if not gone and not new:
        return list(last.items)
    kept = [i for i in last.items if i.activity.id not in gone] if gone else list(last.items)
    for item in _items(site, new, None, None):
        # _order is unique (an occurrence's key within its activity), so
        # where an Item goes is where a full sort puts it.
        bisect.insort(kept, item, key=_order)
    return kept


def _timeline(site: Site) -> _Timeline:
    global _last_timeline
    made = _Timeline(site, _last_timeline)
    _last_timeline = made
    return made


# The last timeline made, kept after its model is gone: `serve` lets the
# last model go before it makes the next one's timeline.
_last_timeline: _Timeline | None = None

# The timeline of each model in use.
_TIMELINES: PerModel[_Timeline] = PerModel(_timeline)


def every_item(site: Site, first: date | None = None, last: date | None = None) -> list[Item]:
    """:func:`items` of every activity of the model: the timeline's own
    list, or for a window cut from it by bisection as a building's is
    (_in_window). Why: the lists of every activity (the home page's week,
    a month page and its neighbours) asked items() for all 10,000 at bench
    scale L, which checked each was the model's, sorted 12,260 places to
    get the timeline's list back (30 ms), or walked every occurrence for
    a window (16 ms); now under 1 ms."""
    timeline = _TIMELINES(site)
    if first is None or last is None:
        return list(timeline.items)
    return list(_in_window(site, (timeline.items, timeline.starts, timeline.longest_all), first, last))


# (not over, over) of all of a model's occurrences, in items() order: the
# lists of coming and past activities (活动日历, 往期活动 and their month
# chips, the home page) each asked for them again, 30 ms each at bench scale L.
_SPLITS: PerModel[tuple[list[Item], list[Item]]] = PerModel(lambda site: split_over(site, _TIMELINES(site).items))


def for_building(site: Site, building_id: str, first: date | None = None, last: date | None = None) -> list[Item]:
    """What the residents of a building are invited to, within [first, last]
    (all its entrances' activities: an activity for one entrance is on its
    building's page, calendar and one-notice door)."""
    ids = site.activities_by_building.get(building_id, ())
    memo = _BUILDINGS(site)
    if first is None or last is None:  # no window (items() takes half of one as none)
        return list(memo.invited(site, building_id, ids)[0])
    key = (building_id, first, last)
    found = memo.windows.get(key)
    if found is None:
        found = memo.windows[key] = _in_window(site, memo.invited(site, building_id, ids), first, last)
    return list(found)


class _BuildingMemo:
    """For each building of one model: everything its residents are invited
    to (Items in :func:`items` order, their starts, the longest occurrence),
    which the building page asks for, and the answers for each window asked.

    Why: a build asks each building for the notice window three times (the
    digest file's key and its text, the door notices' chunk keys) and the
    calendar window once, and a window's answer walked every occurrence of
    the building's activities (~480 of each of 2,000 buildings at bench
    scale L): py-spy of a cold L build had these at 70 samples of the main
    process's 2,095 (50 Hz), and at 89 of 1,987 once each window was made
    once. Now a window is cut from the building's sorted Items by bisection:
    the two windows and the whole list of L's 2,000 buildings in 0.38 s of
    CPU against 0.72 s, the same answers."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, date, date], tuple[Item, ...]] = {}
        self._invited: dict[str, tuple[list[Item], list[datetime], timedelta]] = {}

    def invited(self, site: Site, building_id: str, ids: Iterable[str]) -> tuple[list[Item], list[datetime], timedelta]:
        found = self._invited.get(building_id)
        if found is None:
            chosen = [site.activities[i] for i in ids]
            whole = items(site, chosen)
            timeline = _TIMELINES(site)
            if all(timeline.activities.get(a.id) is a for a in chosen):
                # Looked up by activity, not worked out for each of the
                # building's ~480 occurrences (bench scale L; py-spy of a
                # cold build: 39 of the main process's 1,802 samples).
                longest = max((timeline.longest[a.id] for a in chosen if a.id in timeline.longest), default=timedelta(0))
            else:
                longest = max((i.occurrence.end - i.occurrence.start for i in whole), default=timedelta(0))
            found = self._invited[building_id] = (whole, [i.occurrence.start for i in whole], longest)
        return found


def _in_window(site: Site, invited: tuple[list[Item], list[datetime], timedelta], first: date, last: date) -> tuple[Item, ...]:
    """What :func:`_items` answers for [first, last], cut from a building's
    invited Items (in its order): those begun in the window, and before
    them those begun earlier that are still on after DAY_STARTS on its first
    day, which began no earlier than that time less the longest occurrence."""
    whole, starts, longest = invited
    lo, hi, morning = _bounds(site, first, last)
    end = bisect.bisect_left(starts, hi)
    begun = bisect.bisect_left(starts, lo, 0, end)
    earliest = bisect.bisect_right(starts, morning - longest, 0, begun)
    still_on = [i for i in whole[earliest:begun] if i.occurrence.end > morning]
    return (*still_on, *whole[begun:end])


# _BuildingMemo by model.
_BUILDINGS: PerModel[_BuildingMemo] = PerModel(lambda _site: _BuildingMemo())


def for_door(site: Site, building_id: str, entrance_id: str | None, first: date | None = None, last: date | None = None) -> list[Item]:
    """What the residents behind one door are invited to: :func:`for_building`,
    less, on an entrance's own notice (``entrance_id``), the activities for
    other entrances of the building only."""
    found = for_building(site, building_id, first, last)
    if entrance_id is None:
        return found
    return [i for i in found if i.activity.invites_entrance(building_id, entrance_id)]


def upcoming(site: Site, activities: Iterable[Activity] | None = None) -> list[Item]:
    """Occurrences not over as of today (site time zone; see DAY_STARTS)."""
    if activities is None:
        return list(_SPLITS(site)[0])
    return split_over(site, items(site, activities))[0]


def split_over(site: Site, chosen: Iterable[Item]) -> tuple[list[Item], list[Item]]:
    """(not over, over) of ``chosen`` as of today, each in the given order:
    :func:`is_over` of each item, with today's marks looked up once.

    Why: a building page lists what is coming and what is past of the
    ~480 occurrences its residents are invited to (bench scale L), and
    asking is_over of each, three times a page, was 1.8 s of a cold L
    build's main process (py-spy: 92 of 1,810 samples at 50 Hz)."""
    midnight, morning = _day_marks(site.today, site.tz)
    coming: list[Item] = []
    over: list[Item] = []
    for i in chosen:
        o = i.occurrence
        (over if o.start < midnight and o.end <= morning else coming).append(i)
    return coming, over


def past(site: Site, activities: Iterable[Activity] | None = None) -> list[Item]:
    """Occurrences over as of today, newest first."""
    if activities is None:
        return _SPLITS(site)[1][::-1]
    return split_over(site, items(site, activities))[1][::-1]


def next_lecture(site: Site) -> Item | None:
    for item in upcoming(site, (a for a in site.activities.values() if a.lecture)):
        if not item.occurrence.cancelled:
            return item
    return None


def lectures(site: Site) -> list[Activity]:
    return [a for a in site.activities.values() if a.lecture]
