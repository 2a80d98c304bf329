"""The shipped sample content (content/) is the product's demo: it must build
with --strict and every place and activity must have its page."""

from __future__ import annotations

import yaml
from conftest import REPO, build_project, page


def test_sample_builds_strict_with_every_page(make_project) -> None:  # type: ignore[no-untyped-def]
    site = build_project(make_project("sample"), "2026-11-29", "--strict")
    places = yaml.load((REPO / "content/data/places.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    buildings = [
        b["id"]
        for c in places["communities"]
        for e in c["estates"]
        for b in e.get("buildings", []) + [b for y in e.get("courtyards", []) for b in y["buildings"]]
    ]
    assert len(buildings) >= 25
    for b in buildings:
        assert (site / "buildings" / b / "index.html").is_file(), b
    acts = yaml.load((REPO / "content/data/activities.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["activities"]
    lectures = yaml.load((REPO / "content/data/lectures.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["lectures"]
    for a in acts + lectures:
        doc = page(site, f"activities/{a['id']}/")
        assert a["title"] in doc.select_one("h1").get_text(), a["id"]
    home = page(site, "")
    assert home.select_one(".gs-next-lecture") is not None
    assert len(home.select(".gs-bulletin")) == 6
