"""The core pipeline: files → model. No MkDocs here.

``load_site`` reads every data file and article (load), checks and converts
them (validate) and assembles the :class:`~generator.model.Site` (model). It
either returns a complete model or raises :class:`BuildFailed` with every
problem found, sorted, before anything is rendered or written.
"""

from __future__ import annotations

import operator
import os
import pickle
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import validate as v
from .errors import BuildFailed, ContentError, Location, Problems, display_path
from .load import Article, FileCache, YMap, YNull, YValue, load_article, load_yaml_file
from .model import Activity, Bulletin, Column, IdSet, Organisation, Series, Site, SiteInfo, Team, Venue

if TYPE_CHECKING:
    from .checks import TargetCache

DATA_FILES = ("site.yml", "places.yml", "venues.yml", "teams.yml", "activities.yml", "lectures.yml")
REQUIRED_FILES = ("site.yml", "places.yml")


@dataclass
class ModelCache:
    """serve: the records made of each input file in the last rebuild.

    A rebuild reads every file again, but a file with the same bytes gives
    the same located tree or article object (load.FileCache); records made
    of the same objects, under the same references (the data files other
    than activities), are the same records. Only pieces whose validation
    found no error are kept, with the warnings to report again; an activity
    id claimed by another file since is validated afresh, so a duplicate is
    reported as a clean build reports it. At district scale a bulletin
    edit's model took 4.4 s with every file read and validated again.
    """

    # (the data documents and the unreadable files) → what they make
    data: tuple[tuple[object, ...], _DataPart] | None = None
    # activity file (shown path) → (its document, the data part, activities, problems, ids claimed)
    activities: dict[str, tuple[object, _DataPart, list[Activity], Problems, dict[str, Location]]] = field(default_factory=dict)
    # activity file (shown path) → id(item) → (the item, the data part, its
    # activity, its warnings, where its id was claimed): _read_activities
    activity_items: dict[str, dict[int, _ItemRead]] = field(default_factory=dict)
    # bulletin source → (its article, the columns, bulletin, is a draft, problems)
    bulletins: dict[str, tuple[Article, dict[str, Column], Bulletin | None, bool, Problems]] = field(default_factory=dict)
    # (the buildings, the activities) → Site.activities_by_building, and the
    # activities by id
    by_building: tuple[object, list[Activity], dict[str, tuple[str, ...]], dict[str, Activity]] | None = None
    # article source → (the article, its links and images): checks.TargetCache
    targets: TargetCache = field(default_factory=dict)


@dataclass
class LoadCache:
    """serve: what one rebuild read and made, for the next one."""

    files: FileCache = field(default_factory=FileCache)
    model: ModelCache = field(default_factory=ModelCache)
    shown: dict[Path, str] = field(default_factory=dict)
    # an article's path relative to content/ → its Path (article_paths)
    paths: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Project:
    """Where a site's files are. ``root`` is the folder holding mkdocs.yml."""

    root: Path
    content_dir: Path
    # serve: what the last rebuild read and made (LoadCache); None: read every file
    cache: LoadCache | None = field(default=None, compare=False)

    @property
    def data_dir(self) -> Path:
        return self.content_dir / "data"

    def shown(self, path: Path) -> str:
        # serve: remembered, as relative_to took ~30 ms of every save for
        # 5,001 bulletins at bench scale L.
        if self.cache is None:
            return self._shown(path)
        found = self.cache.shown.get(path)
        if found is None:
            found = self.cache.shown[path] = self._shown(path)
        return found

    def _shown(self, path: Path) -> str:
        # A path found by walking the (resolved) content folder is already
        # under the root as written, and that is the path the editor knows
        # (through a linked folder too): no resolve(), which cost a stat
        # call a part, 0.7 s for 5,000 articles.
        if path.is_absolute() and ".." not in path.parts:
            try:
                return path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return display_path(path, self.root)

    @property
    def files(self) -> FileCache | None:
        return self.cache.files if self.cache is not None else None

    @classmethod
    def at(cls, root: Path, content: str = "content") -> Project:
        return cls(root.resolve(), (root / content).resolve())


@dataclass
class Loaded:
    """Raw located documents of one run."""

    data: dict[str, YValue] = field(default_factory=dict)
    # (shown path, document), or _Deferred for a file another process reads (_Prefetch)
    activity_docs: list[tuple[str, YValue | _Deferred]] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # data files that could not be read


# Other spellings of a Markdown file: MkDocs publishes .markdown as a page
# the site does not check (no bulletin), and .MD or .md.txt as the raw file.
_OTHER_MARKDOWN = (".markdown", ".mdown", ".mkdn", ".mkd", ".md.txt")


def article_paths(project: Project, odd: list[str] | None = None) -> list[tuple[Path, str]]:
    """Markdown files under content/ (and each one's path relative to it,
    as a URL path), data/ and hidden files and folders excluded, in a
    stable order: Path order. (os.walk, not rglob: 5,000 bulletins took
    0.25 s, on every save of the preview; and no Path comparisons or
    relative_to: another 0.05 s.)"""
    data = str(project.data_dir)
    top = str(project.content_dir)
    found: list[tuple[str, ...]] = []
    for folder, dirs, names in os.walk(top):
        if folder == data:
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        under = tuple(folder[len(top):].split(os.sep)[1:])
        found.extend((*under, name) for name in names if name.endswith(".md") and not name.startswith("."))
        if odd is not None:
            odd.extend("/".join((*under, name)) for name in names
                       if not name.endswith(".md") and not name.startswith(".") and name.lower().endswith((".md", *_OTHER_MARKDOWN)))
    # The parts in order compare as Paths do (PurePosixPath: part by part).
    found.sort()
    root = project.content_dir
    if project.cache is None:
        return [(root.joinpath(*parts), "/".join(parts)) for parts in found]
    # serve: the last save's Path objects, which know their text and hash
    # (Project.shown and FileCache look them up): making 5,000 new ones
    # and hashing them took ~30 ms of every save at bench scale L (py-spy).
    known, now = project.cache.paths, {}
    for parts in found:
        rel = "/".join(parts)
        path = known.get(rel)
        now[rel] = path if path is not None else root.joinpath(*parts)
    project.cache.paths = now
    return [(path, rel) for rel, path in now.items()]


def is_bulletin(rel: str) -> bool:
    return rel.startswith("bulletins/") and not rel.endswith("/index.md") and rel != "bulletins/index.md"


def activity_files(project: Project) -> list[Path]:
    """The files of content/data/activities/, in the order they are read
    (after activities.yml)."""
    extra = project.data_dir / "activities"
    if not extra.is_dir():
        return []
    return sorted(extra.glob("*.yml")) + sorted(extra.glob("*.yaml"))


def load_files(project: Project, p: Problems, articles: bool = True, defer: Collection[Path] = ()) -> Loaded:
    """Stage 1: read and parse every file; a broken file is one error, the
    others are still read so all problems show in one run. Without
    ``articles``, the data files only (door notices and digests need no
    bulletin, and a bulletin's mistake must not stop their printing).
    The files of content/data/activities/ in ``defer`` are not read here:
    another process reads them (_Prefetch), and build_data reads what it
    could not."""
    loaded = Loaded()
    if project.files is not None:
        # What this rebuild reads, and nothing an earlier one did.
        project.files.read = {}
    if not project.data_dir.is_dir():
        p.error(Location(project.shown(project.data_dir)), "找不到数据文件夹", "请创建 content/data/ 并放入 site.yml 和 places.yml")
        return loaded
    for name in DATA_FILES:
        path = project.data_dir / name
        if not path.exists():
            if name in REQUIRED_FILES:
                p.error(Location(project.shown(path)), "缺少必需的数据文件", f"请创建 {project.shown(path)}（格式见 docs/data-formats.md）")
            continue
        try:
            doc = load_yaml_file(path, project.shown(path), project.files)
        except ContentError as exc:
            p.add(exc)
            loaded.failed.add(name)
            continue
        if name == "activities.yml":
            loaded.activity_docs.append((project.shown(path), doc))
        else:
            loaded.data[name] = doc
    extra = project.data_dir / "activities"
    for path in activity_files(project):
        if path in defer:
            loaded.activity_docs.append((project.shown(path), _Deferred(path)))
            continue
        try:
            loaded.activity_docs.append((project.shown(path), load_yaml_file(path, project.shown(path), project.files)))
        except ContentError as exc:
            p.add(exc)
    for path in sorted(set(project.data_dir.glob("*.yaml"))):
        p.error(Location(project.shown(path)), "数据文件的扩展名应为 .yml", f"请改名为 {path.stem}.yml")
    # Only the names above are read: activities-2027.yml or a misspelt
    # activites.yml was left out of the site without a word.
    for path in sorted(set(project.data_dir.glob("*.yml"))):
        if path.name not in DATA_FILES:
            close = v.suggest(path.name, DATA_FILES)
            p.warn(Location(project.shown(path)), "这个数据文件不会被读取：文件名不是约定的名字之一",
                   close + f"活动可以分放在 {project.shown(extra)}/ 文件夹里的任意 .yml 文件中；"
                   f"其他数据只读 {'、'.join(DATA_FILES)}")
    if extra.is_dir():
        for path in sorted(set(extra.glob("*/**/*.yml")) | set(extra.glob("*/**/*.yaml"))):
            p.warn(Location(project.shown(path)), "子文件夹里的活动文件不会被读取",
                   f"请把它直接放在 {project.shown(extra)}/ 里")
    if articles:
        load_articles(project, loaded, p)
    return loaded


def load_articles(project: Project, loaded: Loaded, p: Problems) -> None:
    """Stage 1 for the Markdown articles: read and parse each into ``loaded``."""
    from .pages import url_of  # not at the top: pages → notices → cli → pipeline

    odd: list[str] = []
    paths = article_paths(project, odd)
    for rel in odd:
        shown = project.shown(project.content_dir / rel)
        stem = rel.rsplit("/", 1)[-1].split(".", 1)[0]
        p.error(Location(shown), "文章的扩展名应为小写的 .md，否则不会作为文章发布", f"请改名为 {stem}.md")
    urls: dict[str, Path] = {}
    for path, rel in paths:
        # bulletins/x.md and bulletins/x/index.md are both bulletins/x/:
        # the second replaced the first without a word.
        url = url_of(rel)
        shown = project.shown(path)  # once: ~10 µs, 5,000 times per preview save
        if url in urls:
            p.error(Location(shown), f"与 {project.shown(urls[url])} 的网址相同（/{url}），会互相覆盖", "请给其中一个文件改名")
            continue
        urls[url] = path
        try:
            loaded.articles.append(load_article(path, shown, rel, project.files))
        except ContentError as exc:
            p.add(exc)
    if project.files is not None:
        # Keep what this rebuild read, not every file ever previewed.
        now = {path for path, _rel in paths}
        project.files.articles = {k: hit for k, hit in project.files.articles.items() if hit[1].path in now}
        project.files.signatures = {k: s for k, s in project.files.signatures.items() if k in project.files.articles or k in project.files.texts}


@dataclass
class _DataPart:
    """What the data files other than activities make: the references
    activities are checked against."""

    organisation: Organisation
    info: SiteInfo
    columns: dict[str, Column]
    places: v.Places
    venues: dict[str, Venue]
    teams: dict[str, Team]
    series: dict[str, Series]
    lectures: YMap
    ctx: v.Context
    problems: Problems
    claimed: dict[str, dict[str, Location]]  # the registry's ids after them


def _read_data(loaded: Loaded, cache: ModelCache | None) -> _DataPart | None:
    site_doc = loaded.data.get("site.yml")
    places_doc = loaded.data.get("places.yml")
    if site_doc is None or places_doc is None:
        return None
    key = (*(loaded.data.get(name) for name in DATA_FILES), frozenset(loaded.failed))
    if cache is not None and cache.data is not None and _same(cache.data[0], key):
        return cache.data[1]
    p = Problems()
    reg = v.Registry(p)
    organisation, info, columns = v.read_site(site_doc, p, "site.yml")
    tz = ZoneInfo(info.timezone)
    base = v.base_path(info.url)
    places = v.read_places(places_doc, p, reg, "places.yml")
    empty = YNull(Location(""))
    # A file that could not be read (or is not a mapping) would make every
    # reference to its records "unknown": report the file, not the echoes.
    unreliable = frozenset(
        kind for name, kind in (("places.yml", "places"), ("venues.yml", "venue"), ("teams.yml", "team"), ("lectures.yml", "series"))
        if name in loaded.failed or (name in loaded.data and not isinstance(loaded.data[name], YMap))
    )
    no_places = "places" in unreliable
    venues = v.read_venues(loaded.data.get("venues.yml", empty), p, reg, "venues.yml", places.communities, no_places) if "venues.yml" in loaded.data else {}
    teams = v.read_teams(loaded.data.get("teams.yml", empty), p, reg, "teams.yml", places.communities, no_places, base) if "teams.yml" in loaded.data else {}
    lectures_root = loaded.data.get("lectures.yml")
    lectures_map = v._root_map(lectures_root, p, "lectures.yml", "lectures.yml") if lectures_root is not None else YMap(Location(""))
    if lectures_root is not None:
        v.Fields(lectures_map, p, "lectures", ("series", "lectures"))
    series = v.read_series(lectures_map, p, reg, base)
    ctx = v.Context(places, venues, teams, series, tz, unreliable, base)
    part = _DataPart(organisation, info, columns, places, venues, teams, series, lectures_map, ctx, p, {k: dict(t) for k, t in reg.seen.items()})
    if cache is not None:
        cache.data = (key, part) if not p.errors else None
    return part


# What reading one activity item made (ModelCache.activity_items).
_ItemRead = tuple[object, "_DataPart", Activity, list[ContentError], Location]


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return len(a) == len(b) and all(x is y or (isinstance(x, frozenset) and x == y) for x, y in zip(a, b, strict=True))


def _read_activities(
    shown: str, doc: YValue, lecture: bool, data: _DataPart, p: Problems, reg: v.Registry,
    cache: ModelCache | None, kept: dict[str, tuple[object, _DataPart, list[Activity], Problems, dict[str, Location]]],
    kept_items: dict[str, dict[int, _ItemRead]],
) -> list[Activity]:
    """The activities of one file (or of lectures.yml), made again only when
    the file or the data it refers to changed, and then only those of its
    items that changed.

    Why the items: an edited file's other items are the same objects
    (load._reparse_item), and an item read under the same data part makes
    the same activity. Reading all of them again was ~27 ms of a YAML save
    of the preview at bench scale L (500 activities in the file), and the
    new Activity objects made every later stage (fingerprints, the
    timeline, which buildings are invited) look at each of them again."""
    table = reg.seen.setdefault("activity", {})
    hit = cache.activities.get(shown) if cache is not None else None
    last_items = cache.activity_items.get(shown, {}) if cache is not None else {}
    if hit is not None and hit[0] is doc and hit[1] is data and not (hit[4].keys() & table.keys()):
        table.update(hit[4])
        p.warnings.extend(hit[3].warnings)
        kept[shown] = hit
        kept_items[shown] = last_items
        return hit[2]
    q = Problems()
    before = set(table)
    activities: list[Activity] = []
    now_items = kept_items[shown] = {}

    def read(m: YMap) -> None:
        found = last_items.get(id(m))
        if found is not None and found[0] is m and found[1] is data and found[2].id not in table:
            _m, _data, a, warnings, loc = found
            table[a.id] = loc
            q.warnings.extend(warnings)
            now_items[id(m)] = found
            activities.append(a)
            return
        one = Problems()
        reg.p = one
        made = v.read_activity(m, one, reg, data.ctx, lecture=lecture)
        q.extend(one)
        if made is not None:
            activities.append(made)
            if not one.errors:
                now_items[id(m)] = (m, data, made, one.warnings, table[made.id])

    try:
        if lecture:
            assert isinstance(doc, YMap)
            for m in v.records(doc.get("lectures"), q, doc.loc, "讲座（lectures）"):
                read(m)
        else:
            root = v._root_map(doc, q, shown, shown)
            v.Fields(root, q, "activities", ("activities",))
            for m in v.records(root.get("activities"), q, root.loc, "活动（activities）"):
                read(m)
    finally:
        reg.p = p
    p.extend(q)
    if not q.errors:
        kept[shown] = (doc, data, activities, q, {k: loc for k, loc in table.items() if k not in before})
    return activities


def _read_bulletins(
    articles: list[Article], columns: dict[str, Column], p: Problems, cache: ModelCache | None, base: str = "/",
) -> tuple[list[Bulletin], set[str]]:
    """Every bulletin and the drafts' sources; an article (the same object:
    the same bytes) read under the same columns is not validated again."""
    bulletins: list[Bulletin] = []
    drafts: set[str] = set()
    kept: dict[str, tuple[Article, dict[str, Column], Bulletin | None, bool, Problems]] = {}
    for article in articles:
        if not is_bulletin(article.rel):
            v.check_page(article, p)
            continue
        hit = cache.bulletins.get(article.rel) if cache is not None else None
        if hit is not None and hit[0] is article and hit[1] is columns:
            _article, _columns, b, draft, q = kept[article.rel] = hit
        else:
            q = Problems()
            draft = v.is_draft(article)
            # columns stand for site.yml, and base is of it: no key of its own
            b = v.read_bulletin(article, q, columns, base)
            if not q.errors:
                kept[article.rel] = (article, columns, b, draft, q)
        p.extend(q)
        if draft:
            drafts.add(article.rel)
        if b:
            bulletins.append(b)
    if cache is not None:
        cache.bulletins = kept
    return bulletins, drafts


def _by_building(buildings: Mapping[str, object], activities: list[Activity], cache: ModelCache | None) -> dict[str, tuple[str, ...]]:
    """building id → the ids of the activities its residents are invited
    to, in start order; the last one when buildings and activities are the
    same objects (at district scale, 0.4 s of every save), or the last one
    with the buildings of the activities that moved or changed audience
    made again (an activity edit at bench scale L: 0.057 -> 0.015 s)."""
    if cache is not None and cache.by_building is not None:
        last_buildings, last_activities, found, last_by_id = cache.by_building
        if last_buildings is buildings and len(last_activities) == len(activities) and all(map(operator.is_, last_activities, activities)):
            return found
        if last_buildings is buildings:
            by_id = {a.id: a for a in activities}
            found = _by_building_again(found, last_by_id, by_id)
            cache.by_building = (buildings, activities, found, by_id)
            return found
    by_building: dict[str, list[str]] = {bid: [] for bid in buildings}
    for a in activities:
        for bid in a.audience_buildings:
            by_building[bid].append(a.id)
    found = {k: tuple(vs) for k, vs in by_building.items()}
    if cache is not None:
        cache.by_building = (buildings, activities, found, {a.id: a for a in activities})
    return found


def _by_building_again(last: dict[str, tuple[str, ...]], before: Mapping[str, Activity], now: Mapping[str, Activity]) -> dict[str, tuple[str, ...]]:
    """_by_building's answer from the last one (``before``, ``now``: the
    last and the new activities by id): only an activity's id, start and
    audience place it in the lists, and both lists of activities are in
    (start, id) order, so the activities that kept all three keep their
    order among themselves. An activity is mostly the last model's own
    object (pipeline._read_activities), and one made again is compared
    by value: building two dicts of (start, audience) for 10,000
    activities took ~16 ms of a YAML save at bench scale L (py-spy)."""
    moved = set(before.keys() - now.keys())
    for i, a in now.items():
        b = before.get(i)
        if b is not a and (b is None or b.start != a.start or b.audience_buildings != a.audience_buildings):
            moved.add(i)
    if not moved:
        return last
    touched: set[str] = set()
    for i in moved:
        for placed in (before.get(i), now.get(i)):
            if placed is not None:
                touched.update(placed.audience_buildings)
    found = dict(last)
    for bid in touched:
        if bid not in found:
            continue
        ids = [i for i in found[bid] if i not in moved]
        ids += [i for i in moved if i in now and bid in now[i].audience_buildings]
        ids.sort(key=lambda i: (now[i].start, i))
        found[bid] = tuple(ids)
    return found


@dataclass
class DataModel:
    """The data files validated (everything but the articles): what the
    door notices are made of."""

    part: _DataPart
    activities: list[Activity]  # in start order
    by_building: dict[str, tuple[str, ...]]  # Site.activities_by_building


def build_data(project: Project, loaded: Loaded, p: Problems, prefetch: _Prefetch | None = None) -> DataModel | None:
    """Stage 2 for the data files: validate every record of them. A file
    load_files deferred is taken from ``prefetch`` where it gives the
    file's activities, and read here otherwise."""
    cache = project.cache.model if project.cache is not None else None
    data = _read_data(loaded, cache)
    if data is None:
        # Their YAML errors are still reported with the others.
        for shown, doc in loaded.activity_docs:
            if isinstance(doc, _Deferred):
                _read_deferred(project, shown, doc, p)
        return None
    p.extend(data.problems)
    reg = v.Registry(p)
    reg.seen = {k: dict(t) for k, t in data.claimed.items()}

    activities: list[Activity] = []
    kept: dict[str, tuple[object, _DataPart, list[Activity], Problems, dict[str, Location]]] = {}
    kept_items: dict[str, dict[int, _ItemRead]] = {}
    for shown, doc in loaded.activity_docs:
        if isinstance(doc, _Deferred):
            done = prefetch.result(shown) if prefetch is not None else None
            table = reg.seen.setdefault("activity", {})
            if done is not None and not (done.claimed.keys() & table.keys()):
                table.update(done.claimed)
                p.extend(done.problems)
                activities.extend(done.activities)
                continue
            found = _read_deferred(project, shown, doc, p)
            if found is None:
                continue
            doc = found
        activities.extend(_read_activities(shown, doc, False, data, p, reg, cache, kept, kept_items))
    activities.extend(_read_activities("lectures.yml#lectures", data.lectures, True, data, p, reg, cache, kept, kept_items))
    if cache is not None:
        cache.activities = kept
        cache.activity_items = kept_items
    activities.sort(key=lambda a: (a.start, a.id))
    # With errors no model is assembled (and the activities may name what is not there).
    by_building = _by_building(data.places.buildings, activities, cache) if not p.errors else {}
    return DataModel(data, activities, by_building)


@dataclass(frozen=True)
class _Deferred:
    """In Loaded.activity_docs: an activity file load_files left to another
    process (_Prefetch)."""

    path: Path


def _read_deferred(project: Project, shown: str, doc: _Deferred, p: Problems) -> YValue | None:
    """A deferred file read here after all, as load_files reads it."""
    try:
        return load_yaml_file(doc.path, shown, project.files)
    except ContentError as exc:
        p.add(exc)
        return None


@dataclass(frozen=True)
class _FileDone:
    """What one activity file made in the second process: its activities,
    its warnings, and the ids it claimed (in order)."""

    activities: list[Activity]
    problems: Problems
    claimed: dict[str, Location]


# Activity files under this many bytes in all are read in the build process
# alone: below it a second process (fork, pickling) costs more than it
# saves. bench/corpus.py M has ~0.9 MB.
PREFETCH_BYTES = 1_000_000


class _Prefetch:
    """Stages 1 and 2 for the last activity files, about half their bytes,
    in a second process, while the build process reads and validates the
    rest.

    Why: in `build` nothing else can start until the data files are valid,
    and the second core idles meanwhile (the door notices' worker starts
    then, load_model's on_data). At bench scale L (20 files in
    content/data/activities/, 6.9 MB, 10,300 activities) their YAML was
    1.2 s and their validation 1.0 s of the ~3.7 s before it starts.

    The child reads the other data files too (activities.yml among them,
    small beside the folder) and sends back, for each of its files, what
    _read_activities made of it: only where that is what the build process would make itself, the
    file read and validated without an error (a file with an error is read
    again in the build process, which reports it as a serial read does,
    naming the right first place of a duplicate id). build_data also reads
    a file again where an id it claimed was claimed by an earlier file. A
    warning does not depend on other files: it comes back as it is.
    Activities come back pickled (~0.1 s for 5,000 each way)."""

    def __init__(self, files: list[Path], receive: Any, process: Any) -> None:
        self.files = files
        self._receive = receive
        self._process = process
        self._done: dict[str, _FileDone | None] | None = None

    @classmethod
    def start(cls, project: Project) -> _Prefetch | None:
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            return None
        paths = activity_files(project)
        try:
            sizes = [path.stat().st_size for path in paths]
        except OSError:
            return None
        total = sum(sizes)
        if len(paths) < 2 or total < PREFETCH_BYTES:
            return None
        # The last files, about half of the bytes: the build process reads
        # the first ones, then takes these in order.
        cut, rest = len(paths), 0
        while cut > 1 and rest + sizes[cut - 1] <= total / 2:
            cut -= 1
            rest += sizes[cut]
        if cut == len(paths):
            return None
        files = paths[cut:]
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        process = context.Process(target=_prefetch_child, args=(project, files, send), daemon=True)
        process.start()
        send.close()
        return cls(files, receive, process)

    def result(self, shown: str) -> _FileDone | None:
        """What the child made of the file, or None: read it here."""
        if self._done is None:
            try:
                self._done = self._receive.recv()
            except (EOFError, OSError, pickle.UnpicklingError):
                # The child died (killed, out of memory): read them here.
                self._done = {}
        assert self._done is not None
        return self._done.get(shown)

    def close(self) -> None:
        self._receive.close()
        # Done by now, unless the build process stopped early (an error, Ctrl-C).
        self._process.join(timeout=1)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _prefetch_child(project: Project, files: list[Path], send: Any) -> None:
    """_Prefetch's second process: _FileDone by shown path for each of
    ``files`` read and validated without error, in a single message."""
    import signal

    from .workers import start_worker

    start_worker()
    # close() ends it with SIGTERM, which the build process's handler
    # (cli._interrupts) would turn into a traceback here.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    done: dict[str, _FileDone | None] = {}
    try:
        p = Problems()
        loaded = load_files(project, p, articles=False, defer=activity_files(project))
        data = _read_data(loaded, None)
        if data is not None:
            reg = v.Registry(p)
            reg.seen = {k: dict(t) for k, t in data.claimed.items()}
            for path in files:
                shown = project.shown(path)
                try:
                    doc = load_yaml_file(path, shown)
                except ContentError:
                    continue
                kept: dict[str, tuple[object, _DataPart, list[Activity], Problems, dict[str, Location]]] = {}
                found = _read_activities(shown, doc, False, data, Problems(), reg, None, kept, {})
                if shown in kept:  # no error
                    done[shown] = _FileDone(found, kept[shown][3], kept[shown][4])
    except Exception:  # noqa: BLE001 - the build process reads what is missing, and reports it
        pass
    finally:
        send.send(done)
        send.close()


def build_model(project: Project, loaded: Loaded, p: Problems, dm: DataModel, today: date | None = None) -> Site | None:
    """Stages 2 and 3 for the articles: validate the bulletins and assemble
    the model with the data files' part (:func:`build_data`)."""
    cache = project.cache.model if project.cache is not None else None
    bulletins, drafts = _read_bulletins(loaded.articles, dm.part.columns, p, cache, v.base_path(dm.part.info.url))
    v.check_bulletin_numbers(bulletins, p)
    published = sorted((b for b in bulletins if not b.draft), key=lambda b: (b.published, b.issue), reverse=True)
    if p.errors:
        return None
    return _assemble(dm, tuple(published), drafts, today)


def _assemble(dm: DataModel, bulletins: tuple[Bulletin, ...], drafts: set[str], today: date | None) -> Site:
    data, activities = dm.part, dm.activities
    places = data.places
    return Site(
        organisation=data.organisation,
        info=data.info,
        district=places.district,
        columns=data.columns,
        communities=places.communities,
        grids=places.grids,
        estates=places.estates,
        courtyards=places.courtyards,
        buildings=places.buildings,
        venues=data.venues,
        teams=data.teams,
        series=data.series,
        activities={a.id: a for a in activities},
        bulletins=bulletins,
        today=site_today(data.info.timezone, today),
        drafts=IdSet(drafts),
        activities_by_building=dm.by_building,
    )


def load_site(project: Project, today: date | None = None, articles: bool = True,
              on_data: Callable[[Site], None] | None = None) -> tuple[Site, Problems]:
    """Load, validate and assemble; raise BuildFailed with all errors.
    ``articles=False``: the data files only, no bulletin or page (see
    load_files) and so no content checks. ``on_data``: see load_model."""
    site, p, found = load_model(project, today, articles, on_data)
    if articles:
        check_content(project, found, site, p)
    return site, p


def load_model(project: Project, today: date | None = None, articles: bool = True,
               on_data: Callable[[Site], None] | None = None) -> tuple[Site, Problems, list[Article]]:
    """Load, validate and assemble, without the content checks (which
    ``serve`` runs after the reload) but for their errors' part that needs
    no rendering, dead links to .md files (checks.check_dead_links); raise
    BuildFailed with all errors.

    ``on_data`` is given the model without its bulletins as soon as the
    data files are valid, before the articles are read: `build` starts the
    door notices' workers there (they need no bulletin). At bench scale L
    that is ~4 s earlier, which the second core spent idle. The model
    returned is the same as without it."""
    p = Problems()
    early = on_data is not None and articles
    # Not in `serve`, whose cache reads only what changed: in a build
    # nothing else can start until the data files are valid.
    prefetch = _Prefetch.start(project) if project.cache is None else None
    try:
        loaded = load_files(project, p, articles and not early, defer=prefetch.files if prefetch is not None else ())
        dm = build_data(project, loaded, p, prefetch)
    finally:
        if prefetch is not None:
            prefetch.close()
    if early:
        if dm is not None and not p.errors:
            assert on_data is not None
            on_data(_assemble(dm, (), set(), today))
        load_articles(project, loaded, p)
    site = build_model(project, loaded, p, dm, today) if dm is not None else None
    if site is not None and articles:
        # An error, found before anything is rendered: `serve` shows it as
        # its error page instead of reloading a page with a dead link.
        from .checks import check_data_links, check_dead_links

        check_dead_links(loaded.articles, site, p, _targets(project))
        check_data_links(loaded.articles, site, p, project.content_dir)
    p.raise_if_errors()
    if site is None:  # pragma: no cover - errors were raised above
        raise BuildFailed(p.errors)
    return site, p, loaded.articles


def check_content(project: Project, articles: list[Article], site: Site, p: Problems) -> None:
    """Well-formed but probably wrong (broken links, double-booked venues):
    warnings; and one error, a page clashing with a generated one."""
    from .checks import check_site

    check_site(project.content_dir, articles, site, p, _targets(project))
    p.raise_if_errors()


def _targets(project: Project) -> TargetCache | None:
    return project.cache.model.targets if project.cache is not None else None


def site_today(timezone: str, override: date | None = None) -> date:
    """Today in the site's zone: the machine's zone never matters."""
    return override or datetime.now(ZoneInfo(timezone)).date()
