"""The residents' site in a real browser (Debian's Chromium via Playwright):
nothing from outside hosts, Chinese search within its download budget,
长辈模式, phones at 360 × 740, axe-core accessibility, print.

The 'browser' fixture (tests/fixtures/browser) is the hand-checked 'basic'
fixture plus a 防灾减灾 bulletin with an image and a table, a lecture report
and a 防灾减灾 activity. Expected pages are worked out here from its YAML and
front matter, never by asking the code under test.

A skip under CI=true is a failure (conftest.py): Chromium must be installed
(scripts/system-deps.sh --test).
"""

from __future__ import annotations

import datetime
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from browser_helpers import DESKTOP, PHONE, Traffic, chromium, goto, new_context, serve, watch
from conftest import FIXTURES, REPO, TODAY, build_project, make_project_at, run_cli, soup
from test_search import buildings_in

CASE = FIXTURES / "browser" / "content"
DATA = CASE / "data"

if not Path("/usr/bin/chromium").exists():  # pragma: no cover - CI installs it
    pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh --test)", allow_module_level=True)


def _yaml(name: str) -> Any:
    return yaml.load((DATA / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def _front_matter(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text.split("---")[1], Loader=yaml.BaseLoader)


BULLETINS = {p.stem: _front_matter(p) for p in sorted((CASE / "bulletins").glob("*.md"))}
PUBLISHED = {stem: fm for stem, fm in BULLETINS.items() if fm.get("draft") != "true"}
ACTIVITIES = {a["id"]: a for a in _yaml("activities.yml")["activities"]}
LECTURES = {a["id"]: a for a in _yaml("lectures.yml")["lectures"]}
SITE_HOST = _yaml("site.yml")["site"]["url"].split("/")[2]


def _last_day(activity: dict[str, Any]) -> str:
    """The last day an activity happens, as YYYY-MM-DD (fixture dates are
    written in several formats: 2026-12-05, 2026年12月5日)."""
    text = activity.get("recurrence", {}).get("until") or activity["start"]
    y, m, d = re.match(r"(\d{4})\D+(\d{1,2})\D+(\d{1,2})", text).groups()
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


# building id → "estate name + building name", as residents say it.
BUILDINGS = {bid: f"{estate} {name}" for bid, (_community, estate, name) in buildings_in(DATA / "places.yml").items()}

# One URL per page type a resident meets; the notice is the printed door page.
PAGES = {
    "home": "",
    "bulletin": "bulletins/2026-05-fangzai/",
    "bulletin-archive": "bulletins/",
    "activity": "activities/estate-a-drill/",
    "lecture": "activities/heart-talk/",
    "lectures": "lectures/",
    "activity-calendar": "activities/",
    "building": "buildings/a-1/",
    "places": "places/",
    "teams": "teams/",
    "about": "about/",
    "venues": "venues/",
    "column": "bulletins/columns/news/",
    "past-activities": "activities/past/",
    "activity-month": "activities/months/2026-12/",
    "bulletin-year": "bulletins/years/2026/",
    "notices-index": "notices/",
    "notice": "notices/a-1/",
}
AXE_PAGES = ["home", "bulletin", "activity", "lecture", "building", "notice", "activity-month"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project_at(tmp_path_factory.mktemp("browser") / "p", CASE)
    return build_project(project)


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _open(browser: Any, site: Path, viewport: dict[str, int], *, elder: bool = False) -> tuple[Any, Any, Traffic]:
    context = new_context(browser, viewport, elder=elder)
    traffic = watch(context, own_host=SITE_HOST, own_site=site)
    return context, context.new_page(), traffic


def _search(page: Any, query: str) -> list[str]:
    """Type a query into the header search box as a resident would and
    return the result links (all of them, following 显示更多结果)."""
    if not page.is_checked("#__search"):
        page.click("label.gs-search-button" if page.is_visible("label.gs-search-button") else "[data-gs-search-query]")
    page.fill("[data-gs-search-query]", query)
    page.wait_for_selector(f"[data-gs-search-done='{query}']", state="attached", timeout=20_000)
    while page.is_visible(".gs-search-more button"):
        count = page.locator(".md-search-result__link").count()
        page.click(".gs-search-more button")
        page.wait_for_function(f"document.querySelectorAll('.md-search-result__link').length > {count}")
    return [href.split("#")[0] for href in page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => new URL(e.href).pathname)")]


# ------------------------------------------------------ 1. nothing from outside


@pytest.mark.parametrize("kind", list(PAGES))
def test_no_request_leaves_the_site(browser: Any, site: Path, base_url: str, kind: str) -> None:
    context, page, traffic = _open(browser, site, PHONE)
    try:
        goto(page, base_url + PAGES[kind])
        if kind == "home":
            _search(page, "讲座")  # the search bundle is part of the page too
        assert traffic.local, "the page made no request at all?"
        assert traffic.outside == [], f"{kind}: requests to other hosts: {traffic.outside}"
        assert traffic.own == [], f"{kind}: requests to the public site URL: {traffic.own}"
    finally:
        context.close()


def test_a_browser_without_resize_observer_fetches_nothing_from_outside(browser: Any, site: Path, base_url: str) -> None:
    # iOS 12 and old WebViews have no ResizeObserver: Material's bundle then
    # loaded a polyfill from unpkg.com (blocked in mainland China) on every
    # page. The site's own stand-in is loaded first.
    context, page, traffic = _open(browser, site, PHONE)
    try:
        context.add_init_script("delete window.ResizeObserver;")
        goto(page, base_url + PAGES["building"])
        assert traffic.outside == [], traffic.outside
        assert page.evaluate("typeof ResizeObserver") == "function"
        # Material started: its header title follows the page's scroll
        # (watched through the observer) and search opens from the header.
        page.click("label.gs-search-button")
        assert page.is_checked("#__search")
    finally:
        context.close()


@pytest.mark.parametrize(("now", "shown"), [("2026-12-03T10:59:00+08:00", False), ("2026-12-03T11:01:00+08:00", True)])
def test_an_activity_page_says_it_is_over_on_a_site_not_rebuilt_since(browser: Any, site: Path, base_url: str, now: str, shown: bool) -> None:
    # Built on TODAY, before the drill; read on the day, after it ended.
    context, page, _traffic = _open(browser, site, PHONE)
    try:
        page.clock.set_fixed_time(now)
        goto(page, base_url + PAGES["activity"])
        assert page.is_visible(".gs-over") is shown
        if shown:
            assert page.inner_text(".gs-over").startswith("本活动已于 2026年12月3日 11:00 结束")
    finally:
        context.close()


def test_without_javascript_the_elder_button_is_not_offered(browser: Any, site: Path, base_url: str) -> None:
    # Tapping it did nothing without JavaScript.
    context = new_context(browser, PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base_url)
        assert page.locator("[data-gs-elder-toggle]").count() == 1 and not page.is_visible("[data-gs-elder-toggle]")
    finally:
        context.close()
    context, page, _traffic = _open(browser, site, PHONE)
    try:
        goto(page, base_url)
        assert page.is_visible("[data-gs-elder-toggle]")
    finally:
        context.close()


def test_goto_waits_for_requests_made_after_load_but_not_for_a_hung_one(browser: Any, tmp_path: Path) -> None:
    """The wait every test above relies on: a request a page makes 300 ms
    after its load event is recorded before goto() returns, and a request
    that never answers ends the wait at its timeout instead of the test's."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><title>t</title><script>addEventListener('load', () =>"
        " setTimeout(() => fetch('late.txt').then(r => r.text()).then(t => fetch(t)), 300));</script>",
        encoding="utf-8",
    )
    (tmp_path / "late.txt").write_text("later.txt", encoding="utf-8")
    (tmp_path / "later.txt").write_text("", encoding="utf-8")
    with serve(tmp_path) as url:
        context = new_context(browser, PHONE)
        traffic = watch(context)
        try:
            page = context.new_page()
            # A quiet window wider than the default: under load (two test
            # workers and Chromium on two cores) the load event and the
            # page's timer can come more than 0.5 s after the page's last
            # request ended (it failed so once, the whole browser file
            # run on two workers).
            goto(page, url, quiet_s=1.5)
            assert [u.rsplit("/", 1)[1] for u in traffic.local] == ["", "late.txt", "later.txt"]
            context.route("**/later.txt", lambda route: None)  # never answered
            traffic.clear()
            started = time.monotonic()
            goto(page, url, quiet_s=1.5, timeout_s=3)
            assert 3 <= time.monotonic() - started < 15
            assert [u.rsplit("/", 1)[1] for u in traffic.local] == ["", "late.txt"]
        finally:
            context.close()


def test_html_declares_zh_cn_and_keeps_materials_chinese(site: Path) -> None:
    for kind, url in PAGES.items():
        doc = soup(site / url / "index.html")
        assert doc.html["lang"] == "zh-CN", kind
    home = soup(site / "index.html")
    assert home.select_one(".md-search__input")["placeholder"].startswith("搜索")
    # Material's own Chinese strings survive the language override.
    assert "回到页面顶部" in home.get_text()
    assert not (site / "search" / "search_index.json").exists(), "Material's whole-index search must stay off"


# ------------------------------------------------------------- 2. search


def _lecture_url(lecture_id: str) -> str:
    return f"/activities/{lecture_id}/"


def _indexed_titles() -> dict[str, str]:
    """URL → title as the fixture writes it, for the bulletins, coming
    activities and lectures (the pages in the index besides buildings)."""
    titles = {f"/bulletins/{stem}/": fm["title"] for stem, fm in PUBLISHED.items()}
    titles |= {f"/activities/{aid}/": a["title"] for aid, a in ACTIVITIES.items() if _last_day(a) >= TODAY}
    titles |= {_lecture_url(lid): lecture["title"] for lid, lecture in LECTURES.items()}
    return titles


def _search_cases() -> list[tuple[str, str, set[str], int]]:
    """(name, query, pages that must be found, within the first N results)."""
    cases = []
    for lid, lecture in LECTURES.items():
        cases.append((f"speaker-{lid}", lecture["speaker"], {_lecture_url(lid)}, 1))
    fangzai_bulletins = {f"/bulletins/{stem}/" for stem, fm in PUBLISHED.items() if "防灾减灾" in fm["title"]}
    fangzai_activities = {f"/activities/{aid}/" for aid, a in ACTIVITIES.items() if a["kind"] == "防灾减灾"}
    assert fangzai_bulletins and fangzai_activities
    cases.append(("fangzai", "防灾减灾", fangzai_bulletins | fangzai_activities, 99))
    lecture_report = {f"/bulletins/{stem}/" for stem, fm in PUBLISHED.items() if "讲" in fm["title"]}
    cases.append(("jiangzuo", "讲座", {_lecture_url(lid) for lid in LECTURES} | lecture_report, 99))
    # A building's name finds it first: its page is indexed by its name and
    # facts, not by the activities it lists (tests/test_search.py).
    for bid, name in BUILDINGS.items():
        cases.append((f"building-{bid}", name, {f"/buildings/{bid}/"}, 1))
        cases.append((f"building-{bid}-tight", name.replace(" ", ""), {f"/buildings/{bid}/"}, 1))
    # A number and its unit find that building first, not 10 栋 or 11 栋,
    # which Pagefind's prefix match also finds for 1 (甲小区 has both).
    one_dong = {f"/buildings/{bid}/" for bid, name in BUILDINGS.items() if name.endswith(" 1 栋")}
    cases.append(("number-1-dong", "1栋", one_dong, len(one_dong)))
    cases.append(("number-1-haolou", "1号楼", {f"/buildings/{bid}/" for bid, name in BUILDINGS.items() if name.endswith(" 1 号楼")}, 1))
    # A page's whole title, and a word inside a title, find it (ICU cuts
    # the query, jieba the page: the reader's title search, gongshi-reader.js).
    titles = _indexed_titles()
    for url, title in titles.items():
        within = len([u for u, t in titles.items() if title in t])
        cases.append((f"title-{url.strip('/').replace('/', '-')}", title, {url}, within))
    show = next(url for url, title in titles.items() if "文艺汇演" in title)
    cases.append(("title-word-huiyan", "汇演", {show}, 1))
    for stem, fm in PUBLISHED.items():
        if fm["issue"] in ("4", "5"):
            cases.append((f"issue-{fm['issue']}", f"第 {fm['issue']} 期", {f"/bulletins/{stem}/"}, 3))
            cases.append((f"issue-{fm['issue']}-tight", f"第{fm['issue']}期", {f"/bulletins/{stem}/"}, 3))
    return cases


SEARCH_CASES = _search_cases()


@pytest.fixture(scope="module")
def search_page(browser: Any, site: Path, base_url: str) -> Iterator[Any]:
    context, page, _traffic = _open(browser, site, PHONE)
    goto(page, base_url)
    yield page
    context.close()


@pytest.mark.parametrize(("name", "query", "expected", "within"), SEARCH_CASES, ids=[c[0] for c in SEARCH_CASES])
def test_chinese_queries_find_the_right_pages(search_page: Any, name: str, query: str, expected: set[str], within: int) -> None:
    results = _search(search_page, query)
    top = results[:within]
    missing = expected - set(top)
    assert not missing, f"{query!r}: {sorted(missing)} not in the first {within} results {results}"
    listings = {"/", "/bulletins/", "/activities/", "/lectures/", "/places/"}
    assert not listings & set(results), "listing pages must not be indexed"


@pytest.mark.parametrize(("aid", "query"), [("north-yard-check", "北院燃气检查"), ("b1-only", "垃圾分类宣传")])
def test_activity_queries_find_the_activity_not_the_buildings_listing_it(search_page: Any, aid: str, query: str) -> None:
    """Each activity is listed on the pages of the buildings it is for; those
    lists are not indexed, so the query finds the activity's own page and no
    building page (before, every building listing it matched)."""
    assert query in ACTIVITIES[aid]["title"] and _last_day(ACTIVITIES[aid]) >= TODAY
    results = _search(search_page, query)
    assert results[:1] == [f"/activities/{aid}/"], results
    assert not [u for u in results if u.startswith("/buildings/")], results


# When the resident searches: noon of the day the test sites are built for
# (the reader passes over a coming activity that is over by then).
SEARCH_NOW = f"{TODAY}T12:00:00+08:00"


@pytest.fixture(scope="module")
def sample_search(browser: Any, sample_site: Path) -> Iterator[tuple[Any, str]]:
    with serve(sample_site) as url:
        context, page, _traffic = _open(browser, sample_site, PHONE)
        page.clock.set_fixed_time(SEARCH_NOW)
        goto(page, url)
        yield page, url
        context.close()


def _start(record: dict[str, Any]) -> datetime.datetime:
    start = record["start"]
    return start if isinstance(start, datetime.datetime) else datetime.datetime.fromisoformat(str(start))


def test_coming_lectures_come_first_soonest_first(sample_search: tuple[Any, str]) -> None:
    """The residents' tester: 讲座 ranked two bulletins that mention it
    above the next lecture. The coming lectures (from the sample's YAML:
    from today on, none cancelled or postponed) come first, soonest first,
    then the bulletins and past lectures."""
    page, _url = sample_search
    lectures = yaml.safe_load((REPO / "content/data/lectures.yml").read_text(encoding="utf-8"))["lectures"]
    today = datetime.date.fromisoformat(TODAY)
    coming = sorted((_start(r), r["id"]) for r in lectures if _start(r).date() >= today and r.get("status", "scheduled") == "scheduled")
    past = [r["id"] for r in lectures if _start(r).date() < today]
    assert len(coming) >= 3 and past
    results = _search(page, "讲座")
    assert results[: len(coming)] == [_lecture_url(lid) for _start_, lid in coming], results
    assert any(u.startswith("/bulletins/") for u in results[len(coming) :]), results
    assert {_lecture_url(lid) for lid in past} & set(results[len(coming) :]), results


def _pagefind_alone(browser: Any, url: str, queries: list[str]) -> dict[str, list[str]]:
    """What Pagefind's own search finds (its own cut of each query, as the
    reader searched before its title search), by URL, in a page of its own."""
    context = new_context(browser, PHONE)
    try:
        page = context.new_page()
        goto(page, url)
        return page.evaluate(
            """async ([url, queries]) => {
                const pf = await import(url);
                const out = {};
                for (const q of queries) {
                    const r = await pf.search(q);
                    out[q] = (await Promise.all(r.results.map((x) => x.data()))).map((d) => d.url);
                }
                return out;
            }""",
            [url + "pagefind/pagefind.js", queries],
        )
    finally:
        context.close()


def test_search_says_past_activities_are_not_searched_and_where_they_are(browser: Any, site: Path, base_url: str) -> None:
    # Activities that are over are left out of the index (to keep the first
    # search small); a tester looking for last month's found nothing and no
    # hint. Every answer, found or not, now says so, with the way there.
    past = {aid: a for aid, a in ACTIVITIES.items() if _last_day(a) < TODAY}
    assert past
    aid, activity = next(iter(past.items()))
    note = "[data-gs-search-past]"
    context, page, _traffic = _open(browser, site, PHONE)
    try:
        goto(page, base_url)
        page.click("label.gs-search-button")
        assert not page.is_visible(note)  # nothing asked yet: only the hint
        hint = page.inner_text("[data-gs-search-meta]")
        assert hint.startswith("输入关键词"), hint
        for query in (activity["title"], "讲座"):
            results = _search(page, query)
            if query == "讲座":
                assert results, "a query with results"
            else:
                assert f"/activities/{aid}/" not in results
            assert page.is_visible(note), query
            assert page.inner_text(note).startswith("已结束的活动（讲座除外）搜不到，请在活动日历中查看"), page.inner_text(note)
        page.fill("[data-gs-search-query]", "")
        page.wait_for_function(f"document.querySelector('{note}').hidden")
        # A cleared box says the hint again (taken from the line's own text).
        assert page.inner_text("[data-gs-search-meta]") == hint
        _search(page, "股票")  # the residents' tester's query with no answer
        assert page.inner_text("[data-gs-search-meta]").startswith("没有找到")
        assert page.is_visible(note)
        # The link leads to the past activities, where the one looked for is.
        with page.expect_navigation(wait_until="load"):
            page.click(f"{note} a")
        assert page.url == base_url + PAGES["past-activities"]
        listed = page.eval_on_selector_all(".gs-item__title a", "els => els.map(e => new URL(e.href).pathname)")
        assert f"/activities/{aid}/" in listed, listed
    finally:
        context.close()


def test_sample_site_a_word_of_a_title_finds_the_page(sample_search: tuple[Any, str]) -> None:
    """The outside tester's case on the shipped sample content: ICU cuts 燃气
    into 燃 / 气 and jieba indexed 燃气 whole, so neither 燃气 nor the whole
    title found 东院燃气安全入户检查 (0 results for the title)."""
    page, _url = sample_search
    title = "东院燃气安全入户检查"
    results = _search(page, "燃气")
    assert "/activities/2026-12-06-dongyuan-ranqi/" in results, results
    assert _search(page, title)[:1] == ["/activities/2026-12-06-dongyuan-ranqi/"]


def test_an_activity_found_by_its_description_shows_when_it_is(sample_search: tuple[Any, str]) -> None:
    """The residents' tester: a result found by a word of an activity's
    text showed the words around it, not the date. The result says when,
    once, under its title; a bulletin's result has no such line."""
    import datetime

    page, _url = sample_search
    _search(page, "燃气")
    title = "冬季安全用电用气入户宣传"
    record = next(a for a in yaml.safe_load((REPO / "content/data/activities.yml").read_text(encoding="utf-8"))["activities"] if a["title"] == title)
    start = record["start"] if isinstance(record["start"], datetime.datetime) else datetime.datetime.fromisoformat(str(record["start"]))
    item = page.locator(".md-search-result__item", has=page.locator("h1", has_text=title))
    when = item.locator(".gs-search-when").inner_text()
    assert re.fullmatch(rf"时间：{start.year}年{start.month}月{start.day}日（周.）{start:%H:%M}–\d\d:\d\d", when), when
    assert item.inner_text().count("时间：") == 1
    bulletin = page.locator(".md-search-result__item", has=page.locator("h1", has_text="平安过年"))
    assert bulletin.count() == 1 and bulletin.locator(".gs-search-when").count() == 0


@pytest.mark.parametrize("query", ["防灾减灾", "燃气", "垃圾分类", "火星探测", "桂园", "入户", "讲座", "1栋", "消防安全演练"])
def test_sample_site_finds_all_that_pagefind_alone_finds(browser: Any, sample_search: tuple[Any, str], query: str) -> None:
    """The reader's searches add to what Pagefind's own finds, never take
    away: 防灾减灾 (防 AND 减 to Pagefind, 灾 being a word start nowhere)
    still finds the pages holding it only in their text."""
    page, url = sample_search
    alone = _pagefind_alone(browser, url, [query])[query]
    results = _search(page, query)
    assert set(alone) <= set(results), sorted(set(alone) - set(results))
    if query == "防灾减灾":
        assert len(results) >= 11, results  # 11 on the sample site before the title search


# A district's index is several Pagefind bundles (search.BUNDLE_TEXT):
# pagefind/pagefind.js is then generator/search_entry.js, which merges the
# other bundles after the reader has started it with <html lang> switched
# to "und" (gongshi-reader.js, loadPagefind). A merged bundle that took
# the page's language instead would cut queries with ICU, and neither the
# title search (qz + the query) nor the uncut searches would find its pages.
SPLIT_BUNDLES = 3


def _bundle_titles(site: Path) -> list[dict[str, str]]:
    """For each bundle of ``site``'s index, URL → the title it holds."""
    import gzip
    import json

    root = site / "pagefind"
    found = []
    for bundle in [root] + [root / str(n) for n in range(1, SPLIT_BUNDLES)]:
        titles = {}
        for path in sorted((bundle / "fragment").iterdir()):
            record = gzip.decompress(path.read_bytes())
            fragment = json.loads(record[record.index(b"{") :])
            titles[fragment["url"]] = fragment["meta"]["title"]
        found.append(titles)
    return found


@pytest.fixture(scope="module")
def split_search(browser: Any, site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path, str]]:
    """The browser fixture's site indexed again in three bundles, open on its
    home page in a phone."""
    from test_search import _reindex

    with pytest.MonkeyPatch.context() as mp:
        split = _reindex(site, tmp_path_factory.mktemp("split-browser"), mp, bundles=SPLIT_BUNDLES)
    with serve(split) as url:
        context, page, _traffic = _open(browser, split, PHONE)
        goto(page, url)
        yield page, split, url
        context.close()


_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def test_split_index_titles_find_their_page_in_every_bundle(browser: Any, split_search: tuple[Any, Path, str]) -> None:
    """Each page's whole title, and each two Chinese characters of it (燃气
    in 北院燃气检查), find the page through the search box, whichever bundle
    holds it, among the first as many results as titles hold the query."""
    page, split, url = split_search
    bundles = _bundle_titles(split)
    assert len(bundles) == SPLIT_BUNDLES and all(bundles), [len(b) for b in bundles]
    titles = {u: t for bundle in bundles for u, t in bundle.items()}
    assert sum(len(b) for b in bundles) == len(titles)
    # The fixture's pages (from its YAML, _indexed_titles) and buildings.
    assert set(_indexed_titles()) | {f"/buildings/{bid}/" for bid in BUILDINGS} <= set(titles)
    assert all(t in titles[u] for u, t in _indexed_titles().items())  # 【已延期】科普文艺汇演
    flat = {u: "".join(t.split()) for u, t in titles.items()}
    queries = {}  # (bundle, url) → queries
    for n, bundle in enumerate(bundles):
        for u, title in bundle.items():
            pairs = [run[i : i + 2] for run in _HAN.findall(flat[u]) for i in range(len(run) - 1)]
            queries[n, u] = [title, *dict.fromkeys(pairs)]
    # The check can fail in every merged bundle: Pagefind alone, which cuts
    # each query with ICU, misses some of these pages in each (a merged
    # bundle cutting queries would miss them too). Which pages land in the
    # first bundle moves with the pages' indexed sizes (e0286e5 left a
    # hidden sentence out of activity pages, and none Pagefind alone
    # misses was left there); the reader's own bundle is also covered by
    # test_sample_site_a_word_of_a_title_finds_the_page.
    every = sorted({q for qs in queries.values() for q in qs})
    alone = _pagefind_alone(browser, url, every)
    missed = {n for (n, u), qs in queries.items() for q in qs if u not in alone[q]}
    assert set(range(1, SPLIT_BUNDLES)) <= missed, missed
    # The whole titles, and the pairs Pagefind alone misses (the others
    # the reader's first search finds as Pagefind did: test_sample_site_*).
    lost = {}
    for (n, u), qs in queries.items():
        for q in qs:
            if q != qs[0] and u in alone[q]:
                continue
            within = len([f for f in flat.values() if "".join(q.split()) in f])
            results = _search(page, q)
            if u not in results[:within]:
                lost[u, q] = (n, results[:within])
    assert not lost, lost


# The browser fixture's coming activities and when each next takes place
# (from its YAML; the weekly 健身舞 from Tue 12-01), soonest first. The
# street of both its venues, 测试路, is in the text of each, in no title.
COMING_NEXT = ["dance", "estate-a-drill", "b1-only", "east-clinic", "north-yard-check", "quake-drill", "heart-talk"]


@pytest.mark.parametrize("over", [False, True])
@pytest.mark.parametrize("bundles", [1, SPLIT_BUNDLES])
def test_coming_activities_come_first_soonest_first(browser: Any, site: Path, split_search: tuple[Any, Path, str], over: bool,
                                                     bundles: int) -> None:
    """测试路: every activity of the fixture holds it in its text (its
    venue's address), and so do pages that are no activity. The coming
    ones come first, soonest first (up to three), whichever
    bundle of a split index holds them; the ones over by the time of the
    search (on a site not rebuilt since: 12-03 11:01, after the drill of
    that morning and the 健身舞 of 12-01) are not put first."""
    starts = {aid: ACTIVITIES[aid]["start"] if aid in ACTIVITIES else LECTURES[aid]["start"] for aid in COMING_NEXT}
    assert starts["estate-a-drill"] == "2026-12-03 09:00" and ACTIVITIES["estate-a-drill"]["end"] == "11:00"
    assert starts["dance"] == "2026-12-01 19:00" and starts["b1-only"] == "2026-12-04 19:00"
    root = site if bundles == 1 else split_search[1]
    with serve(root) as url:
        context, page, _traffic = _open(browser, root, PHONE)
        try:
            page.clock.set_fixed_time("2026-12-03T11:01:00+08:00" if over else SEARCH_NOW)
            goto(page, url)
            results = _search(page, "测试路")
        finally:
            context.close()
    order = [u.split("/")[2] for u in results if u.startswith("/activities/")]
    assert len(results) > len(order) >= len(COMING_NEXT), results
    # The first three coming as the index was built are put forward (the
    # reader's FORWARD); at 11:01 on 12-03 two of them are over.
    coming, shown = (COMING_NEXT[2:], 1) if over else (COMING_NEXT, 3)
    if bundles == 1:
        assert results[:shown] == [f"/activities/{a}/" for a in coming[:shown]], results
    else:  # the soonest of those Pagefind lists first, in the order of their dates
        first = order[:shown]
        assert results[:shown] == [f"/activities/{a}/" for a in first] and set(first) <= set(coming), results
        assert first == sorted(first, key=coming.index), results
    if over:
        assert results.index("/activities/dance/") > 0 and results.index("/activities/estate-a-drill/") > 0, results


def test_without_coming_activities_a_search_reads_no_more_results(browser: Any, tmp_path: Path) -> None:
    """Built when every activity is over (only lectures stay indexed), no
    page has the sort key, and Pagefind's sorted search then finds every
    page the query finds, unsorted. Nothing is put forward: the first
    results cost the phone the usual five texts (each one request)."""
    late = build_project(make_project_at(tmp_path / "late", CASE), "2027-06-01")
    with serve(late) as url:
        context, page, traffic = _open(browser, late, PHONE)
        try:
            page.clock.set_fixed_time("2027-06-01T12:00:00+08:00")
            goto(page, url)
            if not page.is_checked("#__search"):
                page.click("label.gs-search-button")
            page.fill("[data-gs-search-query]", "社区")
            page.wait_for_selector("[data-gs-search-done='社区']", state="attached", timeout=20_000)
            shown = page.locator(".md-search-result__link").count()
            found = page.inner_text("[data-gs-search-meta]")
        finally:
            context.close()
    fragments = [u for u in traffic.local if "/pagefind/fragment/" in u]
    assert shown == 5 and int(re.sub(r"\D", "", found)) > 5 + 3, found
    assert len(fragments) == 5, fragments


def test_excerpts_have_no_latin_full_stops_between_chinese(search_page: Any) -> None:
    # Pagefind joins a heading to what follows with ". ": the excerpt read
    # "简报 第 5 期. 防灾减灾日：…" under the first result.
    _search(search_page, "防灾减灾")
    shown = search_page.eval_on_selector_all(".md-search-result__article p", "els => els.map(e => e.textContent)")
    assert shown and any("期" in text for text in shown), shown
    assert not [text for text in shown if re.search(r"[\u3400-\u9fff0-9]\. ", text)], shown


def test_first_search_stays_within_budget(browser: Any, site: Path, base_url: str) -> None:
    """What a phone downloads for its first search: Pagefind's script, the
    WebAssembly, the index chunks the query needs and the shown results.
    bench/search_compare.py measures the same at district scale."""
    context, page, traffic = _open(browser, site, PHONE)
    try:
        goto(page, base_url)
        traffic.clear()
        results = _search(page, "防灾减灾")
        assert results
        fetched = set(traffic.bytes_by_url)
        assert any(u.endswith("pagefind/pagefind.js") for u in fetched)
        assert not any("search_index.json" in u for u in fetched)
        assert traffic.total_bytes <= 300 * 1024, f"first search downloaded {traffic.total_bytes} bytes"
        # The index is split: the first search must not fetch every chunk.
        chunks = list((site / "pagefind" / "index").iterdir()) + list((site / "pagefind" / "fragment").iterdir())
        assert len([u for u in fetched if "/index/" in u or "/fragment/" in u]) < len(chunks)
    finally:
        context.close()


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_search_back_and_clear_buttons_are_thumb_sized_on_a_phone(browser: Any, site: Path, base_url: str, elder: bool) -> None:
    # On a phone the open search box has a back arrow and a clear button;
    # a tester found them 24 px and 33 px. Each must be 44 × 44 px that a
    # finger can hit anywhere, inside the search bar, and do its job there.
    context, page, _traffic = _open(browser, site, PHONE, elder=elder)
    try:
        goto(page, base_url)
        _search(page, "讲座")
        back, clear = ".gs-search label.md-search__icon[for='__search']", ".gs-search button[type='reset']"
        page.wait_for_function(f"getComputedStyle(document.querySelector(\"{clear}\")).transform === 'matrix(1, 0, 0, 1, 0, 0)'")
        page.wait_for_timeout(200)  # Material's opacity and transform transitions (0.15 s)
        bar = page.locator(".gs-search .md-search__form").bounding_box()
        assert bar is not None
        boxes = {}
        for name, selector in (("back", back), ("clear", clear)):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["width"] >= 44 - 0.5 and box["height"] >= 44 - 0.5, f"{name}: {box}"
            assert bar["y"] - 0.5 <= box["y"] and box["y"] + box["height"] <= bar["y"] + bar["height"] + 0.5, f"{name} sticks out of the bar {bar}: {box}"
            # Where a thumb lands, near each corner and in the middle, the tap reaches the button.
            for fx, fy in ((0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9), (0.5, 0.5)):
                x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
                hit = page.evaluate("([x, y, s]) => { const e = document.elementFromPoint(x, y); return !!(e && e.closest(s)); }", [x, y, selector])
                assert hit, f"{name}: a tap at ({x:.0f}, {y:.0f}) misses it"
            boxes[name] = box
        assert boxes["back"]["x"] + boxes["back"]["width"] <= boxes["clear"]["x"]
        # The icons are still drawn in the middle of their (larger) buttons.
        for name, selector in (("back", back), ("clear", clear)):
            icon = page.evaluate(
                "s => { const r = [...document.querySelector(s).querySelectorAll('svg')].find(v => v.getBoundingClientRect().width)"
                ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }",
                selector,
            )
            box = boxes[name]
            assert abs(icon[0] - (box["x"] + box["width"] / 2)) <= 1 and abs(icon[1] - (box["y"] + box["height"] / 2)) <= 1, (name, icon, box)
        # Tapped near a corner: × empties the box, ← closes search.
        page.mouse.click(boxes["clear"]["x"] + 3, boxes["clear"]["y"] + boxes["clear"]["height"] - 3)
        assert page.input_value("[data-gs-search-query]") == ""
        # The × hides itself and the answer gives way to the hint, with
        # Material's transitions: the ← is tapped where it is after them. In
        # one fresh-clone run (长辈模式) the tap at the place measured before
        # closed nothing within 5 s; the cause was not confirmed.
        page.wait_for_timeout(200)
        back_box = page.locator(back).bounding_box()
        assert back_box is not None
        page.mouse.click(back_box["x"] + 3, back_box["y"] + back_box["height"] - 3)
        # Waited for, not read at once: on a loaded machine the click's
        # label → checkbox change came after the first read (CI=true run).
        page.wait_for_function("() => !document.getElementById('__search').checked", timeout=5000)
    finally:
        context.close()


def test_search_index_is_reproducible_and_holds_only_content_pages(site: Path, tmp_path: Path) -> None:
    import gzip
    import json

    again = build_project(make_project_at(tmp_path / "again", CASE))
    first = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "pagefind").rglob("*")) if p.is_file()}
    second = {p.relative_to(again).as_posix(): p.read_bytes() for p in sorted((again / "pagefind").rglob("*")) if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []
    urls = set()
    for rel, data in first.items():
        if rel.endswith(".pf_fragment"):
            record = gzip.decompress(data)
            urls.add(json.loads(record[record.index(b"{") :])["url"])
    expected = {f"/bulletins/{stem}/" for stem in PUBLISHED}
    # Activities that are over stay out of the index; lectures stay in (by speaker).
    expected |= {f"/activities/{aid}/" for aid, a in ACTIVITIES.items() if _last_day(a) >= TODAY}
    expected |= {f"/activities/{lid}/" for lid in LECTURES}
    expected |= {f"/buildings/{bid}/" for bid in BUILDINGS}
    expected |= {"/teams/", "/venues/", "/about/"}
    assert urls == expected


# ------------------------------------------------------------ 3. 长辈模式


def _font(page: Any, selector: str) -> tuple[float, float, str]:
    size, line, color = page.eval_on_selector(
        selector, "e => { const s = getComputedStyle(e); return [s.fontSize, s.lineHeight, s.color]; }"
    )
    return float(size.rstrip("px")), float(line.rstrip("px")), color


def test_elder_mode_toggle_enlarges_and_is_remembered(browser: Any, site: Path, base_url: str) -> None:
    context, page, _traffic = _open(browser, site, PHONE)
    try:
        goto(page, base_url + PAGES["bulletin"])
        body = ".md-typeset .gs-article__body p"
        normal, _, _ = _font(page, body)
        assert normal >= 16
        toggle = page.locator("[data-gs-elder-toggle]")
        assert toggle.is_visible()
        assert "长辈模式" in toggle.inner_text()
        assert toggle.get_attribute("aria-pressed") == "false"
        toggle.click()
        assert toggle.get_attribute("aria-pressed") == "true"
        size, line, color = _font(page, body)
        assert size >= 20 and size > normal
        assert line >= 1.5 * size
        assert color == "rgb(0, 0, 0)"  # higher contrast: pure black text
        # Across pages: follow a link as a resident would.
        # expect_navigation: waiting for "load" after the click could see the
        # page already loaded, before the navigation began.
        with page.expect_navigation(wait_until="load"):
            page.click(".gs-breadcrumb a[href]")  # 首页
        assert page.url == base_url
        assert page.evaluate("document.documentElement.classList.contains('gs-elder')")
        assert page.locator("[data-gs-elder-toggle]").get_attribute("aria-pressed") == "true"
        # Across visits: a new tab in the same browser profile.
        later = context.new_page()
        goto(later, base_url + PAGES["building"])
        size2, _, _ = _font(later, ".md-typeset h1 ~ *")
        assert later.evaluate("document.documentElement.classList.contains('gs-elder')")
        assert size2 >= 20
        # And off again, also remembered.
        later.click("[data-gs-elder-toggle]")
        goto(later, base_url + PAGES["bulletin"])
        assert _font(later, body)[0] == normal
    finally:
        context.close()


_BUTTON_CONTRASTS = """() => {
  const rgb = c => { const m = c.match(/[\\d.]+/g).map(Number); return m.length > 3 && m[3] === 0 ? null : m.slice(0, 3); };
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c) return c; } return [255, 255, 255]; };
  return [...document.querySelectorAll('.md-content a.md-button')].filter(e => e.getClientRects().length).map(e => {
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
    return [e.textContent.trim(), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


@pytest.mark.parametrize("elder", [False, True])
def test_buttons_are_readable_in_both_modes(browser: Any, site: Path, base_url: str, elder: bool) -> None:
    # 长辈模式 coloured every link dark blue, buttons too: 订阅本楼活动日历 and
    # 添加到日历 were dark blue on dark red, 1.01:1 (the residents' tester).
    context, page, _traffic = _open(browser, site, PHONE, elder=elder)
    try:
        seen = []
        for path in (PAGES["building"], PAGES["activity"], PAGES["lecture"], "404.html"):
            goto(page, base_url + path)
            assert page.evaluate("document.documentElement.classList.contains('gs-elder')") is elder
            buttons = page.evaluate(_BUTTON_CONTRASTS)
            assert buttons, path
            seen += [(path, text, round(ratio, 2)) for text, ratio in buttons]
        assert [b for b in seen if b[2] < 4.5] == [], seen
        assert any("订阅" in text for _p, text, _r in seen) and any("日历" in text for p, text, _r in seen if p == PAGES["activity"])
    finally:
        context.close()


def test_elder_mode_applies_before_first_paint(site: Path) -> None:
    """The saved mode is applied by an inline script in <head>, before the
    body exists, so the page never flashes small."""
    doc = soup(site / PAGES["bulletin"] / "index.html")
    inline = [s for s in doc.head.find_all("script") if not s.get("src") and "gs-elder" in s.get_text()]
    assert inline, "no inline elder-mode script in <head>"


# --------------------------------------------------------------- 4. phones


def _layout_problems(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
  const doc = document.documentElement;
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && s.opacity !== '0'
      && !e.closest('[hidden]') && r.bottom > 0 && r.right > 0 && r.left < doc.clientWidth; };
  const small = [];
  for (const el of document.querySelectorAll('.md-main *, .md-footer *, body > main *, body > article *, .gs-notice *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 16) small.push(`${el.tagName.toLowerCase()}.${el.className}: ${size}px "${el.textContent.trim().slice(0, 20)}"`);
  }
  const tiny = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, label[for], summary')) {
    if (!visible(el) || el.closest('.md-sidebar, .md-search, .md-tabs')) continue;
    // A link inside running text is exempt (WCAG 2.5.5 "inline").
    if (el.tagName === 'A' && el.closest('p, td, th, dd, .md-typeset li') && !el.closest('.gs-footer, .gs-breadcrumb, .gs-list, .gs-bulletins, .gs-chips, .gs-buildings, .md-footer')) {
      const parent = el.closest('p, td, th, dd, li');
      if (parent.textContent.trim() !== el.textContent.trim()) continue;
    }
    if (el.tagName === 'INPUT' && el.type === 'checkbox' && el.classList.contains('md-toggle')) continue;
    const r = el.getBoundingClientRect();
    if (r.height < 44 - 0.5 || r.width < 44 - 0.5) tiny.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(r.width)}x${Math.round(r.height)} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 20)}"`);
  }
  return {scroll: [doc.scrollWidth, doc.clientWidth], small, tiny};
}"""
    )


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("kind", list(PAGES))
def test_phone_layout(browser: Any, site: Path, base_url: str, kind: str, elder: bool) -> None:
    context, page, _traffic = _open(browser, site, PHONE, elder=elder)
    try:
        goto(page, base_url + PAGES[kind])
        found = _layout_problems(page)
        width, client = found["scroll"]
        assert width <= client, f"{kind}: scrolls sideways ({width} > {client} px)"
        if kind != "notice":  # an A4 page set in points for paper, see the module docstring
            assert found["small"] == [], f"{kind}: text under 16 px"
        assert found["tiny"] == [], f"{kind}: tap targets under 44 px"
    finally:
        context.close()


def _lines_of(page: Any, selector: str, text: str) -> list[int]:
    """The distinct line tops (px) of the last ``text`` in ``selector``'s
    element, as laid out."""
    return page.evaluate(
        """([selector, text]) => {
  const el = document.querySelector(selector);
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let all = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.textContent; }
  const from = all.lastIndexOf(text), to = from + text.length;
  if (from < 0) return [];
  const range = document.createRange();
  for (const [n, at] of nodes) {
    if (at <= from && from < at + n.textContent.length) range.setStart(n, from - at);
    if (at < to && to <= at + n.textContent.length) range.setEnd(n, to - at);
  }
  return [...new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)))];
}""",
        [selector, text],
    )


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_a_building_name_is_not_split_across_lines(browser: Any, sample_site: Path, elder: bool) -> None:
    # "桂园社区 · 桂园花园 · 东院 · 1" on one line and "栋" alone on the next,
    # on a 360 px phone: the number and its 栋 read as two things.
    with serve(sample_site) as url:
        context, page, _traffic = _open(browser, sample_site, PHONE, elder=elder)
        try:
            goto(page, url + "buildings/gy-hy-01/")
            if not elder:  # the line does break there, before the name (in 长辈模式 the list is laid out otherwise)
                assert len(_lines_of(page, ".gs-facts dd", "东院 · 1 栋")) == 2
            assert len(_lines_of(page, ".gs-facts dd", "1 栋")) == 1
            assert len(_lines_of(page, "h1", "1 栋")) == 1
        finally:
            context.close()


def _large_text(context: Any, page: Any, percent: int = 200) -> None:
    """The browser's text size (Chrome's 字体大小, a phone's large-font
    setting) at ``percent``: the default font size grows from 16 px, so rem,
    em and em media queries all follow, as they do for a resident."""
    cdp = context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 16 * percent // 100, "fixed": 13 * percent // 100}})


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_200_percent_text_on_a_phone_scrolls_no_page_sideways(browser: Any, site: Path, base_url: str, elder: bool) -> None:
    # A tester at 200 % on a 360 px phone: the 长辈模式 label ran past the
    # screen (scrollWidth 369, 382 in 长辈模式) and the page scrolled sideways.
    context, page, _traffic = _open(browser, site, PHONE, elder=elder)
    try:
        _large_text(context, page)
        problems: dict[str, list[str]] = {}
        for kind, url in PAGES.items():
            goto(page, base_url + url, quiet_s=0.2)
            found = problems.setdefault(kind, [])
            width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if width > client:
                found.append(f"scrolls sideways ({width} > {client} px)")
            if kind == "home":  # 200 % took effect: the site's 125 % of 32 px
                assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == ("44px" if elder else "40px")
            if kind != "notice":  # the printed door page has no header
                toggle = page.locator("[data-gs-elder-toggle]")
                box, header = toggle.bounding_box(), page.locator(".md-header").bounding_box()
                assert box is not None and header is not None
                if box["x"] < 0 or box["x"] + box["width"] > client:
                    found.append(f"the elder button sticks out: {box}")
                if not toggle.evaluate("e => e.scrollWidth <= e.clientWidth"):
                    found.append("the elder button's label overflows it")
                if box["height"] > header["height"] or min(box["width"], box["height"]) < 44 - 0.5:
                    found.append(f"the elder button is taller than the header or under 44 px: {box}")
        assert {k: v for k, v in problems.items() if v} == {}
    finally:
        context.close()


def _tab_stops(page: Any, limit: int = 80) -> list[tuple[str, bool]]:
    """Press Tab until focus has gone round the page once: each focused
    element's text (or label) and whether it is inside the navigation drawer."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            "() => { const e = document.activeElement; if (!e || e === document.body) return null;"
            " return [(e.textContent || e.getAttribute('aria-label') || e.tagName).trim().slice(0, 20), !!e.closest('.md-sidebar--primary')]; }"
        )
        if stop is None:
            if stops:
                break
            continue
        stops.append(tuple(stop))
    return stops


def test_tab_skips_the_closed_navigation_drawer_on_a_phone(browser: Any, site: Path, base_url: str) -> None:
    # At phone width Material's navigation is a drawer slid off the screen;
    # a tester pressing Tab from the top went through its links while it was
    # closed, focus invisible off screen.
    context, page, _traffic = _open(browser, site, PHONE)
    drawer = ".md-sidebar--primary"
    transition = f"document.querySelector('{drawer}').getAnimations().some(a => a.transitionProperty === 'transform')"
    visibility = f"getComputedStyle(document.querySelector('{drawer}')).visibility"
    try:
        goto(page, base_url + PAGES["building"])
        closed = _tab_stops(page)
        assert [name for name, inside in closed if inside] == [], closed
        assert any(name.startswith("首页") for name, _ in closed), f"Tab never reached the page's own links: {closed}"
        # Tab went through the search box, which opens search: Esc closes it.
        page.keyboard.press("Escape")
        assert not page.is_checked("#__search")
        # Opened with the menu button: visible at once and sliding in.
        page.click("label.md-header__button[for='__drawer']")
        assert page.evaluate(visibility) == "visible"
        assert page.evaluate(transition), "the drawer no longer slides in"
        page.wait_for_function(f"!({transition})")
        opened = [name for name, inside in _tab_stops(page) if inside]
        nav = [a.get_text(strip=True) for a in soup(site / PAGES["building"] / "index.html").select(f"{drawer} > .md-sidebar__scrollwrap > .md-sidebar__inner > nav > ul > li > a")]
        assert len(nav) >= 5 and set(nav) <= set(opened), (nav, opened)
        page.keyboard.press("Escape")  # search again
        assert page.is_checked("#__drawer") and not page.is_checked("#__search")
        # Closed again: it slides out still visible, then Tab skips it again.
        page.mouse.click(PHONE["width"] - 20, PHONE["height"] // 2)  # the shade beside the drawer
        assert not page.is_checked("#__drawer")
        assert page.evaluate(visibility) == "visible" and page.evaluate(transition), "the drawer no longer slides out"
        page.wait_for_function(f"{visibility} === 'hidden'")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        assert [name for name, inside in _tab_stops(page) if inside] == []
    finally:
        context.close()


def test_past_dates_of_a_recurring_activity_are_not_in_small_type(browser: Any, tmp_path: Path) -> None:
    # Material sets a <details> in 12.8 px; the folded past dates were.
    # Built three weeks on, so that the weekly dance has past dates.
    project = make_project_at(tmp_path / "p", CASE)
    assert run_cli("build", "--today", "2026-12-20", cwd=project) == 0
    with serve(project / "site") as url:
        context, page, _traffic = _open(browser, project / "site", PHONE)
        try:
            goto(page, url + "activities/dance/")
            page.click(".gs-past-dates summary")
            assert page.locator(".gs-past-dates li").first.is_visible()
            assert _layout_problems(page)["small"] == []
        finally:
            context.close()


# ------------------------------------------------------- 5. accessibility


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
@pytest.mark.parametrize("kind", AXE_PAGES)
def test_axe_finds_nothing_serious(browser: Any, site: Path, base_url: str, kind: str, elder: bool) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context, page, _traffic = _open(browser, site, PHONE if kind != "home" else DESKTOP, elder=elder)
    try:
        goto(page, base_url + PAGES[kind])
        results = Axe().run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{kind}: " + "\n".join(bad)
    finally:
        context.close()


def test_image_without_alt_is_a_warning_and_fails_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project_at(tmp_path / "noalt", CASE)
    article = project / "content" / "bulletins" / "2026-05-fangzai.md"
    text = article.read_text(encoding="utf-8")
    src = "../images/drill.svg"
    text = re.sub(r"!\[[^\]]*\]\(" + re.escape(src) + r"\)", f"![]({src})", text)
    article.write_text(text, encoding="utf-8")
    line, col = next((i, row.index(f"![]({src})") + 1) for i, row in enumerate(text.splitlines(), 1) if src in row)
    assert run_cli("build", "--today", TODAY, cwd=project) == 0
    err = capsys.readouterr().err
    assert f"content/bulletins/2026-05-fangzai.md:{line}:{col}: 2026-05-fangzai: 正文: 图片“drill.svg”缺少替代文字" in err
    shutil.rmtree(project / "site")
    assert run_cli("build", "--today", TODAY, "--strict", cwd=project) != 0
    assert "2026-05-fangzai.md" in capsys.readouterr().err
    assert not (project / "site").exists()


def test_fixture_image_has_alt_text(site: Path) -> None:
    img = soup(site / PAGES["bulletin"] / "index.html").select_one(".gs-article__body img")
    assert img is not None and img["alt"].strip()


# ------------------------------------------------------------------ print


def test_print_buttons_print_and_print_css_keeps_only_the_article(browser: Any, site: Path, base_url: str) -> None:
    context, page, _traffic = _open(browser, site, DESKTOP)
    try:
        page.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
        for kind in ("bulletin", "notice"):
            goto(page, base_url + PAGES[kind])
            button = page.get_by_role("button", name=re.compile("打印"))
            assert button.count() == 1, kind
            button.click()
            assert page.evaluate("window.__printed") == 1, kind
        goto(page, base_url + PAGES["bulletin"])
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "['.md-header', '.md-sidebar--primary', '.md-footer', '.gs-print', '.gs-elder-toggle']"
            ".map(s => document.querySelector(s)).filter(Boolean).map(e => getComputedStyle(e).display)"
        )
        assert set(hidden) == {"none"}
        assert page.is_visible(".gs-article__body")
    finally:
        context.close()


def _pdf_text(pdf: Path) -> list[str]:
    """Each page's text, without white space, read by poppler's pdftotext as
    in tests/test_notices.py (pypdf gives some characters of Chromium's CJK
    subsets as radicals: 居⺠, ⽹格); the page count from pypdf."""
    import subprocess

    from pypdf import PdfReader

    tool = shutil.which("pdftotext")
    if tool is None:  # under CI=true a skip is a failure: the tools must be installed
        pytest.skip("pdftotext not installed (scripts/system-deps.sh --test installs it)")
    out = subprocess.run([tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    pages = [re.sub(r"\s+", "", p) for p in out.split("\f")][: len(PdfReader(pdf).pages)]
    return pages


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_a_printed_building_page_is_its_coming_activities_on_two_pages(browser: Any, sample_site: Path, tmp_path: Path, elder: bool) -> None:
    # A resident printing their building's page got seven A4 pages: every
    # past activity as well. The building of the sample with the most coming
    # activities (a twice-weekly dance among them) must print on one or two.
    def titles(section: Any) -> list[str]:
        return [re.sub(r"\s+", "", a.get_text()) for a in section.select(".gs-item__title a")] if section else []

    pages = {}
    for path in sorted((sample_site / "buildings").glob("*/index.html")):
        doc = soup(path)
        pages[path.parent.name] = (doc, titles(doc.select_one("#coming").parent), titles(doc.select_one("#past") and doc.select_one("#past").parent))
    bid, (doc, coming, past) = max(pages.items(), key=lambda kv: len(kv[1][1]))
    past_only = sorted(set(past) - set(coming))
    assert len(coming) >= 25 and past_only, (bid, len(coming), past)
    name = re.sub(r"\s+", "", doc.h1.get_text())
    phones = [re.sub(r"\s+", "", a.get_text()) for a in doc.select(".gs-facts a[href^='tel:'], .gs-footer a[href^='tel:']")]
    assert len(phones) == 2, phones  # the grid worker's and the organisation's
    with serve(sample_site) as url:
        context = new_context(browser, PHONE, elder=elder)
        try:
            page = context.new_page()
            goto(page, url + f"buildings/{bid}/")
            page.pdf(path=tmp_path / "building.pdf", format="A4")  # the print CSS's own margins, as a resident's print
            text = _pdf_text(tmp_path / "building.pdf")
        finally:
            context.close()
    assert len(text) <= 2, f"{bid}: {len(text)} A4 pages"
    whole = "".join(text)
    assert text[0].startswith(name), text[0][:40]
    assert [t for t in coming if t not in whole] == []
    assert [t for t in past_only if t in whole] == []
    assert [p for p in phones if p not in whole] == []
    for chrome in ("长辈模式", "搜索", "往期活动", "当前位置", "楼门公示", "订阅", "ICP"):
        assert chrome not in whole, chrome
    # "…还有 N 项活动，请看活动日历" printed without where that is: the
    # calendar's address is printed after the link (the residents' tester).
    assert doc.select_one(".gs-more"), bid
    assert "（https://kepu.example.cn/activities/）" in re.sub(r"\s+", "", whole), whole[-300:]


def test_serve_skips_the_index_only_for_large_sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` (pdf=False) indexes a small site on every rebuild, a large one
    not at all; `build` always does (the other tests)."""
    import datetime

    from generator import search
    from generator.outputs import Output
    from generator.pipeline import Project, load_site

    project_dir = make_project_at(tmp_path / "serve", CASE)
    site_dir = build_project(project_dir)
    shutil.rmtree(site_dir / "pagefind")
    project = Project(project_dir, project_dir / "content")
    model, _ = load_site(project, datetime.date.fromisoformat(TODAY))
    pages = len(search.pages_to_index(Output(model, project, site_dir, project_dir / "theme", pdf=False)))
    monkeypatch.setattr(search, "SERVE_LIMIT", pages - 1)
    search.write(Output(model, project, site_dir, project_dir / "theme", pdf=False))
    assert not (site_dir / "pagefind").exists()
    monkeypatch.setattr(search, "SERVE_LIMIT", pages)
    search.write(Output(model, project, site_dir, project_dir / "theme", pdf=False))
    assert (site_dir / "pagefind" / "pagefind.js").is_file()


def test_a_door_notices_place_line_never_prints_over_its_headline(browser: Any, site: Path, base_url: str) -> None:
    # The place line's height is fitted with Noto Sans CJK's widths
    # (notices.fit_text). A browser whose font sets it wider wraps it once
    # more than fitted: that line must be cut off, not printed over the
    # headline. Widened here by letter-spacing, on the printed page.
    context, page, _traffic = _open(browser, site, DESKTOP)
    try:
        goto(page, base_url + PAGES["notice"])
        page.emulate_media(media="print")
        box = page.locator(".nt-headline").bounding_box()
        assert box is not None
        alone = page.screenshot(clip=box)
        page.add_style_tag(content=".nt-place { letter-spacing: 1.5em; }")
        overflows = "(() => { const p = document.querySelector('.nt-place'); return p.scrollHeight > p.clientHeight + 4; })()"
        assert page.evaluate(overflows), "the widened place line should need more lines than fitted"
        assert page.locator(".nt-headline").bounding_box() == box
        assert page.screenshot(clip=box) == alone, "the place line's extra line prints over the headline"
    finally:
        context.close()
