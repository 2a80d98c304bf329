"""The page-shell cache (generator.render.ShellCache) and the fragment
cache of building pages' lists (FragmentCache) must never change a byte: sites built with and without it are compared file by file, on fixtures
with pages in the nav, bulletins with a table of contents, generated pages in
several folders and the 404 page."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, build_project, make_project_at

from generator import render


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("content", [FIXTURES / "browser" / "content", REPO / "content"], ids=["browser", "sample"])
def test_shell_cache_changes_no_byte(content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[str] = []
    original = render.ShellCache.__call__

    def counting(self, part, page, nav, base_url, caller):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            rendered.append(part)
            return caller()

        return original(self, part, page, nav, base_url, counted)

    monkeypatch.setattr(render.ShellCache, "__call__", counting)
    cached = _files(build_project(make_project_at(tmp_path / "cached", content)))
    with_cache = len(rendered)
    rendered.clear()
    monkeypatch.setattr(render, "SHELL_CACHE", False)
    monkeypatch.setattr(render, "FRAGMENT_CACHE", False)
    plain = _files(build_project(make_project_at(tmp_path / "plain", content)))
    assert sorted(cached) == sorted(plain)
    different = [rel for rel in plain if cached[rel] != plain[rel]]
    assert different == []
    # And it did something: far fewer shell parts rendered with it.
    assert with_cache < len(rendered) / 2, (with_cache, len(rendered))


def test_fragment_cache_changes_no_byte_and_renders_each_item_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample site: buildings of one community invited to the same
    # community-wide activities, some cancelled or moved.
    calls: list[tuple[object, ...]] = []
    original = render.FragmentCache.__call__

    def counting(self, key, page, caller):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            calls.append(key)
            return caller()

        return original(self, key, page, counted)

    monkeypatch.setattr(render.FragmentCache, "__call__", counting)
    cached = _files(build_project(make_project_at(tmp_path / "cached", REPO / "content")))
    with_cache = len(calls)
    calls.clear()
    monkeypatch.setattr(render, "FRAGMENT_CACHE", False)
    plain = _files(build_project(make_project_at(tmp_path / "plain", REPO / "content")))
    assert sorted(cached) == sorted(plain)
    assert [rel for rel in plain if cached[rel] != plain[rel]] == []
    assert len(set(calls)) == with_cache < len(calls) / 2, (with_cache, len(calls))
