"""iCalendar feeds: every .ics parsed by two independent parsers (icalendar and
ics-py), and the events of fixture buildings compared with what the test
works out from the fixture YAML, recurring occurrences and exceptions
included. Two builds must give byte-identical feeds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import recurring_ical_events
from conftest import FIXTURES, TODAY, build_project, make_project_at, page, run_cli
from dateutil import rrule
from hypothesis import given, settings
from hypothesis import strategies as st
from subs_expect import Occ, activities, buildings_tree, for_building, load, occurrences

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _no_colorama(monkeypatch: pytest.MonkeyPatch) -> None:
    # ics-py's grammar engine (TatSu) calls colorama.init() on every parse,
    # which wraps sys.stdout once more each time; after a few hundred files
    # the wrappers overflow the stack. Colours are irrelevant here.
    import tatsu.color

    monkeypatch.setattr(tatsu.color, "init", lambda: None)
STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE"}


@pytest.fixture(scope="module")
def subs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project_at(tmp_path_factory.mktemp("subs") / "p", FIXTURES / "subscriptions" / "content")
    return build_project(project)


def expected(occs: list[Occ]) -> set[tuple[str, datetime, datetime, str]]:
    return {(o.activity, o.start, o.end, STATUS[o.status]) for o in occs}


def via_icalendar(path: Path) -> set[tuple[str, datetime, datetime, str]]:
    """Parser 1: icalendar + recurring_ical_events expand the series."""
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    found = set()
    for e in recurring_ical_events.of(cal).between(date(2000, 1, 1), date(2100, 1, 1)):
        uid = str(e["UID"]).split("@")[0]
        found.add((uid, e["DTSTART"].dt, e["DTEND"].dt, str(e["STATUS"])))
    return found


def via_ics_py(path: Path) -> set[tuple[str, datetime, datetime, str]]:
    """Parser 2: ics-py reads the events; RRULE/EXDATE/RECURRENCE-ID are
    applied here with dateutil, independently of parser 1."""
    cal = ics.Calendar(path.read_text(encoding="utf-8"))
    masters, overrides = {}, {}
    for e in cal.events:
        extra = {line.name: line for line in e.extra}
        if "RECURRENCE-ID" in extra:
            rid = datetime.strptime(extra["RECURRENCE-ID"].value, "%Y%m%dT%H%M%S").replace(tzinfo=TZ)
            assert extra["RECURRENCE-ID"].params["TZID"] == ["Asia/Shanghai"]
            overrides[(e.uid, rid)] = e
        else:
            masters[e.uid] = (e, extra)
    found = set()
    for uid, (e, extra) in masters.items():
        start = e.begin.datetime.astimezone(TZ)
        length = e.end.datetime - e.begin.datetime
        if "RRULE" not in extra:
            found.add((uid.split("@")[0], start, start + length, e.status))
            continue
        rule = rrule.rrulestr(extra["RRULE"].value, dtstart=start)
        exdates = set()
        if "EXDATE" in extra:
            for v in extra["EXDATE"].value.split(","):
                exdates.add(datetime.strptime(v, "%Y%m%dT%H%M%S").replace(tzinfo=TZ))
        for when in rule:
            when = when.astimezone(TZ)
            if when in exdates:
                continue
            if (uid, when) in overrides:
                o = overrides[(uid, when)]
                found.add((uid.split("@")[0], o.begin.datetime.astimezone(TZ), o.end.datetime.astimezone(TZ), o.status))
            else:
                found.add((uid.split("@")[0], when, when + length, e.status))
    return found


def all_ics(site: Path) -> list[Path]:
    return sorted((site / "calendar").rglob("*.ics"))


BUILT_ON = date.fromisoformat(TODAY)  # the fixtures' --today (conftest.build_project)


def in_building_feed(case: str, bid: str, today: date) -> list[Occ]:
    """What a building's feed must hold, worked out here from the YAML: every
    occurrence of each activity the building is invited to that has an
    occurrence within the last 14 days or the next 92 (a series goes whole)."""
    window = for_building(case, bid, TZ, today - timedelta(days=14), today + timedelta(days=92))
    ids = {o.activity for o in window}
    return [o for o in for_building(case, bid, TZ) if o.activity in ids]


@pytest.mark.parametrize("case", ["basic", "subscriptions"])
def test_every_building_feed_has_exactly_its_events(case: str, basic_site: Path, subs_site: Path) -> None:
    site = basic_site if case == "basic" else subs_site
    buildings = buildings_tree(case)
    assert sorted(p.stem for p in (site / "calendar" / "buildings").glob("*.ics")) == sorted(buildings)
    for bid in buildings:
        path = site / "calendar" / "buildings" / f"{bid}.ics"
        want = expected(in_building_feed(case, bid, BUILT_ON))
        assert via_icalendar(path) == want, bid
        assert via_ics_py(path) == want, bid


def test_building_feed_is_a_rolling_window(tmp_path: Path, basic_site: Path) -> None:
    # Built on 2026-07-01, every activity is more than 92 days ahead (the
    # first is on 11-01): no building feed carries them yet, the archive does.
    project = make_project_at(tmp_path / "early", FIXTURES / "basic" / "content")
    early = build_project(project, "2026-07-01")
    assert via_icalendar(early / "calendar/buildings/b-b1.ics") == set()
    # all.ics holds everything ahead, so on 07-01 every activity.
    assert feed_uids(early, "calendar/all.ics") == {a["id"] for a in activities("basic")}
    # Built on 2026-09-04 the window ends on 12-05 (92 days): the clinic that
    # morning is in, the 12-08 show is not yet.
    project = make_project_at(tmp_path / "sept", FIXTURES / "basic" / "content")
    sept = build_project(project, "2026-09-04")
    uids = {uid for uid, *_ in via_icalendar(sept / "calendar/buildings/b-b1.ics")}
    assert uids == {o.activity for o in in_building_feed("basic", "b-b1", date(2026, 9, 4))}
    assert "east-clinic" in uids and "postponed-show" not in uids
    # 28 days after it ended, old-talk (11-01) has left the building feeds.
    assert not any(uid == "old-talk" for uid, *_ in via_icalendar(basic_site / "calendar/buildings/b-b1.ics"))


def test_dance_exceptions_in_basic_building_feed(basic_site: Path) -> None:
    # Spelled out from tests/fixtures/basic: Tue/Thu 19:00 in December 2026,
    # 12-24 skipped, 12-10 moved to Saturday 12-12, 12-15 cancelled.
    got = sorted((s, st) for uid, s, _e, st in via_icalendar(basic_site / "calendar/buildings/b-b1.ics") if uid == "dance")
    days = [1, 3, 8, 12, 15, 17, 22, 29, 31]
    assert [s.day for s, _ in got] == days
    assert all(s.hour == 19 and s.minute == 0 for s, _ in got)
    assert dict((s.day, st) for s, st in got)[15] == "CANCELLED"
    assert {st for s, st in got if s.day != 15} == {"CONFIRMED"}
    # The estate-A building is not invited to the dance.
    assert not any(uid == "dance" for uid, *_ in via_icalendar(basic_site / "calendar/buildings/a-1.ics"))


def test_series_is_one_vevent_with_rrule_exdate_and_overrides(subs_site: Path) -> None:
    cal = icalendar.Calendar.from_ical((subs_site / "calendar/series/forum.ics").read_bytes())
    events = [e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("forum-monthly@")]
    master = [e for e in events if "RECURRENCE-ID" not in e]
    assert len(master) == 1
    rule = master[0]["RRULE"]
    assert rule["FREQ"] == ["MONTHLY"] and rule["BYDAY"] == ["2SA"]
    assert [d.dt for d in master[0]["EXDATE"].dts] == [datetime(2027, 2, 13, 9, 0, tzinfo=TZ)]
    overrides = {e["RECURRENCE-ID"].dt: e for e in events if "RECURRENCE-ID" in e}
    moved = overrides[datetime(2027, 1, 9, 9, 0, tzinfo=TZ)]
    assert moved["DTSTART"].dt == datetime(2027, 1, 16, 9, 0, tzinfo=TZ)
    cancelled = overrides[datetime(2027, 3, 13, 9, 0, tzinfo=TZ)]
    assert cancelled["STATUS"] == "CANCELLED" and "专家临时出差" in str(cancelled["DESCRIPTION"])
    assert len(overrides) == 2
    # Expanded: second Saturdays Dec 2026 – Mar 2027, Feb skipped, Jan moved.
    got = sorted(s for _uid, s, _e, _st in via_icalendar(subs_site / "calendar/series/forum.ics"))
    assert got == [datetime(*d, 9, 0, tzinfo=TZ) for d in ((2026, 12, 12), (2027, 1, 16), (2027, 3, 13))]


def test_wholly_cancelled_series_is_cancelled_everywhere(subs_site: Path) -> None:
    got = via_ics_py(subs_site / "calendar/activities/taichi.ics")
    assert {s.day for _u, s, _e, _st in got} == {5, 12, 19, 26}
    assert {st for *_r, st in got} == {"CANCELLED"}
    cal = icalendar.Calendar.from_ical((subs_site / "calendar/activities/taichi.ics").read_bytes())
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("【已取消】")


def test_event_properties(basic_site: Path) -> None:
    venues = {v["id"]: v for v in load("basic", "venues.yml")["venues"]}
    site_url = load("basic", "site.yml")["site"]["url"]
    for a in activities("basic"):
        path = basic_site / "calendar" / "activities" / f"{a['id']}.ics"
        raw = path.read_bytes()
        assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
        cal = icalendar.Calendar.from_ical(raw)
        tzs = cal.walk("VTIMEZONE")
        assert [str(z["TZID"]) for z in tzs] == ["Asia/Shanghai"]
        first = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e][0]
        assert str(first["UID"]) == f"{a['id']}@test.example.cn"
        assert first["DTSTART"].params["TZID"] == "Asia/Shanghai"
        assert first["DTSTAMP"].dt.utcoffset() == timedelta(0)
        venue = venues[a["venue"]]
        assert venue["name"] in str(first["LOCATION"]) and venue["address"] in str(first["LOCATION"])
        assert str(first["URL"]) == f"{site_url}activities/{a['id']}/"
        desc = str(first["DESCRIPTION"])
        assert "<" not in desc and "**" not in desc and desc.endswith(f"{site_url}activities/{a['id']}/")
        assert str(first["STATUS"]) == STATUS[a.get("status", "scheduled")]
        if a.get("status") in ("cancelled", "postponed"):
            assert a["status_note"] in desc
        if a.get("description"):
            assert a["description"].strip() in desc


def test_plain_text_description_from_markdown(subs_site: Path) -> None:
    cal = icalendar.Calendar.from_ical((subs_site / "calendar/activities/dance.ics").read_bytes())
    master = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e][0]
    desc = str(master["DESCRIPTION"])
    assert "穿舒适的鞋" in desc and "*" not in desc and "<" not in desc
    # Titles with & and <> survive as text.
    cal = icalendar.Calendar.from_ical((subs_site / "calendar/activities/fire-talk.ics").read_bytes())
    assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "冬季用电用气安全 & 防火<常识>"


def feed_uids(site: Path, rel: str) -> set[str]:
    cal = icalendar.Calendar.from_ical((site / rel).read_bytes())
    return {str(e["UID"]).split("@")[0] for e in cal.walk("VEVENT")}


def not_over_14_days(case: str, today: date) -> set[str]:
    """The activities all.ics and the team feeds must hold, worked out here:
    those with an occurrence that began on or after the day 14 days before
    today, or is still on at 08:00 that day (a series goes whole)."""
    since = today - timedelta(days=14)
    midnight, morning = datetime.combine(since, datetime.min.time(), TZ), datetime.combine(since, datetime.min.time().replace(hour=8), TZ)
    return {a["id"] for a in activities(case)
            if any(o.start >= midnight or o.end > morning for o in occurrences(case, a, TZ))}


def test_team_series_and_all_feeds(subs_site: Path) -> None:
    acts = activities("subscriptions")
    recent = not_over_14_days("subscriptions", BUILT_ON)
    assert feed_uids(subs_site, "calendar/all.ics") == recent == {a["id"] for a in acts}
    assert feed_uids(subs_site, "calendar/teams/dancers.ics") == {a["id"] for a in acts if a.get("team") == "dancers"}
    assert feed_uids(subs_site, "calendar/teams/school.ics") == {a["id"] for a in acts if a.get("team") == "school"}
    assert feed_uids(subs_site, "calendar/series/forum.ics") == {a["id"] for a in acts if a.get("series") == "forum"}
    for path in all_ics(subs_site):
        ics.Calendar(path.read_text(encoding="utf-8"))  # the second parser accepts every file


def test_all_and_team_feeds_drop_what_is_over_for_14_days(tmp_path: Path) -> None:
    # A subscribed feed kept whole grows by every activity ever held (9.9 MB
    # for all.ics at bench scale L). taichi's weekly series ends on its last
    # Saturday: built 14 days later it is still in all.ics and its team's
    # feed, built 15 days later it is gone from both, while its own feed
    # ("添加到日历" on its page) stays, and the lecture series stays whole.
    acts = activities("subscriptions")
    taichi = next(a for a in acts if a["id"] == "taichi")
    last = max(o.start.date() for o in occurrences("subscriptions", taichi, TZ))
    for days, kept in ((14, True), (15, False)):
        built_on = last + timedelta(days=days)
        project = make_project_at(tmp_path / str(days), FIXTURES / "subscriptions" / "content")
        site = build_project(project, built_on.isoformat())
        recent = not_over_14_days("subscriptions", built_on)
        assert ("taichi" in recent) is kept
        assert recent != {a["id"] for a in acts} and recent, "the case must keep some and drop some"
        assert feed_uids(site, "calendar/all.ics") == recent
        for team in ("dancers", "school"):
            assert feed_uids(site, f"calendar/teams/{team}.ics") == {a["id"] for a in acts if a.get("team") == team and a["id"] in recent}
        assert feed_uids(site, "calendar/series/forum.ics") == {a["id"] for a in acts if a.get("series") == "forum"}
        assert feed_uids(site, "calendar/activities/taichi.ics") == {"taichi"}
        # What is kept is kept whole: every occurrence of the series.
        assert via_icalendar(site / "calendar/all.ics") == expected(
            [o for a in acts if a["id"] in recent for o in occurrences("subscriptions", a, TZ)])


def test_every_ics_parses_with_both_parsers(basic_site: Path) -> None:
    paths = all_ics(basic_site)
    assert len(paths) > 10
    for path in paths:
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        assert cal["VERSION"] == "2.0" and cal.walk("VTIMEZONE")
        ics.Calendar(path.read_text(encoding="utf-8"))


def test_activity_and_building_pages_link_their_feeds(basic_site: Path) -> None:
    for bid in buildings_tree("basic"):
        doc = page(basic_site, f"buildings/{bid}/")
        hrefs = [a["href"] for a in doc.select(".gs-actions a")]
        assert f"webcal://test.example.cn/calendar/buildings/{bid}.ics" in hrefs
        download = [h for h in hrefs if h.endswith(f"calendar/buildings/{bid}.ics") and not h.startswith("webcal")]
        assert download and (basic_site / "buildings" / bid / download[0]).resolve().is_file()
        labels = [a.get_text(strip=True) for a in doc.select(".gs-actions a")]
        assert "订阅本楼活动日历" in labels and "下载日历文件" in labels
    for a in activities("basic"):
        doc = page(basic_site, f"activities/{a['id']}/")
        link = [x for x in doc.select(".gs-actions a") if x.get_text(strip=True) == "添加到日历"]
        assert link
        assert (basic_site / "activities" / a["id"] / link[0]["href"]).resolve() == (basic_site / "calendar/activities" / f"{a['id']}.ics").resolve()


def test_two_builds_are_byte_identical(tmp_path: Path, basic_site: Path) -> None:
    # A second build of the same content with the same --today, later and in
    # another folder, must give the same bytes for every subscription output.
    project = make_project_at(tmp_path / "again", FIXTURES / "basic" / "content")
    again = build_project(project)
    outputs: list[Callable[[Path], list[Path]]] = [
        lambda s: sorted((s / "calendar").rglob("*.ics")),
        lambda s: sorted((s / "feeds").rglob("*.xml")),
        lambda s: sorted((s / "digests").glob("*.txt")),
        lambda s: [s / "api/site.json", s / "sitemap.xml", s / "sitemap.xml.gz"],
    ]
    for files in outputs:
        first, second = files(basic_site), files(again)
        assert [p.relative_to(basic_site) for p in first] == [p.relative_to(again) for p in second]
        for a, b in zip(first, second, strict=True):
            assert a.read_bytes() == b.read_bytes(), a.relative_to(basic_site)


def test_occurrence_helper_agrees_with_fixture_reading() -> None:
    # Guard for the test's own expansion: the dance has nine December dates.
    dance = next(a for a in activities("basic") if a["id"] == "dance")
    assert len(occurrences("basic", dance, TZ)) == 9


def test_series_start_off_the_rule_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "Second Saturday" written with start on a Tuesday: the core skipped that
    # Tuesday (RFC 5545 would count DTSTART, dateutil does not), so the date
    # the editor wrote vanished from pages and calendars while the JSON
    # export kept it. Now it is the editor's to fix, at its line.
    project = make_project_at(tmp_path / "p", FIXTURES / "subscriptions" / "content")
    lectures = project / "content/data/lectures.yml"
    lectures.write_text(lectures.read_text(encoding="utf-8").replace("start: 2026-12-12 09:00", "start: 2026-12-01 09:00"), encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=project) == 1
    assert "第一次活动（start）的日期 2026-12-01 不符合重复规则，按规则第一次是 2026-12-12" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name",
    [
        "公示 · 桂园社区 3 栋",
        "名字里有逗号,分号;和反斜杠\\",
        "只有逗号,",
        "只有分号;",
        "只有反斜杠\\",
        "换行\n之后",
        "很长的日历名称，足以超过七十五个字节而被折行：" * 4,
        "NAME:x",
        # Around the fold: X-WR-CALNAME: and the name are 73, 74 and 75 octets.
        "公示" * 10,
        "公示" * 10 + "a",
        "公示" * 10 + "ab",
        "tab\tand bell\x07",
        # Folded here (calendar._folded): long, every width of character
        # at the folds, and what icalendar keeps together there.
        "云湖科普公示 · 识别电信诈骗健身（第 7815 场）",
        "a" * 61 + "公" + "b" * 80,
        "x" * 200,
        "é" * 70,
        "😀" * 40 + "a",
        "a" + "😀" * 40,
        "公示" * 30 + "^n" * 20,
    ],
)
def test_feed_head_is_icalendars_for_any_name(name: str) -> None:
    # The head is made once and filled with each feed's name; its bytes must
    # be those icalendar writes for the whole head, and the name must come
    # back from a parser unchanged (escaped TEXT, folded lines).
    from generator.calendar import _calendar_head, _HeadTemplate

    for zone in ("Asia/Shanghai", "Asia/Urumqi"):
        whole = _HeadTemplate(zone).open(name) + b"END:VCALENDAR\r\n"
        assert whole == _calendar_head(name, zone).to_ical()
        assert all(len(line) <= 75 for line in whole.split(b"\r\n"))
        cal = icalendar.Calendar.from_ical(whole)
        # icalendar's parser does not know NAME and X-WR-CALNAME are TEXT
        # (calendar apps do) and keeps them escaped: RFC 5545 3.3.11.
        escaped = name.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        assert [cal[prop].to_ical().decode() for prop in ("NAME", "X-WR-CALNAME")] == [escaped, escaped]
        assert str(cal["X-WR-TIMEZONE"]) == zone


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="a1 ·公示栋é😀^\\,", max_size=90))
def test_feed_names_are_folded_as_icalendar_folds_them(name: str) -> None:
    from generator.calendar import _name_lines

    assert _name_lines(name) == b"".join(
        icalendar.parser.Contentline.from_parts(prop, icalendar.parser.Parameters(), icalendar.vText(name)).to_ical() + b"\r\n"
        for prop in ("NAME", "X-WR-CALNAME")
    )


def test_vevents_made_early_in_a_worker_are_used_and_change_nothing(tmp_path: Path, basic_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `build` serialises every activity's VEVENTs in a forked process while
    # the pages render (calendar.start_early). The writer must take all of
    # them (none serialised again in this process: the worker's keys are the
    # writer's) and the feeds must be the bytes of the session's build; a
    # build with the cache's VEVENTs does not start the worker.
    from generator import calendar
    from generator.incremental import Memo

    monkeypatch.setattr(calendar, "EARLY_FROM", 0)
    monkeypatch.setattr(calendar, "_MEMO", Memo())  # nothing kept from the session's builds
    taken: list[int] = []
    real_take = calendar.take_early

    def take() -> dict[str, bytes]:
        found = real_take()
        taken.append(len(found))
        return found

    here: list[str] = []  # appends in the forked worker stay in its copy
    real_events = calendar.event_bytes

    def events(site, t, a):  # type: ignore[no-untyped-def]
        here.append(a.id)
        return real_events(site, t, a)

    monkeypatch.setattr(calendar, "take_early", take)
    monkeypatch.setattr(calendar, "event_bytes", events)
    project = make_project_at(tmp_path / "early", FIXTURES / "basic" / "content")
    site = build_project(project)
    assert taken == [len(activities("basic"))] and here == []
    ours, theirs = all_ics(site), all_ics(basic_site)
    assert [p.relative_to(site) for p in ours] == [p.relative_to(basic_site) for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.relative_to(site)

    build_project(project)  # with the cache: its VEVENTs, no worker
    assert taken == [len(activities("basic")), 0] and here == []


# --------------------------------------------------- VEVENTs as icalendar's
#
# generator.calendar writes the VEVENTs itself (event_bytes); the oracle is
# the same events made with icalendar's components, as calendar.py made them
# until then: the bytes must be the same.


def _icalendar_vevents(site, t, a) -> bytes:  # type: ignore[no-untyped-def]
    from datetime import UTC

    from generator import calendar as cal
    from generator.recurrence import build_rrule

    def event(o, series_start=None):  # type: ignore[no-untyped-def]
        venue = site.venues[a.venue]
        start, end, status, note = cal.event_state(a, o, series_start)
        e = icalendar.Event()
        e.add("uid", f"{a.id}@{cal._host(site)}")
        e.add("dtstamp", a.start.astimezone(UTC))
        e.add("dtstart", start)
        e.add("dtend", end)
        label = t.get(f"status_{status}", "")
        e.add("summary", f"【{label}】{a.title}" if label else a.title)
        e.add("location", f"{venue.name}（{venue.address}）")
        e.add("url", site.absolute(a.url))
        e.add("description", cal.description(site, t, a, status, note, o))
        e.add("status", STATUS[status])
        e.add("categories", [a.kind])
        return e

    if a.recurrence is None:
        return event(a.occurrences[0] if a.occurrences else None).to_ical()
    first = next(iter(build_rrule(a.recurrence, a.start)), None)
    if first is None:
        return b""
    rec = a.recurrence
    master = event(None, first.replace(tzinfo=site.tz))
    rule: dict[str, object] = {"freq": {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY"}[rec.every]}
    if rec.interval != 1:
        rule["interval"] = rec.interval
    if rec.weekdays:
        prefix = str(rec.nth) if rec.every == "month" and rec.nth else ""
        rule["byday"] = [prefix + ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[d] for d in rec.weekdays]
    rule["until"] = datetime.combine(rec.until, a.start.time(), site.tz).astimezone(UTC)
    master.add("rrule", icalendar.vRecur(rule))
    rule_time = a.start.timetz()
    skips = [datetime.combine(d, rule_time) for d in sorted(rec.skip)]
    if skips:
        master.add("exdate", skips)
    events = [master]
    for o in a.occurrences:
        if o.moved_from is not None or (o.status, o.note) != (a.status, a.status_note):
            e = event(o)
            e.add("recurrence-id", datetime.combine(date.fromisoformat(o.key), rule_time))
            events.append(e)
    return b"".join(e.to_ical() for e in events)


def _models() -> list:  # type: ignore[type-arg]
    from conftest import REPO

    from generator.pipeline import Project, load_site

    found = []
    for root in (REPO, FIXTURES / "basic", FIXTURES / "subscriptions", FIXTURES / "browser", FIXTURES / "crowded"):
        site, _ = load_site(Project.at(root), date(2026, 11, 29))
        found.append(site)
    return found


def test_vevents_are_the_bytes_icalendar_writes() -> None:
    from generator.calendar import event_bytes
    from generator.strings import strings

    checked = kinds = 0
    for site in _models():
        t = strings(site.info.language)
        for a in site.activities.values():
            assert event_bytes(site, t, a) == _icalendar_vevents(site, t, a), a.id
            checked += 1
            kinds |= (a.recurrence is not None) | (bool(a.recurrence and a.recurrence.skip) << 1) | ((a.status != "scheduled") << 2)
    # Series with skipped dates and cancelled or postponed activities among them.
    assert checked > 100 and kinds == 0b111, (checked, kinds)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "Etc/GMT-8", "America/Argentina/Buenos_Aires"])
def test_vevents_with_hostile_text_and_any_zone_are_icalendar_s(zone: str) -> None:
    # Escapes (\ ; , and a written \N), line ends of every kind, a backslash
    # or caret where a line folds (icalendar leaves it to the next line),
    # characters of 1 to 4 octets across the fold, and a zone icalendar
    # writes as UTC ("Z", no TZID).
    from dataclasses import replace

    from generator.calendar import event_bytes
    from generator.strings import strings

    site = _models()[1]
    tz = ZoneInfo(zone)
    site = replace(site, info=replace(site.info, timezone=zone))
    t = strings(site.info.language)
    texts = ["逗号,分号;反斜杠\\和\\N换行", "a\r\nb\rc\nd", "x" * 73 + "\\" + "y" * 80, "x" * 72 + "^^" + "中" * 40,
             "é" * 40 + "😀" * 30 + "\\" * 30, "中" * 24 + "\\,", ""]
    checked = 0
    acts = list(site.activities.values())
    for a in acts:
        moved = replace(a, start=a.start.replace(tzinfo=tz), end=a.end.replace(tzinfo=tz),
                        occurrences=[replace(o, start=o.start.replace(tzinfo=tz), end=o.end.replace(tzinfo=tz)) for o in a.occurrences])
        for n, text in enumerate(texts):
            b = replace(moved, title=text or a.title, kind=text or a.kind, description_text=text, id=f"{a.id}-{n}")
            assert event_bytes(site, t, b) == _icalendar_vevents(site, t, b), (a.id, text)
            checked += 1
    assert checked == len(acts) * len(texts) and len(acts) >= 8
