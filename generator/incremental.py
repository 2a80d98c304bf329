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
* per page: a Markdown page adds its source bytes, its bulletin record and,
  when it may hold a link (LINK_SYNTAX), the set of pages that exist (its
  links resolve against it; without a nav in mkdocs.yml every page's
  sidebar lists them, and the set is shared by all pages); an activity
  page adds its activity; a building page adds every activity its residents
  are invited to (:func:`generator.queries.for_building` reads exactly that
  index). Any other generated page (home, archives, calendars, indexes)
  lists many records and has no fingerprint: it is rendered on every build.

Values are hashed through ``repr`` of the frozen model dataclasses, which
prints every field that can reach a page (only source locations are left
out). tests/test_perf_correctness.py edits each kind of input in a live
``serve`` process and compares the result with a clean build byte for byte.

:class:`RebuildPlan` decides, from the fingerprints, which pages a rebuild
leaves as they were; :class:`CompiledTemplates` keeps the compiled
templates from one rebuild to the next.

No MkDocs here: the plugin asks for the plan and tells MkDocs which files
are unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import fields
from importlib import metadata
from pathlib import Path
from typing import Any, Generic, TypeVar

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from .model import Site
from .pages import PageSpec
from .queries import PerModel, is_over

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


# Digests of a model's records (activities), by model and record: the
# calendar writer's keys and the door notices' and digests' shown lists each
# hashed every activity through repr() (~45 us each at bench scale L, three
# times 10,300 in the main process of a cold build, py-spy). A record is
# kept with its digest, so an id() is never mistaken for a newer object's;
# the entry goes with its model.
_RECORD_DIGESTS: PerModel[dict[int, tuple[object, str]]] = PerModel(lambda _site: {})


def record_digest(site: Site, record: object) -> str:
    """``digest(record)`` of a record of ``site``, made once per model."""
    memo = _RECORD_DIGESTS(site)
    hit = memo.get(id(record))
    if hit is None or hit[0] is not record:
        hit = memo[id(record)] = (record, digest(record))
    return hit[1]


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


def shared_digest(site: Site, *extra: object, memo: dict[str, tuple[object, str]] | None = None) -> str:
    """A hash of every field of the model except the large per-page
    collections (see the module docstring), and of ``extra``; each field
    is hashed alone. With ``memo`` (serve: Records.fields), a field that is
    the same object as last time keeps its hash: a model is never changed
    once built, and a save that leaves places.yml, venues.yml… as they
    were leaves their records the same objects (pipeline.ModelCache).
    Hashing L's 2,000 buildings through repr took ~10 ms of every save."""
    parts = []
    for f in fields(site):
        if f.name in _PER_PAGE:
            continue
        value = getattr(site, f.name)
        hit = memo.get(f.name) if memo is not None else None
        if hit is None or hit[0] is not value:
            hit = (value, digest(value))
            if memo is not None:
                memo[f.name] = hit  # the value is held, so its id() is not another's
        parts.append((f.name, hit[1]))
    return digest(*extra, parts)


class Memo(Generic[V]):
    """Values computed in one build and kept for the next, looked up by a
    key that covers everything they are computed from. Only what the last
    build used is kept, so memory does not grow over a day of previewing.
    Writers that serialise per record (calendars) use one per module.
    """

    def __init__(self) -> None:
        self._previous: dict[Hashable, V] = {}
        self._current: dict[Hashable, V] = {}
        self._finished = True

    def next_build(self) -> None:
        if self._finished:
            self._previous = self._current or self._previous
        else:
            # The last build was stopped part way (serve: a newer save): it
            # used only some of the values, and the next needs the rest.
            self._previous = {**self._previous, **self._current}
        self._current = {}
        self._finished = False

    def finished(self) -> None:
        """This build asked for every value it needs."""
        self._finished = True

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        value = self._current.get(key)
        if value is None:
            value = self._previous.get(key)
            if value is None:
                value = compute()
            self._current[key] = value
        return value


class Records:
    """Digests of model records, kept from one rebuild to the next by the
    record object itself. A record made of unchanged input is the same
    object in the next model (pipeline.ModelCache), so its digest is not
    computed again; the object is kept with its digest, so an id() is never
    mistaken for a newer object's. Records are frozen dataclasses, never
    changed after the model is built. Only what the last rebuild used is
    kept."""

    def __init__(self) -> None:
        self._previous: dict[int, tuple[object, str]] = {}
        self._current: dict[int, tuple[object, str]] = {}
        self._derived_previous: dict[tuple[int, str], tuple[object, object]] = {}
        self._derived_current: dict[tuple[int, str], tuple[object, object]] = {}
        # the last model's activity digests, and building → (invited ids, their digest)
        self.activities: dict[str, str] = {}
        self.invited: dict[str, tuple[tuple[str, ...], str]] = {}
        # Fingerprints of the lists made of every activity (upcoming, past,
        # lectures, months), and what they were made from: the activities'
        # digests and (site.today, site.tz) — see Fingerprints.__init__.
        self.activity_lists: dict[str, Any] = {}
        self.activity_lists_basis: object = None
        # the model's shared fields, each with its digest (shared_digest's memo)
        self.fields: dict[str, tuple[object, str]] = {}
        # page → (what its fingerprint was made of, the fingerprint): see page_print
        self._prints_previous: dict[str, tuple[tuple[str | bytes | None, ...], str]] = {}
        self._prints_current: dict[str, tuple[tuple[str | bytes | None, ...], str]] = {}

    def next_build(self) -> None:
        self._previous, self._current = self._current or self._previous, {}
        self._derived_previous, self._derived_current = self._derived_current or self._derived_previous, {}
        self._prints_previous, self._prints_current = self._prints_current or self._prints_previous, {}

    def page_print(self, page: str, inputs: tuple[str | bytes | None, ...], compute: Callable[[], str]) -> str:
        """A page's fingerprint, computed again only if what it is made of
        changed since the last rebuild. ``inputs`` are strings and bytes
        (digests of the records, the page's source), compared by value:
        equal inputs give the same hash. Why: a save at bench scale L asks
        for 17,340 fingerprints, a few dozen of which change, and hashing
        each again (through repr) was ~0.3 s of a 1.9 s activity edit. A
        bulletin's inputs hold its bytes (~25 MB at L, as the FileCache
        does): comparing them is cheaper than hashing them."""
        hit = self._prints_current.get(page) or self._prints_previous.get(page)
        if hit is None or hit[0] != inputs:
            hit = (inputs, compute())
        self._prints_current[page] = hit
        return hit[1]

    def derived(self, record: object, name: str, compute: Callable[[], V]) -> V:
        """A value computed from one record alone, kept like its digest."""
        key = (id(record), name)
        hit = self._derived_current.get(key)
        if hit is None:
            hit = self._derived_previous.get(key)
            if hit is None or hit[0] is not record:
                hit = (record, compute())
            self._derived_current[key] = hit
        return hit[1]  # type: ignore[return-value]

    def of(self, record: object) -> str:
        key = id(record)
        hit = self._current.get(key)
        if hit is None:
            hit = self._previous.get(key)
            if hit is None or hit[0] is not record:
                hit = (record, digest(record))
            self._current[key] = hit
        return hit[1]


# What each listing page kind shows of the large collections (every other
# field of the model is in its fingerprint through the shared digest):
#   bulletins  every published bulletin
#   upcoming   activities with an occurrence not over today (queries.is_over)
#   past       activities with an occurrence over today
#   lectures   the lectures (activities with a speaker's series)
# A month page shows the activities with an occurrence starting in its month,
# a year page the bulletins of its year, and both the other months or years
# that have a page (Fingerprints._periods).
# It follows the templates' queries (render.SiteView): tests/
# test_perf_correctness.py edits a past activity, an upcoming one, a lecture
# and a bulletin in a live serve loop and compares each page with a clean
# build. A kind not listed here (a page added later) is rendered every time.
LISTING_INPUTS: dict[str, tuple[str, ...]] = {
    "home": ("upcoming", "bulletins"),
    "bulletins": ("bulletins",),
    "column": ("bulletins",),
    "activities": ("upcoming",),
    "activities_past": ("past",),
    "lectures": ("lectures",),
    "places": (),
    "teams": (),
    "venues": (),
    "notices": (),
}


# What can make a link (an <a href> or <img src> that MkDocs resolves
# against the documentation files) in a Markdown page: an inline link or
# image, a reference definition, a wiki link, raw HTML or an autolink, an
# attribute list. Generous on purpose: a page with one of these merely
# depends on the whole set of pages, as every page did before. Lower case:
# the page is compared lowered.
LINK_SYNTAX = (b"](", b"]:", b"[[", b"<", b"href", b"src")


def _may_link(data: bytes) -> bool:
    lowered = data.lower()
    return any(syntax in lowered for syntax in LINK_SYNTAX)


class Fingerprints:
    """Fingerprints of one model's pages (see the module docstring)."""

    def __init__(self, site: Site, environment: str, page_paths: Iterable[str], records: Records | None = None,
                 *, nav_from_files: bool = False) -> None:
        self.site = site
        self.records = records if records is not None else Records()
        self.records.next_build()
        self.shared = shared_digest(site, environment, memo=self.records.fields)
        self.page_set = digest(sorted(page_paths))
        if nav_from_files:
            # mkdocs.yml without a nav: MkDocs makes one of the Markdown
            # pages, and every page's sidebar shows it.
            self.shared = digest(self.shared, self.page_set)
        self._collections: dict[str, str] = {}
        self._periods: dict[str, tuple[str, dict[object, str]]] = {}
        # Activities added or changed since the last model. A record made
        # again (another activity of its file changed) is compared by digest.
        # One pass over the 10,000 activities of bench scale L, not three
        # (py-spy of ten activity saves: 97 of 2,885 samples).
        last = self.records.activities
        of = self.records.of
        known = _RECORD_DIGESTS(site)  # record_digest's, told what Records.of made
        now: dict[str, str] = {}
        self._changed: set[str] = set()
        for aid, a in site.activities.items():
            now[aid] = found = of(a)
            known[id(a)] = (a, found)
            if last.get(aid) != found:
                self._changed.add(aid)
        self.records.activities = now
        self._invited, self.records.invited = self.records.invited, {}
        self._touched_buildings: frozenset[str] | None = None
        # The same activities (none changed or added, none removed, in the
        # same order: a listing's ties keep the files' order) and the same
        # day: the lists of all activities are as the last model's.
        # Making them walked 10,000 activities and their occurrences on
        # every save at bench scale L (py-spy: ~60 of 163 samples of the
        # generated pages' fingerprints, in a bulletin edit too).
        basis = (site.today, str(site.tz))
        if self._changed or list(last) != list(site.activities) or self.records.activity_lists_basis != basis:
            self.records.activity_lists = {}
        self.records.activity_lists_basis = basis

    def activity(self, activity_id: str) -> str:
        """The hash of one activity record."""
        return self.records.of(self.site.activities[activity_id])

    def _invited_digest(self, building_id: str) -> str:
        """The hash of the activities a building's residents are invited to.
        Kept when the list of ids is the same and none of them changed:
        a community-wide activity is on every building page of its
        community, and a district has 2,000 buildings."""
        ids = self.site.activities_by_building.get(building_id, ())
        last = self._invited.get(building_id)
        if last is not None and last[0] is ids and building_id not in self._touched():
            # The same list (pipeline._by_building_again keeps a building's
            # tuple when no activity of it moved) and none of its activities
            # changed: asking that of the list itself compared 2,000 lists
            # of ~200 ids twice, ~18 ms of every activity save at bench
            # scale L (py-spy).
            found = last[1]
        elif last is not None and last[0] == ids and self._changed.isdisjoint(ids):
            found = last[1]
        else:
            found = digest([self.activity(i) for i in ids])
        self.records.invited[building_id] = (ids, found)
        return found

    def _touched(self) -> frozenset[str]:
        """The buildings a changed activity invites (the ids of a building
        are those of the activities whose audience holds it)."""
        if self._touched_buildings is None:
            acts = self.site.activities
            self._touched_buildings = frozenset(b for aid in self._changed if aid in acts for b in acts[aid].audience_buildings)
        return self._touched_buildings

    def _collection(self, name: str) -> str:
        found = self._collections.get(name)
        if found is None:
            kept = self.records.activity_lists if name != "bulletins" else {}
            found = kept.get(name)
            if found is None:
                found = kept[name] = digest([self.records.of(r) for r in self._members(name)])
            self._collections[name] = found
        return found

    def _members(self, name: str) -> Iterable[object]:
        site = self.site
        if name == "bulletins":
            return site.bulletins
        if name in ("upcoming", "past"):
            # Whether an activity has occurrences to come and over, per
            # record and day: after an activity edit only its own record's
            # occurrences are looked at again, not 10,000 activities'.
            tag = f"over {site.today} {site.tz}"
            side = 0 if name == "upcoming" else 1
            return [a for a in site.activities.values() if self.records.derived(a, tag, lambda a=a: _sides(site, a))[side]]  # type: ignore[misc]
        if name == "lectures":
            return [a for a in site.activities.values() if a.lecture]
        raise KeyError(name)

    def _period(self, kind: str, key: object) -> tuple[str, str]:
        """(the hash of which periods have a page, the hash of what the
        period ``key`` lists) for month or year pages."""
        found = self._periods.get(kind)
        if found is None and kind == "activities_month":
            found = self.records.activity_lists.get(kind)
            if found is not None:
                self._periods[kind] = found
        if found is None:
            groups: dict[object, list[str]] = {}
            if kind == "activities_month":
                for a in self.site.activities.values():
                    # a month page's items: occurrences starting in its month (local time)
                    months = self.records.derived(a, "months", lambda a=a: frozenset(f"{o.start:%Y-%m}" for o in a.occurrences))  # type: ignore[misc]
                    for month in months:
                        groups.setdefault(month, []).append(self.records.of(a))
            else:
                for b in self.site.bulletins:
                    groups.setdefault(b.date.year, []).append(self.records.of(b))
            found = self._periods[kind] = (digest(sorted(groups)), {k: digest(v) for k, v in groups.items()})  # type: ignore[type-var]
            if kind == "activities_month":
                self.records.activity_lists[kind] = found
        return found[0], found[1].get(key, "")

    def generated(self, spec: PageSpec) -> str | None:
        """A generated page's fingerprint; None for pages rendered every time."""
        if spec.kind in ("activities_month", "bulletins_year"):
            return digest(self.shared, spec.src_uri, spec.template, spec.title, spec.meta, spec.obj, self._period(spec.kind, spec.obj))
        if spec.kind == "activity":
            record = self.records.of(spec.obj)
            inputs: tuple[str, ...] = (self.shared, spec.src_uri, spec.template, spec.title, record)
            return self._memo(spec, inputs, lambda: digest(self.shared, spec.src_uri, spec.template, spec.title, spec.meta, record))
        if spec.kind == "building":
            invited = self._invited_digest(spec.obj.id)
            inputs = (self.shared, spec.src_uri, spec.template, spec.title, self.records.of(spec.obj), invited)
            return self._memo(spec, inputs, lambda: digest(self.shared, spec.src_uri, spec.template, spec.title, spec.meta, spec.obj, invited))
        listed = LISTING_INPUTS.get(spec.kind)
        if listed is None:
            return None
        return digest(self.shared, spec.src_uri, spec.template, spec.title, spec.meta, spec.obj, [self._collection(n) for n in listed])

    def _memo(self, spec: PageSpec, inputs: tuple[str, ...], compute: Callable[[], str]) -> str:
        """``compute()``, or the last rebuild's answer if ``inputs`` (the
        digests and strings the fingerprint is made of, less the page's
        meta) are the same and the page has no meta (none of the kinds
        memoised has: a meta dict would have to go into the inputs)."""
        if spec.meta:
            return compute()
        return self.records.page_print(spec.src_uri, inputs, compute)

    def source(self, src_uri: str, data: bytes) -> str:
        """An editor's Markdown page (a bulletin, 关于…): its bytes, its
        bulletin record (None for other pages) and, if it may hold a link,
        the files its links and images may point to (``page_paths``: every
        file MkDocs knows, images too).

        A page without any of LINK_SYNTAX cannot hold a link MkDocs resolves
        against the other pages, so it does not depend on which exist: at
        bench scale L a new bulletin made all 5,000 bulletin pages render
        again (a cached build: 42.5 s, against 15 s with nothing changed)."""
        bulletin = self.site.bulletins_by_src.get(src_uri)
        record = self.records.of(bulletin) if bulletin is not None else None
        # The set of pages is an input of the kept fingerprint only where it
        # is one of the page's: a page added in `serve` (an activity or a
        # bulletin) then leaves 5,000 bulletins' fingerprints as they were,
        # where it made them all be hashed again (~0.14 s of a save that
        # adds an activity at bench scale L, py-spy of twelve such saves in
        # process). The answer is kept by the bytes object, which the
        # FileCache keeps while the file is unchanged.
        pages = self.page_set if self.records.derived(data, "may_link", lambda: _may_link(data)) else None
        return self.records.page_print(src_uri, (self.shared, pages, data, record), lambda: digest(self.shared, pages, src_uri, data, record))


def _sides(site: Site, activity: Any) -> tuple[bool, bool]:
    """(has an occurrence not over today, has one over) — see is_over."""
    over = [is_over(site, o) for o in activity.occurrences]
    return (not all(over), any(over))


class RebuildPlan:
    """One `serve` rebuild's page fingerprints (:class:`Fingerprints`), and
    which pages they leave as they were. ``file``: MkDocs' File, or anything
    with its src_uri, abs_src_path, dest_uri and page.

    A generated page whose fingerprint did not change keeps its File, and
    with it its Page, from the last build: MkDocs makes a Page only for a
    File without one. At bench scale L that is ~12,000 of 17,340 pages per
    save, and making their Files and Pages again took 0.3 s of a 1.5 s
    bulletin rebuild (pyinstrument: File.generated 0.15 s, get_navigation
    0.75 s of which most Page.__init__, at the profiler's 2x). A kept page is
    not read or rendered (is_modified), so what MkDocs set on it in an
    earlier build is what a new one would hold: its title, URL and
    canonical URL are made of the spec and the configuration, both in the
    fingerprint; the sitemap dates are set again on every page (the plugin's
    _date_pages).

    A page is left as it was only if the last good build has it on disk
    (``on_disk``: the output paths of its pages, which it wrote or left,
    and of its static files), known from that build's record, not from
    the file system: a stat call for each of 17,340 pages took 46–48 ms
    of every rebuild at bench scale L (timed alone, warm), the set lookup
    1.3–2.1 ms (py-spy, sampling rebuilds in process, had put it at
    ~0.16 s of a ~1.7 s activity edit). The preview's folder
    is MkDocs' temporary folder, which only the build writes and removes
    in (plugin.on_post_build: remove_gone)."""

    def __init__(self, prints: Fingerprints, previous: dict[str, str], kept_last: dict[str, Any], *, blind: bool,
                 on_disk: frozenset[str] = frozenset(), sources: Mapping[str, bytes] | None = None) -> None:
        self.prints = prints
        # src_uri → the bytes this rebuild's model was read from
        # (load.FileCache.read): a Markdown page is not read twice.
        self.sources = sources if sources is not None else {}
        self.previous = previous  # page -> fingerprint, as of the last good build
        self.on_disk = on_disk
        self.kept_last = kept_last
        self.blind = blind
        self.keys: dict[str, str] = {}
        # the generated pages whose File and Page are the last build's
        self.kept: set[str] = set()

    def key(self, file: Any, spec: PageSpec | None) -> str | None:
        """The page's fingerprint; None for a page rendered every time."""
        key = self.keys.get(file.src_uri)
        if key is not None or self.blind:
            return key
        if spec is not None:
            key = self.prints.generated(spec)
        else:
            data = self.sources.get(file.src_uri)
            key = self.prints.source(file.src_uri, data if data is not None else _read_source(file.abs_src_path or ""))
        if key is not None:
            self.keys[file.src_uri] = key
        return key

    def unchanged(self, file: Any, key: str | None) -> bool:
        if file.src_uri in self.kept:
            return True
        return key is not None and self.previous.get(file.src_uri) == key and file.dest_uri in self.on_disk

    def kept_file(self, spec: PageSpec) -> Any | None:
        """The last build's File of this generated page, if unchanged."""
        file = self.kept_last.get(spec.src_uri)
        if file is None or not self.unchanged(file, self.key(file, spec)):
            return None
        self.kept.add(spec.src_uri)
        if file.page is not None:
            # Read only when rendered, which a kept page is not; the new
            # model's record lets the old model go.
            file.page.meta["gs_obj"] = spec.obj
        return file

    def kept_source(self, file: Any, record: object | None) -> Any | None:
        """The last build's File of this Markdown page (a bulletin, 关于…),
        with the Page MkDocs made for it, if the page is unchanged
        (:meth:`unchanged` said so) and the File is that of the same source
        at the same output path. ``record``: the page's bulletin in the new
        model, if it is one (as :meth:`kept_file` does with its spec's).

        Why: MkDocs makes a new File for each Markdown page on every build
        and a new Page for each File without one (get_navigation). The kept
        Page is not read or rendered, as a new one would not be
        (is_modified), but unlike a new one it knows its title: a nav entry
        without one (``- about.md``, or no nav in mkdocs.yml) takes the
        page's, and every page a rebuild rendered showed "None" in its tabs
        or sidebar for each unchanged page (tests/test_perf_correctness.py).
        And at bench scale L (5,000 bulletins), get_navigation took
        0.12-0.19 s of every save, 0.01-0.03 s with the Pages kept (timed in
        the server, 20 saves of each kind, 2026-12-01)."""
        last = self.kept_last.get(file.src_uri)
        if last is None or last is file or last.page is None:
            return None
        # Its URL and source path follow from its dest_uri and src_uri and the
        # configuration, which the fingerprint holds; asking for them would
        # make them for each new File (cached properties MkDocs has not
        # computed yet at this point).
        if last.dest_uri != file.dest_uri or last.inclusion != file.inclusion:
            return None
        self.kept.add(file.src_uri)
        if record is not None and "gs_obj" in last.page.meta:
            # Read only when rendered, which a kept page is not; the new
            # model's record lets the old model go.
            last.page.meta["gs_obj"] = record
        return last


def _read_source(path: str) -> bytes:
    # open() on the string: a pathlib.Path made for each of 5,000 bulletins
    # per save was a third of the time spent reading them.
    with open(path, "rb") as f:
        return f.read()


class CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory across `serve` rebuilds. Jinja
    checks each template's source against the checksum it was compiled
    from; the salt (:func:`environment_key`: mkdocs.yml and the theme)
    keeps an environment made from another configuration apart."""

    def __init__(self) -> None:
        self.salt = ""
        self._code: dict[str, bytes] = {}

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return digest(self.salt, super().get_cache_key(name, filename))

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()
