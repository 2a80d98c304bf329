"""What the preview does between saves: it watches with the system's file
events (generator/watch.py) and collects garbage while the editor pauses,
not during a rebuild (generator/idlegc.py). The saves themselves, through a
real `serve`, are in test_serve.py."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, TODAY, build_project, run_cli

from generator.idlegc import BUILD_YOUNG, IdleCollector, long_lived, thaw
from generator.watch import watch_natively


@pytest.fixture(autouse=True)
def gc_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def full_collections() -> list[int]:
    seen: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            seen.append(1)

    gc.callbacks.append(callback)
    return seen


def test_no_collection_during_a_rebuild_one_when_idle() -> None:
    collector = IdleCollector(max_held=3)
    seen = full_collections()
    try:
        collector.rebuild_starts(full=True)  # the first build: Python's own
        assert gc.isenabled()
        collector.rebuild_starts(full=False)
        assert not gc.isenabled() and not seen
        collector.idle()
        assert gc.isenabled() and len(seen) == 1
        # Saves with no pause between them: every third rebuild collects first.
        for _ in range(3):
            collector.rebuild_starts(full=False)
        assert len(seen) == 1 and not gc.isenabled()
        collector.rebuild_starts(full=False)
        assert len(seen) == 2 and not gc.isenabled()
        collector.release()
        assert gc.isenabled()
    finally:
        gc.callbacks.pop()


class _Node:
    """Cyclic garbage to collect: a node that points at itself."""

    def __init__(self) -> None:
        self.me = self


def test_the_pause_freezes_what_survives_it_and_thaws_every_tenth() -> None:
    """A pause's collection walks only what was made since the last pause
    (idlegc.FULL_EVERY): what survives is frozen. Cyclic garbage made
    after a pause goes at the next one; garbage that was alive, and so
    frozen, at a pause waits for the pause that thaws everything."""
    gc.collect()
    collector = IdleCollector(max_held=3, full_every=3)
    try:
        collector.rebuild_starts(full=False)
        kept = _Node()  # alive at the first pause: frozen with everything else
        collector.idle()
        assert gc.get_freeze_count() > 0
        frozen = weakref.ref(kept)
        del kept
        fresh = _Node()  # made after the pause, dropped before the next one
        made_after = weakref.ref(fresh)
        del fresh
        collector.rebuild_starts(full=False)
        collector.idle()  # the second pause: walks only what is not frozen
        assert made_after() is None
        assert frozen() is not None  # frozen: not walked
        collector.rebuild_starts(full=False)
        collector.idle()  # the third (full_every): everything thawed and walked
        assert frozen() is None
        assert collector.pauses == 0
        collector.release()
        assert gc.get_freeze_count() == 0 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_full_rebuild_thaws_what_the_pauses_froze() -> None:
    collector = IdleCollector()
    try:
        collector.rebuild_starts(full=False)
        collector.idle()
        assert gc.get_freeze_count() > 0
        collector.rebuild_starts(full=True)  # after an error: everything is made again
        assert gc.get_freeze_count() == 0 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_full_rebuild_collects_and_freezes_before_the_reload() -> None:
    """After a full rebuild (the preview's first), what survives is frozen
    before the browsers reload (IdleCollector.rebuild_done), so the first
    pause walks only what was made since; after a rebuild of what changed
    it does nothing (the pause collects)."""
    gc.collect()
    collector = IdleCollector()
    try:
        collector.rebuild_starts(full=True)
        kept = _Node()
        dropped = _Node()
        gone = weakref.ref(dropped)
        del dropped
        collector.rebuild_done()
        assert gone() is None  # the build's cyclic garbage: collected
        assert gc.get_freeze_count() > 0 and gc.isenabled()
        frozen = gc.get_freeze_count()
        collector.rebuild_starts(full=False)
        garbage = _Node()
        made = weakref.ref(garbage)
        del garbage
        collector.rebuild_done()  # only what changed was rendered: nothing now
        assert made() is not None and gc.get_freeze_count() == frozen
        collector.idle()
        assert made() is None
        assert kept.me is kept
    finally:
        gc.unfreeze()


# In its own process: MkDocs keeps one instance of a plugin with on_startup
# for the whole process, and this one is started for serve.
PLUGIN_CHECK = r"""
import gc, json, os, sys
sys.path.insert(0, {repo!r})
os.environ["GONGSHI_TODAY"] = {today!r}
from mkdocs.commands.build import build
from mkdocs.config import load_config
project, site_dir = sys.argv[1], sys.argv[2]
os.chdir(project)
first = load_config("mkdocs.yml", site_dir=site_dir)
first.plugins.on_startup(command="serve", dirty=True)
plugin = first.plugins["gongshi"]
plugin.after.pause = 0.5
seen = {{}}

def rebuild():
    config = load_config("mkdocs.yml", site_dir=site_dir)
    config.site_url = "http://127.0.0.1:8000/"
    build(config, serve_url="http://127.0.0.1:8000/", dirty=True)

rebuild()  # everything rendered: Python collects as usual
seen["first"] = gc.isenabled()
seen["frozen_after_first"] = gc.get_freeze_count()
plugin.after.wait()
files_before, prints_before = dict(plugin.kept_files), dict(plugin.fingerprints)
md = os.path.join(project, "content/bulletins/2026-02-second.md")
text = open(md, encoding="utf-8").read()
open(md, "w", encoding="utf-8").write(text.replace("第二期简报", "第二期简报（改）"))
rebuild()  # only what changed: no collection until the editor pauses
seen["plan"] = plugin.plan
seen["during"] = gc.isenabled()
plugin.after.wait()
seen["after_pause"] = gc.isenabled()
seen["before"] = sorted(files_before)
seen["same_print"] = sorted(src for src, key in plugin.fingerprints.items() if src in files_before and prints_before.get(src) == key)
seen["same_object"] = sorted(src for src, file in plugin.kept_files.items() if file is files_before.get(src))
first.plugins.on_shutdown()
seen["shutdown"] = gc.isenabled()
print(json.dumps(seen))
"""


def test_the_plugin_holds_collection_until_the_pause(make_project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    script = PLUGIN_CHECK.format(repo=str(REPO), today=TODAY)
    done = subprocess.run([sys.executable, "-c", script, str(project), str(tmp_path / "site")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["first"] is True
    assert seen["frozen_after_first"] > 0  # collected and frozen before the reload (IdleCollector.rebuild_done)
    rendered, unchanged = seen["plan"]
    assert rendered < unchanged
    assert seen["during"] is False and seen["after_pause"] is True and seen["shutdown"] is True
    # A generated page keeps its File and Page exactly when its
    # fingerprint did not change (plugin._Plan.kept_file).
    assert seen["same_object"] == seen["same_print"]
    assert "bulletins/index.md" in set(seen["before"]) - set(seen["same_object"])  # the archive lists the edited title
    assert len(seen["same_object"]) > len(seen["before"]) / 2


def test_long_lived_loads_without_collection_then_freezes() -> None:
    gc.enable()
    try:
        with long_lived():
            assert not gc.isenabled()
            made = [[i] for i in range(5000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(made)
    finally:
        thaw()
    assert gc.get_freeze_count() == 0


def test_long_lived_frees_the_garbage_it_made_instead_of_freezing_it() -> None:
    import weakref

    class Node:
        pass

    gc.enable()
    try:
        with long_lived():
            a, b = Node(), Node()
            a.other, b.other = b, a  # type: ignore[attr-defined]
            gone = weakref.ref(a)
            del a, b
            assert gone() is not None  # a cycle: only the collector frees it
        assert gone() is None
    finally:
        thaw()


def test_long_lived_freezes_nothing_when_the_load_fails() -> None:
    gc.enable()
    with pytest.raises(ValueError), long_lived():
        raise ValueError("broken data file")
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_build_renders_with_its_model_frozen_and_thaws_it(make_project, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`build`: the model is frozen while pages render (not walked by every
    full collection, idlegc.long_lived) and thawed when the build ends,
    also when it fails, and after a command that only loads (check)."""
    from generator import plugin

    seen: list[tuple[int, bool]] = []
    young: list[int] = []
    real = plugin.strip_indentation
    python_thresholds = gc.get_threshold()

    boom: list[bool] = []

    def spy(html: str) -> str:
        seen.append((gc.get_freeze_count(), gc.isenabled()))
        young.append(gc.get_threshold()[0])
        if boom:
            raise RuntimeError("a page that cannot be rendered")
        return real(html)

    monkeypatch.setattr(plugin, "strip_indentation", spy)
    gc.enable()
    project = make_project("basic")
    build_project(project)
    assert seen, "no page was rendered"
    assert min(count for count, _on in seen) > 10_000  # the model, MkDocs' config, the modules
    assert all(on for _count, on in seen)  # collection itself stays on for the pages
    assert set(young) == {BUILD_YOUNG} != {python_thresholds[0]}
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == python_thresholds
    assert run_cli("check", "--today", TODAY, cwd=project) == 0
    assert gc.get_freeze_count() == 0
    # The plugin thaws by itself (`mkdocs build`, without build.py's main()),
    # also when the build fails after the model was loaded and frozen.
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    monkeypatch.setenv("GONGSHI_TODAY", TODAY)
    build(load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site-mkdocs")))
    assert gc.get_freeze_count() == 0
    boom.append(True)
    with pytest.raises(RuntimeError, match="cannot be rendered"):
        build(load_config(str(project / "mkdocs.yml"), site_dir=str(project / "site-mkdocs")))
    assert gc.get_freeze_count() == 0 and gc.isenabled() and gc.get_threshold() == python_thresholds
    boom.clear()
    # Fails while loading: nothing is frozen, collection is back on.
    (project / "content" / "data" / "venues.yml").write_text("venues: [", encoding="utf-8")
    assert run_cli("build", "--today", TODAY, cwd=project) != 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_watches_move_to_the_system_file_events(tmp_path: Path) -> None:
    from mkdocs.livereload import LiveReloadServer
    from watchdog.observers.polling import PollingObserver

    (tmp_path / "content").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path / "site"))
    try:
        server.watch(str(tmp_path / "content"))
        server.watch(str(tmp_path / "mkdocs.yml"))
        server.watch(str(tmp_path / "content"))  # MkDocs counts a path watched twice
        before = dict(server._watched_paths)
        assert isinstance(server.observer, PollingObserver)
        assert watch_natively(server)
        assert not isinstance(server.observer, PollingObserver)
        assert server._watched_paths == before
        assert {os.path.abspath(p) for p in server._watch_refs} == set(before)
    finally:
        server.server_close()
