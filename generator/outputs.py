"""Stage 5, write: the outputs that are not MkDocs pages (feeds, calendars,
notices, exports), written after the pages into the same output folder.

Every file goes through :meth:`Output.write`, which refuses two writers
claiming the same path (as Pelican's writer does) and writes bytes exactly as
given, so output is byte-for-byte reproducible.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .fsutil import write_file
from .model import Site
from .pipeline import Project
from .render import TEMPLATE_FILTERS, fixed_templates, template_globals

if TYPE_CHECKING:
    from .buildcache import BuildCache


class OutputClash(Exception):
    pass


class Cancelled(Exception):
    """A newer `serve` rebuild wants the output folder (see Output.stop)."""


def _same_file(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


@dataclass
class Output:
    site: Site
    project: Project
    out_dir: Path
    theme_dir: Path
    pdf: bool = True  # False in `serve`: PDFs are slow and not needed for a preview
    written: dict[str, str] = field(default_factory=dict)
    keep_same: bool = False  # leave files that already hold these bytes (serve)
    # serve: writers run after the reload, in a thread; a newer rebuild stops
    # them between two files (Cancelled) before it writes anything itself.
    stop: Callable[[], bool] | None = None
    # build: the build cache, for writers that take back part of their
    # files (door notices by chunk, calendars and digests by file); None
    # elsewhere
    cache: BuildCache | None = None
    _env: Environment | None = None

    def write(self, rel: str, data: bytes | str, who: str) -> Path:
        """Write ``data`` to ``out_dir/rel``; two writers of one path is an error."""
        rel = self.claim(rel, who)
        path = self.out_dir / rel
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if self.keep_same and _same_file(path, raw):
            # serve: an unchanged file is not written again (an activity
            # edit changes one of 1,500 activity calendars).
            return path
        # With the cache the file there may be a link to a cache entry (put
        # back early, or `build --dirty` into site/): replace it, never
        # write into it.
        write_file(path, raw, replace=self.cache is not None)
        return path

    def claim(self, rel: str, who: str) -> str:
        """Register ``rel`` as written by ``who`` (two writers of one path is
        an error); returns the normalised path."""
        if self.stop is not None and self.stop():
            raise Cancelled(rel)
        rel = rel.lstrip("/")
        if rel in self.written:
            raise OutputClash(f"{rel}: 被“{self.written[rel]}”和“{who}”同时写入 — 请检查两者的 id 是否相同")
        self.written[rel] = who
        return rel

    @property
    def env(self) -> Environment:
        """A Jinja environment on theme/ for standalone outputs (notices,
        feeds): autoescaping on, undefined names are errors."""
        if self._env is None:
            env = Environment(
                loader=FileSystemLoader(str(self.theme_dir)),
                autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
            )
            env.globals.update(template_globals(self.site))
            env.filters.update(TEMPLATE_FILTERS)
            fixed_templates(env)
            self._env = env
        return self._env


# Modules that write non-page outputs, in this order. Each defines
# ``write(out: Output) -> None``. A module not present yet is skipped.
SEARCH_WRITER = "generator.search"
WRITER_MODULES = (
    "generator.feeds",  # Atom feeds
    "generator.calendar",  # iCalendar feeds
    "generator.export",  # JSON export
    "generator.digest",  # plain-text digests per building
    "generator.notices",  # door notices (HTML + PDF)
    SEARCH_WRITER,  # Pagefind index over the finished pages: keep last (`build` runs it beside the others)
)


def writers() -> list[tuple[str, Callable[[Output], None]]]:
    import importlib

    found = []
    for name in WRITER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        found.append((name, module.write))
    return found


# Writers that read, of the model's large collections, only these (and
# everything else of the model, the theme and the settings: the "shared"
# part, see incremental.py). A `serve` rebuild keeps their files when none
# of that changed — a bulletin edit does not lay out door notices again.
# Writers not listed run on every build.
WRITER_INPUTS: dict[str, tuple[str, ...]] = {
    "generator.calendar": ("activities", "activities_by_building"),
    "generator.digest": ("activities", "activities_by_building"),
    "generator.notices": ("activities", "activities_by_building"),
}


@dataclass
class Reuse:
    """For `serve`: the theme and settings' hash (incremental.environment_key),
    and what each writer of WRITER_INPUTS wrote in the last build, with the
    hash of its inputs then."""

    environment: str = ""
    runs: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)


def inputs_digest(site: Site, shared: str, inputs: tuple[str, ...]) -> str:
    """A hash of a writer's inputs (WRITER_INPUTS) and ``shared``. The
    activities go in by their digests (incremental.record_digest), which a
    `serve` rebuild's fingerprints have made for this model already:
    hashing them whole through repr took 0.41-0.51 s at bench scale L, at
    the start of the writers' thread, where a newer save cannot stop it;
    by their digests ~0.01 s."""
    from .incremental import digest, record_digest

    parts: list[object] = []
    for name in inputs:
        value = getattr(site, name)
        if name == "activities":
            value = [(aid, record_digest(site, a)) for aid, a in value.items()]
        parts.append(value)
    return digest(shared, *parts)


def write_all(
    site: Site, project: Project, out_dir: Path, theme_dir: Path, *,
    pdf: bool = True, skip: frozenset[str] = frozenset(), reuse: Reuse | None = None,
    out: Output | None = None, cache: BuildCache | None = None,
) -> Output:
    """Run every writer but those named in ``skip`` (module names); with
    ``reuse`` (serve), keep the files of writers whose inputs did not change.
    ``out``: write through this one (serve: it can be stopped).
    ``cache`` (build): writers take back from the build cache what did not
    change, a part at a time (door notices by chunk of doors, calendars and
    digests by file, the search index by bundle) and store what they make."""
    from .incremental import shared_digest

    if out is None:
        out = Output(site, project, out_dir, theme_dir, pdf=pdf, keep_same=reuse is not None)
    if cache is not None:
        out.cache = cache
    runs: dict[str, tuple[str, dict[str, str]]] = {}
    keys: dict[tuple[str, ...], str] = {}
    shared = shared_digest(site, reuse.environment, pdf) if reuse is not None else ""
    current = ""  # the writer at work, if one stops or fails
    finish_search: Callable[[], None] | None = None
    try:
        if reuse is None and SEARCH_WRITER not in skip:
            # build: the search index is made of MkDocs' pages only, so it is
            # made while the other writers run (search.start).
            from .search import start

            finish_search = start(out)
        for name, writer in writers():
            if name in skip or (name == SEARCH_WRITER and finish_search is not None):
                continue
            current = name
            inputs = WRITER_INPUTS.get(name)
            if reuse is None or inputs is None:
                writer(out)
                continue
            if inputs not in keys:
                keys[inputs] = inputs_digest(site, shared, inputs)
            last = reuse.runs.get(name)
            if last is not None and last[0] == keys[inputs] and all((out_dir / rel).is_file() for rel in last[1]):
                for rel, who in last[1].items():
                    out.claim(rel, who)
                runs[name] = last
                continue
            before = set(out.written)
            writer(out)
            runs[name] = (keys[inputs], {rel: who for rel, who in out.written.items() if rel not in before})
        if finish_search is not None:
            current, finish = SEARCH_WRITER, finish_search
            finish_search = None
            finish()
        current = ""
    finally:
        if finish_search is not None:
            # Another writer failed: Pagefind must be done with the build
            # folder before the caller removes it; that writer's error is the one reported.
            with contextlib.suppress(Exception):
                finish_search()
        if reuse is not None:
            if current:
                # Stopped (serve) or failed: the writers not reached yet left
                # their files as they were; the one at work may have written
                # half of its files, so it has no record and runs next time.
                runs.update({n: r for n, r in reuse.runs.items() if n not in runs and n != current})
            reuse.runs = runs
    return out
