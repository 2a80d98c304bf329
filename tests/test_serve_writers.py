"""`serve` writes feeds, calendars, digests and notices after the reload,
in a thread a newer rebuild may stop between two files (outputs.Cancelled).
What a stopped run leaves must make the next one rewrite exactly what may
be half written: the writer that was stopped. Writers that finished, or had
not started, keep their record (their files are whole)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, TODAY, make_project_at

from generator import outputs
from generator.pipeline import Project, load_site

KEPT = ("generator.calendar", "generator.digest", "generator.notices")


def test_a_stopped_writer_loses_its_record_the_others_keep_theirs(tmp_path: Path) -> None:
    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "basic" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    out_dir = tmp_path / "site"
    skip = frozenset({"generator.search"})

    first = outputs.Reuse("env")
    outputs.write_all(site, project, out_dir, REPO / "theme", pdf=False, skip=skip, reuse=first)
    assert set(first.runs) == set(KEPT)

    # Same inputs: every writer keeps its files; stop at the first digest.
    out = outputs.Output(site, project, out_dir, REPO / "theme", pdf=False, keep_same=True)
    out.stop = lambda: any(rel.startswith("digests/") for rel in out.written)
    second = outputs.Reuse("env", dict(first.runs))
    with pytest.raises(outputs.Cancelled):
        outputs.write_all(site, project, out_dir, REPO / "theme", pdf=False, skip=skip, reuse=second, out=out)
    assert "generator.digest" not in second.runs  # stopped: runs again next time
    assert second.runs["generator.calendar"] == first.runs["generator.calendar"]  # finished
    assert second.runs["generator.notices"] == first.runs["generator.notices"]  # not reached

    third = outputs.Reuse("env", dict(second.runs))
    outputs.write_all(site, project, out_dir, REPO / "theme", pdf=False, skip=skip, reuse=third)
    assert third.runs == first.runs


def test_a_writer_that_fails_after_the_reload_is_logged_and_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, a writer's error failed the rebuild; after the reload it is an
    # error in the terminal, and what it wrote is still known (removed when
    # gone), so the next rebuild starts from the truth.
    from generator import afterreload, search
    from generator.afterreload import AfterReload
    from generator.idlegc import IdleCollector

    logged: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
    standalone = logging.Logger("after-reload")  # not in the logging tree: only this handler
    standalone.addHandler(handler)
    monkeypatch.setattr(afterreload, "log", standalone)

    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "basic" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    after = AfterReload(IdleCollector(), pause=0)

    def failing(*_args: object, out: outputs.Output, **_kwargs: object) -> outputs.Output:
        out.claim("feeds/all.xml", "Atom")
        raise RuntimeError("模板出错")

    monkeypatch.setattr(outputs, "write_all", failing)
    monkeypatch.setattr(search, "write", lambda *_a, **_k: None)
    after.start(outputs.Output(site, project, tmp_path / "site", REPO / "theme", pdf=False), frozenset(), outputs.Reuse("env"))
    after.wait()
    assert "feeds/all.xml" in after.written_on_disk
    assert any("模板出错" in line for line in logged)


def test_preview_notices_come_in_small_pieces_with_the_same_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # serve writes the door notices' HTML in pieces of HTML_CHUNK doors, so a
    # newer save can stop the writer between two pieces: the pages must be
    # the same whatever the pieces, and the stop must come before the last door.
    from generator import notices

    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    doors = len(notices.targets(site))
    assert doors > 3
    pages = {}
    for chunk in (1000, 2):
        monkeypatch.setattr(notices, "HTML_CHUNK", chunk)
        out = outputs.Output(site, project, tmp_path / f"site-{chunk}", REPO / "theme", pdf=False)
        notices.write(out)
        pages[chunk] = {rel: (out.out_dir / rel).read_bytes() for rel in out.written}
    assert pages[2] == pages[1000] and len(pages[2]) == doors + 1  # and notices/notice.css

    rendered: list[int] = []
    original = notices._Renderer.render

    def counting(self, chunk):  # type: ignore[no-untyped-def]
        rendered.append(len(chunk))
        return original(self, chunk)

    monkeypatch.setattr(notices._Renderer, "render", counting)
    out = outputs.Output(site, project, tmp_path / "stopped", REPO / "theme", pdf=False)
    out.stop = lambda: len(out.written) >= 2
    with pytest.raises(outputs.Cancelled):
        notices.write(out)
    assert sum(rendered) < doors  # stopped before laying out every door


def test_a_newer_save_stops_the_calendars_within_all_ics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # all.ics serialises every activity before it is written (6.2 s at
    # district scale): a newer save must not wait for all of it.
    from generator import calendar

    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    assert len(site.activities) > 3
    monkeypatch.setattr(calendar, "STOP_EVERY", 1)
    serialised: list[str] = []
    original = calendar._Assembler.event_bytes

    def counting(self, a):  # type: ignore[no-untyped-def]
        serialised.append(a.id)
        return original(self, a)

    monkeypatch.setattr(calendar._Assembler, "event_bytes", counting)
    out = outputs.Output(site, project, tmp_path / "stopped", REPO / "theme", pdf=False)
    out.stop = lambda: len(serialised) >= 2
    with pytest.raises(outputs.Cancelled):
        calendar.write(out)
    assert "calendar/all.ics" not in out.written
    assert len(serialised) < len(site.activities)


def test_a_stopped_build_keeps_the_memo_of_the_one_before() -> None:
    from generator.incremental import Memo

    memo: Memo[int] = Memo()
    calls: list[str] = []

    def value(key: str) -> int:
        return memo.get(key, lambda: calls.append(key) or len(calls))

    memo.next_build()
    for key in "abc":
        value(key)
    memo.finished()
    memo.next_build()  # stopped after "a"
    value("a")
    memo.next_build()
    for key in "abc":
        value(key)
    memo.finished()
    assert calls == ["a", "b", "c"]  # nothing computed twice
    memo.next_build()  # a finished build keeps only what it used
    value("a")
    memo.finished()
    memo.next_build()
    value("b")
    assert calls == ["a", "b", "c", "b"]


def test_a_save_stops_the_writers_as_it_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The file watcher stops the last rebuild's writers when a save
    arrives (AfterReload.interrupt through watch.py's on_edit), not when the
    rebuild it starts reaches AfterReload.finish: until then the rebuild
    shares the interpreter with them."""
    import threading
    import time

    from watchdog.events import FileSystemEventHandler

    from generator import search
    from generator.afterreload import AfterReload
    from generator.idlegc import IdleCollector
    from generator.watch import _edits_observer

    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "basic" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    after = AfterReload(IdleCollector(), pause=0)
    writing, stopped_at = threading.Event(), []

    def slow_writers(*_args: object, out: outputs.Output, **_kwargs: object) -> None:
        writing.set()
        deadline = time.monotonic() + 30
        while not out.stop() and time.monotonic() < deadline:  # one file after another
            time.sleep(0.01)
        stopped_at.append(time.monotonic())

    monkeypatch.setattr(outputs, "write_all", slow_writers)
    monkeypatch.setattr(search, "write", lambda *_a, **_k: None)
    after.start(outputs.Output(site, project, tmp_path / "site", REPO / "theme", pdf=False), frozenset(), outputs.Reuse("env"))
    assert writing.wait(10)

    heard: list[str] = []
    handler = FileSystemEventHandler()
    handler.on_any_event = lambda event: heard.append(event.src_path)  # type: ignore[method-assign]
    observer = _edits_observer(on_edit=after.interrupt)
    watched = tmp_path / "content"
    watched.mkdir()
    observer.schedule(handler, str(watched), recursive=True)
    observer.start()
    try:
        saved = time.monotonic()
        (watched / "activities.yml").write_text("activities: []\n", encoding="utf-8")
        after.wait()  # the writers' thread ends: nothing called finish
        assert stopped_at and stopped_at[0] - saved < 5
        deadline = time.monotonic() + 5
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        assert heard, "MkDocs' own handler must still hear the save"
    finally:
        observer.stop()
        observer.join()


def test_a_writers_key_changes_with_an_activity_and_only_then(tmp_path: Path) -> None:
    """The key that lets `serve` keep the calendars', digests' and door
    notices' files (outputs.inputs_digest) hashes the activities by their
    record digests: the same content loaded again gives the same key, one
    activity's title or audience changed gives another."""
    root = make_project_at(tmp_path / "p", FIXTURES / "basic" / "content")
    today = date.fromisoformat(TODAY)
    inputs = outputs.WRITER_INPUTS["generator.calendar"]
    assert "activities" in inputs

    def key() -> str:
        site, _ = load_site(Project.at(root), today)
        return outputs.inputs_digest(site, "shared", inputs)

    first = key()
    assert key() == first  # a new model of the same files
    assert outputs.inputs_digest(load_site(Project.at(root), today)[0], "other", inputs) != first
    acts = root / "content" / "data" / "activities.yml"
    text = acts.read_text(encoding="utf-8")
    acts.write_text(text.replace("title: 东社区义诊", "title: 东社区义诊（改）", 1), encoding="utf-8")
    retitled = key()
    assert retitled != first
    acts.write_text(text.replace("audience: {buildings: [b-b1]}", "audience: {estates: [e-a]}", 1), encoding="utf-8")
    assert key() not in (first, retitled)
    acts.write_text(text, encoding="utf-8")
    assert key() == first


def test_a_newer_save_stops_the_calendars_between_two_buildings_feeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """calendar.calendar_files makes each feed's list as the writer asks for
    it: a save stops the calendars after a building's feed without every
    building's activities looked up first (~0.7 s at bench scale L that no
    save could stop)."""
    from generator import calendar

    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    assert len(site.buildings) > 2
    looked_up: list[str] = []
    original = calendar.building_activities

    def counting(site_, building_id):  # type: ignore[no-untyped-def]
        looked_up.append(building_id)
        return original(site_, building_id)

    monkeypatch.setattr(calendar, "building_activities", counting)
    out = outputs.Output(site, project, tmp_path / "stopped", REPO / "theme", pdf=False)
    out.stop = lambda: any(rel.startswith("calendar/buildings/") for rel in out.written)
    with pytest.raises(outputs.Cancelled):
        calendar.write(out)
    assert sum(rel.startswith("calendar/buildings/") for rel in out.written) == 1
    assert len(looked_up) == 2 < len(site.buildings)  # the one written, the one stopped before its file
