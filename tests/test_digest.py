"""Plain-text digests per building: the file in the site and the
``build.py digest`` command, compared with lines worked out from the fixture."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import FIXTURES, make_project_at, run_cli
from subs_expect import Occ, buildings_tree, for_building, load, weekday_zh

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 29)


def expected_lines(case: str, building: str, first: date, days: int) -> list[str]:
    last = first + timedelta(days=days - 1)
    venues = {v["id"]: v["name"] for v in load(case, "venues.yml")["venues"]}
    info = buildings_tree(case)[building]
    url = load(case, "site.yml")["site"]["url"]

    def day(d: date, other: date) -> str:
        return f"{d.year}年{d.month}月{d.day}日" if d.year != other.year else f"{d.month}月{d.day}日"

    def lines(o: Occ) -> list[str]:
        badge = {"cancelled": "【已取消】", "postponed": "【已延期】"}.get(o.status, "")
        moved = f"（原定 {o.original.month}月{o.original.day}日）" if o.moved and o.original else ""
        s = o.start
        head = f"{s.month}月{s.day}日 {weekday_zh(s)} {s:%H:%M} {badge}{o.title} @{venues[o.venue]}{moved}"
        return [head, f"　　{o.note}"] if o.status != "scheduled" and o.note else [head]

    occs = for_building(case, building, TZ, first, last)
    return [
        f"【{info['estate_name']} {info['name']}】近期科普活动（{day(first, last)}—{day(last, first)}）",
        *([x for o in occs for x in lines(o)] or ["这段时间暂无活动。"]),
        f"详情：{url}buildings/{building}/",
    ]


def test_b_b1_digest_spelled_out(basic_site: Path) -> None:
    # Hand-checked against tests/fixtures/basic for 2026-11-29 + 14 days.
    # The file starts with a byte-order mark: a server sending text/plain
    # without a charset left Chromium to read it as windows-1252.
    assert (basic_site / "digests/b-b1.txt").read_bytes().startswith(b"\xef\xbb\xbf\xe3\x80\x90")
    assert (basic_site / "digests/b-b1.txt").read_text(encoding="utf-8-sig").splitlines() == [
        "【乙小区 1 号楼】近期科普活动（11月29日—12月12日）",
        "12月1日 周二 19:00 健身舞 @东社区科普活动站",
        "12月3日 周四 19:00 健身舞 @东社区科普活动站",
        "12月4日 周五 19:00 乙小区1号楼垃圾分类宣传 @东社区科普活动站",
        "12月5日 周六 08:30 东社区义诊 @东社区科普活动站",
        "12月6日 周日 07:00 【已取消】健步走 @东社区科普活动站",
        "　　因寒潮取消",
        "12月8日 周二 19:00 健身舞 @东社区科普活动站",
        "12月8日 周二 19:00 【已延期】科普文艺汇演 @科普学校",
        "　　改期至 12 月 20 日",
        "12月12日 周六 14:30 冬季心脑血管保健 @科普学校",
        "12月12日 周六 19:00 健身舞 @东社区科普活动站（原定 12月10日）",
        "详情：https://test.example.cn/buildings/b-b1/",
    ]


@pytest.mark.parametrize("case", ["basic", "subscriptions"])
def test_every_building_digest_file(case: str, basic_site: Path, tmp_path: Path) -> None:
    if case == "basic":
        site = basic_site
    else:
        from conftest import build_project

        site = build_project(make_project_at(tmp_path / "s", FIXTURES / case / "content"))
    days = int(load(case, "site.yml").get("notices", {}).get("days", 14))
    for bid in buildings_tree(case):
        text = (site / "digests" / f"{bid}.txt").read_text(encoding="utf-8-sig")
        assert text.endswith("\n") and "\r" not in text
        assert text.splitlines() == expected_lines(case, bid, TODAY, days), bid
        # No Markdown or HTML left for a chat window.
        assert not any(ch in text for ch in "*#<>`"), bid


def test_digest_command_window_across_new_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project_at(tmp_path / "p", FIXTURES / "subscriptions" / "content")
    rc = run_cli("digest", "--building", "hy-1", "--from", "2026-12-28", "--days", "14", "--today", "2026-11-29", cwd=project)
    assert rc == 0
    out = capsys.readouterr().out
    assert out.splitlines() == expected_lines("subscriptions", "hy-1", date(2026, 12, 28), 14)
    # The moved and the cancelled dance of January are both there, marked.
    assert "1月6日 周三 19:30 社区健身舞 @和园中心广场（原定 1月5日）" in out
    assert "1月7日 周四 19:00 【已取消】社区健身舞 @和园中心广场\n　　广场施工暂停一次\n" in out
    assert out.splitlines()[0] == "【和园 1 栋】近期科普活动（2026年12月28日—2027年1月10日）"


def test_digest_command_defaults_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project_at(tmp_path / "p", FIXTURES / "basic" / "content")
    assert run_cli("digest", "--building", "a-1", "--today", "2026-11-29", cwd=project) == 0
    assert capsys.readouterr().out.splitlines() == expected_lines("basic", "a-1", TODAY, 14)
    assert run_cli("digest", "--building", "c-1", "--today", "2026-11-29", "--days", "3", cwd=project) == 0
    assert capsys.readouterr().out.splitlines() == expected_lines("basic", "c-1", TODAY, 3)
    assert run_cli("digest", "--building", "nope", "--today", "2026-11-29", cwd=project) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "a-1" in err
    with pytest.raises(SystemExit):
        run_cli("digest", "--building", "a-1", "--days", "0", cwd=project)
