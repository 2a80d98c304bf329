"""Door notices: build real fixture sites and read the PDFs and pages that
come out, with poppler (pdftotext, pdftoppm, pdffonts) and zbar (zbarimg).

Expected activities are worked out here from the fixture YAML (audience
through the place tree, the window, weekly recurrence), never by asking
generator.queries or generator.notices.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import FIXTURES, REPO, TODAY, build_project, make_project_at, run_cli, soup

pytestmark = pytest.mark.pdf

CROWDED = FIXTURES / "crowded" / "content" / "data"
WINDOW_FIRST = date.fromisoformat(TODAY)
WINDOW_LAST = WINDOW_FIRST + timedelta(days=13)  # site.yml notices.days: 14


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # under CI=true a skip is a failure: the tools must be installed
        pytest.skip(f"{name} not installed (scripts/system-deps.sh --test installs it)")
    return path


# --------------------------------------------------------------------------
# The fixture data, read independently of the generator


def _load(name: str, data: Path = CROWDED) -> dict:
    # BaseLoader: every scalar stays text, as in the real loader.
    return yaml.load((data / name).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


@dataclass(frozen=True)
class Door:
    building: str
    entrance: str  # "" for a whole-building notice
    place: str  # 北苑社区·北苑小区·东院·1 栋 (spaces removed)

    @property
    def key(self) -> str:
        return f"{self.building}/{self.entrance}" if self.entrance else self.building


def doors_in_place_order(data: Path = CROWDED) -> list[Door]:
    places = _load("places.yml", data)
    result = []
    for c in places["communities"]:
        for e in c.get("estates", []):
            buildings = [(b, cy["name"]) for cy in e.get("courtyards", []) for b in cy["buildings"]]
            buildings += [(b, "") for b in e.get("buildings", [])]
            for b, courtyard in buildings:
                parts = [c["name"], e["name"]] + ([courtyard] if courtyard else [])
                per_entrance = b.get("notice_per_entrance") == "true" and isinstance(b.get("entrances"), list)
                if per_entrance:
                    for ent in b["entrances"]:
                        result.append(Door(b["id"], ent["id"], _squash("·".join(parts + [f"{b['name']}（{ent['name']}）"]))))
                else:
                    result.append(Door(b["id"], "", _squash("·".join(parts + [b["name"]]))))
    return result


def _audience(a: dict, places: dict) -> set[str]:
    """The buildings an activity is for, resolved through the place tree."""
    groups: dict[str, dict[str, set[str]]] = {"communities": {}, "estates": {}, "courtyards": {}, "grids": {}}
    for c in places["communities"]:
        community: set[str] = set()
        for e in c.get("estates", []):
            estate = {b["id"] for b in e.get("buildings", [])}
            for cy in e.get("courtyards", []):
                groups["courtyards"][cy["id"]] = {b["id"] for b in cy["buildings"]}
                estate |= groups["courtyards"][cy["id"]]
            groups["estates"][e["id"]] = estate
            community |= estate
        groups["communities"][c["id"]] = community
        for g in c.get("grids", []):
            groups["grids"][g["id"]] = set(g.get("buildings", [])).union(*(groups["estates"][e] for e in g.get("estates", [])))
    audience = a["audience"]
    if audience == "all":
        return set().union(*groups["communities"].values())
    result = set(audience.get("buildings", []))
    for kind, members in groups.items():
        for ident in audience.get(kind, []):
            result |= members[ident]
    return result


def _dt(text: str) -> datetime:
    """2026-12-05 09:00 or 2026年12月5日 8:30, as the fixtures write them."""
    m = re.fullmatch(r"(\d{4})\D(\d{1,2})\D(\d{1,2})\D?\s*(\d{1,2})[:：](\d{2})", text.strip())
    assert m, text
    return datetime(*(int(g) for g in m.groups()))


def expected_items(building: str, first: date = WINDOW_FIRST, last: date = WINDOW_LAST, data: Path = CROWDED) -> list[tuple[datetime, str, str]]:
    """(start, title, status) of what the building's notice should list, by start."""
    places = _load("places.yml", data)
    records = _load("activities.yml", data)["activities"] + _load("lectures.yml", data).get("lectures", [])
    items = []
    for a in records:
        if building not in _audience(a, places):
            continue
        start = _dt(a["start"])
        starts = [start]
        cancelled: set[date] = set()
        if "recurrence" in a:
            # Weekly rules only (what the fixtures use): every listed weekday
            # from the first date to `until`, minus skips, with moves applied.
            r = a["recurrence"]
            assert r["every"] == "week" and r.get("interval", "1") == "1", "the test handles weekly rules only"
            days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            weekdays = {days.index(w) for w in r["weekdays"]}
            until = date.fromisoformat(r["until"])
            skip = {date.fromisoformat(x) for x in r.get("skip", [])}
            moved = {date.fromisoformat(m["from"]): _dt(m["to"]) for m in r.get("moved", [])}
            starts = []
            day = start.date()
            while day <= until:
                if day.weekday() in weekdays and day not in skip:
                    starts.append(moved.get(day, datetime.combine(day, start.time())))
                day += timedelta(days=1)
            cancelled = {date.fromisoformat(x["date"]) for x in r.get("cancelled", [])}
        for s in starts:
            if first <= s.date() <= last:
                status = "cancelled" if s.date() in cancelled else a.get("status", "scheduled")
                items.append((s, a["title"], status))
    items.sort(key=lambda i: i[0])
    return items


# --------------------------------------------------------------------------
# Reading the output


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_pages_text(pdf: Path) -> list[str]:
    out = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [_squash(p) for p in pages]


def more_count(text: str) -> int:
    m = re.search(r"另有(\d+)项活动，请扫码查看", text)
    return int(m.group(1)) if m else 0


@pytest.fixture(scope="module")
def crowded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project_at(tmp_path_factory.mktemp("crowded") / "p", FIXTURES / "crowded" / "content")
    return build_project(project)


@pytest.fixture(scope="module")
def crowded_pages(crowded_site: Path) -> list[str]:
    return pdf_pages_text(crowded_site / "notices" / "all-notices.pdf")


# --------------------------------------------------------------------------
# The combined PDF: one page per door, in place order, the right activities


def test_combined_pdf_one_page_per_door_in_place_order(crowded_site: Path, crowded_pages: list[str]) -> None:
    doors = doors_in_place_order()
    assert len(crowded_pages) == len(doors)
    for text, door in zip(crowded_pages, doors, strict=True):
        assert door.place in text, (door, text[:80])
    # The per-door PDFs are one page each too, with the same text.
    for text, door in zip(crowded_pages, doors, strict=True):
        name = f"notice-{door.key.replace('/', '-')}.pdf"
        single = pdf_pages_text(crowded_site / "notices" / door.key / name)
        assert single == [text]


def test_combined_pdf_has_one_bookmark_per_door_named_by_its_place(crowded_site: Path) -> None:
    # Staff reprint one door from all-notices.pdf by finding it in the
    # bookmarks; the headline (the same on every page) is not one.
    from pypdf import PdfReader

    reader = PdfReader(crowded_site / "notices" / "all-notices.pdf")
    doors = doors_in_place_order()
    outline = reader.outline
    assert len(outline) == len(doors)
    for i, (mark, door) in enumerate(zip(outline, doors, strict=True)):
        assert door.place in mark.title.replace(" ", ""), (mark.title, door)
        assert reader.get_destination_page_number(mark) == i


def test_each_page_lists_exactly_the_expected_titles(crowded_pages: list[str]) -> None:
    all_titles = {t for door in doors_in_place_order() for _, t, _ in expected_items(door.building, date(2000, 1, 1), date(2100, 1, 1))}
    for text, door in zip(crowded_pages, doors_in_place_order(), strict=True):
        if door.building == "long":
            continue  # its titles are cut with "…": see test_absurd_lengths_stay_on_one_page
        expected = [title for _, title, _ in expected_items(door.building)]
        more = more_count(text)
        shown = expected[: len(expected) - more]  # the earliest ones, in order
        for title in all_titles:
            assert text.count(title) == shown.count(title), (door.key, title, more)
        positions = [text.index(t) for t in dict.fromkeys(shown)]
        assert positions == sorted(positions), door.key  # sorted by start


def test_forty_activities_stay_on_one_page_with_the_right_more_line(crowded_site: Path, crowded_pages: list[str]) -> None:
    doors = doors_in_place_order()
    text = crowded_pages[[d.building for d in doors].index("busy")]
    expected = [title for _, title, _ in expected_items("busy")]
    assert len(expected) == 40
    shown = [t for t in expected if t in text]
    assert len(shown) >= 5, "a page holds at least five ordinary activities"
    assert shown == expected[: len(shown)]
    assert more_count(text) == 40 - len(shown)
    assert f"另有{40 - len(shown)}项活动，请扫码查看" in text
    # The HTML notice says the same.
    html = soup(crowded_site / "notices" / "busy" / "index.html")
    assert len(html.select(".nt-item")) == len(shown)
    assert _squash(html.select_one(".nt-more").get_text()) == f"另有{40 - len(shown)}项活动，请扫码查看"


def test_cancelled_and_postponed_are_marked(crowded_pages: list[str]) -> None:
    doors = doors_in_place_order()
    text = crowded_pages[[d.building for d in doors].index("mixed")]
    items = expected_items("mixed")
    more = more_count(text)
    shown = items[: len(items) - more]
    assert any(status != "scheduled" for _, _, status in shown)
    for _, title, status in shown:
        if status == "cancelled":
            assert f"【已取消】{title}" in text
        elif status == "postponed":
            assert f"【已延期】{title}" in text
    assert "说明：因寒潮大风取消" in text
    assert "说明：改期至12月20日" in text
    assert "主讲人：张华（测试市第一人民医院心内科）" in text
    # Date with the weekday in Chinese, and the time.
    assert "12月4日周五14:30–16:00" in text


def test_pdf_prints_dates_on_two_lines_and_strikes_cancelled_titles(crowded_site: Path, tmp_path: Path) -> None:
    """The PDF's markup is leaner than the page's (notices/macros.html,
    ``pdf``: no <time>, no <br>, no span round a title that is not
    cancelled; WeasyPrint lays a notice out ~20 % faster). It must print the
    same: each item's time under its date, in the date column, and a
    cancelled title struck through, the others not."""
    from PIL import Image

    pdf = crowded_site / "notices" / "mixed" / "notice-mixed.pdf"
    out = subprocess.run([_tool("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    words = [(w.get_text(), float(w["xmin"]), float(w["ymin"]), float(w["xmax"]), float(w["ymax"]))
             for w in BeautifulSoup(out, "lxml").find_all("word")]
    dates = [w for w in words if re.fullmatch(r"\d+月\d+日", w[0])]
    times = [w for w in words if re.fullmatch(r"\d\d:\d\d–\d\d:\d\d", w[0])]
    assert len(dates) == len(times) >= 4
    for date_word, time_word in zip(dates, times, strict=True):
        assert abs(date_word[1] - time_word[1]) < 0.5  # the same column
        assert date_word[4] - 5 < time_word[2] < date_word[4] + 5  # the next line
    image = Image.open(_render(pdf, tmp_path / "mixed", dpi=150)).convert("L")
    scale = 150 / 72

    def darkest_row(word: tuple[str, float, float, float, float]) -> float:
        """The largest share of dark pixels on one pixel row across the word."""
        _, x0, y0, x1, y1 = (word[0], *(round(v * scale) for v in word[1:]))
        rows = [[image.getpixel((x, y)) < 128 for x in range(x0 + 2, x1 - 2)] for y in range(y0, y1)]
        return max(sum(row) / len(row) for row in rows)

    badges = [w for w in words if w[0] == "【已取消】"]
    titles = [w for w in words if w[0] in {title for _, title, _ in expected_items("mixed")}]
    cancelled = [any(abs(b[2] - w[2]) < 1 and b[3] < w[1] for b in badges) for w in titles]
    assert any(cancelled) and not all(cancelled)
    for word, is_cancelled in zip(titles, cancelled, strict=True):
        assert (darkest_row(word) > 0.95) == is_cancelled, (word, darkest_row(word))


def test_empty_building_still_gets_a_useful_notice(crowded_site: Path, crowded_pages: list[str]) -> None:
    doors = doors_in_place_order()
    text = crowded_pages[[d.building for d in doors].index("quiet")]
    assert expected_items("quiet") == []
    assert "近期暂无活动" in text
    assert "扫码查看本楼最新活动" in text
    assert "网格员：北苑第一网格网格员13900001111" in text
    assert "社区咨询电话：北苑社区027-55550001" in text
    assert "027-55550000" in text  # the organisation's phone
    assert "张贴日期：2026年11月29日" in text and "有效期至：2026年12月12日" in text
    assert "窗口后一天的活动" not in text and "窗口前一天的活动" not in text


def test_absurd_lengths_stay_on_one_page(crowded_site: Path, crowded_pages: list[str]) -> None:
    doors = doors_in_place_order()
    text = crowded_pages[[d.building for d in doors].index("long")]
    expected = expected_items("long")
    html = soup(crowded_site / "notices" / "long" / "index.html")
    shown = len(html.select(".nt-item"))
    assert 1 <= shown < len(expected)
    assert more_count(text) == len(expected) - shown
    # Cut with an ellipsis, not overflowing: every line of every activity
    # lies above the 另有 N 项 box, and that box above the footer.
    boxes = word_boxes(crowded_site / "notices" / "long" / "notice-long.pdf")
    more_top = min(y0 for word, y0, _ in boxes if "另有" in word)
    scan_top = min(y0 for word, y0, _ in boxes if "扫码查看本楼最新活动" in word)
    header_bottom = max(y1 for word, _, y1 in boxes if "有效期至" in word)
    below_header = [(w, y1) for w, y0, y1 in boxes if header_bottom < y0 < scan_top and not (more_top - 1 <= y0)]
    assert len(below_header) > 10
    assert all(y1 <= more_top for _, y1 in below_header)  # nothing runs into the 另有 box or the footer
    overflow = [w for w, y0, _ in boxes if more_top - 1 <= y0 < scan_top and w not in ("另有", str(more_count(text))) and "项活动" not in w]
    assert overflow == []
    assert more_top < scan_top
    assert "…" in text


def word_boxes(pdf: Path) -> list[tuple[str, float, float]]:
    """(word, yMin, yMax) of every word poppler finds on the first page."""
    out = subprocess.run([_tool("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, check=True).stdout
    doc = BeautifulSoup(out, "lxml")
    return [(w.get_text(), float(w["ymin"]), float(w["ymax"])) for w in doc.find_all("word")]


def test_per_entrance_notices(crowded_site: Path, crowded_pages: list[str]) -> None:
    notices = crowded_site / "notices"
    assert (notices / "doors" / "1" / "index.html").is_file()
    assert (notices / "doors" / "2" / "notice-doors-2.pdf").is_file()
    assert not (notices / "doors" / "index.html").exists()
    doors = [d for d in doors_in_place_order() if d.building == "doors"]
    assert [d.entrance for d in doors] == ["1", "2"]
    page = soup(notices / "doors" / "2" / "index.html")
    assert "3 栋（乙单元）" in page.select_one(".nt-place").get_text()


# --------------------------------------------------------------------------
# Long names and long times: what a door must never lose
#
# The crowded fixture with names as long as real ones (an outside tester's):
# a community, estate and courtyard whose place line does not fit in two
# lines, a grid worker's role and a community name that leave no room for
# the phone, and the 1 栋's two entrances on notices of their own. 2 栋
# (quiet) gets an activity over days and one over midnight.

LONG_NAMES = {
    "    name: 北苑社区\n": "    name: 北苑街道北苑社区居民委员会\n",
    "        name: 北苑小区\n": "        name: 北苑小区（江城市电力设计院职工宿舍）\n",
    "            name: 东院\n": "            name: 东院（原电力设计院家属院）\n",
    "{role: 北苑第一网格网格员,": "{role: 北苑第一网格网格员（兼科普宣传员）,",
    "{id: busy, name: 1 栋, entrances: 2}": "{id: busy, name: 1 栋, entrances: 2, notice_per_entrance: true}",
}
LONG_TIMES = (
    "  - {id: expo, title: 冬季科普展, kind: 展览, start: 2026-11-30 09:00, end: 2026-12-30 18:00, venue: hall, audience: {buildings: [quiet]}}\n"
    "  - {id: stars, title: 冬夜观星, kind: 观测, start: 2026-12-01 22:00, end: 2026-12-02 01:00, venue: hall, audience: {buildings: [quiet]}}\n"
)
LONG_DOORS = ["busy/1", "busy/2", "quiet", "doors/1", "doors/2"]  # of the long community


@pytest.fixture(scope="module")
def long_names(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notices folder of the crowded fixture with long names and times."""
    project = make_project_at(tmp_path_factory.mktemp("long-names") / "p", FIXTURES / "crowded" / "content")
    data = project / "content" / "data"
    places = (data / "places.yml").read_text(encoding="utf-8")
    for old, new in LONG_NAMES.items():
        assert places.count(old) == 1, old
        places = places.replace(old, new)
    (data / "places.yml").write_text(places, encoding="utf-8")
    with (data / "activities.yml").open("a", encoding="utf-8") as fh:
        fh.write(LONG_TIMES)
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=project) == 0
    return project / "out"


def _door_pdf(notices_dir: Path, key: str) -> Path:
    return notices_dir / key / f"notice-{key.replace('/', '-')}.pdf"


def _words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) in points of every word on the first page."""
    out = subprocess.run([_tool("pdftotext"), "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, check=True).stdout
    return [(w.get_text(), float(w["xmin"]), float(w["ymin"]), float(w["xmax"]), float(w["ymax"])) for w in BeautifulSoup(out, "lxml").find_all("word")]


MM = 72 / 25.4  # points per millimetre


def test_place_line_cuts_the_places_never_the_building_or_entrance(long_names: Path) -> None:
    """The place line is fitted to two lines; what tells the doors apart is
    the building and its entrance, so those print whole and the community,
    estate and courtyard names are cut with "…" instead."""
    names = {"busy/1": "1栋（1单元）", "busy/2": "1栋（2单元）", "quiet": "2栋", "doors/1": "3栋（甲单元）", "doors/2": "3栋（乙单元）"}
    places = []
    for key in LONG_DOORS:
        (text,) = pdf_pages_text(_door_pdf(long_names, key))
        place = text[: text.index("近期科普活动")]
        assert place.endswith(names[key]), (key, place)
        assert ("…" in place) == key.startswith(("busy", "quiet")), (key, place)  # 3 栋 has no courtyard: it fits
        assert place.startswith("北苑街道"), place  # the community is still there
        page = soup(long_names / key / "index.html")
        assert _squash(page.select_one(".nt-place").get_text()) == place
        assert names[key] in _squash(page.title.get_text())
        places.append(place)
    assert len(set(places)) == len(places)  # every door's notice says which door
    # A place that fits is printed whole, as before.
    (text,) = pdf_pages_text(_door_pdf(long_names, "long"))
    assert text.startswith("北苑街道北苑社区居民委员会·北苑新村·5栋")


def test_contact_lines_print_the_phone_whole(long_names: Path, tmp_path: Path) -> None:
    """A contact line is one line: when label, name and phone do not fit,
    the name is cut with "…", never the phone. In the PDF every word of the
    footer ends inside the page's margin (poppler reports text the CSS
    clipped where it would have been), and on the page laid out by
    WeasyPrint every contact line fits its box."""
    from generator import notices

    right = (notices.LAYOUT["page_w"] - notices.LAYOUT["margin_x"]) * MM
    for key in LONG_DOORS:
        pdf = _door_pdf(long_names, key)
        (text,) = pdf_pages_text(pdf)
        in_grid = key.startswith(("busy", "quiet"))  # 3 栋 is in no grid: no grid worker to call
        assert bool(re.search(r"网格员：北苑第一网格网格员[^：]*…13900001111", text)) == in_grid, text[-120:]
        assert re.search(r"社区咨询电话：北苑街道[^：]*…027-55550001", text), text[-120:]
        assert text.endswith("主办：北苑街道科学技术协会027-55550000")  # it fits: not cut
        footer_top = next(y0 for word, _, y0, _, _ in _words(pdf) if "扫码查看本楼最新活动" in word)
        assert [w for w in _words(pdf) if w[2] >= footer_top and w[3] > right + 0.5] == [], key
        laid = _prints_as_its_page(long_names / key, tmp_path)
        lines = [box for box in notices._descendants(laid.pages[0]._page_box)
                 if type(box).__name__ == "BlockBox" and "nt-contact" in (box.element.get("class") or "")]
        assert len(lines) == 2 + in_grid
        for box in lines:
            end = max(c.position_x + c.margin_width() for line in box.children for c in line.children)
            assert end <= box.content_box_x() + box.width + 0.5, (key, box.element.text_content())


def test_a_time_over_days_or_midnight_prints_whole_in_the_date_column(long_names: Path, tmp_path: Path) -> None:
    """The date column is one date wide: a time that runs over midnight or
    over days goes on further lines under the date, each inside the
    column, and the item grows to hold them (nothing overlaps the next)."""
    from generator import notices

    layout = notices.LAYOUT
    column_right = (layout["margin_x"] + layout["left_mm"]) * MM
    pdf = _door_pdf(long_names, "quiet")
    (text,) = pdf_pages_text(pdf)
    assert "11月30日周一09:00至12月30日周三18:00冬季科普展" in text
    assert "12月1日周二22:00至次日01:00冬夜观星" in text
    words = _words(pdf)
    first = next(w for w in words if w[0] == "11月30日")
    footer_top = next(w[2] for w in words if "扫码查看本楼最新活动" in w[0])
    column = [w for w in words if first[2] <= w[2] < footer_top and w[1] < column_right]
    clipped = [w for w in column if w[3] > column_right + 0.5]
    assert clipped == []  # nothing in the date column runs past it, where the CSS clips
    ends = [next(w for w in column if w[0] == word) for word in ("18:00", "01:00")]
    second = next(w for w in column if w[0] == "12月1日")
    assert first[4] < ends[0][2] and ends[0][4] <= second[2], "the first item's four lines run into the second"
    assert second[4] < ends[1][2]
    page = soup(long_names / "quiet" / "index.html")
    assert [_squash(li.select_one(".nt-when").get_text()) for li in page.select(".nt-item")][:2] == ["11月30日周一09:00至12月30日周三18:00", "12月1日周二22:00至次日01:00"]
    _prints_as_its_page(long_names / "quiet", tmp_path)


# --------------------------------------------------------------------------
# Printing: QR code, fonts, ink, size


def test_qr_code_decodes_to_the_building_page(crowded_site: Path, tmp_path: Path) -> None:
    zbarimg = _tool("zbarimg")
    site_url = _load("site.yml")["site"]["url"]
    for door in doors_in_place_order():
        if door.building not in ("busy", "quiet", "doors"):
            continue
        pdf = crowded_site / "notices" / door.key / f"notice-{door.key.replace('/', '-')}.pdf"
        png = _render(pdf, tmp_path / door.key.replace("/", "-"), dpi=150)
        decoded = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True, check=True).stdout.strip()
        assert decoded == f"{site_url}buildings/{door.building}/"


def test_qr_code_prints_as_sharp_modules(crowded_site: Path, tmp_path: Path) -> None:
    """In the PDF the code is an image of one pixel per module, never
    smoothed: at printer resolution its area is pure black and white."""
    from PIL import Image

    png = _render(crowded_site / "notices" / "busy" / "notice-busy.pdf", tmp_path / "busy", dpi=300)
    image = Image.open(png).convert("L")
    px = 300 / 25.4
    # The code's 40 mm square sits 13 mm from the left, 12 + 3 mm above the
    # bottom edge (theme/notices/style.html); a margin of 1 mm either way.
    qr = image.crop((round(14 * px), image.height - round(54 * px), round(52 * px), image.height - round(16 * px)))
    levels = qr.histogram()
    assert sum(levels[1:255]) == 0  # no grey: no interpolation, no anti-aliasing
    assert 0.2 < levels[0] / (qr.width * qr.height) < 0.7


def test_qr_code_is_svg_sized_in_mm_with_quiet_zone(crowded_site: Path) -> None:
    html = soup(crowded_site / "notices" / "busy" / "index.html")
    svg = html.select_one(".nt-qr svg")
    assert svg["width"].endswith("mm") and float(svg["width"][:-2]) >= 30
    assert svg["height"] == svg["width"]
    # The white background square covers the whole symbol plus the border.
    background = svg.select_one("path[fill='#fff']")
    assert background is not None


def _render(pdf: Path, stem: Path, dpi: int) -> Path:
    subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-gray", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf), str(stem)], check=True)
    return stem.with_suffix(".png")


@pytest.mark.parametrize("refit", [False, True])
def test_each_door_prints_what_its_own_page_prints(refit: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The PDF lays each different list of activities and each different
    frame (headline, dates, contacts) out once and draws them on every door
    that shows them, with the door's own place, QR code and address
    (generator.notices._DoorPage). Each door's PDF page must print what the
    door's HTML page prints, laid out whole by WeasyPrint, pixel for pixel
    (the QR code aside: an image in the PDF, an SVG on the page; its content
    is read back by test_qr_code_decodes_to_building_page). ``refit``: with
    a far too optimistic width estimate, so that shared lists are cut after
    layout, on every door that shows them."""
    from generator import notices

    batches: list[tuple[int, int, int]] = []
    real_render = notices.render_batch

    def counted(env: Any, lists: Any, frames: Any, doors: Any, css: Any) -> str:
        batches.append((len(lists), len(frames), len(doors)))
        assert len({n.list_key for n in lists}) == len(lists)  # each list once
        assert len({n.frame_key for n in frames}) == len(frames)  # each frame once
        return real_render(env, lists, frames, doors, css)

    monkeypatch.setattr(notices, "render_batch", counted)
    # The doors' own lines are laid out on one page, one over the other,
    # and that page cut into one per door (each drawn alone).
    sheets: list[tuple[int, int]] = []
    real_cut = notices._door_pages

    def cut(sheet: Any, count: int) -> list[Any]:
        pages = real_cut(sheet, count)
        sheets.append((count, len({id(p._page_box) for p in pages})))
        return pages

    monkeypatch.setattr(notices, "_door_pages", cut)
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    # Two more buildings invited to all of busy's 40 activities, so that
    # their lists show the same activities as busy's: busy2 has one more
    # activity at the end of the window (another 另有 N 项 line), busy3 a
    # name that takes two lines (the list starts lower).
    data = project / "content" / "data"
    places = (data / "places.yml").read_text(encoding="utf-8")
    quiet = "              - {id: quiet, name: 2 栋, entrances: 1}\n"
    assert quiet in places
    places = places.replace(quiet, quiet + "              - {id: busy2, name: 1 栋副楼, entrances: 1}\n"
                            "              - {id: busy3, name: 1 栋（东院老干部活动中心与社区卫生服务站合用楼，原北苑供销社宿舍）, entrances: 1}\n")
    (data / "places.yml").write_text(places, encoding="utf-8")
    activities = (data / "activities.yml").read_text(encoding="utf-8").replace("audience: {buildings: [busy]}", "audience: {buildings: [busy, busy2, busy3]}")
    activities += '  - {id: crowd-41, title: 拥挤测试活动41号, kind: 宣传, start: 2026-12-12 21:00, end: "21:30", venue: hall, audience: {buildings: [busy2]}}\n'
    (data / "activities.yml").write_text(activities, encoding="utf-8")
    if refit:
        monkeypatch.setattr(notices, "WIDTH_SAFETY", 2.5)
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=project) == 0
    assert ("排版超出一页" in capsys.readouterr().err) == refit
    lists, frames, doors = map(sum, zip(*[b for b in batches if b[2]], strict=True))  # not the lists laid out again
    assert doors == len(doors_in_place_order(data)) and lists < doors  # the entrances of a building share their list
    assert sheets and all(n == made for n, made in sheets) and sum(n for n, _ in sheets) == doors
    # The doors of the grid share one frame; busy2 (outside it: no grid
    # worker to call) and busy3 (a taller head) each need another.
    assert 3 <= frames < doors
    busy, busy2, busy3 = (soup(project / "out" / key / "index.html") for key in ("busy", "busy2", "busy3"))
    titles = [[li.select_one(".nt-title").get_text() for li in page.select(".nt-item")] for page in (busy, busy2, busy3)]
    assert titles[0] == titles[1] == titles[2][: len(titles[0])] and titles[0]
    assert more_count(_squash(busy2.select_one(".nt-more").get_text())) == more_count(_squash(busy.select_one(".nt-more").get_text())) + 1
    if not refit:  # (the wrong estimate puts busy3's name on one line)
        assert "nt--tall" in busy3.select_one(".nt")["class"] and "nt--tall" not in busy.select_one(".nt")["class"]
    for door in doors_in_place_order(data):
        laid = _prints_as_its_page(project / "out" / door.key, tmp_path)
        if not refit:
            # The place has the height of its lines (the PDF's door part
            # and frame rely on it): a place on two lines does not run into
            # the headline.
            boxes = _outermost_boxes(laid)
            place_lines = [box for box in notices._descendants(boxes["nt-place"]) if type(box).__name__ == "LineBox"]
            assert place_lines and place_lines[-1].position_y + place_lines[-1].height <= boxes["nt-headline"].position_y + 0.5, door.key


def _outermost_boxes(laid: Any) -> dict[str, Any]:
    """class → the outermost box of its first element, on a laid-out page."""
    from generator import notices

    boxes: dict[str, Any] = {}
    for box in notices._descendants(laid.pages[0]._page_box):
        if getattr(box, "element", None) is not None and box.element_tag:
            for name in (box.element.get("class") or "").split():
                boxes.setdefault(name, box)
    return boxes


def _prints_as_its_page(folder: Path, tmp_path: Path) -> Any:
    """Assert that the door PDF in ``folder`` prints what the door's HTML
    page prints, laid out whole by WeasyPrint, pixel for pixel (the QR code
    aside); returns that layout (weasyprint.Document)."""
    import weasyprint
    from PIL import Image, ImageChops, ImageDraw

    from generator import notices

    dpi, px = 60, 60 / 25.4
    layout = notices.LAYOUT
    qr_top = layout["page_h"] - layout["margin_y"] - layout["footer_h_mm"]
    qr_box = [round((layout["margin_x"] - 1) * px), round(qr_top * px), round((layout["margin_x"] + layout["qr_mm"] + 1) * px), round((layout["page_h"] - layout["margin_y"] + 1) * px)]

    def raster(pdf: Path) -> Any:
        png = Path(str(pdf) + ".png")
        subprocess.run([_tool("pdftoppm"), "-r", str(dpi), "-gray", "-png", "-singlefile", str(pdf), str(png.with_suffix(""))], check=True)
        image = Image.open(png).convert("L")
        ImageDraw.Draw(image).rectangle(qr_box, fill=255)
        return image

    (own,) = folder.glob("notice-*.pdf")
    whole = tmp_path / f"whole-{own.name}"
    laid = weasyprint.HTML(filename=folder / "index.html").render()
    laid.write_pdf(whole)
    a, b = raster(whole), raster(own)
    assert a.size == b.size
    # Glyph edges may differ by a grey level (the fonts are subset per
    # document); anything misplaced or missing differs by far more.
    assert ImageChops.difference(a, b).getextrema()[1] <= 2, folder
    return laid


def test_page_is_inked_in_a_cjk_font(crowded_site: Path, tmp_path: Path) -> None:
    from PIL import Image

    pdf = crowded_site / "notices" / "all-notices.pdf"
    png = _render(pdf, tmp_path / "page1", dpi=40)
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert 0.02 < dark < 0.5, dark  # text and a QR code, not blank, not a black page
    assert abs(image.width / image.height - 210 / 297) < 0.01  # A4 portrait
    fonts = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        assert "CJK" in line, line  # every font is the CJK one: no fallback boxes
        assert " yes yes " in line  # embedded and subset
    assert "Type 3" not in "\n".join(fonts)


def test_print_css_sizes_for_arms_length_reading(crowded_site: Path) -> None:
    html = (crowded_site / "notices" / "busy" / "index.html").read_text(encoding="utf-8")
    # One stylesheet beside the door pages, linked from each (not inline).
    assert '<link rel="stylesheet" href="../notice.css">' in html and "<style" not in html
    css = (crowded_site / "notices" / "notice.css").read_text(encoding="utf-8")

    def size(selector: str) -> float:
        rule = re.search(re.escape(selector) + r"\s*\{[^}]*?font-size:\s*([\d.]+)pt", css)
        assert rule, selector
        return float(rule.group(1))

    assert size(".nt-headline") >= 28
    for selector in (".nt-title", ".nt-detail", ".nt-when", ".nt-more", ".nt-info"):
        assert size(selector) >= 16, selector
    assert "size: A4 portrait" in css
    assert re.search(r"@media print\s*\{[^@]*\.nt-toolbar\s*\{\s*display:\s*none", css)
    page = soup(crowded_site / "notices" / "busy" / "index.html")
    toolbar = page.select_one(".nt-toolbar")
    assert toolbar.select_one("a[href='../']").get_text() == "返回公示栏目录"
    assert toolbar.select_one("a[href='notice-busy.pdf']") is not None
    assert toolbar.select_one("button").get_text() == "打印本页"


# --------------------------------------------------------------------------
# The staff index and the building pages


def test_staff_index_links_every_notice_pdf_and_digest(crowded_site: Path) -> None:
    index = soup(crowded_site / "notices" / "index.html")
    places = _load("places.yml")
    assert [h.get_text(strip=True) for h in index.select("section.gs-notices h2")] == [c["name"] for c in places["communities"]]
    assert [h.get_text(strip=True) for h in index.select("section.gs-notices h3")] == [e["name"] for c in places["communities"] for e in c["estates"]]
    rows = index.select(".gs-notices__row")
    assert [r["data-key"] for r in rows] == [d.key for d in doors_in_place_order()]
    base = crowded_site / "notices"
    for row in rows:
        for cls in ("gs-notices__html", "gs-notices__pdf"):
            target = (base / row.select_one(f"a.{cls}")["href"]).resolve()
            assert (target / "index.html" if target.is_dir() else target).is_file(), row["data-key"]
    digests = {a["href"] for a in index.select("a.gs-notices__digest")}
    assert digests == {f"../digests/{b}.txt" for b in ("busy", "quiet", "doors", "long", "mixed", "s-1")}
    assert index.select_one("a[href='all-notices.pdf']") is not None


def test_building_page_links_to_its_notices(crowded_site: Path) -> None:
    page = soup(crowded_site / "buildings" / "doors" / "index.html")
    hrefs = [a["href"] for a in page.select(".gs-action--notice, .gs-action--notice-pdf")]
    assert hrefs == ["../../notices/doors/1/", "../../notices/doors/1/notice-doors-1.pdf", "../../notices/doors/2/", "../../notices/doors/2/notice-doors-2.pdf"]
    page = soup(crowded_site / "buildings" / "busy" / "index.html")
    assert page.select_one(".gs-action--notice")["href"] == "../../notices/busy/"


# --------------------------------------------------------------------------
# The command: window options, determinism, missing fonts and glyphs


@pytest.fixture
def basic_project(tmp_path: Path) -> Path:
    return make_project_at(tmp_path / "basic", FIXTURES / "basic" / "content")


def test_notices_command_window_and_determinism(basic_project: Path) -> None:
    data = FIXTURES / "basic" / "content" / "data"
    first = date(2026, 12, 5)
    args = ("notices", "--today", TODAY, "--from", first.isoformat(), "--days", "3")
    assert run_cli(*args, "--out", "one", cwd=basic_project) == 0
    assert run_cli(*args, "--out", "two", cwd=basic_project) == 0
    one, two = basic_project / "one", basic_project / "two"
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for rel in files:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel
    doors = doors_in_place_order(data)
    pages = pdf_pages_text(one / "all-notices.pdf")
    assert len(pages) == len(doors)
    last = first + timedelta(days=2)
    singles = [r for r in _load("activities.yml", data)["activities"] + _load("lectures.yml", data)["lectures"] if "recurrence" not in r]
    for text, door in zip(pages, doors, strict=True):
        assert "张贴日期：2026年12月5日" in text and "有效期至：2026年12月7日" in text
        expected = {title for _, title, _ in expected_items(door.building, first, last, data)}
        for record in singles:
            assert (record["title"] in text) == (record["title"] in expected), (door.key, record["title"])


def test_a_weekly_activity_is_one_item_with_every_date(basic_project: Path) -> None:
    """健身舞, Tuesdays and Thursdays at 19:00, took a place a time on the
    door (and pushed the lecture after it into 另有 N 项). Its occurrences at
    those hours in the window are one item, its 日期 line naming each; the
    one moved to another day stays an item of its own, in the PDF and on
    the page alike."""
    data = FIXTURES / "basic" / "content" / "data"
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 0
    dance = next(a for a in _load("activities.yml", data)["activities"] if a["id"] == "dance")
    doors = [d for d in doors_in_place_order(data) if d.building in _audience(dance, _load("places.yml", data))]
    assert doors
    # The window (11-29 to 12-12): Tue 12-01, Thu 12-03, Tue 12-08 at 19:00;
    # 12-10 moved to Sat 12-12. With the weekdays the line would wrap (the
    # weekday of the first is in the date column).
    dates = "日期：12月1日、3日、8日"
    for door in doors:
        items = [_squash(li.get_text()) for li in soup(basic_project / "out" / door.key / "index.html").select(".nt-item")]
        danced = [i for i in items if "健身舞" in i]
        assert danced[0].startswith("12月1日周二19:00–20:30") and f"{dates}地点" in danced[0], danced[0]
        # Moved, it is news: an item of its own where the page has room
        # (the window's last day, often in 另有 N 项), never in the line.
        assert all(i.startswith("12月12日周六19:00") and "日期：" not in i for i in danced[1:]), danced
        name = f"notice-{door.key.replace('/', '-')}.pdf"
        text = pdf_pages_text(basic_project / "out" / door.key / name)[0]
        assert text.count("健身舞") == len(danced) and text.count(dates) == 1, text
        # Shown and counted in 另有 N 项: every occurrence the door is
        # invited to, less the two folded into the first.
        expected = expected_items(door.building, data=data)
        assert [title for _, title, status in expected].count("健身舞") == 4
        assert len(items) + more_count(text) == len(expected) - 2, (door.key, items, text)


def test_dates_line_writes_the_month_where_it_changes_and_every_day_as_a_range() -> None:
    from types import SimpleNamespace

    from generator import notices
    from generator.strings import strings

    def on(*days: str) -> list[Any]:
        return [SimpleNamespace(occurrence=SimpleNamespace(start=datetime.fromisoformat(f"{d} 19:00"))) for d in days]

    t = strings("zh-CN")
    assert notices._dates_line(on("2026-12-29", "2026-12-31", "2027-01-05"), t) == "12月29日（周二）、31日（周四）、1月5日（周二）"
    assert notices._dates_line(on("2026-11-29", "2026-11-30", "2026-12-01"), t) == "11月29日至12月1日每天"
    assert notices._dates_line(on("2026-11-29", "2026-11-30"), t) == "11月29日（周日）、30日（周一）"
    # Where the weekdays would not fit on the line, the dates alone: a
    # Chinese line breaks anywhere, "8日（周" / "二）".
    four = on("2026-12-01", "2026-12-03", "2026-12-08", "2026-12-10")
    assert notices._dates_line(four, t, 40.0) == "12月1日（周二）、3日（周四）、8日（周二）、10日（周四）"
    assert notices._dates_line(four, t, 20.0) == "12月1日、3日、8日、10日"


def test_notices_command_default_target_keeps_the_staff_index(basic_project: Path) -> None:
    site = build_project(basic_project)
    index = (site / "notices" / "index.html").read_bytes()
    assert run_cli("notices", "--today", "2026-12-01", cwd=basic_project) == 0
    assert (site / "notices" / "index.html").read_bytes() == index
    text = pdf_pages_text(site / "notices" / "all-notices.pdf")[0]
    assert "张贴日期：2026年12月1日" in text


@pytest.mark.parametrize("how", ["missing", "dangling link"])
def test_notices_without_the_theme_folder_is_one_clean_error(basic_project: Path, capsys: pytest.CaptureFixture[str], how: str) -> None:
    # A project copied without theme/ (or its link left pointing nowhere):
    # the template engine's traceback before.
    (basic_project / "theme").unlink()
    if how == "dangling link":
        (basic_project / "theme").symlink_to(basic_project / "no-such-theme")
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 1
    err = capsys.readouterr().err
    assert "theme/notices: 楼门公示: 找不到楼门公示的模板（theme/ 文件夹缺失或不完整） — 请从仓库恢复 theme/ 文件夹" in err
    assert err.rstrip().endswith("楼门公示未生成。") and "Traceback" not in err
    assert not (basic_project / "out").exists()


def test_a_broken_bulletin_does_not_stop_notices_or_digests(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The grid worker at the printer needs the doors' notices; a bulletin's
    # impossible date is the editor's to fix and stops the site build only.
    bulletin = basic_project / "content" / "bulletins" / "2025-01-first.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace("date: 2025-12-20", "date: 2025-02-30"), encoding="utf-8")
    assert run_cli("build", "--today", TODAY, cwd=basic_project) == 1
    assert "2025-01-first.md" in capsys.readouterr().err
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 0
    assert len(pdf_pages_text(basic_project / "out" / "all-notices.pdf")) == len(doors_in_place_order(FIXTURES / "basic" / "content" / "data"))
    assert run_cli("digest", "--today", TODAY, "--building", "b-b1", cwd=basic_project) == 0
    assert "2025-01-first" not in capsys.readouterr().err


def test_notices_never_replace_a_folder_that_holds_other_files(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The output folder is replaced as a whole. A grid worker's own documents
    # in it, or the editors' content, must survive a mistyped --out.
    (basic_project / "打印").mkdir()
    (basic_project / "打印" / "上月公示说明.docx").write_bytes(b"kept")
    assert run_cli("notices", "--today", TODAY, "--out", "打印", cwd=basic_project) == 2
    assert "上月公示说明.docx" in capsys.readouterr().err
    assert (basic_project / "打印" / "上月公示说明.docx").read_bytes() == b"kept"
    before = sorted(p.relative_to(basic_project).as_posix() for p in (basic_project / "content").rglob("*"))
    for out in ("content", "content/data", ".", ".."):
        assert run_cli("notices", "--today", TODAY, "--out", out, cwd=basic_project) == 2
        assert "新的空文件夹" in capsys.readouterr().err
    assert sorted(p.relative_to(basic_project).as_posix() for p in (basic_project / "content").rglob("*")) == before
    assert (basic_project / "mkdocs.yml").is_file()
    # A folder a notices run made (or an empty one) is replaced as before.
    (basic_project / "empty").mkdir()
    assert run_cli("notices", "--today", TODAY, "--out", "empty", cwd=basic_project) == 0
    assert run_cli("notices", "--today", TODAY, "--out", "empty", cwd=basic_project) == 0
    assert (basic_project / "empty" / "all-notices.pdf").is_file()


TESTER_NOTE = "因授课的江城市中心医院护理部老师临时接到外出支援任务，经与医院协商，本次培训改到 12 月 17 日（周四）同一时间、同一地点举行。"


def test_a_postponement_note_prints_whole_and_a_longer_one_is_named_by_check(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Cut at two lines, this note printed as "…本次培训改到…" on every door:
    # the new date, what residents most need, was lost.
    path = basic_project / "content/data/activities.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status_note: 改期至 12 月 20 日", f"status_note: {TESTER_NOTE}"), encoding="utf-8")
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 0
    shown = ["".join(soup(page).get_text().split()) for page in sorted((basic_project / "out").glob("*/**/index.html"))]
    shown = [text for text in shown if "科普文艺汇演" in text]
    assert shown and all("".join(TESTER_NOTE.split()) in text for text in shown)
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    assert "说明太长" not in capsys.readouterr().err
    # Twice as long: check says what the notice will print.
    path.write_text(text.replace("status_note: 改期至 12 月 20 日", f"status_note: {TESTER_NOTE * 2}"), encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    err = capsys.readouterr().err
    line = text.split("\n").index("  - id: postponed-show") + 1
    assert f"警告: content/data/activities.yml:{line}:5: postponed-show: status_note: 说明太长，楼门公示上只印得下“因授课的" in err, err
    assert "…”" in err and "请把改到的日期、时间写在说明的最前面" in err


LONG_TITLE = "东社区义诊暨第十二届云湖区中老年人慢性病防治与合理用药科普宣传周（东社区分会场）冬季特别场次，欢迎居民踊跃参加"


def test_a_title_the_notice_cuts_is_named_by_check_as_printed(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The door notice has room for two lines of title and cut this one with
    # "…" without a word: the editor learned it at the door.
    path = basic_project / "content/data/activities.yml"
    text = path.read_text(encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    assert "标题太长" not in capsys.readouterr().err
    path.write_text(text.replace("title: 东社区义诊", f"title: {LONG_TITLE}"), encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    err = capsys.readouterr().err
    line = text.split("\n").index("  - id: east-clinic") + 1
    found = re.search(rf"警告: content/data/activities.yml:{line}:5: east-clinic: title: 标题太长，楼门公示上只印得下“(.+?…)”", err)
    assert found, err
    printed = found.group(1)
    assert len(printed) < len(LONG_TITLE) and LONG_TITLE.startswith(printed[:-1])
    # ... which is what the notice prints.
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 0
    pages = [page for page in pdf_pages_text(basic_project / "out" / "all-notices.pdf") if LONG_TITLE[:9] in page]
    assert pages and all("".join(printed.split()) in page and LONG_TITLE not in page for page in pages)
    # Over, it prints on no notice again: no warning.
    assert run_cli("check", "--today", "2027-03-01", cwd=basic_project) == 0
    assert "标题太长" not in capsys.readouterr().err


def test_a_venue_name_the_notice_cuts_is_named_by_check(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The 地点 line has two lines: "…靠近三号楼…" lost where to go.
    path = basic_project / "content/data/venues.yml"
    long = "科普学校（东院与西院之间，原自行车棚拆除后新建的健身活动区域，靠近三号楼北侧的小花园，从南门进）"
    path.write_text(path.read_text(encoding="utf-8").replace("name: 科普学校,", f"name: {long},"), encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    err = capsys.readouterr().err
    found = re.search(r"警告: content/data/venues.yml: school: name: 场地名称太长，楼门公示上只印得下“(.+?…)”", err)
    assert found, err
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 0
    pages = [page for page in pdf_pages_text(basic_project / "out" / "all-notices.pdf") if "科普文艺汇演" in page]
    assert pages and all("".join(found.group(1).split()) in page for page in pages)
    # Used by no activity still to come: not named.
    assert run_cli("check", "--today", "2027-03-01", cwd=basic_project) == 0
    assert "场地名称太长" not in capsys.readouterr().err


def test_notices_out_inside_the_site_is_refused(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --out site/notices/<door> was taken for "a folder a notices run made":
    # the door's published folder was replaced by a whole set of notices.
    assert run_cli("build", "--today", TODAY, cwd=basic_project) == 0
    notices = basic_project / "site" / "notices"
    door = sorted(p for p in notices.iterdir() if p.is_dir())[0]
    before = {p.relative_to(notices).as_posix(): p.read_bytes() for p in notices.rglob("*") if p.is_file()}
    for out in (f"site/notices/{door.name}", "site", "site/buildings"):
        assert run_cli("notices", "--today", TODAY, "--out", out, cwd=basic_project) == 2
        assert "网站文件夹" in capsys.readouterr().err
    assert {p.relative_to(notices).as_posix(): p.read_bytes() for p in notices.rglob("*") if p.is_file()} == before
    # The site's own notices folder is still updated in place, its staff index kept.
    assert run_cli("notices", "--today", TODAY, cwd=basic_project) == 0
    assert (notices / "index.html").read_bytes() == before["index.html"]


def test_notices_out_folder_has_its_own_index(basic_project: Path) -> None:
    # Every door page links back to "返回公示栏目录" (../); a folder of its
    # own had no index there, so the link led nowhere.
    assert run_cli("notices", "--today", TODAY, "--out", "打印", cwd=basic_project) == 0
    out = basic_project / "打印"
    index = soup(out / "index.html")
    hrefs = [a["href"] for a in index.select("a")]
    doors = doors_in_place_order(FIXTURES / "basic" / "content" / "data")
    assert hrefs[0] == "all-notices.pdf" and len(hrefs) == 1 + 2 * len(doors), hrefs
    for href in hrefs:
        assert (out / href / "index.html" if href.endswith("/") else out / href).is_file(), href
    shown = [th.get_text() for th in index.select("tbody th")]
    assert len(shown) == len(doors)
    back = soup(out / hrefs[1] / "index.html").find("a", string="返回公示栏目录")
    assert back is not None and (out / hrefs[1] / back["href"] / "index.html").resolve() == (out / "index.html").resolve()
    # A second run into the same folder writes the index again, for its own window.
    assert run_cli("notices", "--today", "2026-12-24", "--out", "打印", cwd=basic_project) == 0
    assert "12月24日" in (out / "index.html").read_text(encoding="utf-8")


def test_missing_cjk_font_stops_with_the_package_name(basic_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "fc-list").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (fake / "fc-list").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=basic_project) == 1
    err = capsys.readouterr().err
    assert "fonts-noto-cjk" in err and "apt-get install" in err
    assert not (basic_project / "out").exists()


@pytest.mark.parametrize("rare", ["\U00013000", "\U00020000"])  # an Egyptian hieroglyph; 𠀀, CJK Ext-B, as in names
def test_missing_glyph_prints_a_mark_and_names_its_record(basic_project: Path, capsys: pytest.CaptureFixture[str], rare: str) -> None:
    # One rare character in one record used to fail every door's PDF: the
    # grid worker at the printer could print nothing.
    path = basic_project / "content" / "data" / "activities.yml"
    text = path.read_text(encoding="utf-8").replace("title: 东社区义诊", f"title: 东社区义诊{rare}")
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(rare)].count("\n") + 1
    expected = f"content/data/activities.yml:{line - 1}:5: east-clinic: title: “{rare}”没有任何已安装的字体能印出，楼门公示上会印成“〓”"  # the record's first line
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    assert expected in capsys.readouterr().err
    # The notices print, with the mark in its place, and the build says where.
    site = build_project(basic_project)
    err = capsys.readouterr().err
    assert expected in err and "unsupported by fonts" not in err and "apt-get" not in err
    pages = pdf_pages_text(site / "notices" / "all-notices.pdf")
    assert len(pages) == len(doors_in_place_order(FIXTURES / "basic" / "content" / "data"))
    assert any("东社区义诊〓" in page for page in pages) and not any(rare in page for page in pages)
    assert f"东社区义诊{rare}" in (site / "activities" / "east-clinic" / "index.html").read_text(encoding="utf-8")


def test_emoji_are_left_out_of_notices_with_a_warning(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Editors paste titles from WeChat. The notice's font has no emoji: the
    # notice prints the title without them (a star the font has stays), the
    # build goes on and says where, and the website keeps them.
    path = basic_project / "content" / "data" / "activities.yml"
    text = path.read_text(encoding="utf-8")
    assert text.count("title: 东社区义诊\n") == 1
    path.write_text(text.replace("title: 东社区义诊\n", "title: 🎉东社区义诊★ 1️⃣号\n"), encoding="utf-8")
    site = build_project(basic_project)
    err = capsys.readouterr().err
    line = text[: text.index("title: 东社区义诊")].count("\n")  # the record starts on the line above
    assert f"content/data/activities.yml:{line}:" in err and "east-clinic: title: “🎉”是表情或图形符号" in err, err
    pages = pdf_pages_text(site / "notices" / "all-notices.pdf")
    assert any("东社区义诊★1号" in page for page in pages), pages[0][:300]  # pdf_pages_text drops spaces
    assert "🎉东社区义诊★ 1️⃣号" in (site / "activities" / "east-clinic" / "index.html").read_text(encoding="utf-8")


def test_emoji_in_a_venue_name_is_named_by_check(basic_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = basic_project / "content" / "data" / "venues.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: 东社区科普活动站,", "name: 东社区科普活动站🏠,"), encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=basic_project) == 0
    err = capsys.readouterr().err
    assert "警告: content/data/venues.yml: station: name: “🏠”是表情或图形符号，楼门公示栏印不出来，打印时已略去" in err, err


def test_printable_keeps_what_the_font_has() -> None:
    from generator.notices import printable, unprintable

    assert printable("🎉迎新春 ★ 1️⃣号楼👨‍👩‍👧") == "迎新春 ★ 1号楼"
    assert unprintable("🎉迎新春★🎉") == "🎉"
    assert printable("桂园花园 3 栋（2单元）") == "桂园花园 3 栋（2单元）"


def test_system_deps_script_installs_what_the_pdfs_need() -> None:
    script = (REPO / "scripts" / "system-deps.sh").read_text(encoding="utf-8")
    for package in ("fonts-noto-cjk", "libharfbuzz-subset0", "zbar-tools", "poppler-utils"):
        assert package in script


def test_parallel_chunks_give_the_same_notices(crowded_site: Path, crowded_pages: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A district's doors are laid out in chunks by forked workers; force
    that path on the small fixture and compare with the one-document build."""
    from generator import notices

    monkeypatch.setattr(notices, "PARALLEL_FROM", 1)
    monkeypatch.setattr(notices, "CHUNK", 3)
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    assert run_cli("notices", "--today", TODAY, "--out", "par", cwd=project) == 0
    par = project / "par"
    assert pdf_pages_text(par / "all-notices.pdf") == crowded_pages
    _same_joined_pdf(par / "all-notices.pdf", crowded_site / "notices" / "all-notices.pdf")
    for door in doors_in_place_order():
        name = f"{door.key}/notice-{door.key.replace('/', '-')}.pdf"
        assert pdf_pages_text(par / name) == pdf_pages_text(crowded_site / "notices" / name)
        assert (par / door.key / "index.html").read_bytes() == (crowded_site / "notices" / door.key / "index.html").read_bytes()


def _same_joined_pdf(joined: Path, whole: Path) -> None:
    """all-notices.pdf joined from several chunks (pdfwrite.joined_pdf)
    against the same doors laid out as one document: the same bookmarks to
    the same pages, the same pixels, the language and title kept, and
    poppler reads it without a word."""
    from pypdf import PdfReader
    from test_pdffonts import _xref_is_right, pixels

    ours, one = PdfReader(joined, strict=True), PdfReader(whole)
    doors = doors_in_place_order()
    assert len(ours.pages) == len(one.pages) == len(doors)
    marks = [(m.title, ours.get_destination_page_number(m)) for m in ours.outline]
    assert marks == [(m.title, one.get_destination_page_number(m)) for m in one.outline]
    assert [page for _title, page in marks] == list(range(len(doors)))
    assert all(door.place in title.replace(" ", "") for (title, _page), door in zip(marks, doors, strict=True))
    # The chain of bookmarks the other way round (a viewer going back).
    root = ours.trailer["/Root"]["/Outlines"]
    backwards, item = [], root["/Last"]
    while item is not None:
        assert item["/Parent"].get_object() is root.get_object()
        backwards.append(item["/Title"])
        item = item.get("/Prev")
    assert backwards[::-1] == [title for title, _page in marks] and root["/Count"] == len(doors)
    assert ours.trailer["/Root"]["/Lang"] == "zh-CN" and ours.metadata.title == "楼门公示栏"
    for number in range(1, len(ours.pages) + 1):
        assert pixels(joined, number) == pixels(whole, number), number
    _xref_is_right(joined.read_bytes())
    info = subprocess.run([_tool("pdfinfo"), str(joined)], capture_output=True, text=True, check=True)
    assert info.stderr == "" and f"Pages:           {len(ours.pages)}" in info.stdout


def test_chunks_are_joined_by_pypdf_when_pdfwrite_refuses(crowded_site: Path, crowded_pages: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk whose catalog holds more than pages and bookmarks (named
    destinations, say) is joined by pypdf's append, as before pdfwrite."""
    from pypdf import PdfReader

    from generator import notices, pdfwrite

    def refuse(readers: list[object]) -> bytes:
        raise pdfwrite.Unsupported("test")

    monkeypatch.setattr(notices, "PARALLEL_FROM", 1)
    monkeypatch.setattr(notices, "CHUNK", 3)
    monkeypatch.setattr(pdfwrite, "joined_pdf", refuse)
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    assert run_cli("notices", "--today", TODAY, "--out", "par", cwd=project) == 0
    assert pdf_pages_text(project / "par" / "all-notices.pdf") == crowded_pages
    assert len(PdfReader(project / "par" / "all-notices.pdf").outline) == len(doors_in_place_order())


def _same_door_pdfs(one: Path, other: Path) -> None:
    """Two runs of `notices` wrote the very same PDF bytes, every door's and all-notices.pdf."""
    pdfs = sorted(p.relative_to(other) for p in other.rglob("*.pdf"))
    assert len(pdfs) == len(doors_in_place_order()) + 1
    for rel in pdfs:
        assert (one / rel).read_bytes() == (other / rel).read_bytes(), rel


def test_trimmed_user_agent_stylesheet_changes_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Notices are laid out without WeasyPrint's ::marker, footnote and note
    rules (a fifth of the layout time): the PDFs must be the very same bytes
    as with WeasyPrint's whole stylesheet."""
    import weasyprint

    from generator import notices

    assert notices._notice_html() is not weasyprint.HTML  # the trim applies to this WeasyPrint
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    assert run_cli("notices", "--today", TODAY, "--out", "trimmed", cwd=project) == 0
    monkeypatch.setattr(notices, "_notice_html", lambda: weasyprint.HTML)
    assert run_cli("notices", "--today", TODAY, "--out", "stock", cwd=project) == 0
    _same_door_pdfs(project / "trimmed", project / "stock")


def test_margin_boxes_no_page_has_are_not_made_and_change_no_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """WeasyPrint makes none of a page's sixteen margin boxes when none has
    content (notices._skip_empty_margin_boxes): the PDFs must be the very
    same bytes as with WeasyPrint's own make_margin_boxes."""
    import weasyprint.layout
    from weasyprint.layout import page as page_layout

    from generator import notices

    notices._notice_html()
    assert weasyprint.layout.make_margin_boxes is not page_layout.make_margin_boxes  # it applies to this WeasyPrint
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    assert run_cli("notices", "--today", TODAY, "--out", "quick", cwd=project) == 0
    monkeypatch.setattr(weasyprint.layout, "make_margin_boxes", page_layout.make_margin_boxes)
    assert run_cli("notices", "--today", TODAY, "--out", "stock", cwd=project) == 0
    _same_door_pdfs(project / "quick", project / "stock")


def test_a_margin_box_with_content_is_still_printed() -> None:
    import io

    import weasyprint
    from pypdf import PdfReader

    from generator import notices

    notices._notice_html()
    sheet = "@page { size: A6; margin: 20mm; @bottom-center { content: '第 ' counter(page) ' 页' } @top-left-corner { content: '角' } }"
    pdf = weasyprint.HTML(string=f"<style>{sheet}</style><p>正文</p><p style='break-before: page'>下一页</p>").write_pdf()
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert "第 1 页" in pages[0] and "第 2 页" in pages[1] and all("角" in p for p in pages), pages


def test_batches_parsed_with_expat_give_weasyprint_the_same_tree_and_pdfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The print batch is parsed with expat, not WeasyPrint's HTML parser
    (a twentieth of a notice's time): same element tree, same PDF bytes."""
    import tinyhtml5

    from generator import notices

    batches: list[str] = []
    real_render = notices.render_batch

    def keep(*args: object) -> str:
        batches.append(real_render(*args))  # type: ignore[arg-type]
        return batches[-1]

    def tree(element: object) -> tuple[object, ...]:
        e: Any = element
        return (e.tag, dict(e.attrib), e.text or None, e.tail or None, tuple(tree(c) for c in e))

    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    monkeypatch.setattr(notices, "render_batch", keep)
    assert run_cli("notices", "--today", TODAY, "--out", "expat", cwd=project) == 0
    assert batches
    html_parser = tinyhtml5.parse
    for html in batches:
        with monkeypatch.context() as m:
            m.setattr(tinyhtml5, "parse", None)  # expat's path does not reach it
            parsed = notices._parse_batch(html, "file:///")
        assert type(parsed) is notices._notice_html()
        assert tree(parsed.etree_element) == tree(html_parser(html, namespace_html_elements=False))
    monkeypatch.setattr(notices, "_parse_batch", lambda html, base_url: notices._notice_html()(string=html, base_url=base_url))
    assert run_cli("notices", "--today", TODAY, "--out", "tinyhtml5", cwd=project) == 0
    _same_door_pdfs(project / "expat", project / "tinyhtml5")


def test_a_batch_expat_refuses_goes_to_weasyprint_parser() -> None:
    from generator import notices

    for html in ('<!doctype html><html><body><p>a<br>b</p></body></html>', '<html><body><p title="a\nb">x</p></body></html>'):
        parsed = notices._parse_batch(html, "file:///")
        assert [e.tag for e in parsed.etree_element.iter()][:2] == ["html", "head"]  # tinyhtml5 adds the <head>


@pytest.mark.parametrize("sizes", [[], [1], [7], [150], [151], [300, 1, 301], [77] * 24 + [76, 76]])
def test_chunks_cover_every_door_once_and_never_two_communities(sizes: list[int]) -> None:
    """A chunk is one community's doors, or an even part of them: an
    activity edit then changes the chunks of its own community only."""
    from types import SimpleNamespace

    from generator.notices import CHUNK, _spans

    doors: Any = [SimpleNamespace(building=SimpleNamespace(community=f"c{c}")) for c, n in enumerate(sizes) for _ in range(n)]
    spans = _spans(doors)
    assert [i for a, b in spans for i in range(a, b)] == list(range(len(doors)))  # in order, each once
    for community, n in enumerate(sizes):
        mine = [b - a for a, b in spans if doors[a].building.community == f"c{community}"]
        assert sum(mine) == n and len(mine) == -(-n // CHUNK)
        assert max(mine) <= CHUNK and max(mine) - min(mine) <= 1
    assert all(len({doors[i].building.community for i in range(a, b)}) == 1 for a, b in spans)


def test_site_build_without_cjk_font_fails_cleanly(basic_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "fc-list").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    (fake / "fc-list").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert run_cli("build", "--today", TODAY, cwd=basic_project) == 1
    err = capsys.readouterr().err
    assert "fonts-noto-cjk" in err and "Traceback" not in err
    assert not (basic_project / "site").exists()


def test_layout_check_refits_when_the_estimate_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Make the width estimate far too optimistic: WeasyPrint's own layout
    must catch every notice that would be clipped and drop items until none
    is, so the page still shows whole activities above the 另有 N 项 line."""
    from generator import notices

    monkeypatch.setattr(notices, "WIDTH_SAFETY", 2.5)
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=project) == 0
    assert "排版超出一页" in capsys.readouterr().err
    for key in ("busy", "long", "mixed"):
        pdf = project / "out" / key / f"notice-{key}.pdf"
        text = pdf_pages_text(pdf)[0]
        expected = expected_items(key)
        shown = len(soup(project / "out" / key / "index.html").select(".nt-item"))
        assert shown + more_count(text) == len(expected), key
        boxes = word_boxes(pdf)
        header_bottom = max(y1 for word, _, y1 in boxes if "有效期至" in word)
        limit = min(y0 for word, y0, _ in boxes if "另有" in word or "扫码查看本楼最新活动" in word)
        inside = [(w, y1) for w, y0, y1 in boxes if header_bottom < y0 < limit]
        assert inside and all(y1 <= limit for _, y1 in inside), key


def test_site_build_lays_out_notices_while_pages_render(crowded_pages: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site build starts the notice workers when the model is ready
    (on_files) and collects them after the pages (on_post_build): the same
    notices, byte for byte, as laying them out at the end of the build.
    Started early, they are a worker for each core but the one rendering
    the pages."""
    import os

    from generator import notices

    monkeypatch.setattr(notices, "PARALLEL_FROM", 1)
    monkeypatch.setattr(notices, "CHUNK", 3)
    started: list[Path] = []
    real_start, real_inner = notices.start_early, notices._start
    workers: list[int] = []

    def spy(out: object) -> None:
        real_start(out)  # type: ignore[arg-type]
        started.extend(notices._early)

    def inner(*args: Any, **kwargs: Any) -> Any:
        workers.append(kwargs.get("workers", notices.PDF_WORKERS))
        return real_inner(*args, **kwargs)

    monkeypatch.setattr(notices, "start_early", spy)
    monkeypatch.setattr(notices, "_start", inner)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    early = build_project(make_project_at(tmp_path / "early", FIXTURES / "crowded" / "content"))
    assert len(started) == 1 and started[0].parent == tmp_path / "early"  # the build's new folder
    assert workers == [3]  # not PDF_WORKERS
    assert notices._early == {}  # collected, not left running
    monkeypatch.setattr(notices, "start_early", lambda out: None)
    late = build_project(make_project_at(tmp_path / "late", FIXTURES / "crowded" / "content"))
    assert pdf_pages_text(early / "notices" / "all-notices.pdf") == crowded_pages
    files = sorted(p.relative_to(late).as_posix() for p in (late / "notices").rglob("*") if p.is_file())
    assert len(files) > 2 * len(doors_in_place_order())
    for rel in files:
        assert (early / rel).read_bytes() == (late / rel).read_bytes(), rel


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 1), (4, 3)])
def test_notices_laid_out_beside_the_pages_leave_their_core_to_the_pages(cores: int, workers: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from generator import notices

    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert notices.early_workers() == workers


def test_a_worker_lays_a_chunk_out_without_automatic_collection(crowded_site: Path, tmp_path: Path) -> None:
    """In a notice worker the collector does not run while a chunk is laid
    out (it walked WeasyPrint's boxes again and again) and runs once after
    it, so the chunk's garbage does not pile up from chunk to chunk."""
    import gc

    from generator import notices
    from generator.cli import project_of
    from generator.outputs import Output
    from generator.pipeline import load_site

    project = project_of(str(crowded_site.parent / "mkdocs.yml"))
    site, _problems = load_site(project, date.fromisoformat(TODAY))
    first, last = notices.notice_window(site)
    out = Output(site, project, tmp_path, project.root / "theme")
    doors = notices.targets(site)
    renderer = notices._Renderer(notices.NoticeMaker(site, first, last), out.env, out.out_dir.as_uri() + "/", True)
    started: list[tuple[int, bool]] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append((info["generation"], gc.isenabled()))

    gc.enable()
    gc.callbacks.append(callback)
    notices._job = (renderer, doors)
    try:
        _pages, _combined, singles, _missing, _refits = notices._worker_render((0, len(doors)))
    finally:
        gc.callbacks.remove(callback)
        notices._job = None
        gc.enable()
    assert len(singles) == len(doors) > 5
    assert started == [(2, False)]  # the one full collection after the chunk


def _worker_niceness(span: tuple[int, int]) -> int:
    return os.nice(0)


def test_workers_lay_notices_out_at_a_lower_priority(crowded_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # In `build` the pages are the longer part: the process rendering them
    # goes first, the notice workers take what is left (notices.WORKER_NICE).
    from generator import notices
    from generator.cli import project_of
    from generator.outputs import Output
    from generator.pipeline import load_site

    project = project_of(str(crowded_site.parent / "mkdocs.yml"))
    site, _problems = load_site(project, date.fromisoformat(TODAY))
    first, last = notices.notice_window(site)
    monkeypatch.setattr(notices, "PARALLEL_FROM", 1)
    monkeypatch.setattr(notices, "_worker_render", _worker_niceness)
    run = notices._start(Output(site, project, tmp_path, project.root / "theme"), first, last, pdf=True, prefix="notices/")
    try:
        assert run.pool is not None
        assert set(run.results) == {os.nice(0) + notices.WORKER_NICE} and notices.WORKER_NICE > 0
    finally:
        run.pool.shutdown()
        notices._job = None


# --------------------------------------------------------------------------
# An activity for one entrance (audience.entrances)

ENTRANCE_ACTIVITY = """
  - id: lift-hearing
    title: 3栋西单元电梯加装意见征询会
    kind: 宣传
    start: 2026-12-07 19:00
    end: "20:30"
    venue: station
    audience: {entrances: [a-3/2, b-b2/1]}
"""


def test_an_entrance_activity_is_on_its_own_door_only(basic_project: Path) -> None:
    acts = basic_project / "content" / "data" / "activities.yml"
    acts.write_text(acts.read_text(encoding="utf-8").rstrip("\n") + "\n" + ENTRANCE_ACTIVITY.lstrip("\n"), encoding="utf-8")
    site = build_project(basic_project)
    title = "3栋西单元电梯加装意见征询会"

    def door(key: str) -> str:
        return soup(site / "notices" / key / "index.html").get_text()

    # a-3 prints one notice per entrance: 西单元 (2) lists it, 东单元 (1) does not.
    assert title in door("a-3/2")
    assert "甲小区 3 栋 西单元、乙小区 2 号楼 1单元居民" in door("a-3/2")
    assert title not in door("a-3/1")
    # b-b2 prints one notice for the building: it is there, naming the entrance.
    assert title in door("b-b2")
    # Neither on buildings not named.
    assert title not in door("b-b1") and title not in door("a-1")
    # The building pages and calendars of both buildings list it.
    for bid in ("a-3", "b-b2"):
        assert title in soup(site / "buildings" / bid / "index.html").get_text()
        assert title in (site / "calendar" / "buildings" / f"{bid}.ics").read_text(encoding="utf-8")
    assert title not in (site / "calendar" / "buildings" / "a-1.ics").read_text(encoding="utf-8")
    # The PDF of each door says the same as its page.
    assert title in "".join(pdf_pages_text(site / "notices" / "a-3" / "2" / "notice-a-3-2.pdf"))
    assert title not in "".join(pdf_pages_text(site / "notices" / "a-3" / "1" / "notice-a-3-1.pdf"))


NEW_YEAR = """
  - id: nye-party
    title: 跨年联欢会
    kind: 文艺
    start: 2026-12-31 23:00
    end: 2027-01-01 00:30
    venue: school
    audience: all
  - id: nye-watch
    title: 守岁夜谈
    kind: 文艺
    start: 2026-12-31 22:00
    end: 2027-01-01 09:00
    venue: school
    audience: all
  - id: winter-expo
    title: 迎新春科普展
    kind: 展览
    start: 2026-12-30 09:00
    end: 2027-01-03 17:00
    venue: station
    audience: all
  - id: dawn-climb
    title: 元旦登高
    kind: 健身
    start: 2027-01-01 06:00
    end: "07:30"
    venue: station
    audience: all
"""


def test_what_ended_before_the_print_day_began_is_not_listed(basic_project: Path) -> None:
    # A New Year's Eve party (12-31 23:00 to 01-01 00:30) was listed on the
    # notices printed on 1 January, and on the site built that day: over
    # before anyone reads them. Begun on an earlier day and over by 08:00 on
    # the day (queries.DAY_STARTS): not listed, past. Still on after 08:00
    # (守岁夜谈 to 09:00, an exhibition over days), or begun on the day
    # itself (元旦登高 at 06:00): listed.
    acts = basic_project / "content" / "data" / "activities.yml"
    acts.write_text(acts.read_text(encoding="utf-8").rstrip("\n") + "\n" + NEW_YEAR.lstrip("\n"), encoding="utf-8")
    listed, gone = ("守岁夜谈", "迎新春科普展", "元旦登高"), "跨年联欢会"

    def lists(text: str, *, party: bool) -> None:
        assert all(title in text for title in listed), text
        assert (gone in text) == party, text

    # notices --today 2027-01-01: the PDF and the HTML of a door, its digest.
    assert run_cli("notices", "--today", "2027-01-01", "--out", "jan1", cwd=basic_project) == 0
    out = basic_project / "jan1"
    lists(pdf_pages_text(out / "a-1" / "notice-a-1.pdf")[0], party=False)
    lists(soup(out / "a-1" / "index.html").get_text(), party=False)
    # The day before, it is on.
    assert run_cli("notices", "--today", "2026-12-31", "--out", "dec31", cwd=basic_project) == 0
    lists(pdf_pages_text(basic_project / "dec31" / "a-1" / "notice-a-1.pdf")[0], party=True)

    # The site built on 1 January: home (this week, coming), the building
    # page's coming list (the party is in its past list), the digest.
    site = build_project(basic_project, "2027-01-01")
    home = soup(site / "index.html")
    lists(home.find(id="this-week").find_parent("section").get_text(), party=False)
    page = soup(site / "buildings" / "a-1" / "index.html")
    lists(page.find(id="coming").find_parent("section").get_text(), party=False)
    assert gone in page.find(id="past").find_parent("section").get_text()
    lists((site / "digests" / "a-1.txt").read_text(encoding="utf-8"), party=False)
    # The party's own page says it is over, without waiting for the script.
    over = soup(site / "activities" / "nye-party" / "index.html").find(class_="gs-over")
    assert over is not None and not over.has_attr("hidden")


# A tester's report: on the sample content, an entrance's postponed clean-up
# with a long note vanished from its door, and every activity after it,
# under a third of a page left blank. The estimate gave it 68 mm (its title
# beside the 【已延期】 badge counted as two lines), the room left was 60 mm,
# and the list stopped there; WeasyPrint prints it in ~59 mm.
STAIRWELL_NOTE = "因 12 月 5 日有雨，改到 12 月 12 日（周六）上午 9:00 至 11:00 进行，请住户提前把楼道里的纸箱、旧家具搬回家中，电动车一律不得停放在楼道。"
STAIRWELL = """
  - id: 2026-12-05-xc-07b-loudao
    title: 7 号楼 B 单元楼道杂物清理
    kind: 志愿服务
    start: 2026-12-05 09:00
    end: "11:00"
    venue: gy-station
    team: gy-emergency
    audience:
      entrances: [gy-xc-07/b]
    status: postponed
    status_note: {note}
    registration: 无需报名
  - id: 2026-12-05-xc-07c-loudao
    title: 7 号楼 C 单元楼道杂物清理
    kind: 志愿服务
    start: 2026-12-05 09:30
    end: "11:30"
    venue: gy-station
    team: gy-emergency
    audience:
      entrances: [gy-xc-07/c]
    status: postponed
    status_note: {note}
    registration: 无需报名
"""


# The page is filled: what the 另有 N 项 line counts could not have fitted.
# The first activity left out takes at its smallest (every field one line)
# 36.3 mm (养老护理员技能培训班, after the whole note) or 28.7 mm (7 号楼、8 号楼
# 更换应急照明和灭火器, after the cut one, four lines); the gap above the
# line must be smaller than that (it was a third of the page, ~90 mm).
@pytest.mark.parametrize(("note", "more", "next_mm"), [(STAIRWELL_NOTE, 3, 36.3), (STAIRWELL_NOTE * 2, 4, 28.7)], ids=["whole", "cut"])
def test_a_long_postponement_note_keeps_its_item_and_the_page_filled(tmp_path: Path, capsys: pytest.CaptureFixture[str], note: str, more: int, next_mm: float) -> None:
    project = make_project_at(tmp_path / "sample", REPO / "content")
    acts = project / "content" / "data" / "activities.yml"
    acts.write_text(acts.read_text(encoding="utf-8").rstrip("\n") + "\n" + STAIRWELL.format(note=note).lstrip("\n"), encoding="utf-8")
    today = "2026-11-30"
    assert run_cli("check", "--today", today, cwd=project) == 0
    err = capsys.readouterr().err
    warned = re.search(r"2026-12-05-xc-07b-loudao: status_note: 说明太长，楼门公示上只印得下“(.+?…)”", err)
    printed = warned.group(1) if warned else note
    assert (warned is None) == (note == STAIRWELL_NOTE), err
    assert run_cli("notices", "--today", today, "--out", "out", cwd=project) == 0
    pdf = project / "out" / "gy-xc-07" / "b" / "notice-gy-xc-07-b.pdf"
    text = pdf_pages_text(pdf)[0]
    # The item is there, with its note as check said it would print.
    assert "7号楼B单元楼道杂物清理" in text and "已延期" in text, text
    assert _squash(printed) in text, text
    assert more_count(text) == more, text  # 社区健身舞 (Tue and Thu) is one item with its 日期 line
    words = word_boxes(pdf)
    more_top = min(y0 for w, y0, _ in words if w.startswith("另有"))
    above = max(y1 for _, _, y1 in words if y1 < more_top)
    gap_mm = (more_top - above) * 25.4 / 72  # poppler gives points
    assert gap_mm < next_mm, gap_mm
    # Entrance C has its own clean-up, half an hour later: by the estimate
    # B and C showed the same items (one list, laid out once); each now
    # prints its own, in its PDF and on its page alike.
    for door, own, other in (("b", "7号楼B单元", "7号楼C单元"), ("c", "7号楼C单元", "7号楼B单元")):
        text = pdf_pages_text(project / "out" / "gy-xc-07" / door / f"notice-gy-xc-07-{door}.pdf")[0]
        page = _squash(soup(project / "out" / "gy-xc-07" / door / "index.html").get_text())
        for shown in (text, page):
            assert own + "楼道杂物清理" in shown and other not in shown and f"另有{more_count(text)}项" in shown, (door, shown)
