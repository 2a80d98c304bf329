"""Hostile and messy input: what editors paste from Word, WeChat and old sites.

Fast refusals (bombs, huge files, deep nesting, wrong encodings) are checked
with ``check``; what must survive into the published site (BOM + CRLF, raw
HTML with scripts, markup characters in every name, very long titles) is
built once into a 'hostile' copy of the basic fixture and the output parsed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES, REPO, TODAY, make_project_at, page, run_cli

# Characters that break HTML, XML and attributes if a template forgets to escape.
MARKUP = "<b>粗</b>&\"引'号"
LONG_WORD = "https://example.cn/" + "a" * 160  # no break opportunity at all
LONG_TITLE = "乙小区1号楼垃圾分类宣传" + "，请大家准时参加并带好身份证件" * 12 + LONG_WORD
SCRIPTS = (
    '<p onclick="steal()">点我</p>\r\n\r\n'
    '<script>alert("x")</script>\r\n\r\n'
    '<a href="javascript:alert(1)">坏链接</a>\r\n\r\n'
    "<img src=\"x.png\" onerror=\"alert(2)\" alt=\"图\">\r\n"
)
# Pasted markup that stays within the allow-list's tags but takes over the
# page: a cell styled as a full-page overlay with an outside image, the
# theme's ids and classes; next to what a Word table, a Markdown table,
# headings, footnotes and admonitions legitimately need.
TAKEOVER = r"""---
title: 第五期简报
issue: 5
date: 2026-11-20
column: notice
---

<table><tr><td style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:#fff url(https://evil.example/t.png);z-index:99999">本站已停止服务，请扫码加群</td></tr></table>

<table class="MsoTableGrid" border="1" style="border-collapse:collapse;mso-border-alt:solid windowtext .5pt">
<tr><td width="138" valign="top" style="width:103.7pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt;vertical-align:top">时间</td>
<td colspan="2" style="width:207.4pt;border:solid windowtext 1.0pt;text-align:center;white-space:nowrap;mso-yfti-firstrow:yes">地点</td></tr>
</table>

| 项目 | 人数 |
|:----:|-----:|
| 义诊 | 30 |

<span id="__config">注意</span> <span class="md-header gs-article nt-sheet 重点">假页眉</span>

<label for="__drawer">菜单</label> <a name="__md_scope">锚</a>

另起一段
{: #__search .md-typeset .lead }

## 报名方式

正文。

## \_\_init\_\_ 说明

有脚注[^1]。

!!! note "提示"
    提示内容

[^1]: 脚注内容
"""


def check(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], float]:
    started = time.monotonic()
    rc = run_cli("check", "--today", TODAY, cwd=project)
    return rc, capsys.readouterr().err.splitlines(), time.monotonic() - started


# ---------------------------------------------------------------------------
# refused quickly, with a message


def test_alias_bomb_is_refused_quickly(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 12):  # 10**12 values if expanded
        levels.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    (project / "content/data/teams.yml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    rc, lines, seconds = check(project, capsys)
    assert rc == 1 and seconds < 5
    assert lines[0].startswith("content/data/teams.yml: YAML 别名（*）展开后超过 ")


def test_huge_file_is_refused_before_reading(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    with open(project / "content/data/activities.yml", "ab") as fh:
        fh.truncate(200 * 1024 * 1024)  # 200 MB (sparse: costs no disk)
    rc, lines, seconds = check(project, capsys)
    assert rc == 1 and seconds < 5
    assert lines[0].startswith("content/data/activities.yml: 文件过大（204800 KB")


def test_deep_nesting_is_refused(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    text = "teams: " + "[" * 5000 + "]" * 5000 + "\n"
    (project / "content/data/teams.yml").write_text(text, encoding="utf-8")
    rc, lines, seconds = check(project, capsys)
    assert rc == 1 and seconds < 5
    col = text.index("[") + 1
    assert lines[0] == f"content/data/teams.yml:1:{col}: YAML 嵌套超过 50 层（方括号或缩进层层套叠） — 请检查括号是否成对、缩进是否正确"
    # Nesting by list markers is refused the same way.
    (project / "content/data/teams.yml").write_text("teams:\n" + "- " * 3000 + "x\n", encoding="utf-8")
    rc, lines, seconds = check(project, capsys)
    assert rc == 1 and seconds < 5
    assert lines[0] == "content/data/teams.yml:2:1: YAML 嵌套超过 50 层（方括号或缩进层层套叠） — 请检查括号是否成对、缩进是否正确"


def test_gb18030_file_is_named_and_the_printed_command_fixes_it(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    rel = "content/data/venues.yml"
    original = (project / rel).read_bytes()
    (project / rel).write_bytes(original.decode("utf-8").encode("gb18030"))
    rc, lines, _ = check(project, capsys)
    assert rc == 1
    message = next(line for line in lines if line.startswith(rel))
    assert "看起来是 GBK/GB18030" in message
    command = message.split("请另存为 UTF-8，或运行：", 1)[1]
    subprocess.run(["sh", "-c", command], cwd=project, check=True, timeout=30)
    assert (project / rel).read_bytes() == original
    rc, lines, _ = check(project, capsys)
    assert rc == 0, lines


def test_the_printed_iconv_command_is_quoted_for_the_shell(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    name = "content/bulletins/it's $(touch PWNED) 简报.md"
    original = (project / "content/bulletins/2025-01-first.md").read_text(encoding="utf-8")
    (project / name).write_bytes(original.encode("gb18030"))
    rc, lines, _ = check(project, capsys)
    message = next(line for line in lines if line.startswith(name))
    subprocess.run(["sh", "-c", message.split("请另存为 UTF-8，或运行：", 1)[1]], cwd=project, check=True, timeout=30)
    assert not (project / "PWNED").exists()
    assert (project / name).read_text(encoding="utf-8") == original


@pytest.mark.parametrize(("encoding", "bom"), [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""), ("utf-16-be", b"")])
def test_utf16_file_is_named_and_the_printed_command_fixes_it(make_project, capsys: pytest.CaptureFixture[str], encoding: str, bom: bytes) -> None:  # type: ignore[no-untyped-def]
    # Windows Notepad's "Unicode": was "not valid UTF-8" at a meaningless
    # place, or without a mark "garbled: control character" (every other byte NUL).
    project = make_project("basic")
    name = "content/bulletins/it's $(touch PWNED) 简报.md"
    original = (project / "content/bulletins/2025-01-first.md").read_text(encoding="utf-8")
    (project / name).write_bytes(bom + original.replace("\n", "\r\n").encode(encoding))
    rc, lines, _ = check(project, capsys)
    assert rc == 1
    message = next(line for line in lines if line.startswith(name))
    assert message.startswith(f"{name}: 文件是 UTF-16 编码（Windows 记事本另存为“Unicode”时的编码），不是 UTF-8 — 请另存为 UTF-8，或运行：iconv -f UTF-16")
    subprocess.run(["sh", "-c", message.split("请另存为 UTF-8，或运行：", 1)[1]], cwd=project, check=True, timeout=30)
    assert not (project / "PWNED").exists()
    assert (project / name).read_bytes().decode("utf-8").replace("\r\n", "\n") == original
    # Converted, it is the bulletin it was (under a name that can be a URL).
    (project / name).replace(project / "content/bulletins/2025-01-first.md")
    rc, lines, _ = check(project, capsys)
    assert rc == 0, lines


def test_a_list_nested_hundreds_deep_fails_the_build_with_its_file(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    path = project / "content/bulletins/2025-01-first.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + "\n".join("    " * i + "- 层" for i in range(500)) + "\n", encoding="utf-8")
    assert run_cli("build", "--today", TODAY, cwd=project) == 1
    err = capsys.readouterr().err
    assert "bulletins/2025-01-first.md: 正文的列表或引用嵌套太深（几百层），无法排版 — 请检查缩进，减少嵌套层数" in err
    assert "Traceback" not in err and "RecursionError" not in err


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("issue", "20261125", "“20261125”太大 — 请改为不大于 99999 的整数"),  # a date in the issue field: 2.7 GB before
    ("issue", "99999999999999999999999", "太大 — 请改为不大于 99999 的整数"),  # killed for want of memory before
    ("date", "2206-01-05", "“2206-01-05”的年份 2206 不合理，请检查是否输错"),  # broke sitemap.xml.gz's 32-bit stamp
])
def test_an_implausible_number_is_refused_quickly(make_project, capsys: pytest.CaptureFixture[str], field: str, typed: str, message: str) -> None:  # type: ignore[no-untyped-def]
    import re

    project = make_project("basic")
    path = project / "content/bulletins/2025-01-first.md"
    path.write_text(re.sub(rf"(?m)^{field}: .*$", f"{field}: {typed}", path.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    rc, lines, seconds = check(project, capsys)
    assert rc == 1 and seconds < 10
    assert any(f"{field}: " in line and message in line for line in lines), lines


def test_binary_file_is_not_text(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    data = bytes(range(256)) * 4
    (project / "content/bulletins/2026-02-second.md").write_bytes(data)
    first_bad = 128  # 0x80 cannot start a UTF-8 character
    line = data[:first_bad].count(b"\n") + 1
    col = first_bad - data[:first_bad].rfind(b"\n")
    rc, lines, _ = check(project, capsys)
    assert rc == 1
    assert f"content/bulletins/2026-02-second.md:{line}:{col}: 文件不是有效的 UTF-8 文本（可能是二进制文件或编码错误） — 请用编辑器以 UTF-8 编码重新保存该文件" in lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("只是一段文字\n", "content/data/places.yml:1:1: places.yml 的最外层应为“字段: 值”的组合 — 请参照数据格式说明（docs/data-formats.md）中的示例"),
        ("", "content/data/places.yml:1:1: places.yml 是空的（没有任何数据） — 请从备份或版本记录中恢复这个文件，或参照数据格式说明（docs/data-formats.md）中的示例重新填写"),
        ("# 只有注释\n\n", "content/data/places.yml:1:1: places.yml 是空的（没有任何数据） — 请从备份或版本记录中恢复这个文件，或参照数据格式说明（docs/data-formats.md）中的示例重新填写"),
        ("district: 测试区\ncommunities: []\n", "content/data/places.yml:1:11: places: district: 应为“字段: 值”的组合 — 请在下一行缩进两个空格，逐项写出"),
    ],
)
def test_yaml_of_the_wrong_shape(make_project, capsys: pytest.CaptureFixture[str], text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    (project / "content/data/places.yml").write_text(text, encoding="utf-8")
    rc, lines, _ = check(project, capsys)
    assert rc == 1 and expected in lines, lines


def test_ids_that_collide_after_slugging(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    # "2026-02-Second.md" would publish to the same URL as "2026-02-second.md"
    # on a case-insensitive disk or server: upper case is refused outright.
    src = project / "content/bulletins/2026-02-second.md"
    (project / "content/bulletins/2026-02-Second.md").write_text(src.read_text(encoding="utf-8").replace("issue: 2", "issue: 5"), encoding="utf-8")
    rc, lines, _ = check(project, capsys)
    assert rc == 1
    assert lines[0].startswith("content/bulletins/2026-02-Second.md:1:1: 2026-02-Second: 文件名“2026-02-Second”不能用作网址 — 请把文件改名为 2026-02-second.md")


# ---------------------------------------------------------------------------
# survives into the site, safely


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    project = make_project_at(tmp_path_factory.mktemp("hostile") / "p", FIXTURES / "basic" / "content")
    data = project / "content/data"

    def sub(rel: str, old: str, new: str) -> None:
        path = project / "content" / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    quoted = '"' + MARKUP.replace("\\", "\\\\").replace('"', '\\"') + '"'
    sub("data/activities.yml", "title: 甲小区消防演练", f"title: {quoted}")
    sub("data/activities.yml", "title: 乙小区1号楼垃圾分类宣传", f'title: "{LONG_TITLE}"')
    sub("data/activities.yml", "    audience: {buildings: [b-b1]}", "    audience: {buildings: [b-b1]}\n    description: |\n      " + ("很长的说明文字，" * 80) + LONG_WORD)
    sub("data/venues.yml", "name: 东社区科普活动站", f"name: {quoted}")
    sub("data/teams.yml", "name: 防灾减灾应急队", f"name: {quoted}")
    sub("data/site.yml", "    name: 科协动态", f"    name: {quoted}")
    sub("data/lectures.yml", "    name: 社区科普大讲坛", f"    name: {quoted}")
    sub("data/places.yml", "name: 甲小区", f"name: {quoted}")
    sub("data/site.yml", "  name: 测试市科协", f"  name: {quoted}")  # printed in every page's footer
    sub("data/site.yml", "  address: 测试路 1 号", f"  address: {quoted}")
    sub("data/places.yml", "role: 第一网格网格员", f"role: {quoted}")
    sub("bulletins/2025-01-first.md", "title: 第一期简报", f"title: {quoted}")
    # A bulletin saved by Windows Notepad (BOM, CRLF) with pasted scripts.
    bom = project / "content/bulletins/2026-02-second.md"
    text = bom.read_text(encoding="utf-8").replace("\n", "\r\n") + "\r\n" + SCRIPTS
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    # Editors' own pages: a title in the front matter (with a template the
    # theme must not take from it), and one from an unclosed tag in the heading.
    (project / "content/about.md").write_text(f"---\ntitle: {quoted}\ntemplate: 404.html\n---\n\n关于本站。\n", encoding="utf-8")
    (project / "content/notes.md").write_text("# 通知 <img src=x onerror=alert(1)\n\n正文。\n", encoding="utf-8")
    (project / "content/bulletins/2026-11-takeover.md").write_text(TAKEOVER, encoding="utf-8")
    assert (data / "site.yml").exists()
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--today", TODAY],
        cwd=project, capture_output=True, text=True, timeout=300, env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    return project / "site", result.stderr


def test_bom_and_crlf_are_accepted_silently(hostile: tuple[Path, str]) -> None:
    site, log = hostile
    doc = page(site, "bulletins/2026-02-second/")
    assert doc.select_one("h1").get_text(strip=True) == "第二期简报"
    raw = (site / "bulletins/2026-02-second/index.html").read_text(encoding="utf-8")
    assert "\ufeff" not in raw and "\r" not in raw
    assert "2026-02-second.md:1:1" not in log


def test_pasted_scripts_are_removed_and_reported(hostile: tuple[Path, str]) -> None:
    site, log = hostile
    doc = page(site, "bulletins/2026-02-second/")
    article = doc.select_one("article") or doc
    assert "点我" in article.get_text() and "坏链接" in article.get_text()
    for tag in article.find_all(True):
        assert not any(name.lower().startswith("on") for name in tag.attrs), tag
    assert not [s for s in article.find_all("script") if "alert" in s.get_text()]
    assert not [a for a in doc.find_all("a") if a.get("href", "").strip().lower().startswith("javascript:")]
    raw = (site / "bulletins/2026-02-second/index.html").read_text(encoding="utf-8")
    assert 'alert("x")' not in raw and "steal()" not in raw
    source = (site.parent / "content/bulletins/2026-02-second.md").read_bytes().decode("utf-8-sig")
    line = source[: source.index("<p onclick")].count("\n") + 1
    expected = (
        f"WARNING -  generator: content/bulletins/2026-02-second.md:{line}:1: 2026-02-second: 正文含有不安全的 HTML（onclick=），发布时已移除"
        " — 请删去 <script>、on… 事件属性和 javascript: 链接"
    )
    assert expected in log.splitlines(), log


def test_pasted_cell_styles_keep_only_alignment(hostile: tuple[Path, str]) -> None:
    site, log = hostile
    body = page(site, "bulletins/2026-11-takeover/").select_one(".gs-article__body")
    assert body is not None
    raw = str(body)
    for bad in ("position", "z-index", "url(", "evil.example", "background", "100vw", "width:", "border", "mso-"):
        assert bad not in raw, bad
    # The overlay's text is still published, as an ordinary cell.
    assert "本站已停止服务，请扫码加群" in body.get_text()
    # The Word table keeps its structure and alignment; the Markdown table
    # its columns' alignment (the tables extension writes it as a style).
    cells = {td.get_text(strip=True): td for td in body.find_all(["td", "th"])}
    assert re.sub(r"\s", "", cells["时间"]["style"]) == "vertical-align:top"
    assert re.sub(r"\s", "", cells["地点"]["style"]) == "text-align:center;white-space:nowrap"
    assert cells["地点"]["colspan"] == "2"
    assert re.sub(r"\s", "", cells["项目"]["style"]) == "text-align:center"
    assert re.sub(r"\s", "", cells["30"]["style"]) == "text-align:right"
    assert "2026-11-takeover.md" not in log


def test_pasted_ids_and_classes_cannot_pose_as_the_theme(hostile: tuple[Path, str]) -> None:
    site, _ = hostile
    doc = page(site, "bulletins/2026-11-takeover/")
    body = doc.select_one(".gs-article__body")
    assert body is not None
    for tag in body.find_all(True):
        for name in ("id", "name", "for"):
            assert not str(tag.get(name, "")).startswith("__"), tag
        assert not [c for c in tag.get("class", []) if re.match(r"(md|gs|nt)-", c)], tag
    # Material's configuration is the page's one #__config, and it parses.
    config = doc.select('[id="__config"]')
    assert len(config) == 1 and config[0].name == "script"
    assert json.loads(config[0].get_text())["base"]
    assert len(doc.select('[id="__search"]')) == 1
    # The editor's text and harmless classes stay.
    assert body.find("span", class_="重点").get_text() == "假页眉"
    assert "lead" in body.find("p", string="另起一段")["class"]
    # What the built page relies on: heading anchors (and the table of
    # contents linking to them), footnotes both ways, admonitions.
    assert body.find("h2", id="报名方式") is not None
    assert doc.select_one('a[href="#报名方式"]') is not None
    # A heading whose slug starts with "__" gets an id the sanitiser keeps,
    # and its entry in the table of contents leads to it.
    heading = body.find("h2", string=re.compile("__init__"))
    assert heading is not None and heading.get("id") == "init__-说明", heading
    assert doc.select_one('a[href="#init__-说明"]') is not None
    ref = body.select_one('sup[id="fnref:1"] a.footnote-ref')
    assert ref is not None and ref["href"] == "#fn:1"
    note = body.select_one('li[id="fn:1"] a.footnote-backref')
    assert note is not None and note["href"] == "#fnref:1"
    assert body.select_one("div.admonition.note p.admonition-title").get_text(strip=True) == "提示"


def test_every_template_escapes_names(hostile: tuple[Path, str]) -> None:
    site, _ = hostile
    shown_literally = 0
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".xml"):
            continue
        raw = path.read_text(encoding="utf-8")
        assert "<b>粗</b>" not in raw, f"unescaped markup from data in {path.relative_to(site)}"
        if path.suffix == ".html":
            doc = BeautifulSoup(raw, "lxml")
            assert doc.find("b", string="粗") is None, path
            if MARKUP in doc.get_text():
                shown_literally += 1
    # Shown as the editor typed it on the pages that carry those names.
    for url in ("activities/estate-a-drill/", "venues/", "teams/", "bulletins/2025-01-first/", "lectures/", "places/"):
        assert MARKUP in page(site, url).get_text(), url
    assert shown_literally >= 6


def test_editors_own_pages_escape_their_titles(hostile: tuple[Path, str]) -> None:
    # Material prints page.title unescaped: an <img onerror> title ran its script.
    site, log = hostile
    about = page(site, "about/")
    assert about.title is not None and about.title.get_text().startswith(MARKUP)
    assert "关于本站" in about.get_text() and "404" not in about.title.get_text()  # not the 404 template
    assert "content/about.md:3:11: about: template: 页面不能指定 template，已忽略" in log
    notes = page(site, "notes/")
    assert notes.select("[onerror]") == [] and notes.select("img[src=x]") == []
    assert notes.title is not None and "<img src=x onerror=alert(1)" in notes.title.get_text()


@pytest.mark.browser
def test_long_titles_keep_the_layout_on_a_phone(hostile: tuple[Path, str]) -> None:
    from playwright.sync_api import sync_playwright

    site, _ = hostile
    urls = ["", "activities/", "activities/b1-only/", "buildings/b-b1/", "venues/", "bulletins/"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        try:
            ctx = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
            pg = ctx.new_page()
            for url in urls:
                target = site / url / "index.html"
                pg.goto(target.as_uri())
                width = pg.evaluate("document.documentElement.scrollWidth")
                assert width <= 360, f"{url or '/'} is {width}px wide on a 360px phone"
                if url == "activities/b1-only/":
                    h1 = pg.locator("h1").first
                    box = h1.bounding_box()
                    assert box is not None and box["x"] + box["width"] <= 360
        finally:
            browser.close()


def test_pasted_invisible_characters_are_dropped(tmp_path: Path) -> None:
    # WeChat and Word paste zero-width spaces and mid-text byte-order marks:
    # invisible, but "027-​8765 4321" no longer taps to call as a number
    # and "演​练" is not the word 演练 to search. Dropped from bulletins and
    # from data fields (a title, a description); joiners that hold emoji
    # together stay.
    from conftest import FIXTURES, build_project, make_project_at, page

    project = make_project_at(tmp_path / "p", FIXTURES / "basic" / "content")
    bulletin = project / "content" / "bulletins" / "2026-03-third.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + "\n5栋张阿姨：\u200b演\u200b练很有用\ufeff，热线 027-\u200b8765 4321。👨\u200d👩\u200d👧\n", encoding="utf-8")
    data = project / "content" / "data" / "activities.yml"
    text = data.read_text(encoding="utf-8").replace("title: 东社区义诊", "title: 东社区\u200b义\u2060诊", 1).replace("description: 请带好毛巾。", "description: 请带好\u200b毛巾。", 1)
    data.write_text(text, encoding="utf-8")
    site = build_project(project)

    body = page(site, "bulletins/2026-03-third/").get_text()
    assert "演练很有用，热线 027-8765 4321。" in body
    assert "👨\u200d👩\u200d👧" in body
    activity = page(site, "activities/east-clinic/")
    assert activity.h1.get_text(strip=True) == "东社区义诊"
    for path in [*site.rglob("*.html"), *site.rglob("*.xml"), *site.rglob("*.ics"), *site.rglob("*.json")]:
        found = [c for c in ("\u200b", "\u2060", "\ufeff") if c in path.read_text(encoding="utf-8")]
        assert not found, (path, found)
