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
