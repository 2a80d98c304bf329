"""Stage 4c, the preview's rebuild plan: which pages must be rendered again.

``serve`` rebuilds on every save. Rendering every page again costs seconds
at community scale and minutes at district scale, though one save changes
a few pages: the edited bulletin and the lists showing it, or the edited
activity, its buildings and the calendars. So each page gets a fingerprint,
a hash of everything its HTML is made from, and a rebuild renders only the
pages whose fingerprint changed (or whose file is missing).

Correctness rests on what goes into a fingerprint, so it is generous:

* :func:`environment_key` — the engine configuration (``mkdocs.yml``, the
  preview URL), every file of the theme folders and the versions of the
  engine and theme: a template edit changes every page's fingerprint;
* :class:`Fingerprints`.shared — every field of the model except the four
  large per-page collections (activities, bulletins, drafts and the
  building → activities index), so places, venues, teams, series, columns,
  the site's settings and *today* are part of every page's fingerprint; a
  field added to :class:`~generator.model.Site` later is included without
  anyone remembering to;
* per page: a Markdown page adds its source bytes, its bulletin record and
  the set of pages that exist (its links resolve against it); an activity
  page adds its activity; a building page adds every activity its residents
  are invited to (:func:`generator.queries.for_building` reads exactly that
  index). Any other generated page (home, archives, calendars, indexes)
  lists many records and has no fingerprint: it is rendered on every build.

Values are hashed through ``repr`` of the frozen model dataclasses, which
prints every field that can reach a page (only source locations are left
out). tests/test_perf_correctness.py edits each kind of input in a live
``serve`` process and compares the result with a clean build byte for byte.

No MkDocs here: the plugin asks for fingerprints and tells MkDocs which
files are unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable
from dataclasses import fields
from importlib import metadata
from pathlib import Path
from typing import Generic, TypeVar

from .model import Site
from .pages import PageSpec

V = TypeVar("V")

# Site fields that only some pages show; every other field is shared.
_PER_PAGE = frozenset({"activities", "bulletins", "drafts", "activities_by_building"})


def digest(*parts: object) -> str:
    """A hash of the parts: bytes as they are, anything else through ``repr``
    (model dataclasses print every field that can reach the output)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        h.update(part if isinstance(part, bytes) else repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _versions(names: Iterable[str]) -> list[tuple[str, str]]:
    found = []
    for name in names:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, ""))
    return found


def environment_key(config_bytes: bytes, site_url: str, theme_dirs: Iterable[Path]) -> str:
    """What every page depends on outside the content: the engine's
    configuration, the theme's files (templates, partials, CSS) and versions."""
    h = hashlib.blake2b(digest_size=20)
    h.update(config_bytes)
    h.update(repr((site_url, _versions(("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jinja2")))).encode())
    for root in theme_dirs:
        h.update(str(root).encode("utf-8", "surrogatepass"))
        # An installed theme (Material's) is covered by its version: its
        # files are many and never edited.
        if not root.is_dir() or {"site-packages", "dist-packages"} & set(root.parts):
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(path.relative_to(root).as_posix().encode("utf-8", "surrogatepass"))
            h.update(path.read_bytes())
    return h.hexdigest()


def shared_digest(site: Site, *extra: object) -> str:
    """A hash of every field of the model except the large per-page
    collections (see the module docstring), and of ``extra``."""
    return digest(*extra, [(f.name, getattr(site, f.name)) for f in fields(site) if f.name not in _PER_PAGE])


class Memo(Generic[V]):
    """Values computed in one build and kept for the next, looked up by a
    key that covers everything they are computed from. Only what the last
    build used is kept, so memory does not grow over a day of previewing.
    Writers that serialise per record (calendars) use one per module.
    """

    def __init__(self) -> None:
        self._previous: dict[Hashable, V] = {}
        self._current: dict[Hashable, V] = {}

    def next_build(self) -> None:
        self._previous, self._current = self._current or self._previous, {}

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        value = self._current.get(key)
        if value is None:
            value = self._previous.get(key)
            if value is None:
                value = compute()
            self._current[key] = value
        return value


class Fingerprints:
    """Fingerprints of one model's pages (see the module docstring)."""

    def __init__(self, site: Site, environment: str, page_paths: Iterable[str]) -> None:
        self.site = site
        self.shared = shared_digest(site, environment)
        self.page_set = digest(sorted(page_paths))
        self._activities: dict[str, str] = {}

    def activity(self, activity_id: str) -> str:
        """The hash of one activity record, computed once per build (a
        community-wide activity is on every building page)."""
        found = self._activities.get(activity_id)
        if found is None:
            found = self._activities[activity_id] = digest(self.site.activities[activity_id])
        return found

    def generated(self, spec: PageSpec) -> str | None:
        """A generated page's fingerprint; None for pages rendered every time."""
        if spec.kind == "activity":
            return digest(self.shared, spec.src_uri, spec.template, spec.title, spec.meta, spec.obj)
        if spec.kind == "building":
            invited = [self.activity(i) for i in self.site.activities_by_building.get(spec.obj.id, ())]
            return digest(self.shared, spec.src_uri, spec.template, spec.title, spec.meta, spec.obj, invited)
        return None

    def source(self, src_uri: str, data: bytes) -> str:
        """An editor's Markdown page (a bulletin, 关于…): its bytes, its
        bulletin record (None for other pages) and the pages its links may
        point to."""
        return digest(self.shared, self.page_set, src_uri, data, self.site.bulletins_by_src.get(src_uri))
