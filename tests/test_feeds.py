"""Atom feeds (parsed with feedparser), their links in every page's head, and
sitemap.xml with content dates. Expected values come from the fixtures'
front matter, read here."""

from __future__ import annotations

import gzip
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import FIXTURES, build_project, make_project_at, page
from subs_expect import activities, load, parse_dt

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def subs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project_at(tmp_path_factory.mktemp("subs") / "p", FIXTURES / "subscriptions" / "content")
    return build_project(project)


def _date(text: str) -> date:
    m = re.match(r"(\d{4})[-年](\d{1,2})[-月](\d{1,2})", str(text))
    assert m
    return date(*map(int, m.groups()))


def bulletins(case: str) -> list[dict]:
    """Published bulletins from the fixture's front matter, newest first."""
    result = []
    for path in sorted((FIXTURES / case / "content" / "bulletins").glob("*.md")):
        meta = yaml.load(path.read_text(encoding="utf-8").split("---")[1], Loader=yaml.BaseLoader)
        if meta.get("draft") == "true":
            continue
        meta["id"] = path.stem
        meta["published_date"] = _date(meta.get("published") or meta["date"])
        result.append(meta)
    return sorted(result, key=lambda m: (m["published_date"], int(m["issue"])), reverse=True)


def midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=TZ)


@pytest.mark.parametrize("case", ["basic", "subscriptions"])
def test_site_feed_entries(case: str, basic_site: Path, subs_site: Path) -> None:
    site = basic_site if case == "basic" else subs_site
    url = load(case, "site.yml")["site"]["url"]
    feed = feedparser.parse((site / "feeds/atom.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    want = bulletins(case)
    assert [e.id for e in feed.entries] == [f"{url}bulletins/{b['id']}/" for b in want]
    assert [e.title for e in feed.entries] == [b["title"] for b in want]
    assert [e.link for e in feed.entries] == [f"{url}bulletins/{b['id']}/" for b in want]
    for entry, b in zip(feed.entries, want, strict=True):
        assert datetime.fromisoformat(entry.updated) == midnight(b["published_date"])
        assert datetime.fromisoformat(entry.published) == midnight(b["published_date"])
        summary = b.get("summary") or re.sub(r"\*\*", "", b.get("editor_note", "")).strip()
        assert entry.get("summary", "") == summary
    assert datetime.fromisoformat(feed.feed.updated) == midnight(want[0]["published_date"])
    assert feed.feed.links[0].href == f"{url}feeds/atom.xml" or any(link.href == f"{url}feeds/atom.xml" and link.rel == "self" for link in feed.feed.links)


def test_column_feeds(subs_site: Path, basic_site: Path) -> None:
    for case, site in (("basic", basic_site), ("subscriptions", subs_site)):
        for column in load(case, "site.yml")["columns"]:
            feed = feedparser.parse((site / "feeds/columns" / f"{column['id']}.xml").read_bytes())
            assert not feed.bozo
            want = [b for b in bulletins(case) if b["column"] == column["id"]]
            assert [e.title for e in feed.entries] == [b["title"] for b in want]
            assert all(e.tags[0].term == column["id"] for e in feed.entries)
    # An empty column still has a valid feed, dated by the site's newest bulletin.
    empty = feedparser.parse((subs_site / "feeds/columns/empty.xml").read_bytes())
    assert empty.entries == [] and not empty.bozo
    assert datetime.fromisoformat(empty.feed.updated) == midnight(bulletins("subscriptions")[0]["published_date"])


def test_escaping_in_feed(subs_site: Path) -> None:
    feed = feedparser.parse((subs_site / "feeds/atom.xml").read_bytes())
    assert "科普公示栏启用 & 订阅<说明>" in [e.title for e in feed.entries]


def test_every_page_links_the_feed_in_its_head(basic_site: Path) -> None:
    url = load("basic", "site.yml")["site"]["url"]
    # Every site page, as listed by the sitemap (printable door notices are
    # standalone documents, not site pages).
    pages = [basic_site / loc[len(url):] / "index.html" for loc in sitemap(basic_site)]
    assert len(pages) > 20
    for path in pages:
        head = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").head
        links = head.select('link[rel~=alternate][type="application/atom+xml"]')
        assert f"{url}feeds/atom.xml" in [x["href"] for x in links], path
    column = page(basic_site, "bulletins/columns/news/").head
    assert f"{url}feeds/columns/news.xml" in [x["href"] for x in column.select('link[type="application/atom+xml"]')]
    # Material fetches a sitemap.xml beside every link[rel=alternate] (exact
    # match): feed links must not be that, or every page makes a wasted request.
    for path in pages:
        head = BeautifulSoup(path.read_text(encoding="utf-8"), "lxml").head
        assert head.select("link[rel=alternate]") == [], path


def sitemap(site: Path) -> dict[str, str | None]:
    doc = BeautifulSoup((site / "sitemap.xml").read_bytes(), "xml")
    return {u.loc.text: (u.lastmod.text if u.lastmod else None) for u in doc.find_all("url")}


def test_sitemap_lastmod_from_content(basic_site: Path) -> None:
    url = load("basic", "site.yml")["site"]["url"]
    entries = sitemap(basic_site)
    assert all(loc.startswith(url) for loc in entries)
    for b in bulletins("basic"):
        assert entries[f"{url}bulletins/{b['id']}/"] == b["published_date"].isoformat()
    starts = {}
    for a in activities("basic"):
        starts[a["id"]] = parse_dt(a["start"]).date()
        assert entries[f"{url}activities/{a['id']}/"] == starts[a["id"]].isoformat()
    # b-b1's newest activity (by start) is the lecture on 12-12.
    assert entries[f"{url}buildings/b-b1/"] == "2026-12-12"
    assert entries[f"{url}bulletins/"] == bulletins("basic")[0]["published_date"].isoformat()
    # No build date anywhere (the test machine's date is not a content date).
    content_dates = {d.isoformat() for d in starts.values()} | {b["published_date"].isoformat() for b in bulletins("basic")}
    assert {v for v in entries.values() if v} <= content_dates


def test_sitemap_gz_is_reproducible(basic_site: Path) -> None:
    raw = (basic_site / "sitemap.xml.gz").read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip MTIME field: no build time
    assert gzip.decompress(raw) == (basic_site / "sitemap.xml").read_bytes()


def test_sitemap_escapes_urls_and_lists_only_pages_with_one() -> None:
    # sitemap.urlset writes the XML itself (no template): a URL with XML's
    # special characters is escaped, a link in the nav and a page without a
    # URL are left out, and a page without a content date has no lastmod.
    from types import SimpleNamespace

    from generator import sitemap as writer

    def page(url: str | None, day: date | None = None, *, link: bool = False) -> SimpleNamespace:
        return SimpleNamespace(is_link=link, canonical_url=url, abs_url=url and "/x/", meta={"gs_lastmod": day})

    text = writer.urlset([page("https://e.cn/a&b/<'\"/", date(2026, 3, 1)), page("https://e.cn/about/"),
                          page("https://e.cn/out/", link=True), page(None), page("https://e.cn/c/", date(2026, 3, 1))])
    doc = BeautifulSoup(text.encode(), "xml")
    found = [(u.loc.text, u.lastmod.text if u.lastmod else None) for u in doc.find_all("url")]
    assert found == [("https://e.cn/a&b/<'\"/", "2026-03-01"), ("https://e.cn/about/", None), ("https://e.cn/c/", "2026-03-01")]
    assert "&amp;b/&lt;" in text


def test_feeds_ignore_the_build_day(tmp_path: Path, basic_site: Path) -> None:
    # Another --today changes what is "coming", never the feed's dates.
    project = make_project_at(tmp_path / "later", FIXTURES / "basic" / "content")
    later = build_project(project, (date(2026, 11, 29) + timedelta(days=40)).isoformat())
    for rel in ("feeds/atom.xml", "feeds/columns/news.xml", "calendar/activities/east-clinic.ics", "api/site.json", "sitemap.xml"):
        assert (later / rel).read_bytes() == (basic_site / rel).read_bytes(), rel
    # all.ics drops what is over for 14 days; what it keeps is the same bytes.
    def events(site: Path) -> list[bytes]:
        return [e.split(b"END:VEVENT")[0] for e in (site / "calendar/all.ics").read_bytes().split(b"BEGIN:VEVENT")[1:]]
    assert events(later) and set(events(later)) < set(events(basic_site))
    # A building feed is the last 14 days and the next 92: 40 days later
    # (2027-01-08) the 12-05 clinic ended 34 days before and has left it (and
    # all.ics), the dance (Tue/Thu until 12-31) is still in, and the
    # clinic's own feed keeps it.
    later_b1 = (later / "calendar/buildings/b-b1.ics").read_text(encoding="utf-8")
    assert "UID:east-clinic@" in (basic_site / "calendar/buildings/b-b1.ics").read_text(encoding="utf-8")
    assert "UID:east-clinic@" not in later_b1
    assert "UID:east-clinic@" not in (later / "calendar/all.ics").read_text(encoding="utf-8")
    assert "UID:east-clinic@" in (later / "calendar/activities/east-clinic.ics").read_text(encoding="utf-8")
    assert "UID:dance@" in later_b1
    assert "UID:estate-a-drill@" not in later_b1  # never b-b1's


def test_month_page_lastmod_is_the_latest_start_with_an_occurrence_that_month() -> None:
    # sitemap._month_lastmods makes one table for all month pages; it must
    # answer what going through every activity for each month answered.
    from generator import sitemap
    from generator.pipeline import Project, load_site

    site, _ = load_site(Project.at(FIXTURES / "subscriptions"), date(2026, 11, 29))
    acts = list(site.activities.values())
    months = sorted({f"{o.start:%Y-%m}" for a in acts for o in a.occurrences})
    # Months where only a series that started earlier meets.
    assert [m for m in months if f"{sitemap.lastmod(site, 'activities_month', m):%Y-%m}" != m]
    for m in months:
        expected = max(a.start.date() for a in acts if any(f"{o.start:%Y-%m}" == m for o in a.occurrences))
        assert sitemap.lastmod(site, "activities_month", m) == expected, m
    assert sitemap.lastmod(site, "activities_month", "1999-01") is None


def test_month_page_dates_keep_no_old_model_alive() -> None:
    # serve builds a new model for every save; the month table and the
    # newest date must not hold the last one (at district scale a model is hundreds of MB).
    import gc
    import weakref

    from generator import sitemap
    from generator.pipeline import Project, load_site

    site, _ = load_site(Project.at(FIXTURES / "basic"), date(2026, 11, 29))
    month = f"{next(iter(site.activities.values())).start:%Y-%m}"
    first = sitemap.lastmod(site, "activities_month", month)
    newest = sitemap.latest(site)  # kept for each model too
    assert newest == max([b.published for b in site.bulletins] + [a.start.date() for a in site.activities.values()])
    gone = weakref.ref(site)
    del site
    gc.collect()
    assert gone() is None
    again, _ = load_site(Project.at(FIXTURES / "basic"), date(2026, 11, 29))
    assert sitemap.lastmod(again, "activities_month", month) == first
    assert sitemap.latest(again) == newest
