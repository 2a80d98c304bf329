"""sitemap.xml with ``lastmod`` taken from content dates, never the build time.

MkDocs stamps every page with the build date, which makes ``lastmod`` lie
(every page "changed" on every build) and the output differ from one build to
the next. The plugin asks :func:`lastmod` for each page; the theme's
``sitemap.xml`` prints it, and pages with no date in their content (an
"about" page) get no ``lastmod`` at all rather than an invented one.

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
import weakref
from datetime import date
from typing import Any

from .model import Site


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


# The site _month_lastmods was last asked for (weakly: a `serve` process must
# not keep an old model alive) and its answer: each month page's date had gone
# through every activity and occurrence (0.8 s of a cold build at bench scale
# L, 12 months x 10,000 activities).
_MONTHS: tuple[weakref.ref[Site], dict[str, date]] | None = None


def _month_lastmods(site: Site) -> dict[str, date]:
    """"YYYY-MM" → the latest start of the activities with an occurrence in
    that month."""
    global _MONTHS
    if _MONTHS is None or _MONTHS[0]() is not site:
        table: dict[str, date] = {}
        for a in site.activities.values():
            start = a.start.date()
            for month in {f"{o.start:%Y-%m}" for o in a.occurrences}:
                if month not in table or table[month] < start:
                    table[month] = start
        _MONTHS = (weakref.ref(site), table)
    return _MONTHS[1]


def latest(site: Site) -> date:
    """The newest content date of the site (``--today`` if it has none)."""
    dates = [b.published for b in site.bulletins] + [a.start.date() for a in site.activities.values()]
    return max(dates, default=site.today)


def fix_gzip(out: Any) -> None:
    """Rewrite ``sitemap.xml.gz`` with a zero gzip mtime.

    MkDocs stamps the gzip header with the newest page date; the plugin sets
    those from content, but any page it did not stamp would bring the build
    time back, so the header is made independent of it here.
    """
    src = out.out_dir / "sitemap.xml"
    if not src.exists():
        return
    buf = io.BytesIO()
    with gzip.GzipFile(filename="sitemap.xml", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(src.read_bytes())
    out.write("sitemap.xml.gz", buf.getvalue(), "sitemap")
