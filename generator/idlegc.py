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
(afterreload.PAUSE, 2 s without a save) and turns it back on for the
writers. A full build (the first one, or after an error) keeps it on: it
renders every page and would otherwise pile up every page's cyclic garbage.
Editors who save more often than that, for a long time, still get a
collection every :data:`MAX_HELD` rebuilds, at the start of one.

A collection cannot be stopped, and a save that lands in the pause's
collection waits for it. At bench scale L it walked every object of the
process, 0.83–1.2 s on 2026-11-30, and a YAML save made 2.1 s after the
last reload, so that it lands there, took 2.98–3.60 s from save to
reload (bench/serve_rounds.py). Most of those objects outlive many
rebuilds: the parsed data files kept for the next one, the records an
unchanged file gives again, the compiled templates. So the pause's
collection freezes what survives it (gc.freeze), and the next one walks
only what was made since: 0.15–0.28 s, and such a save 2.07–2.44 s.
What is frozen is still freed by reference counting; only garbage in
cycles among frozen objects (a replaced page's File and Page, the last
rebuild's template environment) waits, until every
:data:`FULL_EVERY`-th pause, whose collection thaws everything first and
walks it all (0.9–1.3 s at L; a save that lands in it waits for it).
That garbage was mostly the 5,000 bulletins' Pages, made again on every
save until they were kept (incremental.RebuildPlan.kept_source): at L,
alternating bulletin and YAML saves 2.5 s apart (bench/serve_rounds.py),
the frozen objects grew by ~22,000 a pause before (1,537,702 →
1,692,995 from the second pause to the ninth) and by ~2,000 since
(1,516,212 → 1,531,491), and the tenth pause's full collection left
302,000 objects fewer before, 59,000 since. So the full collection comes
every 50th pause, not every 10th: about half the garbage waits that
waited before, and a save lands in that ~1 s five times less often.

The first pause after a full rebuild (the preview's first build, or one
after an error) walked every object that build left: 1.00–1.03 s at L on
2026-12-01, and an editor's second save of a session, made some 2 s after
the first one's reload, landed in it (a YAML save made as bench/run.py
makes it: 2.79 s from save to reload, the first 0.58 s before the save
was even noticed). So a full rebuild collects and freezes once it has
rendered its pages, before the browsers reload
(:meth:`IdleCollector.rebuild_done`, 0.62–0.86 s at L, while the editor
waits for a ~35 s build anyway); that first pause then takes 0.04–0.05 s.

Tried instead, at L: freezing once, at the first pause, and walking all
that was made since at every later pause (those collections grew with
the rebuilds, 0.12 → 0.41 s in 24 saves, and so did the saves that
landed in them); collecting every object only once the writers after
the reload are done, when editors save less often than 2 s after a
reload (an editor who saves while they run never lets it happen, and
the frozen garbage grew by ~9 MB a pause; saves 10 s apart were no
faster than with this).

A full `build` has the opposite problem: the model it loads first (at
bench scale L, ~2 million objects: every YAML value with its location)
lives until the end, and every full collection walks it again. Timed with
gc.callbacks in one L build: 14.8 s of the main process in collections
(10.9 s of it in 31 full ones), and parsing the data files took 3.6 s with
collection on, 1.05 s with it off. So :func:`long_lived` loads the model
with collection off and then freezes what exists (gc.freeze: never walked
again, and not copied into the forked notice workers by the collector's
writes); :func:`thaw` at the end of the build hands it back.

No MkDocs here: the plugin calls :class:`IdleCollector`, :func:`long_lived`
and :func:`thaw`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Rebuilds in a row without a pause before one collects at its start anyway.
MAX_HELD = 5
# Every this many pauses, the collection walks every object (see above).
FULL_EVERY = 50


class IdleCollector:
    def __init__(self, max_held: int = MAX_HELD, full_every: int = FULL_EVERY) -> None:
        self.max_held = max_held
        self.full_every = full_every
        self.held = 0  # rebuilds since the last collection
        self.pauses = 0  # pauses since the last collection of every object
        self.after_full = False  # the rebuild under way renders every page
        self._lock = threading.Lock()

    def rebuild_starts(self, *, full: bool) -> None:
        """Before a rebuild (after the last one's writers have stopped)."""
        with self._lock:
            self.after_full = full
            if full:
                # Everything is made again: what was frozen becomes
                # Python's to collect as usual.
                gc.unfreeze()
                self.held = self.pauses = 0
                gc.enable()
                return
            if self.held >= self.max_held:
                gc.collect()
                self.held = 0
            gc.disable()
            self.held += 1

    def rebuild_done(self) -> None:
        """A rebuild has rendered its pages; the browsers reload next. After
        a full one, collect now and freeze what survives, so that the first
        pause walks only what was made since (see the module docstring)."""
        with self._lock:
            if not self.after_full:
                return
            self.after_full = False
            gc.collect()
            gc.freeze()

    def idle(self) -> None:
        """The editor has paused: collect now, freeze what survives, and
        let Python collect as it will until the next rebuild."""
        with self._lock:
            self.pauses += 1
            if self.pauses >= self.full_every:
                gc.unfreeze()
                self.pauses = 0
            gc.collect()
            gc.freeze()
            self.held = 0
            gc.enable()

    def release(self) -> None:
        """On shutdown and after a failed rebuild: back to Python's own."""
        with self._lock:
            gc.unfreeze()
            self.pauses = 0
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """Objects made inside live until :func:`thaw`: no collection while they
    are made (they are not garbage, and walking them again and again is
    what took the time), then everything that exists is frozen. Not frozen
    if the block raises. Why not freeze again later in the build: what is
    frozen is never collected until thawed, and freezing after each full
    collection in an L build raised its peak RSS from 661 MB to 967 MB."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
    # What became garbage meanwhile (the content checks' parse trees) is
    # freed, not frozen with the rest: one collection over what is not
    # frozen yet, 0.02 s at L; the main process's peak RSS 624 -> 592 MB at
    # L, 136 -> 116 MB at M.
    gc.collect()
    gc.freeze()
    global _thresholds
    if _thresholds is None:
        _thresholds = gc.get_threshold()
        gc.set_threshold(BUILD_YOUNG, *_thresholds[1:])


# The youngest generation's threshold during a build (Python's: 700 net
# allocations). At 700, objects that live only through one page or one
# file are promoted by the thousand and fill the older generations, which
# then need full collections. One L build, gc.callbacks in the main
# process, model frozen: 17 full collections and 5.2 s of collection in all
# at 700; 1 full collection and 3.3 s at 20,000, same peak RSS (661 MB).
BUILD_YOUNG = 20_000
_thresholds: tuple[int, int, int] | None = None  # Python's, while a build runs


def thaw() -> None:
    """The build is over: what :func:`long_lived` froze can be collected again
    (a process that builds many sites, as the tests do, must not keep them),
    and Python's thresholds are back."""
    global _thresholds
    gc.unfreeze()
    if _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None
