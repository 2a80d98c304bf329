"""The one answer to "what is on for building B between D1 and D2", checked
against the basic fixture by hand."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import FIXTURES, REPO

from generator import queries as q
from generator.pipeline import Project, load_site


def load(today: str = "2026-11-29"):  # type: ignore[no-untyped-def]
    project = Project.at(FIXTURES / "basic")
    site, _ = load_site(project, date.fromisoformat(today))
    return site


def test_window_is_inclusive_and_counts_days() -> None:
    assert q.window(date(2026, 11, 29), 14) == (date(2026, 11, 29), date(2026, 12, 12))
    assert q.window(date(2026, 11, 29), 1) == (date(2026, 11, 29), date(2026, 11, 29))


def test_for_building_in_window() -> None:
    site = load()
    first, last = q.window(date(2026, 12, 3), 3)  # 12-03 .. 12-05
    got = [(i.activity.id, i.occurrence.start.date().isoformat()) for i in q.for_building(site, "b-b1", first, last)]
    # b-b1 (乙小区 1 号楼, east community, grid east-g2): dance on Thu 12-03,
    # its own promotion on 12-04, the community clinic on 12-05.
    assert got == [("dance", "2026-12-03"), ("b1-only", "2026-12-04"), ("east-clinic", "2026-12-05")]


def test_machine_timezone_does_not_move_days() -> None:
    # conftest sets TZ=America/Los_Angeles; 2026-12-03 09:00 in Shanghai is
    # 12-02 in Los Angeles. The window is in the site's zone.
    site = load()
    first, last = q.window(date(2026, 12, 3), 1)
    ids = [i.activity.id for i in q.for_building(site, "a-1", first, last)]
    assert "estate-a-drill" in ids
    first, last = q.window(date(2026, 12, 2), 1)
    assert "estate-a-drill" not in [i.activity.id for i in q.for_building(site, "a-1", first, last)]


def test_next_lecture_skips_past() -> None:
    site = load()
    item = q.next_lecture(site)
    assert item is not None and item.activity.id == "heart-talk"
    assert q.next_lecture(load("2026-12-13")) is None


def test_answers_from_the_timeline_equal_ones_made_from_scratch() -> None:
    """items() without a window picks Items made once per model
    (queries._Timeline); its answers must be those of the definition,
    _items(), for every building, the Item objects aside. A window's answer
    is made from scratch, and must be the windowless answer cut to the
    window: the two paths agree on order and content."""
    import dataclasses

    for site in (load(), load_site(Project.at(REPO), date(2026, 11, 29))[0]):
        windows = [q.window(site.today, 14), q.window(date(2026, 12, 3), 1), (date(2026, 1, 1), date(2027, 12, 31))]
        assert q.items(site, site.activities.values()) == q._items(site, site.activities.values(), None, None)
        assert site.buildings
        for b in site.buildings:
            acts = [site.activities[i] for i in site.activities_by_building.get(b, ())]
            whole = q.for_building(site, b)
            assert whole == q._items(site, acts, None, None), b
            # The longest occurrence, taken from the activities' (the windows' bound).
            longest = q._BUILDINGS(site).invited(site, b, site.activities_by_building.get(b, ()))[2]
            assert longest == max((i.occurrence.end - i.occurrence.start for i in whole), default=timedelta(0)), b
            for first, last in windows:
                lo, hi, _ = q._bounds(site, first, last)
                cut = [i for i in whole if i.occurrence.start < hi and i.occurrence.end > lo
                       and not q.over_by(site, i.occurrence.start, i.occurrence.end, first)]
                assert q.for_building(site, b, first, last) == cut, (b, first)
            # Windows that start inside the sample's occurrences of several
            # days (an exhibition of six weeks, courses of three and four
            # days): the answer cut by bisection is the one made from scratch.
            for day in range(0, 90, 2):
                first = date(2026, 10, 10) + timedelta(days=day)
                for last in (first, first + timedelta(days=2)):
                    assert q.for_building(site, b, first, last) == q._items(site, acts, first, last), (b, first, last)
        # An activity that is not this model's (same id, other object) is
        # answered from scratch, not from the model's occurrences.
        a = next(a for a in site.activities.values() if len(a.occurrences) > 1)  # a recurring one
        other = dataclasses.replace(a, occurrences=a.occurrences[:1])
        assert q.items(site, [other]) == q._items(site, [other], None, None)
        assert len(q.items(site, [other])) == 1


def test_whole_model_answers_equal_ones_made_from_scratch() -> None:
    """Over every activity, every_item() is the timeline, cut by bisection
    for a window, and upcoming() and past() are split once per model: each
    must answer what the definition does (_items, split_over of it), in the
    same order, for windows starting inside multi-day occurrences too, and
    each call must give a list of its own."""
    for site in (load(), load_site(Project.at(REPO), date(2026, 11, 29))[0]):
        acts = list(site.activities.values())
        assert q.every_item(site) == q._items(site, acts, None, None) == q.items(site, acts)
        days = [site.today, date(2026, 1, 1)] + [date(2026, 10, 10) + timedelta(days=d) for d in range(0, 120, 3)]
        for first in days:
            for n in (1, 3, 7, 31, 400):
                f, last = q.window(first, n)
                assert q.every_item(site, f, last) == q._items(site, acts, f, last) == q.items(site, acts, f, last), (first, n)
        coming, over = q.split_over(site, q._items(site, acts, None, None))
        assert coming and over
        assert q.upcoming(site) == coming and q.past(site) == over[::-1]
        mine, theirs = q.upcoming(site), q.every_item(site)
        mine.clear()
        theirs.clear()
        assert q.upcoming(site) == coming and q.every_item(site) == q._items(site, acts, None, None)
        assert q.past(site) is not q.past(site)


def test_timeline_goes_with_its_model() -> None:
    import gc

    site = load()
    q.for_building(site, "b-b1")
    q.for_building(site, "b-b1", *q.window(site.today, 14))
    key = id(site)
    assert key in q._TIMELINES and key in q._BUILDINGS
    del site
    gc.collect()
    assert key not in q._TIMELINES and key not in q._BUILDINGS


def test_a_window_s_answer_is_kept_per_model_and_given_as_a_copy() -> None:
    # for_building keeps each window's answer for its model (_BUILDINGS):
    # the same answer again, a list of its own each time (a caller that
    # changes it changes no other caller's), another window its own, and
    # another model (a day later) its own.
    site = load()
    first, last = q.window(date(2026, 12, 3), 3)
    once = q.for_building(site, "b-b1", first, last)
    expected = list(once)
    once.clear()
    again = q.for_building(site, "b-b1", first, last)
    assert again == expected and again is not once and len(expected) == 3
    assert q.for_building(site, "b-b1", first, date(2026, 12, 3)) == expected[:1]
    later = load("2026-12-04")
    assert [i.activity.id for i in q.for_building(later, "b-b1", *q.window(later.today, 2))] == ["b1-only", "east-clinic"]


def test_record_digests_are_kept_per_model_and_object() -> None:
    import dataclasses

    from generator.incremental import digest, record_digest

    site = load()
    a = site.activities["dance"]
    assert record_digest(site, a) == digest(a) == record_digest(site, a)
    # Another object of the same id (an edited activity) is hashed anew.
    edited = dataclasses.replace(a, title=a.title + "（改）")
    assert record_digest(site, edited) == digest(edited) != digest(a)


def test_for_door_keeps_an_entrance_activity_to_its_entrance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    shutil.copytree(FIXTURES / "basic" / "content", tmp_path / "content")
    acts = tmp_path / "content" / "data" / "activities.yml"
    acts.write_text(acts.read_text(encoding="utf-8").rstrip("\n") + """
  - {id: west-door, title: 西单元楼道清理, kind: 宣传, start: 2026-12-07 09:00, end: "10:00", venue: station, audience: {entrances: [a-3/2]}}
  - {id: both, title: 混合范围, kind: 宣传, start: 2026-12-07 11:00, end: "12:00", venue: station, audience: {buildings: [a-3], entrances: [a-3/1, b-b1/2]}}
""", encoding="utf-8")
    site, _ = load_site(Project.at(tmp_path), date(2026, 11, 29))
    first, last = date(2026, 12, 7), date(2026, 12, 7)

    def ids(building: str, entrance: str | None) -> list[str]:
        return [i.activity.id for i in q.for_door(site, building, entrance, first, last)]

    assert ids("a-3", "2") == ["west-door", "both"]
    assert ids("a-3", "1") == ["both"]  # its building is invited whole by `both`
    assert ids("a-3", None) == ["west-door", "both"]  # the building's page and calendar
    assert ids("b-b1", None) == ["both"]
    assert ids("b-b1", "1") == [] and ids("b-b1", "2") == ["both"]
    assert ids("a-1", None) == []
    west, both = site.activities["west-door"], site.activities["both"]
    assert west.audience_entrances == {"a-3/2"} and west.audience_buildings == {"a-3"}
    assert both.audience_entrances == {"b-b1/2"} and both.audience_buildings == {"a-3", "b-b1"}
    assert west.audience_label == "甲小区 3 栋 西单元居民"
    assert both.audience_label == "甲小区 3 栋、乙小区 1 号楼 2单元居民"
    assert repr(both).count("IdSet(['b-b1/2'])") == 1  # in the build cache's keys, sorted


def test_a_timeline_made_from_the_last_one_equals_one_made_from_scratch() -> None:
    """serve's next model keeps most activities as the same objects, and
    its timeline is the last one's with the changed activities' Items put
    in their places (_items_again): after random edits (a start moved, an
    activity made again with the same values, added, removed) it must be
    the definition's list, in the same order."""
    import dataclasses
    import random

    rng = random.Random(11)
    site = load_site(Project.at(REPO), date(2026, 11, 29))[0]
    acts = dict(site.activities)
    assert len(acts) > 20
    q._TIMELINES(site)
    again = 0
    for round_ in range(40):
        for _edit in range(rng.randrange(1, 4)):
            aid = rng.choice(sorted(acts))
            a = acts[aid]
            kind = rng.choice(["move", "same", "add", "remove"])
            if kind == "move":
                shift = timedelta(days=rng.randrange(-40, 40), hours=rng.randrange(-5, 5))
                occs = tuple(dataclasses.replace(o, start=o.start + shift, end=o.end + shift) for o in a.occurrences)
                acts[aid] = dataclasses.replace(a, start=a.start + shift, end=a.end + shift, occurrences=occs)
            elif kind == "same":
                acts[aid] = dataclasses.replace(a)
            elif kind == "add":
                new_id = f"{aid}-copy{round_}"
                occs = tuple(dataclasses.replace(o, activity=new_id) for o in a.occurrences)
                acts[new_id] = dataclasses.replace(a, id=new_id, occurrences=occs)
            elif len(acts) > 20:
                del acts[aid]
        ordered = dict(sorted(acts.items(), key=lambda kv: (kv[1].start, kv[0])))
        model = dataclasses.replace(site, activities=ordered)
        last = q._last_timeline
        made = q._TIMELINES(model)
        again += last is not None and q._items_again(model, last, ordered) is not None
        assert made.items == q._items(model, list(ordered.values()), None, None), round_
        assert q.every_item(model) == q._items(model, list(ordered.values()), None, None)
    assert again > 30  # the shortcut was taken
