"""Expected schedules computed straight from a fixture's YAML, for the
subscription tests (feeds, calendars, digests, export).

Deliberately independent of ``generator``: its own audience walk over
places.yml, its own day-by-day expansion of recurrences. If the generator and
this file disagree, one of them misreads the data format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def load(case: str, name: str) -> dict:
    # BaseLoader: every scalar stays text, as the generator reads it.
    with open(FIXTURES / case / "content" / "data" / name, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yaml.BaseLoader) or {}


def parse_dt(text: str) -> datetime:
    m = re.match(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})日?\s*(\d{1,2}):(\d{2})", text.strip())
    assert m, text
    y, mo, d, h, mi = map(int, m.groups())
    return datetime(y, mo, d, h, mi)


def parse_d(text: str) -> date:
    return date.fromisoformat(text.strip())


@dataclass(frozen=True)
class Occ:
    activity: str
    title: str
    start: datetime  # aware
    end: datetime
    status: str  # scheduled | cancelled | postponed
    note: str
    venue: str
    original: date | None  # the rule date of a recurring occurrence
    moved: bool


def buildings_tree(case: str) -> dict[str, dict[str, str]]:
    """building id → {community, estate, courtyard, grids} from places.yml."""
    places = load(case, "places.yml")
    tree: dict[str, dict[str, str]] = {}
    for c in places["communities"]:
        for e in c.get("estates", []):
            for cy in e.get("courtyards", []):
                for b in cy.get("buildings", []):
                    tree[b["id"]] = {"community": c["id"], "estate": e["id"], "courtyard": cy["id"], "name": b["name"], "estate_name": e["name"]}
            for b in e.get("buildings", []):
                tree[b["id"]] = {"community": c["id"], "estate": e["id"], "courtyard": "", "name": b["name"], "estate_name": e["name"]}
    for c in places["communities"]:
        for g in c.get("grids", []):
            covered = set(g.get("buildings", []))
            covered |= {bid for bid, info in tree.items() if info["estate"] in g.get("estates", [])}
            for bid in covered:
                tree[bid].setdefault("grids", "")
                tree[bid]["grids"] += " " + g["id"]
    return tree


def invited(case: str, activity: dict, building: str) -> bool:
    aud = activity["audience"]
    if aud == "all":
        return True
    info = buildings_tree(case)[building]
    return (
        info["community"] in aud.get("communities", [])
        or info["estate"] in aud.get("estates", [])
        or (info["courtyard"] and info["courtyard"] in aud.get("courtyards", []))
        or building in aud.get("buildings", [])
        or any(g in aud.get("grids", []) for g in info.get("grids", "").split())
    )


def activities(case: str) -> list[dict]:
    acts = list(load(case, "activities.yml").get("activities", []))
    lectures = load(case, "lectures.yml")
    return acts + list(lectures.get("lectures", []) if lectures else [])


def _rule_dates(a: dict, first: date) -> list[date]:
    rec = a["recurrence"]
    until = parse_d(rec["until"])
    days = [_DAYS.index(d) for d in rec.get("weekdays", [])] or [first.weekday()]
    nth = int(rec.get("nth", 0))
    assert int(rec.get("interval", 1)) == 1, "the fixtures only use interval 1"
    result = []
    d = first
    while d <= until:
        if d.weekday() in days:
            if rec["every"] == "week":
                result.append(d)
            elif rec["every"] == "month":
                if nth > 0 and (d.day - 1) // 7 + 1 == nth:
                    result.append(d)
                elif nth == -1 and (d + timedelta(days=7)).month != d.month:
                    result.append(d)
        d += timedelta(days=1)
    return result


def occurrences(case: str, a: dict, tz: ZoneInfo) -> list[Occ]:
    start, end_text = parse_dt(a["start"]), a["end"].strip()
    end = datetime.combine(start.date(), datetime.strptime(end_text, "%H:%M").time()) if len(end_text) <= 5 else parse_dt(end_text)
    status = a.get("status", "scheduled")
    note = a.get("status_note", "")
    if "recurrence" not in a:
        return [Occ(a["id"], a["title"], start.replace(tzinfo=tz), end.replace(tzinfo=tz), status, note, a["venue"], None, False)]
    rec = a["recurrence"]
    skip = {parse_d(s) for s in rec.get("skip", [])}
    moved = {parse_d(m["from"]): parse_dt(m["to"]) for m in rec.get("moved", [])}
    cancelled = {parse_d(c["date"]): c.get("note", "") for c in rec.get("cancelled", [])}
    result = []
    for day in _rule_dates(a, start.date()):
        if day in skip:
            continue
        s = moved.get(day, datetime.combine(day, start.time()))
        st, nt = ("cancelled", cancelled[day]) if day in cancelled else (status, note)
        result.append(Occ(a["id"], a["title"], s.replace(tzinfo=tz), (s + (end - start)).replace(tzinfo=tz), st, nt, a["venue"], day, day in moved))
    return result


def for_building(case: str, building: str, tz: ZoneInfo, first: date | None = None, last: date | None = None) -> list[Occ]:
    """Occurrences a building's residents are invited to, overlapping [first, last]."""
    result = []
    for a in activities(case):
        if not invited(case, a, building):
            continue
        for o in occurrences(case, a, tz):
            if first is not None and last is not None:
                lo = datetime.combine(first, datetime.min.time(), tz)
                hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
                if not (o.start < hi and o.end > lo):
                    continue
            result.append(o)
    return sorted(result, key=lambda o: (o.start, o.activity))


def weekday_zh(d: date) -> str:
    return _WEEKDAY_ZH[d.weekday()]
