"""Recurring activities expand into the right occurrences, exceptions applied.
Expected dates are written out by hand from a calendar."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from generator.model import Recurrence
from generator.recurrence import describe, expand

TZ = ZoneInfo("Asia/Shanghai")


def dates(occs):  # type: ignore[no-untyped-def]
    return [o.start.date().isoformat() for o in occs]


def test_second_saturday_of_each_month() -> None:
    rec = Recurrence(every="month", interval=1, weekdays=(5,), nth=2, until=date(2027, 3, 31))
    occs = expand("forum", rec, datetime(2026, 12, 12, 9), datetime(2026, 12, 12, 11) - datetime(2026, 12, 12, 9), TZ, {}, {}, "scheduled", "")
    # Second Saturdays: 2026-12-12, 2027-01-09, 2027-02-13, 2027-03-13.
    assert dates(occs) == ["2026-12-12", "2027-01-09", "2027-02-13", "2027-03-13"]
    assert all(o.start.hour == 9 and o.end.hour == 11 for o in occs)
    assert all(o.start.utcoffset().total_seconds() == 8 * 3600 for o in occs)
    assert describe(rec, datetime(2026, 12, 12, 9), datetime(2026, 12, 12, 11)).startswith("每月第二个周六 09:00–11:00")


def test_tuesday_thursday_with_skip_move_cancel() -> None:
    rec = Recurrence(every="week", interval=1, weekdays=(1, 3), nth=0, until=date(2026, 12, 17), skip=(date(2026, 12, 8),))
    moved = {date(2026, 12, 10): datetime(2026, 12, 12, 19, 30)}
    cancelled = {date(2026, 12, 15): "场地检修"}
    start = datetime(2026, 12, 1, 19)
    occs = expand("dance", rec, start, datetime(2026, 12, 1, 20, 30) - start, TZ, moved, cancelled, "scheduled", "")
    assert dates(occs) == ["2026-12-01", "2026-12-03", "2026-12-12", "2026-12-15", "2026-12-17"]
    by_key = {o.key: o for o in occs}
    assert by_key["2026-12-10"].start == datetime(2026, 12, 12, 19, 30, tzinfo=TZ)  # keyed by original date
    assert by_key["2026-12-10"].moved_from == date(2026, 12, 10)
    assert by_key["2026-12-15"].status == "cancelled" and by_key["2026-12-15"].note == "场地检修"
    assert {o.status for k, o in by_key.items() if k != "2026-12-15"} == {"scheduled"}
