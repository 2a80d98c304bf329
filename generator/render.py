"""Stage 4b, what templates may call: the model, the shared queries and the
formatting filters, registered once on the Jinja environment.

Templates in ``theme/gongshi/`` never compute schedules themselves; they ask
these helpers, which ask :mod:`generator.queries`.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from jinja2 import Environment, FileSystemLoader, TemplateNotFound, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from jinja2.runtime import Context
from markupsafe import Markup, escape

from . import queries as q
from .markup import StripPiece, join_stripped
from .model import Activity, Bulletin, Site
from .strings import hm, strings, time_range, zh_date, zh_date_short, zh_month, zh_weekday
from .validate import BULLETIN_FIELDS


class SiteView:
    """The object templates see as ``gs``."""

    def __init__(self, site: Site):
        self.site = site
        self.t = strings(site.info.language)
        self._all_months: list[Month] | None = None
        # A building page asks three questions of one expansion of its
        # activities' occurrences (hundreds of activities at district scale);
        # only the last building's is kept (all of them: 10^6 items).
        self._invited: tuple[str, list[q.Item], list[q.Item], list[q.Item]] = ("", [], [], [])

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

    def bulletin_years(self) -> list[tuple[int, int]]:
        """(year, issues) for every year with bulletins, newest first: the
        archive's links to its year pages."""
        return [(year, len(items)) for year, items in self.bulletins_by_year()]

    def bulletins_of_year(self, year: int) -> list[Bulletin]:
        return [b for b in self.site.bulletins if b.date.year == year]

    def recent_bulletins_by_year(self, bulletins: list[Bulletin] | tuple[Bulletin, ...], limit: int) -> list[tuple[int, list[Bulletin], int]]:
        """The newest ``limit`` of ``bulletins`` (newest first), grouped by
        year: (year, shown, issues that year among ``bulletins``)."""
        totals: dict[int, int] = {}
        for b in bulletins:
            totals[b.date.year] = totals.get(b.date.year, 0) + 1
        groups: OrderedDict[int, list[Bulletin]] = OrderedDict()
        for b in bulletins[:limit]:
            groups.setdefault(b.date.year, []).append(b)
        return [(year, items, totals[year]) for year, items in groups.items()]

    # --- activities ------------------------------------------------------
    def this_week(self) -> list[q.Item]:
        """The next seven days from today (on a Sunday "this week" would be
        one day long, so residents get a rolling week)."""
        first, last = q.window(self.site.today, 7)
        return q.every_item(self.site, first, last)

    def upcoming(self, limit: int | None = None, after_week: bool = False) -> list[q.Item]:
        items = q.upcoming(self.site)
        if after_week:
            _first, last = q.window(self.site.today, 7)
            items = [i for i in items if i.occurrence.start.date() > last]
        return items[:limit] if limit else items

    def coming_listing(self, limit: int) -> list[Month]:
        """活动日历: the first ``limit`` coming occurrences by month; each
        month knows how many coming ones it has in all."""
        return _months(q.upcoming(self.site), limit)

    def past_listing(self, limit: int) -> list[Month]:
        """往期活动: the ``limit`` most recent past occurrences, newest first."""
        return _months(q.past(self.site), limit)

    def coming_months(self) -> list[Month]:
        return _months(q.upcoming(self.site), 0)

    def past_months(self) -> list[Month]:
        return _months(q.past(self.site), 0)

    def all_months(self) -> list[Month]:
        """Every month with an occurrence (each has a page), in order."""
        if self._all_months is None:
            items = q.every_item(self.site)
            self._all_months = sorted(_months(items, 0), key=lambda m: m.key)
        return self._all_months

    def neighbour_months(self, key: str) -> tuple[Month | None, Month | None]:
        months = self.all_months()
        at = [m.key for m in months].index(key)
        return (months[at - 1] if at > 0 else None), (months[at + 1] if at + 1 < len(months) else None)

    def neighbour_years(self, year: int) -> tuple[int | None, int | None]:
        years = sorted(y for y, _n in self.bulletin_years())
        at = years.index(year)
        return (years[at - 1] if at > 0 else None), (years[at + 1] if at + 1 < len(years) else None)

    def month_items(self, key: str) -> list[q.Item]:
        """Every occurrence starting in the month ``key`` ("2026-12")."""
        year, month = (int(x) for x in key.split("-"))
        first = date(year, month, 1)
        last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return [i for i in q.every_item(self.site, first, last) if i.occurrence.start.date() >= first]

    def for_building(self, building_id: str, coming_only: bool = True, days: int | None = None) -> list[q.Item]:
        """What the building's residents are invited to; with ``days``, only
        what starts within that many days from today."""
        whole, coming, _past = self._for_building(building_id)
        items = coming if coming_only else whole
        if days is not None:
            _first, last = q.window(self.site.today, days)
            return [i for i in items if i.occurrence.start.date() <= last]
        return list(items)

    def later_for_building(self, building_id: str, days: int) -> int:
        """How many coming occurrences start after the first ``days`` days."""
        _first, last = q.window(self.site.today, days)
        return sum(1 for i in self._for_building(building_id)[1] if i.occurrence.start.date() > last)

    def past_for_building(self, building_id: str, limit: int = 10) -> list[q.Item]:
        return list(reversed(self._for_building(building_id)[2]))[:limit]

    def _for_building(self, building_id: str) -> tuple[list[q.Item], list[q.Item], list[q.Item]]:
        """(all, coming, past) of what the building's residents are invited to."""
        if self._invited[0] != building_id or not building_id:
            whole = q.for_building(self.site, building_id)
            self._invited = (building_id, whole, *q.split_over(self.site, whole))
        return self._invited[1:]

    def next_lecture(self) -> q.Item | None:
        return q.next_lecture(self.site)

    def lectures_in_series(self, series_id: str) -> tuple[list[q.Item], list[q.Item]]:
        acts = [a for a in q.lectures(self.site) if a.lecture and a.lecture.series == series_id]
        return q.upcoming(self.site, acts), q.past(self.site, acts)

    def occurrence_items(self, activity: Activity) -> list[q.Item]:
        return q.items(self.site, (activity,))

    def is_past(self, item: q.Item) -> bool:
        return q.is_over(self.site, item.occurrence)

    def is_over(self, start: datetime, end: datetime) -> bool:
        """An activity's whole span over as of today (queries.over_by)."""
        return q.over_by(self.site, start, end, self.site.today)

    # --- places ----------------------------------------------------------
    def buildings_of(self, ids: Iterable[str]) -> list[Any]:
        return [self.site.buildings[i] for i in ids]

    def status_label(self, status: str) -> str:
        return self.t.get(f"status_{status}", "")


@dataclass(frozen=True)
class Month:
    key: str  # "2026-12": the month page's URL part
    label: str  # "2026年12月"
    items: list[q.Item]  # those shown on the listing page (may be none)
    total: int  # all of this month's occurrences the listing counts

    @property
    def url(self) -> str:
        return month_url(self.key)


def month_key(when: date) -> str:
    return f"{when.year:04d}-{when.month:02d}"


def month_url(key: str) -> str:
    return f"activities/months/{key}/"


def year_url(year: int) -> str:
    return f"bulletins/years/{year}/"


def _months(items: list[q.Item], limit: int) -> list[Month]:
    """Group ``items`` (already in listing order) by the month they start in,
    keeping the first ``limit`` items; every month is counted in full."""
    # By (year, month), each month's key and label made once: formatting
    # them for each of 12,260 occurrences was most of 8 ms a listing at
    # bench scale L, and 往期活动 lists its months twice (chips, sections).
    totals: dict[tuple[int, int], int] = {}
    shown: dict[tuple[int, int], list[q.Item]] = {}
    firsts: dict[tuple[int, int], datetime] = {}
    for n, item in enumerate(items):
        start = item.occurrence.start
        month = (start.year, start.month)
        if month not in totals:
            totals[month], shown[month], firsts[month] = 0, [], start
        totals[month] += 1
        if n < limit:
            shown[month].append(item)
    return [Month(month_key(firsts[m]), zh_month(firsts[m]), shown[m], totals[m]) for m in totals]


# A listing page (活动日历, 往期活动, 简报档案, a column) shows this many items
# in full and links the rest by month or year. At district scale the calendar
# listed 6,000 coming occurrences (1.3 MB), 往期活动 3.4 MB and the archive
# 5,000 issues (1.9 MB): too much for a cheap phone. A community's own site
# (a few hundred a year) stays one page as before.
LISTING_LIMIT = 200


# A building page lists the next two months. A weekly activity alone is
# otherwise listed dozens of times (a community's building page in the
# benchmark's M corpus listed 1,421 occurrences, 172 KB): no resident scrolls
# that on a phone. The building's calendar feed (three months ahead) and
# 活动日历 (everything) have the rest.
BUILDING_PAGE_DAYS = 61


# Material's page shell (the tabs, the navigation drawer, the footer, the
# page configuration, the scripts, the search box) comes out the same for
# every page that is not in the nav and sits in the same folder: no nav item
# is active, there is no previous/next page, and every link in it is
# relative to the same place. cProfile of a full L build (17,340 pages):
# rendering those parts was ~150 s of the 230 s spent in templates, 10,300
# of the pages in one folder (activities/). Each part is rendered once per
# folder and build, and pasted into the others. tests/test_shell_cache.py
# builds sites with and without it: the same bytes.
SHELL_CACHE = True


class ShellCache:
    """``gs_shell(part, page, nav, base_url)`` in a ``{% call %}`` around a
    Material block: one instance per build (template_globals)."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], Any] = {}
        # The page being rendered and its key: a page asks for nine parts.
        self._last: tuple[Any, Any, str, str | None] = (None, None, "", None)
        # The nav of this build and the folders its entries lie in.
        self._nav: tuple[Any, frozenset[str]] = (None, frozenset())

    def __call__(self, part: str, page: Any, nav: Any, base_url: str, caller: Any) -> Any:
        last = self._last
        if last[0] is not page or last[1] is not nav or last[2] != base_url or page is None:
            if self._nav[0] is not nav:
                self._nav = (nav, nav_folders(nav))
            key = self.key(page, nav, base_url)
            if key is not None and str(page.url) in self._nav[1]:
                # An entry of the nav lies in the page's own folder: the
                # archive bulletins/ of a nav made of the Markdown pages
                # (mkdocs.yml without one) links to bulletins/<name>/ as
                # <name>/, where activities/, of the same key, has
                # ../bulletins/<name>/.
                key = None
            last = self._last = (page, nav, base_url, key)
        key = last[3]
        if key is not None and part == "toc" and len(page.toc):
            if getattr(page, "gs_shell_probe", False):
                return Markup(_PROBE_TOC)  # PageShells: the page's own, rendered alone
            key = None  # the page's own table of contents
        if key is None:
            return caller()
        if (part, key) not in self._parts:
            self._parts[(part, key)] = caller()
        return self._parts[(part, key)]

    @staticmethod
    def key(page: Any, nav: Any, base_url: str) -> str | None:
        """The folder the page's links are relative to, or None where the
        parts depend on the page itself (its table of contents is left to
        the caller: only the "toc" part shows it)."""
        if not SHELL_CACHE or page is None or page.previous_page is not None or page.next_page is not None:
            return None
        if nav is not None and any(p is page for p in nav.pages):
            return None  # its own tab and nav item are marked active
        hide = ",".join(sorted(str(h) for h in (page.meta.get("hide") or ())))
        return f"{folder_key(str(page.url))}|{base_url}|{hide}"


def nav_folders(nav: Any) -> frozenset[str]:
    """The folders below the root that hold an entry of the nav (a page or
    a link of the site): bulletins/ and bulletins/2026/ for
    bulletins/2026/x/. A page at one of them links to that entry relative
    to its own folder, which :func:`folder_key` does not tell apart."""
    found: set[str] = set()
    stack = list(getattr(nav, "items", None) or ())
    while stack:
        item = stack.pop()
        stack.extend(getattr(item, "children", None) or ())
        url = str(getattr(item, "url", None) or "")
        if not url or ":" in url or url.startswith(("/", "#")):
            continue  # none, another site's or an absolute path
        # bulletins/2026/x/ (itself a folder) or bulletins/2026/x.html: the
        # folders bulletins/ and bulletins/2026/.
        folders = url.split("#")[0].split("?")[0].rstrip("/").split("/")[:-1]
        found.update("/".join(folders[: n + 1]) + "/" for n in range(len(folders)))
    return frozenset(found)


def folder_key(url: str) -> str:
    """What relative links from a page at ``url`` depend on: the folder
    of its folder and its depth (use_directory_urls: a page is its own
    folder, so its siblings' links are the same)."""
    return f"{url.rstrip('/').rpartition('/')[0]}|{url.count('/')}"


# A building page lists what its residents are invited to, and most of that
# is invited community-wide: the same list items on the ~80 building pages of
# a community. Each item is rendered once per build and folder (its links
# are relative to the page's folder) and pasted into the other pages.
# tests/test_shell_cache.py builds sites with and without it: the same bytes.
FRAGMENT_CACHE = True


class FragmentCache:
    """``gs_fragment(key, page)`` in a ``{% call %}`` around a fragment that
    shows only what ``key`` names (and links relative to ``page``'s folder):
    one instance per build (template_globals)."""

    def __init__(self) -> None:
        self._parts: dict[tuple[object, ...], Any] = {}

    def __call__(self, key: tuple[object, ...], page: Any, caller: Any) -> Any:
        if not FRAGMENT_CACHE or page is None:
            return caller()
        full = (*key, folder_key(str(page.url)))
        found = self._parts.get(full)
        if found is None:
            found = self._parts[full] = caller()
        return found


# Pages of these kinds are made by the page shells below: the same template
# in one folder gives the same page around the content block but for the
# title, the canonical address and, with headings, the table of contents
# and the skip link to the first (the pages are not in the nav). 10,300
# activity, 2,000 building and 5,000 bulletin pages at bench scale L.
# tests/test_shell_cache.py builds sites with and without it: the same bytes.
PAGE_SHELLS = True
SHELL_TEMPLATES = ("gongshi/activity.html", "gongshi/building.html", "gongshi/bulletin.html")
_SHELL_KINDS = frozenset({"activity", "building", "bulletin"})
# main.html's table-of-contents sidebar, which a page with headings renders alone.
TOC_SIDEBAR = "partials/gongshi-toc-sidebar.html"
# The sidebar alone: what base.html sets that it reads, then main.html's include.
_TOC_ALONE = ('{% import "partials/language.html" as lang with context %}{% set features = config.theme.features or [] %}'
              '{% include "' + TOC_SIDEBAR + '" %}')
# What page.meta may hold that the shell does not show: what the plugin
# sets, and a bulletin's own fields (the content block shows them, from
# gs_obj; the title is a slot). Anything else (an editor's description,
# hide, …: Material's base template reads such keys) is part of the key.
_SHELL_META = frozenset({"template", "title", "gs_kind", "gs_obj", "gs_lastmod", *BULLETIN_FIELDS})
# Stand-ins for a page's title and address while its shell is made, between
# private-use characters, which no title or address holds. The title is
# Markup (escaped when the page was read), printed as it is; the address
# is a string, escaped where the template escapes (Gongshi's templates) and
# not where it does not (Material's): its stand-in's & shows which.
_PROBE_TITLE = "\ue000gs-title\ue001"
_PROBE_URL = "\ue000gs-url&\ue001"
_PROBE_URL_ESCAPED = "\ue000gs-url&amp;\ue001"
# A page with headings: its table of contents (ShellCache gives this for a
# stand-in page's "toc" part), and the first heading's anchor (the skip link).
_PROBE_TOC = "\ue000gs-toc\ue001"
_PROBE_SKIP = "\ue000gs-skip\ue001"
_PROBE = re.compile("(\ue000gs-(?:title|url&|url&amp;|toc|skip)\ue001)")


@dataclass(frozen=True)
class _Shell:
    """A page around its content block: literal text, and where the title,
    the canonical address (escaped or not) and, for a page with headings,
    its table of contents and first anchor go."""

    before: tuple[str, ...]  # text, slot, text, slot, …, text
    after: tuple[str, ...]
    # The text pieces stripped alone (markup.StripPiece), at their places.
    stripped: tuple[tuple[StripPiece | None, ...], tuple[StripPiece | None, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def pieces(parts: tuple[str, ...]) -> tuple[StripPiece | None, ...]:
            return tuple(None if i % 2 else StripPiece.of(part) for i, part in enumerate(parts))

        object.__setattr__(self, "stripped", (pieces(self.before), pieces(self.after)))

    @staticmethod
    def values(page: Any, toc: Callable[[], str]) -> dict[str, str]:
        """What each stand-in of a shell is for ``page``."""
        url = page.canonical_url
        values = {_PROBE_TITLE: str(page.meta.get("title")), _PROBE_URL: url, _PROBE_URL_ESCAPED: str(escape(url))}
        if len(page.toc):
            values[_PROBE_SKIP] = next(iter(page.toc)).url[1:]
            values[_PROBE_TOC] = toc()
        return values

    def fill(self, values: dict[str, str], content: str) -> str:
        # split() with one group: text at even places, a stand-in at odd ones.
        out = [values[part] if i % 2 else part for i, part in enumerate(self.before)]
        out.append(content)
        out.extend(values[part] if i % 2 else part for i, part in enumerate(self.after))
        return "".join(out)

    def fill_stripped(self, values: dict[str, str], content: str) -> str | None:
        """markup.strip_indentation of :meth:`fill`, with the shell's own
        text stripped once (markup.join_stripped); None where a join of
        the page's parts and the shell's text does not allow that."""
        own = {part: StripPiece.of(value) for part, value in values.items()}
        before, after = self.stripped
        pieces = [own[self.before[i]] if piece is None else piece for i, piece in enumerate(before)]
        pieces.append(StripPiece.of(content))
        pieces.extend(own[self.after[i]] if piece is None else piece for i, piece in enumerate(after))
        return join_stripped(pieces)


class _ProbeHeading:
    """The stand-in page's one heading (what the shell reads of page.toc)."""

    url = "#" + _PROBE_SKIP
    title = _PROBE_SKIP
    level = 2
    children: list[Any] = []


class PageShells:
    """``Template.render`` of :data:`SHELL_TEMPLATES`: the page's content
    block rendered alone, in the shell its template and folder give.

    Why: outside their content block, pages of one template in one folder
    differ only in their title, canonical address and table of contents,
    yet Material's base template (its head, header, nav, footer and
    scripts, through ~40 blocks, includes and macros, most of them already
    cached by ShellCache) was most of rendering them: in a cold build at
    bench scale L (py-spy), 169 of activity.html's 254 samples, 31 of
    building.html's 136, and 100 of bulletin.html's 137 (14 its content
    block, 23 its table of contents, which a page still renders alone).

    A shell is made from the first page of its template and folder,
    rendered whole with stand-ins for the title, the address and (with
    headings) the table of contents and its first anchor: the text before
    and after its content block. The second page is rendered both
    ways, and the shell is used only if they are the same; otherwise (a
    template that prints the title through a filter, a block that reads
    what the whole template sets, anything else of the page outside the
    block) that template and folder are rendered whole, as are pages in the
    nav (ShellCache.key) or of other kinds. What else of a page Material's
    base template could show (page.meta beyond the plugin's keys and a
    bulletin's fields) is part of the shell's key. A page made from its
    shell comes out already stripped of its indentation (_Shell.fill_stripped;
    plugin.on_post_page asks :meth:`stripped` and does not strip it again).
    One instance per build (plugin.on_env)."""

    def __init__(self) -> None:
        # _key → the shell, or None: render whole
        self._shells: dict[tuple[object, ...], _Shell | None] = {}
        self._checked: set[tuple[object, ...]] = set()
        self._toc_alone: Any = None  # _TOC_ALONE, compiled once
        self.filled = 0  # pages made from a shell (tests)
        # id() of the pages rendered already stripped, until stripped() is asked
        self._stripped: set[int] = set()
        self.prestripped = 0  # filled pages that came out stripped (tests)

    def install(self, env: Environment) -> None:
        if not PAGE_SHELLS:
            return
        for name in SHELL_TEMPLATES:
            try:
                template = env.get_template(name)
            except TemplateNotFound:  # a theme without it: nothing to make
                continue
            whole = template.render
            # An instance attribute shadows Template.render for this
            # environment's template only (MkDocs makes one per build).
            template.render = functools.partial(self._render, template, whole)  # type: ignore[method-assign]

    def _render(self, template: Any, whole: Any, *args: Any, **kwargs: Any) -> str:
        context = dict(*args, **kwargs)
        page = context.get("page")
        key = self._key(template, page, context)
        if key is None:
            return str(whole(context))
        if key not in self._shells:
            out = str(whole(context))
            self._shells[key] = self._make(template, whole, context, page)
            return out
        shell = self._shells[key]
        if shell is None:
            return str(whole(context))
        content = _content_block(template, context)
        toc = functools.partial(self._toc, template.environment, context)
        if key not in self._checked:
            out = str(whole(context))
            try:
                same = shell.fill(shell.values(page, toc), content) == out
            except Exception:  # noqa: BLE001 - a theme whose parts cannot be rendered alone: render whole
                same = False
            if same:
                self._checked.add(key)
            else:
                self._shells[key] = None
            return out
        self.filled += 1
        values = shell.values(page, toc)
        stripped = shell.fill_stripped(values, content)
        if stripped is None:
            return shell.fill(values, content)
        self._stripped.add(id(page))
        self.prestripped += 1
        return stripped

    def stripped(self, page: Any) -> bool:
        """Whether the page just rendered came out of :meth:`_render`
        already stripped of its indentation (markup.strip_indentation),
        which the caller then need not do again; asked once per page."""
        if id(page) in self._stripped:
            self._stripped.discard(id(page))
            return True
        return False

    def _toc(self, env: Environment, context: dict[str, Any]) -> str:
        """The page's table-of-contents sidebar, as main.html includes it,
        with what base.html sets for it (lang, features)."""
        if self._toc_alone is None:
            self._toc_alone = env.from_string(_TOC_ALONE)
        return str(self._toc_alone.render(context))

    @staticmethod
    def _key(template: Any, page: Any, context: dict[str, Any]) -> tuple[object, ...] | None:
        """Pages with the same key have the same shell: the template, the
        folder (ShellCache.key), whether there are headings, and the rest
        of page.meta (an editor's front matter)."""
        if page is None or page.meta.get("gs_kind") not in _SHELL_KINDS or "content" not in template.blocks:
            return None
        title = page.meta.get("title")
        if title is None or _PROBE.search(str(title)) or page.canonical_url is None or _PROBE.search(page.canonical_url):
            return None
        if len(page.toc) and _PROBE.search(next(iter(page.toc)).url):
            return None
        folder = ShellCache.key(page, context.get("nav"), str(context.get("base_url")))
        if folder is None:
            return None
        rest = repr(sorted((k, v) for k, v in page.meta.items() if k not in _SHELL_META))
        return (template.name, folder, bool(len(page.toc)), rest)

    @staticmethod
    def _make(template: Any, whole: Any, context: dict[str, Any], page: Any) -> _Shell | None:
        probe = copy.copy(page)
        probe.meta = {**page.meta, "title": Markup(_PROBE_TITLE)}
        probe.canonical_url = _PROBE_URL
        if len(page.toc):
            probe.toc = [_ProbeHeading()]
            probe.gs_shell_probe = True  # ShellCache: its "toc" part is the stand-in
        probe_context = {**context, "page": probe}
        try:
            probe_out = str(whole(probe_context))
            probe_content = _content_block(template, probe_context)
        except Exception:  # noqa: BLE001 - a block that cannot be rendered alone: render whole
            return None
        if not probe_content or probe_out.count(probe_content) != 1:
            return None
        before, after = probe_out.split(probe_content)
        return _Shell(tuple(_PROBE.split(before)), tuple(_PROBE.split(after)))


def _content_block(template: Any, context: dict[str, Any]) -> str:
    """The page's content block alone, as the whole template renders it."""
    return str(template.environment.concat(template.blocks["content"](template.new_context(context))))


class Translations:
    """``gs_translate(language, key)``: Material's string ``key``
    (theme/partials/language.html), as its ``t()`` makes it from
    ``partials/languages/<language>.html`` and English, made once per build
    and language. One instance per build (template_globals): a theme edit in
    ``serve`` is read again by the next build."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str], str] = {}

    @pass_context
    def __call__(self, context: Context, language: str, key: str) -> str:
        found = self._found.get((language, key))
        if found is None:
            env = context.environment
            own = env.get_template(f"partials/languages/{language}.html").module.t  # type: ignore[attr-defined]
            fallback = env.get_template("partials/languages/en.html").module.t  # type: ignore[attr-defined]
            found = self._found[(language, key)] = str(own(key) or fallback(key) or key)
        return found


def template_globals(site: Site) -> dict[str, Any]:
    return {"gs": SiteView(site), "t": strings(site.info.language), "site_model": site, "building_page_days": BUILDING_PAGE_DAYS,
            "listing_limit": LISTING_LIMIT, "month_url": month_url, "year_url": year_url, "gs_shell": ShellCache(),
            "gs_fragment": FragmentCache(), "gs_translate": Translations()}


# Where the text of an element is kept as it is (markup.strip_indentation):
# its start tag or its end tag, in a template's text.
_KEPT_ELEMENT = re.compile(r"<(/?)(pre|textarea|script)\b", re.I)
_TEMPLATE_INDENT = re.compile(r"\n[\n \t]+")


class TemplateIndentation(Extension):
    """Drops the indentation and blank lines of the theme's HTML templates
    from their text when they are compiled, as markup.strip_indentation
    drops them from every page (on_post_page), so that it finds far less to
    drop. Each run of blank lines and indentation in a template's own text
    becomes one newline, outside ``<pre>``, ``<textarea>`` and ``<script>``.
    strip_indentation then makes the same page of what is left: of a run of
    whitespace it keeps the text up to the first newline and one newline,
    and this only removes text after a newline of a run.
    tests/test_shell_cache.py builds the sample both ways: the same bytes.

    Why: strip_indentation was the main process's largest single cost in a
    cold build at bench scale L (py-spy: 113 of its 2,095 samples, ~130 us
    a page over 17,340 pages), most of it replacing Material's indentation.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        if not TEMPLATE_INDENTATION or not (stream.name or "").endswith(".html"):
            yield from stream
            return
        kept: str | None = None  # the kept element the text is in
        for token in stream:
            if token.type == "data":
                value, kept = _without_indentation(token.value, kept)
                token = Token(token.lineno, "data", value)
            yield token


# Off: the templates' text as it is (tests compare the pages both ways).
TEMPLATE_INDENTATION = True


def _without_indentation(text: str, kept: str | None) -> tuple[str, str | None]:
    """``text`` with each run of blank lines and indentation outside kept
    elements made one newline, and the kept element it ends in (``kept``:
    the one it starts in). A template whose kept element is left open is
    left as it is from there on."""
    out = []
    pos = 0
    for m in _KEPT_ELEMENT.finditer(text):
        name = m.group(2).lower()
        if kept is None and not m.group(1):
            out.append(_TEMPLATE_INDENT.sub("\n", text[pos : m.start()]))
            pos, kept = m.start(), name
        elif kept == name and m.group(1):
            out.append(text[pos : m.start()])
            pos, kept = m.start(), None
    rest = text[pos:]
    out.append(rest if kept is not None else _TEMPLATE_INDENT.sub("\n", rest))
    return "".join(out), kept


def fixed_templates(env: Environment) -> None:
    """Templates are loaded once per environment and never checked again.

    A page loads ~16 templates (includes, imports, Material's partials) and
    a build renders ~19,000 pages (bench scale L). Jinja's default cache is
    an LRU of 400 that moves the template's key to the end of a deque on
    every load (a linear search), and with ``auto_reload`` (Jinja's
    default; MkDocs turns it off in its own) it asks the file system for
    the template's time each time. An environment serves one build,
    ``serve``'s rebuilds included (MkDocs makes one for each, and so does
    outputs.Output), and no template changes during one: a plain dict is
    enough, and nothing is out of date. Measured at bench scale M (31,937
    loads): 0.343 / 0.393 s in ``get_template`` before, 0.294 / 0.342 s
    after, alternating."""
    env.cache = {}
    env.auto_reload = False


class ThemeLoader(FileSystemLoader):
    """The theme folders' loader, listing no file or folder whose name starts
    with a dot.

    Before every build, ``serve``'s rebuilds included, MkDocs lists every
    file of the theme to copy the static ones, and drops each path with a
    part starting with "." (``Files.add_files_from_theme``: the patterns
    ``.*`` and ``*/.*``). Material's ``.icons`` holds ~14,000 of its 14,550
    files: walking and filtering them took ~0.08 s of each save in
    ``serve`` at bench scale L (py-spy: 5 % of the rebuilds). Not listing
    them gives MkDocs the same static files (tests/test_theme_loader.py
    compares both); templates still load from them (Material includes its
    icons)."""

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for searchpath in self.searchpath:
            for dirpath, dirnames, filenames in os.walk(searchpath, followlinks=self.followlinks):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for filename in filenames:
                    if filename.startswith("."):
                        continue
                    name = os.path.join(dirpath, filename)[len(searchpath) :].strip(os.path.sep).replace(os.path.sep, "/")
                    found.add(name[2:] if name[:2] == "./" else name)
        return sorted(found)


def theme_listing_without_dots(theme: Any) -> None:
    """Give a MkDocs theme's environments a :class:`ThemeLoader` (an
    instance attribute shadows ``Theme.get_env`` for this config only)."""
    make_env = theme.get_env

    def get_env() -> Environment:
        env = make_env()
        loader = env.loader
        if type(loader) is FileSystemLoader:
            env.loader = ThemeLoader(loader.searchpath, loader.encoding, loader.followlinks)
        return env

    theme.get_env = get_env


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
