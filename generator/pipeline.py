"""The core pipeline: files → model. No MkDocs here.

``load_site`` reads every data file and article (load), checks and converts
them (validate) and assembles the :class:`~generator.model.Site` (model). It
either returns a complete model or raises :class:`BuildFailed` with every
problem found, sorted, before anything is rendered or written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from . import validate as v
from .errors import BuildFailed, ContentError, Location, Problems, display_path
from .load import Article, ParseCache, YMap, YNull, YValue, load_article, load_yaml_file
from .model import Activity, Bulletin, Site

DATA_FILES = ("site.yml", "places.yml", "venues.yml", "teams.yml", "activities.yml", "lectures.yml")
REQUIRED_FILES = ("site.yml", "places.yml")


@dataclass(frozen=True)
class Project:
    """Where a site's files are. ``root`` is the folder holding mkdocs.yml."""

    root: Path
    content_dir: Path
    # serve: parsed YAML kept between rebuilds (load.ParseCache); None: parse every file
    parsed: ParseCache | None = field(default=None, compare=False)

    @property
    def data_dir(self) -> Path:
        return self.content_dir / "data"

    def shown(self, path: Path) -> str:
        return display_path(path, self.root)

    @classmethod
    def at(cls, root: Path, content: str = "content") -> Project:
        return cls(root.resolve(), (root / content).resolve())


@dataclass
class Loaded:
    """Raw located documents of one run."""

    data: dict[str, YValue] = field(default_factory=dict)
    activity_docs: list[tuple[str, YValue]] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # data files that could not be read


def article_paths(project: Project) -> list[Path]:
    """Markdown files under content/, data/ excluded, in a stable order."""
    data = project.data_dir
    return sorted(
        p for p in project.content_dir.rglob("*.md")
        if data not in p.parents and not any(part.startswith(".") for part in p.relative_to(project.content_dir).parts)
    )


def is_bulletin(rel: str) -> bool:
    return rel.startswith("bulletins/") and not rel.endswith("/index.md") and rel != "bulletins/index.md"


def load_files(project: Project, p: Problems) -> Loaded:
    """Stage 1: read and parse every file; a broken file is one error, the
    others are still read so all problems show in one run."""
    loaded = Loaded()
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
            doc = load_yaml_file(path, project.shown(path), project.parsed)
        except ContentError as exc:
            p.add(exc)
            loaded.failed.add(name)
            continue
        if name == "activities.yml":
            loaded.activity_docs.append((project.shown(path), doc))
        else:
            loaded.data[name] = doc
    extra = project.data_dir / "activities"
    if extra.is_dir():
        for path in sorted(extra.glob("*.yml")) + sorted(extra.glob("*.yaml")):
            try:
                loaded.activity_docs.append((project.shown(path), load_yaml_file(path, project.shown(path), project.parsed)))
            except ContentError as exc:
                p.add(exc)
    for path in sorted(set(project.data_dir.glob("*.yaml"))):
        p.error(Location(project.shown(path)), "数据文件的扩展名应为 .yml", f"请改名为 {path.stem}.yml")
    for path in article_paths(project):
        rel = path.relative_to(project.content_dir).as_posix()
        try:
            loaded.articles.append(load_article(path, project.shown(path), rel, project.parsed))
        except ContentError as exc:
            p.add(exc)
    return loaded


def build_model(project: Project, loaded: Loaded, p: Problems, today: date | None = None) -> Site | None:
    """Stages 2 and 3: validate every record and assemble the model."""
    reg = v.Registry(p)
    site_doc = loaded.data.get("site.yml")
    places_doc = loaded.data.get("places.yml")
    if site_doc is None or places_doc is None:
        return None
    organisation, info, columns = v.read_site(site_doc, p, "site.yml")
    tz = ZoneInfo(info.timezone)
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
    teams = v.read_teams(loaded.data.get("teams.yml", empty), p, reg, "teams.yml", places.communities, no_places) if "teams.yml" in loaded.data else {}
    lectures_root = loaded.data.get("lectures.yml")
    lectures_map = v._root_map(lectures_root, p, "lectures.yml", "lectures.yml") if lectures_root is not None else YMap(Location(""))
    if lectures_root is not None:
        v.Fields(lectures_map, p, "lectures", ("series", "lectures"))
    series = v.read_series(lectures_map, p, reg)
    ctx = v.Context(places, venues, teams, series, tz, unreliable)

    activities: list[Activity] = []
    for shown, doc in loaded.activity_docs:
        root = v._root_map(doc, p, shown, shown)
        v.Fields(root, p, "activities", ("activities",))
        for m in v.records(root.get("activities"), p, root.loc, "活动（activities）"):
            if a := v.read_activity(m, p, reg, ctx, lecture=False):
                activities.append(a)
    for m in v.records(lectures_map.get("lectures"), p, lectures_map.loc, "讲座（lectures）"):
        if a := v.read_activity(m, p, reg, ctx, lecture=True):
            activities.append(a)
    activities.sort(key=lambda a: (a.start, a.id))

    bulletins: list[Bulletin] = []
    drafts: set[str] = set()
    for article in loaded.articles:
        if is_bulletin(article.rel):
            if v.is_draft(article):
                drafts.add(article.rel)
            if b := v.read_bulletin(article, p, columns):
                bulletins.append(b)
    v.check_bulletin_numbers(bulletins, p)
    published = sorted((b for b in bulletins if not b.draft), key=lambda b: (b.published, b.issue), reverse=True)

    if p.errors:
        return None
    by_building: dict[str, list[str]] = {bid: [] for bid in places.buildings}
    for a in activities:
        for bid in a.audience_buildings:
            by_building[bid].append(a.id)
    return Site(
        organisation=organisation,
        info=info,
        district=places.district,
        columns=columns,
        communities=places.communities,
        grids=places.grids,
        estates=places.estates,
        courtyards=places.courtyards,
        buildings=places.buildings,
        venues=venues,
        teams=teams,
        series=series,
        activities={a.id: a for a in activities},
        bulletins=tuple(published),
        today=site_today(info.timezone, today),
        drafts=frozenset(drafts),
        activities_by_building={k: tuple(vs) for k, vs in by_building.items()},
    )


def load_site(project: Project, today: date | None = None) -> tuple[Site, Problems]:
    """Load, validate and assemble; raise BuildFailed with all errors."""
    p = Problems()
    loaded = load_files(project, p)
    site = build_model(project, loaded, p, today)
    p.raise_if_errors()
    if site is None:  # pragma: no cover - errors were raised above
        raise BuildFailed(p.errors)
    # Well-formed but probably wrong (broken links, double-booked venues): warnings.
    from .checks import check_site

    check_site(project.content_dir, loaded.articles, site, p)
    p.raise_if_errors()  # a page clashing with a generated one
    return site, p


def site_today(timezone: str, override: date | None = None) -> date:
    """Today in the site's zone: the machine's zone never matters."""
    return override or datetime.now(ZoneInfo(timezone)).date()
