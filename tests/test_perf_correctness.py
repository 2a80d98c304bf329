"""The performance work must never change what residents get.

Every build and every ``serve`` rebuild reloads the model from disk.
``serve`` keeps its output folder and renders again only the pages whose
fingerprint changed (generator/incremental.py). These tests prove that
neither can serve a stale page: after each kind of edit editors make (a
bulletin, an activity, its audience, a building, a venue, the site's title,
a template, the stylesheet; a bulletin added, deleted, made a draft; a broken
file and its fix), the output equals a clean build of the edited content,
byte for byte.
Expected titles and names come from the fixture files, read here directly.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES, REPO, TODAY, build_project, make_project_at, page

from generator import preview

BASIC = FIXTURES / "basic" / "content"

# One edit of each kind an editor (or a theme developer) makes between builds.
EDITS = {
    "content/bulletins/2026-03-third.md": ("title: 第三期简报", "title: 第三期简报（修订）"),
    "content/data/activities.yml": ("title: 东社区义诊", "title: 东社区冬季义诊"),
    "content/data/places.yml": ("{id: a-1, name: 1 栋, entrances: 2}", "{id: a-1, name: 1 号楼, entrances: 2}"),
    "theme/gongshi/building.html": ("{% block content %}", "{% block content %}<p class=\"perf-marker\">模板已修改</p>"),
}


def project_with_own_theme(dest: Path) -> Path:
    """A project whose theme is a copy, so the test may edit a template."""
    project = make_project_at(dest, BASIC)
    (project / "theme").unlink()
    shutil.copytree(REPO / "theme", project / "theme")
    return project


def apply_edits(project: Path) -> None:
    for rel, (old, new) in EDITS.items():
        path = project / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{rel}: the edit's anchor text is not unique"
        path.write_text(text.replace(old, new), encoding="utf-8")


def tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def assert_same_tree(got: Path, want: Path) -> None:
    a, b = tree(got), tree(want)
    assert sorted(a) == sorted(b), f"files only in one build: {sorted(set(a) ^ set(b))}"
    differing = [rel for rel in a if a[rel] != b[rel]]
    assert differing == [], f"files differing from a clean build: {differing}"


def test_rebuild_after_edits_equals_clean_build(tmp_path: Path) -> None:
    edited = project_with_own_theme(tmp_path / "edited")
    build_project(edited)
    apply_edits(edited)
    rebuilt = build_project(edited)

    clean = project_with_own_theme(tmp_path / "clean")
    apply_edits(clean)
    assert_same_tree(rebuilt, build_project(clean))

    # The comparison is not vacuous: every edit shows where residents look.
    assert page(rebuilt, "bulletins/2026-03-third/").h1.get_text(strip=True) == "第三期简报（修订）"
    assert "第三期简报（修订）" in page(rebuilt, "bulletins/").get_text()
    assert "1 号楼" in page(rebuilt, "places/").get_text()
    assert page(rebuilt, "buildings/a-1/").select_one(".perf-marker") is not None
    # 东社区义诊 is for the whole community: every building of it lists it, and
    # the activity's own page carries the new title.
    activities = (clean / "content" / "data" / "activities.yml").read_text(encoding="utf-8")
    block = activities.split("title: 东社区冬季义诊", 1)[0].rsplit("- id:", 1)[1]
    activity_id = block.split()[0]
    assert page(rebuilt, f"activities/{activity_id}/").h1.get_text(strip=True).endswith("东社区冬季义诊")
    building_text = page(rebuilt, "buildings/a-1/").get_text()
    assert "东社区冬季义诊" in building_text
    assert "东社区义诊" not in building_text.replace("东社区冬季义诊", "")


# MkDocs' own serve loop, minus the HTTP server and the file watcher: one
# process, one config loader, the plugin instance kept across rebuilds, and
# (like `python build.py serve`) dirty builds into one output folder, which
# the plugin makes incremental. With "clean" each step builds into a fresh
# folder with every page rendered: the reference.
SERVE_LOOP = r"""
import json, os, shutil, sys
sys.path.insert(0, {repo!r})
os.environ["GONGSHI_TODAY"] = {today!r}
from mkdocs.commands.build import build
from mkdocs.config import load_config
project, site_dir, snapshots, mode, steps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
dirty = mode == "dirty"
os.chdir(project)
first = load_config("mkdocs.yml", site_dir=site_dir)
first.plugins.on_startup(command="serve", dirty=dirty)
first.plugins["gongshi"].after.pause = 0  # no editor typing here
for i, step in enumerate(steps):
    for rel, (action, *args) in step.items():
        path = os.path.join(project, rel)
        if action == "replace":
            text = open(path, encoding="utf-8").read()
            assert text.count(args[0]) == 1, (rel, args[0])
            open(path, "w", encoding="utf-8").write(text.replace(args[0], args[1]))
        elif action == "append":
            open(path, "a", encoding="utf-8").write(args[0])
        elif action == "write":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "w", encoding="utf-8").write(args[0])
        elif action == "delete":
            os.remove(path)
    target = site_dir if dirty else os.path.join(snapshots, str(i))
    config = load_config("mkdocs.yml", site_dir=target)
    config.site_url = "http://127.0.0.1:8000/"
    try:
        build(config, serve_url="http://127.0.0.1:8000/", dirty=dirty)
    except Exception as exc:  # as `serve` does: logged, the next save rebuilds
        print("failed " + type(exc).__name__, file=sys.stderr)
    config.plugins["gongshi"].after.wait()
    if dirty:
        shutil.copytree(site_dir, os.path.join(snapshots, str(i)))
    print(json.dumps(config.plugins["gongshi"].plan))
    # The build each Markdown page's Page object was made in: a Page kept
    # from an earlier build keeps its mark.
    born = {{}}
    files = getattr(config.plugins["gongshi"], "files", None) if dirty else None  # set by incremental rebuilds
    for file in files.documentation_pages() if files is not None else ():
        if file.page is not None and file.src_uri.endswith(".md") and file.src_uri not in config.plugins["gongshi"].specs:
            if not hasattr(file.page, "test_born"):
                file.page.test_born = i
            born[file.src_uri] = file.page.test_born
    print("born " + json.dumps(born))
"""


def serve_builds(project: Path, site_dir: Path, snapshots: Path, mode: str, steps: list[dict[str, list[str]]],
                 born: list[dict[str, int]] | None = None) -> list[tuple[int, int]]:
    """Build after each step's edits; snapshot i holds the output of step i.
    Returns the plugin's (pages rendered, pages unchanged) per build; into
    ``born``, for each build, the build each of its editors' Markdown pages'
    Page objects was made in."""
    script = SERVE_LOOP.format(repo=str(REPO), today=TODAY)
    args = [sys.executable, "-c", script, str(project), str(site_dir), str(snapshots), mode, json.dumps(steps)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    if born is not None:
        born += [json.loads(line.removeprefix("born ")) for line in result.stdout.splitlines() if line.startswith("born ")]
    return [tuple(json.loads(line)) for line in result.stdout.splitlines() if line.startswith("[")]


NEW_BULLETIN = """---
title: 第五期简报
issue: 5
date: 2026-11-20
column: notice
---

新的一期，链接到[第二期](2026-02-second.md)。
"""

# A second activity file: the rebuild reuses what unchanged files made
# (pipeline.ModelCache), which must still see an id used in two files.
MORE_ACTIVITIES = """activities:
  - id: extra-talk
    title: 甲小区防诈骗讲座
    kind: 讲座
    start: 2026-12-04 15:00
    end: 16:00
    venue: station
    audience: {estates: [e-a]}
"""

PHOTO = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>\n'

# What editors do between two saves, in order; each step is built and
# compared with a clean build of the same content. Steps marked False leave
# the content broken (the preview shows the error page): not compared.
SERVE_STEPS: list[tuple[str, dict[str, list[str]], bool]] = [
    ("first build", {}, True),
    ("bulletin title", {"content/bulletins/2026-03-third.md": ["replace", "title: 第三期简报", "title: 第三期简报（修订）"]}, True),
    ("bulletin body", {"content/bulletins/2026-03-third.md": ["replace", "较早的一期。", "较早的一期，补充了说明。"]}, True),
    ("activity title", {"content/data/activities.yml": ["replace", "title: 东社区义诊", "title: 东社区冬季义诊"]}, True),
    ("past activity title", {"content/data/activities.yml": ["replace", "title: 往期活动", "title: 往期科普活动"]}, True),
    ("lecture title", {"content/data/lectures.yml": ["replace", "title: 冬季心脑血管保健", "title: 冬季心脑血管健康"]}, True),
    ("activity audience", {"content/data/activities.yml": ["replace", "audience: {buildings: [b-b1]}", "audience: {buildings: [a-1]}"]}, True),
    # to one entrance of a-3, then to the other: the same buildings, other doors
    ("activity for one entrance", {"content/data/activities.yml": ["replace", "audience: {buildings: [a-1]}", "audience: {entrances: [a-3/2]}"]}, True),
    ("activity for another entrance", {"content/data/activities.yml": ["replace", "audience: {entrances: [a-3/2]}", "audience: {entrances: [a-3/1]}"]}, True),
    ("activity for a building again", {"content/data/activities.yml": ["replace", "audience: {entrances: [a-3/1]}", "audience: {buildings: [a-1]}"]}, True),
    ("activity cancelled", {"content/data/activities.yml": ["replace", "    team: emergency\n", "    team: emergency\n    status: cancelled\n    status_note: 因大风取消\n"]}, True),
    ("building renamed", {"content/data/places.yml": ["replace", "{id: a-1, name: 1 栋, entrances: 2}", "{id: a-1, name: 1 号楼, entrances: 2}"]}, True),
    ("venue renamed", {"content/data/venues.yml": ["replace", "name: 东社区科普活动站", "name: 东社区科普活动中心"]}, True),
    ("site title", {"content/data/site.yml": ["replace", "title: 测试公示", "title: 测试公示栏"]}, True),
    ("template", {"theme/gongshi/building.html": ["replace", "{% block content %}", "{% block content %}<p class=\"perf-marker\">模板已修改</p>"]}, True),
    ("stylesheet", {"theme/assets/gongshi.css": ["append", "\n.perf-marker { color: #000; }\n"]}, True),
    ("bulletin added", {"content/bulletins/2026-11-fifth.md": ["write", NEW_BULLETIN]}, True),
    ("bulletin deleted", {"content/bulletins/2025-01-first.md": ["delete"]}, True),
    ("bulletin made a draft", {"content/bulletins/2026-02-second.md": ["replace", "column: ", "draft: true\ncolumn: "]}, True),
    ("broken YAML", {"content/data/activities.yml": ["replace", "title: 健步走", "title: [健步走"]}, False),
    ("fixed YAML", {"content/data/activities.yml": ["replace", "title: [健步走", "title: 健步走"]}, True),
    ("activity file added", {"content/data/activities/more.yml": ["write", MORE_ACTIVITIES]}, True),
    ("its id used twice", {"content/data/activities/more.yml": ["replace", "id: extra-talk", "id: east-clinic"]}, False),
    ("its id fixed", {"content/data/activities/more.yml": ["replace", "id: east-clinic", "id: extra-talk"]}, True),
    ("an unchanged file's id used", {"content/data/activities.yml": ["replace", "id: b1-only", "id: extra-talk"]}, False),
    ("that id fixed", {"content/data/activities.yml": ["replace", "id: extra-talk", "id: b1-only"]}, True),
    ("activity file removed", {"content/data/activities/more.yml": ["delete"]}, True),
    # month and year pages list by date, and link the months or years that have one
    ("activity moved to a new month", {"content/data/activities.yml": ["replace", "start: 2026-12-09 09:00", "start: 2027-01-09 09:00"]}, True),
    ("bulletin moved to a new year", {"content/bulletins/2026-11-fifth.md": ["replace", "date: 2026-11-20", "date: 2027-01-05"]}, True),
    # MkDocs rewrites an image's path only once the image is among its files
    ("image shown before it exists", {"content/bulletins/2026-03-third.md": ["append", "\n![活动照片](photo.svg)\n"]}, True),
    ("image added", {"content/bulletins/photo.svg": ["write", PHOTO]}, True),
    # A build that fails while rendering the pages, after the sitemap and
    # 404.html were written for a page added in the same save; the next
    # save takes both back: the site must be the last good one's again.
    ("bulletin added with a broken template", {
        "content/bulletins/2026-12-sixth.md": ["write", NEW_BULLETIN.replace("第五期", "第六期").replace("issue: 5", "issue: 6")],
        "theme/gongshi/building.html": ["replace", "{% block content %}", "{% block content %}{% if %}"],
    }, False),
    ("both taken back", {
        "content/bulletins/2026-12-sixth.md": ["delete"],
        "theme/gongshi/building.html": ["replace", "{% block content %}{% if %}", "{% block content %}"],
    }, True),
    ("nothing", {}, True),
]


def test_serve_rebuilds_equal_clean_builds(tmp_path: Path) -> None:
    # The serving process builds, the editor saves, it rebuilds only what the
    # fingerprints say changed; after every save the output folder equals a
    # clean build of the same content, byte for byte.
    steps = [edits for _name, edits, _compare in SERVE_STEPS]
    live = project_with_own_theme(tmp_path / "live")
    born: list[dict[str, int]] = []
    plans = serve_builds(live, tmp_path / "served", tmp_path / "live-steps", "dirty", steps, born)
    fresh = project_with_own_theme(tmp_path / "fresh")
    serve_builds(fresh, tmp_path / "unused", tmp_path / "clean-steps", "clean", steps)
    for i, (name, _edits, compare) in enumerate(SERVE_STEPS):
        if compare:
            try:
                assert_same_tree(tmp_path / "live-steps" / str(i), tmp_path / "clean-steps" / str(i))
            except AssertionError as exc:
                raise AssertionError(f"after “{name}”: {exc}") from None

    # The comparisons are not vacuous: the edits show where residents look…
    at = {name: tmp_path / "live-steps" / str(i) for i, (name, _e, _c) in enumerate(SERVE_STEPS)}
    assert page(at["bulletin title"], "bulletins/2026-03-third/").h1.get_text(strip=True) == "第三期简报（修订）"
    assert "第三期简报（修订）" in page(at["bulletin title"], "bulletins/").get_text()
    assert "东社区冬季义诊" in page(at["activity title"], "buildings/a-1/").get_text()
    assert "东社区冬季义诊" in page(at["activity title"], "activities/").get_text()
    assert "往期科普活动" in page(at["past activity title"], "activities/past/").get_text()
    assert "冬季心脑血管健康" in page(at["lecture title"], "lectures/").get_text()
    assert "乙小区1号楼垃圾分类宣传" in page(at["activity audience"], "buildings/a-1/").get_text()
    assert "乙小区1号楼垃圾分类宣传" not in page(at["activity audience"], "buildings/b-b1/").get_text()
    for step, shown, hidden in (("activity for one entrance", "2", "1"), ("activity for another entrance", "1", "2")):
        assert "乙小区1号楼垃圾分类宣传" in page(at[step], f"notices/a-3/{shown}/").get_text(), step
        assert "乙小区1号楼垃圾分类宣传" not in page(at[step], f"notices/a-3/{hidden}/").get_text(), step
        assert "乙小区1号楼垃圾分类宣传" in page(at[step], "buildings/a-3/").get_text(), step
    assert (at["bulletin added"] / "bulletins" / "2026-11-fifth" / "index.html").is_file()
    assert not (at["bulletin deleted"] / "bulletins" / "2025-01-first").exists()
    assert not (at["bulletin made a draft"] / "bulletins" / "2026-02-second").exists()
    assert "甲小区防诈骗讲座" in page(at["activity file added"], "buildings/a-1/").get_text()
    # An id in two files is an error whether or not the first file changed.
    # The preview shows it over every page (preview.error_app); the pages
    # themselves stay those of the last good build.
    before = {"its id used twice": "activity file added", "an unchanged file's id used": "its id fixed"}
    for step, good in before.items():
        shown = BeautifulSoup((at[step] / preview.ERROR_FILE).read_text(encoding="utf-8"), "html.parser").get_text()
        assert "重复" in shown and "more.yml" in shown, step
        assert (at[step] / "index.html").read_bytes() == (at[good] / "index.html").read_bytes(), step
    assert "甲小区防诈骗讲座" not in page(at["activity file removed"], "buildings/a-1/").get_text()
    assert "北院燃气检查" in page(at["activity moved to a new month"], "activities/months/2027-01/").get_text()
    assert "第五期简报" in page(at["bulletin moved to a new year"], "bulletins/years/2027/").get_text()
    assert page(at["image added"], "bulletins/2026-03-third/").find("img", alt="活动照片")["src"] == "../photo.svg"
    # …and the rebuilds were incremental: (pages rendered, pages unchanged).
    names = [name for name, _e, _c in SERVE_STEPS]
    by_name = dict(zip(names, plans, strict=True))
    total = sum(by_name["first build"])
    assert by_name["first build"] == (total, 0)
    assert by_name["nothing"][0] == 0
    assert by_name["bulletin body"] == (1, total - 1)
    # the page, the archive, the home page and the column pages
    assert 3 <= by_name["bulletin title"][0] < 10
    assert by_name["template"] == (total, 0)
    # The error page is shown over the pages, not written on them: the fix
    # renders only what changed since the last good build (nothing here).
    assert by_name["fixed YAML"][0] == 0 and by_name["fixed YAML"][1] > total / 2
    assert 3 <= by_name["activity title"][0] < total / 2
    # An editor's page that did not change keeps its File and Page (the
    # same output either way, as compared above); one that changed, or
    # every one after a template edit, gets new ones.
    step = {name: i for i, name in enumerate(names)}
    third, second, first = "bulletins/2026-03-third.md", "bulletins/2026-02-second.md", "bulletins/2025-01-first.md"
    assert born[step["bulletin body"]][third] == step["bulletin body"]
    assert born[step["bulletin body"]][second] == born[step["bulletin title"]][second] < step["bulletin title"]
    assert born[step["activity title"]][third] == step["bulletin body"]
    assert born[step["activity title"]][first] == 0
    assert set(born[step["template"]].values()) == {step["template"]}
    assert set(born[step["nothing"]].values()) < set(range(step["nothing"]))


def test_every_bulletin_page_carries_its_own_bulletin(basic_site: Path) -> None:
    # Bulletins are found by their source path through an index; each page
    # must show the title and issue written in its own file.
    for path in sorted((BASIC / "bulletins").glob("*.md")):
        front = path.read_text(encoding="utf-8").split("---")[1]
        title = re.search(r"^title: (.+)$", front, re.M).group(1).strip()
        issue = re.search(r"^issue: (\d+)$", front, re.M).group(1)
        target = basic_site / "bulletins" / path.stem / "index.html"
        if re.search(r"^draft: *true", front, re.M):
            assert not target.exists()
            continue
        doc = page(basic_site, f"bulletins/{path.stem}/")
        assert doc.h1.get_text(strip=True) == title
        assert f"第 {issue} 期" in doc.select_one(".gs-article__issue").get_text()


def test_model_crosses_process_boundaries(tmp_path: Path) -> None:
    # Door notices are laid out by worker processes that receive the model
    # pickled. A located YStr (a str subclass whose constructor needs its
    # location) used to slip into Grid.buildings and audience_buildings and
    # made unpickling fail in the workers for every site large enough to use
    # them. The basic fixture lists buildings in a grid and an audience.
    import dataclasses
    import pickle
    from datetime import date

    from generator.pipeline import Project, load_site

    places = (BASIC / "data" / "places.yml").read_text(encoding="utf-8")
    assert "buildings: [b-b1, b-b2]" in places
    project = make_project_at(tmp_path / "p", BASIC)
    site, _ = load_site(Project.at(project), date.fromisoformat(TODAY))

    def plain(value: object) -> bool:
        if isinstance(value, str):
            return type(value) is str
        if dataclasses.is_dataclass(value):
            return all(plain(getattr(value, f.name)) for f in dataclasses.fields(value))
        if isinstance(value, dict):
            return all(plain(k) and plain(v) for k, v in value.items())
        if isinstance(value, (list, tuple, set, frozenset)):
            return all(plain(v) for v in value)
        return True

    assert plain(site.grids) and plain(site.activities)
    assert pickle.loads(pickle.dumps(site)) == site
    assert site.grids["east-g2"].buildings == ("b-b1", "b-b2")


def with_snippets(project: Path) -> Path:
    """The project with pymdownx.snippets on, and 第三期简报 including
    content/snippets/note.md (第一版说明)."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("markdown_extensions:\n", "markdown_extensions:\n  - pymdownx.snippets:\n      base_path: [content/snippets]\n", 1), encoding="utf-8")
    (project / "content" / "snippets").mkdir()
    (project / "content" / "snippets" / "note.md").write_text("第一版说明\n", encoding="utf-8")
    bulletin = project / "content" / "bulletins" / "2026-03-third.md"
    bulletin.write_text(bulletin.read_text(encoding="utf-8") + '\n--8<-- "note.md"\n', encoding="utf-8")
    return project


def test_serve_renders_every_page_when_a_page_includes_files(tmp_path: Path) -> None:
    # A file pymdownx.snippets includes is not in any fingerprint: with such
    # an extension (or another plugin) every save renders every page.
    steps: list[dict[str, list[str]]] = [{}, {"content/snippets/note.md": ["write", "第二版说明\n"]}]
    live = with_snippets(make_project_at(tmp_path / "live", BASIC))
    plans = serve_builds(live, tmp_path / "served", tmp_path / "live-steps", "dirty", steps)
    fresh = with_snippets(make_project_at(tmp_path / "fresh", BASIC))
    serve_builds(fresh, tmp_path / "unused", tmp_path / "clean-steps", "clean", steps)
    assert "第二版说明" in page(tmp_path / "live-steps" / "1", "bulletins/2026-03-third/").get_text()
    assert_same_tree(tmp_path / "live-steps" / "1", tmp_path / "clean-steps" / "1")
    assert plans[1][1] == 0  # nothing left as it was


ABOUT = "# 关于本站\n\n本站由社区居委会维护。\n"


@pytest.mark.parametrize("nav", ["untitled entry", "no nav"])
def test_serve_keeps_the_titles_of_unchanged_pages_in_the_nav(tmp_path: Path, nav: str) -> None:
    # A nav entry without a title (or no nav at all: MkDocs makes one of the
    # pages) takes the page's own title, which MkDocs knows only from reading
    # it. A rebuild reads only what changed, and the tabs and sidebar of every
    # page it renders must still name the unchanged ones: the Page kept from
    # the last build (RebuildPlan.kept_source) remembers its title.
    def project(dest: Path) -> Path:
        made = make_project_at(dest, BASIC)
        (made / "content" / "about.md").write_text(ABOUT, encoding="utf-8")
        config = made / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        assert text.count("  - 关于: about.md\n") == 1
        if nav == "untitled entry":
            text = text.replace("  - 关于: about.md\n", "  - about.md\n")
        else:
            text = re.sub(r"^nav:\n(  - .*\n)+", "", text, flags=re.M)
        config.write_text(text, encoding="utf-8")
        return made

    steps: list[dict[str, list[str]]] = [
        {},
        {"content/bulletins/2026-03-third.md": ["replace", "较早的一期。", "较早的一期，补充了说明。"]},
        {"content/about.md": ["replace", "本站由", "本站现由"]},
        {"content/data/activities.yml": ["replace", "title: 东社区义诊", "title: 东社区冬季义诊"]},
    ]
    live = project(tmp_path / "live")
    plans = serve_builds(live, tmp_path / "served", tmp_path / "live-steps", "dirty", steps)
    serve_builds(project(tmp_path / "fresh"), tmp_path / "unused", tmp_path / "clean-steps", "clean", steps)
    for i in range(len(steps)):
        assert_same_tree(tmp_path / "live-steps" / str(i), tmp_path / "clean-steps" / str(i))
    assert all(rendered < unchanged for rendered, unchanged in plans[1:])  # the rebuilds were incremental
    if nav == "untitled entry":
        tabs = [a.get_text(strip=True) for a in page(tmp_path / "live-steps" / "3", "").select(".md-tabs__link")]
        assert "关于本站" in tabs


def test_invited_lists_made_again_equal_lists_made_from_scratch() -> None:
    """serve makes building → invited activity ids again from the last
    rebuild's answer (pipeline._by_building_again). After random edits —
    moved starts, changed audiences, activities added, removed, or made
    again with the same values (another activity of their file edited) —
    it equals the answer made from scratch, which it fails to do if it
    skips a building that lost or gained an activity, or leaves the order."""
    import random
    from datetime import datetime, timedelta
    from types import SimpleNamespace

    from generator.pipeline import ModelCache, _by_building

    rng = random.Random(7)
    buildings = {f"b{n}": object() for n in range(30)}

    def activity(aid: str, day: int, audience: set[str]) -> SimpleNamespace:
        return SimpleNamespace(id=aid, start=datetime(2026, 12, 1) + timedelta(days=day), audience_buildings=frozenset(audience))

    def in_order(acts: list[SimpleNamespace]) -> list[SimpleNamespace]:
        return sorted(acts, key=lambda a: (a.start, a.id))

    acts = in_order([activity(f"a{n}", rng.randrange(20), set(rng.sample(sorted(buildings), rng.randrange(1, 12)))) for n in range(200)])
    cache = ModelCache()
    assert _by_building(buildings, acts, cache) == _by_building(buildings, acts, None)
    changed_lists = 0
    for _round in range(60):
        acts = list(acts)
        for _edit in range(rng.randrange(1, 4)):
            k = rng.randrange(len(acts))
            a = acts[k]
            kind = rng.choice(["start", "audience", "add", "remove", "remade", "title"])
            if kind == "start":
                acts[k] = activity(a.id, rng.randrange(20), set(a.audience_buildings))
            elif kind == "audience":
                acts[k] = activity(a.id, (a.start - datetime(2026, 12, 1)).days, set(rng.sample(sorted(buildings), rng.randrange(1, 12))))
            elif kind == "add":
                acts.append(activity(f"new{_round}-{_edit}", rng.randrange(20), set(rng.sample(sorted(buildings), 3))))
            elif kind == "remove":
                del acts[k]
            else:  # the same values in a new object
                acts[k] = activity(a.id, (a.start - datetime(2026, 12, 1)).days, set(a.audience_buildings))
        acts = in_order(acts)
        before = cache.by_building[2] if cache.by_building is not None else None
        again = _by_building(buildings, acts, cache)
        assert again == _by_building(buildings, acts, None)
        changed_lists += again != before
    assert changed_lists > 30  # the edits did move activities between lists


def test_a_page_is_left_as_it_was_only_if_the_last_build_left_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # incremental.RebuildPlan: the same fingerprint as in the last good
    # build, and that build's record says the page is on disk. The record,
    # not the file system: no stat call per page.
    import os
    from types import SimpleNamespace

    from generator.incremental import RebuildPlan

    def no_stat(*_args: object, **_kwargs: object) -> bool:
        raise AssertionError("the file system was asked")

    monkeypatch.setattr(os.path, "isfile", no_stat)
    monkeypatch.setattr(os.path, "exists", no_stat)
    plan = RebuildPlan(None, {"a.md": "k1", "b.md": "k2"}, {}, blind=False, on_disk=frozenset({"a/index.html"}))  # type: ignore[arg-type]
    a = SimpleNamespace(src_uri="a.md", dest_uri="a/index.html")
    b = SimpleNamespace(src_uri="b.md", dest_uri="b/index.html")
    assert plan.unchanged(a, "k1")
    assert not plan.unchanged(a, "k2")  # its fingerprint changed
    assert not plan.unchanged(a, None)  # a page rendered every time
    assert not plan.unchanged(b, "k2")  # the same fingerprint, but the last build did not leave it


def test_a_rebuild_reads_each_markdown_page_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The page fingerprints take a Markdown page's bytes from the model's
    # reading of it in the same rebuild (load.FileCache.read), never from
    # an earlier rebuild's: a page edited since must not be left as it was.
    from types import SimpleNamespace

    import generator.incremental as incremental
    from generator.errors import Problems
    from generator.pipeline import LoadCache, Project, load_files

    project_dir = make_project_at(tmp_path / "p", BASIC)
    project = Project(project_dir.resolve(), (project_dir / "content").resolve(), LoadCache())
    bulletins = project.content_dir / "bulletins"
    load_files(project, Problems())
    assert project.files is not None
    on_disk = {p.relative_to(project.content_dir).as_posix(): p.read_bytes() for p in bulletins.glob("*.md")}
    assert project.files.read == on_disk

    # The next rebuild: one page edited, one deleted.
    (bulletins / "2026-03-third.md").write_text((bulletins / "2026-03-third.md").read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    (bulletins / "2025-01-first.md").unlink()
    load_files(project, Problems())
    assert project.files.read == {p.relative_to(project.content_dir).as_posix(): p.read_bytes() for p in bulletins.glob("*.md")}
    assert "bulletins/2025-01-first.md" not in project.files.read

    # The plan reads a page only if the model did not.
    asked: list[str] = []

    def read_source(path: str) -> bytes:
        asked.append(path)
        return b"from disk"

    monkeypatch.setattr(incremental, "_read_source", read_source)
    prints = SimpleNamespace(source=lambda src_uri, data: f"{src_uri}|{data.decode()}")
    plan = incremental.RebuildPlan(prints, {}, {}, blind=False, sources=project.files.read)  # type: ignore[arg-type]
    third = SimpleNamespace(src_uri="bulletins/2026-03-third.md", abs_src_path=str(bulletins / "2026-03-third.md"))
    assert plan.key(third, None) == "bulletins/2026-03-third.md|" + (bulletins / "2026-03-third.md").read_text(encoding="utf-8")
    assert asked == []
    other = SimpleNamespace(src_uri="about.md", abs_src_path="/nowhere/about.md")
    assert plan.key(other, None) == "about.md|from disk"
    assert asked == ["/nowhere/about.md"]


def test_a_rebuild_reads_again_every_file_that_may_have_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # serve skips reading an article or data file whose stat signature
    # (inode, size, mtime, ctime) is what it was when it was read, but only
    # if that file had not changed for load.SETTLED_NS before: a write in
    # the same clock tick as the read keeps its stamps. Every edit below
    # keeps the size and puts the mtime back, as a careless tool might.
    import os
    import time

    import generator.load as load
    from generator.errors import Problems
    from generator.pipeline import LoadCache, Project, load_files

    project_dir = make_project_at(tmp_path / "p", BASIC)
    project = Project(project_dir.resolve(), (project_dir / "content").resolve(), LoadCache())
    files = project.files
    assert files is not None
    page = project.content_dir / "bulletins" / "2026-03-third.md"
    data = project.content_dir / "data" / "site.yml"

    def swap(path: Path, old: str, new: str) -> None:
        assert len(old.encode()) == len(new.encode())
        before = path.stat()
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    def loaded() -> tuple[str, str]:
        """(the page's title, site.yml as read) by a rebuild's loading."""
        articles = load_files(project, Problems()).articles
        return str(next(a for a in articles if a.rel == "bulletins/2026-03-third.md").meta["title"]), files.texts[str(data)][1]

    reads: list[Path] = []
    real_read = load.read_bytes
    monkeypatch.setattr(load, "read_bytes", lambda path, shown: reads.append(path) or real_read(path, shown))

    # Just written (the fixture was copied a moment ago): not trusted.
    title = loaded()[0]
    swap(page, title[:2], "改动")
    assert loaded()[0].startswith("改动")
    assert str(page) not in files.signatures and str(data) not in files.signatures

    # Settled: it is 3 s later by the clock signatures are judged by.
    real_now = time.time_ns
    monkeypatch.setattr(load.time, "time_ns", lambda: real_now() + 3_000_000_000)
    loaded()
    assert str(page) in files.signatures and str(data) in files.signatures
    reads.clear()
    assert loaded()[0].startswith("改动")
    assert page not in reads and data not in reads, "an unchanged settled file was read again"

    # Edits with the same size and the old mtime: the ctime moved.
    time.sleep(0.05)  # past the clock's tick
    swap(page, "改动", "再改")
    swap(data, "测试市科协", "测验市科协")
    title, site_yml = loaded()
    assert title.startswith("再改") and page in reads
    assert "测验市科协" in site_yml and data in reads


def test_lists_of_all_activities_are_made_again_when_the_day_or_order_changes() -> None:
    # serve keeps the fingerprints of the lists made of every activity
    # (upcoming, past, lectures, months) while the activities are the same
    # (Records.activity_lists). Fingerprints carried from rebuild to
    # rebuild must equal those made from scratch when only the day moves
    # (at midnight, upcoming activities become past ones) or only the order
    # of the activities changes.
    import dataclasses
    from datetime import date, timedelta

    from generator.incremental import Fingerprints, Records
    from generator.pages import generated_pages
    from generator.pipeline import Project, load_model

    site, _problems, _articles = load_model(Project(BASIC.parent.resolve(), BASIC.resolve()), date.fromisoformat(TODAY))

    def prints(model: object, records: Records) -> dict[str, str | None]:
        fp = Fingerprints(model, "env", ["index.md"], records)  # type: ignore[arg-type]
        return {spec.src_uri: fp.generated(spec) for spec in generated_pages(model)}  # type: ignore[arg-type]

    carried = Records()
    first = prints(site, carried)
    assert prints(site, carried) == first
    assert carried.activity_lists, "the lists were not kept"

    later = dataclasses.replace(site, today=site.today + timedelta(days=40))
    moved = prints(later, carried)
    assert moved == prints(later, Records())
    assert moved["index.md"] != first["index.md"] and moved["activities/past.md"] != first["activities/past.md"]

    backwards = dataclasses.replace(later, activities=dict(reversed(list(later.activities.items()))))
    assert prints(backwards, carried) == prints(backwards, Records())
    assert prints(backwards, carried)["activities/past.md"] != moved["activities/past.md"]


def test_source_fingerprints_follow_the_set_of_pages_only_where_a_link_may_point() -> None:
    # serve keeps each Markdown page's fingerprint while its inputs are
    # equal (Records.page_print); the set of pages is one of them only for a
    # page that may hold a link (incremental.LINK_SYNTAX). Carried from
    # rebuild to rebuild, across a page added, they must equal those made
    # from scratch, and a page without link syntax is not hashed again.
    from datetime import date

    from generator import incremental
    from generator.incremental import Fingerprints, Records
    from generator.pipeline import Project, load_model

    site, _problems, _articles = load_model(Project(BASIC.parent.resolve(), BASIC.resolve()), date.fromisoformat(TODAY))
    plain = "纯文字，没有链接。".encode()
    linking = "见[上一期](2026-02-second.md)。".encode()
    sources = {"about.md": plain, "notes.md": linking}

    def prints(paths: list[str], records: Records) -> dict[str, str]:
        fp = Fingerprints(site, "env", paths, records)
        return {uri: fp.source(uri, data) for uri, data in sources.items()}

    before = ["index.md", "about.md", "notes.md"]
    after = [*before, "activities/new.md"]
    carried = Records()
    first = prints(before, carried)
    hashed: list[object] = []
    real_digest = incremental.digest

    def counting(*parts: object) -> str:
        hashed.append(parts)
        return real_digest(*parts)

    incremental.digest = counting  # type: ignore[assignment]
    try:
        added = prints(after, carried)
    finally:
        incremental.digest = real_digest  # type: ignore[assignment]
    assert added == prints(after, Records())
    assert added["notes.md"] != first["notes.md"], "a page that may link must follow the set of pages"
    assert added["about.md"] == first["about.md"]
    assert not any("about.md" in parts for parts in hashed), "a page without link syntax was hashed again"


def test_an_activity_edit_reads_that_activity_again_and_keeps_the_others(tmp_path: Path) -> None:
    # serve parses only the edited item of activities.yml again
    # (load._reparse_item) and reads only its activity again
    # (pipeline._read_activities): the others are the last model's own
    # objects, and the model, warnings and errors are a clean load's.
    from datetime import date

    from generator.errors import BuildFailed
    from generator.pipeline import LoadCache, Project, load_model

    project_dir = make_project_at(tmp_path / "p", BASIC)
    served = Project(project_dir.resolve(), (project_dir / "content").resolve(), LoadCache())
    clean = Project(project_dir.resolve(), (project_dir / "content").resolve(), None)
    today = date.fromisoformat(TODAY)
    acts = project_dir / "content" / "data" / "activities.yml"
    # A warning of an item that is kept is reported again.
    text = acts.read_text(encoding="utf-8").replace("  - id: b1-only\n", "  - id: b1-only\n    description: \"\"\n", 1)
    acts.write_text(text, encoding="utf-8")

    def both() -> tuple[object, object]:
        got = []
        for project in (served, clean):
            try:
                site, p, _ = load_model(project, today)
                got.append((site.activities, [str(w) for w in p.warnings]))
            except BuildFailed as exc:
                got.append(("failed", [str(e) for e in exc.errors]))
        return got[0], got[1]

    first, _ = both()
    assert isinstance(first[0], dict) and len(first[0]) > 5
    assert any("活动说明是空的" in w for w in first[1])  # type: ignore[union-attr]
    acts.write_text(text.replace("title: 东社区义诊", "title: 东社区义诊（改）", 1), encoding="utf-8")
    second, want = both()
    assert second == want
    assert second[0]["east-clinic"].title == "东社区义诊（改）"  # type: ignore[index]
    kept = [aid for aid, a in second[0].items() if a is first[0].get(aid)]  # type: ignore[union-attr]
    assert "east-clinic" not in kept and len(kept) >= len(first[0]) - 1, kept
    # One item now claims another's id: the error a clean load reports.
    acts.write_text(text.replace("id: east-clinic", "id: b1-only", 1), encoding="utf-8")
    third, want = both()
    assert third == want and third[0] == "failed" and any("b1-only" in e for e in third[1])
    # And back: every activity again, equal to a clean load's.
    acts.write_text(text, encoding="utf-8")
    fourth, want = both()
    assert fourth == want


def test_pages_listed_once_are_mkdocs_own_list() -> None:
    # plugin._PagesOnce keeps MkDocs' list of documentation pages per
    # inclusion test: the same list as Files gives, after files are added
    # and removed too, and a list of its own for each caller.
    from mkdocs.structure.files import File, Files, InclusionLevel

    from generator.plugin import _PagesOnce

    def made(uri: str, inclusion: InclusionLevel) -> File:
        return File(uri, "/docs", "/site", True, inclusion=inclusion)

    levels = [InclusionLevel.INCLUDED, InclusionLevel.NOT_IN_NAV, InclusionLevel.DRAFT, InclusionLevel.EXCLUDED]
    files = [made(f"p{n}.md" if n % 3 else f"img{n}.png", levels[n % 4]) for n in range(40)]
    ours, theirs = _PagesOnce(files), Files(files)
    tests = (InclusionLevel.is_included, InclusionLevel.is_in_serve, InclusionLevel.all)

    def same() -> None:
        for test in tests:
            assert ours.documentation_pages(inclusion=test) == theirs.documentation_pages(inclusion=test)
        assert ours.documentation_pages() == theirs.documentation_pages()

    same()
    mine = ours.documentation_pages()
    mine.clear()
    same()
    for f in (made("new.md", InclusionLevel.INCLUDED), made("late.md", InclusionLevel.DRAFT)):
        ours.append(f)
        theirs.append(f)
        same()
    gone = files[4]
    ours.remove(gone)
    theirs.remove(gone)
    same()
