"""Door notices (楼门科普公示): one print-ready A4 page per building door.

What goes on a notice comes from :func:`generator.queries.for_building`, the
same answer the building page, the calendar feed and the digest use. This
module decides how much of it fits on exactly one A4 page, renders the
standalone HTML page (``theme/notices/``) and the PDFs (WeasyPrint), and adds
the ``python build.py notices`` command.

Fitting is computed here, before rendering, from the fixed page geometry in
:data:`LAYOUT` (which also feeds the print CSS, so the two cannot drift): every
field is wrapped with a conservative, CJK-aware width estimate and cut to a
maximum number of lines, items are added while they fit, and the rest is
counted in the line 另有 N 项活动，请扫码查看. The CSS clips each notice to
one page as a last safety net, and after layout :func:`_overflowing` checks
with WeasyPrint's own boxes that nothing was clipped; a notice that was gets
one item fewer and is laid out again. So the page count is always the notice
count, and no item is ever half printed.

PDFs: notices are laid out in a few WeasyPrint documents (layout is the
expensive part; one document shares fonts and styles) — one per community,
split evenly when it has more than :data:`CHUNK` doors (:func:`_spans`), over
worker processes for a district (one a core; in ``build``, one a core but
the one rendering the pages: :func:`early_workers`). ``build`` takes a chunk whose doors show
nothing new back from the build cache (:func:`_chunk_keys`). Each building's
own PDF is its page split from that document with pypdf, not laid out again. A split page would carry the whole document's
fonts — and WeasyPrint 70 keeps ~63,000 empty glyphs in every Noto CJK
subset (~150 KB per face) — and every page's QR image, so
:func:`generator.pdffonts.write_compact_split` has WeasyPrint cut each face
once to the glyphs the document uses, renumbered, and then cuts each page's
fonts to the glyphs on that page
(a one-page notice: ~30 KB instead of ~320 KB; rendering and text unchanged,
see that module for how and why), and drops the images a page does not draw.

Where a notice's layout time goes, and what was done about it:
``bench/profile_notices.py`` (one chunk in one process, CPU per stage). In
short: WeasyPrint's user-agent pseudo-element rules are left out
(:func:`_notice_html`), the date column is positioned rather than floated
(theme/notices/style.html), and the PDF's QR code is an image (:class:`QRCode`).
"""

from __future__ import annotations

import argparse
import base64
import functools
import gc
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from . import queries
from .errors import BuildFailed, ContentError, Location
from .model import Building, Entrance, Site
from .pdffonts import face_unicodes, pdf_bytes, release, write_compact_split
from .strings import Strings, speaker_with_affiliation, strings, time_lines, zh_date, zh_date_short, zh_weekday
from .weasy import load as load_weasyprint
from .workers import start_worker

if TYPE_CHECKING:
    from jinja2 import Environment

    from .buildcache import BuildCache
    from .outputs import Output

log = logging.getLogger("gongshi")

PT = 25.4 / 72  # mm per typographic point
PX = 25.4 / 96  # mm per CSS pixel (WeasyPrint's box tree)

# The page geometry in millimetres and points. The print CSS is rendered from
# these numbers (theme/notices/style.html), and the fitting below uses them.
LAYOUT: dict[str, float] = {
    "page_w": 210.0,
    "page_h": 297.0,
    "margin_x": 13.0,
    "margin_y": 12.0,
    # header: place line(s), headline, window
    "place_pt": 20.0,
    "place_lh": 1.25,
    "headline_pt": 32.0,
    "headline_lh": 1.2,
    "period_pt": 16.0,
    "period_lh": 1.3,
    "header_rule_mm": 1.0,
    "header_pad_mm": 2.0,
    "gap_mm": 3.0,
    # activity items
    "left_mm": 46.0,  # date and time column
    "col_gap_mm": 4.0,
    "date_pt": 18.0,
    "date_lh": 1.3,
    "title_pt": 20.0,
    "title_lh": 1.3,
    "detail_pt": 16.0,
    "detail_lh": 1.35,
    "item_pad_mm": 2.0,
    "item_rule_mm": 0.3,
    # 另有 N 项 line
    "more_pt": 18.0,
    "more_h_mm": 12.0,
    # footer: QR code and standing information
    "footer_h_mm": 47.0,
    "qr_mm": 40.0,
    "qr_gap_mm": 4.0,  # between the QR code and the lines beside it
    "footer_pt": 16.0,
    "footer_lh": 1.3,
    "scan_pt": 18.0,
    "url_pt": 11.0,
}

# Maximum lines per field: a title or venue that runs on is cut with "…"
# rather than pushing every later activity off the page.
MAX_TITLE_LINES = 2
MAX_DETAIL_LINES = 2
# A cancellation's or postponement's note says what residents must know
# (the new date, where to ask): twice a field's lines. Cut at two, a
# tester's "…经与医院协商，本次培训改到 12 月 17 日（周四）…" printed as
# "…本次培训改到…" on every door; `check` warns of a note longer still
# (note_as_printed).
MAX_NOTE_LINES = 4
MAX_PLACE_LINES = 2
# Lines of the date column: the date, and the time on up to three more
# (strings.time_lines: "09:00 至", "12月30日 周三", "18:00").
MAX_WHEN_LINES = 4

# Estimated text is this much narrower than the box: room for line-breaking
# rules (no line may start with "，" or "）") and font metric differences.
WIDTH_SAFETY = 0.93

CJK_FONT_PACKAGE = "fonts-noto-cjk"
PDF_WORKERS = 2  # the target machine has two cores (`notices`; `build`: early_workers)
PARALLEL_FROM = 60  # below this many notices one process is faster than two
# The workers run at a lower priority than the process that forked them. In
# `build` that process renders the pages and writes the other outputs
# while the workers lay notices out, and what it does is the longer part:
# at even priority it had ~65 % of a core while the three shared two, and
# the workers were done long before it was (cold L build, CPU per process
# from /proc every second). Lower, the pages were done at ~48 s instead of
# ~61 s and the build took 89.3 s (89.6 s at 10) instead of 92.0 s, one
# run each on the same corpus.
WORKER_NICE = 4
CHUNK = 150  # notices per document in a worker: the main process writes one chunk while the next is laid out
HTML_CHUNK = 50  # notices per piece in `serve` (HTML only): see _start


# --------------------------------------------------------------------------
# What gets a notice


@dataclass(frozen=True)
class Target:
    """One door: a building, or one entrance of a building that asks for
    per-entrance notices."""

    building: Building
    entrance: Entrance | None = None

    @property
    def key(self) -> str:
        """Path below notices/: stable ids only, so printed links never break."""
        return self.building.id if self.entrance is None else f"{self.building.id}/{self.entrance.id}"

    @property
    def url(self) -> str:
        return f"notices/{self.key}/"

    @property
    def pdf_name(self) -> str:
        return f"notice-{self.key.replace('/', '-')}.pdf"

    @property
    def pdf_url(self) -> str:
        return f"{self.url}{self.pdf_name}"


def targets(site: Site) -> list[Target]:
    """Every door, in place order (community → estate → courtyard → building
    → entrance, as in places.yml): the order staff walk and print in."""
    result: list[Target] = []
    for community in site.communities.values():
        for building_id in community.buildings:
            building = site.buildings[building_id]
            if building.notice_per_entrance and building.entrances:
                result.extend(Target(building, e) for e in building.entrances)
            else:
                result.append(Target(building))
    return result


ALL_PDF = "notices/all-notices.pdf"
SITE_PREFIX = "notices/"  # where the site build writes the door notices


# --------------------------------------------------------------------------
# What a notice says


@dataclass(frozen=True)
class NoticeItem:
    date_text: str  # 12月5日 周六
    time_text: str  # 09:00–11:00; over midnight or days, lines ("09:00 至\n12月30日 周三\n18:00")
    when_lines: int  # lines in the date column: the date and the time's
    iso: str  # machine-readable start
    status: str  # scheduled | cancelled | postponed
    status_label: str  # 已取消 / 已延期 / ""
    title: str  # cut to MAX_TITLE_LINES
    details: tuple[tuple[str, str], ...]  # (label, text), each cut to its lines
    height_mm: float  # estimated, never less than it prints
    # Never more than it prints: every field one line. The estimate rounds
    # widths up, so an item between the two may still fit where the
    # estimate left it out; the layout tries it (_Renderer._layout).
    min_height_mm: float


@dataclass(frozen=True)
class Notice:
    target: Target
    place_line: str
    place_lines: int
    headline: str
    period: str
    first: date
    last: date
    items: tuple[NoticeItem, ...]
    more: int  # activities in the window that did not fit
    more_text: str
    total: int
    next_min_mm: float  # min_height_mm of the first activity left out (0.0: none)
    contacts: tuple[tuple[str, str], ...]
    posted: str
    valid_until: str
    page_url: str  # absolute URL of the building's page (the QR code's target)
    qr: QRCode

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def list_key(self) -> tuple[object, ...]:
        """Everything the list part of the page shows (macros.html,
        ``notice_list``): doors with equal keys share one laid-out list."""
        return (self.place_lines, self.items, self.more_text)

    @property
    def frame_key(self) -> tuple[object, ...]:
        """Everything the frame of the page shows (macros.html,
        ``notice_part``): the same on every door of a grid."""
        return (self.place_lines, self.headline, self.posted, self.valid_until, self.contacts)


def notice_window(site: Site, first: date | None = None, days: int | None = None) -> tuple[date, date]:
    """The notice's dates: ``days`` (default site.yml notices.days) from
    ``first`` (default today in the site's zone)."""
    return queries.window(first or site.today, days or site.info.notice_days)


def build_notices(site: Site, first: date, last: date) -> list[Notice]:
    """The data of every notice, in place order."""
    maker = NoticeMaker(site, first, last)
    return [maker.notice(target) for target in targets(site)]


class NoticeMaker:
    """Builds notices for one window, remembering what many notices share:
    an activity for a whole community appears on hundreds of doors (every
    entrance of a building shares its QR code through :func:`qr_code`)."""

    def __init__(self, site: Site, first: date, last: date) -> None:
        self.site, self.first, self.last = site, first, last
        _font_coverage()  # read once here, before the workers fork
        self.t = strings(site.info.language)
        self._items: dict[tuple[str, str, datetime, tuple[str, ...]], NoticeItem] = {}

    def notice(self, target: Target, show: int | None = None, cut_contacts: Collection[int] = ()) -> Notice:
        qr = qr_code(self.site.absolute(target.building.url))
        return build_notice(self.site, target, self.first, self.last, self.t, qr, show, self._items, cut_contacts)


def build_notice(
    site: Site,
    target: Target,
    first: date,
    last: date,
    t: Strings,
    qr: QRCode,
    show: int | None = None,
    cache: dict[tuple[str, str, datetime, tuple[str, ...]], NoticeItem] | None = None,
    cut_contacts: Collection[int] = (),
) -> Notice:
    """One door's notice: the leading activities that fit by the estimate
    (:func:`fit_items`), or the first ``show`` of them when the layout has
    measured how many fit (:meth:`_Renderer._layout`); ``cache`` keeps
    formatted activities between notices.

    A contact line (label, name, phone) is one line that cannot wrap, and
    the phone is what a resident needs. The lines are written whole, and
    those numbered in ``cut_contacts`` (0 the first) have their name cut
    so that the phone fits (:func:`fit_contact`): the renderer cuts the
    lines WeasyPrint finds too long (:meth:`_Renderer._layout`). Why not
    cut by the estimate alone: it rounds digits up by a fifth, and would
    cut the organiser's name on every sample page where it prints whole."""
    b = target.building
    community = site.communities[b.community]
    estate = site.estates[b.estate]
    parts = [community.name, estate.name]
    if b.courtyard:
        parts.append(site.courtyards[b.courtyard].name)
    name = b.name if target.entrance is None else f"{b.name}（{target.entrance.name}）"
    place_em = _em_avail(LAYOUT["page_w"] - 2 * LAYOUT["margin_x"], LAYOUT["place_pt"])
    place_line, place_lines = fit_place(parts, name, place_em, MAX_PLACE_LINES)

    all_items = queries.for_door(site, b.id, None if target.entrance is None else target.entrance.id, first, last)
    cache = {} if cache is None else cache
    made = []
    for i, later in repeated_once(all_items):
        key = (i.activity.id, i.occurrence.key, i.occurrence.start, tuple(o.occurrence.key for o in later))
        if key not in cache:
            cache[key] = _item(site, i, t, later)
        made.append(cache[key])
    shown = fit_items(made, list_height_mm(place_lines)) if show is None else made[:show]
    more = len(made) - len(shown)

    lines: list[tuple[str, str, str]] = []  # label, name, phone
    if b.grid:
        grid = site.grids[b.grid]
        if grid.worker:
            lines.append((t.grid_worker, grid.worker.role, grid.worker.phone))
    if community.phone:
        lines.append((t.notice_hotline, community.name, community.phone))
    lines.append((t.notice_organiser, site.organisation.name, site.organisation.phone))
    info_em = _em_avail(LAYOUT["page_w"] - 2 * LAYOUT["margin_x"] - LAYOUT["qr_mm"] - LAYOUT["qr_gap_mm"], LAYOUT["footer_pt"])
    contacts = [(label, fit_contact(label, who, phone, info_em) if k in cut_contacts else printable(" ".join(x for x in (who, phone) if x)))
                for k, (label, who, phone) in enumerate(lines)]

    return Notice(
        target=target,
        place_line=place_line,
        place_lines=place_lines,
        headline=t.notice_headline,
        period=t.notice_period.format(first=zh_date_short(first), first_wd=zh_weekday(first), last=zh_date_short(last), last_wd=zh_weekday(last)),
        first=first,
        last=last,
        items=tuple(shown),
        more=more,
        more_text=t.notice_more.format(n=more) if more else "",
        total=len(made),
        next_min_mm=made[len(shown)].min_height_mm if more else 0.0,
        contacts=tuple(contacts),
        posted=zh_date(first),
        valid_until=zh_date(last),
        page_url=site.absolute(b.url),
        qr=qr,
    )


def repeated_once(items: Sequence[queries.Item]) -> list[tuple[queries.Item, list[queries.Item]]]:
    """The items of a notice, an activity that happens again at the same
    hours in the window listed once: its first occurrence, with the later
    ones (its 日期 line). Why: a weekly dance on Tuesdays and Thursdays took
    a place for each time, two of the five a 桂园花园 door printed, and what
    came after it went into "另有 N 项" (the sample). A cancelled, postponed
    or moved occurrence stays an item of its own: it is news."""
    groups: list[tuple[queries.Item, list[queries.Item]]] = []
    open_: dict[tuple[str, object, object], list[queries.Item]] = {}
    for item in items:
        o = item.occurrence
        if o.status != "scheduled" or o.moved_from is not None:
            groups.append((item, []))
            continue
        key = (item.activity.id, o.start.timetz(), o.end - o.start)
        later = open_.get(key)
        if later is None:
            open_[key] = later = []
            groups.append((item, later))
        else:
            later.append(item)
    return groups


def _dates_line(items: Sequence[queries.Item], t: Strings, width_em: float = 0.0) -> str:
    """Every date of a repeated activity in the window: "12月1日（周二）、
    3日（周四）、8日（周二）", the month written again only where it changes;
    without the weekdays where they would not fit on one line of
    ``width_em`` (a line breaks anywhere in Chinese: "8日（周" / "二）");
    on every day from the first to the last, "11月29日至12月12日每天"."""
    days = [i.occurrence.start.date() for i in items]
    if len(days) > 2 and all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False)):
        return t.notice_every_day.format(first=zh_date_short(days[0]), last=zh_date_short(days[-1]))
    written = []
    for k, d in enumerate(days):
        same_month = k > 0 and (d.year, d.month) == (days[k - 1].year, days[k - 1].month)
        written.append((f"{d.day}日" if same_month else zh_date_short(d), zh_weekday(d)))
    full = "、".join(f"{day}（{weekday}）" for day, weekday in written)
    if not width_em or count_lines(full, width_em) <= 1:
        return full
    return "、".join(day for day, _weekday in written)


def note_as_printed(text: str, t: Strings) -> str | None:
    """What a door notice prints of a cancellation's or postponement's
    note when it has to cut it, or None when it prints it whole."""
    return _detail_as_printed(text, t.notice_note, MAX_NOTE_LINES)


def venue_as_printed(name: str, t: Strings) -> str | None:
    """What a door notice prints of a venue's name (its 地点 line) when it
    has to cut it, or None when it prints it whole."""
    return _detail_as_printed(name, t.where, MAX_DETAIL_LINES)


def _detail_as_printed(text: str, label: str, max_lines: int) -> str | None:
    right_mm = LAYOUT["page_w"] - 2 * LAYOUT["margin_x"] - LAYOUT["left_mm"] - LAYOUT["col_gap_mm"]
    cut, _lines = fit_text(text, _em_avail(right_mm, LAYOUT["detail_pt"]), max_lines, lead=_label_em(label))
    return cut if cut != " ".join(printable(text).split()) else None


def title_as_printed(title: str, status: str, t: Strings) -> str | None:
    """What a door notice prints of an activity's title on a date of this
    ``status`` when it has to cut it, or None when it prints it whole."""
    cut, _lines = _fit_title(title, t.get(f"status_{status}", ""))
    return cut if cut != " ".join(printable(title).split()) else None


def _fit_title(title: str, status_label: str) -> tuple[str, int]:
    right_mm = LAYOUT["page_w"] - 2 * LAYOUT["margin_x"] - LAYOUT["left_mm"] - LAYOUT["col_gap_mm"]
    # The status badge 【已取消】 starts the title line: count its width.
    badge = sum(char_em(ch) for ch in f"【{status_label}】") + 0.5 if status_label else 0.0
    return fit_text(title, _em_avail(right_mm, LAYOUT["title_pt"]), MAX_TITLE_LINES, lead=badge)


def _item(site: Site, item: queries.Item, t: Strings, later: Sequence[queries.Item] = ()) -> NoticeItem:
    """One line of the list; ``later``: the same activity's later
    occurrences at the same hours (:func:`repeated_once`)."""
    a, o = item.activity, item.occurrence
    status_label = t.get(f"status_{o.status}", "")
    right_mm = LAYOUT["page_w"] - 2 * LAYOUT["margin_x"] - LAYOUT["left_mm"] - LAYOUT["col_gap_mm"]
    detail_em = _em_avail(right_mm, LAYOUT["detail_pt"])
    title, title_lines = _fit_title(a.title, status_label)

    venue = site.venues[a.venue]
    # The address helps only if it costs no extra line: a lost activity at
    # the bottom of the page costs more than a missing street number.
    place = venue.name
    if venue.address and count_lines(f"{venue.name}（{venue.address}）", detail_em, _label_em(t.where)) <= count_lines(venue.name, detail_em, _label_em(t.where)):
        place = f"{venue.name}（{venue.address}）"
    fields = [(t.where, place), (t.for_whom, a.audience_label)]
    if later:
        fields.insert(0, (t.notice_dates, _dates_line([item, *later], t, detail_em - _label_em(t.notice_dates))))
    if a.lecture and (speaker := speaker_with_affiliation(a.lecture.speaker, a.lecture.affiliation)):
        fields.append((t.speaker, speaker))
    notes = [n for n in (o.note if o.status != "scheduled" else "", t.moved_from.format(date=zh_date_short(o.moved_from)) if o.moved_from else "") if n]
    if notes:
        fields.append((t.notice_note, "；".join(notes)))
    details = []
    detail_lines = 0
    for label, text in fields:
        lead = _label_em(label)
        cut, lines = fit_text(text, detail_em, MAX_NOTE_LINES if label == t.notice_note else MAX_DETAIL_LINES, lead=lead)
        details.append((label, cut))
        detail_lines += lines

    right = title_lines * LAYOUT["title_pt"] * LAYOUT["title_lh"] + detail_lines * LAYOUT["detail_pt"] * LAYOUT["detail_lh"]
    # The date column is one line wide (46 mm, "12月30日 周三"): a time that
    # runs over midnight or over days takes more lines there, never a
    # longer one (strings.time_lines), and the item grows to hold them.
    times = time_lines(o.start, o.end)
    left = (1 + len(times)) * LAYOUT["date_pt"] * LAYOUT["date_lh"]
    height = max(left, right) * PT + 2 * LAYOUT["item_pad_mm"] + LAYOUT["item_rule_mm"]
    least = LAYOUT["title_pt"] * LAYOUT["title_lh"] + len(details) * LAYOUT["detail_pt"] * LAYOUT["detail_lh"]
    min_height = max(left, least) * PT + 2 * LAYOUT["item_pad_mm"] + LAYOUT["item_rule_mm"]
    start = o.start
    return NoticeItem(
        date_text=f"{zh_date_short(start)} {zh_weekday(start)}",
        time_text="\n".join(times),
        when_lines=1 + len(times),
        iso=start.isoformat(),
        status=o.status,
        status_label=status_label,
        title=title,
        details=tuple(details),
        height_mm=height,
        min_height_mm=min_height,
    )


def _label_em(label: str) -> float:
    return sum(char_em(ch) for ch in f"{label}：")


def list_top_mm(place_lines: int) -> float:
    L = LAYOUT
    header = place_lines * L["place_pt"] * L["place_lh"] * PT + L["headline_pt"] * L["headline_lh"] * PT + L["period_pt"] * L["period_lh"] * PT
    return L["margin_y"] + header + L["header_pad_mm"] + L["header_rule_mm"] + L["gap_mm"]


def list_height_mm(place_lines: int) -> float:
    L = LAYOUT
    bottom = L["page_h"] - L["margin_y"] - L["footer_h_mm"] - L["gap_mm"]
    return bottom - list_top_mm(place_lines)


def fit_items(items: Sequence[NoticeItem], height_mm: float) -> list[NoticeItem]:
    """The leading items that fit in ``height_mm``, keeping room for the
    另有 N 项 line whenever some are left out."""
    shown: list[NoticeItem] = []
    used = 0.0
    for i, item in enumerate(items):
        left_after = len(items) - i - 1
        budget = height_mm - (LAYOUT["more_h_mm"] if left_after else 0.0)
        if used + item.height_mm > budget:
            break
        shown.append(item)
        used += item.height_mm
    return shown


# --------------------------------------------------------------------------
# Text width: a conservative estimate in em, CJK-aware


def _em_avail(width_mm: float, size_pt: float) -> float:
    return width_mm / (size_pt * PT) * WIDTH_SAFETY


def char_em(ch: str) -> float:
    """Advance width of one character in em, rounded up for Noto Sans CJK
    (CJK and full-width forms are exactly 1 em; Latin is proportional)."""
    if ch == " ":
        return 0.3
    if ch.isascii():
        if ch in "MWmw@%&":
            return 0.95
        if ch.isupper() or ch.isdigit():
            return 0.66
        return 0.6
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    return 1.0  # anything else: assume a full em, never less


# No line may start with these (Chinese line-breaking rules), and no line may
# end with the openers: they travel with their neighbour.
_CLOSERS = set("，。、；：？！）》」』】〉…—,.;:?!)]}%·–")
_OPENERS = set("（《「『【〈([{")


def _tokens(text: str) -> list[float]:
    """Widths of the unbreakable pieces of ``text``: a run of ASCII letters
    and digits, or one other character, with punctuation glued on."""
    tokens: list[float] = []
    word = 0.0
    glue_next = 0.0
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in "-_/.:'@"):
            word += char_em(ch)
            continue
        if word:
            tokens.append(word + glue_next)
            glue_next, word = 0.0, 0.0
        w = char_em(ch)
        if ch in _CLOSERS and tokens:
            tokens[-1] += w
        elif ch in _OPENERS:
            glue_next += w
        else:
            tokens.append(w + glue_next)
            glue_next = 0.0
    if word or glue_next:
        tokens.append(word + glue_next)
    return tokens


def count_lines(text: str, width_em: float, lead: float = 0.0) -> int:
    """Lines ``text`` takes in a box ``width_em`` wide (greedy, as browsers),
    after ``lead`` em already used on the first line (a label, a badge)."""
    lines, used = 1, lead
    for w in _tokens(text):
        if used + w <= width_em:
            used += w
            continue
        if used > 0:
            lines += 1
            used = 0.0
        # An over-long piece is broken anywhere (CSS overflow-wrap: anywhere).
        while w > width_em:
            lines += 1
            w -= width_em
        used = w
    return lines


# Emoji and other pictographs: editors paste them from WeChat ("🎉迎新春文艺
# 汇演"), and the notice's font (Noto Sans CJK) has almost none of them.
# WeasyPrint would print an empty box, and a box fails the build; for a
# decoration that is wrong, so the notice leaves out what the font cannot
# draw in these blocks and checks.py warns the editor with the record's line
# (the website shows them as they are). Any other missing character (a rare
# character in a name) still fails the build: a name must print right.
_PICTOGRAPH_BLOCKS = ((0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
# Zero-width joiner, variation selectors, combining keycap: parts of emoji.
_EMOJI_JOINERS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3})
# Any character of either kind: most texts have none and are passed through
# after one regex search (0.3 µs, not 12 µs, for a 30-character title; the
# check runs over every activity, venue and place name of the district).
_MAYBE_EMOJI = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _PICTOGRAPH_BLOCKS)
                          + "".join(chr(c) for c in sorted(_EMOJI_JOINERS)) + "]")


@functools.lru_cache(maxsize=1)
def _font_coverage() -> frozenset[int] | None:
    """The code points of the font fontconfig picks for the notice's first
    family (Noto Sans CJK SC), or None when it cannot be read."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    path = subprocess.run([fc_match, "-f", "%{file}", "Noto Sans CJK SC"], capture_output=True, text=True, check=False).stdout.strip()
    if not path:
        return None
    found = face_unicodes(path)
    if found is not None:
        return found
    try:
        from fontTools.ttLib import TTCollection, TTFont

        font = TTCollection(path, lazy=True).fonts[0] if path.lower().endswith((".ttc", ".otc")) else TTFont(path, lazy=True)
        return frozenset(font.getBestCmap())
    except Exception:  # noqa: BLE001 - any unreadable font: fall back to the blocks alone
        return None


def unprintable(text: str) -> str:
    """The pictographs of ``text`` a door notice leaves out, each once."""
    if not _MAYBE_EMOJI.search(text):
        return ""
    cover = _font_coverage()
    found: list[str] = []
    for ch in text:
        cp = ord(ch)
        if ch not in found and any(a <= cp <= b for a, b in _PICTOGRAPH_BLOCKS) and (cover is None or cp not in cover):
            found.append(ch)
    return "".join(found)


# Anything but Latin-1, general punctuation (— … “ ”), CJK punctuation, the
# basic CJK block and the full-width forms: Noto Sans CJK has all of those.
# Most texts match nothing and take one search, and the font's character
# map (~0.3 s to read) is not read for them; the rest are looked up
# character by character.
_MAYBE_RARE = re.compile("[^\x00-\xff\u2000-\u206f\u3000-\u303f\u4e00-\u9fef\uff00-\uffef]")


def no_glyph(text: str) -> str:
    """The characters of ``text`` that no installed font can draw (each
    once): a door notice prints :data:`MISSING_GLYPH` for them. A rare
    character in a name (CJK Ext-B, 𠀀) is the usual case.
    Pictographs are left out (:func:`unprintable`: the notice drops them)."""
    if not _MAYBE_RARE.search(text):
        return ""
    cover = _font_coverage()
    if cover is None:
        return ""  # no font to ask: check_cjk_font says so
    found: list[str] = []
    for ch in text:
        cp = ord(ch)
        if (cp in cover or ch in found or ch.isspace() or cp in _EMOJI_JOINERS or cp < 0x20
                or any(a <= cp <= b for a, b in _PICTOGRAPH_BLOCKS)):
            continue
        if not _any_font_has(cp):
            found.append(ch)
    return "".join(found)


@functools.lru_cache(maxsize=4096)
def _any_font_has(cp: int) -> bool:
    """Whether fontconfig knows a font with this character (WeasyPrint falls
    back to any of them)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True
    found = subprocess.run([fc_list, "--format=%{file}\n", f":charset={cp:x}"], capture_output=True, text=True, check=False).stdout
    return bool(found.strip())


# What a door notice prints for a character no installed font has: the
# typesetters' mark for a missing sort (geta, U+3013), which every CJK font
# has. Before, one rare character in one speaker's name failed every
# door's PDF: the grid worker at the printer could print nothing.
MISSING_GLYPH = "〓"


def printable(text: str) -> str:
    """``text`` as a door notice prints it: without :func:`unprintable`
    pictographs and emoji joiners, and with :data:`MISSING_GLYPH` for the
    characters no font has (:func:`no_glyph`; `check` and the build warn of
    them with their record)."""
    if _MAYBE_EMOJI.search(text):
        drop = set(unprintable(text))
        text = " ".join("".join(ch for ch in text if ch not in drop and ord(ch) not in _EMOJI_JOINERS).split())
    if _MAYBE_RARE.search(text):
        missing = no_glyph(text)
        if missing:
            text = "".join(MISSING_GLYPH if ch in missing else ch for ch in text)
    return text


def fit_text(text: str, width_em: float, max_lines: int, lead: float = 0.0) -> tuple[str, int]:
    """``text`` cut with "…" so that it takes at most ``max_lines`` lines
    (after ``lead`` em on the first); returns the text and its line count."""
    text = " ".join(printable(text).split())
    lines = count_lines(text, width_em, lead)
    if lines <= max_lines:
        return text, lines
    # Start from a prefix that cannot be too short, then shorten by one char.
    keep = min(len(text), int(width_em * max_lines * 2) + 1)
    while keep > 0 and count_lines(text[:keep].rstrip() + "…", width_em, lead) > max_lines:
        keep -= 1
    return text[:keep].rstrip() + "…", max_lines


def fit_contact(label: str, name: str, phone: str, width_em: float) -> str:
    """"name phone" for a contact line (one line ``width_em`` wide, after
    "label："): the phone always whole, the name cut with "…" to the room
    left, or left out when there is no room for one character."""
    phone = " ".join(printable(phone).split())
    room = width_em - _label_em(label) - (sum(char_em(ch) for ch in phone) + char_em(" ") if phone else 0.0)
    name = " ".join(printable(name).split())
    if room < 2.0:
        name = ""
    elif name and count_lines(name, room) > 1:
        name = fit_text(name, room, 1)[0]
    return " ".join(x for x in (name, phone) if x)


PLACE_SEPARATOR = " · "
# A leading part of the place line is never cut shorter than this many
# characters (and "…"): "桂园街道…" still says which community it is.
PLACE_PART_MIN = 4


def fit_place(parts: Sequence[str], name: str, width_em: float, max_lines: int) -> tuple[str, int]:
    """The place line, "community · estate · courtyard · name", in at most
    ``max_lines`` lines; returns it and its line count. The building's name
    (with its entrance) is what tells the doors of one courtyard apart, so
    it is kept whole: the leading parts are cut with "…" instead, the
    longest first (each to the same largest length that fits, never below
    :data:`PLACE_PART_MIN` characters). Only a name that does not fit even
    then is cut, at its end, as :func:`fit_text` cuts."""
    parts = [" ".join(printable(p).split()) for p in parts]
    name = " ".join(printable(name).split())

    def line(cap: int) -> str:
        return PLACE_SEPARATOR.join([_cut_part(p, cap) for p in parts] + [name])

    longest = max((len(p) for p in parts), default=0)
    lines = count_lines(line(longest), width_em)
    if lines <= max_lines:
        return line(longest), lines
    shortest = min(PLACE_PART_MIN, longest)
    if count_lines(line(shortest), width_em) > max_lines:
        return fit_text(line(shortest), width_em, max_lines)
    # The largest cap that fits: ``fits`` always does, ``over`` never.
    fits, over = shortest, longest
    while over - fits > 1:
        mid = (fits + over) // 2
        if count_lines(line(mid), width_em) <= max_lines:
            fits = mid
        else:
            over = mid
    return line(fits), count_lines(line(fits), width_em)


def _cut_part(part: str, cap: int) -> str:
    """``part`` cut to ``cap`` characters and "…" (an opening bracket or a
    space left at the cut goes too), or whole if it is no longer."""
    if len(part) <= cap:
        return part
    return part[:cap].rstrip(" " + "".join(_OPENERS)) + "…"


# --------------------------------------------------------------------------
# QR code


@dataclass(frozen=True)
class QRCode:
    """A building page's QR code, ``qr_mm`` wide including the four-module
    quiet zone (white, so it survives a grey background on screen), drawn
    two ways: inline SVG for the HTML page, and for the PDF a greyscale PNG
    of one pixel per module, printed with image-rendering: pixelated (sharp
    squares, no smoothing). Why two: WeasyPrint parses and draws the SVG's
    path in Python, ~4 ms a notice; the image costs it next to nothing."""

    svg: Markup
    png: str  # data: URI


_MODULE_GREY = bytes.maketrans(b"\x00\x01", b"\xff\x00")


# A pure function of the URL (and the fixed layout); `serve` and the
# `notices` command make the same doors' codes again on every run.
@functools.lru_cache(maxsize=1 << 14)
def qr_code(url: str) -> QRCode:
    """The QR code of ``url`` (error correction M), as SVG and as PNG."""
    from PIL import Image

    from . import qrmask

    # segno.make(url, error="m", micro=False): the same symbol, ~4x faster
    # (segno scores its 8 candidate masks module by module in Python).
    qr = qrmask.make(url)
    size = qr.symbol_size(border=4)[0]
    # segno writes the SVG itself (no user text reaches it unescaped: the
    # URL is encoded as modules), so it is safe to insert as markup.
    svg = Markup(qrmask.svg_inline(qr, scale=LAYOUT["qr_mm"] / size, unit="mm", border=4, title=url))
    # One grey byte per module (segno's matrix: 1 dark, 0 light), with the
    # white quiet zone around: bytes.translate, not a Python loop per module.
    quiet, side = b"\xff" * 4, b"\xff" * int(size)
    rows = [side] * 4 + [quiet + bytes(row).translate(_MODULE_GREY) + quiet for row in qr.matrix] + [side] * 4
    png = io.BytesIO()
    Image.frombytes("L", (int(size), int(size)), b"".join(rows)).save(png, format="PNG")
    return QRCode(svg, "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii"))


# --------------------------------------------------------------------------
# HTML


def _css(env: Environment) -> Markup:
    return Markup(env.get_template("notices/style.html").render(L=LAYOUT, top1=list_top_mm(1), top2=list_top_mm(2), when_lines=range(3, MAX_WHEN_LINES + 1)))


# The print CSS of the door pages, one file beside them. Inline, it was
# 4.4 KB of each 10.1 KB page: 8.8 MB of L's 2,000 doors, and the output
# was 30.007 KB per page against the 30 KB budget (bench/results/L.md,
# 17:09 UTC). The PDFs keep it inline (render_batch).
CSS_FILE = "notice.css"


def render_page(env: Environment, n: Notice, index_href: str) -> str:
    """The standalone HTML page of one notice (screen toolbar, print CSS).
    ``index_href``: the notices folder, relative to the page."""
    return env.get_template("notices/notice.html").render(n=n, css_href=index_href + CSS_FILE, index_href=index_href, pdf_href=n.target.pdf_name)


def render_batch(env: Environment, lists: Sequence[Notice], frames: Sequence[Notice], notices: Sequence[Notice], css: Markup) -> str:
    """One HTML document for WeasyPrint: a page for the list part of each
    of ``lists``, one for the frame of each of ``frames``, then one for the
    door's own part of each of ``notices``."""
    return env.get_template("notices/batch.html").render(lists=lists, frames=frames, notices=notices, css=css)


# --------------------------------------------------------------------------
# PDF


def check_cjk_font() -> None:
    """Stop before rendering when no Chinese font is installed: WeasyPrint
    would otherwise print empty boxes on every door."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        found = bool(subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout.strip())
    else:  # fontconfig's tools are optional on Debian: ask WeasyPrint itself
        found = _renders_chinese()
    if not found:
        raise BuildFailed([
            ContentError(
                Location("PDF"),
                "没有安装中文字体，公示栏 PDF 会把汉字印成方框",
                f"请安装 {CJK_FONT_PACKAGE}：sudo apt-get install -y {CJK_FONT_PACKAGE}（或运行 scripts/system-deps.sh）",
                record="楼门公示",
            )
        ])


def _renders_chinese() -> bool:
    load_weasyprint()
    from weasyprint import HTML

    watch = _GlyphWatch()
    wlog = logging.getLogger("weasyprint")
    wlog.addHandler(watch)
    try:
        HTML(string='<p style="font-family: sans-serif">近期科普活动</p>').write_pdf()
    finally:
        wlog.removeHandler(watch)
    return not watch.missing


class _GlyphWatch(logging.Handler):
    """Collects WeasyPrint's missing-glyph warnings: a .notdef box on a door
    notice is a build failure, not a log line."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef" in message or "unsupported by fonts" in message:
            self.missing.append(message)


# Fixed metadata so two builds of the same content give the same bytes: no
# file identifier and no creation date (the HTML carries none).
_PDF_OPTIONS: dict[str, Any] = {"pdf_identifier": False}

# WeasyPrint's user-agent stylesheet gives *every* element six pseudo-element
# styles (::marker and the footnote and note calls and markers), which the
# cascade then computes one by one: 31,652 computed styles for 60 notices,
# of which 1,736 without them — half of the cascade, a fifth of the layout.
# A notice has no list markers (list-style: none), no footnotes and no notes,
# so it is laid out with the stylesheet minus those rules (same PDF bytes:
# tests/test_notices.py lays a notice out both ways).
_UNUSED_PSEUDO_RULES = re.compile(r"(?m)^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}\n")


@functools.cache
def _notice_html() -> type[Any]:
    """weasyprint.HTML with the user-agent stylesheet cut for notices
    (WeasyPrint is pinned: the method overridden is its own hook)."""
    load_weasyprint()
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    _skip_empty_margin_boxes()
    trimmed, removed = _UNUSED_PSEUDO_RULES.subn("", UA)
    if removed != 6:  # another WeasyPrint: keep its stylesheet whole
        return HTML
    # Its @counter-style rules go to a dict of their own: WeasyPrint's
    # already holds them (and refuses to redefine disc and decimal).
    sheet = CSS(string=trimmed, counter_style=CounterStyle())

    class NoticeHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [sheet]

    return NoticeHTML


# The sixteen page-margin boxes of CSS Paged Media, as WeasyPrint names them.
_MARGIN_AT_KEYWORDS = tuple(
    [f"@{side}-{where}" for side in ("top", "bottom") for where in ("left", "center", "right")]
    + [f"@{side}-{where}" for side in ("left", "right") for where in ("top", "middle", "bottom")]
    + [f"@{corner}-corner" for corner in ("top-left", "top-right", "bottom-left", "bottom-right")]
)


@functools.cache
def _skip_empty_margin_boxes() -> None:
    """WeasyPrint's layout without its work on margin boxes no page has.

    For every page WeasyPrint makes all sixteen margin boxes, each with its
    style, counters and percentages resolved, and then drops those whose
    ``content`` is normal, inhibit or none (layout.page.make_margin_boxes).
    A door notice has none (its @page rule is size and margin only):
    py-spy of a cold build at bench scale L had that work at 101 of the
    door-notice worker's 1,801 samples (4,000 pages). A page whose margin
    boxes all have no content now gets none without them being made; any
    other page goes through WeasyPrint's own function. WeasyPrint is
    pinned; where its layout module has not got the function this expects,
    nothing is changed. tests/test_notices.py lays notices out both ways:
    the same PDF bytes, and a margin box with content still printed."""
    load_weasyprint()
    from weasyprint import layout
    from weasyprint.layout import page as page_layout

    if getattr(layout, "make_margin_boxes", None) is not getattr(page_layout, "make_margin_boxes", 0):
        return
    original: Callable[[Any, Any, Any], Iterator[Any]] = page_layout.make_margin_boxes

    def make_margin_boxes(context: Any, page: Any, state: Any) -> Iterator[Any]:
        for keyword in _MARGIN_AT_KEYWORDS:
            style = context.style_for(page.page_type, keyword)
            if style is not None and style["content"] not in ("normal", "inhibit", "none"):
                return original(context, page, state)
        return iter(())

    layout.make_margin_boxes = make_margin_boxes


# An attribute value holding a tab or line break: XML would turn it into a
# space, HTML keeps it. Such a batch goes to the HTML parser.
_ATTRIBUTE_BREAK = re.compile(r'="[^"]*[\t\n\r]')


def _parse_batch(html: str, base_url: str) -> Any:
    """The WeasyPrint document of a batch (theme/notices/batch.html), parsed
    with expat: WeasyPrint's HTML parser (tinyhtml5, pure Python) took ~3 ms
    a notice, expat ~0.1 ms. The batch is written as well-formed XML that
    gives the same tree (tests/test_notices.py compares the two trees and
    the PDFs); anything expat refuses goes to WeasyPrint's parser."""
    from xml.etree import ElementTree

    load_weasyprint()
    import cssselect2
    from weasyprint.urls import URLFetcher

    notice_html = _notice_html()
    try:
        if _ATTRIBUTE_BREAK.search(html):
            raise ValueError("attribute with a line break")
        root = ElementTree.fromstring(html.removeprefix("<!doctype html>"))
    except (ElementTree.ParseError, ValueError):
        return notice_html(string=html, base_url=base_url)
    # What weasyprint.HTML.__init__ sets from its parser's tree (WeasyPrint
    # is pinned; a batch has no <base>, and base_url is already a URL).
    doc = object.__new__(notice_html)
    doc.base_url = base_url
    doc.url_fetcher = URLFetcher()
    doc.media_type = "print"
    doc.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    doc.etree_element = doc.wrapper_element.etree_element
    return doc


@dataclass
class _Renderer:
    """Turns a run of doors into their HTML pages and, for print, one laid-out
    document, its PDF and one PDF per page. Forked workers each run one."""

    maker: NoticeMaker
    env: Environment
    base_url: str
    pdf: bool

    def render(self, chunk: Sequence[Target]) -> tuple[list[str], bytes, list[bytes], list[str], int]:
        """Returns the HTML pages, the chunk's PDF, one PDF per page, glyph
        problems and how many notices had to be refitted."""
        notices = [self.maker.notice(target) for target in chunk]
        combined, refits = b"", 0
        singles: list[bytes] = []
        missing: list[str] = []
        css = _css(self.env)
        if self.pdf and notices:
            notices, combined, singles, missing, refits = self._layout(notices, css)
        pages = [render_page(self.env, n, "../" * (n.target.key.count("/") + 1)) for n in notices]
        return pages, combined, singles, missing, refits

    def _layout(self, notices: list[Notice], css: Markup) -> tuple[list[Notice], bytes, list[bytes], list[str], int]:
        """Lays the chunk out in one WeasyPrint document and writes its PDF
        and one PDF per door (pdffonts.write_compact_split: compact fonts).

        Most of a notice is the same on many doors, and a page's layout
        costs by its lines. A notice's list of activities is most of its
        lines (bench scale L: ~80 %), and the doors of one community show
        few different lists: an activity is for a community, an estate or a
        grid. The frame (headline, dates, contacts) is the same on every
        door of a grid. So each different list and each different frame is
        laid out once, on a page of its own, and each door only its place,
        QR code and the code's address; the door's PDF page draws all three
        (:class:`_DoorPage`). Positions do not move: every part of a notice
        is positioned against the page, the lines a part leaves out keep
        their height, and the list's top depends only on the place's line
        count, which is in both keys (:attr:`Notice.list_key`,
        :attr:`Notice.frame_key`)."""
        watch = _GlyphWatch()
        wlog = logging.getLogger("weasyprint")
        wlog.addHandler(watch)
        try:
            lists, of = _distinct(notices, lambda n: n.list_key)
            frames, framed = _distinct(notices, lambda n: n.frame_key)
            doc = self._document(lists, frames, notices, css)
            pages = list(doc.pages)
            if len(pages) != len(lists) + len(frames) + 1:  # pragma: no cover - each part is one clipped page
                raise RuntimeError(f"{len(notices)} 张公示排出了 {len(pages)} 页")
            list_pages, frame_pages = pages[: len(lists)], pages[len(lists) : -1]
            door_pages = _door_pages(pages[-1], len(notices))
            refits = 0
            # The fitting estimate is conservative, but WeasyPrint has the last
            # word: a list whose items run past its box loses one item, on every
            # door that shows it, until none is clipped (their HTML pages
            # follow suit). Doors that share a list also share its cut: they
            # show the same items and have the same number left over.
            #
            # And the other way: the estimate rounds every width up, so the
            # first activity it left out may still fit (a postponement's
            # title beside its 【已延期】 badge counted as two lines, printed
            # as one: the tester's entrance notice stopped a third of a page
            # short, and the postponed activity and all after it were only
            # counted in 另有 N 项). When the room left below the last item
            # could hold that activity at its smallest (min_height_mm), the
            # list is laid out with it, and kept if nothing runs over. Doors
            # that shared a list may leave out different activities: each
            # different longer list is laid out once, as a list of its own
            # (appended, so that it is tried for one more in turn).
            k = 0
            while k < len(lists):
                page = list_pages[k]
                while _overflowing(page) and lists[k].items:
                    members = [i for i, j in enumerate(of) if j == k]
                    refits += len(members)
                    for i in members:
                        notices[i] = self.maker.notice(notices[i].target, show=len(notices[i].items) - 1)
                    lists[k] = notices[members[0]]
                    page = self._document([lists[k]], [], [], css).pages[0]
                list_pages[k] = page
                room = _room_mm(page)
                longer: dict[tuple[object, ...], list[tuple[int, Notice]]] = {}
                for i in (i for i, j in enumerate(of) if j == k):
                    n = notices[i]
                    # The last one left out also frees the 另有 N 项 line.
                    if n.more and room + (LAYOUT["more_h_mm"] if n.more == 1 else 0.0) >= n.next_min_mm:
                        trial = self.maker.notice(n.target, show=len(n.items) + 1)
                        longer.setdefault(trial.list_key, []).append((i, trial))
                for key, group in longer.items():
                    # Another door's list already (laid out, or to be): theirs.
                    same = next((j for j, n in enumerate(lists) if n.list_key == key), None)
                    if same is None:
                        trial_page = self._document([group[0][1]], [], [], css).pages[0]
                        if _overflowing(trial_page):
                            continue
                        lists.append(group[0][1])
                        list_pages.append(trial_page)
                        same = len(lists) - 1
                    for i, trial in group:
                        notices[i], of[i] = trial, same
                k += 1
            # The same for the contact lines of a frame: a line whose name and
            # phone do not fit has its name cut (build_notice, cut_contacts),
            # on every door of the frame, so that the phone prints whole.
            for f, page in enumerate(frame_pages):
                cut = _clipped_contacts(page)
                while cut:
                    members = [i for i, j in enumerate(framed) if j == f]
                    for i in members:
                        notices[i] = self.maker.notice(notices[i].target, show=len(notices[i].items), cut_contacts=cut)
                    frames[f] = notices[members[0]]
                    page = self._document([], [frames[f]], [], css).pages[0]
                    still = _clipped_contacts(page)
                    if still <= cut:  # pragma: no cover - the estimate is conservative; the CSS clips
                        break
                    cut |= still
                frame_pages[f] = page
            drawn_lists = [_SharedDrawing(page) for page in list_pages]
            drawn_frames = [_SharedDrawing(page) for page in frame_pages]
            parts = [_DoorPage(door, drawn_lists[j], drawn_frames[f]) for door, j, f in zip(door_pages, of, framed, strict=True)]
            combined, singles = write_compact_split(doc.copy(parts), **_PDF_OPTIONS)
        finally:
            wlog.removeHandler(watch)
        return notices, combined, singles, watch.missing, refits

    def _document(self, lists: Sequence[Notice], frames: Sequence[Notice], notices: Sequence[Notice], css: Markup) -> Any:
        return _parse_batch(render_batch(self.env, lists, frames, notices, css), self.base_url).render()


def _door_pages(sheet: Any, count: int) -> list[Any]:
    """One page per door, cut from the page the doors' own lines were laid
    out on, one over the other (``.nt-sheet``, theme/notices/batch.html):
    a copy of that page's boxes that leads to one of its ``count`` doors.

    On a page of its own, a door's three lines (place, QR code, the code's
    address) took WeasyPrint 5.0-6.6 ms (bench scale L, 300 doors in one
    document, CPU), most of it for the page: its styles and margin boxes,
    its state, the layout passes of a page. All on one page: 2.5-4.2 ms a
    door (runs alternating with the old code). Each door is where a page of
    its own puts it: positioned against the page's top left corner, its
    boxes positioned against it as before, and laid out on its own (an
    absolutely positioned box is a formatting context of its own, so one
    door's QR code, a float, never pushes another's). weasyprint.Page
    draws and gathers the bookmarks of the boxes it is given (WeasyPrint is
    pinned). tests/test_notices.py compares every door's PDF page with its
    HTML page, pixel for pixel; at bench scale L, the 2,001 PDFs of
    ``build.py notices`` are the same bytes as when each door had a page."""
    load_weasyprint()
    from weasyprint.document import Page

    path = [sheet._page_box]
    while "nt-sheet" not in _classes(path[-1]):
        below = [child for child in path[-1].children if any("nt-sheet" in _classes(box) for box in _descendants(child))]
        if len(below) != 1:  # pragma: no cover - batch.html writes one sheet
            raise RuntimeError("公示排版：找不到楼门页")
        path.append(below[0])
    doors = path[-1].children
    if len(doors) != count:  # pragma: no cover - one box per door, each clipped to the page
        raise RuntimeError(f"{count} 张公示排出了 {len(doors)} 个楼门")
    pages = []
    for door in doors:
        box = door
        for parent in reversed(path):
            box = parent.copy_with_children([box])
        pages.append(Page(box))
    return pages


def _distinct(notices: Sequence[Notice], key: Callable[[Notice], tuple[object, ...]]) -> tuple[list[Notice], list[int]]:
    """The first notice of each different ``key``, and for each notice the
    index of its key's first notice in that list."""
    first: dict[tuple[object, ...], int] = {}
    chosen: list[Notice] = []
    of = []
    for n in notices:
        k = key(n)
        if k not in first:
            first[k] = len(chosen)
            chosen.append(n)
        of.append(first[k])
    return chosen, of


class _SharedDrawing:
    """A part of a page (a list, a frame) drawn once per PDF and repeated on
    every door that shows it. Drawing is a third of a notice's time
    (bench/profile_notices.py); the drawing operators are the same on every
    page, since WeasyPrint names fonts and images per document and not per
    page. The operators are taken from the first page's content stream and
    added to the others'; a stream of another document (another write_pdf)
    draws the page anew."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self._resources: Any = None
        self._scale = 0.0
        self._ops: list[Any] = []

    def paint(self, stream: Any, scale: float) -> None:
        if stream._resources is self._resources and scale == self._scale:
            stream.stream.extend(self._ops)
            return
        mark = len(stream.stream)
        self.page.paint(stream, scale)  # one q … Q group: no state leaks out
        self._ops, self._resources, self._scale = stream.stream[mark:], stream._resources, scale


class _DoorPage:
    """A door's PDF page for WeasyPrint's writer: its own lines (``door``, a
    laid-out page) with its list and its frame drawn over them. It quacks
    as ``weasyprint.Page`` does for ``write_pdf`` (WeasyPrint is pinned)."""

    def __init__(self, door: Any, shared: _SharedDrawing, frame: _SharedDrawing) -> None:
        self.width, self.height, self.bleed = door.width, door.height, door.bleed
        self.bookmarks = door.bookmarks  # the place: the others have none
        self.links = [*door.links, *shared.page.links, *frame.page.links]
        self.anchors = {**frame.page.anchors, **shared.page.anchors, **door.anchors}
        self.forms = door.forms
        self._page_box = door._page_box
        self._door, self._shared, self._frame = door, shared, frame

    def paint(self, stream: Any, scale: float = 1) -> None:
        self._door.paint(stream, scale)
        self._shared.paint(stream, scale)
        self._frame.paint(stream, scale)


# The job a forked worker inherits: the renderer and every door. Workers get
# index ranges, not objects, so nothing of the model is pickled.
_job: tuple[_Renderer, list[Target]] | None = None


def _worker_render(span: tuple[int, int]) -> tuple[list[str], bytes, list[bytes], list[str], int]:
    assert _job is not None
    renderer, doors = _job
    # No automatic collection while a chunk is laid out, one after it.
    # WeasyPrint's boxes are made by the hundred thousand and nearly all
    # live until the chunk's PDF is written, so the collector walked them
    # again and again: 2.4-4.8 ms of a door's ~36 ms (gc.callbacks, 77
    # doors of bench scale L, model frozen), 0.6 ms like this. The chunk's
    # garbage waits for the collection: +38 MB peak RSS per worker.
    # What outlives a chunk (fonts, styles, the first chunk's ~68,000
    # objects; ~700 a chunk after it) is frozen, so that the next
    # collection walks only the next chunk's objects: `notices` at L, 26
    # chunks over two workers, 1.26 -> 0.64 s of collections, the same PDFs.
    # A worker lives for one run of notices (its pool's), so nothing it
    # freezes outlives the run.
    gc.disable()
    try:
        return renderer.render(doors[span[0] : span[1]])
    finally:
        gc.collect()
        gc.freeze()


def _list_marks(page: Any) -> tuple[list[float], list[float], float | None]:
    """(the limits an activity must stay above: the list box's bottom and
    the 另有 N 项 line's top; each activity's bottom; the list's content
    top) on this laid-out page, in CSS px. Reads WeasyPrint's box tree
    (``page._page_box``; WeasyPrint is pinned)."""
    limits: list[float] = []
    items: list[float] = []
    top = None
    for box in _descendants(page._page_box):
        names = _classes(box)
        if "nt-list" in names:
            limits.append(box.position_y + box.margin_height())
            top = box.content_box_y() if top is None else top
        elif "nt-more" in names:
            limits.append(box.position_y)
        elif "nt-item" in names:
            items.append(box.position_y + box.margin_height())
    return limits, items, top


def _overflowing(page: Any) -> bool:
    """True if any activity on this laid-out page extends below its list box
    (where the CSS would clip it) or under the 另有 N 项 line."""
    limits, items, _top = _list_marks(page)
    return bool(limits) and any(y > min(limits) + 0.5 for y in items)


def _room_mm(page: Any) -> float:
    """The height in mm left free on this laid-out page between its last
    activity and the 另有 N 项 line (or the list's bottom when there is
    none)."""
    limits, items, top = _list_marks(page)
    bottom = max(items) if items else top
    if not limits or bottom is None:
        return 0.0
    return (min(limits) - bottom) * PX


def _clipped_contacts(page: Any) -> frozenset[int]:
    """The contact lines (0 the first) of this laid-out page whose text runs
    past their box, where the CSS cuts it off with "…" (the boxes keep the
    whole text; WeasyPrint is pinned)."""
    load_weasyprint()
    from weasyprint.formatting_structure.boxes import BlockBox

    clipped: set[int] = set()
    k = 0
    for box in _descendants(page._page_box):
        if not isinstance(box, BlockBox) or "nt-contact" not in _classes(box):
            continue
        right = box.content_box_x() + box.width
        if any(child.position_x + child.margin_width() > right + 0.5 for line in box.children for child in line.children):
            clipped.add(k)
        k += 1
    return frozenset(clipped)


def _classes(box: Any) -> list[str]:
    """The classes of the element a laid-out box belongs to (WeasyPrint's
    box tree; none for a box of no element)."""
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None and getattr(box, "element_tag", None) else []


def _descendants(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


class _Joined:
    """all-notices.pdf, put together from the chunks' PDFs in door order
    (pdfwrite.joined_pdf: the pages, the bookmarks one after the other,
    the language and title). Each chunk is parsed as the workers hand it
    in, and the file written at the end: for 14 chunks of 150 doors the
    parsing was 0.63 s of 0.75 s. pypdf's append, before, copied every
    object too (1.4-1.6 s for those 2,100 pages, spread over the chunks)
    and lost the language and the title. One chunk is the PDF as it is."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.readers: list[Any] = []

    def add(self, part: bytes) -> None:
        from pypdf import PdfReader

        from .pdfwrite import preload

        self.parts.append(part)
        if len(self.parts) == 1:
            return  # a single chunk is written as it is: read nothing until a second
        for data in self.parts[len(self.readers) :]:  # the first one too, when the second comes
            reader = PdfReader(io.BytesIO(data))
            preload(reader)
            self.readers.append(reader)

    def pdf(self) -> bytes:
        from .pdfwrite import Unsupported, joined_pdf

        if len(self.parts) == 1:
            return self.parts[0]
        try:
            try:
                return joined_pdf(self.readers)
            except Unsupported:  # a chunk's catalog holds more than pages and bookmarks
                from pypdf import PdfWriter

                writer = PdfWriter()
                for reader in self.readers:
                    writer.append(reader)
                data = pdf_bytes(writer)
                release(writer)
                return data
        finally:
            for reader in self.readers:
                release(reader)  # their objects point back to them: cycles
            self.readers = []


# A chunk's layout: its HTML pages, its PDF, one PDF per page, the glyphs
# the fonts lack, and how many notices had to be refitted.
_Laid = tuple[list[str], bytes, list[bytes], list[str], int]


@dataclass
class _Chunk:
    """A run of doors laid out as one document."""

    span: tuple[int, int]
    # With the build cache: a hash of everything its notices are made from
    # (:func:`_chunk_keys`), and, when the cache had it, its PDF (for
    # all-notices.pdf) and refit count; its files are then in place already.
    key: str = ""
    cached: tuple[bytes, int] | None = None


@dataclass
class _Run:
    """Door notices being laid out: what :func:`write_notices` collects."""

    window: tuple[date, date, bool, str]
    doors: list[Target]
    chunks: list[_Chunk]
    results: Iterator[_Laid]  # of the chunks not taken from the cache, in order
    pool: ProcessPoolExecutor | None
    all_cached: bool = False  # all-notices.pdf taken from the cache


def _start(out: Output, first: date, last: date, *, pdf: bool, prefix: str, workers: int = PDF_WORKERS) -> _Run:
    import multiprocessing

    global _job
    doors = targets(out.site)
    if pdf and doors:
        check_cjk_font()
    renderer = _Renderer(NoticeMaker(out.site, first, last), out.env, out.out_dir.as_uri() + "/", pdf)
    parallel = pdf and len(doors) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()
    if pdf:
        chunks = [_Chunk(span) for span in _spans(doors)]
    else:
        # serve (HTML only, written after the reload): small pieces, so that
        # a newer save stops the writer between two of them (Output.stop is
        # asked before each file) instead of after all 2,000 doors (~1.5 s).
        chunks = [_Chunk((a, min(a + HTML_CHUNK, len(doors)))) for a in range(0, len(doors), HTML_CHUNK)]
    run = _Run((first, last, pdf, prefix), doors, chunks, iter(()), None)
    if pdf and out.cache is not None and chunks:
        _fetch_cached(out, out.cache, run, prefix)
    todo = [c.span for c in chunks if c.cached is None]
    if parallel and todo:
        # fork: the workers inherit the model and templates instead of
        # unpickling them, and start in milliseconds. Only this thread uses
        # WeasyPrint, so no lock of it can be held across the fork.
        _job = (renderer, doors)
        run.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=start_worker, initargs=(WORKER_NICE,))
        run.results = run.pool.map(_worker_render, todo)
    else:
        run.results = (renderer.render(doors[a:b]) for a, b in todo)
    return run


def _spans(doors: Sequence[Target]) -> list[tuple[int, int]]:
    """Index ranges of the doors laid out as one document each: every
    community's doors apart, split evenly into chunks of at most
    :data:`CHUNK`. Why by community: an activity is on the doors of one
    community (or a part of it), and the build cache takes back every chunk
    whose doors show nothing new (:func:`_chunk_keys`); chunks of a fixed
    size over all doors would shift at every door added and mix
    communities. The cost: 26 documents of ~77 doors at bench scale L
    instead of 14 of ~143, and a document's fixed cost is small (one chunk
    in one process, bench/profile_notices.py: 42.8 ms a door for 77 doors,
    47.8 for 154). The chunks do not depend on the number of workers, so
    a build with the cache joins the same documents as one without."""
    spans: list[tuple[int, int]] = []
    start = 0
    for end in range(1, len(doors) + 1):
        if end < len(doors) and doors[end].building.community == doors[start].building.community:
            continue
        count = end - start
        pieces = -(-count // CHUNK)
        spans.extend((start + count * k // pieces, start + count * (k + 1) // pieces) for k in range(pieces))
        start = end
    return spans


# --------------------------------------------------------------------------
# The build cache: chunks of doors taken back whole
#
# A door notice is made of the shared model (places, venues, teams, the
# site's settings, today: incremental.shared_digest), the notice window and
# the occurrences in that window of the activities its building is invited
# to (queries.for_building, the question the notice asks); the notice
# templates see the Notice and site_model.info only. With the code, the
# installed versions, the fonts (buildcache.code_key) and the theme's files,
# that is a chunk's key. One activity edited changes the key of the chunks
# of the doors that show it: one community's chunk of 26 at bench scale L.


def _chunk_keys(out: Output, doors: Sequence[Target], chunks: Sequence[_Chunk], first: date, last: date) -> list[str]:
    from .incremental import digest, environment_key, shared_digest

    assert out.cache is not None
    site = out.site
    base = digest("door notices", out.cache.code, environment_key(b"", "", [out.theme_dir]), shared_digest(site), first, last)
    building = shown_digests(site, first, last)
    return [digest(base, [(d.key, building(d.building.id)) for d in doors[a:b]]) for a, b in (c.span for c in chunks)]


def shown_digests(site: Site, first: date, last: date) -> Callable[[str], str]:
    """building id → a hash of the occurrences of activities its residents
    are invited to between ``first`` and ``last`` (queries.for_building):
    what a door notice or a digest of the window shows of the activities.
    2,000 buildings at bench scale L: 0.14 s."""
    from .incremental import digest, record_digest

    shown: dict[str, str] = {}

    def building(building_id: str) -> str:
        found = shown.get(building_id)
        if found is None:
            parts = [(record_digest(site, item.activity), item.occurrence.key) for item in queries.for_building(site, building_id, first, last)]
            found = shown[building_id] = digest(parts)
        return found

    return building


def _door_files(door: Target) -> tuple[str, str]:
    return f"{door.key}/index.html", f"{door.key}/{door.pdf_name}"


def _fetch_cached(out: Output, cache: BuildCache, run: _Run, prefix: str) -> None:
    """Put every chunk the cache has in place (its pages and PDFs, linked
    from the cache), and all-notices.pdf if no chunk is new."""
    from .incremental import digest

    first, last = run.window[:2]
    for chunk, key in zip(run.chunks, _chunk_keys(out, run.doors, run.chunks, first, last), strict=True):
        chunk.key = key
        chunk.cached = _fetch_chunk(out, cache, run.doors[chunk.span[0] : chunk.span[1]], key, prefix)
    if all(c.cached is not None for c in run.chunks):
        run.all_cached = cache.fetch(digest("all notices", [c.key for c in run.chunks]), out.out_dir / (prefix + ALL_PDF.removeprefix("notices/")))


def _fetch_chunk(out: Output, cache: BuildCache, doors: Sequence[Target], key: str, prefix: str) -> tuple[bytes, int] | None:
    """A chunk's PDF and refit count, its files put in place; None, and no
    file put, if the cache lacks any of it."""
    from .incremental import digest

    meta = cache.get_bytes(digest(key, "meta"))
    combined = cache.get_bytes(digest(key, "pdf"))
    if meta is None or combined is None:
        return None
    try:
        record = json.loads(meta)
    except ValueError:  # an entry written by another version, or damaged
        return None
    if not isinstance(record, dict) or record.get("doors") != [d.key for d in doors]:
        return None
    if not cache.fetch_all([(digest(key, rel), out.out_dir / (prefix + rel)) for door in doors for rel in _door_files(door)]):
        return None
    return combined, int(record.get("refits", 0))


def _keep_chunk(out: Output, cache: BuildCache, doors: Sequence[Target], key: str, prefix: str, combined: bytes, refits: int) -> None:
    """Store a chunk just written: its files, its PDF and, last, its record."""
    from .incremental import digest

    for door in doors:
        for rel in _door_files(door):
            cache.keep(digest(key, rel), out.out_dir / (prefix + rel))
    cache.put_bytes(digest(key, "pdf"), combined)
    record = {"doors": [d.key for d in doors], "refits": refits}
    cache.put_bytes(digest(key, "meta"), json.dumps(record, ensure_ascii=False).encode("utf-8"))


# Notices started early by the site build (see start_early), by output folder.
_early: dict[Path, _Run] = {}


def early_workers() -> int:
    """Workers for notices laid out while the pages are rendered: a core
    each, less the one the rendering process holds.

    Two workers on a two-core machine shared the second core, taking turns
    every few milliseconds, and the layout's working set did not survive
    the turns: a cold L build's two workers took 18.0 + 19.6 s of CPU for
    2,000 doors (18.8 ms a door), where `notices` alone takes 13.8 ms a door
    on two cores and one process 10.7 ms. One worker took 26.0 s (13 ms a
    door) and was done at 39 s of a 45 s build. Cold L builds alternating
    with two workers (ABBA twice, a faster machine than the 18.8 ms run):
    46.31 / 48.22 / 47.84 / 54.26 s against 48.24 / 49.02 / 51.50 / 51.65 s,
    user CPU 78.5-89.2 s against 81.9-85.9 s."""
    return max(1, (os.cpu_count() or 1) - 1)


def start_early(out: Output) -> None:
    """Start laying out the site's door notices now, in worker processes
    (:func:`early_workers`), while the caller renders the pages; :func:`write` collects
    them. Why: page rendering is one process, so the second core idled for
    the whole of it, and the notices then ran alone at the end of the build.
    With the build cache (``out.cache``) the chunks it has are put in place
    now, and only the others go to the workers."""
    first, last = notice_window(out.site)
    cancel_early()
    _early[out.out_dir] = _start(out, first, last, pdf=True, prefix=SITE_PREFIX, workers=early_workers())


def cancel_early() -> None:
    """Stop notices started early (a build that failed before writing them)."""
    global _job
    for run in _early.values():
        if run.pool is not None:
            run.pool.shutdown(wait=False, cancel_futures=True)
    _early.clear()
    _job = None


def _collect(out: Output, first: date, last: date, *, pdf: bool, prefix: str) -> tuple[_Run, Iterator[tuple[_Chunk, _Laid | None]]]:
    """The run of these notices (started early or now) and its chunks in
    place order, each with its layout (None: taken from the cache). A
    district's doors are done in chunks by two forked workers while this
    process writes the files."""
    run = _early.pop(out.out_dir, None)
    if run is None or run.window != (first, last, pdf, prefix):
        if run is not None and run.pool is not None:
            run.pool.shutdown(cancel_futures=True)
        run = _start(out, first, last, pdf=pdf, prefix=prefix)
    return run, _chunks(run, out.site)


def _chunks(run: _Run, site: Site) -> Iterator[tuple[_Chunk, _Laid | None]]:
    global _job
    missing: list[str] = []
    try:
        for chunk in run.chunks:
            if chunk.cached is not None:
                refits = chunk.cached[1]
                laid = None
            else:
                laid = next(run.results)
                missing.extend(laid[3])
                refits = laid[4]
            if refits:
                log.info(f"楼门公示：{refits} 处排版超出一页，已减少活动条数后重排")
            yield chunk, laid
    finally:
        if run.pool is not None:
            run.pool.shutdown(cancel_futures=True)
        _job = None
    if missing:
        raise BuildFailed(_missing_glyph_errors(site, sorted(set(missing))))


def _missing_glyph_errors(site: Site, messages: list[str]) -> list[ContentError]:
    """The records that hold the characters WeasyPrint found no glyph for
    (checks.check_notice_text warned of them, with their lines, before they
    came into the window); WeasyPrint's own words only if none does."""
    from .checks import notice_texts

    # WeasyPrint names each as (U+20000).
    reported = {chr(int(code, 16)) for message in messages for code in re.findall(r"U\+([0-9A-Fa-f]{4,6})", message)}
    errors = [
        ContentError(loc, f"“{chars}”没有任何已安装的字体能印出，楼门公示上会印成方框", NO_GLYPH_FIX, record=record, field=name)
        for loc, record, name, text in notice_texts(site)
        if (chars := "".join(ch for ch in no_glyph(text) if ch in reported))
    ]
    return errors or [
        ContentError(
            Location("PDF"),
            f"公示栏 PDF 中有字体里没有的字，会印成方框：{'；'.join(messages[:5])}",
            f"请安装 {CJK_FONT_PACKAGE}（sudo apt-get install -y {CJK_FONT_PACKAGE}），或把这个字换成常用字",
            record="楼门公示",
        )
    ]


NO_GLYPH_FIX = "请换成常用字或同音字，必要时在括号里注明读音；网页上照常显示"


# --------------------------------------------------------------------------
# Writing


def write(out: Output) -> None:
    """Writer hook of the site build: HTML notices always, PDFs unless serving."""
    first, last = notice_window(out.site)
    write_notices(out, SITE_PREFIX, first, last, pdf=out.pdf)


def door_pages(site: Site) -> frozenset[str]:
    """The door pages the site build writes (HTML files, not MkDocs pages)."""
    return frozenset(SITE_PREFIX + _door_files(door)[0] for door in targets(site))


def write_notices(out: Output, prefix: str, first: date, last: date, *, pdf: bool) -> int:
    """Write every door's page (and PDFs) under ``prefix``, and with PDFs
    all-notices.pdf, one bookmark per door (the chunks' documents joined as
    they come in); returns how many doors. With the build cache
    (``out.cache``) the chunks it had are in place already (see
    :func:`_fetch_cached`) and the new ones are stored in it."""
    who = "楼门公示"
    run, chunks = _collect(out, first, last, pdf=pdf, prefix=prefix)
    if run.doors:
        out.write(prefix + CSS_FILE, str(_css(out.env)), who)
    cache = out.cache if pdf else None
    joined = _Joined()
    for chunk, laid in chunks:
        doors = run.doors[chunk.span[0] : chunk.span[1]]
        if laid is None:
            assert chunk.cached is not None
            for door in doors:
                for rel in _door_files(door):
                    out.claim(prefix + rel, who)
            combined = chunk.cached[0]
        else:
            pages, combined, singles, chunk_missing, refits = laid
            for k, (door, page) in enumerate(zip(doors, pages, strict=True)):
                out.write(f"{prefix}{door.key}/index.html", page, who)
                if singles:
                    out.write(f"{prefix}{door.key}/{door.pdf_name}", singles[k], who)
            if cache is not None and chunk.key and not chunk_missing:
                _keep_chunk(out, cache, doors, chunk.key, prefix, combined, refits)
        if pdf and combined and not run.all_cached:
            joined.add(combined)
    if pdf and run.doors:
        rel = prefix + ALL_PDF.removeprefix("notices/")
        if run.all_cached:
            out.claim(rel, who)
        else:
            path = out.write(rel, joined.pdf(), who)
            if cache is not None and all(c.key for c in run.chunks):
                from .incremental import digest

                cache.keep(digest("all notices", [c.key for c in run.chunks]), path)
    return len(run.doors)


def index_entries(site: Site) -> list[tuple[str, list[tuple[str, list[Target]]]]]:
    """For the staff index page: (community name, [(estate name, targets)])."""
    by_estate: dict[str, list[Target]] = {}
    for target in targets(site):
        by_estate.setdefault(target.building.estate, []).append(target)
    result = []
    for community in site.communities.values():
        estates = [(site.estates[e].name, by_estate.get(e, [])) for e in community.estates]
        result.append((community.name, estates))
    return result


# --------------------------------------------------------------------------
# python build.py notices


def _setup(p: argparse.ArgumentParser) -> None:
    from .cli import _common, _today_arg

    _common(p)
    p.add_argument("--from", dest="first", type=_today_arg, help="公示的第一天（默认 --today 那天）")
    p.add_argument("--days", type=_positive, help="公示覆盖的天数（默认 site.yml 的 notices.days，一般为 14）")
    p.add_argument("--out", default=None, help="输出目录（默认 site/notices/）")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1 or value > 366:
        raise argparse.ArgumentTypeError(f"“{text}”不是 1 到 366 之间的天数")
    return value


def _run(args: argparse.Namespace) -> int:
    from .cli import load_for_command, project_of, publish
    from .dates import parse_date
    from .outputs import Output

    # The data files only: a bulletin's mistake must not stop the printing.
    loaded = load_for_command(args, articles=False)
    if loaded is None:
        return 1
    site, _warnings = loaded
    project = project_of(args.config_file)
    theme = project.root / "theme"
    if not (theme / "notices" / "style.html").is_file():
        # A project copied without its theme folder (or a broken link to
        # it): one line, not the template engine's traceback.
        missing = ContentError(Location(project.shown(theme / "notices")), "找不到楼门公示的模板（theme/ 文件夹缺失或不完整）",
                               "请从仓库恢复 theme/ 文件夹（如 git checkout -- theme），它与 content/、mkdocs.yml 放在同一文件夹", record="楼门公示")
        print(BuildFailed([missing]).report("楼门公示未生成"), file=sys.stderr)
        return 1
    first, last = notice_window(site, parse_date(args.first) if args.first else None, args.days)
    site_dir = _site_dir(args.config_file, project)
    in_site = site_dir / "notices"
    target = Path(args.out).resolve() if args.out else in_site
    refused = _refuse_out(target, project.root, project.content_dir, site_dir)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the web server must read it
    try:
        out = Output(site, project, tmp, theme)
        try:
            count = write_notices(out, "", first, last, pdf=True)
        except BuildFailed as exc:
            print(exc.report(), file=sys.stderr)
            return 1
        # The staff index page belongs to the site build: keep it. A folder
        # of its own gets a standalone one, or every door page's link back
        # to the index ("返回公示栏目录") would lead nowhere.
        if target == in_site:
            if (target / "index.html").exists():
                shutil.copy2(target / "index.html", tmp / "index.html")
        else:
            t = strings(site.info.language)
            period = t.notice_period.format(first=zh_date_short(first), first_wd=zh_weekday(first), last=zh_date_short(last), last_wd=zh_weekday(last))
            page = out.env.get_template("notices/index.html").render(entries=index_entries(site), period=period)
            (tmp / "index.html").write_text(page, encoding="utf-8")
        publish(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"已生成 {count} 张楼门公示（{zh_date(first)} 至 {zh_date(last)}）：{target}", file=sys.stderr)
    return 0


# What a notices folder holds (write_notices): the pages and PDFs of the
# doors, their stylesheet, all-notices.pdf and the site build's staff index.
_OWN_FILE = re.compile(r"(index\.html|notice\.css|all-notices\.pdf|notice-[^/]*\.pdf)")


def _refuse_out(target: Path, root: Path, content: Path, site_dir: Path | None = None) -> str | None:
    """Why ``notices`` must not write to ``target``, or None. The folder is
    replaced as a whole (cli.publish), so whatever it held is deleted: it
    must be new, empty, or hold only files a notices run writes. A grid
    worker typing ``--out 打印`` into the folder with last month's
    documents, or ``--out content``, lost them. Inside the built site only
    its own notices folder is allowed: ``--out site/notices/gy-hy-01``
    replaced one door's published folder with a whole set of notices."""
    if target == root or target in root.parents or target == content or content in target.parents or target in content.parents:
        return f"错误：不能把公示输出到 {target}：它是项目文件夹或含有编辑的文件，输出时会被整个替换 — 请用 --out 指定一个新的空文件夹"
    if site_dir is not None and target != site_dir / "notices" and (target == site_dir or site_dir in target.parents or target in site_dir.parents):
        return (f"错误：不能把公示输出到 {target}：它在网站文件夹 {site_dir} 里，输出时会替换网站已发布的文件"
                " — 要更新网站上的公示请不写 --out；要单独打印请用 --out 指定网站外的一个新文件夹")
    if not target.exists():
        return None
    if not target.is_dir():
        return f"错误：{target} 是一个文件，不是文件夹 — 请用 --out 指定一个新的空文件夹"
    others = sorted(
        path.relative_to(target).as_posix()
        for path in target.rglob("*")
        if path.is_symlink() or (not path.is_dir() and not _OWN_FILE.fullmatch(path.name))
    )
    if others:
        shown = "、".join(others[:3]) + (f" 等 {len(others)} 个文件" if len(others) > 3 else "")
        return (f"错误：{target} 里有不是楼门公示的文件（{shown}），输出时整个文件夹会被替换，这些文件会丢失"
                " — 请用 --out 指定一个新的空文件夹，或先把这些文件移走")
    return None


def _site_dir(config_file: str, project: Any) -> Path:
    """mkdocs.yml's site_dir (default site/), without loading MkDocs."""
    import yaml

    try:
        with open(config_file, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("site_dir:"):
                    return (project.root / str(yaml.safe_load(line)["site_dir"])).resolve()
    except OSError:
        pass
    return project.root / "site"


def _register() -> None:
    from .cli import EXTRA_COMMANDS

    EXTRA_COMMANDS["notices"] = ("生成楼门公示栏（每栋楼一页 A4 的网页和 PDF）", _setup, _run)


_register()
