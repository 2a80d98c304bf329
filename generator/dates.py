"""Dates and times as editors type them.

Accepted: ISO (``2026-12-05``), slashes and dots with the year first
(``2026/12/5``, ``2026.12.5``), Chinese (``2026年12月5日``), full-width digits
and punctuation (``２０２６－１２－０５``), and times as ``9:00``, ``09:00``,
``9时30分``, ``9点半``. Day-first or month-first forms (``12/05/2026``) are
ambiguous between conventions and refused rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９：－／．　",
    "0123456789:-/. ",
)


class DateProblem(ValueError):
    """A date that cannot be read; the message is for the editor."""


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


def _parse_date_prefix(value: str) -> tuple[date, str]:
    if _AMBIGUOUS_RE.match(value):
        raise DateProblem(f"“{value}”的年月日顺序不明确")
    m = _DATE_RE.match(value)
    if not m:
        raise DateProblem(f"“{value}”不是可识别的日期")
    year = int(m["y"])
    if not 1900 <= year <= 2099:
        # A typo (2206 for 2026): such a date also broke writing
        # sitemap.xml.gz, whose gzip header holds the newest date in 32 bits.
        raise DateProblem(f"“{value}”的年份 {year} 不合理，请检查是否输错")
    month = int(m["m"] or m["m2"])
    day = int(m["d"] or m["d2"])
    try:
        result = date(year, month, day)
    except ValueError:
        raise DateProblem(f"“{value}”不是真实存在的日期") from None
    return result, value[m.end() :]


def parse_time(text: str) -> time:
    value = normalise(text)
    m = _TIME_RE.match(value)
    if not m:
        raise DateProblem(f"“{text}”不是可识别的时间")
    hour = int(m["h"])
    minute = 30 if m["half"] else int(m["m"] or m["m2"] or 0)
    if m["ampm"] in ("下午", "晚上") and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        raise DateProblem(f"“{text}”不是真实存在的时间")
    return time(hour, minute)


def parse_datetime(text: str) -> datetime:
    """Parse a date followed by a time (naive: wall clock in the site's zone)."""
    value = normalise(text)
    day, rest = _parse_date_prefix(value)
    rest = rest.strip().lstrip("T").strip()
    if not rest:
        raise DateProblem(f"“{text}”缺少时间")
    return datetime.combine(day, parse_time(rest))


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
