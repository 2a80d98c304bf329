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
from conftest import FIXTURES, make_project_at, page

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


def test_an_activity_excerpt_separates_each_label_from_its_value(indexed: dict[str, str]) -> None:
    # Pagefind joined a <dt> to its <dd>: "对象桂园社区居民 类别讲座" (the
    # residents' tester). The staging copy closes each label with "：".
    text = indexed["/activities/east-clinic/"]
    assert "类别：义诊" in text and "类别义诊" not in text, text


def test_an_activity_is_not_called_over_in_search_before_it_is(indexed: dict[str, str]) -> None:
    # An activity's page holds "本活动已于…结束。" hidden until its end (the
    # reader shows it then, gongshi-reader.js): indexed, it was the search
    # excerpt of lectures weeks away, and a resident skipped them.
    assert "东社区义诊" in indexed["/activities/east-clinic/"]
    assert not [url for url, text in indexed.items() if "本活动已于" in text]


# ------------------------------------------------------------ several bundles
#
# A large site is indexed as several Pagefind bundles (search.BUNDLE_TEXT) and
# pagefind/pagefind.js searches them all. The fixture is small, so these
# tests lower the share of text a bundle may hold to split it in three.

BUNDLES = 3


def _fragments(bundle: Path) -> dict[str, str]:
    """URL → indexed text, for one bundle's own fragment folder."""
    found = {}
    for path in sorted((bundle / "fragment").iterdir()):
        record = gzip.decompress(path.read_bytes())
        fragment = json.loads(record[record.index(b"{") :])
        found[fragment["url"]] = fragment["content"].replace("\u200b", "")
    return found


def _reindex(basic_site: Path, dest: Path, monkeypatch: pytest.MonkeyPatch, *, bundles: int = 1, chunk: int | None = None) -> Path:
    """A copy of the basic site (made once) indexed again in ``bundles``
    bundles (with ``chunk`` postings per index chunk); returns the copy."""
    import datetime
    import shutil

    from conftest import TODAY

    from generator import search
    from generator.outputs import Output
    from generator.pipeline import Project, load_site

    site = dest / "site"
    if not site.exists():
        shutil.copytree(basic_site, site, ignore=shutil.ignore_patterns("pagefind"))
    project = Project(basic_site.parent, basic_site.parent / "content")
    model, _ = load_site(project, datetime.date.fromisoformat(TODAY))
    out = Output(model, project, site, basic_site.parent / "theme", pdf=False)
    pages = search.pages_to_index(out)
    text = sum(search.indexed_text(search.with_key_characters(p.path.read_text(encoding="utf-8"), p)) for p in pages)
    monkeypatch.setattr(search, "BUNDLE_TEXT", -(-text // bundles))
    if chunk is not None:
        monkeypatch.setattr(search, "INDEX_CHUNK_SIZE", chunk)
    search.write(out)
    return site


@pytest.fixture(scope="module")
def split_site(basic_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        return _reindex(basic_site, tmp_path_factory.mktemp("split"), mp, bundles=BUNDLES)


def test_split_pages_shares_out_as_few_bundles_as_hold_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import search

    monkeypatch.setattr(search, "BUNDLE_TEXT", 100)
    pages = [search.IndexedPage(f"/p{i:02d}/", Path()) for i in range(10)]
    assert search.split_pages(pages, [10] * 10) == [pages]  # 100: one bundle
    assert search.split_pages([], []) == [[]]
    # Too few pages for the hash to fill three bundles: every third page.
    assert [[p.url for p in b] for b in search.split_pages(pages[:3], [100] * 3)] == [["/p00/"], ["/p01/"], ["/p02/"]]

    # A site's worth of pages: three bundles, each a sample of every kind,
    # within a few per cent of a third, in URL order.
    kinds = ("bulletins/2025", "bulletins/2026", "activities", "buildings")
    many = sorted((search.IndexedPage(f"/{kind}/{i:05d}/", Path()) for kind in kinds for i in range(1500)), key=lambda p: p.url)
    bundles = search.split_pages(many, [250] + [0] * (len(many) - 1))  # 250: three
    assert len(bundles) == 3 and sorted(p.url for b in bundles for p in b) == [p.url for p in many]
    for bundle in bundles:
        assert abs(len(bundle) - len(many) / 3) < 0.05 * len(many) / 3
        assert {p.url.rsplit("/", 2)[0] for p in bundle} == {f"/{kind}" for kind in kinds}
        assert [p.url for p in bundle] == sorted(p.url for p in bundle)

    # A page added (a new activity, in the middle of the URL order) changes
    # only the bundle it goes to.
    added = search.IndexedPage("/activities/new/", Path())
    again = search.split_pages(sorted([*many, added], key=lambda p: p.url), [250] + [0] * len(many))
    assert sum(a != b for a, b in zip(bundles, again, strict=True)) == 1


def test_indexed_text_counts_the_chinese_of_the_article_only() -> None:
    from generator import search

    html = "<nav>首页 栏目</nav><article class='x'><h1>防灾减灾</h1><p>Wi-Fi：2 楼</p></article><footer>版权</footer>"
    assert search.indexed_text(html) == len("防灾减灾") + len("：楼")
    assert search.indexed_text("<p>没有正文</p>") == 0


def test_bundles_share_out_the_pages_and_merged_ones_hold_only_their_index(split_site: Path, indexed: dict[str, str]) -> None:
    site = split_site
    root = site / "pagefind"
    bundles = [root] + [root / str(n) for n in range(1, BUNDLES)]
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["1", "2", "fragment", "index"]
    found = [_fragments(b) for b in bundles]
    assert all(found), "every bundle holds pages"
    # Each page the single bundle of the real build holds, in exactly one.
    assert sorted(u for f in found for u in f) == sorted(indexed)
    assert {u: t for f in found for u, t in f.items()} == indexed
    # Only the first bundle's script, WebAssembly and worker are ever loaded.
    for bundle in bundles[1:]:
        assert sorted(p.name for p in bundle.iterdir() if not p.name.endswith(".pf_meta")) == ["fragment", "index", "pagefind-entry.json"]
    assert (root / "pagefind-core.js").is_file() and (root / "wasm.unknown.pagefind").is_file()
    entry = (root / "pagefind.js").read_text(encoding="utf-8")
    assert 'const MERGED = ["1/", "2/"];' in entry and 'from "./pagefind-core.js"' in entry


def test_split_index_is_reproducible(split_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, basic_site: Path) -> None:
    site = split_site
    again = _reindex(basic_site, tmp_path, monkeypatch, bundles=BUNDLES)
    first = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "pagefind").rglob("*")) if p.is_file()}
    second = {p.relative_to(again).as_posix(): p.read_bytes() for p in sorted((again / "pagefind").rglob("*")) if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_bundles_are_indexed_two_at_once_into_the_same_files(basic_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With two cores and the memory for two runs, two bundles' Pagefind
    runs overlap (each waits here until the other has started: run one
    after the other, the first would wait in vain), and the index is the one
    the runs make one after the other."""
    import os
    import threading

    from generator import search

    real = search._run_pagefind
    started = threading.Barrier(2, timeout=30)
    at_once = [0, 0, 0]  # running now, most at once, runs started
    lock = threading.Lock()

    def pagefind(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            at_once[0] += 1
            at_once[1] = max(at_once[:2])
            at_once[2] += 1
            first_two = at_once[2] <= 2
        try:
            if first_two:
                started.wait()
            return real(*args, **kwargs)
        finally:
            with lock:
                at_once[0] -= 1

    monkeypatch.setattr(search, "_run_pagefind", pagefind)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(search, "_available_memory", lambda: 4 * search.PAGEFIND_PEAK)
    together = _reindex(basic_site, tmp_path / "together", monkeypatch, bundles=BUNDLES)
    assert at_once[1:] == [2, BUNDLES] and not started.broken

    monkeypatch.setattr(search, "_run_pagefind", real)
    monkeypatch.setattr(search, "_available_memory", lambda: 2 * search.PAGEFIND_PEAK - 1)  # room for one
    alone = _reindex(basic_site, tmp_path / "alone", monkeypatch, bundles=BUNDLES)
    first = {p.relative_to(together).as_posix(): p.read_bytes() for p in sorted((together / "pagefind").rglob("*")) if p.is_file()}
    second = {p.relative_to(alone).as_posix(): p.read_bytes() for p in sorted((alone / "pagefind").rglob("*")) if p.is_file()}
    assert first.keys() == second.keys() and any(k.startswith("pagefind/2/") for k in first)
    assert [k for k in first if first[k] != second[k]] == []


def test_pagefind_runs_at_once_as_cores_and_memory_allow(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from generator import search

    peak = search.PAGEFIND_PEAK
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    for memory, bundles, background, runs in [
        (8 * peak, 3, False, 2),  # two cores
        (8 * peak, 1, False, 1),  # one bundle
        (8 * peak, 3, True, 1),  # the preview's index, in the background
        (4 * peak - 1, 3, False, 1),  # not the memory for two runs twice over
        (0, 3, False, 1),  # no /proc/meminfo
    ]:
        monkeypatch.setattr(search, "_available_memory", lambda memory=memory: memory)
        assert search._runs_at_once(bundles, background=background) == runs, (memory, bundles, background)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(search, "_available_memory", lambda: 64 * peak)
    assert search._runs_at_once(3, background=False) == 3


def test_search_finds_pages_of_every_bundle(split_site: Path) -> None:
    """A resident's search through the header box (gongshi-reader.js, which
    imports pagefind/pagefind.js) finds a building of each bundle by its
    name: without the merge, those of the second and third would not be
    found at all. (Not necessarily first: split into bundles of eight pages,
    the fixture's word statistics differ from bundle to bundle, which a real
    site's thousands of pages a bundle do not; bench/search_compare.py
    measures the ranking at district scale.)"""
    from urllib.parse import urlsplit

    from browser_helpers import PHONE, chromium, goto, new_context, serve

    site = split_site
    root = site / "pagefind"
    wanted = []
    for bundle in [root] + [root / str(n) for n in range(1, BUNDLES)]:
        url = next(u for u in sorted(_fragments(bundle)) if u.startswith("/buildings/"))
        wanted.append((url, " ".join(BUILDINGS[url.split("/")[2]][1:])))
    with chromium() as browser, serve(site) as base:
        context = new_context(browser, PHONE)
        page = context.new_page()
        goto(page, base)
        page.click("label.gs-search-button" if page.is_visible("label.gs-search-button") else "[data-gs-search-query]")
        fetched = []
        page.on("request", lambda r: fetched.append(r.url))
        for url, query in wanted:
            page.fill("[data-gs-search-query]", query)
            page.wait_for_selector(f"[data-gs-search-done='{query}']", state="attached", timeout=20_000)
            results = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => new URL(e.href).pathname)")
            assert url in results, (query, results)
        context.close()
    # One script, one WebAssembly, one worker for all bundles.
    assert len([u for u in fetched if u.endswith(("pagefind-core.js", ".pagefind", "pagefind-worker.js"))]) <= 3
    merged = [urlsplit(u).path for u in fetched if "/pagefind/1/" in u or "/pagefind/2/" in u]
    assert merged and all(u.endswith((".json", ".pf_meta", ".pf_index", ".pf_fragment")) for u in merged), merged


def test_an_index_in_fewer_bundles_leaves_none_of_the_old_ones(basic_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import search

    site = _reindex(basic_site, tmp_path, monkeypatch, bundles=BUNDLES)
    assert (site / "pagefind" / "2").is_dir()
    _reindex(basic_site, tmp_path, monkeypatch, bundles=1)
    root = site / "pagefind"
    assert not [p.name for p in root.iterdir() if p.name.isdigit() or p.name == search.CORE_SCRIPT]
    assert "MERGED" not in (root / "pagefind.js").read_text(encoding="utf-8")
    assert sorted(_fragments(root)) == sorted(_indexed(basic_site))


def test_the_staging_copy_without_the_lists_gives_pagefind_the_same_index(basic_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """search.without_noindex empties a building page's activity lists in
    the staging copy, so that the bundles' cache keys do not change with
    them, and search.indexed_part leaves out Material's shell round the
    content; Pagefind reads neither (EXCLUDE_SELECTORS, ROOT_SELECTOR), and
    its files must be the same bytes as from the whole pages."""
    from generator import search

    building = next(p for p in _indexed(basic_site) if p.startswith("/buildings/"))
    html = (basic_site / building.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "data-gs-noindex" in html and len(search.without_noindex(html)) < len(html) - 200
    bulletin = next(p for p in _indexed(basic_site) if p.startswith("/bulletins/"))
    html = (basic_site / bulletin.strip("/") / "index.html").read_text(encoding="utf-8")
    part = search.indexed_part(html)
    assert 'class="md-header' in html and 'class="md-header' not in part and len(part) < len(html) * 0.7
    monkeypatch.setattr(search, "without_noindex", lambda html: html)
    monkeypatch.setattr(search, "indexed_part", lambda html: html)
    whole = _reindex(basic_site, tmp_path, monkeypatch)
    ours = {p.relative_to(basic_site).as_posix(): p.read_bytes() for p in sorted((basic_site / "pagefind").rglob("*")) if p.is_file()}
    theirs = {p.relative_to(whole).as_posix(): p.read_bytes() for p in sorted((whole / "pagefind").rglob("*")) if p.is_file()}
    assert ours.keys() == theirs.keys() and [k for k in ours if ours[k] != theirs[k]] == []


def test_indexed_part_keeps_the_head_the_body_tag_and_the_content_element() -> None:
    from generator.search import indexed_part

    html = ('<!doctype html><html lang="zh-CN"><head><title>t</title></head><body dir="ltr" data-x="1">'
            '<header class="md-header">头</header><div class="md-container"><div class="md-content" data-md-component="content">'
            '<article><div><p>正文</p></div></article></div><nav class="md-footer">尾</nav></div><script>x()</script></body></html>')
    assert indexed_part(html) == ('<!doctype html><html lang="zh-CN"><head><title>t</title></head><body dir="ltr" data-x="1">'
                                  '<div class="md-content" data-md-component="content"><article><div><p>正文</p></div></article></div>'
                                  '</body></html>')
    # Without the element, or without its end, the page is staged whole.
    for whole in (html.replace('class="md-content"', 'class="md-other"'), html[: html.index("</article>")]):
        assert indexed_part(whole) == whole


def test_without_noindex_keeps_the_elements_and_everything_else() -> None:
    from generator.search import without_noindex

    html = ('<h1>1 栋</h1><section data-gs-noindex><h2 id="c">近期</h2><section>里层</section><ol><li>义诊</li></ol></section>'
            '<p>留下</p><div class="x" data-gs-noindex="">别的</div><p>data-gs-noindex 只是文字</p>')
    assert without_noindex(html) == ('<h1>1 栋</h1><section data-gs-noindex></section><p>留下</p>'
                                     '<div class="x" data-gs-noindex=""></div><p>data-gs-noindex 只是文字</p>')
    unclosed = "<p>前</p><section data-gs-noindex><p>没有结束"
    assert without_noindex(unclosed) == unclosed


def test_pagefind_honours_the_chunk_size(basic_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """search.INDEX_CHUNK_SIZE reaches Pagefind (an unstable setting of
    its, read from the environment): the fixture's index fits one chunk of
    the default size and is cut into many with a tiny one."""
    site = _reindex(basic_site, tmp_path, monkeypatch, chunk=20)
    chunks = len(list((site / "pagefind" / "index").iterdir()))
    assert chunks > 10 * len(list((basic_site / "pagefind" / "index").iterdir()))


def test_pagefind_allocator_gets_huge_pages(basic_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """search.JEMALLOC_CONF reaches the allocator linked into the pinned
    Pagefind binary (read from search.JEMALLOC_ENV): its statistics, printed
    at exit when asked, show the settings in force. A Pagefind that reads
    another variable or no longer uses jemalloc fails here instead of
    quietly losing the speed."""
    import subprocess

    from generator import search

    said: list[str] = []
    real_run = subprocess.run

    def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        done = real_run(cmd, **kwargs)  # type: ignore[call-overload]
        said.append(done.stderr + done.stdout)
        return done

    monkeypatch.setattr(search, "JEMALLOC_CONF", search.JEMALLOC_CONF + ",stats_print:true")
    monkeypatch.setattr(search.subprocess, "run", run)
    _reindex(basic_site, tmp_path, monkeypatch)
    assert len(said) == 1
    assert 'opt.thp: "always"' in said[0] and "opt.narenas: 2" in said[0], said[0][:2000]
    assert "Invalid conf" not in said[0]


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


@pytest.mark.parametrize("threads", [8, 1])
def test_remove_tree_removes_nested_folders_and_tolerates_a_missing_one(tmp_path: Path, threads: int) -> None:
    from generator.fsutil import remove_tree

    root = tmp_path / "site"
    for i in range(30):
        (root / f"d{i % 5}" / f"p{i}").mkdir(parents=True)
        (root / f"d{i % 5}" / f"p{i}" / "index.html").write_text("x", encoding="utf-8")
    (root / "top.html").write_text("x", encoding="utf-8")
    (root / "link").symlink_to(tmp_path)  # followed by nobody
    remove_tree(root, threads=threads)
    assert not root.exists() and tmp_path.exists()
    remove_tree(root, threads=threads)  # gone already: no error


@pytest.mark.parametrize(("cores", "cause"), [(2, "no pagefind"), (1, "no pagefind"), (2, "pagefind fails"), (2, "worker killed")])
def test_search_index_failure_is_one_clean_error(cores: int, cause: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Whether the index is made in a forked process (two cores) or in a
    thread: one clean error, and the published site is left as it was."""
    import os

    import pagefind.service
    from conftest import TODAY, run_cli

    from generator import search

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    project = make_project_at(tmp_path / "nopf", FIXTURES / "basic" / "content")
    (project / "site").mkdir()
    (project / "site" / "old.html").write_text("old", encoding="utf-8")
    if cause == "no pagefind":
        monkeypatch.setattr(pagefind.service, "get_executable", lambda: None)
    elif cause == "worker killed":  # as the kernel's OOM killer would
        monkeypatch.setattr(search, "_write", lambda out, background=False: os._exit(137))
    else:
        def fails(*args: object, **kwargs: object) -> None:
            raise search.SearchIndexFailed("Error: 索引写入失败（测试）")

        monkeypatch.setattr(search, "_run_pagefind", fails)
    assert run_cli("build", "--today", TODAY, cwd=project) != 0
    err = capsys.readouterr().err
    assert "搜索索引生成失败" in err
    assert ("进程意外退出" in err and "内存" in err) if cause == "worker killed" else "requirements.lock" in err
    if cause == "pagefind fails":
        assert "索引写入失败（测试）" in err
    assert "Traceback" not in err
    assert [p.name for p in (project / "site").iterdir()] == ["old.html"]


@pytest.mark.parametrize("cores", [2, 1])
def test_build_indexes_while_the_other_writers_run(cores: int, make_project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`build` stages the pages and runs Pagefind in a forked process
    (search.start; in a thread without a second core) while the digests,
    calendars and door notices are written: the digest writer here waits
    until Pagefind has started, which a search run after the writers would
    never do. The index is the same as one made after them."""
    import os
    import time

    from conftest import build_project

    from generator import digest, search

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    marker = tmp_path / "pagefind-started"
    real_pagefind, real_digest = search._run_pagefind, digest.write

    def pagefind(*args, **kwargs):  # type: ignore[no-untyped-def]
        import threading

        marker.write_text(f"{os.getpid()} {threading.current_thread().name}", encoding="utf-8")
        return real_pagefind(*args, **kwargs)

    def digests(out):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < deadline, "the search index did not start before the writers were done"
            time.sleep(0.01)
        return real_digest(out)

    monkeypatch.setattr(search, "_run_pagefind", pagefind)
    monkeypatch.setattr(digest, "write", digests)
    side = build_project(make_project("basic"))
    pid, thread = marker.read_text(encoding="utf-8").split()
    if cores > 1:
        assert int(pid) != os.getpid()  # a process of its own
    else:
        assert int(pid) == os.getpid() and thread == "gongshi-search"
    monkeypatch.setattr(digest, "write", real_digest)
    # The same index when Pagefind runs after the other writers, as it did.
    monkeypatch.setattr(search, "start", lambda out: lambda: search.write(out))
    after = build_project(make_project_at(side.parent.parent / "after", FIXTURES / "basic" / "content"))
    files = sorted(p.relative_to(side).as_posix() for p in (side / "pagefind").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(after).as_posix() for p in (after / "pagefind").rglob("*") if p.is_file())
    assert all((side / rel).read_bytes() == (after / rel).read_bytes() for rel in files)


# ------------------------------------------------------ coming activities first
#
# The reader asks Pagefind once more for a query sorted by each coming
# activity's next occurrence (search.with_soon), and shows those first
# (tests/test_browser.py: test_coming_activities_come_first_soonest_first).


def test_coming_activities_carry_their_next_occurrence_that_takes_place() -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from generator import queries, search
    from generator.pipeline import Project, load_site

    site, _ = load_site(Project.at(FIXTURES / "basic"), date(2026, 12, 14))
    tz = ZoneInfo("Asia/Shanghai")
    soon = search.next_occurrences(queries.upcoming(site), datetime(2027, 3, 1, tzinfo=tz))

    def at(*parts: int) -> int:
        return int(datetime(*parts, tzinfo=tz).timestamp())

    # The weekly 健身舞 (Tue, Thu 19:00-20:30): Tue 12-15 is cancelled, so
    # its next is Thu 12-17.
    assert soon["dance"] == (at(2026, 12, 17, 19, 0), at(2026, 12, 17, 20, 30))
    # Cancelled or postponed as a whole, or over by 12-14: none.
    assert not {"cancelled-walk", "postponed-show", "old-talk", "estate-a-drill", "east-clinic"} & set(soon)
    # Nor one whose next starts after the horizon (search.SOON_DAYS from today).
    assert "dance" not in search.next_occurrences(queries.upcoming(site), datetime(2026, 12, 17, 19, 0, tzinfo=tz))
    assert search.SOON_DAYS >= 60


def test_the_staging_copy_gives_coming_activities_their_sort_key(basic_site: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    meta = {}
    for path in (basic_site / "pagefind" / "fragment").iterdir():
        record = gzip.decompress(path.read_bytes())
        fragment = json.loads(record[record.index(b"{") :])
        meta[fragment["url"]] = fragment["meta"]
    clinic = ACTIVITIES["east-clinic"]  # 2026年12月5日 8:30, written the Chinese way
    assert clinic["start"] == "2026年12月5日 8:30"
    start = int(datetime(2026, 12, 5, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp())
    assert meta["/activities/east-clinic/"]["gs_soon"] == f"{start:012d}"
    assert int(meta["/activities/east-clinic/"]["gs_end"]) > start
    # Only coming activities that take place; the published pages are as before.
    assert "gs_soon" not in meta["/activities/cancelled-walk/"] and "gs_soon" not in meta["/activities/postponed-show/"]
    assert not [url for url, m in meta.items() if "gs_soon" in m and not url.startswith("/activities/")]
    assert "gs_soon" not in (basic_site / "activities" / "east-clinic" / "index.html").read_text(encoding="utf-8")


def test_the_pages_are_found_as_path_rglob_finds_them(tmp_path: Path) -> None:
    # search._index_files walks the site with os.scandir instead of
    # Path.rglob("index.html") (1.4 s of staging at bench scale L).
    from generator import search

    site = tmp_path / "site"
    for rel in ("index.html", "a/index.html", "a/b/c/index.html", ".hidden/index.html", "中文/楼/index.html",
                "x/other.html", "x/index.htm", "y/index.html.bak"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("<p>x</p>", encoding="utf-8")
    (site / "empty").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_text("x", encoding="utf-8")
    (site / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    expected = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert sorted(search._index_files(str(site))) == expected
    assert "a/b/c/index.html" in expected and "linked/index.html" not in expected


@pytest.mark.parametrize("skip_numbered", [True, False])
def test_a_bundles_files_are_those_rglob_finds(tmp_path: Path, skip_numbered: bool) -> None:
    # _Bundles.store lists a Pagefind bundle's output with os.scandir
    # (search._files_under); it must list what Path.rglob did: every file,
    # sorted, none under the other bundles' numbered folders of the first.
    from generator.search import _files_under

    for rel in ("pagefind.js", "pagefind-entry.json", "fragment/zh_1a.pf_fragment", "index/zh_2b.pf_index",
                "1/pagefind-entry.json", "1/index/zh_9.pf_index", "12/x", "a1/b/c/deep.txt", ".hidden"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "outside.txt").write_text("x", encoding="utf-8")
    (tmp_path / "fragment" / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    expected = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                      if p.is_file() and not (skip_numbered and p.relative_to(tmp_path).parts[0].isdigit()))
    assert sorted(_files_under(str(tmp_path), skip_numbered=skip_numbered)) == expected
    assert ("1/index/zh_9.pf_index" in expected) != skip_numbered and "a1/b/c/deep.txt" in expected
