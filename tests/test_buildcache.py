"""The build cache (generator/buildcache.py) must never change what residents
get: after each kind of edit (a bulletin, an activity, a building, a
template) a cached build equals a clean build of the same content, byte for
byte, and what the edit did not touch is really taken from the cache (the
same file, by inode) — so the comparison is not of two clean builds.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, build_project, make_project_at, run_cli
from test_perf_correctness import EDITS, assert_same_tree, project_with_own_theme, with_snippets

from generator.buildcache import CACHE_DIR, BuildCache

BASIC = FIXTURES / "basic" / "content"
BULLETIN, ACTIVITIES, PLACES, TEMPLATE = EDITS


def inodes(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in site.rglob("*") if p.is_file()}


def edit(project: Path, rel: str) -> None:
    old, new = EDITS[rel]
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def clean_build(tmp_path: Path, name: str, edits: list[str]) -> Path:
    project = project_with_own_theme(tmp_path / name)
    for rel in edits:
        edit(project, rel)
    return build_project(project, "2026-11-29", "--no-cache")


def test_cached_builds_equal_clean_builds_after_each_edit(tmp_path: Path) -> None:
    project = project_with_own_theme(tmp_path / "cached")
    site = build_project(project)
    first = inodes(site)
    # Nothing changed: every page and every calendar, digest and notice
    # comes from the cache, and the site is the same.
    site = build_project(project)
    again = inodes(site)
    assert_same_tree(site, clean_build(tmp_path, "clean0", []))
    kept = [rel for rel in first if first[rel] == again.get(rel)]
    for rel in ("index.html", "buildings/a-1/index.html", "notices/all-notices.pdf", "bulletins/2026-03-third/index.html"):
        assert rel in kept, f"{rel} was made again though nothing changed"
    assert any(rel.endswith(".ics") for rel in kept)

    done: list[str] = []
    touched = {
        # what the edit must make again, and what it must leave to the cache
        BULLETIN: (["bulletins/2026-03-third/index.html", "bulletins/index.html"], ["buildings/a-1/index.html", "notices/all-notices.pdf"]),
        ACTIVITIES: (["notices/all-notices.pdf"], ["bulletins/2026-03-third/index.html"]),
        # Places are part of every page's fingerprint (incremental.py: the
        # shared part of the model), so a building edit makes everything again.
        PLACES: (["buildings/a-1/index.html", "places/index.html", "bulletins/2026-03-third/index.html"], []),
        TEMPLATE: (["buildings/a-1/index.html", "index.html"], []),
    }
    for n, rel in enumerate(EDITS, 1):
        before = inodes(site)
        edit(project, rel)
        done.append(rel)
        site = build_project(project)
        assert_same_tree(site, clean_build(tmp_path, f"clean{n}", done))
        after = inodes(site)
        made, reused = touched[rel]
        for path in made:
            assert after[path] != before[path], f"after editing {rel}: {path} was not made again"
        for path in reused:
            assert after[path] == before[path], f"after editing {rel}: {path} was made again, not taken from the cache"


def test_a_file_changed_in_place_is_not_served_again(tmp_path: Path) -> None:
    """site/ files and cache entries are one file (a hard link): an edit of
    the published file by hand must not come back in the next build."""
    project = make_project_at(tmp_path / "p", BASIC)
    site = build_project(project)
    target = site / "bulletins" / "2026-03-third" / "index.html"
    original = target.read_bytes()
    with open(target, "r+b") as f:  # in place, same size: the entry changes too
        f.write(original[:15].replace(b"<", b"!"))
    assert (project / CACHE_DIR).is_dir()
    site = build_project(project)
    assert (site / "bulletins" / "2026-03-third" / "index.html").read_bytes() == original


def test_no_cache_builds_without_it(tmp_path: Path) -> None:
    project = make_project_at(tmp_path / "p", BASIC)
    build_project(project, "2026-11-29", "--no-cache")
    assert not (project / CACHE_DIR).exists()


def test_page_warnings_come_again_from_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page taken from the cache warns as when it was rendered, and a
    --strict build fails on it just the same."""
    project = make_project_at(tmp_path / "p", BASIC)
    bulletin = project / "content" / "bulletins" / "2026-03-third.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\n![](photo.png)\n", encoding="utf-8")
    (bulletin.parent / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    for run in range(2):
        capsys.readouterr()
        build_project(project)
        warned = [line for line in capsys.readouterr().err.splitlines() if "缺少替代文字" in line]
        assert len(warned) == 1 and "2026-03-third.md" in warned[0], f"build {run + 1}: {warned}"
    assert run_cli("build", "--today", "2026-11-29", "--strict", cwd=project) == 1


def test_one_build_at_a_time_uses_the_cache(tmp_path: Path) -> None:
    first = BuildCache.open(tmp_path)
    assert first is not None
    try:
        assert BuildCache.open(tmp_path) is None
    finally:
        first.close()
    second = BuildCache.open(tmp_path)
    assert second is not None
    second.close()


def test_entries_of_earlier_builds_are_removed(tmp_path: Path) -> None:
    project = make_project_at(tmp_path / "p", BASIC)
    build_project(project)
    objects = project / CACHE_DIR / "objects"
    count = sum(len(os.listdir(d)) for d in objects.iterdir())
    for rel in (BULLETIN,):
        edit(project, rel)
        build_project(project)
    # The edited bulletin's old page and the old listings are gone: the
    # cache holds one build's entries, not every build's.
    assert sum(len(os.listdir(d)) for d in objects.iterdir()) == count


def test_code_fonts_and_versions_are_in_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a `serve` process may take as fixed and a later build may not:
    this package's code, installed versions, the fonts."""
    from generator import buildcache

    base = buildcache.code_key()
    assert buildcache.code_key() == base
    monkeypatch.setattr(buildcache, "_font_files", lambda: [("/usr/share/fonts/x.otf", 1, 2)])
    fonts = buildcache.code_key()
    assert fonts != base
    real = buildcache.metadata.distributions

    class Upgraded:
        """An installed distribution as another version (its METADATA)."""

        def __init__(self, dist: object) -> None:
            self.dist = dist

        def read_text(self, name: str) -> str | None:
            text = self.dist.read_text(name)  # type: ignore[attr-defined]
            return text.replace(f"Version: {self.dist.version}", "Version: 99.0") if text else text  # type: ignore[attr-defined]

    def upgraded(name: str) -> list[object]:
        dists = list(real())
        assert any(d.metadata["Name"].lower() == name for d in dists)
        return [Upgraded(d) if d.metadata["Name"].lower() == name else d for d in dists]

    monkeypatch.setattr(buildcache.metadata, "distributions", lambda: upgraded("weasyprint"))
    assert buildcache.code_key() != fonts
    monkeypatch.setattr(buildcache.metadata, "distributions", lambda: upgraded("pypdf"))
    assert buildcache.code_key() not in (fonts, base)
    monkeypatch.setattr(buildcache.metadata, "distributions", lambda: list(real())[:-1])
    assert buildcache.code_key() != fonts  # one uninstalled
    monkeypatch.setattr(buildcache.metadata, "distributions", real)
    assert buildcache.code_key() == fonts
    real_bytes = Path.read_bytes

    def edited(path: Path) -> bytes:
        data = real_bytes(path)
        return data + b"\n# edited" if path.name == "render.py" else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert buildcache.code_key() != fonts


def test_an_activity_edit_makes_again_only_the_doors_and_calendars_showing_it(tmp_path: Path) -> None:
    """Door notices are taken back from the cache by chunk (one community's
    doors) and calendars by file: after an activity edit, the doors and
    feeds of the buildings not invited to it are the cache's files (same
    inode), those invited are made again, and the site equals a clean
    build (all-notices.pdf is the cached chunks joined with the new one)."""
    from datetime import date

    from generator.calendar import activity_path, building_path
    from generator.notices import targets
    from generator.pipeline import Project, load_site

    project = make_project_at(tmp_path / "cached", BASIC)
    before = inodes(build_project(project))
    edit(project, ACTIVITIES)  # 东社区义诊: the east community's doors
    site = build_project(project)
    after = inodes(site)
    assert_same_tree(site, clean_build(tmp_path, "clean", [ACTIVITIES]))

    model, _ = load_site(Project(project, project / "content"), date(2026, 11, 29))
    invited = {b for b, ids in model.activities_by_building.items() if "east-clinic" in ids}
    doors = targets(model)
    assert invited and any(d.building.id not in invited for d in doors)
    for door in doors:
        for rel in (f"notices/{door.key}/index.html", f"notices/{door.key}/{door.pdf_name}"):
            if door.building.id in invited:
                assert after[rel] != before[rel], f"{rel} shows the edited activity but was not made again"
            else:
                assert after[rel] == before[rel], f"{rel} does not show the edited activity but was made again"
    assert after["notices/all-notices.pdf"] != before["notices/all-notices.pdf"]
    for bid in model.buildings:
        rel = building_path(bid)
        assert (after[rel] != before[rel]) == (bid in invited), rel
    for aid in model.activities:
        rel = activity_path(aid)
        assert (after[rel] != before[rel]) == (aid == "east-clinic"), rel
    assert after["calendar/all.ics"] != before["calendar/all.ics"]


def test_an_entrance_audience_edit_makes_again_its_buildings_doors_only(tmp_path: Path) -> None:
    """An activity moved from one entrance of a-3 to the other keeps its
    buildings (Activity.audience_buildings, the building → activities
    index): the doors of a-3, its page and its calendar are made again
    all the same, other communities' doors, other buildings' pages and
    calendars come from the cache, and the site equals a clean build."""
    from generator.calendar import building_path

    hearing = "  - {id: lift-hearing, title: 电梯加装意见征询会, kind: 宣传, start: 2026-12-07 19:00, end: \"20:30\", venue: station, audience: {entrances: [a-3/2]}}\n"
    project = make_project_at(tmp_path / "cached", BASIC)
    acts = project / ACTIVITIES
    acts.write_text(acts.read_text(encoding="utf-8") + hearing, encoding="utf-8")
    site = build_project(project)
    before = inodes(site)
    assert "电梯加装意见征询会" in (site / "notices/a-3/2/index.html").read_text(encoding="utf-8")
    acts.write_text(acts.read_text(encoding="utf-8").replace("[a-3/2]", "[a-3/1]"), encoding="utf-8")
    site = build_project(project)
    after = inodes(site)
    clean = make_project_at(tmp_path / "clean", BASIC)
    (clean / ACTIVITIES).write_text(acts.read_text(encoding="utf-8"), encoding="utf-8")
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))
    assert "电梯加装意见征询会" in (site / "notices/a-3/1/index.html").read_text(encoding="utf-8")
    assert "电梯加装意见征询会" not in (site / "notices/a-3/2/index.html").read_text(encoding="utf-8")
    for rel in ("notices/a-3/1/index.html", "notices/a-3/2/index.html", "buildings/a-3/index.html", building_path("a-3")):
        assert after[rel] != before[rel], f"{rel} was not made again"
    # Door notices come back by chunk, one community's doors: the west's.
    for rel in ("notices/c-1/index.html", "buildings/a-1/index.html", building_path("a-1"), building_path("b-b1")):
        assert after[rel] == before[rel], f"{rel} was made again, not taken from the cache"


def test_search_bundles_not_changed_come_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large site's index is several Pagefind bundles (search.BUNDLE_TEXT);
    an edited bulletin changes the one holding it, and the others are put
    back from the cache. The site equals a clean build's all the same."""
    from generator import search

    monkeypatch.setattr(search, "split_pages", lambda pages, sizes: [pages[i::3] for i in range(3)])
    project = make_project_at(tmp_path / "p", BASIC)
    site = build_project(project)
    assert (site / "pagefind" / "2" / "pagefind-entry.json").is_file()
    before = inodes(site)
    edit(project, BULLETIN)
    site = build_project(project)
    clean = make_project_at(tmp_path / "clean", BASIC)
    edit(clean, BULLETIN)
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))
    after = inodes(site)

    def bundle_files(n: int) -> list[str]:
        return [rel for rel in after if rel.startswith(f"pagefind/{n}/") and "/fragment/" not in rel]

    kept = [n for n in (1, 2) if all(after[rel] == before.get(rel) for rel in bundle_files(n))]
    made = [n for n in (1, 2) if all(after[rel] != before.get(rel) for rel in bundle_files(n))]
    # bundle 0 is pagefind/ itself; 1 and 2 sit inside it
    index_kept = after["pagefind/pagefind-entry.json"] == before["pagefind/pagefind-entry.json"]
    assert len(kept) + index_kept == 2 and len(made) + (not index_kept) == 1, (kept, made, index_kept)


def test_first_build_with_the_cache_stages_each_page_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no search bundle in the cache yet (the first build with it),
    each page to index is read and made into its staging copy once, not
    hashed first and made again before its bundle's Pagefind run; the next
    build (bundles in the cache) hashes first, as before. Both sites equal
    clean builds'. In a thread (one core), so that the count is this
    process's."""
    from generator import search

    monkeypatch.setattr(search, "split_pages", lambda pages, sizes: [pages[i::3] for i in range(3)])
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    made: list[str] = []
    real = search.with_key_characters

    def counted(html: str, page: search.IndexedPage) -> str:
        made.append(page.url)
        return real(html, page)

    monkeypatch.setattr(search, "with_key_characters", counted)
    project = make_project_at(tmp_path / "p", BASIC)
    site = build_project(project)
    first = len(made)
    assert first and first == len(set(made))
    assert_same_tree(site, build_project(make_project_at(tmp_path / "clean", BASIC), "2026-11-29", "--no-cache"))
    made.clear()
    edit(project, BULLETIN)
    site = build_project(project)
    # The edited bulletin's bundle is staged again: its pages read twice.
    assert first < len(made) < 2 * first
    clean = make_project_at(tmp_path / "clean2", BASIC)
    edit(clean, BULLETIN)
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))


def test_an_edit_only_building_lists_show_keeps_the_search_index(tmp_path: Path) -> None:
    """A building page's activity lists are not indexed (data-gs-noindex)
    and not in the staging copy (search.without_noindex): editing an
    activity that is not indexed itself (a past one) changes building pages
    but no bundle, so every Pagefind file comes back from the cache. At
    bench scale L an activity edit ran all three bundles again before. The
    site equals a clean build's."""
    old, new = "title: 往期活动\n", "title: 往期科普活动\n"

    def edit_past(project: Path) -> None:
        path = project / "content" / "data" / "activities.yml"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1
        path.write_text(text.replace(old, new), encoding="utf-8")

    project = make_project_at(tmp_path / "p", BASIC)
    site = build_project(project)
    before = inodes(site)
    edit_past(project)
    site = build_project(project)
    after = inodes(site)
    buildings = [rel for rel in after if rel.startswith("buildings/") and rel.endswith("/index.html")]
    changed = [rel for rel in buildings if after[rel] != before[rel]]
    assert changed and all("往期科普活动" in (site / rel).read_text(encoding="utf-8") for rel in changed)
    search_files = [rel for rel in after if rel.startswith("pagefind/")]
    assert search_files and [rel for rel in search_files if after[rel] != before.get(rel)] == []
    clean = make_project_at(tmp_path / "clean", BASIC)
    edit_past(clean)
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))


NEW_BULLETIN = "---\ntitle: 第五期简报\nissue: 5\ndate: 2026-11-20\ncolumn: news\n---\n\n新的一期。\n"


@pytest.mark.parametrize("nav", [True, False], ids=["nav", "no-nav"])
def test_a_new_bulletin_renders_only_the_pages_that_can_show_it(tmp_path: Path, nav: bool) -> None:
    """A Markdown page without link syntax (incremental.LINK_SYNTAX) does
    not depend on which other pages exist: a new bulletin leaves the other
    bulletins' pages to the cache, but a page linking to it (a link that was
    dead while it was a draft; to a file not there at all, the build fails)
    is rendered again, and so is every page when mkdocs.yml has no
    nav (MkDocs then lists the pages in every sidebar). The site equals a
    clean build's either way."""
    def prepare(project: Path) -> None:
        if not nav:
            config = project / "mkdocs.yml"
            text = config.read_text(encoding="utf-8")
            start = text.index("\nnav:\n")
            end = text.index("\n\n", start + 1)
            config.write_text(text[:start] + text[end:], encoding="utf-8")
        linking = project / "content" / "bulletins" / "2026-02-second.md"
        linking.write_text(linking.read_text(encoding="utf-8") + "\n下一期见[第五期](2026-11-fifth.md)。\n", encoding="utf-8")
        draft = NEW_BULLETIN.replace("column: news", "column: news\ndraft: true")
        (project / "content" / "bulletins" / "2026-11-fifth.md").write_text(draft, encoding="utf-8")

    project = make_project_at(tmp_path / "p", BASIC)
    prepare(project)
    site = build_project(project)
    before = inodes(site)
    (project / "content" / "bulletins" / "2026-11-fifth.md").write_text(NEW_BULLETIN, encoding="utf-8")
    site = build_project(project)
    after = inodes(site)
    pages = {rel: after[rel] != before[rel] for rel in before if rel.startswith("bulletins/20") and rel.endswith("/index.html")}
    assert pages["bulletins/2026-02-second/index.html"]  # its link now resolves
    assert 'href="../2026-11-fifth/"' in (site / "bulletins/2026-02-second/index.html").read_text(encoding="utf-8")
    others = [changed for rel, changed in pages.items() if rel != "bulletins/2026-02-second/index.html"]
    assert others and all(others) == (not nav) and any(others) == (not nav)
    clean = make_project_at(tmp_path / "clean", BASIC)
    prepare(clean)
    (clean / "content" / "bulletins" / "2026-11-fifth.md").write_text(NEW_BULLETIN, encoding="utf-8")
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))


def test_a_broken_cache_folder_means_a_full_build(tmp_path: Path) -> None:
    """Garbage in the index, entries deleted or truncated by hand: the
    build makes what it cannot take back, and the site is a clean build's."""
    project = make_project_at(tmp_path / "p", BASIC)
    build_project(project)
    root = project / CACHE_DIR
    entries = sorted(p for d in (root / "objects").iterdir() for p in d.iterdir())
    entries[0].unlink()
    entries[1].write_bytes(b"")
    site = build_project(project)
    clean = make_project_at(tmp_path / "clean", BASIC)
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))
    (root / "index.json").write_text("{not json", encoding="utf-8")
    assert_same_tree(build_project(project), clean / "site")


def test_the_previous_site_is_deleted_by_the_next_build(tmp_path: Path) -> None:
    """With the cache, the site a build replaces goes into the cache's trash
    and the next build deletes it in the background; nothing is left beside
    site/."""
    project = make_project_at(tmp_path / "p", BASIC)
    trash = project / CACHE_DIR / "trash"
    build_project(project)
    assert not trash.exists() or not any(trash.iterdir())  # no previous site yet
    seen: list[str] = []
    for _ in range(2):
        build_project(project)
        held = sorted(p.name for p in trash.iterdir())
        assert len(held) == 1 and held[0] not in seen, held  # only the site just replaced
        seen += held
        assert (trash / held[0] / "index.html").is_file()
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site")) == []


def test_damaged_records_of_calendars_and_notices_are_not_used(tmp_path: Path) -> None:
    """The calendars' kept VEVENTs and the door chunks' records are read,
    not linked: one damaged in place, with its size and time kept (so the
    cache cannot tell), is left aside and the site is made as clean."""
    import json

    project = make_project_at(tmp_path / "p", BASIC)
    build_project(project)
    root = project / CACHE_DIR
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    blob = index["state"]["calendar events"]
    damaged = [root / "objects" / blob[:2] / blob]
    # the chunks' records are the small JSON entries holding "doors"
    for key in index["entries"]:
        path = root / "objects" / key[:2] / key
        if path.stat().st_size < 2000 and path.read_bytes().startswith(b'{"doors"'):
            damaged.append(path)
    assert len(damaged) >= 3  # the VEVENTs and both communities' chunks
    for path in damaged:
        st = path.stat()
        path.write_bytes(b"\xff" * st.st_size)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    edit(project, ACTIVITIES)  # all.ics needs the kept VEVENTs
    site = build_project(project)
    assert_same_tree(site, clean_build(tmp_path, "clean", [ACTIVITIES]))


def test_pages_are_not_cached_when_an_extension_reads_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page that includes another file (pymdownx.snippets) changes when
    that file does, which its key cannot see: such a site's pages are
    always rendered."""
    project = with_snippets(make_project_at(tmp_path / "p", BASIC))
    build_project(project)
    (project / "content" / "snippets" / "note.md").write_text("第二版说明\n", encoding="utf-8")
    capsys.readouterr()
    site = build_project(project)
    assert "第二版说明" in (site / "bulletins" / "2026-03-third" / "index.html").read_text(encoding="utf-8")
    assert "pymdownx.snippets" in capsys.readouterr().err  # and the editor is told why


def test_writing_and_linking_never_write_into_another_name_of_the_file(tmp_path: Path) -> None:
    # Output.write and the cache open first and make folders only when
    # that fails; a file that is a hard link to a cache entry is replaced,
    # never written into, and a missing source leaves nothing behind.
    from generator.buildcache import _replace_with_link
    from generator.fsutil import write_file

    entry = tmp_path / "cache" / "ab" / "entry"
    write_file(entry, b"kept")  # folders made on the way
    page = tmp_path / "site" / "a" / "b" / "index.html"
    _replace_with_link(entry, page)
    assert page.read_bytes() == b"kept" and page.stat().st_ino == entry.stat().st_ino

    write_file(page, b"new", replace=True)
    assert page.read_bytes() == b"new" and entry.read_bytes() == b"kept"
    assert page.stat().st_ino != entry.stat().st_ino

    other = tmp_path / "cache" / "cd" / "other"
    write_file(other, b"other")
    _replace_with_link(other, page)  # something there: replaced in one step
    assert page.read_bytes() == b"other" and page.stat().st_ino == other.stat().st_ino
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]

    same = page.stat().st_ino
    write_file(page, b"in place")  # without replace: rewritten, as write_bytes does
    assert page.stat().st_ino == same and other.read_bytes() == b"in place"

    with pytest.raises(FileNotFoundError):
        _replace_with_link(tmp_path / "missing", tmp_path / "new" / "dest")
    assert not (tmp_path / "new" / "dest").exists()


@pytest.mark.parametrize("change", ["added", "removed"])
def test_an_image_added_or_removed_renders_the_pages_showing_it_again(tmp_path: Path, change: str) -> None:
    """MkDocs rewrites an image's path when the image is among its files and
    warns when it is not: a page showing an image depends on the images
    that exist as it does on the pages its links name (the editor who saw a
    broken picture adds the file and publishes again). The site equals a
    clean build's."""
    def with_image(project: Path) -> Path:
        bulletin = project / "content" / "bulletins" / "2026-02-second.md"
        bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\n![活动照片](photo.svg)\n", encoding="utf-8")
        return project / "content" / "bulletins" / "photo.svg"

    photo_bytes = (REPO / "theme" / "assets" / "favicon.svg").read_bytes()
    project = make_project_at(tmp_path / "p", BASIC)
    photo = with_image(project)
    if change == "removed":
        photo.write_bytes(photo_bytes)
    build_project(project)
    if change == "added":
        photo.write_bytes(photo_bytes)
    else:
        photo.unlink()
    site = build_project(project)
    clean = make_project_at(tmp_path / "clean", BASIC)
    clean_photo = with_image(clean)
    if change == "added":
        clean_photo.write_bytes(photo_bytes)
    assert_same_tree(site, build_project(clean, "2026-11-29", "--no-cache"))


def test_a_dirty_mkdocs_build_never_writes_into_a_cache_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `mkdocs build --dirty` writes into site/ as it is, where a page is a
    # hard link to its cache entry: the plugin unlinks the pages it renders
    # first (a build that MkDocs emptied the folder for needs none).
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    project = make_project_at(tmp_path / "p", FIXTURES / "basic" / "content")
    site = build_project(project)
    page = site / "bulletins" / "2026-02-second" / "index.html"
    old, entry = page.read_bytes(), page.stat()
    assert entry.st_nlink > 1  # a link to its cache entry
    source = project / "content" / "bulletins" / "2026-02-second.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n\n新加的一段。\n", encoding="utf-8")
    monkeypatch.setenv("GONGSHI_TODAY", "2026-11-29")
    monkeypatch.chdir(project)
    with open(page, "rb") as held:  # the entry's file, whatever the cache does with its name
        build(load_config(str(project / "mkdocs.yml"), site_dir=str(site)), dirty=True)
        assert "新加的一段" in page.read_text(encoding="utf-8")
        assert page.stat().st_ino != entry.st_ino
        assert held.read() == old
