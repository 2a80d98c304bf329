"""Plain-text digests per building, for the building's WeChat group or an SMS.

    digests/<building>.txt      written into the site for every building
    python build.py digest --building ID [--days N] [--from D] [--today D]

A digest is what a building steward pastes into the group: no Markdown, no
HTML, one short line per occurrence (date with weekday, time, title, place),
cancelled and postponed ones marked the way the notices mark them, and the
building page's link last, so a resident can tap through. The window starts
at ``--from`` (default: today in the site's zone) and lasts ``--days`` days
(default: the site's notice window, ``notices.days``), the same window as the
door notice. What is on comes from :func:`generator.queries.for_building`,
the question the building page, the notice and the calendar feed also ask.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from . import queries as q
from .cli import EXTRA_COMMANDS, _common, _today_arg, load_for_command
from .model import Site
from .outputs import Output
from .strings import hm, strings, zh_date, zh_date_short, zh_weekday


def path(building_id: str) -> str:
    return f"digests/{building_id}.txt"


# The files start with a UTF-8 byte-order mark. A server that sends .txt as
# text/plain without a charset (python -m http.server, many object stores)
# left browsers to guess, and Chromium guessed windows-1252: "ã€æ¡‚å›­…" (the
# residents' tester). The mark decides for every browser; it is not part of
# the text a steward selects and copies. The `digest` command prints none.
FILE_MARK = "\ufeff"


def write(out: Output) -> None:
    """Write one digest per building for the default window from today.

    With the build cache (``out.cache``), a digest whose key is in it is
    linked back: the key covers the code, the model but its activities
    (places, venues, the site's settings, today), the window and the
    occurrences the building is invited to in it (notices.shown_digests).
    Writing 2,000 files was ~4 of this writer's ~6 s at bench scale L."""
    site = out.site
    who = "楼栋文字摘要"
    cache = out.cache
    if cache is None:
        for bid in site.buildings:
            out.write(path(bid), FILE_MARK + digest(site, bid), who)
        return
    from .incremental import digest as key_of
    from .incremental import shared_digest
    from .notices import shown_digests

    first, last = q.window(site.today, site.info.notice_days)
    base = key_of("digest file", cache.code, shared_digest(site), first, last)
    shown = shown_digests(site, first, last)
    for bid in site.buildings:
        key = key_of(base, bid, shown(bid))
        if cache.fetch(key, out.out_dir / path(bid)):
            out.claim(path(bid), who)
            continue
        cache.keep(key, out.write(path(bid), FILE_MARK + digest(site, bid), who))


def digest(site: Site, building_id: str, first: date | None = None, days: int | None = None) -> str:
    """The digest text of a building, ending with a newline."""
    t = strings(site.info.language)
    first, last = q.window(first or site.today, days or site.info.notice_days)
    lines = [t.digest_title.format(building=site.building_label(building_id), first=_day(first, last), last=_day(last, first))]
    items = q.for_building(site, building_id, first, last)
    for item in items:
        lines.extend(item_lines(site, item))
    if not items:
        lines.append(t.digest_empty)
    lines.append(t.digest_link.format(url=site.absolute(site.buildings[building_id].url)))
    return "\n".join(lines) + "\n"


def item_lines(site: Site, item: q.Item) -> list[str]:
    """One short line per occurrence, e.g. ``12月4日 周五 08:30 【已取消】冬季健步走 @活动站``.

    A cancellation or postponement note (often a whole sentence: why, and the
    new date) goes on its own indented line below, so the line a resident
    scans stays short on a phone screen; a moved occurrence says where from.
    """
    t = strings(site.info.language)
    o, a = item.occurrence, item.activity
    label = t.get(f"status_{o.status}", "")
    title = f"【{label}】{a.title}" if label else a.title
    moved = f"（{t.moved_from.format(date=zh_date_short(o.moved_from))}）" if o.moved_from is not None else ""
    lines = [f"{zh_date_short(o.start)} {zh_weekday(o.start)} {hm(o.start)} {title} @{site.venues[a.venue].name}{moved}"]
    if o.status != "scheduled" and o.note:
        lines.append(f"　　{o.note}")
    return lines


def _day(d: date, other: date) -> str:
    # The year only when the window crosses into another year.
    return zh_date(d) if d.year != other.year else zh_date_short(d)


# --- the command -----------------------------------------------------------


def _setup(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--building", required=True, metavar="ID", help="楼栋 id，如 gy-01")
    p.add_argument("--days", type=_positive, default=None, help="天数（默认取 site.yml 的 notices.days）")
    p.add_argument("--from", dest="first", type=_today_arg, default=None, help="从这一天开始（默认今天）")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}”不是正整数，请写天数，如 14")
    return value


def _run(args: argparse.Namespace) -> int:
    loaded = load_for_command(args, show_warnings=False, articles=False)  # stdout is the digest; keep stderr quiet too
    if loaded is None:
        return 1
    site, _warnings = loaded
    if args.building not in site.buildings:
        known = "、".join(list(site.buildings)[:10])
        print(f"错误：没有 id 为“{args.building}”的楼栋 — 请用 places.yml 中的楼栋 id（例如 {known}）", file=sys.stderr)
        return 2
    first = date.fromisoformat(args.first) if args.first else None
    sys.stdout.write(digest(site, args.building, first, args.days))
    return 0


EXTRA_COMMANDS["digest"] = ("打印某栋楼近期活动的文字摘要（可粘贴到微信群或短信）", _setup, _run)
