"""When the preview collects garbage: between saves, not during a rebuild.

A `serve` rebuild at district scale makes a new model and MkDocs makes
17,000 new File and Page objects; the last rebuild's become garbage, some of
it in reference cycles (a File and its Page point at each other) that only
Python's cyclic collector frees. Python runs a full collection whenever the
objects allocated since the last one reach a quarter of those that
survived it, which a rebuild's allocations do about every other save, and
that collection walks every object of the process (the model, the parsed
files kept for the next rebuild, the compiled templates): 0.47–0.67 s in
two rebuilds out of three at bench scale L (timed with gc.callbacks, against
1.5–2.8 s for the rebuild itself).

So, in a rebuild that renders only what changed, automatic collection is
off; the writers' thread collects once the editor has paused
(plugin.SEARCH_PAUSE, 2 s without a save) and turns it back on for the
writers. A full build (the first one, or after an error) keeps it on: it
renders every page and would otherwise pile up every page's cyclic garbage.
Editors who save more often than that, for a long time, still get a
collection every :data:`MAX_HELD` rebuilds, at the start of one.

No MkDocs here: the plugin calls :class:`IdleCollector`.
"""

from __future__ import annotations

import gc
import threading

# Rebuilds in a row without a pause before one collects at its start anyway.
MAX_HELD = 5


class IdleCollector:
    def __init__(self, max_held: int = MAX_HELD) -> None:
        self.max_held = max_held
        self.held = 0  # rebuilds since the last collection
        self._lock = threading.Lock()

    def rebuild_starts(self, *, full: bool) -> None:
        """Before a rebuild (after the last one's writers have stopped)."""
        with self._lock:
            if full:
                self.held = 0
                gc.enable()
                return
            if self.held >= self.max_held:
                gc.collect()
                self.held = 0
            gc.disable()
            self.held += 1

    def idle(self) -> None:
        """The editor has paused: collect now and let Python collect as it
        will until the next rebuild."""
        with self._lock:
            gc.collect()
            self.held = 0
            gc.enable()

    def release(self) -> None:
        """On shutdown and after a failed rebuild: back to Python's own."""
        with self._lock:
            gc.enable()
