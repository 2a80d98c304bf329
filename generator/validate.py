"""Stage 2, validate: located records → the model, or every problem at once.

Each record is read through :class:`Fields`, which converts text to the
field's type and records a :class:`ContentError` (file, line, column, record,
field, what is wrong, how to fix it) instead of stopping at the first mistake.
References are resolved after all records are read, so an activity may name a
venue defined later, and an unknown id suggests the nearest known one.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import recurrence as rec_mod
from .dates import DateProblem, parse_clock, parse_date, parse_datetime, parse_weekday
from .errors import Location, Problems
from .load import Article, YList, YMap, YNull, YStr, YValue
from .markup import dangerous_html, dangerous_spots, plain_text, render_markdown, unclosed_raw_text, without_invisible
from .model import (
    Activity,
    Building,
    Bulletin,
    Column,
    Community,
    Contact,
    Courtyard,
    District,
    Entrance,
    Estate,
    FieldText,
    Grid,
    IdSet,
    Lecture,
    Organisation,
    Recurrence,
    Series,
    SiteInfo,
    Status,
    Team,
    Venue,
)

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,63}$")
ID_FIX = "id 只能用小写英文字母、数字和单个连字符（如 gy-03），最长 64 个字符"
STATUSES: tuple[Status, ...] = ("scheduled", "cancelled", "postponed")
STATUS_ALIASES: dict[str, Status] = {"正常": "scheduled", "取消": "cancelled", "延期": "postponed"}
VENUE_KINDS = ("station", "school", "substation", "gallery", "other")
TEAM_KINDS = ("school", "team")
AUDIENCE_KEYS = ("communities", "grids", "estates", "courtyards", "buildings", "entrances")
T = TypeVar("T")


def nearest(value: str, candidates: Iterable[str]) -> str | None:
    """The candidate fewest edits away (a swap of two neighbours counts as
    one: "statoin" → "station"), ties broken by similarity then by name;
    None when nothing is close enough to be a typo."""
    best: tuple[int, float, str] | None = None
    for cand in sorted(set(candidates)):
        key = (_edits(value, cand), -difflib.SequenceMatcher(None, value, cand).ratio(), cand)
        if best is None or key < best:
            best = key
    # A few typos, or most of the word (a truncated "cancel" → "cancelled").
    if best is None or (best[0] > max(2, len(value) // 3) and -best[1] < 0.75):
        return None
    return best[2]


def _edits(a: str, b: str) -> int:
    """Optimal-string-alignment distance (Levenshtein plus adjacent swaps)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def suggest(value: str, candidates: Iterable[str]) -> str:
    """'是否想写“x”？' for the nearest candidate, or ''."""
    close = nearest(value, candidates)
    return f"是否想写“{close}”？" if close else ""


def slugify_id(text: str) -> str:
    """A valid id close to what the editor wrote (for suggestions)."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:64] or "new-id"


# Lines of one bulletin named for the dangerous HTML in them (validate.read_bulletin).
DANGER_LINES = 10


# Blanks around a value, invisible ones too: a zero-width space pasted from
# WeChat after an id made "找不到场地“gy-station​” — 是否想写“gy-station”？"
# name two ids that look the same.
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_EDGE_BLANK = re.compile(f"^[\\s{_ZERO_WIDTH}]+|[\\s{_ZERO_WIDTH}]+$")


class Fields:
    """Typed access to one record's fields, collecting problems."""

    def __init__(self, m: YMap, problems: Problems, record: str, known: Iterable[str]):
        self.m = m
        self.p = problems
        self.record = record
        self.known = tuple(known)
        for key in m:
            if key not in self.known:
                hint = suggest(key, self.known)
                self.p.error(
                    m.key_locs[key],
                    f"未知字段“{key}”",
                    hint or f"可用的字段：{'、'.join(self.known)}",
                    record=record,
                    field=key,
                )

    def _err(self, key: str, message: str, fix: str, loc: Location | None = None) -> None:
        self.p.error(loc or self.m.loc_of(key), message, fix, record=self.record, field=key)

    def _missing_loc(self, key: str) -> Location:
        # "title:" written but left empty points at that line; absent, at the record.
        return self.m.key_locs.get(key, self.m.loc)

    def raw(self, key: str) -> YValue | None:
        value = self.m.get(key)
        return None if value is None or isinstance(value, YNull) else value

    def text(self, key: str, required: bool = False, default: str = "", fix: str = "") -> str:
        value = self.raw(key)
        if value is None:
            if required:
                self._err(key, "缺少必填字段", fix or f"请填写 {key}", self._missing_loc(key))
            return default
        if not isinstance(value, YStr):
            self._err(key, "应为一段文字", "如文字中含冒号或以 - 开头，请给整段文字加引号")
            return default
        text = str(value).strip()
        if text and (text[0] in _ZERO_WIDTH or text[-1] in _ZERO_WIDTH):  # rare: the regex only then
            text = _EDGE_BLANK.sub("", text)
        text = without_invisible(text)  # inside a title or a phone number too
        if not text:
            # "" or "  " is no value: an activity with id "" vanished without
            # a word, and a venue "" passed the checks and broke the build.
            if required:
                self._err(key, "必填字段是空的", fix or f"请填写 {key}", value.loc)
            return default
        danger = dangerous_html(text)
        if danger:
            self.p.warn(value.loc, f"含有不安全的 HTML（{danger}），发布时不会执行", "请删去脚本和事件属性", record=self.record, field=key)
        return text

    def markdown(self, key: str, base: str, texts: list[FieldText], here: str | None = None) -> str:
        """A Markdown field as HTML, its links to .md files (relative to
        ``here``, by default the data file's folder) made page URLs under
        ``base`` (see base_path); the text kept in ``texts`` when it may
        hold a link, for checks.check_data_links."""
        text = self.text(key)
        value = self.raw(key)
        if not text or not isinstance(value, YStr):
            return ""
        here = data_folder(value.loc.path) if here is None else here
        if "[" in text or "<" in text:
            block = "\n" in value  # a literal block (|) keeps its lines
            texts.append(FieldText(value.loc, self.record, key, text, here, block, not block and value.quoted, value.indent if block else 0))
        return render_markdown(text, here, base)

    def ident(self, key: str = "id") -> str:
        value = self.text(key, required=True)
        if value and not ID_RE.match(value):
            self._err(key, f"“{value}”不是有效的 id", f"{ID_FIX}，例如 {slugify_id(value)}")
            return ""
        return value

    def integer(self, key: str, required: bool = False, default: int = 0, minimum: int | None = None, maximum: int | None = None) -> int:
        text = self.text(key, required=required)
        if not text:
            return default
        from .dates import normalise

        digits = normalise(text)
        # Digits only: int() also takes "1_0" (10) and "+3".
        if not re.fullmatch(r"-?[0-9]+", digits):
            self._err(key, f"“{text}”不是整数", "请只写阿拉伯数字，如 13")
            return default
        value = int(digits)
        if minimum is not None and value < minimum:
            self._err(key, f"“{text}”太小", f"请改为不小于 {minimum} 的整数")
            return default
        if maximum is not None and value > maximum:
            self._err(key, f"“{text}”太大", f"请改为不大于 {maximum} 的整数")
            return default
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        text = self.text(key)
        if not text:
            return default
        low = text.lower()
        if low in ("true", "yes", "是", "on"):
            return True
        if low in ("false", "no", "否", "off"):
            return False
        self._err(key, f"“{text}”不是是/否", "请写 true 或 false")
        return default

    def date(self, key: str, required: bool = False) -> date | None:
        text = self.text(key, required=required)
        if not text:
            return None
        try:
            return parse_date(text)
        except DateProblem as exc:
            self._err(key, str(exc), exc.fix or "请写成 2026-12-05 或 2026年12月5日")
            return None

    def datetime(self, key: str, required: bool = False) -> datetime | None:
        text = self.text(key, required=required)
        if not text:
            return None
        try:
            return parse_datetime(text)
        except DateProblem as exc:
            self._err(key, str(exc), exc.fix or "请写成 2026-12-05 09:00 或 2026年12月5日 9:00")
            return None

    def choice(self, key: str, choices: tuple[str, ...], default: str = "", aliases: dict[str, str] | None = None) -> str:
        text = self.text(key, required=not default)
        if not text:
            return default
        if aliases and text in aliases:
            return aliases[text]
        if text not in choices:
            self._err(key, f"“{text}”不是可选值", f"可选：{'、'.join(choices)}" + (("；" + suggest(text, choices)) if suggest(text, choices) else ""))
            return default
        return text

    def mapping(self, key: str, required: bool = False) -> YMap | None:
        value = self.raw(key)
        if value is None:
            if required:
                self._err(key, "缺少必填字段", f"请填写 {key}", self._missing_loc(key))
            return None
        if not isinstance(value, YMap):
            self._err(key, "应为“字段: 值”的组合", "请在下一行缩进两个空格，逐项写出")
            return None
        return value

    def items(self, key: str, required: bool = False) -> list[YValue]:
        value = self.raw(key)
        if value is None:
            if required:
                self._err(key, "缺少必填字段", f"请填写 {key}", self._missing_loc(key))
            return []
        if isinstance(value, YStr) and key not in ("entrances",):
            # A single value where a list is expected: accept it as a list of one.
            return [value]
        if not isinstance(value, YList):
            self._err(key, "应为列表", "请写成 [a, b] 或每行一个“- 值”")
            return []
        return list(value)

    def id_list(self, key: str) -> list[YStr]:
        result = []
        for item in self.items(key):
            if isinstance(item, YStr):
                result.append(item)
            elif not isinstance(item, YNull):
                self.p.error(item.loc, "列表中的每一项应为一个 id", "请写成 [gy-01, gy-02]", record=self.record, field=key)
        return result

    def contact(self, key: str) -> Contact | None:
        value = self.raw(key)
        if value is None:
            return None
        if isinstance(value, YStr):
            return Contact(role=str(value).strip())
        m = self.mapping(key)
        if m is None:
            return None
        f = Fields(m, self.p, self.record, ("role", "phone"))
        contact = Contact(role=f.text("role", required=True), phone=f.text("phone"))
        if "phone" in m and not contact.phone and contact.role:
            # `new activity` writes phone: "" to be filled in; left so, the
            # page said "联系 活动站值班员" and nothing to call.
            self.p.warn(f._missing_loc("phone"), f"联系电话是空的，居民只看到“{contact.role}”，不知道打哪个电话",
                        "请填写电话（如 027-8765 0000）；不留电话就删去 phone 这一行", record=self.record, field=f"{key}.phone")
        return contact


def records(value: YValue | None, p: Problems, where: Location, what: str) -> list[YMap]:
    """The mappings of a list, reporting items that are not mappings."""
    if value is None or isinstance(value, YNull):
        return []
    if not isinstance(value, YList):
        p.error(value.loc, f"{what}应为列表（每项以“- ”开头）", "请参照数据格式说明调整缩进")
        return []
    out = []
    for item in value:
        if isinstance(item, YMap):
            out.append(item)
        elif not isinstance(item, YNull):
            p.error(item.loc, f"{what}的每一项应为“字段: 值”的组合", "请在“- ”后写 id: …，并逐行写出其余字段")
    return out


@dataclass
class Registry:
    """Ids seen per kind, to report duplicates naming both places."""

    p: Problems
    seen: dict[str, dict[str, Location]] = field(default_factory=dict)

    def claim(self, kind: str, ident: str, loc: Location, record: str = "") -> bool:
        if not ident:
            return False
        table = self.seen.setdefault(kind, {})
        if ident in table:
            first = table[ident]
            self.p.error(loc, f"id“{ident}”重复，已在 {first} 使用", "每个 id 在全站只能用一次，请改用另一个 id", record=record or ident, field="id")
            return False
        table[ident] = loc
        return True


# ---------------------------------------------------------------------------
# site.yml


def base_path(url: str) -> str:
    """The path of the site's address ("/" or "/kepu/"): where the site's
    pages are on its host, for links in data fields (markup.render_markdown)."""
    found = re.match(r"https?://[^/]+(/.*)?$", url)
    path = (found.group(1) if found else None) or "/"
    return path if path.endswith("/") else path + "/"


def data_folder(shown: str) -> str:
    """The folder, relative to content/, of a data file shown as
    "content/data/activities/2026.yml": "data/activities"."""
    parts = shown.split("/")[:-1]
    at = max((i for i, part in enumerate(parts) if part == "data"), default=None)
    return "/".join(parts[at:]) if at is not None else "data"


def site_url(text: str) -> tuple[str, tuple[str, str] | None]:
    """The site's address as it goes into QR codes, feeds, calendars and
    canonical links: ASCII (a Chinese host in its xn-- form, a Chinese path
    percent-encoded, as a browser sends them) and ending in /. Or what is
    wrong with it: a space cut the QR code's address short in WeChat's
    scanner, and a query or fragment would end up before every page's path."""
    from urllib.parse import quote

    found = re.fullmatch(r"(https?)://([^/?#]+)(/[^?#]*)?", text)
    if found is None or re.search(r"\s", text):
        return "", ("不是完整网址", "请写成 https:// 加网站域名和路径，不含空格、? 和 #，如 https://kepu.example.cn/")
    scheme, host, path = found.group(1), found.group(2), found.group(3) or "/"
    try:
        name, colon, port = host.rpartition(":") if re.search(r":[0-9]+$", host) else (host, "", "")
        host = name.encode("idna").decode("ascii") + colon + port
    except UnicodeError:
        return "", ("的域名无效", "请检查域名的拼写，如 https://kepu.example.cn/")
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    return f"{scheme}://{host}{path if path.endswith('/') else path + '/'}", None


def read_site(doc: YValue, p: Problems, shown: str) -> tuple[Organisation, SiteInfo, dict[str, Column]]:
    root = _root_map(doc, p, shown, "site.yml")
    if _broken(root):
        return Organisation("", "", "", "", ""), SiteInfo(title="", url="", timezone="Asia/Shanghai", language="zh-CN", description="", welcome_html="", notice_days=14), {}
    f = Fields(root, p, "site", ("organisation", "site", "columns", "notices"))
    org_map = f.mapping("organisation", required=True) or YMap(root.loc)
    o = Fields(org_map, p, "organisation", ("name", "address", "phone", "fax", "postcode", "email", "icp", "psb"))
    organisation = Organisation(
        name=o.text("name", required=True),
        address=o.text("address", required=True),
        phone=o.text("phone", required=True),
        postcode=o.text("postcode", required=True),
        icp=o.text("icp", required=True, fix="网站在中国大陆托管必须展示 ICP 备案号，如 鄂ICP备2026000123号-1"),
        fax=o.text("fax"),
        email=o.text("email"),
        psb=o.text("psb"),
    )
    site_map = f.mapping("site", required=True) or YMap(root.loc)
    s = Fields(site_map, p, "site", ("title", "description", "url", "timezone", "language", "welcome"))
    url = s.text("url", required=True, fix="请填写网站的完整地址，如 https://kepu.example.cn/")
    if url:
        written = url
        url, problem = site_url(written)
        if problem:
            s._err("url", f"“{written}”{problem[0]}", problem[1])
    tz = s.text("timezone") or "Asia/Shanghai"
    texts: list[FieldText] = []
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        s._err("timezone", f"“{tz}”不是时区名称", "中国大陆请写 Asia/Shanghai")
        tz = "Asia/Shanghai"
    notice_days = 14
    notices = f.mapping("notices")
    if notices is not None:
        n = Fields(notices, p, "notices", ("days",))
        # The notices command's --days allows the same: a year at most.
        notice_days = n.integer("days", default=14, minimum=1, maximum=366)
    info = SiteInfo(
        title=s.text("title", required=True),
        url=url,
        timezone=tz,
        language=s.text("language") or "zh-CN",
        description=s.text("description"),
        welcome_html=s.markdown("welcome", base_path(url), texts),
        notice_days=notice_days,
        texts=tuple(texts),
    )
    columns: dict[str, Column] = {}
    for m in records(root.get("columns"), p, root.loc, "栏目（columns）"):
        c = Fields(m, p, str(m.get("id", "")), ("id", "name", "parent"))
        cid = c.ident()
        if cid in columns:
            c._err("id", f"栏目 id“{cid}”重复", "请改用另一个 id")
        elif cid:
            columns[cid] = Column(cid, c.text("name", required=True), c.text("parent"))
    return organisation, info, columns


def _root_map(doc: YValue, p: Problems, shown: str, name: str) -> YMap:
    """The file's top-level mapping; otherwise one error, and an empty map
    marked ``broken`` so readers skip their required-field errors (echoes)."""
    if isinstance(doc, YMap):
        return doc
    loc = doc.loc if doc.loc.path else Location(shown, 1, 1)
    if isinstance(doc, YNull):
        # Empty, or only comments: most likely emptied by mistake (a failed
        # save, a sync conflict), not written in the wrong shape.
        p.error(loc, f"{name} 是空的（没有任何数据）", "请从备份或版本记录中恢复这个文件，或参照数据格式说明（docs/data-formats.md）中的示例重新填写")
    else:
        p.error(loc, f"{name} 的最外层应为“字段: 值”的组合", "请参照数据格式说明（docs/data-formats.md）中的示例")
    root = YMap(loc)
    root.broken = True  # type: ignore[attr-defined]
    return root


def _broken(root: YMap) -> bool:
    return bool(getattr(root, "broken", False))


# ---------------------------------------------------------------------------
# places.yml


@dataclass
class Places:
    district: District
    communities: dict[str, Community]
    grids: dict[str, Grid]
    estates: dict[str, Estate]
    courtyards: dict[str, Courtyard]
    buildings: dict[str, Building]


def read_places(doc: YValue, p: Problems, reg: Registry, shown: str) -> Places:
    root = _root_map(doc, p, shown, "places.yml")
    if _broken(root):
        return Places(District("", ""), {}, {}, {}, {}, {})
    f = Fields(root, p, "places", ("district", "communities"))
    dm = f.mapping("district", required=True) or YMap(root.loc)
    d = Fields(dm, p, "district", ("id", "name"))
    district = District(d.ident(), d.text("name", required=True))

    communities: dict[str, Community] = {}
    estates: dict[str, Estate] = {}
    courtyards: dict[str, Courtyard] = {}
    buildings: dict[str, Building] = {}
    grids: dict[str, Grid] = {}
    grid_specs: list[tuple[Fields, str, str, list[YStr], list[YStr]]] = []

    def read_building(m: YMap, community: str, estate: str, courtyard: str) -> str:
        bf = Fields(m, p, str(m.get("id", "")), ("id", "name", "entrances", "notice_per_entrance", "address"))
        bid = bf.ident()
        name = bf.text("name", required=True, fix="请填写楼栋名称，如 3 号楼")
        entrances: list[Entrance] = []
        raw = bf.raw("entrances")
        if isinstance(raw, YStr):
            try:
                count = int(str(raw))
                if not 1 <= count <= 50:
                    raise ValueError
            except ValueError:
                bf._err("entrances", f"“{raw}”不是单元数", "请写单元个数（如 3），或逐个列出 {id, name}")
                count = 0
            entrances = [Entrance(str(i), f"{i}单元", bid) for i in range(1, count + 1)]
        elif raw is not None:
            seen: set[str] = set()
            for em in records(raw, p, m.loc, "单元（entrances）"):
                ef = Fields(em, p, f"{bid}/{em.get('id', '')}", ("id", "name"))
                eid = ef.ident()
                if eid in seen:
                    ef._err("id", f"单元 id“{eid}”在本楼重复", "请改用另一个 id")
                elif eid:
                    seen.add(eid)
                    entrances.append(Entrance(eid, ef.text("name", required=True), bid))
        per_entrance = bf.boolean("notice_per_entrance")
        if per_entrance and not entrances:
            bf._err("notice_per_entrance", "按单元出公示，但本楼没有列出单元", "请填写 entrances，或删去 notice_per_entrance")
            per_entrance = False
        if reg.claim("building", bid, m.loc_of("id")):
            buildings[bid] = Building(bid, name, community, estate, courtyard, tuple(entrances), per_entrance, "", m.loc)
            return bid
        return ""

    for cm in records(root.get("communities"), p, root.loc, "社区（communities）"):
        cf = Fields(cm, p, str(cm.get("id", "")), ("id", "name", "address", "phone", "grids", "estates"))
        cid = cf.ident()
        if not reg.claim("community", cid, cm.loc_of("id")):
            continue
        estate_ids: list[str] = []
        community_buildings: list[str] = []
        for em in records(cm.get("estates"), p, cm.loc, "小区（estates）"):
            ef = Fields(em, p, str(em.get("id", "")), ("id", "name", "address", "courtyards", "buildings"))
            eid = ef.ident()
            if not reg.claim("estate", eid, em.loc_of("id")):
                continue
            court_ids: list[str] = []
            estate_buildings: list[str] = []
            for ym in records(em.get("courtyards"), p, em.loc, "院落（courtyards）"):
                yf = Fields(ym, p, str(ym.get("id", "")), ("id", "name", "buildings"))
                yid = yf.ident()
                if not reg.claim("courtyard", yid, ym.loc_of("id")):
                    continue
                ybs = [b for bm in records(ym.get("buildings"), p, ym.loc, "楼栋（buildings）") if (b := read_building(bm, cid, eid, yid))]
                courtyards[yid] = Courtyard(yid, yf.text("name", required=True), eid, tuple(ybs))
                court_ids.append(yid)
                estate_buildings.extend(ybs)
            for bm in records(em.get("buildings"), p, em.loc, "楼栋（buildings）"):
                if b := read_building(bm, cid, eid, ""):
                    estate_buildings.append(b)
            if not estate_buildings:
                p.warn(em.loc, "小区下没有任何楼栋", "请在 buildings 或 courtyards 下列出楼栋", record=eid)
            estates[eid] = Estate(eid, ef.text("name", required=True), cid, ef.text("address"), tuple(court_ids), tuple(estate_buildings))
            estate_ids.append(eid)
            community_buildings.extend(estate_buildings)
        grid_ids: list[str] = []
        for gm in records(cm.get("grids"), p, cm.loc, "网格（grids）"):
            gf = Fields(gm, p, str(gm.get("id", "")), ("id", "name", "worker", "buildings", "estates"))
            gid = gf.ident()
            if reg.claim("grid", gid, gm.loc_of("id")):
                grid_specs.append((gf, gid, cid, gf.id_list("buildings"), gf.id_list("estates")))
                grid_ids.append(gid)
        communities[cid] = Community(
            cid, cf.text("name", required=True), cf.text("address"), cf.text("phone"),
            tuple(estate_ids), tuple(grid_ids), tuple(community_buildings),
        )

    # Grids refer to buildings and estates anywhere in their community.
    building_grid: dict[str, tuple[str, Location]] = {}
    for gf, gid, cid, b_refs, e_refs in grid_specs:
        covered: list[str] = []
        community_name = communities[cid].name if cid in communities else cid
        for ref in e_refs:
            if ref in estates:
                # A grid of another community's estate printed its own
                # worker's phone on that community's doors.
                if estates[ref].community != cid:
                    p.error(ref.loc, f"小区“{ref}”不属于社区“{community_name}”，网格只能包含本社区的小区", "请把它移到它所在社区的网格里", record=gid, field="estates")
                    continue
                covered.extend(estates[ref].buildings)
            else:
                _unknown(p, ref, "小区", estates, gid, "estates")
        for ref in b_refs:
            if ref in buildings:
                if buildings[ref].community != cid:
                    p.error(ref.loc, f"楼栋“{ref}”不属于社区“{community_name}”，网格只能包含本社区的楼栋", "请把它移到它所在社区的网格里", record=gid, field="buildings")
                    continue
                # A plain str: a located YStr cannot be unpickled, and the
                # model goes to the notice-rendering worker processes.
                covered.append(str(ref))
            else:
                _unknown(p, ref, "楼栋", buildings, gid, "buildings")
        for bid in covered:
            if bid in building_grid and building_grid[bid][0] != gid:
                p.error(gf.m.loc, f"楼栋“{bid}”同时属于网格“{building_grid[bid][0]}”和“{gid}”", "每栋楼只能属于一个网格，请从其中一个网格中删去", record=gid, field="buildings")
            building_grid[bid] = (gid, gf.m.loc)
        grids[gid] = Grid(gid, gf.text("name", required=True), cid, gf.contact("worker"), tuple(dict.fromkeys(covered)))
    # A building outside every grid prints no grid worker on its notice:
    # residents there have nobody to call. (A community without grids has
    # not set them up: nothing to say.)
    for c in communities.values():
        if not c.grids:
            continue
        missing: dict[str, list[Building]] = {}
        for bid in c.buildings:
            if bid not in building_grid and bid in buildings:
                missing.setdefault(buildings[bid].estate, []).append(buildings[bid])
        for eid, left_out in missing.items():
            fix = "请把它们加进所在网格的 buildings，或把整个小区写进网格的 estates"
            if eid in estates and len(left_out) == len(estates[eid].buildings) > 1:
                p.warn(left_out[0].loc, f"小区“{estates[eid].name}”的 {len(left_out)} 栋楼都不属于任何网格，楼门公示上没有网格员的联系方式", fix, record=eid, field="grids")
                continue
            for building in left_out:
                p.warn(building.loc, f"楼栋“{building.name}”不属于任何网格，楼门公示上没有网格员的联系方式", fix.replace("它们", "它"), record=building.id, field="grids")
    for bid, (gid, _) in building_grid.items():
        if bid in buildings:
            old = buildings[bid]
            buildings[bid] = Building(old.id, old.name, old.community, old.estate, old.courtyard, old.entrances, old.notice_per_entrance, gid, old.loc)
    return Places(district, communities, grids, estates, courtyards, buildings)


def _unknown(p: Problems, ref: YStr, what: str, known: Iterable[str], record: str, field_name: str) -> None:
    hint = suggest(str(ref), known)
    p.error(ref.loc, f"找不到{what}“{ref}”", hint or f"请先在数据文件中定义这个{what}，或检查拼写", record=record, field=field_name)


# ---------------------------------------------------------------------------
# venues.yml, teams.yml


def read_venues(doc: YValue, p: Problems, reg: Registry, shown: str, communities: dict[str, Community], skip_unknown: bool = False) -> dict[str, Venue]:
    root = _root_map(doc, p, shown, "venues.yml")
    Fields(root, p, "venues", ("venues",))
    venues: dict[str, Venue] = {}
    for m in records(root.get("venues"), p, root.loc, "场地（venues）"):
        f = Fields(m, p, str(m.get("id", "")), ("id", "name", "kind", "address", "community"))
        vid = f.ident()
        community = _ref_field(f, "community", communities, "社区", skip_unknown=skip_unknown)
        venue = Venue(vid, f.text("name", required=True), f.choice("kind", VENUE_KINDS, default="other"), f.text("address", required=True, fix="请填写场地地址，居民要按地址找过去"), community)
        if reg.claim("venue", vid, m.loc_of("id")):
            venues[vid] = venue
    return venues


def read_teams(doc: YValue, p: Problems, reg: Registry, shown: str, communities: dict[str, Community], skip_unknown: bool = False, base: str = "/") -> dict[str, Team]:
    root = _root_map(doc, p, shown, "teams.yml")
    Fields(root, p, "teams", ("teams",))
    teams: dict[str, Team] = {}
    for m in records(root.get("teams"), p, root.loc, "队伍（teams）"):
        f = Fields(m, p, str(m.get("id", "")), ("id", "name", "kind", "community", "description", "contact"))
        tid = f.ident()
        texts: list[FieldText] = []
        team = Team(tid, f.text("name", required=True), f.choice("kind", TEAM_KINDS, default="team"), _ref_field(f, "community", communities, "社区", skip_unknown=skip_unknown),
                    f.markdown("description", base, texts), f.contact("contact"), tuple(texts))
        if reg.claim("team", tid, m.loc_of("id")):
            teams[tid] = team
    return teams


def _ref_field(f: Fields, key: str, known: Mapping[str, object], what: str, required: bool = False, skip_unknown: bool = False) -> str:
    """A reference by id; unknown ids are reported unless the file defining
    them could not be read (then that file's error is the one to fix)."""
    value = f.raw(key)
    text = f.text(key, required=required)
    if text and text not in known:
        assert isinstance(value, YStr)
        if not skip_unknown:
            _unknown(f.p, value, what, known, f.record, key)
        return ""
    return text


# ---------------------------------------------------------------------------
# activities and lectures

ACTIVITY_FIELDS = (
    "id", "title", "kind", "start", "end", "venue", "team", "audience", "description",
    "registration", "contact", "status", "status_note", "recurrence",
)
LECTURE_FIELDS = ACTIVITY_FIELDS + ("series", "speaker", "affiliation", "topic")


@dataclass
class Context:
    """What activities refer to."""

    places: Places
    venues: dict[str, Venue]
    teams: dict[str, Team]
    series: dict[str, Series]
    tz: ZoneInfo
    unreliable: frozenset[str] = frozenset()  # kinds whose data file is unreadable
    base: str = "/"  # the path of the site's address (base_path)


def read_activity(m: YMap, p: Problems, reg: Registry, ctx: Context, lecture: bool) -> Activity | None:
    record = str(m.get("id", "")) or "(无 id)"
    f = Fields(m, p, record, LECTURE_FIELDS if lecture else ACTIVITY_FIELDS)
    aid = f.ident()
    title = f.text("title", required=True, fix="请填写活动名称")
    kind = f.text("kind", required=not lecture) or ("讲座" if lecture else "")
    start = f.datetime("start", required=True)
    end = _read_end(f, start)
    venue = _ref_field(f, "venue", ctx.venues, "场地", required=True, skip_unknown="venue" in ctx.unreliable)
    team = _ref_field(f, "team", ctx.teams, "队伍", skip_unknown="team" in ctx.unreliable)
    buildings, entrances, label = _read_audience(f, ctx.places, skip_unknown="places" in ctx.unreliable)
    texts: list[FieldText] = []
    description_html = f.markdown("description", ctx.base, texts)
    if not description_html and "description" in m:
        # Written and left empty (as `new activity` leaves it): the page
        # had nothing under the title but the time and place.
        p.warn(f._missing_loc("description"), "活动说明是空的，居民看不到这项活动是做什么的",
               "请用一两句话写明内容、适合谁参加、要带什么；不写就删去 description 这一行", record=f.record, field="description")
    status_text = f.choice("status", STATUSES, default="scheduled", aliases=dict(STATUS_ALIASES))
    status: Status = status_text if status_text in STATUSES else "scheduled"  # type: ignore[assignment]
    status_note = f.text("status_note")
    if status != "scheduled" and not status_note:
        f._err("status_note", "活动已取消或延期，但没有说明", "请在 status_note 写明原因和新的时间，例如：因降雨改期至 12 月 12 日", m.loc_of("status"))
    lec = None
    if lecture:
        # A lecture whose speaker is not yet confirmed can still be announced.
        speaker = f.text("speaker")
        if not speaker:
            p.warn(m.loc, "讲座没有填写主讲人", "请填写 speaker（主讲人姓名）和 affiliation（单位）；主讲人未定时可写“待定”", record=record, field="speaker")
        lec = Lecture(
            speaker=speaker,
            affiliation=f.text("affiliation", required=bool(speaker), fix="请填写主讲人单位和职称"),
            topic=f.text("topic") or title,
            series=_ref_field(f, "series", ctx.series, "讲座系列", required=True, skip_unknown="series" in ctx.unreliable),
        )
    rec_map = f.mapping("recurrence")
    if not (aid and start and end and reg.claim("activity", aid, m.loc_of("id"), record)):
        return None
    if end <= start:
        fix = "请把 end 改为 start 之后的时间"
        if start.hour >= 18 and end.hour < 6 and not re.match(r"\s*[0-9０-９]{4}", str(m.get("end", ""))):
            # A time alone is on start's day: 22:00 to "01:30" means the
            # small hours of the next day, which has to be written out.
            fix += f"；活动过了半夜才结束的，请写上第二天的日期，如 end: {(start + timedelta(days=1)).date().isoformat()} {end:%H:%M}"
        f._err("end", "结束时间早于或等于开始时间", fix, m.loc_of("end"))
        return None
    tz = ctx.tz
    start_aware, end_aware = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
    recurrence = None
    if rec_map is not None:
        recurrence, occurrences = _read_recurrence(rec_map, p, aid, start, end, tz, status, status_note)
    else:
        from .model import Occurrence

        occurrences = (Occurrence(aid, start_aware, end_aware, status, status_note),)
    return Activity(
        id=aid, title=title, kind=kind, start=start_aware, end=end_aware, venue=venue, team=team,
        audience_buildings=IdSet(buildings), audience_label=label,
        description_html=description_html, description_text=plain_text(description_html),
        registration=f.text("registration"), contact=f.contact("contact"), status=status,
        status_note=status_note, occurrences=occurrences, recurrence=recurrence, lecture=lec,
        audience_entrances=IdSet(entrances), source=m.loc, texts=tuple(texts),
    )


def _read_end(f: Fields, start: datetime | None) -> datetime | None:
    text = f.text("end", required=True, fix="请填写结束时间，如 11:00")
    if not text:
        return None
    try:
        return parse_datetime(text)
    except DateProblem:
        pass
    try:
        # An end at midnight (晚上12点, 24:00) is the next day's 00:00.
        next_day, t = parse_clock(text)
    except DateProblem as exc:
        message = str(exc)
        f._err("end", message if "不明确" in message or "不是真实存在" in message or exc.fix else f"“{text}”不是时间",
               exc.fix or "请写结束时间，如 11:00，或完整的 2026-12-05 11:00")
        return None
    return datetime.combine(start.date() + timedelta(days=next_day), t) if start else None


def _read_audience(f: Fields, places: Places, skip_unknown: bool = False) -> tuple[set[str], set[str], str]:
    """(the buildings invited, the entrances invited without the rest of
    their building, for whom in words)."""
    value = f.raw("audience")
    if value is None:
        f._err("audience", "缺少必填字段", "请写明面向哪些居民，如 audience: {estates: [guiyuan-huayuan]}，全站写 audience: all", f.m.loc)
        return set(), set(), ""
    if isinstance(value, YStr) and str(value).strip() in ("all", "全部"):
        return set(places.buildings), set(), "全体居民"
    m = f.mapping("audience")
    if m is None:
        return set(), set(), ""
    af = Fields(m, f.p, f.record, AUDIENCE_KEYS)
    result: set[str] = set()
    labels: list[str] = []
    listed = 0
    tables: dict[str, tuple[str, Mapping[str, object], Callable[[str], Iterable[str]], Callable[[str], str]]] = {
        "communities": ("社区", places.communities, lambda i: places.communities[i].buildings, lambda i: places.communities[i].name),
        "grids": ("网格", places.grids, lambda i: places.grids[i].buildings, lambda i: f"{places.communities[places.grids[i].community].name}{places.grids[i].name}"),
        "estates": ("小区", places.estates, lambda i: places.estates[i].buildings, lambda i: places.estates[i].name),
        "courtyards": ("院落", places.courtyards, lambda i: places.courtyards[i].buildings, lambda i: places.estates[places.courtyards[i].estate].name + places.courtyards[i].name),
        # str(i): the model must hold plain strings to pickle (notice workers).
        "buildings": ("楼栋", places.buildings, lambda i: (str(i),), lambda i: _building_label(places, i)),
    }
    for key, (what, table, members, name) in tables.items():
        for ref in af.id_list(key):
            listed += 1
            if ref not in table:
                if not skip_unknown:
                    _unknown(f.p, ref, what, table, f.record, f"audience.{key}")
                continue
            result.update(members(ref))
            labels.append(name(ref))
    # Entrances last: one whose building is invited whole by another entry
    # adds nothing, to the doors or to the words.
    by_building: dict[str, list[Entrance]] = {}
    for ref in af.id_list("entrances"):
        listed += 1
        entrance = _read_entrance_ref(f, ref, places, skip_unknown)
        if entrance is not None and entrance not in by_building.setdefault(entrance.building, []):
            by_building[entrance.building].append(entrance)
    entrances: set[str] = set()
    for bid, chosen in by_building.items():
        if bid not in result:
            labels.append(f"{_building_label(places, bid)} {'、'.join(e.name for e in chosen)}")
            entrances.update(e.key for e in chosen)
    result.update(by_building)
    if not listed:
        f._err("audience", "没有列出任何居民范围", "请至少填写 communities、grids、estates、courtyards、buildings、entrances 中的一项")
    if labels and not result:
        f.p.warn(m.loc, "活动面向的范围内没有任何楼栋，不会出现在任何楼栋页和公示上", "请检查 audience", record=f.record, field="audience")
    return result, entrances, "、".join(labels) + "居民" if labels else ""


def _building_label(places: Places, building_id: str) -> str:
    b = places.buildings[building_id]
    # "桂园花园 3 栋", as the building's name is written ("3 栋"): glued, a
    # tester read "科苑小区2 栋、柳岸小区3 栋居民" as a typo on the notices.
    return places.estates[b.estate].name + (" " if b.name[:1].isdigit() else "") + b.name


def _read_entrance_ref(f: Fields, ref: YStr, places: Places, skip_unknown: bool) -> Entrance | None:
    """One ``building-id/entrance-id`` of audience.entrances (the key of the
    entrance's door notice, Entrance.key), or None after reporting why not."""
    field_name = "audience.entrances"
    text = str(ref)
    bid, slash, eid = text.partition("/")
    bid, eid = bid.strip(), eid.strip()
    if not slash or not bid or not eid:
        hint = "请写成“楼栋 id/单元 id”，如 gy-hy-03/2"
        if text in places.buildings:
            hint += f"；整栋楼请写在 buildings 里：buildings: [{text}]"
        f.p.error(ref.loc, f"“{text}”不是单元", hint, record=f.record, field=field_name)
        return None
    building = places.buildings.get(bid)
    if building is None:
        if not skip_unknown:
            close = nearest(bid, places.buildings)
            hint = f"是否想写“{close}/{eid}”？" if close else "请先在 places.yml 中定义这个楼栋，或检查拼写"
            f.p.error(ref.loc, f"找不到楼栋“{bid}”", hint, record=f.record, field=field_name)
        return None
    if not building.entrances:
        f.p.error(ref.loc, f"楼栋“{bid}”（{_building_label(places, bid)}）没有列出单元",
                  f"请在 places.yml 为它填写 entrances，或把整栋楼写在 buildings 里：buildings: [{bid}]", record=f.record, field=field_name)
        return None
    for entrance in building.entrances:
        if entrance.id == eid:
            return entrance
    listed = "、".join(e.id if e.name == f"{e.id}单元" else f"{e.id}（{e.name}）" for e in building.entrances)
    # By name ("2单元", "东单元"), or a typo of a longer id: a one-digit
    # id is as near to every other one-digit id, no guess then.
    by_name = [e.id for e in building.entrances if e.name == eid]
    guess = by_name[0] if by_name else nearest(eid, [e.id for e in building.entrances]) if len(eid) > 1 else None
    hint = (f"是否想写“{bid}/{guess}”？" if guess else "") + f"本楼的单元 id：{listed}"
    f.p.error(ref.loc, f"楼栋“{bid}”（{_building_label(places, bid)}）没有单元“{eid}”", hint, record=f.record, field=field_name)
    return None


def _read_recurrence(
    m: YMap, p: Problems, aid: str, start: datetime, end: datetime, tz: ZoneInfo, status: Status, status_note: str
) -> tuple[Recurrence | None, tuple]:  # type: ignore[type-arg]
    from .model import Occurrence

    single = (Occurrence(aid, start.replace(tzinfo=tz), end.replace(tzinfo=tz), status, status_note),)
    f = Fields(m, p, aid, ("every", "interval", "weekdays", "nth", "until", "skip", "moved", "cancelled"))
    every = f.choice("every", ("day", "week", "month"), aliases={"天": "day", "日": "day", "周": "week", "月": "month"})
    interval = f.integer("interval", default=1, minimum=1)
    weekdays: list[int] = []
    for item in f.id_list("weekdays"):
        try:
            weekdays.append(parse_weekday(item))
        except DateProblem as exc:
            p.error(item.loc, str(exc), "例如 weekdays: [tue, thu]", record=aid, field="recurrence.weekdays")
    nth = f.integer("nth", default=0)
    if nth and (every != "month" or not weekdays or not (-1 <= nth <= 5) or nth == 0):
        f._err("nth", "nth（第几个星期几）只能与 every: month 和 weekdays 一起使用，取值 1–5 或 -1", "例如每月第二个周六：every: month, weekdays: [sat], nth: 2")
    until = f.date("until", required=True)
    if until and until < start.date():
        f._err("until", "重复截止日期早于第一次活动", "请检查 until 与 start")
        until = None
    if until and until > start.date() + timedelta(days=3 * 366):
        f._err("until", "重复时间超过三年", "请把 until 设在三年之内，到期后再续")
        until = None
    if start.weekday() not in weekdays and weekdays and every == "week":
        f._err("weekdays", "第一次活动（start）的日期不在 weekdays 所列的星期内", "请把 start 改为第一次实际活动的日期")
    skip: list[date] = []
    for skip_item in f.items("skip"):
        if isinstance(skip_item, YStr):
            try:
                skip.append(parse_date(skip_item))
            except DateProblem as exc:
                p.error(skip_item.loc, str(exc), "请写成 2026-12-24", record=aid, field="recurrence.skip")
    # One exception per date: "skip" took precedence over "moved" and the
    # last of two "moved" entries won, so a session residents were told
    # about vanished without a word.
    excepted: dict[date, str] = {d: "skip" for d in skip}

    def _once(d: date, loc: Location, label: str, field_name: str) -> bool:
        if d in excepted:
            p.error(loc, f"{d.isoformat()} 已经写在 {excepted[d]} 里，同一天不能再{label}", "每个日期只写一种调整：跳过（skip）、改期（moved）或取消（cancelled）",
                    record=aid, field=f"recurrence.{field_name}")
            return False
        excepted[d] = field_name
        return True

    moved: dict[date, datetime] = {}
    for mm in records(m.get("moved"), p, m.loc, "调整（moved）"):
        mf = Fields(mm, p, aid, ("from", "to"))
        frm, to = mf.date("from", required=True), mf.datetime("to", required=True)
        if frm and to and _once(frm, mm.loc_of("from"), "改期", "moved"):
            moved[frm] = to
    cancelled: dict[date, str] = {}
    for cm in records(m.get("cancelled"), p, m.loc, "取消（cancelled）"):
        cf = Fields(cm, p, aid, ("date", "note"))
        d = cf.date("date", required=True)
        if d and _once(d, cm.loc_of("date"), "取消", "cancelled"):
            cancelled[d] = cf.text("note") or "本次活动取消"
    if not (every and until):
        return None, single
    recurrence = Recurrence(every=every, interval=interval, weekdays=tuple(weekdays), nth=nth, until=until, skip=tuple(skip))  # type: ignore[arg-type]
    recurrence = Recurrence(**{**recurrence.__dict__, "describe": rec_mod.describe(recurrence, start, end)})
    occurrences = rec_mod.expand(aid, recurrence, start, end - start, tz, moved, cancelled, status, status_note)
    # An exception must name a date the rule produces, else it silently does nothing.
    rule_dates = {d.date() for d in rec_mod.build_rrule(recurrence, start)}
    if rule_dates and start.date() not in rule_dates and not (weekdays and every == "week"):
        # The rule's first date is not start (dateutil leaves start out):
        # the date the editor wrote vanished from pages, notices and feeds.
        f._err("every", f"第一次活动（start）的日期 {start.date().isoformat()} 不符合重复规则，按规则第一次是 {min(rule_dates).isoformat()}",
               "请把 start 改为第一次实际活动的日期，或检查 every、weekdays、nth", m.loc)
    if every == "month" and not weekdays and start.day > 28:
        f.p.warn(m.loc_of("every"), f"每月 {start.day} 日的活动在没有 {start.day} 日的月份不会举行",
                 "如要每月最后一天，请改用 weekdays 和 nth: -1，或把 start 改到 28 日以前", record=aid, field="recurrence.every")
    # Only a move can make two sessions start at once: listed twice.
    starts: set[datetime] = set()
    for occurrence in occurrences:
        if occurrence.start in starts:
            p.error(m.loc_of("moved"), f"改期后的时间 {occurrence.start:%Y-%m-%d %H:%M} 与另一次活动相同，会列出两次", "请改到别的时间，或把原定那次写进 skip",
                    record=aid, field="recurrence.moved")
        starts.add(occurrence.start)
    for label, field_name, dates in (("调整", "moved", list(moved)), ("取消", "cancelled", list(cancelled)), ("跳过", "skip", skip)):
        for d in dates:
            if d not in rule_dates:
                p.error(m.loc_of(field_name), f"{label}的日期 {d.isoformat()} 不是这项重复活动的日期", "请写原定的活动日期（按 every/weekdays 规则产生的日期）", record=aid, field=f"recurrence.{field_name}")
    if not occurrences:
        f._err("until", "按此规则没有任何一次活动", "请检查 every、weekdays、nth 和 until")
        return None, single
    return recurrence, occurrences


def read_series(root: YMap, p: Problems, reg: Registry, base: str = "/") -> dict[str, Series]:
    result: dict[str, Series] = {}
    for m in records(root.get("series"), p, root.loc, "讲座系列（series）"):
        f = Fields(m, p, str(m.get("id", "")), ("id", "name", "description"))
        sid = f.ident()
        texts: list[FieldText] = []
        series = Series(sid, f.text("name", required=True), f.markdown("description", base, texts), tuple(texts))
        if reg.claim("series", sid, m.loc_of("id")):
            result[sid] = series
    return result


# ---------------------------------------------------------------------------
# bulletins

BULLETIN_FIELDS = ("title", "issue", "date", "published", "column", "office", "editor_note", "summary", "draft", "template")


def check_page(article: Article, p: Problems) -> None:
    """An editor's page that is not a bulletin (关于…): the front matter
    fields the site would otherwise act on."""
    value = article.meta.get("template")
    if value is not None:
        p.warn(article.meta.loc_of("template"), "页面不能指定 template，已忽略", "请删去这一行；页面的样式由网站主题统一决定", record=Path(article.rel).stem, field="template")
    if article.meta.get("issue") is not None:
        # A bulletin saved where bulletins are not read (关于.md's folder, or
        # as bulletins/2026/index.md, a folder's own page) was published as a
        # plain page: in no archive, feed or column, without a word.
        rel = Path(article.rel)
        if rel.parts[0] == "bulletins":
            where = f"“{rel.name}”是文件夹的首页，不会作为简报发布（不进简报目录、栏目和订阅）"
            fix = f"请给文件改个简报的名字，如 content/{rel.parent.as_posix()}/2026-03-标题.md"
        else:
            where = "这篇文章写了期号（issue），但不在 content/bulletins/ 里，不会作为简报发布"
            fix = f"请把它移到 content/bulletins/ 里，如 content/bulletins/{rel.name}"
        p.warn(article.meta.loc_of("issue"), where, fix, record=rel.stem, field="issue")


def is_draft(article: Article) -> bool:
    """draft: true in the front matter, read leniently: a draft must never be
    published by accident, even when the rest of its front matter is broken."""
    value = article.meta.get("draft")
    return isinstance(value, YStr) and str(value).strip().lower() in ("true", "yes", "是", "on")


def read_bulletin(article: Article, p: Problems, columns: dict[str, Column], base: str = "/") -> Bulletin | None:
    """A bulletin from its article. A draft's problems are warnings: it is not
    published, and one editor's half-written draft must not stop another's
    urgent cancellation from going out. (They still show in `check`, and
    `--strict` still fails on them.)"""
    if not is_draft(article):
        return _read_bulletin(article, p, columns, base)
    scratch = Problems()
    bulletin = _read_bulletin(article, scratch, columns, base)
    for e in scratch.errors:
        p.warn(e.loc, f"{e.message}（草稿，暂不发布）", e.fix, record=e.record, field=e.field)
    p.warnings.extend(scratch.warnings)
    return bulletin


def bulletin_stem(day: date, issue: int) -> str:
    """A bulletin's file name where the editor gave none (``new bulletin``)
    or none that can be a URL: year and month first, as the sample's and
    most offices' files are named (2026-11-dongji-anpai); "2026-14-jianbao"
    read as a 14th month. The issue number keeps one month's apart."""
    return f"{day.year}-{day.month:02d}-jianbao-{issue}"


def _read_bulletin(article: Article, p: Problems, columns: dict[str, Column], base: str) -> Bulletin | None:
    stem = Path(article.rel).stem
    f = Fields(article.meta, p, stem, BULLETIN_FIELDS)
    loc = Location(article.shown, 1, 1)
    ok = True
    title = f.text("title", required=True, fix="请在元数据中填写 title: 标题")
    # At most 99,999: a date typed into it (20261125) made the gap check
    # below list twenty million missing issues (2.7 GB; a longer one was
    # killed for want of memory).
    issue = f.integer("issue", required=True, minimum=1, maximum=99_999)
    day = f.date("date", required=True)
    if not ID_RE.match(stem):
        # A name with no ASCII at all ("第一期 简报") gets one from year and issue.
        slug = slugify_id(stem)
        if slug == "new-id":
            slug = bulletin_stem(day, issue or 1) if day else f"jianbao-{issue or 1}"
        p.error(loc, f"文件名“{stem}”不能用作网址", f"请把文件改名为 {slug}.md（{ID_FIX}）", record=stem)
        ok = False
    published = f.date("published") or day
    column = f.text("column", required=True, fix=f"请填写栏目 id（{'、'.join(columns)}）")
    if column and column not in columns:
        by_name = {c.name: c.id for c in columns.values()}
        if column in by_name:
            column = by_name[column]
        else:
            _unknown(p, article.meta["column"], "栏目", columns, stem, "column")  # type: ignore[arg-type]
            ok = False
    # Each line with one, up to DANGER_LINES: the editors' tester pasted five
    # and was told of the first alone, so four stayed in the file.
    lines: set[int] = set()
    for at, danger in dangerous_spots(article.body):
        line = article.body.count("\n", 0, at) + article.body_line
        if line in lines:
            continue
        if len(lines) == DANGER_LINES:
            break
        lines.add(line)
        p.warn(Location(article.shown, line, 1), f"正文含有不安全的 HTML（{danger}），发布时已移除", "请删去 <script>、on… 事件属性和 javascript: 链接", record=stem)
    unclosed = unclosed_raw_text(article.body)
    if unclosed:
        # The browser reads everything after it as the tag's content: the
        # rest of the bulletin would vanish or show as code. Not published.
        tag, at = unclosed
        line = article.body.count("\n", 0, at) + article.body_line
        col = at - article.body.rfind("\n", 0, at)
        p.error(Location(article.shown, line, col), f"正文里的 <{tag}> 没有结束标签 </{tag}>，它后面的正文都不会显示", f"请在应结束的地方补上 </{tag}>，或删去这个 <{tag}>", record=stem)
    if not (ok and title and issue and day and published):
        return None
    texts: list[FieldText] = []
    # Its links are relative to the bulletin, as its body's.
    editor_note_html = f.markdown("editor_note", base, texts, posixpath.dirname(article.rel))
    return Bulletin(
        id=stem, src=article.rel, title=title, issue=issue, date=day, published=published, column=column,
        office=f.text("office"), editor_note_html=editor_note_html, texts=tuple(texts),
        # Issue-number problems point at the issue line.
        summary=f.text("summary"), draft=f.boolean("draft"), source=article.meta.loc_of("issue"),
    )


def check_bulletin_numbers(bulletins: list[Bulletin], p: Problems) -> None:
    """Issue numbers and ids are unique across the site; gaps are a warning."""
    by_issue: dict[int, Bulletin] = {}
    by_id: dict[str, Bulletin] = {}
    next_free = max((b.issue for b in bulletins), default=0) + 1
    for b in sorted(bulletins, key=lambda b: b.source.path):
        if b.issue in by_issue:
            first = by_issue[b.issue]
            p.error(b.source, f"期号 {b.issue} 与 {first.source.path} 重复", f"请改为下一个未用的期号 {next_free}", record=b.id, field="issue")
            next_free += 1
        else:
            by_issue[b.issue] = b
        # Two files with one name in different folders: one id for two bulletins.
        if b.id in by_id:
            p.error(Location(b.source.path, 1, 1), f"简报 id“{b.id}”与 {by_id[b.id].source.path} 重复（文件名相同）", "每期简报的文件名在全站只能用一次，请给其中一个文件改名", record=b.id)
        else:
            by_id[b.id] = b
    if by_issue:
        # The first ten gaps, counted between neighbours, not over a range.
        issues = sorted(by_issue)
        missing = [n for a, b in zip(issues, issues[1:], strict=False) if b - a > 1 for n in range(a + 1, min(b, a + 11))][:10]
        if missing:
            last = by_issue[max(by_issue)]
            p.warn(last.source, f"期号不连续，缺少第 {'、'.join(map(str, missing[:10]))} 期", "如有遗漏请补上；草稿（draft: true）也占用期号", record=last.id, field="issue")
