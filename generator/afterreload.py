"""`serve`: what is written after the browser reloads.

The preview's feeds, calendars, exports and door notices, then its search
index, are written in a thread while the editor reads the page they saved.
Calendars alone took 3.2 s of a 20.6 s activity edit at district scale; no
open page waits for them. Editors save in bursts: the writers start after a
pause without a save (``pause``), so the next rebuild does not wait for them
nor share the two cores with them. A rebuild that comes while they run stops
them between two files and waits before it writes anything (:meth:`finish`);
the writer it stopped runs again next time (its files may be half written),
those that finished or had not started keep their record. Searching the
preview meanwhile finds the last build's pages. One indexing runs at a time;
one that a newer rebuild made pointless does not start.

Nothing here knows MkDocs: the plugin (plugin.py) calls :meth:`start` from
on_post_build and :meth:`finish` before a rebuild touches the output folder.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from . import outputs, search
from .errors import BuildFailed
from .idlegc import IdleCollector

log = logging.getLogger("gongshi")

# Seconds without a save before the writers and the search index start.
PAUSE = 2.0


class AfterReload:
    """The writers' thread of one `serve` process, and what it knows of the
    files it wrote."""

    def __init__(self, collector: IdleCollector, pause: float = PAUSE) -> None:
        self.collector = collector
        self.pause = pause
        # The writers' files on disk, and their records (outputs.Reuse), as
        # of the last run that completed or was not needed.
        self.written_on_disk: frozenset[str] = frozenset()
        self.reuse = outputs.Reuse()
        self._generation = 0
        self._search_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # _stop stops the writers; _written is set once they have stopped
        # or finished.
        self._stop: threading.Event | None = None
        self._written: threading.Event | None = None

    def start(self, out: outputs.Output, pages_now: frozenset[str], reuse: outputs.Reuse,
              check: Callable[[], None] | None = None) -> None:
        """Write every output but the pages into ``out`` after the pause,
        then the search index. ``pages_now``: the pages and static files of
        this build (what the writers' files must not remove); ``reuse``: the
        records this run starts from; ``check``: the content checks, which
        only warn, run once the writers are done."""
        self._generation += 1
        generation = self._generation
        stop, written = threading.Event(), threading.Event()
        out.stop = stop.is_set
        before = self.written_on_disk
        self._stop, self._written = stop, written

        def work() -> None:
            try:
                if stop.wait(self.pause):
                    self.reuse = reuse  # nothing written: the records hold
                    return
                self.collector.idle()
                try:
                    outputs.write_all(out.site, out.project, out.out_dir, out.theme_dir, pdf=False,
                                      skip=frozenset({search.__name__}), reuse=reuse, out=out)
                except Exception as exc:  # noqa: BLE001 - the thread must record what it wrote
                    if isinstance(exc, (BuildFailed, outputs.OutputClash)):
                        for line in (exc.report() if isinstance(exc, BuildFailed) else str(exc)).splitlines():
                            log.error(line)
                    elif not isinstance(exc, outputs.Cancelled):
                        # e.g. a template error: the build would have failed
                        log.error(f"预览的订阅、日历或公示栏文件未能生成：{type(exc).__name__}: {exc}", exc_info=exc)
                    # write_all kept the records of the writers that finished
                    self.written_on_disk, self.reuse = before | frozenset(out.written), reuse
                    return
                written_now = frozenset(out.written)
                remove_gone(out.out_dir, before - pages_now, written_now | pages_now)
                self.written_on_disk, self.reuse = written_now, reuse
            finally:
                written.set()
            if check is not None and not stop.is_set():
                check()
            if stop.is_set():
                return
            with self._search_lock:
                if generation != self._generation:
                    return
                # Pagefind names its files by content hash and registers
                # what it finds in its folder: last build's files would stay.
                shutil.rmtree(out.out_dir / search.OUTPUT_SUBDIR, ignore_errors=True)
                try:
                    search.write(out, background=True)
                except BuildFailed as exc:
                    for line in exc.report().splitlines():
                        log.error(line)

        self._thread = threading.Thread(target=work, name="gongshi-after-reload", daemon=True)
        self._thread.start()

    def interrupt(self) -> None:
        """A save was noticed (from the file watcher's thread): stop the
        writers between two files now, before the rebuild it starts gets
        to :meth:`finish`. Until then the rebuild loads MkDocs' config and
        the model while the writers hold the interpreter half the time: at
        bench scale L a YAML save made while they ran took 1.8 s to reach
        finish, and 3.3 s to the reload (0.47 s and 2.19 s with this)."""
        if self._stop is not None:
            self._stop.set()

    def finish(self) -> None:
        """Before a rebuild touches the output folder: stop the last one's
        writers (between two files) and wait until they have let go."""
        if self._stop is not None and self._written is not None:
            self._stop.set()
            self._written.wait()

    def wait(self) -> None:
        """Until the last rebuild's writers and search index are done."""
        if self._thread is not None:
            self._thread.join()


def remove_gone(site_dir: Path, before: frozenset[str], now: frozenset[str]) -> None:
    """A dirty rebuild leaves the files of what is gone (a bulletin deleted
    or made a draft, an image removed, a building's calendar): delete what
    the last build wrote and this one does not."""
    for rel in sorted(before - now):
        path = site_dir / rel
        if path.is_file():
            path.unlink()
            # and its folder, as a clean build would not have it
            for folder in path.parents:
                if folder == site_dir or any(folder.iterdir()):
                    break
                folder.rmdir()
