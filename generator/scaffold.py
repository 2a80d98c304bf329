"""``python build.py new bulletin|activity|lecture``: start a new entry right.

A new bulletin gets the next free issue number, today's date (in the site's
zone) and every front-matter field; a new activity or lecture is appended to
its YAML file with every field. What only the editor knows (the title, the
time, the audience) is left for them; ``check`` then names exactly what is
still missing. Nothing already in a file is ever rewritten: entries are
appended as text, and the result is parsed again before it is saved.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

from . import cli
from .dates import normalise
from .errors import ContentError
from .load import YList, YMap, YStr, load_article, parse_yaml
from .pipeline import Project, site_today
from .textio import read_text
from .validate import ID_FIX, ID_RE, bulletin_stem

KINDS = ("bulletin", "activity", "lecture")


def setup(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=KINDS, help="bulletin 简报 | activity 活动 | lecture 讲座")
    p.add_argument("-f", "--config-file", default="mkdocs.yml", help="MkDocs 配置文件（默认 mkdocs.yml）")
    p.add_argument("--today", type=cli._today_arg, help="把这一天当作“今天”（YYYY-MM-DD）")
    p.add_argument("--id", dest="ident", help="新条目的 id（简报为文件名）；默认按日期生成")
    p.add_argument("--title", default="", help="标题（也可以稍后在文件里填写）")


def run(args: argparse.Namespace) -> int:
    project = cli.project_of(args.config_file)
    today = date.fromisoformat(args.today) if args.today else site_today(_timezone(project))
    if args.ident is not None and not ID_RE.match(args.ident):
        print(f"错误：“{args.ident}”不能用作 id — {ID_FIX}", file=sys.stderr)
        return 2
    try:
        if args.kind == "bulletin":
            path, line, todo = new_bulletin(project, today, args.ident, args.title)
        else:
            path, line, todo = new_activity(project, today, args.ident, args.title, lecture=args.kind == "lecture")
    except ContentError as exc:
        print(f"{exc}", file=sys.stderr)
        return 1
    except FileExistsError as exc:
        print(f"错误：{exc} 已存在 — 请用 --id 另取一个名字", file=sys.stderr)
        return 1
    shown = project.shown(path)
    print(f"已创建：{shown}:{line}", file=sys.stderr)
    print(f"请填写：{todo}", file=sys.stderr)
    print("填好后运行 python build.py check 检查，或 python build.py serve 预览。", file=sys.stderr)
    return 0


def _timezone(project: Project) -> str:
    """The site's zone from site.yml, read leniently (the file may have errors)."""
    path = project.data_dir / "site.yml"
    try:
        doc = parse_yaml(read_text(path, project.shown(path)), project.shown(path))
    except (ContentError, OSError):
        return "Asia/Shanghai"
    site = doc.get("site") if isinstance(doc, YMap) else None
    tz = site.get("timezone") if isinstance(site, YMap) else None
    return str(tz) if isinstance(tz, YStr) and str(tz).strip() else "Asia/Shanghai"


def _yaml_text(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: any title is safe.
    return json.dumps(text, ensure_ascii=False) if text else ""


# ---------------------------------------------------------------------------
# bulletins


def next_issue(project: Project) -> int:
    """One more than the highest issue number of any bulletin, drafts included
    (drafts hold their number). Unreadable files are skipped: check reports them."""
    highest = 0
    for path in sorted((project.content_dir / "bulletins").rglob("*.md")):
        try:
            meta = load_article(path, project.shown(path), path.name).meta
        except ContentError:
            continue
        value = meta.get("issue")
        if isinstance(value, YStr):
            try:
                highest = max(highest, int(normalise(value)))
            except ValueError:
                continue
    return highest + 1


def _columns(project: Project) -> list[str]:
    path = project.data_dir / "site.yml"
    try:
        doc = parse_yaml(read_text(path, project.shown(path)), project.shown(path))
    except (ContentError, OSError):
        return []
    cols = doc.get("columns") if isinstance(doc, YMap) else None
    if not isinstance(cols, YList):
        return []
    return [str(c["id"]) for c in cols if isinstance(c, YMap) and isinstance(c.get("id"), YStr)]


def new_bulletin(project: Project, today: date, ident: str | None, title: str) -> tuple[Path, int, str]:
    issue = next_issue(project)
    stem = ident or bulletin_stem(today, issue)
    path = project.content_dir / "bulletins" / f"{stem}.md"
    if path.exists():
        raise FileExistsError(project.shown(path))
    columns = _columns(project)
    column_hint = f"可选：{'、'.join(columns)}" if columns else "site.yml 的 columns 中的 id"
    text = (
        "---\n"
        f"title: {_yaml_text(title)}\n"
        f"issue: {issue}\n"
        f"date: {today.isoformat()}\n"
        f"column: {columns[0] if columns else ''}    # 栏目，{column_hint}\n"
        "office:            # 发文单位，如 桂园社区居委会\n"
        "editor_note: |     # 编者按（可不写）\n"
        "  \n"
        "summary:           # 一句话摘要，用于列表和订阅\n"
        "draft: true        # 写完后改为 false 才会发布\n"
        "---\n"
        "\n"
        "一、\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_new(path, text)
    todo = ("title（标题）、" if not title else "") + "column、office、summary 和正文；写完后把 draft 改为 false"
    return path, 2, todo


# ---------------------------------------------------------------------------
# activities and lectures


def _existing_ids(doc: object, key: str) -> list[str]:
    items = doc.get(key) if isinstance(doc, YMap) else None
    if not isinstance(items, YList):
        return []
    return [str(m["id"]) for m in items if isinstance(m, YMap) and isinstance(m.get("id"), YStr)]


def _first_id(project: Project, name: str, key: str) -> str:
    path = project.data_dir / name
    try:
        ids = _existing_ids(parse_yaml(read_text(path, project.shown(path)), project.shown(path)), key)
    except (ContentError, OSError):
        return ""
    return ids[0] if ids else ""


def _entry(ident: str, title: str, today: date, lecture: bool, venue: str, series: str) -> list[str]:
    lines = [
        f"- id: {ident}",
        f"  title: {_yaml_text(title)}",
        f"  kind: {'讲座' if lecture else ''}          # 讲座 义诊 培训 演练 健身 展览 宣传 志愿服务 文艺 其他 防灾减灾",
    ]
    if lecture:
        lines += [
            f"  series: {series}",
            "  speaker:            # 主讲人姓名",
            "  affiliation:        # 主讲人单位和职称",
            "  topic:              # 讲题（不写则同标题）",
        ]
    lines += [
        f"  start: {today.isoformat()} 09:00   # 开始日期和时间",
        "  end: \"10:00\"                     # 结束时间",
        f"  venue: {venue}",
        "  team:               # 组织队伍 id（可不写）",
        "  audience: all       # 面向的居民：all，或 {estates: [...]}、{buildings: [...]} 等",
        "  description: |",
        "    ",
        "  registration:       # 报名方式，如 无需报名，直接到场",
        "  contact: {role: 活动站值班员, phone: \"\"}",
        "  status: scheduled   # scheduled 正常 | cancelled 取消 | postponed 延期",
    ]
    return lines


def new_activity(project: Project, today: date, ident: str | None, title: str, lecture: bool) -> tuple[Path, int, str]:
    name, key = ("lectures.yml", "lectures") if lecture else ("activities.yml", "activities")
    path = project.data_dir / name
    shown = project.shown(path)
    text = read_text(path, shown) if path.exists() else ""
    doc = parse_yaml(text, shown) if text.strip() else None
    taken = set(_existing_ids(doc, key))
    base = ident or f"{today.isoformat()}-{'jiangzuo' if lecture else 'huodong'}"
    new_id, n = base, 2
    while new_id in taken:
        if ident:
            raise FileExistsError(f"id“{ident}”")
        new_id, n = f"{base}-{n}", n + 1
    venue = _first_id(project, "venues.yml", "venues")
    series = _first_id(project, "lectures.yml", "series") if lecture else ""
    entry = _entry(new_id, title, today, lecture, venue, series)
    new_text, line = _insert_entry(text, key, entry)
    # Parse the result before saving: never leave the editor's file broken.
    check = parse_yaml(new_text, shown)
    if new_id not in _existing_ids(check, key):
        raise ContentError(
            doc.loc if doc is not None and hasattr(doc, "loc") else parse_yaml("", shown).loc,
            f"无法自动在 {key} 列表末尾追加新条目（文件的写法与预期不同）",
            "请手工把下面的条目复制进去：\n" + "\n".join(entry),
        )
    _save_as_it_was(path, new_text)
    todo = ("title（标题）、" if not title else "") + ("speaker、affiliation、" if lecture else "kind、") + "start、end、venue、audience、description"
    return path, line, todo


def _insert_entry(text: str, key: str, entry: list[str]) -> tuple[str, int]:
    """Insert ``entry`` at the end of the top-level ``key:`` block list, as
    text, keeping every existing line and comment. Returns text and the line
    of the new ``- id:``."""
    lines = text.split("\n") if text else []
    while lines and not lines[-1].strip():
        lines.pop()
    head = next((i for i, ln in enumerate(lines) if re.match(rf"^{key}\s*:\s*(#.*)?$", ln)), None)
    if head is None:
        lines += ["", f"{key}:"] if lines else [f"{key}:"]
        head, indent = len(lines) - 1, "  "
    else:
        item = next((ln for ln in lines[head + 1 :] if ln.lstrip().startswith("- ")), "  - ")
        indent = item[: len(item) - len(item.lstrip())]
    end = len(lines)
    for i in range(head + 1, len(lines)):
        # The block ends at the next top-level key.
        if re.match(r"^[^\s#-][^:]*:", lines[i]):
            end = i
            break
    while end > head + 1 and not lines[end - 1].strip():
        end -= 1
    block = [indent + ln for ln in entry]
    new = lines[:end] + block + lines[end:]
    return "\n".join(new) + "\n", end + 1


def _save_as_it_was(path: Path, text: str) -> None:
    """Write ``text`` (LF line ends, as read_text gives it) over ``path``
    with the file's own BOM and line ends, through a temporary file renamed
    into place: a file saved by Windows Notepad (BOM, CRLF) came back LF
    without its BOM, and an interrupted write would have cut the editor's
    file short."""
    raw = path.read_bytes() if path.exists() else b""
    data = text.replace("\n", "\r\n") if b"\r\n" in raw else text
    encoded = (codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b"") + data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(encoded)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_new(path: Path, text: str) -> None:
    with open(path, "x", encoding="utf-8") as fh:  # "x": never overwrite
        fh.write(text)


cli.EXTRA_COMMANDS["new"] = ("新建简报、活动或讲座（bulletin|activity|lecture）", setup, run)
