"""Dates and times as editors type them (generator/dates.py)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from generator.dates import DateProblem, parse_date, parse_datetime, parse_time, parse_weekday


@pytest.mark.parametrize(
    "typed",
    ["2013-10-09", "2013-10-9", "2013/10/09", "2013.10.9", "2013年10月9日", "2013年10月9号", "2013 年 10 月 9 日",
     "２０１３-１０-０９", "２０１３年１０月９日", "２０１３／１０／０９", " 2013-10-09 "],
)
def test_date_forms_editors_type(typed: str) -> None:
    assert parse_date(typed) == date(2013, 10, 9)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2013-02-29", "“2013-02-29”不是真实存在的日期"),
        ("2024-13-01", "“2024-13-01”不是真实存在的日期"),
        ("10/09/2013", "“10/09/2013”的年月日顺序不明确"),
        ("09-10-2013", "“09-10-2013”的年月日顺序不明确"),
        ("9.10.13", "“9.10.13”的年月日顺序不明确"),
        ("十月九日", "“十月九日”不是可识别的日期"),
        ("2013-10-09 上午", "“2013-10-09 上午”不是日期（多出了“上午”）"),
        ("", "“”不是可识别的日期"),
    ],
)
def test_impossible_and_ambiguous_dates(typed: str, message: str) -> None:
    with pytest.raises(DateProblem) as exc:
        parse_date(typed)
    assert str(exc.value) == message


def test_leap_day() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("9:00", time(9, 0)), ("09:30", time(9, 30)), ("９：３０", time(9, 30)), ("9时30分", time(9, 30)), ("9时", time(9, 0)),
     ("9点半", time(9, 30)), ("下午2:30", time(14, 30)), ("晚上7点", time(19, 0)), ("上午10时", time(10, 0)), ("23:59", time(23, 59))],
)
def test_times(typed: str, expected: time) -> None:
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["24:00", "9:60", "九点", "9", "9:5"])
def test_bad_times(typed: str) -> None:
    with pytest.raises(DateProblem):
        parse_time(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2026-12-05 09:00", datetime(2026, 12, 5, 9, 0)), ("2026-12-05T09:00", datetime(2026, 12, 5, 9, 0)),
     ("2026年12月5日 9:30", datetime(2026, 12, 5, 9, 30)), ("2026年12月5日9时30分", datetime(2026, 12, 5, 9, 30)),
     ("２０２６－１２－０５　１９：００", datetime(2026, 12, 5, 19, 0))],
)
def test_datetimes(typed: str, expected: datetime) -> None:
    assert parse_datetime(typed) == expected


def test_datetime_without_time() -> None:
    with pytest.raises(DateProblem) as exc:
        parse_datetime("2026-12-05")
    assert str(exc.value) == "“2026-12-05”缺少时间"


@pytest.mark.parametrize(("typed", "expected"), [("mon", 0), ("Tue", 1), ("周三", 2), ("星期四", 3), ("周日", 6), ("周天", 6), ("星期天", 6)])
def test_weekdays(typed: str, expected: int) -> None:
    assert parse_weekday(typed) == expected


def test_unknown_weekday() -> None:
    with pytest.raises(DateProblem) as exc:
        parse_weekday("礼拜一")
    assert str(exc.value) == "“礼拜一”不是星期几（可写 mon…sun 或 周一…周日）"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("中午12点", time(12, 0)), ("中午12点半", time(12, 30)), ("中午1点", time(13, 0)), ("中午11:30", time(11, 30)),
     ("晚上11点", time(23, 0)), ("晚上5点", time(17, 0)), ("下午1点", time(13, 0)), ("下午2点半", time(14, 30))],
)
def test_noon_and_evening(typed: str, expected: time) -> None:
    # 中午1点 was read as 1:00 in the night.
    assert parse_time(typed) == expected


MIDNIGHT = "是半夜 12 点，已经是第二天了：请写第二天的日期和 00:00（如 2026-12-06 00:00），当天结束的活动也可以写 23:59"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # 晚上12点 was read as noon: "start: 晚上11点, end: 晚上12点" ended before it started.
        ("晚上12点", f"“晚上12点”{MIDNIGHT}"),
        ("晚上12:30", f"“晚上12:30”{MIDNIGHT}"),
        ("24:00", f"“24:00”{MIDNIGHT}"),
        ("上午12点", "“上午12点”是中午还是半夜不明确：中午请写 12:00，半夜请写第二天的 00:00"),
        ("早上12:00", "“早上12:00”是中午还是半夜不明确：中午请写 12:00，半夜请写第二天的 00:00"),
        ("下午12点", "“下午12点”不明确：中午请写 12:00（或“中午12点”），半夜请写第二天的 00:00"),
        ("下午0:30", "“下午0:30”不明确：中午请写 12:00（或“中午12点”），半夜请写第二天的 00:00"),
        ("晚上1点", "“晚上1点”是下午还是后半夜不明确：请写 24 小时制，如 13:00，或第二天的 01:00"),
        ("中午8点", "“中午8点”不是中午的时间：请写 24 小时制，如 13:00"),
        ("24:30", "“24:30”不是真实存在的时间"),
    ],
)
def test_times_refused_with_the_fix(typed: str, message: str) -> None:
    with pytest.raises(DateProblem) as exc:
        parse_time(typed)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("2026-12-05 晚上12点", datetime(2026, 12, 6, 0, 0)), ("2026-12-31 晚上12点半", datetime(2027, 1, 1, 0, 30)),
     ("2026-12-05 24:00", datetime(2026, 12, 6, 0, 0)), ("2026-12-05 晚上11点", datetime(2026, 12, 5, 23, 0)),
     ("2026-12-05 中午12点", datetime(2026, 12, 5, 12, 0))],
)
def test_midnight_with_a_date_is_the_next_day(typed: str, expected: datetime) -> None:
    assert parse_datetime(typed) == expected


@pytest.mark.parametrize("typed", ["11月31日", "12月5日", "12-05", "12月5日 19:00"])
def test_a_date_without_its_year_says_so(typed: str) -> None:
    # It was "不是可识别的日期", which did not say what was missing.
    with pytest.raises(DateProblem) as exc:
        parse_datetime(typed) if ":" in typed else parse_date(typed)
    assert str(exc.value).startswith(f"“{typed}”缺少年份：请在前面加上年份"), str(exc.value)


@pytest.mark.parametrize(
    ("typed", "message", "fix"),
    [
        # A span copied from a poster.
        ("19:00-20:30", "“19:00-20:30”是一段时间，这里只写一个时刻", "开始时刻写在 start（19:00），结束时刻写在 end（end: 20:30）"),
        ("9点至11点", "“9点至11点”是一段时间，这里只写一个时刻", "开始时刻写在 start（9点），结束时刻写在 end（end: 11点）"),
        ("19:00 ～ 20:30", "“19:00 ～ 20:30”是一段时间，这里只写一个时刻", "开始时刻写在 start（19:00），结束时刻写在 end（end: 20:30）"),
        # The English clock, and a calendar export's zone.
        ("7:00pm", "“7:00pm”不是可识别的时间", "请写 24 小时制，如 19:00，或写“晚上7点”"),
        ("7 PM", "“7 PM”不是可识别的时间", "请写 24 小时制，如 19:00，或写“晚上7点”"),
        ("19:00:00+08:00", "“19:00:00+08:00”带了时区", "请只写时刻，如 19:00：时间一律按网站所在地的时间"),
        ("11:30Z", "“11:30Z”带了时区", "请只写时刻，如 11:30：时间一律按网站所在地的时间"),
        # Seconds other than :00 are not shown anywhere: refused, as before.
        ("19:00:30", "“19:00:30”不是可识别的时间", None),
        ("傍晚", "“傍晚”不是可识别的时间", None),
    ],
)
def test_what_is_not_a_time_gets_its_own_fix(typed: str, message: str, fix: str | None) -> None:
    with pytest.raises(DateProblem) as exc:
        parse_time(typed)
    assert (str(exc.value), exc.value.fix) == (message, fix)


def test_iso_seconds_are_read() -> None:
    # A spreadsheet or calendar export writes 19:00:00.
    assert parse_time("19:00:00") == time(19, 0)
    assert parse_datetime("2026-12-05T19:00:00") == datetime(2026, 12, 5, 19, 0)
