"""sitemap.xml with ``lastmod`` taken from content dates, never the build time.

MkDocs stamps every page with the build date, which makes ``lastmod`` lie
(every page "changed" on every build) and the output differ from one build to
the next. The plugin asks :func:`lastmod` for each page, and pages with no
date in their content (an "about" page) get no ``lastmod`` at all rather
than an invented one.

The file is written here (:func:`urlset`, :func:`write`), not by MkDocs from
a theme template: at bench scale L (19,341 pages) Jinja took ~83 ms to
render it and MkDocs ~25 ms to gzip it with a stamp the plugin then wrote
over, gzipping it again; in `serve` every save that adds or removes a page
paid for all three (py-spy of twelve saves adding an activity, in process).

The date of each kind of page:

* bulletin: its published date; a column: its newest bulletin;
* activity: its (first) start date; a building: the latest start among the
  activities its residents are invited to; lectures: the latest lecture;
* home, archives and lists: the newest bulletin or activity they show; other
  generated pages (places, teams, venues…): the newest content date of the site.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import escape

from .fsutil import write_file
from .model import Site
from .queries import PerModel


def lastmod(site: Site, kind: str, obj: Any) -> date | None:
    """The content date of a page of ``kind`` (``gs_kind``), or None."""
    acts = site.activities.values()
    if kind == "bulletin":
        return obj.published  # type: ignore[no-any-return]
    if kind == "column":
        return max((b.published for b in site.bulletins if b.column == obj.id), default=None)
    if kind == "activity":
        return obj.start.date()  # type: ignore[no-any-return]
    if kind == "building":
        return max((site.activities[i].start.date() for i in site.activities_by_building.get(obj.id, ())), default=None)
    if kind == "bulletins":
        return max((b.published for b in site.bulletins), default=None)
    if kind == "bulletins_year":
        return max((b.published for b in site.bulletins if b.date.year == obj), default=None)
    if kind == "activities_month":
        return _month_lastmods(site).get(obj)
    if kind in ("activities", "activities_past"):
        return max((a.start.date() for a in acts), default=None)
    if kind == "lectures":
        return max((a.start.date() for a in acts if a.lecture), default=None)
    if kind:
        return latest(site)
    return None


def _month_table(site: Site) -> dict[str, date]:
    """"YYYY-MM" → the latest start of the activities with an occurrence in
    that month. Months as (year, month) while scanning, formatted once at
    the end: formatting each occurrence's made the scan 0.039 s at bench
    scale L (12,260 occurrences), now 0.015 s."""
    table: dict[tuple[int, int], date] = {}
    for a in site.activities.values():
        start = a.start.date()
        for month in {(o.start.year, o.start.month) for o in a.occurrences}:
            if month not in table or table[month] < start:
                table[month] = start
    return {f"{y:04d}-{m:02d}": d for (y, m), d in table.items()}


def _newest(site: Site) -> date:
    dates = [b.published for b in site.bulletins] + [a.start.date() for a in site.activities.values()]
    return max(dates, default=site.today)


# Once per model: each month page's date went through every activity and
# occurrence (0.8 s of a cold build at bench scale L, 12 months x 10,000
# activities), and the site's newest date (~6 ms at L) is asked for every
# page of a kind without a date of its own, and once per `serve` rebuild.
_month_lastmods = PerModel(_month_table)
_LATEST = PerModel(_newest)


def latest(site: Site) -> date:
    """The newest content date of the site (``--today`` if it has none)."""
    return _LATEST(site)


_XML_SPECIAL = re.compile(r"[&<>\"']")


def urlset(pages: Iterable[Any]) -> str:
    """sitemap.xml listing ``pages`` (MkDocs pages, in the order given)
    that are not links and have a URL: the canonical one where there is one,
    with ``meta["gs_lastmod"]`` (set by the plugin from :func:`lastmod`)
    where it is not None."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    # Made on every build and `serve` save, for every page (~22 ms at bench
    # scale L): the few hundred dates are formatted once each, and a URL is
    # escaped only where it needs to be.
    lines: dict[date, str] = {}
    for page in pages:
        if page.is_link:
            continue
        loc = page.canonical_url or page.abs_url
        if not loc:
            continue
        if _XML_SPECIAL.search(loc):
            loc = escape(loc)
        day = page.meta.get("gs_lastmod")
        when = (lines.get(day) or lines.setdefault(day, f"\n    <lastmod>{day.isoformat()}</lastmod>")) if day else ""
        parts.append(f"\n  <url>\n    <loc>{loc}</loc>{when}\n  </url>")
    parts.append("\n</urlset>\n")
    return "".join(parts)


def write(site_dir: Path, text: str) -> None:
    """``sitemap.xml`` and ``sitemap.xml.gz`` (the same bytes, gzipped with
    a zero mtime, so that two builds give the same file) in ``site_dir``."""
    data = text.encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="sitemap.xml", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(data)
    write_file(site_dir / "sitemap.xml", data, replace=True)
    write_file(site_dir / "sitemap.xml.gz", buf.getvalue(), replace=True)
