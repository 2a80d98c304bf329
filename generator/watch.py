"""How the preview notices a save: the system's file events, not polling.

MkDocs' live-reload server looks for changes by polling: every 0.5 s it
lists and stats every file it watches (content/, the theme, Material's and
MkDocs' templates) in Python. A save waits 0.25 s for the next poll on
average; at district scale (5,000 bulletins) each poll walked ~5,600 files,
and while the writers of the last save ran in their thread (holding the
interpreter most of the time) a YAML save took 1.57 s to be noticed
(bench scale L, serve.log with timestamps). The system's file events
(inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW on Windows,
through watchdog's Observer) arrive as the file is written.

MkDocs went back to polling because events do not cross some virtual file
systems (Docker on a Mac, network shares, Windows folders seen from WSL).
Hugo has the same trade-off and a ``--poll`` option; so does
``python build.py serve --poll``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("gongshi")


def _edits_observer(on_edit: Callable[[], None] | None = None) -> Any:
    """watchdog's native Observer, reporting only what changes a file:
    created, modified, deleted, moved. Its events also include a file opened
    or closed without a write, and MkDocs rebuilds on any file event: every
    rebuild reads the content files, so it would start the next one, for
    ever. ``on_edit`` is called (in the observer's thread) as each edit
    arrives, before MkDocs hears of it."""
    from watchdog import events
    from watchdog.observers import Observer

    edits = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileDeletedEvent, events.FileMovedEvent]

    class EditsObserver(Observer):  # type: ignore[valid-type,misc]
        def schedule(self, event_handler: Any, path: str, *, recursive: bool = False, event_filter: Any = None) -> Any:
            if on_edit is not None:
                heard = event_handler.on_any_event

                def on_any_event(event: Any) -> None:
                    try:
                        on_edit()
                    finally:
                        heard(event)

                event_handler.on_any_event = on_any_event
            return super().schedule(event_handler, path, recursive=recursive, event_filter=event_filter or edits)

    return EditsObserver()


def watch_natively(server: Any, on_edit: Callable[[], None] | None = None) -> bool:
    """Move the watches of MkDocs' LiveReloadServer (before it starts) to
    the native observer, which calls ``on_edit`` as each edit arrives.
    False, and polling stays, where this MkDocs keeps no record of its
    watches or watchdog has no native observer here. (A system that refuses
    the watches when the server starts them, e.g. inotify's limit reached,
    stops `serve` with a hint: cli.cmd_serve.)"""
    paths: dict[str, int] | None = getattr(server, "_watched_paths", None)
    if not isinstance(paths, dict) or not hasattr(server, "observer"):
        return False
    try:
        observer = _edits_observer(on_edit)
    except (ImportError, OSError) as exc:
        log.info(f"预览：无法使用系统的文件通知（{exc}），改为定时检查文件")
        return False
    watched = dict(paths)
    for path, count in watched.items():
        for _ in range(count):
            server.unwatch(path)
    server.observer = observer
    for path, count in watched.items():
        for _ in range(count):
            server.watch(path)
    return True
