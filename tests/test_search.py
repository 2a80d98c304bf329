"""What the search index holds for a page, read from Pagefind's own output
(its fragment files carry the text it indexed for each page), without a
browser. tests/test_browser.py runs the same queries residents type.

A building page is indexed by what residents look a building up by (its
name, estate, entrances, grid worker), not by its lists of coming and past
activities: each of those is indexed on its own page, and in the lists they
made every building match every word of every listed title (and at district
scale cost Pagefind about 1 GB). Expected values come from the fixture's YAML
(tests/fixtures/basic/content/data), not from the code under test.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, page

DATA = FIXTURES / "basic" / "content" / "data"


def _yaml(name: str) -> dict:
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def buildings_in(places: Path) -> dict[str, tuple[str, str, str]]:
    """building id → (community name, estate name, building name), from a
    fixture's places.yml (tests/test_browser.py reads its own with this)."""
    found = {}
    for community in yaml.load(places.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["communities"]:
        for estate in community.get("estates", []):
            buildings = list(estate.get("buildings", []))
            for courtyard in estate.get("courtyards", []):
                buildings += courtyard.get("buildings", [])
            for b in buildings:
                found[b["id"]] = (community["name"], estate["name"], b["name"])
    return found


BUILDINGS = buildings_in(DATA / "places.yml")
ACTIVITIES = {a["id"]: a for a in _yaml("activities.yml")["activities"]}
# Listed on the pages of 甲小区's 北院 (a-1, a-2) only, and coming on 2026-12-09.
COURTYARD_ACTIVITY = "north-yard-check"


def _indexed(site: Path) -> dict[str, str]:
    """URL → the text Pagefind indexed for it (its word breaks removed)."""
    found = {}
    for path in (site / "pagefind" / "fragment").iterdir():
        record = gzip.decompress(path.read_bytes())
        fragment = json.loads(record[record.index(b"{") :])
        found[fragment["url"]] = fragment["content"].replace("\u200b", "")
    return found


@pytest.fixture(scope="module")
def indexed(basic_site: Path) -> dict[str, str]:
    return _indexed(basic_site)


def test_fixture_lists_the_courtyard_activity_on_its_buildings(basic_site: Path) -> None:
    """The premise of the tests below: residents see the activity listed on
    the building page (the page text does not change), under both headings."""
    title = ACTIVITIES[COURTYARD_ACTIVITY]["title"]
    for bid in ("a-1", "a-2"):
        doc = page(basic_site, f"buildings/{bid}/")
        listed = [a.get_text(strip=True) for a in doc.select("section .gs-item__title a")]
        assert title in listed, bid
        assert doc.select_one("h2#coming") is not None
    past = page(basic_site, "buildings/a-1/").select_one("h2#past")
    assert past is not None and past.find_parent("section").select(".gs-item__title a"), "a-1 lists past activities too"


def test_building_page_is_not_found_by_the_titles_it_lists(basic_site: Path, indexed: dict[str, str]) -> None:
    title = ACTIVITIES[COURTYARD_ACTIVITY]["title"]
    # Found on its own page…
    assert title in indexed[f"/activities/{COURTYARD_ACTIVITY}/"]
    # …and on no building page, nor by any other title a building page lists.
    for bid in BUILDINGS:
        text = indexed[f"/buildings/{bid}/"]
        doc = page(basic_site, f"buildings/{bid}/")
        listed = {a.get_text(strip=True) for a in doc.select(".gs-item__title a")}
        for shown in listed:
            assert shown not in text, f"{bid}: {shown!r} from its activity list is indexed"
        for heading in doc.select("section h2"):
            assert heading.get_text(strip=True) not in text, f"{bid}: list heading indexed"
    assert "燃气" not in "".join(indexed[f"/buildings/{bid}/"] for bid in BUILDINGS)


def test_building_page_is_found_by_what_residents_look_it_up_by(indexed: dict[str, str]) -> None:
    for bid, (community, estate, name) in BUILDINGS.items():
        text = indexed[f"/buildings/{bid}/"]
        assert f"{estate} {name}" in text, bid  # the <h1>
        assert f"{community} · {estate}" in text, bid  # where it is
        # The key characters (search.with_key_characters): the name once
        # more, one character a word, for the browser's segmenter.
        spaced = " ".join(ch for ch in f"{estate}{name}" if not ch.isspace())
        assert spaced in text, bid
    assert "第一网格网格员" in indexed["/buildings/a-1/"]  # its grid worker
    assert "东单元、西单元" in indexed["/buildings/a-3/"]  # its entrances



# ---------------------------------------------------------------- staging copy


def test_staging_copy_goes_to_memory_when_there_is_room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import search

    memory = tmp_path / "shm"
    memory.mkdir()
    site = tmp_path / "p" / "site"
    monkeypatch.setattr(search, "MEMORY_STAGE", memory)
    monkeypatch.setattr(search, "_available_memory", lambda: 8 << 30)
    assert search.stage_parent(site, 10 << 20) == memory
    # Not enough memory to spare, or no such folder: beside the site.
    monkeypatch.setattr(search, "_available_memory", lambda: 30 << 20)
    assert search.stage_parent(site, 10 << 20) == site.parent
    monkeypatch.setattr(search, "_available_memory", lambda: 8 << 30)
    monkeypatch.setattr(search, "MEMORY_STAGE", tmp_path / "none")
    assert search.stage_parent(site, 10 << 20) == site.parent


def test_stale_staging_copies_in_memory_are_removed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from generator import search
    from generator.fsutil import remove_abandoned

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (tmp_path / f"{search.STAGE_PREFIX}{dead}-abc" / "x").mkdir(parents=True)
    live = tmp_path / f"{search.STAGE_PREFIX}{os.getpid()}-def"
    live.mkdir()
    other = tmp_path / "unrelated"
    other.mkdir()
    remove_abandoned(tmp_path, search.STAGE_PREFIX)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


def test_a_build_leaves_no_staging_copy(basic_site: Path) -> None:
    import os

    from generator import search

    for folder in (search.MEMORY_STAGE, basic_site.parent):
        if folder.is_dir():
            assert not [p for p in folder.iterdir() if p.name.startswith(f"{search.STAGE_PREFIX}{os.getpid()}-")]


def test_remove_tree_removes_nested_folders_and_tolerates_a_missing_one(tmp_path: Path) -> None:
    from generator.fsutil import remove_tree

    root = tmp_path / "site"
    for i in range(30):
        (root / f"d{i % 5}" / f"p{i}").mkdir(parents=True)
        (root / f"d{i % 5}" / f"p{i}" / "index.html").write_text("x", encoding="utf-8")
    (root / "top.html").write_text("x", encoding="utf-8")
    (root / "link").symlink_to(tmp_path)  # followed by nobody
    remove_tree(root)
    assert not root.exists() and tmp_path.exists()
    remove_tree(root)  # gone already: no error
