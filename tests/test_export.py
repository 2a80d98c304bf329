"""The JSON export (api/site.json): its content against the fixture data, and
its documentation in the README."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import REPO
from subs_expect import activities, buildings_tree, for_building, load, occurrences

TZ = ZoneInfo("Asia/Shanghai")
TOP_KEYS = ["schema", "site", "places", "venues", "teams", "series", "activities", "columns", "bulletins"]


def export(site: Path) -> dict:
    return json.loads((site / "api/site.json").read_text(encoding="utf-8"))


def test_export_top_level_and_site(basic_site: Path) -> None:
    data = export(basic_site)
    assert list(data) == TOP_KEYS
    assert data["schema"] == 1
    site = load("basic", "site.yml")
    assert data["site"]["url"] == site["site"]["url"]
    assert data["site"]["title"] == site["site"]["title"]
    assert data["site"]["timezone"] == "Asia/Shanghai"
    assert data["site"]["organisation"]["icp"] == site["organisation"]["icp"]


def test_export_activities_with_occurrences(basic_site: Path) -> None:
    data = export(basic_site)
    fixture = {a["id"]: a for a in activities("basic")}
    assert {a["id"] for a in data["activities"]} == set(fixture)
    for a in data["activities"]:
        src = fixture[a["id"]]
        assert a["title"] == src["title"]
        assert a["status"] == src.get("status", "scheduled")
        assert a["url"] == f"https://test.example.cn/activities/{a['id']}/"
        want = [(o.start, o.end, o.status, o.original.isoformat() if o.moved and o.original else None) for o in occurrences("basic", src, TZ)]
        got = [(datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"]), o["status"], o["moved_from"]) for o in a["occurrences"]]
        assert got == sorted(want), a["id"]
        assert ("series" in src) == (a["lecture"] is not None)
        assert ("recurrence" in src) == (a["recurrence"] is not None)
    dance = next(a for a in data["activities"] if a["id"] == "dance")
    assert dance["recurrence"]["weekdays"] == ["tue", "thu"] and dance["recurrence"]["skip"] == ["2026-12-24"]


def test_export_audiences_match_building_schedules(basic_site: Path) -> None:
    data = export(basic_site)
    buildings = {b["id"]: b for b in data["places"]["buildings"]}
    assert set(buildings) == set(buildings_tree("basic"))
    for bid, b in buildings.items():
        want = {o.activity for o in for_building("basic", bid, TZ)}
        assert set(b["activities"]) == want, bid
        assert {a["id"] for a in data["activities"] if bid in a["audience"]["buildings"]} == want
        assert b["calendar"] == f"https://test.example.cn/calendar/buildings/{bid}.ics"
        assert (basic_site / b["calendar"].removeprefix("https://test.example.cn/")).is_file()
        assert (basic_site / b["digest"].removeprefix("https://test.example.cn/")).is_file()


def test_export_bulletins_and_lectures(basic_site: Path) -> None:
    data = export(basic_site)
    published = sorted(p.stem for p in (REPO / "tests/fixtures/basic/content/bulletins").glob("*.md") if "draft: true" not in p.read_text(encoding="utf-8"))
    assert sorted(b["id"] for b in data["bulletins"]) == published
    assert [b["published"] for b in data["bulletins"]] == sorted((b["published"] for b in data["bulletins"]), reverse=True)
    lectures = load("basic", "lectures.yml")
    assert [s["id"] for s in data["series"]] == [s["id"] for s in lectures["series"]]
    assert sorted(data["series"][0]["lectures"]) == sorted(x["id"] for x in lectures["lectures"] if x["series"] == "forum")
    assert [v["id"] for v in data["venues"]] == [v["id"] for v in load("basic", "venues.yml")["venues"]]


def test_readme_documents_every_field(basic_site: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## JSON export", 1)[1]
    documented = set(re.findall(r"`([a-z_]+)`", section))
    data = export(basic_site)
    missing = set(TOP_KEYS) - documented
    for key in ("site", "venues", "teams", "series", "columns", "bulletins"):
        value = data[key]
        for record in value if isinstance(value, list) else [value]:
            missing |= set(record) - documented
    for record in data["activities"]:
        missing |= set(record) - documented
        for o in record["occurrences"]:
            missing |= set(o) - documented
    for key, value in data["places"].items():
        missing |= {key} - documented
        for record in value if isinstance(value, list) else [value]:
            missing |= set(record) - documented
    assert not missing, f"README's JSON export section does not mention: {sorted(missing)}"


def test_export_is_the_bytes_the_standard_library_writes(basic_site: Path) -> None:
    # export.dumps uses orjson for speed; the file must stay what
    # json.dumps(ensure_ascii=False, separators=(",", ":")) makes of the
    # same values (Chinese as UTF-8, the same escapes, key order, a newline).
    import orjson

    from generator.export import dumps
    from generator.export import export as values
    from generator.pipeline import Project, load_site

    raw = (basic_site / "api/site.json").read_bytes()
    standard = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")) + "\n"
    assert raw == standard.encode("utf-8") and "区" in standard
    tricky = {"text": "".join(map(chr, range(0x80))) + "\u2028\u2029\ufeff\u200b\u3000中文\U0001f600", "n": [0, -1, 10**15, True, None], "": {}}
    assert orjson.dumps(tricky) == json.dumps(tricky, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # And straight from a model (str subclasses among its values: Markup, YStr).
    site, _problems = load_site(Project.at(REPO), datetime(2026, 11, 29).date())
    made = dumps(site)
    assert made == (json.dumps(values(site), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
