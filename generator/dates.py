"""Dates and times as editors type them.

Accepted: ISO (``2026-12-05``), slashes and dots with the year first
(``2026/12/5``, ``2026.12.5``), Chinese (``2026年12月5日``), full-width digits
and punctuation (``２０２６－１２－０５``), and times as ``9:00``, ``09:00``,
``9时30分``, ``9点半``. Day-first or month-first forms (``12/05/2026``) are
ambiguous between conventions and refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９：－／．　",
    "0123456789:-/. ",
)


class DateProblem(ValueError):
    """A date that cannot be read; the message is for the editor, and so is
    ``fix`` when the problem has its own (else the caller's usual one)."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


def normalise(text: str) -> str:
    return text.translate(_FULLWIDTH).strip()


_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*(?:[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})"
    r"|年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*[日号]?)"
)
_AMBIGUOUS_RE = re.compile(r"^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_TIME_RE = re.compile(
    r"^(?:(?P<ampm>上午|下午|晚上|早上|中午))?\s*(?P<h>\d{1,2})\s*(?:[:：]\s*(?P<m>\d{2})|[时点]\s*(?:(?P<m2>\d{1,2})\s*分?|(?P<half>半))?)$"
)


def parse_date(text: str) -> date:
    """Parse a whole date; raise DateProblem with an editor-facing message."""
    value = normalise(text)
    result, rest = _parse_date_prefix(value)
    if rest.strip():
        raise DateProblem(f"“{text}”不是日期（多出了“{rest.strip()}”）")
    return result


# "11月31日" or "12-05": a month and a day, the year left out.
_NO_YEAR_RE = re.compile(r"^\d{1,2}\s*(?:月\s*\d{1,2}\s*日?|[-/.]\d{1,2})(?:$|\s)")


_MISORDERED_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:$|\s)")


def _misordered(value: str) -> DateProblem:
    """A date written day and month first ("12/05/2026", "11/29/2026"):
    refused, as 12/05 is 12 May to some and 5 December to others, with the
    fix in the editor's own numbers: the one reading if a number over 12
    leaves only one, both readings if not."""
    m = _MISORDERED_RE.match(value)
    if m is None:
        return DateProblem(f"“{value}”的年月日顺序不明确")
    a, b, year = int(m[1]), int(m[2]), int(m[3])
    at = value[m.end():].strip()  # a start's time, kept in the fix
    at = f" {at}" if at else ""
    readings = []
    for month, day in ((a, b), (b, a)):
        try:
            readings.append(date(year, month, day))
        except ValueError:
            continue
    readings = sorted(set(readings))
    if len(readings) == 1:
        only = readings[0]
        return DateProblem(f"“{value}”的年月日顺序不对（年份要写在前面）",
                           f"请写成 {only.isoformat()}{at} 或 {only.year}年{only.month}月{only.day}日{at}")
    if len(readings) == 2:
        first, second = readings
        return DateProblem(f"“{value}”的年月日顺序不明确",
                           f"是 {first.month}月{first.day}日 还是 {second.month}月{second.day}日？请写成年份在前的 {first.isoformat()}{at} 或 {second.isoformat()}{at}")
    return DateProblem(f"“{value}”的年月日顺序不明确")


def _parse_date_prefix(value: str) -> tuple[date, str]:
    if _AMBIGUOUS_RE.match(value):
        raise _misordered(value)
    m = _DATE_RE.match(value)
    if not m:
        if _NO_YEAR_RE.match(value):
            raise DateProblem(f"“{value}”缺少年份：请在前面加上年份，写成完整的日期，如 2026年12月5日 或 2026-12-05")
        raise DateProblem(f"“{value}”不是可识别的日期")
    year = int(m["y"])
    if not 1900 <= year <= 2099:
        # A typo (2206 for 2026).
        raise DateProblem(f"“{value}”的年份 {year} 不合理，请检查是否输错")
    month = int(m["m"] or m["m2"])
    day = int(m["d"] or m["d2"])
    try:
        result = date(year, month, day)
    except ValueError:
        raise DateProblem(f"“{value}”不是真实存在的日期") from None
    return result, value[m.end() :]


def parse_time(text: str) -> time:
    """A time of day; raise DateProblem with an editor-facing message.

    Midnight at the end of a day (晚上12点, 24:00) belongs to the next day:
    a time alone cannot say so, so it is refused with the fix; with a date
    (parse_datetime) it is read as the next day's 00:00."""
    next_day, result = parse_clock(text)
    if next_day:
        raise DateProblem(
            f"“{text}”是半夜 12 点，已经是第二天了：请写第二天的日期和 00:00（如 2026-12-06 00:00），"
            "当天结束的活动也可以写 23:59"
        )
    return result


# What editors write in a time field besides a time, each refused with its
# own fix: a span copied from a poster ("19:00-20:30", "9点至11点"), the
# English clock ("7:00pm"), and a time zone from a calendar export.
_SPAN_RE = re.compile(r"^(?P<a>[^-~～至到—–]+?)\s*(?:-|~|～|至|到|—|–)+\s*(?P<b>.+)$")
_ENGLISH_CLOCK_RE = re.compile(r"^\d{1,2}(?::\d{2})?\s*[ap]\.?m\.?$", re.I)
_ZONE_RE = re.compile(r"^(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT|CST)$", re.I)
# ISO seconds (19:00:00, as a spreadsheet or calendar writes): the notices
# and the site show minutes, so only :00 is read.
_SECONDS_RE = re.compile(r"^(?P<clock>\d{1,2}:\d{2}):(?P<s>\d{2})$")


def parse_clock(text: str) -> tuple[bool, time]:
    """(whether the time is past the end of the day, the time on the clock)."""
    value = normalise(text)
    if (sec := _SECONDS_RE.match(value)) and sec["s"] == "00":
        value = sec["clock"]
    m = _TIME_RE.match(value)
    if not m:
        raise DateProblem(*_not_a_time(text, value))
    hour = int(m["h"])
    minute = 30 if m["half"] else int(m["m"] or m["m2"] or 0)
    if minute > 59:
        raise DateProblem(f"“{text}”不是真实存在的时间")
    ampm = m["ampm"]
    if ampm in ("上午", "早上") and hour == 12:
        # 12 a.m. is midnight to some, 上午 ends at noon to others.
        raise DateProblem(f"“{text}”是中午还是半夜不明确：中午请写 12:00，半夜请写第二天的 00:00")
    if ampm == "中午":
        if hour in (1, 2, 3):  # 中午1点 is 13:00
            hour += 12
        elif hour not in (11, 12):
            raise DateProblem(f"“{text}”不是中午的时间：请写 24 小时制，如 13:00")
    elif ampm == "下午" and hour in (0, 12):
        # 下午 starts after noon: 下午12点 reads as noon to some and as the
        # end of the afternoon to others.
        raise DateProblem(f"“{text}”不明确：中午请写 12:00（或“中午12点”），半夜请写第二天的 00:00")
    elif ampm == "下午" and hour < 12:
        hour += 12
    elif ampm == "晚上":
        if hour in (0, 12):
            return True, time(0, minute)
        if hour < 5:
            # 晚上1点 was read as 13:00; an editor means the small hours.
            raise DateProblem(f"“{text}”是下午还是后半夜不明确：请写 24 小时制，如 13:00，或第二天的 01:00")
        if hour < 12:
            hour += 12
    if hour == 24 and minute == 0 and not ampm:
        return True, time(0, 0)
    if hour > 23:
        raise DateProblem(f"“{text}”不是真实存在的时间")
    return False, time(hour, minute)


def _not_a_time(text: str, value: str) -> tuple[str, str | None]:
    """The message and, when it has its own, the fix for a time not read."""
    span = _SPAN_RE.match(value)
    if span and _TIME_RE.match(span["a"].strip()) and _TIME_RE.match(span["b"].strip()):
        return (f"“{text}”是一段时间，这里只写一个时刻",
                f"开始时刻写在 start（{span['a'].strip()}），结束时刻写在 end（end: {span['b'].strip()}）")
    if _ENGLISH_CLOCK_RE.match(value):
        return f"“{text}”不是可识别的时间", "请写 24 小时制，如 19:00，或写“晚上7点”"
    if zone := _ZONE_RE.match(value):
        return f"“{text}”带了时区", f"请只写时刻，如 {zone['clock'][:5]}：时间一律按网站所在地的时间"
    return f"“{text}”不是可识别的时间", None


def parse_datetime(text: str) -> datetime:
    """Parse a date followed by a time (naive: wall clock in the site's zone).
    ``2026-12-05 晚上12点`` and ``2026-12-05 24:00`` are 2026-12-06 00:00."""
    value = normalise(text)
    day, rest = _parse_date_prefix(value)
    rest = rest.strip().lstrip("T").strip()
    if not rest:
        raise DateProblem(f"“{text}”缺少时间")
    next_day, clock = parse_clock(rest)
    return datetime.combine(day + timedelta(days=next_day), clock)


WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_WEEKDAY_NAMES = {
    **{n: i for i, n in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{n: i for i, n in enumerate(WEEKDAYS_ZH)},
    **{n: i for i, n in enumerate(("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"))},
    "周天": 6,
    "星期天": 6,
}


def parse_weekday(text: str) -> int:
    key = normalise(text).lower()
    if key not in _WEEKDAY_NAMES:
        raise DateProblem(f"“{text}”不是星期几（可写 mon…sun 或 周一…周日）")
    return _WEEKDAY_NAMES[key]
