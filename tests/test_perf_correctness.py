"""The performance work must never change what residents get.

Gongshi has no build cache: every build and every ``serve`` rebuild reloads
the model from disk. What is kept between rebuilds is the MkDocs plugin
instance (``serve`` keeps it alive because it defines ``on_startup``) and the
lookup indexes built on each model. These tests prove that nothing survives
from one build to the next: after editing a bulletin, an activity, a building
and a template, a rebuild — in the same folder, and in the same ``serve``
process — equals a clean build of the edited content, byte for byte.
Expected titles and names come from the fixture files, read here directly.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, REPO, TODAY, build_project, make_project_at, page

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


# MkDocs' own serve loop, minus the HTTP server: one process, one config
# loader, the plugin instance kept across rebuilds exactly as `serve` does.
SERVE_LOOP = r"""
import json, os, sys
sys.path.insert(0, {repo!r})
os.environ["GONGSHI_TODAY"] = {today!r}
from mkdocs.commands.build import build
from mkdocs.config import load_config
project, out, edits = sys.argv[1], sys.argv[2:-1], json.loads(sys.argv[-1])
os.chdir(project)
first = load_config("mkdocs.yml", site_dir=out[0])
first.plugins.on_startup(command="serve", dirty=False)
for i, site_dir in enumerate(out):
    config = load_config("mkdocs.yml", site_dir=site_dir)
    config.site_url = "http://127.0.0.1:8000/"
    build(config, serve_url="http://127.0.0.1:8000/")
    if i == 0 and edits:
        for rel, (old, new) in edits.items():
            path = os.path.join(project, rel)
            text = open(path, encoding="utf-8").read()
            open(path, "w", encoding="utf-8").write(text.replace(old, new))
"""


def serve_builds(project: Path, *site_dirs: Path, edits: dict[str, tuple[str, str]] | None = None) -> None:
    script = SERVE_LOOP.format(repo=str(REPO), today=TODAY)
    args = [sys.executable, "-c", script, str(project), *map(str, site_dirs), json.dumps(edits or {})]
    result = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]


def test_serve_rebuild_after_edits_equals_clean_serve_build(tmp_path: Path) -> None:
    # The serving process builds, the editor saves four files, it rebuilds.
    live = project_with_own_theme(tmp_path / "live")
    serve_builds(live, tmp_path / "before", tmp_path / "after", edits=EDITS)
    # A fresh process on the edited content builds once.
    fresh = project_with_own_theme(tmp_path / "fresh")
    apply_edits(fresh)
    serve_builds(fresh, tmp_path / "reference")
    assert_same_tree(tmp_path / "after", tmp_path / "reference")
    assert page(tmp_path / "after", "bulletins/2026-03-third/").h1.get_text(strip=True) == "第三期简报（修订）"
    assert page(tmp_path / "before", "bulletins/2026-03-third/").h1.get_text(strip=True) == "第三期简报"


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
