"""iCalendar (RFC 5545) feeds, as the maintained ``icalendar`` library writes them.

Files, at URLs made from stable ids so a subscription never breaks::

    calendar/all.ics                    every activity but those over 14 days ago
    calendar/buildings/<building>.ics   what a building's residents are invited to
                                        (the last 14 days and the next 92)
    calendar/series/<series>.ics        one lecture series, whole
    calendar/teams/<team>.ics           one team's, but those over 14 days ago
    calendar/activities/<activity>.ics  one activity ("add to calendar")

Choices that make the files correct and reproducible:

* A recurring activity is ONE VEVENT series: RRULE generated from the same
  :class:`~generator.model.Recurrence` the core expands, EXDATE for skipped
  dates, and an override VEVENT with RECURRENCE-ID (the original date at the
  rule's time of day) for every moved or individually cancelled occurrence.
  Calendar apps then show one series that residents can delete in one go,
  while the core's expansion (building page, notice, digest) stays the single
  source of truth: overrides are taken from the expanded occurrences, so the
  feed cannot disagree with the pages.
* UID is ``<activity id>@<site host>``: ids never change, so an edited
  activity updates the resident's copy instead of duplicating it.
* DTSTAMP must not be the build time (two builds must give the same bytes),
  and activities carry no "last edited" date. We use the activity's first
  start, in UTC: it is content, it never changes unless the activity itself is
  moved, and subscription clients compare UIDs and RECURRENCE-IDs, not DTSTAMP.
* Times carry TZID of the site's zone with a VTIMEZONE built from zoneinfo
  for the years the content covers (the range is content-derived too).
* Cancelled → STATUS:CANCELLED. Postponed → STATUS:TENTATIVE: the activity
  will happen but not at this time, and clients show tentative events
  greyed; the note ("改期至 12 月 20 日") leads the DESCRIPTION. Because many
  phone calendars ignore STATUS on subscribed feeds, the SUMMARY also starts
  with 【已取消】/【已延期】, as every other list on the site does.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, vDuration, vText
from icalendar.parser import Contentline, Parameters

from . import queries as q
from .incremental import Memo, digest, record_digest, shared_digest
from .model import Activity, Occurrence, Site
from .outputs import Cancelled, Output
from .recurrence import build_rrule
from .strings import Strings, speaker_with_affiliation, strings, zh_date_short
from .workers import start_worker

if TYPE_CHECKING:
    from .buildcache import BuildCache

log = logging.getLogger("gongshi")

_RR_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY"}
_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}
# Ask subscribed clients to look again twice a day: notices change weekly,
# cancellations on the day.
_REFRESH = timedelta(hours=12)


def write(out: Output) -> None:
    """Write every calendar feed of the site.

    An activity appears in several feeds (all, each of its buildings, its
    series, its team, its own): its VEVENTs are serialised once and every
    feed is assembled from those bytes. At district scale that is the
    difference between serialising ~10^6 events and ~10^4 (the profile of the
    benchmark's M corpus had this writer at 58 % of the build before).
    """
    site = out.site
    who = "iCalendar 日历"
    assembler = _Assembler(site, out.stop)
    assembler.stored.update(take_early())
    if out.cache is not None:
        _write_cached(out, out.cache, assembler, who)
        return
    for rel, name, acts in calendar_files(site):
        out.write(rel, assembler.calendar(name, acts), who)
    _MEMO.finished()


# The build cache's record of the last build's serialised VEVENTs
# (cache.state): the key of their entry.
_EVENTS_STATE = "calendar events"


def _write_cached(out: Output, cache: BuildCache, assembler: _Assembler, who: str) -> None:
    """`build` with the cache: every feed whose key is in the cache is
    linked back from it, the others are assembled and stored. A feed's key
    covers what its bytes are made of: the code (buildcache.code_key), the
    model but its activities (the assembler's shared digest: venues, teams,
    the site's URL, zone and language, today), the years of the VTIMEZONE,
    its path and name, and each of its activities, in order. One activity
    edited changes all.ics, its own feed, its team's and series' and its
    buildings' (one community's, ~80 of 2,000 at bench scale L).

    all.ics needs every activity's VEVENTs, so they are kept too, in one
    entry named in cache.state: serialising 10,300 activities again took
    ~11 s of the ~31 s this writer took after an activity edit at L
    (py-spy, wall time on a loaded machine), assembling and writing
    ~12,400 files the rest."""
    site = assembler.site
    first, last = _years(site)
    code = cache.code
    base = digest("calendar file", code, assembler.shared, site.info.timezone, first, last)
    assembler.load(cache, code)
    for rel, name, acts in calendar_files(site):
        ordered = _ordered(acts)
        key = digest(base, rel, name, [assembler.key(a) for a in ordered])
        if cache.fetch(key, out.out_dir / rel):
            out.claim(rel, who)
            continue
        cache.keep(key, out.write(rel, assembler.calendar(name, ordered), who))
    assembler.store(cache, code)
    _MEMO.finished()


class _Assembler:
    """Builds VCALENDAR bytes from per-activity VEVENT bytes, cached."""

    def __init__(self, site: Site, stop: Callable[[], bool] | None = None) -> None:
        self.site = site
        # serve: a newer save stops the writers between two files, and
        # all.ics alone serialises every activity (6.2 s at district scale
        # before the memo holds them): it is asked between activities too.
        # What was serialised stays in the memo for the next try.
        self.stop = stop
        self.t = strings(site.info.language)
        # In `serve`, a rebuild reuses the last build's bytes of every
        # activity whose key is unchanged: the key covers the activity and
        # the whole model apart from the other activities and bulletins
        # (venues, teams, the site's URL and zone, today), see incremental.py.
        _MEMO.next_build()
        self.shared = shared_digest(site, "calendar", self.t)
        first, last = _years(site)
        zone = site.info.timezone
        self.vtimezone = _MEMO.get(("vtimezone", zone, first, last), lambda: _vtimezone(site).to_ical())
        self.head = _HeadTemplate(zone)
        self.events: dict[str, bytes] = {}
        self.keys: dict[str, str] = {}
        # VEVENTs made elsewhere, by key: by the early worker (take_early)
        # and, in `build` with the cache, by the last build (load, and its
        # entry)
        self.stored: dict[str, bytes] = {}
        self.loaded = ""

    def key(self, a: Activity) -> str:
        """What an activity's VEVENTs are made of: itself and the shared model."""
        found = self.keys.get(a.id)
        if found is None:
            found = self.keys[a.id] = digest(self.shared, record_digest(self.site, a))
        return found

    def event_bytes(self, a: Activity) -> bytes:
        cached = self.events.get(a.id)
        if cached is None:
            key = self.key(a)
            cached = self.stored.get(key) or _MEMO.get(key, lambda: event_bytes(self.site, self.t, a))
            self.events[a.id] = cached
        return cached

    def load(self, cache: BuildCache, code: str) -> None:
        """Add the VEVENTs the last build kept in the cache (see store), if
        it ran the same code (``code``: buildcache.code_key; the keys of
        :meth:`key` do not cover it)."""
        entry = cache.state.get(_EVENTS_STATE)
        data = cache.get_bytes(entry) if isinstance(entry, str) else None
        if data is None:
            return
        try:
            kept = json.loads(data)
        except ValueError:  # written by another version, or damaged
            return
        if isinstance(kept, dict) and kept.get("code") == code and isinstance(kept.get("events"), dict):
            self.stored.update((k, v.encode("utf-8")) for k, v in kept["events"].items())
            self.loaded = str(entry)

    def store(self, cache: BuildCache, code: str) -> None:
        """Keep the VEVENTs of this model's activities (made now, or kept
        from the last build) for the next build, in one entry."""
        found = {}
        for a in self.site.activities.values():
            key = self.key(a)
            data = self.events.get(a.id) or self.stored.get(key)
            if data is not None:
                found[key] = data
        entry = digest(_EVENTS_STATE, code, sorted(found))
        if entry != self.loaded:
            kept = {"code": code, "events": {k: found[k].decode("utf-8") for k in sorted(found)}}
            cache.put_bytes(entry, json.dumps(kept, ensure_ascii=False).encode("utf-8"))
        cache.new_state[_EVENTS_STATE] = entry

    def calendar(self, name: str, activities: Iterable[Activity]) -> bytes:
        acts = _ordered(activities)
        return self.head.open(name) + self.vtimezone + b"".join(self._events(acts, name)) + _END

    def _events(self, acts: list[Activity], name: str) -> Iterable[bytes]:
        for n, a in enumerate(acts):
            if self.stop is not None and n % STOP_EVERY == STOP_EVERY - 1 and self.stop():
                raise Cancelled(name)
            yield self.event_bytes(a)


# --------------------------------------------------------------------------
# Every activity's VEVENTs made early, in a worker process
#
# Serialising an activity through icalendar takes ~0.37 ms: 3.9 s of the main
# process for L's 10,300 activities (py-spy), 0.55 s of M's ~7.5 s, where the
# main process is the whole critical path and the second core has one chunk
# of door notices to do. They need only the data files' model, so the build
# forks one process for them as soon as the data files are valid (beside the
# notice workers, plugin._start_notices), and the calendar writer takes the
# bytes by key. The keys are the writer's own (_Assembler.key: the activity
# and the shared model), computed in the worker on the model without
# bulletins: when they differ from the writer's, it serialises the activity
# itself, so the early bytes can only be used for exactly the same inputs.

EARLY_FROM = 200  # fewer activities: the fork costs more than it saves
EARLY_NICE = 4  # like the notice workers: the main process comes first

# The fork's parent sets this before the worker starts (nothing is pickled).
_early_site: Site | None = None
_early: tuple[ProcessPoolExecutor, Future[dict[str, bytes]]] | None = None


def start_early(site: Site, cache: BuildCache | None) -> None:
    """Fork a process that serialises every activity's VEVENTs; the calendar
    writer takes them (:func:`take_early`). Not when the build cache holds
    the last build's VEVENTs (_Assembler.load), nor without fork or a second
    core."""
    import multiprocessing
    import os

    cancel_early()
    if len(site.activities) < EARLY_FROM or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return
    if cache is not None and isinstance(cache.state.get(_EVENTS_STATE), str):
        return
    global _early_site, _early
    _early_site = site
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=start_worker, initargs=(EARLY_NICE,))
    _early = (pool, pool.submit(_serialise_all))


def _serialise_all() -> dict[str, bytes]:
    """In the worker: every activity's VEVENTs by the writer's key."""
    site = _early_site
    assert site is not None
    assembler = _Assembler(site)
    return {assembler.key(a): event_bytes(site, assembler.t, a) for a in site.activities.values()}


def take_early() -> dict[str, bytes]:
    """The VEVENTs the early worker made (waiting for it), or nothing: not
    started, or it failed (the writer then makes them itself)."""
    global _early, _early_site
    if _early is None:
        return {}
    pool, future = _early
    _early, _early_site = None, None
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the writer serialises them itself
        log.debug(f"calendar: early VEVENTs failed: {exc!r}")
        return {}
    finally:
        pool.shutdown(wait=False)


def cancel_early() -> None:
    """Stop the early worker (a build that failed before writing calendars)."""
    global _early, _early_site
    if _early is not None:
        _early[0].shutdown(wait=False, cancel_futures=True)
    _early, _early_site = None, None


def _ordered(activities: Iterable[Activity]) -> list[Activity]:
    return sorted(activities, key=lambda a: (a.start, a.id))


def calendar_files(site: Site) -> Iterator[tuple[str, str, list[Activity]]]:
    """(path, calendar name, activities) for every feed, in a stable order.

    One feed at a time, as the writer asks for it: in `serve` a newer save
    stops the writer between two files (outputs.Output.write), and making
    the whole list first (every building's window of activities, every
    team's) was ~0.7 s at bench scale L that no save could stop."""
    t = strings(site.info.language)
    title = site.info.title
    recent = recent_activities(site, site.activities.values())
    yield "calendar/all.ics", t.feed_name.format(site=title, name=t.all_activities), recent
    for bid in site.buildings:
        yield building_path(bid), t.feed_name.format(site=title, name=site.building_label(bid)), building_activities(site, bid)
    for series in site.series.values():
        acts = [a for a in q.lectures(site) if a.lecture and a.lecture.series == series.id]
        yield f"calendar/series/{series.id}.ics", t.feed_name.format(site=title, name=series.name), acts
    by_team: dict[str, list[Activity]] = {}
    for a in recent:
        by_team.setdefault(a.team, []).append(a)
    for team in site.teams.values():
        yield f"calendar/teams/{team.id}.ics", t.feed_name.format(site=title, name=team.name), by_team.get(team.id, [])
    for a in site.activities.values():
        yield activity_path(a.id), t.feed_name.format(site=title, name=a.title), [a]


def building_path(building_id: str) -> str:
    return f"calendar/buildings/{building_id}.ics"


def activity_path(activity_id: str) -> str:
    return f"calendar/activities/{activity_id}.ics"


# serve: activities serialised between two questions whether to stop.
STOP_EVERY = 100

# Serialised VEVENTs, VTIMEZONEs and calendar heads kept from one `serve`
# rebuild to the next (a `build` process builds once).
_MEMO: Memo[bytes] = Memo()


# A building feed is a rolling window: the last two weeks and the coming
# three months, not the community's whole year. A subscribed phone downloads
# it twice a day, and at district scale (10,000 activities over eight months)
# a building's full list was ~160 events, 134 KB per feed, 268 MB for 2,000
# buildings: 36 % of the whole site. The building page shows two months and
# the door notice two weeks, so the feed still reaches further ahead than
# either.
#
# all.ics and the team feeds drop the past the same way (everything ahead
# stays): kept whole, they grew by every activity ever held, without end.
# At bench scale L (a year of past activities) all.ics was 9.9 MB and the 78
# team feeds 10 MB, downloaded twice a day by each subscribed phone; many
# phone calendars give up on a feed that size. A calendar app keeps only what
# a subscribed feed holds, so an activity leaves residents' calendars two
# weeks after it is over, as it does from a building's feed. The history
# stays on the site (往期活动, each activity's page and its own .ics, the
# series feeds, api/site.json): a lecture series is the forum's record and
# grows by one talk a month, so its feed stays whole.
FEED_PAST_DAYS = 14
BUILDING_FEED_AHEAD_DAYS = 92


def recent_activities(site: Site, activities: Iterable[Activity]) -> list[Activity]:
    """The activities with an occurrence not over by today − FEED_PAST_DAYS
    (queries.over_by: the same test as the start of a building's window), in
    the order given; a series is published whole once any of its
    occurrences is, as in a building's feed."""
    since = site.today - timedelta(days=FEED_PAST_DAYS)
    return [a for a in activities if not all(q.over_by(site, o.start, o.end, since) for o in a.occurrences)]


def building_activities(site: Site, building_id: str) -> list[Activity]:
    """The activities a building is invited to, through the shared query (the
    same audience resolution as the building page and the door notice), that
    have an occurrence between today − FEED_PAST_DAYS and today +
    BUILDING_FEED_AHEAD_DAYS; a series is published whole, so each activity
    appears once and a calendar app never shows half a rule."""
    first = site.today - timedelta(days=FEED_PAST_DAYS)
    last = site.today + timedelta(days=BUILDING_FEED_AHEAD_DAYS)
    seen: dict[str, Activity] = {}
    for item in q.for_building(site, building_id, first, last):
        seen.setdefault(item.activity.id, item.activity)
    return sorted(seen.values(), key=lambda a: (a.start, a.id))


def build_calendar(site: Site, name: str, activities: Iterable[Activity]) -> bytes:
    """One VCALENDAR with a VTIMEZONE and the activities' events, as bytes."""
    return _Assembler(site).calendar(name, activities)


_END = b"END:VCALENDAR\r\n"
# Properties of the head that carry the calendar's name.
_NAME_PROPERTIES = ("NAME", "X-WR-CALNAME")


class _HeadTemplate:
    """The VCALENDAR head of every feed of a site, made by icalendar once
    and filled with each feed's name. icalendar built the whole head for each
    of the ~12,400 feeds at district scale (bench L) in ~145 µs each, 3.8 s
    of the build's main process under py-spy; only the two name lines differ
    from feed to feed. tests/test_calendar.py checks the bytes are those of
    :func:`_calendar_head` for names that need escaping and folding."""

    _PROBE = "x"

    def __init__(self, timezone: str) -> None:
        whole = _calendar_head(self._PROBE, timezone).to_ical()
        before, lines, after = whole.partition(_name_lines(self._PROBE))
        if not lines or not after.endswith(_END):  # icalendar changed its order or layout
            raise AssertionError(f"unexpected VCALENDAR head: {whole!r}")
        self.before = before
        self.after = after[: -len(_END)]

    def open(self, name: str) -> bytes:
        """The head of the feed called ``name``, without END:VCALENDAR."""
        return self.before + _name_lines(name) + self.after


# What a TEXT value escapes (RFC 5545 3.3.11), what else would make
# icalendar write a name differently from as it is (line ends, controls),
# and what its folding keeps together (a "\\" or "^" escape).
_NOT_PLAIN = re.compile(r"[\\;,^\x00-\x1f\x7f]")
# icalendar folds a line of 75 octets or more, each line at most 74 octets
# and never inside a character.
_FOLD_AT = 75


def _name_lines(name: str) -> bytes:
    """The head's name properties as icalendar writes them: TEXT values
    (RFC 7986 NAME), escaped and folded at 75 octets. A name with nothing to
    escape is written and folded here: icalendar took ~65 us a feed, 0.8 s of
    ~12,400 feeds at bench scale L, and still 0.2 s for the activities' own
    feeds, whose names are long enough to fold."""
    if _NOT_PLAIN.search(name) is None:
        data = name.encode("utf-8")
        return b"".join(_folded(prop.encode("ascii") + b":" + data) + b"\r\n" for prop in _NAME_PROPERTIES)
    value = vText(name)
    return b"".join(Contentline.from_parts(prop, Parameters(), value).to_ical() + b"\r\n" for prop in _NAME_PROPERTIES)


def _folded(line: bytes) -> bytes:
    """A content line (UTF-8, no escapes) folded as icalendar folds it:
    each line the most whole characters that make less than 75 octets."""
    if len(line) < _FOLD_AT:
        return line
    lines = []
    start = 0
    while len(line) - start >= _FOLD_AT:
        end = start + _FOLD_AT - 1
        while line[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        lines.append(line[start:end])
        start = end
    lines.append(line[start:])
    return b"\r\n ".join(lines)


def _calendar_head(name: str, timezone: str) -> Calendar:
    """The head of a feed as an icalendar component; :class:`_HeadTemplate`
    gives its bytes."""
    cal = Calendar()
    cal.add("prodid", "-//Gongshi//公示//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    # vText: icalendar does not know NAME (RFC 7986) and would write a comma
    # or semicolon in the name unescaped.
    cal.add("name", vText(name))
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", timezone)
    cal.add("refresh-interval", _REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(_REFRESH))
    return cal


def _years(site: Site) -> tuple[date, date]:
    # Cover every year the content touches (first start to last rule end),
    # so the bytes depend on the content only, never on the build date.
    years = [a.start.year for a in site.activities.values()] + [
        (a.recurrence.until.year if a.recurrence else a.end.year) for a in site.activities.values()
    ]
    return date(min(years, default=site.today.year), 1, 1), date(max(years, default=site.today.year) + 1, 1, 1)


def _vtimezone(site: Site) -> Timezone:
    first, last = _years(site)
    return Timezone.from_tzid(site.info.timezone, first_date=first, last_date=last)


# --------------------------------------------------------------------------
# VEVENTs, written as the icalendar library writes them
#
# icalendar made each activity's VEVENTs through its component objects,
# a third of the time folding long lines a character at a time (cProfile,
# 1,000 activities of bench scale L). The few properties a VEVENT of ours
# has are written here directly, in icalendar's order, escaping and
# folding: bench scale L's 10,300 activities in 0.023 ms each against
# 0.224 ms, the same bytes (2.3 CPU-s of a cold build, in the early
# worker). tests/test_calendar.py checks every activity of the sample and
# the test sites, and hostile text in four zones, against the bytes
# icalendar makes of the same events. The head and the VTIMEZONE are still
# icalendar's.


def event_bytes(site: Site, t: Strings, a: Activity) -> bytes:
    """An activity's VEVENTs: one, or a series' master with an override
    for every moved occurrence and every one whose status or note is its
    own (RECURRENCE-ID)."""
    if a.recurrence is None:
        return _vevent(site, t, a, a.occurrences[0] if a.occurrences else None)
    # RFC 5545 counts DTSTART as an instance even when the rule would not
    # produce it (dateutil does not): start the series on the rule's first
    # date, so a monthly "second Saturday" whose start was written as another
    # day cannot gain an extra instance in calendar apps.
    first = next(iter(build_rrule(a.recurrence, a.start)), None)
    if first is None:
        return b""
    rule_time = a.start.timetz()
    series = [_rrule_line(site, a)]
    if a.recurrence.skip:
        skips = [datetime.combine(d, rule_time) for d in sorted(a.recurrence.skip)]
        params, suffix = _time_form(rule_time.tzinfo)
        series.append(f"EXDATE{params}:" + ",".join(_time_value(d) + suffix for d in skips))
    events = [_vevent(site, t, a, None, first.replace(tzinfo=site.tz), series)]
    for o in a.occurrences:
        if o.moved_from is not None or (o.status, o.note) != (a.status, a.status_note):
            moved = datetime.combine(date.fromisoformat(o.key), rule_time)
            events.append(_vevent(site, t, a, o, recurrence_id=_time_line("RECURRENCE-ID", moved)))
    return b"".join(events)


def _vevent(site: Site, t: Strings, a: Activity, o: Occurrence | None, series_start: datetime | None = None,
            series: list[str] | None = None, recurrence_id: str | None = None) -> bytes:
    """One VEVENT: an activity's, a series' master (o=None, series_start
    and its RRULE and EXDATE lines set), or one occurrence's."""
    venue = site.venues[a.venue]
    start, end, status, note = event_state(a, o, series_start)
    label = t.get(f"status_{status}", "")
    url = site.absolute(a.url)
    # icalendar's order: its canonical properties first, the others by name.
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(f"【{label}】{a.title}" if label else a.title),
        _time_line("DTSTART", start),
        _time_line("DTEND", end),
        _time_line("DTSTAMP", a.start.astimezone(UTC)),
        f"UID:{_text(f'{a.id}@{_host(site)}')}",
    ]
    if recurrence_id is not None:
        lines.append(recurrence_id)
    lines += series or ()
    lines += [
        "CATEGORIES:" + _text(a.kind),
        "DESCRIPTION:" + _text(description(site, t, a, status, note, o)),
        "LOCATION:" + _text(f"{venue.name}（{venue.address}）"),
        "STATUS:" + _STATUS[status],
        "URL:" + url,
        "END:VEVENT",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines).encode("utf-8")


def event_state(a: Activity, o: Occurrence | None, series_start: datetime | None = None) -> tuple[datetime, datetime, str, str]:
    """(start, end, status, note) of the VEVENT of an activity, of one of its
    occurrences, or of its series' master (o=None, ``series_start``)."""
    if o is not None:
        return o.start, o.end, o.status, o.note
    start = series_start or a.start
    return start, start + (a.end - a.start), a.status, a.status_note


def _rrule_line(site: Site, a: Activity) -> str:
    """The RRULE matching :func:`generator.recurrence.build_rrule` exactly."""
    rec = a.recurrence
    assert rec is not None
    # RFC 5545: with a TZID start, UNTIL is in UTC. The core's rule stops at
    # the last date at the rule's time of day; so does this one.
    until = datetime.combine(rec.until, a.start.time(), site.tz).astimezone(UTC)
    parts = [f"FREQ={_FREQ[rec.every]}", f"UNTIL={_time_value(until)}Z"]
    if rec.interval != 1:
        parts.append(f"INTERVAL={rec.interval}")
    if rec.weekdays:
        prefix = str(rec.nth) if rec.every == "month" and rec.nth else ""
        parts.append("BYDAY=" + ",".join(prefix + _RR_DAYS[d] for d in rec.weekdays))
    return "RRULE:" + ";".join(parts)


def _time_line(name: str, moment: datetime) -> str:
    params, suffix = _time_form(moment.tzinfo)
    return f"{name}{params}:{_time_value(moment)}{suffix}"


def _time_value(moment: datetime) -> str:
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}"


@functools.lru_cache(maxsize=16)
def _time_form(tz: tzinfo | None) -> tuple[str, str]:
    """(parameters, suffix) of a time in ``tz`` as icalendar writes it:
    (";TZID=Asia/Shanghai", ""), or ("", "Z") for UTC and the zones
    icalendar takes for it (Etc/UTC, GMT). Asked of icalendar once a zone."""
    probe = Event()
    probe.add("dtstart", datetime(2000, 1, 2, 3, 4, 5, tzinfo=tz))
    line = probe.to_ical().decode("utf-8").split("\r\n")[1]
    head, _, value = line.rpartition(":")
    if not head.startswith("DTSTART") or not value.startswith("20000102T030405"):  # pragma: no cover - icalendar changed
        raise AssertionError(f"unexpected DTSTART line: {line!r}")
    return head[len("DTSTART") :], value[len("20000102T030405") :]


def _text(value: str) -> str:
    """A TEXT value escaped as icalendar escapes it (RFC 5545 3.3.11; it
    also reads a written \\N as a line break, and makes every line end one)."""
    return (
        value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    )


# Longest folded line, in octets (without the CRLF, and without the space
# that starts a continuation line): what icalendar writes, RFC 5545's 75 less one.
_FOLD_OCTETS = 74


def _fold(line: str) -> str:
    """``line`` folded as icalendar folds it: at most 74 octets a line,
    never inside a UTF-8 character, and a line that would end with a
    backslash or a caret leaves it to the next (an escape is not split)."""
    data = line.encode("utf-8")
    if len(data) <= _FOLD_OCTETS:
        return line
    parts = []
    start = 0
    while len(data) - start > _FOLD_OCTETS:
        end = start + _FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # inside a character: back to its start
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")


def description(site: Site, t: Strings, a: Activity, status: str, note: str, o: Occurrence | None) -> str:
    """Plain text for DESCRIPTION: what changed first, then what residents need."""
    lines = []
    if status != "scheduled":
        lines.append(f"{t.get(f'status_{status}', '')}：{note}" if note else t.get(f"status_{status}", ""))
    if o is not None and o.moved_from is not None:
        lines.append(t.moved_from.format(date=zh_date_short(o.moved_from)))
    if a.description_text:
        lines.append(a.description_text)
    if a.lecture:
        if speaker := speaker_with_affiliation(a.lecture.speaker, a.lecture.affiliation):
            lines.append(f"{t.speaker}：{speaker}")
        lines.append(f"{t.topic}：{a.lecture.topic}")
    if a.recurrence and o is None:
        lines.append(f"{t.repeats}：{a.recurrence.describe}")
    lines.append(f"{t.for_whom}：{a.audience_label}")
    if a.team:
        lines.append(f"{t.organiser}：{site.teams[a.team].name}")
    if a.registration:
        lines.append(f"{t.registration}：{a.registration}")
    if a.contact:
        lines.append(f"{t.contact}：{a.contact.role} {a.contact.phone}".rstrip())
    lines.append(f"{t.details}：{site.absolute(a.url)}")
    return "\n".join(lines)


def _host(site: Site) -> str:
    return urlsplit(site.info.url).hostname or "localhost"


def webcal_url(site: Site, rel: str) -> str:
    """``webcal://`` form of a site URL: phones open it as a subscription."""
    absolute = site.absolute(rel)
    return "webcal://" + absolute.split("://", 1)[1]

