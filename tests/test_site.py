"""The public site built from the 'basic' fixture: parse the HTML and check
what residents see. Expected values are worked out here from the fixture
data (tests/fixtures/basic/content/data), not by calling the code under test."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import TODAY, build_project, page

# Buildings per estate/community in the fixture.
ESTATE_A = {"a-1", "a-2", "a-3"}
ESTATE_B = {"b-b1", "b-b2"}
EAST = ESTATE_A | ESTATE_B
ALL = EAST | {"c-1"}


def titles_on(site: Path, url: str) -> list[str]:
    doc = page(site, url)
    return [a.get_text(strip=True) for a in doc.select(".gs-item__title a")]


def test_every_building_has_a_page(basic_site: Path) -> None:
    for b in ALL:
        doc = page(basic_site, f"buildings/{b}/")
        assert doc.select_one("h1") is not None


def test_estate_activity_on_its_buildings_only(basic_site: Path) -> None:
    for b in ESTATE_A:
        assert "甲小区消防演练" in titles_on(basic_site, f"buildings/{b}/")
    for b in ALL - ESTATE_A:
        assert "甲小区消防演练" not in titles_on(basic_site, f"buildings/{b}/")


def test_audience_resolution_through_the_tree(basic_site: Path) -> None:
    expected = {
        "东社区义诊": EAST,  # community
        "乙小区1号楼垃圾分类宣传": {"b-b1"},  # one building
        "健步走": ESTATE_B,  # grid east-g2 covers b-b1, b-b2
        "北院燃气检查": {"a-1", "a-2"},  # courtyard
        "科普文艺汇演": ALL,  # audience: all
        "冬季心脑血管保健": ALL,  # two communities
    }
    for title, buildings in expected.items():
        for b in ALL:
            assert (title in titles_on(basic_site, f"buildings/{b}/")) == (b in buildings), (title, b)


def test_cancelled_and_postponed_are_marked(basic_site: Path) -> None:
    doc = page(basic_site, "buildings/b-b1/")
    items = {i.select_one(".gs-item__title a").get_text(strip=True): i for i in doc.select(".gs-item")}
    assert "已取消" in items["健步走"].get_text()
    assert "因寒潮取消" in items["健步走"].get_text()
    assert "已延期" in items["科普文艺汇演"].get_text()
    assert "已取消" not in items["东社区义诊"].get_text()
    act = page(basic_site, "activities/cancelled-walk/")
    assert "已取消" in act.select_one("h1").get_text()


def test_past_activity_not_in_coming(basic_site: Path) -> None:
    assert "往期活动" not in titles_on(basic_site, "activities/")
    assert "往期活动" in titles_on(basic_site, "activities/past/")


def test_footer_has_icp_link(basic_site: Path) -> None:
    for url in ("", "bulletins/", "buildings/a-1/", "activities/east-clinic/", "bulletins/2025-01-first/"):
        doc = page(basic_site, url)
        icp = doc.select_one("a.gs-icp")
        assert icp is not None and icp["href"] == "https://beian.miit.gov.cn/"
        assert icp.get_text(strip=True) == "鄂ICP备0000001号-1"
        assert "42000000000001" in doc.select_one("a.gs-psb")["href"]


def test_bulletin_archive_order_and_numbers(basic_site: Path) -> None:
    doc = page(basic_site, "bulletins/")
    issues = [li.select_one(".gs-bulletin__issue").get_text(strip=True) for li in doc.select(".gs-bulletin")]
    assert issues == ["第 3 期", "第 2 期", "第 1 期"]  # newest first; the draft (4) is absent
    years = [h.get_text(strip=True) for h in doc.select(".gs-year h3")]
    assert years == ["2026 年", "2025 年"]
    assert not (basic_site / "bulletins" / "2026-04-draft").exists()


def test_bulletin_page(basic_site: Path) -> None:
    doc = page(basic_site, "bulletins/2025-01-first/")
    assert "第 1 期" in doc.select_one(".gs-article__issue").get_text()
    crumb = doc.select_one(".gs-breadcrumb").get_text(" ", strip=True)
    assert "当前位置" in crumb and "新闻栏目" in crumb and "科协动态" in crumb
    note = doc.select_one(".gs-editor-note")
    assert note is not None and "这是编者按" in note.get_text()
    assert "这是编者按" not in doc.select_one(".gs-article__body").get_text()
    assert "2025年12月20日" in doc.select_one(".gs-article__meta").get_text()


def test_column_pages(basic_site: Path) -> None:
    doc = page(basic_site, "bulletins/columns/notice/")
    assert [a.get_text(strip=True) for a in doc.select(".gs-bulletin a")] == ["第二期简报"]


def test_lectures_show_speaker(basic_site: Path) -> None:
    doc = page(basic_site, "lectures/")
    text = doc.get_text(" ", strip=True)
    assert "李明" in text and "测试市中心医院" in text
    assert "王强" in text  # past lecture listed as past


def test_recurring_occurrences_on_building_page(basic_site: Path) -> None:
    doc = page(basic_site, "buildings/b-b2/")
    dance = [i for i in doc.select(".gs-item") if i.select_one(".gs-item__title a").get_text(strip=True) == "健身舞"]
    whens = [i.select_one("time")["datetime"][:10] for i in dance]
    # Tue/Thu from 12-01 to 12-31, minus the skipped 12-24, 12-10 moved to 12-12.
    expected = ["2026-12-01", "2026-12-03", "2026-12-08", "2026-12-12", "2026-12-15", "2026-12-17", "2026-12-22", "2026-12-29", "2026-12-31"]
    assert sorted(whens) == expected
    cancelled = [i for i in dance if "已取消" in i.get_text()]
    assert [i.select_one("time")["datetime"][:10] for i in cancelled] == ["2026-12-15"]


def test_html_lang_and_no_google_fonts(basic_site: Path) -> None:
    html = (basic_site / "index.html").read_text(encoding="utf-8")
    assert 'lang="zh"' in html or 'lang="zh-CN"' in html
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html


def test_links_to_articles_in_data_fields_open_the_articles(make_project) -> None:  # type: ignore[no-untyped-def]
    # An activity's description is Markdown rendered once for every page
    # that shows it: a link to a .md file becomes the article's URL from the
    # site's root path (here a sub-folder of the host), whatever the depth.
    from urllib.parse import unquote, urlsplit

    from conftest import build_project

    project = make_project("basic")
    activities = project / "content" / "data" / "activities.yml"
    text = activities.read_text(encoding="utf-8")
    text = text.replace("description: 请带好毛巾。", "description: 见[第二期](../bulletins/2026-02-second.md#top)、[讲座](../activities/heart-talk.md)、[外站](https://example.com/a.md)。", 1)
    activities.write_text(text, encoding="utf-8")
    site_yml = project / "content" / "data" / "site.yml"
    site_yml.write_text(site_yml.read_text(encoding="utf-8").replace("url: https://test.example.cn/", "url: https://test.example.cn/kepu/"), encoding="utf-8")
    bulletin = project / "content" / "bulletins" / "2025-01-first.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8").replace("editor_note: 这是编者按。", "editor_note: 见[下期](2026-02-second.md)。"), encoding="utf-8")
    site = build_project(project)
    note = page(site, "bulletins/2025-01-first/").find("a", string="下期")
    assert note is not None and note["href"] == "/kepu/bulletins/2026-02-second/"
    links = {a.get_text(): a["href"] for a in page(site, "activities/estate-a-drill/").select(".gs-description a")}
    assert links == {"第二期": "/kepu/bulletins/2026-02-second/#top", "讲座": "/kepu/activities/heart-talk/", "外站": "https://example.com/a.md"}
    for name in ("第二期", "讲座"):
        path = unquote(urlsplit(links[name]).path).removeprefix("/kepu/")
        assert (site / path / "index.html").is_file(), path


def test_unicode_heading_anchors(make_project) -> None:  # type: ignore[no-untyped-def]
    from conftest import build_project

    project = make_project("basic")
    (project / "content" / "about.md").write_text("# 关于\n\n## 一、社区科普大讲坛\n\n正文\n", encoding="utf-8")
    site = build_project(project)
    doc = page(site, "about/")
    assert doc.find(id="一社区科普大讲坛") is not None


def test_lecture_without_speaker_prints_no_empty_brackets(make_project) -> None:  # type: ignore[no-untyped-def]
    from conftest import build_project

    project = make_project("basic")
    lectures = project / "content" / "data" / "lectures.yml"
    text = lectures.read_text(encoding="utf-8")
    text = text.replace("    speaker: 李明\n    affiliation: 测试市中心医院\n", "")
    lectures.write_text(text, encoding="utf-8")
    site = build_project(project)
    for url in ("", "activities/heart-talk/", "buildings/a-1/", "lectures/", "notices/a-1/"):
        html = page(site, url).get_text()
        assert "（）" not in html and "主讲人：（" not in html, url
    assert "（）" not in (site / "calendar" / "activities" / "heart-talk.ics").read_text(encoding="utf-8")


def test_phone_links_dial_digits_only(basic_site: Path) -> None:
    # site.yml: "027-1111 2222"; places.yml grid worker: "138 0000 0001".
    doc = page(basic_site, "buildings/a-1/")
    hrefs = {a["href"] for a in doc.select('a[href^="tel:"]')}
    assert {"tel:02711112222", "tel:13800000001"} <= hrefs


CODE_BULLETIN = """---
title: 排版检查
issue: 9
date: 2026-11-02
column: news
---

一段文字，
接着一行。

    缩进的代码块
        第二行多缩进四格

<pre>  预先排版的文字
      保留空格</pre>
"""


def test_pages_carry_no_template_indentation_but_keep_preformatted_text(make_project, tmp_path: Path) -> None:
    # Indentation is ~20 % of a page's bytes; it is dropped from every page,
    # except inside <pre>, <textarea> and <script>, whose text is exact.
    from conftest import build_project

    project = make_project("basic")
    (project / "content" / "bulletins" / "2026-11-code.md").write_text(CODE_BULLETIN, encoding="utf-8")
    site = build_project(project)
    html = (site / "bulletins" / "2026-11-code" / "index.html").read_text(encoding="utf-8")
    pres = [p.get_text() for p in page(site, "bulletins/2026-11-code/").select("pre")]
    assert "缩进的代码块\n    第二行多缩进四格\n" in pres
    assert "  预先排版的文字\n      保留空格" in pres
    for path in [site / "index.html", site / "buildings" / "a-1" / "index.html"]:
        text = path.read_text(encoding="utf-8")
        outside = "".join(re.split(r"<(pre|script|textarea)\b.*?</\1>", text, flags=re.S)[::2])
        assert not re.search(r"\n[ \t]+", outside), path
    # the text residents read is the same: a newline where there were spaces
    assert "一段文字，\n接着一行。" in html


FAR_ACTIVITY = """
  - id: far-summer
    title: 夏季防溺水讲解
    kind: 宣传
    start: 2027-06-20 09:00
    end: 10:00
    venue: station
    audience: all
"""


def test_building_page_lists_two_months_and_counts_the_rest(make_project) -> None:
    # A building page lists what starts within 61 days of today; later
    # occurrences are counted in one line linking to the calendar, and stay
    # on 活动日历 and in all.ics (the building's feed reaches 92 days ahead).
    from conftest import TODAY, build_project

    project = make_project("basic")
    acts = project / "content" / "data" / "activities.yml"
    acts.write_text(acts.read_text(encoding="utf-8").rstrip("\n") + "\n" + FAR_ACTIVITY, encoding="utf-8")
    site = build_project(project)
    doc = page(site, "buildings/a-1/")
    coming = doc.select_one("#coming").parent
    assert "夏季防溺水讲解" not in coming.get_text()
    assert "东社区义诊" in coming.get_text()  # 2026-12-05, within the window
    more = coming.select_one(".gs-more")
    assert more is not None and "两个月以后还有 1 项活动" in more.get_text()
    assert more.a["href"].endswith("activities/")
    assert "夏季防溺水讲解" in page(site, "activities/").get_text()
    assert "夏季防溺水讲解" in (site / "calendar" / "all.ics").read_text(encoding="utf-8")
    assert "夏季防溺水讲解" not in (site / "calendar" / "buildings" / "a-1.ics").read_text(encoding="utf-8")
    assert TODAY < "2027-03-20"  # the far activity is beyond 92 days of the fixture's today


def test_material_page_config_is_compact_utf8_json(basic_site: Path) -> None:
    # Material reads its page configuration from <script id="__config">; ours
    # writes it compact with Chinese as UTF-8 (~0.6 KB less on every page).
    import json

    from bs4 import BeautifulSoup

    raw = (basic_site / "bulletins" / "index.html").read_text(encoding="utf-8")
    script = BeautifulSoup(raw, "lxml").find("script", id="__config")
    config = json.loads(script.string)
    assert config["base"] == ".."
    assert config["features"] == ["navigation.tabs", "navigation.top", "navigation.footer", "content.tooltips"]
    assert config["translations"]["clipboard.copied"] == "已复制"
    # Material's own search is not mounted (ours is Pagefind's): its strings
    # and worker address would be ~0.4 KB of every page for nothing.
    assert not [key for key in config["translations"] if key.startswith(("search.", "select."))]
    assert "search" not in config
    assert "已复制" in script.string and "\\u" not in script.string and ", " not in script.string


def test_json_script_cannot_close_the_script_element() -> None:
    import json

    from generator.render import json_script

    value = {"t": "</script><!-- & 'x' 已复制"}
    text = str(json_script(value))
    assert "<" not in text and ">" not in text and "&" not in text and "'" not in text
    assert json.loads(text) == value


_RICH = """
## 通知

第一段有注释[^1]，还有一处[^note]。

!!! note "提示"
    请带好身份证。

| 时间 | 地点 |
| --- | --- |
| 9:00 | 活动站 |

<div class="box" markdown>**加粗**的说明</div>

<a id="raw-anchor"></a>

登记
:   到居委会办理

## 通知

[^1]: 第一条注释。
[^note]: 第二条注释。
"""


def test_one_markdown_instance_renders_every_page_as_mkdocs_does(make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Editors' pages are converted by one Markdown instance, reset between
    pages (plugin._OneMarkdown), not one per page as MkDocs makes them. What
    an extension learns of one page (footnotes, heading ids, stashed HTML)
    must not reach the next: every page is the same bytes as with MkDocs'
    own Page.render."""
    from generator import plugin

    project = make_project("basic")
    for name in ("2025-01-first.md", "2026-02-second.md", "2026-03-third.md"):
        path = project / "content" / "bulletins" / name
        path.write_text(path.read_text(encoding="utf-8") + _RICH, encoding="utf-8")
    calls = []
    render = plugin._OneMarkdown.render
    monkeypatch.setattr(plugin._OneMarkdown, "render", lambda self, *a: (calls.append(a[0]), render(self, *a))[1])
    site = build_project(project, TODAY, "--no-cache")
    assert len(calls) >= 3
    ours = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}
    third = ours["bulletins/2026-03-third/index.html"].decode("utf-8")
    # The third page numbers its own footnotes and heading ids afresh.
    assert third.count('id="fn:1"') == 1 and third.count('id="fn:note"') == 1 and "第一条注释" in third
    assert 'id="通知"' in third and 'id="通知_1"' in third and 'id="通知_2"' not in third
    monkeypatch.setattr(plugin._OneMarkdown, "for_config", classmethod(lambda cls, config: None))
    calls.clear()
    shutil.rmtree(site)
    site = build_project(project, TODAY, "--no-cache")
    assert calls == []
    theirs = {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}
    assert ours.keys() == theirs.keys() and [k for k in ours if ours[k] != theirs[k]] == []


def test_one_markdown_instance_only_with_python_markdowns_own_extensions() -> None:
    from generator.plugin import _OneMarkdown

    ours = {"markdown_extensions": ["toc", "markdown.extensions.tables", "footnotes"], "mdx_configs": {}}
    assert _OneMarkdown.for_config(ours) is not None  # type: ignore[arg-type]
    # Another extension may keep state that reset() does not clear.
    other = {"markdown_extensions": ["toc", "pymdownx.snippets"], "mdx_configs": {}}
    assert _OneMarkdown.for_config(other) is None  # type: ignore[arg-type]


def test_pages_say_which_day_they_are_for_and_past_activities_say_so(basic_site: Path) -> None:
    # A site not rebuilt for a week showed its "近七天" list and past
    # activities as coming, with no date to tell.
    for url in ("", "buildings/a-1/"):
        asof = page(basic_site, url).select_one(".gs-asof")
        assert asof is not None and asof.get_text() == "以上活动信息更新于 2026年11月29日", url
    old = page(basic_site, "activities/old-talk/").select_one(".gs-over")
    assert old is not None and not old.has_attr("hidden")
    assert old.get_text() == "本活动已于 2026年11月1日 10:00 结束。" and old["data-gs-over"] == "2026-11-01T10:00:00+08:00"
    # A coming one carries its end for the page to check itself (gongshi-reader.js).
    coming = page(basic_site, "activities/east-clinic/").select_one(".gs-over")
    assert coming is not None and coming.has_attr("hidden") and coming["data-gs-over"] == "2026-12-05T11:30:00+08:00"
    # A recurring activity's dates are listed as coming and past instead.
    assert page(basic_site, "activities/dance/").select_one(".gs-over") is None


def test_the_search_link_to_past_activities_works_on_every_kind_of_page(basic_site: Path) -> None:
    # On 404.html (base_url "/") the link was "//activities/past/": the
    # browser took "activities" for a host name (the residents' tester).
    from urllib.parse import urljoin

    from bs4 import BeautifulSoup

    for rel in ("404.html", "index.html", "bulletins/index.html", "activities/past/index.html", "buildings/a-1/index.html"):
        doc = BeautifulSoup((basic_site / rel).read_text(encoding="utf-8"), "lxml")
        href = doc.select_one("[data-gs-search-past] a")["href"]
        url = urljoin("https://kepu.example.cn/" + rel, href)
        assert url.startswith("https://kepu.example.cn/"), (rel, href)
        target = url.removeprefix("https://kepu.example.cn/")
        assert (basic_site / target / "index.html").is_file() and target == "activities/past/", (rel, href)


def test_the_logo_is_decoration_in_a_link_named_in_chinese(basic_site: Path) -> None:
    # Material writes alt="logo": a screen reader said "logo" in English on
    # every page (the residents' tester). The link is named by the site's name.
    for url in ("", "bulletins/", "buildings/a-1/"):
        doc = page(basic_site, url)
        logos = doc.select("a.md-logo")
        assert logos, url
        for link in logos:
            assert link["aria-label"] == "测试公示"
            assert [img["alt"] for img in link.find_all("img")] == [""]
        assert not [img for img in doc.find_all("img") if img.get("alt", "").lower() == "logo"]


def test_a_date_and_a_time_range_are_never_split_across_lines(basic_site: Path) -> None:
    # 长辈模式 on a phone broke "（周/六）" and "19:00–/20:30" (the residents'
    # tester): each is one unbreakable piece; a range over days may wrap.
    items = page(basic_site, "buildings/b-b1/").select(".gs-item__when time")
    pieces = [[span.get_text() for span in item.select(".gs-nw")] for item in items]
    assert ["（周六）", "08:30–11:30"] in pieces, pieces
    assert all(len(p) >= 1 and p[0].startswith("（周") for p in pieces)
