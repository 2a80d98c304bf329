"""Stage 5b, the build cache: what one ``build`` keeps for the next.

A district site has ~19,000 pages and 2,000 door notices; an editor's
publish after one edit changes a few dozen of them, yet a clean build lays
all of them out again (at bench scale L, ~200 s of CPU over two cores:
notices ~95 s, page templates ~50 s, Markdown ~20 s, calendars ~14 s; py-spy
profile in the commit message). So ``build`` keeps every output it made in
``.cache/gongshi/`` under a **key**, a hash of everything the output is made
from, and the next build takes an output from the cache instead of making it
when its key is the same.

Why a cached output can never be stale:

* Keys are the fingerprints the preview already uses (generator/incremental.py:
  the page's own inputs, every field of the model it could show, *today*,
  mkdocs.yml, every theme file), and :func:`code_key` adds what the preview
  can take as fixed while one process runs: the code of this package, the
  version of every installed distribution, the Python version and the CJK
  font files. A different key never finds an entry; an entry is stored only
  under the key it was made from, after it was written completely.
* Entries are hard links to the files of the build that made them (no second
  copy on disk, and publishing needs no copy). A file changed in place
  afterwards (an editor "fixing" site/ by hand, a tool rewriting it) would
  change the entry too, so each entry's size and modification time are
  recorded when it is stored and an entry that no longer matches them is
  never used. Builds replace files, never rewrite them in place
  (:meth:`BuildCache.fetch` links to a temporary name and renames).
* tests/test_buildcache.py builds a fixture, edits a bulletin, an activity, a
  building and a template, and compares each cached build with a clean one
  byte for byte; and shows that a tampered entry is not used.

Only what the last successful build used is kept (:meth:`BuildCache.commit`),
so the cache does not grow over months of builds. One build at a time uses
the cache (a lock file); a second one at the same moment builds without it.
``python build.py build --no-cache`` builds without reading or writing it.

No MkDocs here: the plugin asks for keys and entries (:class:`PageCache`).
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from .incremental import Fingerprints, digest
from .model import Site
from .pages import PageSpec

log = logging.getLogger("gongshi")

CACHE_DIR = Path(".cache") / "gongshi"
# Raised when the layout of the cache or the meaning of a key changes.
FORMAT = 1
_INDEX = "index.json"
_LOCK = "lock"


def code_key() -> str:
    """What every output depends on beyond its content and the theme: this
    package's code, the installed distributions (MkDocs, Material,
    WeasyPrint, Pagefind… any upgrade), the Python version and the fonts the
    PDFs embed."""
    package = Path(__file__).parent
    parts: list[object] = [FORMAT, sys.version]
    # Every file of the package, not only *.py: search_entry.js is part of
    # the search index's output.
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        parts += [path.relative_to(package).as_posix(), path.read_bytes()]
    # Each distribution's metadata file as it is (name, version and the
    # rest): parsing them into names and versions took ~50 ms of the ~90,
    # in the build process before the door notices' workers could start.
    parts.append(sorted(d.read_text("METADATA") or d.read_text("PKG-INFO") or "" for d in metadata.distributions()))
    parts.append(_font_files())
    return digest(*parts)


def _font_files() -> list[tuple[str, int, int]]:
    """Every font fontconfig knows (path, size, time): WeasyPrint picks the
    notices' fonts through it, so a font installed, removed or updated
    changes every PDF. ~20 ms."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    listed = subprocess.run([fc_list, "--format", "%{file}\\n"], capture_output=True, text=True, check=False).stdout
    found = []
    for name in sorted(set(listed.splitlines())):
        try:
            st = os.stat(name)
        except OSError:
            continue
        found.append((name, st.st_size, st.st_mtime_ns))
    return found


@dataclass
class BuildCache:
    """The cache folder of one project, opened for one build."""

    root: Path
    # key → (size, mtime_ns) of its entry when stored, as of the last build
    # that committed, and of the entries this build used or stored
    _index: dict[str, tuple[int, int]] = field(default_factory=dict)
    _used: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Small records kept with the entries (e.g. which files a writer made)
    state: dict[str, Any] = field(default_factory=dict)
    new_state: dict[str, Any] = field(default_factory=dict)
    _lock: IO[bytes] | None = None
    hits = 0
    stored = 0

    @functools.cached_property
    def code(self) -> str:
        """:func:`code_key`, once per build (~50 ms; pages, door notices,
        calendars, digests and the search index all key with it)."""
        return code_key()

    @classmethod
    def open(cls, project_root: Path) -> BuildCache | None:
        """The project's cache, locked for this build; None when another
        build holds it or the folder cannot be made (then the build simply
        makes everything)."""
        root = project_root / CACHE_DIR
        try:
            root.mkdir(parents=True, exist_ok=True)
            lock = open(root / _LOCK, "wb")  # noqa: SIM115 - held until close()
        except OSError as exc:
            log.info(f"构建缓存不可用（{exc}），本次全部重新生成")
            return None
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # not POSIX: no lock, still correct one build at a time
            pass
        except OSError:
            lock.close()
            log.info("另一个构建正在使用缓存，本次全部重新生成")
            return None
        cache = cls(root, _lock=lock)
        cache._read_index()
        return cache

    def _read_index(self) -> None:
        try:
            data = json.loads((self.root / _INDEX).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return
        entries = data.get("entries")
        if isinstance(entries, dict):
            self._index = {k: (int(v[0]), int(v[1])) for k, v in entries.items() if isinstance(v, list) and len(v) == 2}
        state = data.get("state")
        if isinstance(state, dict):
            self.state = state

    def _path(self, key: str) -> Path:
        return self.root / "objects" / key[:2] / key

    def fetch(self, key: str, dest: Path) -> bool:
        """Put the entry ``key`` at ``dest`` (a new name for the same file);
        False, and nothing written, when there is no intact entry."""
        sig = self._index.get(key) or self._used.get(key)
        if sig is None:
            return False
        src = self._path(key)
        try:
            st = src.stat()
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != sig:
            return False
        try:
            _replace_with_link(src, dest)
        except OSError:
            return False
        self._used[key] = sig
        self.hits += 1
        return True

    def fetch_all(self, items: Sequence[tuple[str, Path]]) -> bool:
        """:meth:`fetch` every (key, dest), or none: a file of a group that
        belongs together (a chunk of door pages, a search bundle) is taken
        away again when another is missing. One after the other: linking
        17,000 pages of L took 3.19 s / 4.52 s so and 5.06 s / 7.66 s in
        eight threads (alternating runs): the links of one folder
        (activities/<id>/…) wait for each other in the kernel."""
        placed: list[Path] = []
        for key, dest in items:
            if not self.fetch(key, dest):
                for path in placed:
                    path.unlink(missing_ok=True)
                return False
            placed.append(dest)
        return True

    def keep(self, key: str, path: Path) -> None:
        """Store the finished file at ``path`` as the entry ``key``."""
        entry = self._path(key)
        try:
            _replace_with_link(path, entry)
            st = entry.stat()
        except OSError as exc:  # a full disk: the build itself goes on
            log.debug(f"cache: {path}: {exc}")
            return
        self._used[key] = (st.st_size, st.st_mtime_ns)
        self.stored += 1

    def get_bytes(self, key: str) -> bytes | None:
        """The bytes stored as the entry ``key`` (:meth:`put_bytes`), None
        when there is no intact entry."""
        sig = self._index.get(key) or self._used.get(key)
        if sig is None:
            return None
        try:
            with open(self._path(key), "rb") as fh:
                st = os.fstat(fh.fileno())
                if (st.st_size, st.st_mtime_ns) != sig:
                    return None
                data = fh.read()
        except OSError:
            return None
        if len(data) != sig[0]:
            return None
        self._used[key] = sig
        self.hits += 1
        return data

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` as the entry ``key``: written whole under a
        temporary name, then renamed, so an entry is never half written."""
        entry = self._path(key)
        tmp = entry.with_name(f".{entry.name}.gs-{os.getpid()}")
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, entry)
            st = entry.stat()
        except OSError as exc:  # a full disk: the build itself goes on
            log.debug(f"cache: {key}: {exc}")
            tmp.unlink(missing_ok=True)
            return
        self._used[key] = (st.st_size, st.st_mtime_ns)
        self.stored += 1

    def merge(self, used: dict[str, tuple[int, int]], state: dict[str, Any], hits: int, stored: int) -> None:
        """Take in what a forked worker used and stored in this cache and the
        state it noted (search.start): the worker's copy of this object is
        gone with it, and only this one commits."""
        self._used.update(used)
        self.new_state.update(state)
        self.hits += hits
        self.stored += stored

    def commit(self) -> None:
        """After a successful build: keep the entries it used or stored and
        its state; remove every other entry."""
        data = {"format": FORMAT, "entries": {k: list(v) for k, v in sorted(self._used.items())}, "state": self.new_state}
        tmp = self.root / f".{_INDEX}.{os.getpid()}"
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.root / _INDEX)
        objects = self.root / "objects"
        if not objects.is_dir():
            return
        for bucket in os.scandir(objects):
            if not bucket.is_dir():
                continue
            for entry in os.scandir(bucket.path):
                if entry.name not in self._used:
                    try:
                        os.unlink(entry.path)
                    except OSError:
                        pass

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _replace_with_link(src: Path, dest: Path) -> None:
    """Make ``dest`` a hard link to ``src`` (a copy across file systems),
    replacing whatever ``dest`` was in one step, never writing into it."""
    # Mostly there is nothing at ``dest`` yet (a new entry, a page put back
    # into a new site): one link, and the folder made only when it is
    # missing. A cold build at L keeps ~35,000 entries; the mkdir, link,
    # rename and failed unlink for each were 4.0 s of the main process
    # under py-spy.
    for _attempt in range(2):
        try:
            os.link(src, dest)
            return
        except FileNotFoundError:
            if not src.exists():
                raise
            dest.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            break
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                raise
            break
    # Something is there: link beside it and rename over it (a copy across
    # file systems).
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.gs-{os.getpid()}")
    try:
        os.link(src, tmp)
    except FileExistsError:
        os.unlink(tmp)
        os.link(src, tmp)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
            raise
        shutil.copy2(src, tmp)
    os.replace(tmp, dest)


class PageCache:
    """The build cache's side of the pages: each page's key, the entries
    put back and the warnings they gave. The plugin tells MkDocs which
    pages not to render; nothing here knows MkDocs.

    Keys are the preview's fingerprints (incremental.Fingerprints) with
    :func:`code_key` in their environment: what one `serve` process may take
    as fixed, a later build may not."""

    def __init__(self, cache: BuildCache, site: Site, environment: str, page_paths: Iterable[str], *, nav_from_files: bool = False) -> None:
        self.cache = cache
        self.prints = Fingerprints(site, digest(environment, cache.code), page_paths, nav_from_files=nav_from_files)
        warnings = cache.state.get("warnings")
        self._warnings: dict[str, list[list[Any]]] = warnings if isinstance(warnings, dict) else {}
        cache.new_state["warnings"] = {}
        # page → (key, output path) of pages to store once rendered
        self.pending: dict[str, tuple[str, Path]] = {}
        self.hits = 0

    def key(self, src_uri: str, dest_uri: str, spec: PageSpec | None, source: Callable[[], bytes]) -> str | None:
        """The page's key; None for a page rendered every time (a listing
        without a fingerprint)."""
        fp = self.prints.generated(spec) if spec is not None else self.prints.source(src_uri, source())
        return digest("page", fp, dest_uri) if fp is not None else None

    def fetch(self, pages: Sequence[tuple[str, str | None, Path]]) -> list[list[tuple[str, int, str]] | None]:
        """Put back each (page, key, output path) there is an entry for.
        For each page: the warnings its rendering gave, to be given again;
        None when it must be rendered (and then stored, see :meth:`keep`)."""
        wanted = [(key, dest) for _src, key, dest in pages if key is not None]
        found = iter([self.cache.fetch(key, dest) for key, dest in wanted])
        result: list[list[tuple[str, int, str]] | None] = []
        for src_uri, key, dest in pages:
            if key is not None and next(found):
                self.hits += 1
                warned = self._warnings.get(key)
                if warned:
                    self.cache.new_state["warnings"][key] = warned
                result.append([(str(name), int(level), str(message)) for name, level, message in warned or ()])
                continue
            if key is not None:
                self.pending[src_uri] = (key, dest)
            result.append(None)
        return result

    def keep(self, warnings_by_page: Mapping[str, list[tuple[str, int, str]]]) -> None:
        """After the pages were written: store those rendered, with what
        they warned of."""
        for src_uri, (key, dest) in self.pending.items():
            if dest.is_file():
                self.cache.keep(key, dest)
                found = warnings_by_page.get(src_uri)
                if found:
                    self.cache.new_state["warnings"][key] = found
