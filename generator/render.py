"""Stage 4b, what templates may call: the model, the shared queries and the
formatting filters, registered once on the Jinja environment.

Templates in ``theme/gongshi/`` never compute schedules themselves; they ask
these helpers, which ask :mod:`generator.queries`.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date
from typing import Any

from . import queries as q
from .model import Activity, Bulletin, Site
from .strings import hm, strings, time_range, zh_date, zh_date_short, zh_month, zh_weekday


class SiteView:
    """The object templates see as ``gs``."""

    def __init__(self, site: Site):
        self.site = site
        self.t = strings(site.info.language)

    # --- bulletins -------------------------------------------------------
    def latest_bulletins(self, n: int = 6) -> tuple[Bulletin, ...]:
        return self.site.bulletins[:n]

    def bulletins_by_year(self) -> list[tuple[int, list[Bulletin]]]:
        groups: OrderedDict[int, list[Bulletin]] = OrderedDict()
        for b in self.site.bulletins:
            groups.setdefault(b.date.year, []).append(b)
        return list(groups.items())

    def bulletins_in_column(self, column_id: str) -> list[Bulletin]:
        return [b for b in self.site.bulletins if b.column == column_id]

    # --- activities ------------------------------------------------------
    def this_week(self) -> list[q.Item]:
        """The next seven days from today (on a Sunday "this week" would be
        one day long, so residents get a rolling week)."""
        first, last = q.window(self.site.today, 7)
        return q.items(self.site, self.site.activities.values(), first, last)

    def upcoming(self, limit: int | None = None, after_week: bool = False) -> list[q.Item]:
        items = q.upcoming(self.site)
        if after_week:
            _first, last = q.window(self.site.today, 7)
            items = [i for i in items if i.occurrence.start.date() > last]
        return items[:limit] if limit else items

    def upcoming_by_month(self) -> list[tuple[str, list[q.Item]]]:
        return _by_month(q.upcoming(self.site))

    def past_by_month(self) -> list[tuple[str, list[q.Item]]]:
        return _by_month(q.past(self.site))

    def for_building(self, building_id: str, coming_only: bool = True, days: int | None = None) -> list[q.Item]:
        """What the building's residents are invited to; with ``days``, only
        what starts within that many days from today."""
        items = q.for_building(self.site, building_id)
        if coming_only:
            today = self.site.today
            items = [i for i in items if i.occurrence.end.date() >= today]
        if days is not None:
            _first, last = q.window(self.site.today, days)
            items = [i for i in items if i.occurrence.start.date() <= last]
        return items

    def later_for_building(self, building_id: str, days: int) -> int:
        """How many coming occurrences start after the first ``days`` days."""
        _first, last = q.window(self.site.today, days)
        return sum(1 for i in self.for_building(building_id) if i.occurrence.start.date() > last)

    def past_for_building(self, building_id: str, limit: int = 10) -> list[q.Item]:
        today = self.site.today
        items = [i for i in q.for_building(self.site, building_id) if i.occurrence.end.date() < today]
        return list(reversed(items))[:limit]

    def next_lecture(self) -> q.Item | None:
        return q.next_lecture(self.site)

    def lectures_in_series(self, series_id: str) -> tuple[list[q.Item], list[q.Item]]:
        acts = [a for a in q.lectures(self.site) if a.lecture and a.lecture.series == series_id]
        return q.upcoming(self.site, acts), q.past(self.site, acts)

    def occurrence_items(self, activity: Activity) -> list[q.Item]:
        return q.items(self.site, (activity,))

    def is_past(self, item: q.Item) -> bool:
        return item.occurrence.end.date() < self.site.today

    # --- places ----------------------------------------------------------
    def buildings_of(self, ids: Iterable[str]) -> list[Any]:
        return [self.site.buildings[i] for i in ids]

    def status_label(self, status: str) -> str:
        return self.t.get(f"status_{status}", "")


def _by_month(items: list[q.Item]) -> list[tuple[str, list[q.Item]]]:
    groups: OrderedDict[str, list[q.Item]] = OrderedDict()
    for item in items:
        groups.setdefault(zh_month(item.occurrence.start), []).append(item)
    return list(groups.items())


# A building page lists the next two months. A weekly activity alone is
# otherwise listed dozens of times (a community's building page in the
# benchmark's M corpus listed 1,421 occurrences, 172 KB): no resident scrolls
# that on a phone. The building's calendar feed (three months ahead) and
# 活动日历 (everything) have the rest.
BUILDING_PAGE_DAYS = 61


def template_globals(site: Site) -> dict[str, Any]:
    return {"gs": SiteView(site), "t": strings(site.info.language), "site_model": site, "building_page_days": BUILDING_PAGE_DAYS}


def tel_uri(phone: str) -> str:
    """A ``tel:`` link for a phone number as editors write it ("027-8765 4300",
    full-width digits): digits and a leading + only."""
    from .dates import normalise

    return "tel:" + re.sub(r"[^\d+]", "", normalise(phone))


# What must not appear raw inside <script>: "</script>" and "<!--" end or
# confuse the element; & and ' are escaped as Jinja's own tojson does.
_SCRIPT_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def json_script(value: Any) -> Any:
    """JSON for a ``<script type="application/json">``: like Jinja's tojson
    (HTML-safe), but compact and with Chinese characters as UTF-8, not
    ``\\uXXXX``. Material's page configuration is on every page; its
    translations written as escapes were ~0.6 KB of each page's 12 KB."""
    from markupsafe import Markup

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return Markup(text.translate(_SCRIPT_UNSAFE))


TEMPLATE_FILTERS = {
    "json_script": json_script,
    "tel": tel_uri,
    "zh_date": zh_date,
    "zh_date_short": zh_date_short,
    "zh_weekday": zh_weekday,
    "zh_month": zh_month,
    "hm": hm,
    "time_range": time_range,
    "isodate": lambda d: d.isoformat() if isinstance(d, date) else "",
}
