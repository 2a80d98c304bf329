"""Listing pages at district scale: 活动日历, 往期活动, 简报档案 and a column
show LISTING_LIMIT items in full and link the rest by month or year; the
month and year pages together hold every item exactly once. Expected
numbers are worked out here from the files the test writes, not from the
generator."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import TODAY, build_project, page

LIMIT = 200  # generator.render.LISTING_LIMIT, restated: the test pins the behaviour
BASIC_BULLETINS = {2025: 1, 2026: 2}  # the basic fixture's published bulletins by year (one draft)
EXTRA_BULLETINS = 230
COMING, PAST = 260, 210


def _bulletin_dates() -> list[date]:
    # Spread over 2023-01-01 .. 2026-11-20, one every ~6 days.
    first = date(2023, 1, 1)
    return [first + timedelta(days=6 * i) for i in range(EXTRA_BULLETINS)]


def _activity_starts() -> tuple[list[datetime], list[datetime]]:
    today = date.fromisoformat(TODAY)
    coming = [datetime.combine(today + timedelta(days=2 + i // 3), datetime.min.time()).replace(hour=9 + 3 * (i % 3))
              for i in range(COMING)]
    past = [datetime.combine(today - timedelta(days=3 + i // 2), datetime.min.time()).replace(hour=9 + 4 * (i % 2))
            for i in range(PAST)]
    return coming, past


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import FIXTURES, make_project_at

    project = make_project_at(tmp_path_factory.mktemp("listings") / "p", FIXTURES / "basic" / "content")
    folder = project / "content" / "bulletins"
    for n, d in enumerate(_bulletin_dates()):
        (folder / f"x-{n:04d}.md").write_text(
            f"---\ntitle: 测试简报第{n + 10}期\nissue: {n + 10}\ndate: {d.isoformat()}\ncolumn: news\n"
            f"office: 东社区居委会\n---\n\n正文。\n", encoding="utf-8")
    coming, past = _activity_starts()
    lines = []
    for prefix, starts in (("c", coming), ("p", past)):
        for n, start in enumerate(starts):
            lines += [f"  - id: {prefix}-{n:04d}", f"    title: 列表测试活动{prefix}{n}", "    kind: 宣传",
                      f"    start: {start:%Y-%m-%d %H:%M}", f'    end: "{start.hour + 1:02d}:00"',
                      "    venue: station", "    audience: all"]
    acts = project / "content" / "data" / "activities.yml"
    acts.write_text(acts.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return build_project(project)


def _items(doc, selector: str = ".gs-list > li") -> list[str]:  # type: ignore[no-untyped-def]
    return [li.select_one(".gs-item__title a, a").get_text(strip=True) for li in doc.select(selector)]


def _chips(doc, nav: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {a.get_text(strip=True): a["href"] for a in doc.select(f"{nav} .gs-chips a")}


def test_archive_lists_the_newest_and_links_every_year(big_site: Path) -> None:
    per_year = Counter(d.year for d in _bulletin_dates()) + Counter(BASIC_BULLETINS)
    archive = page(big_site, "bulletins/")
    assert len(archive.select(".gs-year .gs-bulletins > li")) == LIMIT
    assert _chips(archive, ".gs-years") == {f"{y} 年（{n}）": f"years/{y}/" for y, n in sorted(per_year.items(), reverse=True)}
    # The year cut short says how many are left and links its page.
    cut = [s for s in archive.select(".gs-year") if s.select_one(".gs-more")]
    assert len(cut) == 1
    year = int(cut[0].h3.get_text(strip=True).split()[0])
    shown = len(cut[0].select(".gs-bulletins > li"))
    assert f"{year} 年还有 {per_year[year] - shown} 期" in cut[0].select_one(".gs-more").get_text()
    assert cut[0].select_one(".gs-more a")["href"] == f"years/{year}/"
    # Year pages hold every published bulletin exactly once.
    seen: list[str] = []
    for y, n in per_year.items():
        titles = [a.get_text(strip=True) for a in page(big_site, f"bulletins/years/{y}/").select(".gs-bulletins > li > a")]
        assert len(titles) == n, y
        seen += titles
    assert len(seen) == len(set(seen)) == EXTRA_BULLETINS + sum(BASIC_BULLETINS.values())


def test_column_page_lists_the_newest_and_points_to_the_years(big_site: Path) -> None:
    column = page(big_site, "bulletins/columns/news/")
    assert len(column.select(".gs-bulletins > li")) == LIMIT
    more = column.select_one(".gs-more").get_text()
    assert f"最近 {LIMIT} 期" in more
    assert set(_chips(column, "article").values()) >= {"../../years/2026/", "../../years/2023/"}


def test_calendar_lists_the_first_coming_and_links_every_month(big_site: Path) -> None:
    coming, _past = _activity_starts()
    cal = page(big_site, "activities/")
    listed = [t for t in _items(cal) if t.startswith("列表测试活动c")]
    assert listed == [f"列表测试活动c{n}" for n in range(len(listed))]  # in time order, the first ones
    assert len(_items(cal)) == LIMIT
    per_month = Counter(f"{s.year}年{s.month}月" for s in coming)
    chips = _chips(cal, ".gs-months")
    for label, n in per_month.items():
        # The basic fixture's own December activities count too: at least ours.
        assert any(k.startswith(f"{label}（") and int(k[len(label) + 1:-1]) >= n for k in chips), (label, chips)
    cut = cal.select_one(".gs-month .gs-more")
    assert cut is not None and "本月还有" in cut.get_text() and cut.a["href"].startswith("months/")


def test_month_pages_hold_every_occurrence_once(big_site: Path) -> None:
    coming, past = _activity_starts()
    mine = Counter()
    for folder in sorted((big_site / "activities" / "months").iterdir()):
        doc = page(big_site, f"activities/months/{folder.name}/")
        year, month = (int(x) for x in folder.name.split("-"))
        assert doc.h1.get_text(strip=True) == f"{year}年{month}月活动"
        for title in _items(doc):
            if title.startswith("列表测试活动"):
                mine[title] += 1
        # Previous / next links go to pages that exist.
        for a in doc.select(".gs-pager a"):
            target = (big_site / "activities" / "months" / folder.name / a["href"]).resolve() / "index.html"
            assert target.is_file(), a["href"]
    expected = {f"列表测试活动c{n}" for n in range(COMING)} | {f"列表测试活动p{n}" for n in range(PAST)}
    assert set(mine) == expected and set(mine.values()) == {1}


def test_past_lists_the_most_recent_first(big_site: Path) -> None:
    past_page = page(big_site, "activities/past/")
    _coming, past = _activity_starts()
    newest_first = sorted(range(PAST), key=lambda n: past[n], reverse=True)
    listed = [t for t in _items(past_page) if t.startswith("列表测试活动p")]
    assert listed == [f"列表测试活动p{n}" for n in newest_first[: len(listed)]]
    assert len(_items(past_page)) == LIMIT
    assert past_page.select_one(".gs-month .gs-more") is not None


def test_a_small_site_lists_everything_on_one_page(basic_site: Path) -> None:
    # The basic fixture (a few activities) keeps its listings whole.
    for url in ("activities/", "activities/past/", "bulletins/"):
        assert page(basic_site, url).select_one(".gs-more") is None, url
    # …and the month links count exactly what the calendar lists.
    cal = page(basic_site, "activities/")
    counts = [int(a.get_text(strip=True).rsplit("（", 1)[1].rstrip("）")) for a in cal.select(".gs-months a")]
    assert sum(counts) == len(_items(cal)) > 0
