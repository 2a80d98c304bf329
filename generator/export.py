"""The public data as JSON, for other apps (a WeChat mini program, a lobby screen).

    api/site.json

One file with everything public: the site, places, venues, teams, lecture
series, activities with their expanded occurrences, and the bulletin index.
The schema is documented in the README ("JSON export"); ``schema`` carries
its version, raised on any incompatible change (a field removed or its
meaning changed; adding fields is compatible).

Deterministic: records in the model's stable order, keys in a fixed order,
times as ISO 8601 with the site's offset, no build time. Contact phone
numbers are included because the site pages show them too; drafts never are.
"""

from __future__ import annotations

from typing import Any

import orjson

from .markup import plain_text
from .model import Activity, Contact, Occurrence, Site
from .outputs import Output

SCHEMA_VERSION = 1
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PATH = "api/site.json"


def write(out: Output) -> None:
    out.write(PATH, dumps(out.site), "JSON 数据导出")


def dumps(site: Site) -> bytes:
    """The export as UTF-8 JSON, compact, with a newline at the end.

    Compact: a quarter of the indented file was indentation (district
    scale: 42.6 MB → 31.8 MB for apps to download). People can
    pretty-print it: python -m json.tool.

    orjson, not the standard library's json: the same bytes as
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` encoded
    as UTF-8 (tests/test_export.py compares them), made as bytes at once:
    json made a str of the 31.9 MB of bench scale L (held as 2 bytes a
    character, Chinese text) and then its UTF-8 copy, 0.28 + 0.03 s, where
    orjson takes 0.07 s; the export was 0.91 s of CPU of a cold build's
    main process, and it is made again on every `serve` save."""
    return orjson.dumps(export(site), option=orjson.OPT_APPEND_NEWLINE)


def export(site: Site) -> dict[str, Any]:
    """The whole export as plain JSON values."""
    return {
        "schema": SCHEMA_VERSION,
        "site": {
            "title": site.info.title,
            "url": site.info.url,
            "timezone": site.info.timezone,
            "language": site.info.language,
            "description": site.info.description,
            "organisation": {
                "name": site.organisation.name,
                "address": site.organisation.address,
                "phone": site.organisation.phone,
                "postcode": site.organisation.postcode,
                "icp": site.organisation.icp,
            },
            "feeds": {"atom": site.absolute("feeds/atom.xml"), "calendar": site.absolute("calendar/all.ics")},
        },
        "places": _places(site),
        "venues": [
            {"id": v.id, "name": v.name, "kind": v.kind, "address": v.address, "community": v.community or None}
            for v in site.venues.values()
        ],
        "teams": [
            {
                "id": t.id, "name": t.name, "kind": t.kind, "community": t.community or None,
                "description": plain_text(t.description_html), "contact": _contact(t.contact),
                "calendar": site.absolute(f"calendar/teams/{t.id}.ics"),
            }
            for t in site.teams.values()
        ],
        "series": [
            {
                "id": s.id, "name": s.name, "description": plain_text(s.description_html),
                "lectures": [a.id for a in site.activities.values() if a.lecture and a.lecture.series == s.id],
                "calendar": site.absolute(f"calendar/series/{s.id}.ics"),
            }
            for s in site.series.values()
        ],
        "activities": [_activity(site, a) for a in site.activities.values()],
        "columns": [{"id": c.id, "name": c.name, "parent": c.parent or None} for c in site.columns.values()],
        "bulletins": [
            {
                "id": b.id, "issue": b.issue, "title": b.title, "date": b.date.isoformat(),
                "published": b.published.isoformat(), "column": b.column, "office": b.office or None,
                "summary": b.summary or None, "url": site.absolute(b.url),
            }
            for b in site.bulletins
        ],
    }


def _places(site: Site) -> dict[str, Any]:
    return {
        "district": {"id": site.district.id, "name": site.district.name},
        "communities": [
            {"id": c.id, "name": c.name, "address": c.address, "phone": c.phone, "estates": list(c.estates), "grids": list(c.grids)}
            for c in site.communities.values()
        ],
        "grids": [
            {"id": g.id, "name": g.name, "community": g.community, "worker": _contact(g.worker), "buildings": list(g.buildings)}
            for g in site.grids.values()
        ],
        "estates": [
            {"id": e.id, "name": e.name, "community": e.community, "address": e.address, "courtyards": list(e.courtyards), "buildings": list(e.buildings)}
            for e in site.estates.values()
        ],
        "courtyards": [{"id": c.id, "name": c.name, "estate": c.estate, "buildings": list(c.buildings)} for c in site.courtyards.values()],
        "buildings": [
            {
                "id": b.id, "name": b.name, "label": site.building_label(b.id),
                "community": b.community, "estate": b.estate, "courtyard": b.courtyard or None, "grid": b.grid or None,
                "entrances": [{"id": e.id, "name": e.name} for e in b.entrances],
                "url": site.absolute(b.url),
                "calendar": site.absolute(f"calendar/buildings/{b.id}.ics"),
                "digest": site.absolute(f"digests/{b.id}.txt"),
                "activities": list(site.activities_by_building.get(b.id, ())),
            }
            for b in site.buildings.values()
        ],
    }


def _activity(site: Site, a: Activity) -> dict[str, Any]:
    rec = a.recurrence
    return {
        "id": a.id,
        "title": a.title,
        "kind": a.kind,
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "venue": a.venue,
        "team": a.team or None,
        "audience": {"label": a.audience_label, "buildings": sorted(a.audience_buildings), "entrances": sorted(a.audience_entrances)},
        "description": a.description_text,
        "registration": a.registration or None,
        "contact": _contact(a.contact),
        "status": a.status,
        "status_note": a.status_note or None,
        "recurrence": None if rec is None else {
            "every": rec.every, "interval": rec.interval,
            "weekdays": [_WEEKDAYS[d] for d in rec.weekdays],
            "nth": rec.nth or None, "until": rec.until.isoformat(),
            "skip": [d.isoformat() for d in sorted(rec.skip)], "text": rec.describe,
        },
        "lecture": None if a.lecture is None else {
            "series": a.lecture.series, "speaker": a.lecture.speaker,
            "affiliation": a.lecture.affiliation, "topic": a.lecture.topic,
        },
        "occurrences": [_occurrence(o) for o in a.occurrences],
        "url": site.absolute(a.url),
        "calendar": site.absolute(f"calendar/activities/{a.id}.ics"),
    }


def _occurrence(o: Occurrence) -> dict[str, Any]:
    return {
        "start": o.start.isoformat(),
        "end": o.end.isoformat(),
        "status": o.status,
        "note": o.note or None,
        "key": o.key or None,
        "moved_from": o.moved_from.isoformat() if o.moved_from else None,
    }


def _contact(c: Contact | None) -> dict[str, str] | None:
    return None if c is None else {"role": c.role, "phone": c.phone}
