"""Stage 3, the model: frozen dataclasses with every reference resolved.

Templates, feeds, notices and exports only ever see these objects, never raw
YAML. Cross references are kept as ids (so the dataclasses stay flat, hashable
and cheap to compare) and resolved through :class:`Site`'s indexes, which the
validate stage has already checked.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from .errors import Location

Status = Literal["scheduled", "cancelled", "postponed"]


@dataclass(frozen=True)
class Contact:
    role: str
    phone: str = ""


@dataclass(frozen=True)
class FieldText:
    """A data field's Markdown as written, kept for the link checks
    (checks.check_data_links): the HTML no longer tells a link to a .md
    file that is not there from one that is."""

    loc: Location  # of the value
    record: str
    field: str
    text: str
    here: str  # the folder of its file, relative to content/: what its links are relative to
    block: bool = False  # written as a block (description: |), its text from the next line
    quoted: bool = False  # written in quotes, its text from the next column
    indent: int = 0  # a block's indentation in the file


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    phone: str
    postcode: str
    icp: str
    fax: str = ""
    email: str = ""
    psb: str = ""

    @property
    def psb_code(self) -> str:
        """The digits of the public-security filing number, for its link."""
        return "".join(ch for ch in self.psb if ch.isdigit())


@dataclass(frozen=True)
class Column:
    id: str
    name: str
    parent: str = ""


@dataclass(frozen=True)
class SiteInfo:
    title: str
    url: str  # absolute, ends with "/"
    timezone: str = "Asia/Shanghai"
    language: str = "zh-CN"
    description: str = ""
    welcome_html: str = ""
    notice_days: int = 14
    texts: tuple[FieldText, ...] = field(default=(), compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Entrance:
    id: str  # local to its building
    name: str
    building: str

    @property
    def key(self) -> str:
        return f"{self.building}/{self.id}"


@dataclass(frozen=True)
class Building:
    id: str
    name: str
    community: str
    estate: str
    courtyard: str  # "" when the estate has no courtyards
    entrances: tuple[Entrance, ...]
    notice_per_entrance: bool = False
    grid: str = ""  # the grid covering it ("" if none)
    loc: Location = field(default=Location(""), compare=False, repr=False)

    @property
    def url(self) -> str:
        return f"buildings/{self.id}/"


@dataclass(frozen=True)
class Courtyard:
    id: str
    name: str
    estate: str
    buildings: tuple[str, ...]


@dataclass(frozen=True)
class Estate:
    id: str
    name: str
    community: str
    address: str
    courtyards: tuple[str, ...]
    buildings: tuple[str, ...]  # every building, courtyards included, in order


@dataclass(frozen=True)
class Grid:
    id: str
    name: str
    community: str
    worker: Contact | None
    buildings: tuple[str, ...]


@dataclass(frozen=True)
class Community:
    id: str
    name: str
    address: str
    phone: str
    estates: tuple[str, ...]
    grids: tuple[str, ...]
    buildings: tuple[str, ...]


@dataclass(frozen=True)
class District:
    id: str
    name: str


@dataclass(frozen=True)
class Venue:
    id: str
    name: str
    kind: str
    address: str
    community: str = ""


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    kind: str
    community: str = ""
    description_html: str = ""
    contact: Contact | None = None
    texts: tuple[FieldText, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Series:
    id: str
    name: str
    description_html: str = ""
    texts: tuple[FieldText, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Lecture:
    speaker: str
    affiliation: str
    topic: str
    series: str


@dataclass(frozen=True)
class Occurrence:
    """One dated happening of an activity (a single activity has one).

    ``key`` is the occurrence's original date (ISO) for recurring activities
    and "" for single ones: it stays stable when an occurrence is moved, as an
    iCalendar RECURRENCE-ID does.
    """

    activity: str
    start: datetime  # aware, in the site's zone
    end: datetime
    status: Status = "scheduled"
    note: str = ""
    key: str = ""
    moved_from: date | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


@dataclass(frozen=True)
class Recurrence:
    every: Literal["day", "week", "month"]
    interval: int
    weekdays: tuple[int, ...]  # 0 = Monday
    nth: int  # with every=month: nth weekday of the month, 0 = by day of month
    until: date
    skip: tuple[date, ...] = ()
    describe: str = ""  # in Chinese, for pages: "每周二、周四 19:00"


class IdSet(frozenset[str]):
    """A frozenset of ids whose repr lists them sorted. A frozenset's order
    changes from one process to the next (string hashes are salted), and
    the build cache keys records by their repr (incremental.digest): the
    same audience must give the same key in tomorrow's build."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"IdSet({sorted(self)!r})"


@dataclass(frozen=True)
class Activity:
    id: str
    title: str
    kind: str
    start: datetime  # first occurrence, aware
    end: datetime
    venue: str
    team: str
    audience_buildings: IdSet
    audience_label: str  # for whom, in words: "桂园社区全体居民"
    description_html: str
    description_text: str
    registration: str
    contact: Contact | None
    status: Status
    status_note: str
    occurrences: tuple[Occurrence, ...]
    recurrence: Recurrence | None = None
    lecture: Lecture | None = None
    # Entrances invited without the rest of their building ("gy-03/2", as
    # Entrance.key); their buildings are in audience_buildings too, so the
    # building page, its calendar and a one-notice building list them.
    audience_entrances: IdSet = IdSet()
    source: Location = field(default=Location(""), compare=False, repr=False)
    texts: tuple[FieldText, ...] = field(default=(), compare=False, repr=False)

    @property
    def url(self) -> str:
        return f"activities/{self.id}/"

    def invites_entrance(self, building_id: str, entrance_id: str) -> bool:
        """Whether the residents of one entrance of a building in the
        audience are invited: all of them, unless the audience names some
        entrances of that building only and not this one."""
        if not self.audience_entrances or f"{building_id}/{entrance_id}" in self.audience_entrances:
            return True
        prefix = f"{building_id}/"
        return not any(key.startswith(prefix) for key in self.audience_entrances)


@dataclass(frozen=True)
class Bulletin:
    id: str  # from the file name
    src: str  # path relative to content/
    title: str
    issue: int
    # The field is called `date` (the issue's date, 成文日期), which shadows the
    # type inside this class body: annotate through the module.
    date: _dt.date
    published: _dt.date
    column: str
    office: str
    editor_note_html: str
    summary: str
    draft: bool
    source: Location = field(default=Location(""), compare=False, repr=False)
    texts: tuple[FieldText, ...] = field(default=(), compare=False, repr=False)

    @property
    def url(self) -> str:
        return f"bulletins/{self.id}/"


@dataclass(frozen=True)
class Site:
    """Everything the faces need, with indexes for the lookups they make."""

    organisation: Organisation
    info: SiteInfo
    district: District
    columns: dict[str, Column]
    communities: dict[str, Community]
    grids: dict[str, Grid]
    estates: dict[str, Estate]
    courtyards: dict[str, Courtyard]
    buildings: dict[str, Building]
    venues: dict[str, Venue]
    teams: dict[str, Team]
    series: dict[str, Series]
    activities: dict[str, Activity]  # lectures included, in start order
    bulletins: tuple[Bulletin, ...]  # published only, newest first
    today: date
    drafts: IdSet = IdSet()  # src paths of draft bulletins (not published)
    # building id → activity ids whose audience includes it (start order)
    activities_by_building: dict[str, tuple[str, ...]] = field(repr=False, default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return self.info.tz

    def absolute(self, url: str) -> str:
        """An absolute URL for a site-relative one, for QR codes and feeds."""
        return self.info.url + url.lstrip("/")

    @cached_property
    def bulletins_by_src(self) -> dict[str, Bulletin]:
        """Published bulletins by source path. Every bulletin page looks its
        bulletin up; a scan per page was O(pages × bulletins), 25 million
        comparisons at district scale (5,000 bulletins)."""
        return {b.src: b for b in self.bulletins}

    def building_label(self, building_id: str) -> str:
        b = self.buildings[building_id]
        return f"{self.estates[b.estate].name} {b.name}"
