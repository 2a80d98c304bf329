"""Before every build, each of `serve`'s rebuilds included, MkDocs lists every
file of the theme folders to copy the static ones, and drops the paths with a
part starting with ".". render.ThemeLoader does not walk those folders
(Material's .icons: ~14,000 files). MkDocs must get the same static files,
and templates must still load from the folders it does not list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, build_project, make_project_at
from jinja2 import Environment
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from generator.render import ThemeLoader, theme_listing_without_dots

# In the project's own theme folder: what MkDocs copies and what it leaves.
THEME_FILES = {
    ".hidden/a.css": False,
    ".dotfile.js": False,
    "assets/.cache/b.js": False,
    "assets/.c.css": False,
    "assets/d.css": True,
    "e.js": True,
    "assets/deep/f.png": True,
}


def _project(tmp_path: Path) -> Path:
    project = make_project_at(tmp_path / "p", FIXTURES / "basic" / "content")
    theme = project / "theme"
    theme.unlink()
    shutil.copytree(REPO / "theme", theme)
    for rel in THEME_FILES:
        (theme / rel).parent.mkdir(parents=True, exist_ok=True)
        (theme / rel).write_text("/* */\n", encoding="utf-8")
    return project


def _theme_files(env: Environment, config: MkDocsConfig) -> list[tuple[str, str | None]]:
    files = Files([])
    files.add_files_from_theme(env, config)
    return [(f.src_uri, f.abs_src_path) for f in files]


def test_theme_loader_gives_mkdocs_the_same_static_files(tmp_path: Path) -> None:
    project = _project(tmp_path)
    stock = load_config(str(project / "mkdocs.yml"))
    stock_env = stock.theme.get_env()
    ours = load_config(str(project / "mkdocs.yml"))
    theme_listing_without_dots(ours.theme)
    env = ours.theme.get_env()
    loader, stock_loader = env.loader, stock_env.loader
    assert isinstance(loader, ThemeLoader) and stock_loader is not None

    copied = _theme_files(env, ours)
    assert copied == _theme_files(stock_env, stock)
    uris = {uri for uri, _ in copied}
    assert {rel for rel, kept in THEME_FILES.items() if kept} <= uris
    assert not {rel for rel, kept in THEME_FILES.items() if not kept} & uris

    listed = loader.list_templates()
    assert not [name for name in listed if any(part.startswith(".") for part in name.split("/"))]
    assert "main.html" in listed and "assets/d.css" in listed
    # Material's icons are not walked, and still load (its templates include them).
    assert len(stock_loader.list_templates()) > 10 * len(listed)
    assert "<svg" in env.get_template(".icons/material/magnify.svg").render()
    assert env.get_template(".hidden/a.css").render() == "/* */"


def test_builds_list_the_theme_through_theme_loader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listings: list[list[str]] = []
    original = ThemeLoader.list_templates

    def counted(self: ThemeLoader) -> list[str]:
        listings.append(original(self))
        return listings[-1]

    monkeypatch.setattr(ThemeLoader, "list_templates", counted)
    site = build_project(_project(tmp_path))
    assert listings, "the plugin did not give MkDocs' theme environment a ThemeLoader"
    assert (site / "assets" / "d.css").is_file() and (site / "assets" / "deep" / "f.png").is_file()
    assert not (site / ".hidden").exists() and not (site / "assets" / ".c.css").exists()
