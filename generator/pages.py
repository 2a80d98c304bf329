"""Stage 4a, the site's generated pages: which pages exist, at which URL,
with which template and model object. No MkDocs here: the plugin turns each
:class:`PageSpec` into a virtual MkDocs file, another engine could turn it
into whatever it uses.

URLs come from stable ids only (never titles or positions), so a QR code
printed on a door keeps working after any edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Site
from .notices import index_entries as notice_index
from .strings import strings


@dataclass(frozen=True)
class PageSpec:
    src_uri: str  # as if it were a Markdown file in content/: "buildings/gy-01.md"
    template: str
    title: str
    kind: str
    obj: Any = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return url_of(self.src_uri)


def url_of(src: str) -> str:
    """The directory URL MkDocs gives a Markdown source path
    (use_directory_urls): "a/b.md" → "a/b/", "a/index.md" and
    "a/README.md" → "a/", "index.md" → ""."""
    stem = src[: -len(".md")]
    if stem in ("index", "README"):
        return ""
    if stem.endswith(("/index", "/README")):
        return stem.rsplit("/", 1)[0] + "/"
    return stem + "/"


def generated_pages(site: Site) -> list[PageSpec]:
    """Every page the model generates, in a stable order."""
    t = strings(site.info.language)
    pages = [
        PageSpec("index.md", "gongshi/home.html", site.info.title, "home"),
        PageSpec("bulletins/index.md", "gongshi/bulletins.html", t.bulletin_archive, "bulletins"),
        PageSpec("activities/index.md", "gongshi/activities.html", t.activity_calendar, "activities"),
        PageSpec("activities/past.md", "gongshi/activities_past.html", t.past_activities, "activities_past"),
        PageSpec("lectures/index.md", "gongshi/lectures.html", t.lectures, "lectures"),
        PageSpec("places/index.md", "gongshi/places.html", t.places_index, "places"),
        PageSpec("teams/index.md", "gongshi/teams.html", t.teams_title, "teams"),
        PageSpec("venues/index.md", "gongshi/venues.html", t.venues_title, "venues"),
        PageSpec("notices/index.md", "gongshi/notices.html", t.notices_index, "notices", notice_index(site)),
    ]
    # Year and month pages hold what a listing page links instead of listing
    # (render.LISTING_LIMIT). Under years/ and months/, so no bulletin or
    # activity id can take their URLs.
    for year in sorted({b.date.year for b in site.bulletins}, reverse=True):
        pages.append(PageSpec(f"bulletins/years/{year}.md", "gongshi/bulletins_year.html", t.year_bulletins.format(year=year), "bulletins_year", year))
    months = sorted({(o.start.year, o.start.month) for a in site.activities.values() for o in a.occurrences})
    for year, month in months:
        label = t.month.format(y=year, m=month)
        pages.append(PageSpec(f"activities/months/{year:04d}-{month:02d}.md", "gongshi/activities_month.html",
                              t.month_activities.format(month=label), "activities_month", f"{year:04d}-{month:02d}"))
    for column in site.columns.values():
        pages.append(PageSpec(f"bulletins/columns/{column.id}.md", "gongshi/column.html", column.name, "column", column))
    for activity in site.activities.values():
        pages.append(PageSpec(f"activities/{activity.id}.md", "gongshi/activity.html", activity.title, "activity", activity))
    for building in site.buildings.values():
        pages.append(PageSpec(f"buildings/{building.id}.md", "gongshi/building.html", site.building_label(building.id), "building", building))
    return pages
