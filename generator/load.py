"""Stage 1, load: text files → located records.

YAML is composed into nodes (never constructed by PyYAML), then turned into
:class:`YMap` / :class:`YList` / :class:`YStr` values that remember the file,
line and column of every value. All scalars stay text; the validate stage
converts them by field. That keeps YAML 1.1's surprises out (``no`` → False,
``09:00`` → 540, ``010`` → 8) and lets every error point at its line.

Markdown articles are split into front matter (loaded the same way, with line
numbers offset to the file) and body.
"""

from __future__ import annotations

import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ContentError, Location
from .textio import read_bytes, read_text

# An alias can make a small file expand exponentially ("billion laughs").
# No hand-written data file comes near this many values.
MAX_NODES = 200_000
# Values reached again through * aliases: a bomb multiplies these, real files
# reuse an anchor a few times at most. Refused in milliseconds, not seconds.
MAX_ALIAS_VALUES = 10_000
# Nor this deep: places → community → estate → courtyard → building → entrance is ~12.
MAX_DEPTH = 50


class YStr(str):
    """A scalar as the editor wrote it, with its location."""

    loc: Location
    quoted: bool
    # A literal block's (description: |) indentation in the file: a column
    # inside its text is this much further right there.
    indent: int = 0

    def __new__(cls, value: str, loc: Location, quoted: bool = False, indent: int = 0) -> YStr:
        obj = super().__new__(cls, value)
        obj.loc = loc
        obj.quoted = quoted
        if indent:
            obj.indent = indent
        return obj


class YMap(dict[str, "YValue"]):
    """A mapping with the location of itself and of each key."""

    loc: Location
    key_locs: dict[str, Location]

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc
        self.key_locs = {}

    def loc_of(self, key: str) -> Location:
        """Where the value of ``key`` is, or the mapping itself when absent."""
        value = self.get(key)
        if value is not None and hasattr(value, "loc"):
            return value.loc  # type: ignore[no-any-return]
        return self.key_locs.get(key, self.loc)


class YList(list["YValue"]):
    loc: Location

    def __init__(self, loc: Location) -> None:
        super().__init__()
        self.loc = loc


class YNull:
    """An empty value (``key:`` with nothing after it, or ``null``)."""

    def __init__(self, loc: Location) -> None:
        self.loc = loc

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "YNull()"


YValue = YStr | YMap | YList | YNull

_NULLS = {"", "~", "null", "Null", "NULL"}


def _loc(shown: str, mark: yaml.Mark, line_offset: int = 0) -> Location:
    return Location(shown, mark.line + 1 + line_offset, mark.column + 1)


class _Builder:
    def __init__(self, shown: str, line_offset: int, text: str = "") -> None:
        self.shown = shown
        self.offset = line_offset
        self.text = text
        self._lines: list[str] | None = None
        self.count = 0
        self.seen: set[int] = set()
        self.via_alias = 0

    def _block_indent(self, node: yaml.Node) -> int:
        """The indentation of a literal block's first line of text (the
        line after its "|"), or 0 where it cannot be read."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        for line in self._lines[node.start_mark.line + 1 : node.end_mark.line + 1]:
            if line.strip():
                return len(line) - len(line.lstrip(" "))
        return 0

    def build(self, node: yaml.Node, depth: int = 0) -> YValue:
        if depth > MAX_DEPTH:
            raise _too_deep(_loc(self.shown, node.start_mark, self.offset))
        self.count += 1
        if id(node) in self.seen:
            self.via_alias += 1
        else:
            self.seen.add(id(node))
        if self.via_alias > MAX_ALIAS_VALUES:
            raise ContentError(
                Location(self.shown),
                f"YAML 别名（*）展开后超过 {MAX_ALIAS_VALUES} 个值（可能是锚点/别名“炸弹”）",
                "请删去 & 锚点和 * 别名，直接写出内容",
            )
        if self.count > MAX_NODES:
            raise ContentError(
                Location(self.shown),
                f"文件中的值超过 {MAX_NODES} 个，远超手写数据的规模",
                "活动很多时请拆分到 content/data/activities/ 下的多个文件；或检查是否误粘贴了大量内容",
            )
        loc = _loc(self.shown, node.start_mark, self.offset)
        if isinstance(node, yaml.ScalarNode):
            # Plain style is None from PyYAML's Python parser, "" from libyaml.
            if not node.style and node.value in _NULLS:
                return YNull(loc)
            if node.style == "|":
                return YStr(node.value, loc, quoted=True, indent=self._block_indent(node))
            return YStr(node.value, loc, quoted=bool(node.style))
        if isinstance(node, yaml.SequenceNode):
            seq = YList(loc)
            for item in node.value:
                seq.append(self.build(item, depth + 1))
            return seq
        if isinstance(node, yaml.MappingNode):
            mapping = YMap(loc)
            for key_node, value_node in node.value:
                key_loc = _loc(self.shown, key_node.start_mark, self.offset)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise ContentError(key_loc, "不支持 YAML 合并键（<<）", "请把要合并的字段直接写出来")
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ContentError(key_loc, "字段名必须是简单文字", "请检查这一行的缩进和冒号")
                key = str(key_node.value)
                if key and key[0] in _ODD_SPACES:
                    # Parsed, as a field named " title" that validation
                    # reported as unknown, the space invisible in the message.
                    raise ContentError(key_loc, f"YAML 格式错误：{odd_space_message(key[0], key_loc.line)}", _ODD_SPACE_FIX)
                if not key.isascii():
                    odd = next((c for c in key if c in _ODD_SPACES), None)
                    if odd is not None:
                        # "date\u00a0:" parses as a field "date " that validation
                        # would call unknown, the space invisible in the message.
                        name = "".join(c for c in key if c not in _ODD_SPACES)
                        raise ContentError(
                            Location(key_loc.path, key_loc.line, key_loc.col + key.index(odd)),
                            f"YAML 格式错误：字段名“{name}”里有不可见的特殊空格（{_ODD_SPACES[odd]}）",
                            "请删去字段名里和冒号前的空白，字段名和冒号之间不留空格",
                        )
                if key in mapping.key_locs:
                    first = mapping.key_locs[key]
                    raise ContentError(
                        key_loc,
                        f"字段“{key}”重复出现（第一次在第 {first.line} 行）",
                        "同一条记录中每个字段只能写一次，请删去其中一个",
                    )
                mapping.key_locs[key] = key_loc
                mapping[key] = self.build(value_node, depth + 1)
            return mapping
        raise ContentError(loc, "无法识别的 YAML 内容", "")  # pragma: no cover


# More opening brackets (or "- " list markers) in a row than MAX_DEPTH levels.
_DEEP_RE = re.compile(rf"(?:[\[{{][ \t\n]*){{{MAX_DEPTH + 1},}}|(?:-[ \t]+){{{MAX_DEPTH + 1},}}")


def _too_deep(loc: Location) -> ContentError:
    return ContentError(
        loc,
        f"YAML 嵌套超过 {MAX_DEPTH} 层（方括号或缩进层层套叠）",
        "请检查括号是否成对、缩进是否正确",
    )


# libyaml composes ~3x faster than PyYAML's Python parser (10,000 activities:
# 38 s → 14 s in the benchmark's L corpus) and gives the same nodes and marks
# (tests/test_load.py compares both on every shipped file). Its error texts
# differ, so a file that fails is parsed again in Python for the exact,
# translated message.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> yaml.Node | None:
    if _FAST_LOADER is not None:
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass
    return yaml.compose(text, Loader=yaml.SafeLoader)


# serve: (shown path, line offset) → (text, located tree, its values, see
# _Parsed.values) of the last parse. Located trees are never modified after
# parsing, so an unchanged text's tree is reused instead of parsed again on
# every save, and a text changed inside one item of a list reuses the others
# (_reparse_item).
ParseCache = dict[tuple[str, int], "_Parsed"]


@dataclass(frozen=True)
class _Parsed:
    text: str
    value: YValue
    # Values built (_Builder.count), or -1 where an alias was followed: a
    # * alias copies its anchor's values into another item, so that tree is
    # only ever parsed whole.
    values: int


def parse_yaml(text: str, shown: str, line_offset: int = 0, cache: ParseCache | None = None) -> YValue:
    """Parse one YAML document into located values; syntax errors become
    ContentErrors at the line PyYAML names."""
    if cache is not None:
        hit = cache.get((shown, line_offset))
        if hit is not None and hit.text == text:
            return hit.value
        done = _reparse_item(hit, text, shown, line_offset) if hit is not None else None
        if done is None:
            builder = _Builder(shown, line_offset, text)
            value = _parse(text, shown, line_offset, builder)
            done = _Parsed(text, value, builder.count if not builder.via_alias else -1)
        cache[(shown, line_offset)] = done
        return done.value
    return _parse(text, shown, line_offset, _Builder(shown, line_offset, text))


def _parse(text: str, shown: str, line_offset: int, builder: _Builder) -> YValue:
    deep = _DEEP_RE.search(text)
    if deep:
        # Refuse before PyYAML spends seconds scanning thousands of levels.
        line = text.count("\n", 0, deep.start()) + 1 + line_offset
        raise _too_deep(Location(shown, line, deep.start() - (text.rfind("\n", 0, deep.start()) + 1) + 1))
    try:
        node = _compose(text)
    except RecursionError:
        # PyYAML's composer recurses per nesting level: "[[[[…" thousands deep.
        raise _too_deep(Location(shown, 1 + line_offset, 1)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or ""
        context_line = exc.context_mark.line + 1 + line_offset if exc.context_mark else 0
        if problem.startswith("found unexpected end of stream") and exc.context_mark:
            # An unclosed quote: the error is where it was opened, not at the end of the file.
            mark = exc.context_mark
        blamed = _unclosed_quote(text, exc, line_offset) or _blame_line(text, mark.line if mark else 0, line_offset)
        if blamed is not None:
            line, col, message, fix = blamed
            raise ContentError(Location(shown, line + 1 + line_offset, col + 1), f"YAML 格式错误：{message}", fix) from None
        loc = _loc(shown, mark, line_offset) if mark else Location(shown)
        if mark and problem.startswith("expected '<document start>'"):
            loc = Location(shown, _document_end_before(text, mark.line) + 1 + line_offset, 1)
        before = text.split("\n")[mark.line][: mark.column] if mark and mark.line < text.count("\n") + 1 else ""
        message, fix = _explain_yaml(problem, context_line, before)
        raise ContentError(loc, f"YAML 格式错误：{message}", fix) from None
    except yaml.YAMLError as exc:
        raise ContentError(Location(shown), f"YAML 格式错误：无法解析（{exc}）", "请检查文件格式") from None
    if node is None:
        return YNull(Location(shown, 1, 1))
    return builder.build(node)


# An item of a block list starts on a line with its "-" at the list's column.
_ITEM_START_RE = re.compile(r"-(?: |$)")


def _reparse_item(last: _Parsed, text: str, shown: str, line_offset: int) -> _Parsed | None:
    """The tree of ``text``, which differs from ``last.text`` only within the
    lines of one item of a top-level key's block list, with that item parsed
    again and every other value the last tree's own objects; None where the
    change is anything else, and the text is parsed whole.

    Why: an editor's save changes one activity of a file of hundreds, and
    parsing all of it again (the bench's activities.yml: 500 activities,
    345 KB) took ~75 ms of every YAML save of the preview at bench scale L
    (py-spy, twenty saves), the item alone well under 1 ms.

    Why it is the same tree: the item's lines are bounded by lines the
    parse of the whole text read as the start of this item and of the next
    one (or the end of the list), unchanged; inside, every line but the
    first is indented further than the list's "-", so none of them can end
    the item in either parse, and the item's first line is still a "-" at
    the list's column. Parsed alone, at its own lines and columns, it gives
    the values the whole text gives. Anything else (another line count, an
    alias, an item that does not parse alone, a change across items) is
    parsed whole, and so is every error, for its exact message.
    tests/test_load.py compares both ways on random edits."""
    if last.values < 0 or not isinstance(last.value, YMap):
        return None
    old, new = last.text.split("\n"), text.split("\n")
    if len(old) != len(new):
        return None
    first = next(i for i in range(len(old)) if old[i] != new[i])
    final = next(i for i in range(len(old) - 1, -1, -1) if old[i] != new[i])
    root = last.value
    for key, items in root.items():
        if not isinstance(items, YList) or not items:
            continue
        # 0-based lines of the text; the list's "-" column
        head, column = items.loc.line - 1 - line_offset, items.loc.col - 1
        if not (head <= first and 0 <= head < len(old)) or old[head][:column].strip(" ") or not _ITEM_START_RE.match(old[head], column):
            continue
        starts = _item_starts(old, head, column)
        # Each item of the parse starts in its own span of lines: a "-"
        # line inside a quoted text is not taken for an item.
        if len(starts) != len(items) + 1 or not all(
                starts[n] <= v.loc.line - 1 - line_offset < starts[n + 1] for n, v in enumerate(items)):
            continue
        for n in range(len(items)):
            begin, end = starts[n], starts[n + 1]
            if not (begin <= first and final < end):
                continue
            if not _ITEM_START_RE.match(new[begin], column) or new[begin][:column].strip(" "):
                return None
            for line in new[begin + 1 : end]:
                body = line.lstrip(" ")
                if body and not body.startswith("#") and len(line) - len(body) <= column:
                    return None
            # With the line break after its last line, if there is one: a
            # kept block text (|+) keeps it.
            chunk = "\n".join(new[begin:end]) + ("\n" if end < len(new) else "")
            return _with_item(last, text, shown, line_offset, key, n, chunk, begin)
    return None


def _item_starts(lines: list[str], head: int, column: int) -> list[int]:
    """The 0-based lines where each item of the block list whose first "-"
    is at (head, column) starts, and last the line where the list ends (the
    first later line, not blank nor a comment, indented no further than the
    "-" and not another item; or the end of the text)."""
    starts = [head]
    for i in range(head + 1, len(lines)):
        line = lines[i]
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if indent > column:
            continue
        if indent == column and _ITEM_START_RE.match(line, column):
            starts.append(i)
            continue
        starts.append(i)
        return starts
    starts.append(len(lines))
    return starts


def _with_item(last: _Parsed, text: str, shown: str, line_offset: int, key: str, n: int, chunk: str, begin: int) -> _Parsed | None:
    """``last``'s tree with item ``n`` of the list at ``key`` parsed again
    from ``chunk`` (its lines, from the text's 0-based line ``begin``)."""
    # An anchor (&name) is the whole document's: defined twice, the whole
    # text fails where the item alone parses.
    if "&" in chunk or _DEEP_RE.search(chunk):
        return None
    try:
        node = _compose(chunk)
    except (yaml.YAMLError, RecursionError):
        return None
    if not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
        return None
    builder = _Builder(shown, line_offset + begin, chunk)
    try:
        item = builder.build(node.value[0], depth=2)  # root map, its list, the item
    except ContentError:
        return None
    root = last.value
    assert isinstance(root, YMap)
    old_items = root[key]
    assert isinstance(old_items, YList)
    values = last.values - _count(old_items[n]) + builder.count
    if builder.via_alias or values > MAX_NODES:
        return None
    items = YList(old_items.loc)
    items.extend(old_items)
    items[n] = item
    tree = YMap(root.loc)
    tree.update(root)
    tree.key_locs.update(root.key_locs)
    tree[key] = items
    return _Parsed(text, tree, values)


def _count(value: YValue) -> int:
    """Values in a tree, as _Builder counts them (keys are not)."""
    if isinstance(value, YMap):
        return 1 + sum(_count(v) for v in value.values())
    if isinstance(value, YList):
        return 1 + sum(_count(v) for v in value)
    return 1


_YAML_FIX = "请检查这一行及上一行的缩进（只能用空格）、冒号后的空格和引号是否成对"

# Spaces YAML does not count as indentation, pasted from WeChat or Word
# (U+00A0), typed with a Chinese input method (U+3000) or invisible.
_ODD_SPACES = {
    "\u00a0": "U+00A0", "\u3000": "全角空格 U+3000", "\u2002": "U+2002", "\u2003": "U+2003",
    "\u2009": "U+2009", "\u200b": "零宽空格 U+200B", "\u202f": "U+202F", "\ufeff": "U+FEFF",
}
_ODD_INDENT_RE = re.compile(f"^[ \t]*[{''.join(_ODD_SPACES)}][ \t{''.join(_ODD_SPACES)}]*", re.M)
_ODD_AFTER_DASH_RE = re.compile(f"^([ \t]*(?:-[ \t]+)*-)[{''.join(_ODD_SPACES)}]+")
# "title：测试" (a full-width colon from the input method) or "title:测试":
# YAML reads either as text, and fails a line or two later.
_KEY_COLON_RE = re.compile(r"^([ \t]*(?:-[ \t]+)*)([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(：|:(?=[^ \t\n]))", re.M)
# "venue gy-plaza": the colon left out. PyYAML reads the line as text and
# stops at the next one ("could not find expected ':'").
_KEY_NO_COLON_RE = re.compile(r"^([ \t]*(?:-[ \t]+)*)([a-z_][a-z0-9_]*)[ \t]+(\S.*)$")
# How far before the error, and how many lines, are tried.
_BLAME_WINDOW = 20
_BLAME_TRIES = 8


def odd_space_message(char: str, line: int) -> str:
    """What an editor is told about a special space (one of _ODD_SPACES)
    at the start of a line."""
    return f"第 {line} 行开头有不可见的特殊空格（{_ODD_SPACES[char]}）"


_ODD_SPACE_FIX = "请改成普通空格：删去这一行开头的空白，重新用空格键缩进"


def _first_error(text: str) -> tuple[int, int] | None:
    """Where the (fast) parser first stops in ``text``, or None when it parses."""
    try:
        yaml.compose(text, Loader=_FAST_LOADER or yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return (mark.line, mark.column) if mark else (0, 0)
    except (yaml.YAMLError, RecursionError):
        return (0, 0)
    return None


def _blame_line(text: str, error_line: int, line_offset: int = 0) -> tuple[int, int, str, str] | None:
    """(line, column, what, fix), both 0-based, of a line just before a YAML
    syntax error that caused it: indentation with a special space, or a key
    followed by a full-width colon, a colon without a space or no colon at
    all ("what" numbers lines from 1 + ``line_offset``, as the file does:
    front matter starts on line 2). PyYAML's own
    message names neither and points at the next line. A line counts as
    the cause only if mending it (with the lines after it) gets the parser
    past the error: a Chinese paragraph indent (U+3000) inside a block of
    text, or "：" in a value, changes nothing and is not blamed. Runs only
    when parsing failed."""
    lines = text.split("\n")
    first = max(0, error_line - _BLAME_WINDOW)
    candidates: list[tuple[int, int, str, str, str]] = []  # line, col, mended line, what, fix
    for i in range(first, min(error_line + 1, len(lines))):
        line = lines[i]
        odd = _ODD_INDENT_RE.match(line)
        if odd:
            col = next(c for c, ch in enumerate(line) if ch in _ODD_SPACES)
            lead = "".join("  " if ch == "\u3000" else " " if ch in _ODD_SPACES else ch for ch in odd.group(0))
            candidates.append((i, col, lead + line[odd.end() :], odd_space_message(line[col], i + 1 + line_offset), _ODD_SPACE_FIX))
            line = candidates[-1][2]
        dash = _ODD_AFTER_DASH_RE.match(line)
        if dash:
            # "-" then a special space: YAML reads "-\u00a0id: x" as text, not a list item.
            col = dash.end(1)
            fixed = line[:col] + " " * (dash.end() - col) + line[dash.end() :]
            what = f"第 {i + 1 + line_offset} 行的“-”后面是不可见的特殊空格（{_ODD_SPACES[line[col]]}）"
            candidates.append((i, col, fixed, what, "请删去“-”后面的空白，重新输入一个普通空格"))
            line = fixed
        key = _KEY_COLON_RE.match(line)
        if key:
            indent, name, colon = key.groups()
            rest = line[key.end() :]
            fixed = f"{indent}{name}: {rest.lstrip(' ' + ''.join(_ODD_SPACES))}"
            if colon == "：":
                what, fix = f"字段名“{name}”后面用了全角冒号“：”（中文输入法打出的）", "请把全角冒号“：”改成半角冒号“:”并在后面加一个空格"
            elif rest[:1] in _ODD_SPACES:
                # It looks like a space: "missing a space" would puzzle the editor.
                what, fix = f"“{name}:”的冒号后面是不可见的特殊空格（{_ODD_SPACES[rest[0]]}）", "请删去冒号后面的空白，重新输入一个普通空格"
            else:
                what, fix = f"“{name}:”的冒号后面缺少空格", "请在冒号“:”后面加一个空格"
            candidates.append((i, key.start(3), fixed, what, fix))
        elif bare := _KEY_NO_COLON_RE.match(line):
            # Only blamed if writing the colon gets the parser past the
            # error (below): English words in a block of text are not.
            indent, name, rest = bare.groups()
            candidates.append((i, bare.end(2), f"{indent}{name}: {rest}", f"第 {i + 1 + line_offset} 行的字段名“{name}”后面缺少冒号",
                               f"请写成“{name}: {rest.strip()}”（半角冒号，后面加一个空格）"))
    candidates = candidates[-_BLAME_TRIES:]
    before = _first_error(text)
    if not candidates or before is None:
        return None
    # Mend the last candidate, then the last two, …: the first set that
    # gets the parser past the error names its first line as the cause.
    # (One at a time misleads: mending a paragraph indented with U+3000
    # changes where a block of text ends; of two "title：" lines in a row,
    # mending either alone still fails.)
    mended = list(lines)
    for i, col, line, what, fix in reversed(candidates):
        if mended[i] == lines[i]:  # a line with both is mended twice over already
            mended[i] = line
        after = _first_error("\n".join(mended))
        if after is None or after > before:
            return i, col, what, fix
    return None


# Quoted scalars the runaway may be: at most this many, the last first.
_QUOTE_TRIES = 3


def _unclosed_quote(text: str, exc: yaml.MarkedYAMLError, line_offset: int = 0) -> tuple[int, int, str, str] | None:
    """(line, column, what, fix), 0-based, of a quote opened and not closed
    on its line, when it causes ``exc`` further down: PyYAML reads the
    lines after it as quoted text up to the next quote of the same kind
    (the opening one of a correct value) and stops there, on a correct
    line. The quoted scalars come from PyYAML's own scanner, so escapes
    ('' and \\") and full-width quotes count as YAML counts them. A quote
    is blamed only if closing it at the end of its line gets the parser
    past the error: a value quoted over several lines on purpose is not.
    Runs only when parsing failed."""
    if exc.problem_mark is None or (exc.problem or "").startswith("found unexpected end of stream"):
        return None  # the end of the file: explained as such, at the opening quote
    error = exc.problem_mark
    # (line, column, quote, line where the quoted text ends or None if it never does)
    candidates: list[tuple[int, int, str, int | None]] = []
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= error.index:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and token.end_mark.line > token.start_mark.line:
                candidates.append((token.start_mark.line, token.start_mark.column, token.style, token.end_mark.line))
    except yaml.MarkedYAMLError as scan_error:
        # Stopped inside quoted text (a "\" further down, in double quotes).
        start, stop = scan_error.context_mark, scan_error.problem_mark
        inside = (scan_error.context or "").endswith("quoted scalar")
        if inside and start is not None and stop is not None and start.line < stop.line and text[start.index : start.index + 1] in ('"', "'"):
            candidates.append((start.line, start.column, text[start.index], None))
    before = _first_error(text)
    if not candidates or before is None:
        return None
    lines = text.split("\n")
    for line, col, quote, end in reversed(candidates[-_QUOTE_TRIES:]):
        text_after = lines[line][col + 1 :].rstrip()
        comment = re.search(r"\s+#", text_after)  # meant as a comment, not as quoted text
        cut = comment.start() if comment else len(text_after)
        closed = lines[line][: col + 1] + text_after[:cut] + quote + text_after[cut:]
        after = _first_error("\n".join([*lines[:line], closed, *lines[line + 1 :]]))
        if after is not None and after <= before:
            continue
        shown = line + 1 + line_offset
        if end is None:
            what = f"第 {shown} 行的引号没有闭合：后面的行都被当成了引号里的文字，到第 {error.line + 1 + line_offset} 行出错"
        else:
            what = f"第 {shown} 行的引号没有闭合：从这里开始的引号一直到第 {end + 1 + line_offset} 行才结束"
        return line, col, what, f"请在这一行末尾补上引号（写成 {closed.strip()}），或去掉开头的引号"
    return None


def _document_end_before(text: str, line: int) -> int:
    """The line of the "..." that ended the document before ``line``, where
    the editor can delete it (0-based); ``line`` itself when there is none."""
    lines = text.split("\n")
    for i in range(min(line, len(lines) - 1), -1, -1):
        if lines[i].startswith("..."):
            return i
    return line


def _explain_yaml(problem: str, context_line: int, before: str = "") -> tuple[str, str]:
    """PyYAML's English problem → (what is wrong, how to fix it) in Chinese.
    ``before``: the error's line up to where PyYAML stopped."""
    if problem.startswith("expected <block end>, but found"):
        found = problem.rsplit("but found ", 1)[1].strip("'")
        if found in ("]", "}"):
            opening = "[" if found == "]" else "{"
            return f"多了一个“{found}”，前面没有与之配对的“{opening}”", f"请删去多余的 {found}，或在前面补上 {opening}"
        if found == "<scalar>" and before.rstrip()[-1:] in ('"', "'"):
            # title: "第一期"通知 — the quote ends the value, the rest is left over.
            return "引号结束后还有文字（YAML 的引号要把整段文字括起来）", "请把整段文字放进一对引号里；文字里要用引号时请用中文引号“”"
    known: list[tuple[str | tuple[str, ...], str, str]] = [
        ("found character '\\t' that cannot start any token", "出现了制表符（Tab），YAML 只能用空格缩进", _YAML_FIX),
        ("mapping values are not allowed here", "此处不能出现冒号（如文字中含“: ”，请给整段文字加引号）", _YAML_FIX),
        ("could not find expected ':'", "缺少冒号", _YAML_FIX),
        ("found undefined alias", "引用了未定义的别名", "以 * 开头的文字请整段加引号，如 \"*注意*\""),
        ("found unexpected end of stream", "引号没有闭合，直到文件结尾都没有找到配对的引号", "请在这段文字末尾补上配对的引号"),
        ("expected ',' or ']'", f"方括号没有闭合，或项目之间缺少逗号（[ 在第 {context_line} 行）", "请写成 [a, b, c]，并检查是否漏了 ]"),
        ("expected ',' or '}'", f"花括号没有闭合，或项目之间缺少逗号（{{ 在第 {context_line} 行）", "请写成 {role: 队长, phone: \"138…\"}，并检查是否漏了 }"),
        ("expected alphabetic or numeric character", "以 * 或 & 开头的文字会被当作 YAML 的引用符号", "请给整段文字加引号"),
        ("expected <block end>", "缩进不一致：这一行和上面同一级的行没有对齐", "同一级的字段和“- ”要用相同个数的空格缩进"),
        ("did not find expected key", "缩进不一致，或缺少“字段:”", _YAML_FIX),
        ("did not find expected '-' indicator", "列表项的缩进不一致", "每一项都以对齐的“- ”开头"),
        ("but found another document", "一个文件里只能有一份数据，这一行的 --- 把文件分成了两份", "请删去这一行的 ---（要画分隔线请用 # 开头的注释）"),
        ("expected '<document start>'", "“...”表示数据到此结束，后面不能再写内容", "请删去这一行的 ...（要写省略号请用中文“……”，并放在文字里）"),
        ("expected the node content", "这里缺少内容：方括号或花括号没有闭合，或逗号、冒号后面是空的", "请写成 [a, b, c]，并检查是否漏了 ] 或 }、多了逗号"),
        # "C:\通知\2026.doc" in double quotes: YAML reads \ as an escape.
        (("found unknown escape character", "expected escape sequence"), "双引号里的反斜杠“\\”被当作转义符", "请改用单引号括起这段文字（如 'C:\\通知'），或把 \\ 写成 \\\\"),
        ("found incompatible YAML document", "文件开头的 %YAML 声明不受支持", "请删去以 %YAML 开头的这一行"),
    ]
    for english, chinese, fix in known:
        if problem.startswith(english):
            return chinese, fix
    m = re.match(r"found character '(.)' that cannot start any token", problem)
    if m:
        return f"文字不能以“{m.group(1)}”开头", "请给整段文字加引号"
    return f"无法解析（{problem or '语法错误'}）", _YAML_FIX


@dataclass
class FileCache:
    """serve: what the last rebuild read, for the next one. A file whose
    bytes are the same is not decoded, checked and parsed again; its
    located tree (or article) is the same object, which lets the later
    stages reuse what they made of it (pipeline.ModelCache)."""

    parsed: ParseCache = field(default_factory=dict)
    # path → (bytes, text as read_text returned it)
    texts: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    # path → (bytes, article)
    articles: dict[str, tuple[bytes, Article]] = field(default_factory=dict)
    # rel (the page's src_uri) → the bytes this rebuild's load_article
    # read, for the page fingerprints (incremental.RebuildPlan), which
    # would otherwise read every Markdown page again: 5,001 opens and
    # reads per save at bench scale L, 45–50 ms timed alone (warm; py-spy
    # had put it at ~0.15 s of a ~2 s activity edit). Emptied when a
    # rebuild starts reading (pipeline.load_files).
    read: dict[str, bytes] = field(default_factory=dict)
    # path → its stat signature (_signature) when the bytes in ``texts`` or
    # ``articles`` were read: the same signature now, and the file is not
    # read again. Reading 5,001 bulletins took ~0.1 s of every save at bench
    # scale L, a stat call each ~0.02 s (timed alone, warm).
    signatures: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)

    def same_file(self, key: str, path: Path) -> bool:
        """Whether ``path`` still holds the bytes read when ``key`` was
        cached, by its stat signature alone."""
        known = self.signatures.get(key)
        return known is not None and known == _signature(path, settled=False)


# A write changes a file's ctime (which no program can set back) to the
# clock's time, but the clock moves in ticks (a few ms; seconds on some
# network file systems): a file written in the tick it was read in keeps its
# stamps. So a signature is only trusted for a file whose last change was
# this long before it was looked at, as Git does for its index.
SETTLED_NS = 2_000_000_000


def _signature(path: Path, *, settled: bool) -> tuple[int, int, int, int] | None:
    """(inode, size, mtime, ctime) of a regular file; None if it cannot be
    looked at or, with ``settled``, changed too recently to be trusted."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    if settled and time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < SETTLED_NS:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return read_bytes(path, "")
    except ContentError:
        return None  # read_text says why, in the editor's words


def read_text_cached(path: Path, shown: str, cache: FileCache | None) -> str:
    """read_text, skipped when the file holds the bytes it held last time."""
    if cache is None:
        return read_text(path, shown)
    key = str(path)
    hit = cache.texts.get(key)
    if hit is not None and cache.same_file(key, path):
        return hit[1]
    # Looked at before it is read: a change while reading makes it differ.
    signature = _signature(path, settled=True)
    data = _read_bytes(path)
    if hit is not None and data is not None and hit[0] == data:
        _remember(cache, key, signature)
        return hit[1]
    text = read_text(path, shown)
    # Kept only when the file did not change while it was read twice.
    if data is not None and _read_bytes(path) == data:
        cache.texts[key] = (data, text)
        _remember(cache, key, signature)
    return text


def _remember(cache: FileCache, key: str, signature: tuple[int, int, int, int] | None) -> None:
    if signature is None:
        cache.signatures.pop(key, None)
    else:
        cache.signatures[key] = signature


def load_yaml_file(path: Path, shown: str, cache: FileCache | None = None) -> YValue:
    return parse_yaml(read_text_cached(path, shown, cache), shown, cache=cache.parsed if cache is not None else None)


@dataclass(frozen=True)
class Article:
    """A Markdown file split into its front matter and body."""

    path: Path
    shown: str  # the path as shown in messages, relative to the project
    rel: str  # the path relative to content/, with forward slashes
    meta: YMap
    body: str
    body_line: int  # the line of the file where the body starts


def load_article(path: Path, shown: str, rel: str, cache: FileCache | None = None) -> Article:
    """An article, read again only when its bytes changed since the last
    call with the same ``cache``."""
    if cache is None:
        return _load_article(path, shown, rel, None)
    key = str(path)
    hit = cache.articles.get(key)
    if hit is not None and (hit[1].shown != shown or hit[1].rel != rel):
        hit = None
    if hit is not None and cache.same_file(key, path):
        cache.read[rel] = hit[0]  # the same bytes, kept once
        return hit[1]
    # Looked at before it is read: a change while reading makes it differ.
    signature = _signature(path, settled=True)
    data = _read_bytes(path)
    if hit is not None and data is not None and hit[0] == data:
        cache.read[rel] = hit[0]
        _remember(cache, key, signature)
        return hit[1]
    if data is not None:
        cache.read[rel] = data
    article = _load_article(path, shown, rel, cache.parsed)
    if data is not None and _read_bytes(path) == data:
        cache.articles[key] = (data, article)
        _remember(cache, key, signature)
    else:
        cache.signatures.pop(key, None)
    return article


def _load_article(path: Path, shown: str, rel: str, cache: ParseCache | None) -> Article:
    text = read_text(path, shown)
    meta = YMap(Location(shown, 1, 1))
    body, body_line = text, 1
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                front = "\n".join(lines[1:i])
                try:
                    parsed = parse_yaml(front, shown, line_offset=1, cache=cache)
                except ContentError as exc:
                    raise _front_matter_unclosed(shown, lines[1:i], exc) or exc from None
                if isinstance(parsed, YMap):
                    meta = parsed
                elif not isinstance(parsed, YNull):
                    raise _front_matter_not_a_mapping(shown, lines[1:i], parsed.loc)
                body = "\n".join(lines[i + 1 :])
                body_line = i + 2
                break
        else:
            raise _front_matter_unclosed(shown, lines[1:], None) or ContentError(
                Location(shown, 1, 1),
                "元数据以 --- 开始，但没有找到结束的 ---",
                "请在元数据最后一行之后单独写一行 ---",
            )
    else:
        _refuse_misplaced_front_matter(shown, lines)
    return Article(path, shown, rel, meta, body, body_line)


# A line of dashes typed with a Chinese input method (———, －－－, —-—) or
# too many or few of them: meant as the --- around the front matter.
_DASHES_RE = re.compile("[-\u2010-\u2015\u2212\u2500\u2501\ufe58\ufe63\uff0d]{2,}")
_DELIMITER = "元数据的分隔线应为三个半角减号 ---，单独占一行"


def _refuse_misplaced_front_matter(shown: str, lines: list[str]) -> None:
    """Front matter that is not at the very top, or whose opening line is
    not exactly ---, was read as the body: four "missing field" errors at
    1:1 for a bulletin, a page whose title: line was published as text."""
    start = 0
    while start < len(lines) and start < 20 and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _DASHES_RE.fullmatch(lines[start].strip()):
        return
    following = next((line for line in lines[start + 1 :] if line.strip()), "")
    if not _KEY_COLON_RE.match(following) and not re.match(r"[A-Za-z_][A-Za-z0-9_.-]*:(\s|$)", following):
        return  # a rule at the top of a page, not front matter
    if lines[start].strip() == "---":
        raise ContentError(
            Location(shown, start + 1, 1),
            "元数据的分隔线 --- 应放在文件第一行，前面不能有空行",
            f"请删去第 1–{start} 行的空行" if start > 1 else "请删去第 1 行的空行",
        )
    raise ContentError(
        Location(shown, start + 1, 1),
        f"{_DELIMITER}，放在文件第一行（这一行是“{lines[start].strip()}”）",
        "请关闭中文输入法，把这一行改成 ---",
    )


def _front_matter_unclosed(shown: str, front: list[str], exc: ContentError | None) -> ContentError | None:
    """Why front matter that failed to parse (``exc``), or found no closing
    ---, did: its closing line typed with the input method (———), or
    missing, so the body up to a later --- rule was read as YAML and
    failed on a body line ("缺少冒号"). None when neither is so."""
    error_line = exc.loc.line - 2 if exc is not None else len(front)  # 0-based in front
    for i, line in enumerate(front[: error_line + 1]):
        # At the start of the line (an indented —— is text), after lines
        # that parse (a —— rule in the body is not a closing line).
        if _DASHES_RE.fullmatch(line.rstrip()) and line.rstrip() != "---" and _first_error("\n".join(front[:i])) is None:
            return ContentError(
                Location(shown, i + 2, 1),
                f"{_DELIMITER}（这一行是“{line.strip()}”）",
                "请关闭中文输入法，把这一行改成 ---",
            )
    if exc is None:
        return None
    # The body starts after a blank line, at a line that is no "key: value":
    # the front matter before it parses, the error is at it or after.
    for i in range(1, min(error_line + 1, len(front))):
        if front[i - 1].strip() or not front[i].strip() or front[i][0] in " \t#-":
            continue
        if _KEY_COLON_RE.match(front[i]) or re.match(r"[^:]*:(\s|$)", front[i]):
            continue
        if _first_error("\n".join(front[: i - 1])) is not None:
            return None
        # "# 标题" is a YAML comment and a Markdown heading: the body may start there.
        last = max((j for j in range(i - 1) if front[j].strip() and not front[j].startswith("#")), default=-1)
        start = next(j for j in range(last + 1, i + 1) if front[j].strip())
        return ContentError(
            Location(shown, 1, 1),
            f"元数据缺少结束的 ---：从第 {start + 2} 行起的正文被当成了元数据",
            f"请在元数据最后一行（第 {last + 2} 行）之后单独写一行 ---" if last >= 0 else "请在元数据最后一行之后单独写一行 ---",
        )
    return None


def _front_matter_not_a_mapping(shown: str, front: list[str], loc: Location) -> ContentError:
    key = _KEY_COLON_RE.match(front[loc.line - 2]) if 2 <= loc.line <= len(front) + 1 else None
    if key and key.group(3) == "：":
        # "title：测试" alone is one piece of text, no error from YAML.
        return ContentError(
            Location(shown, loc.line, key.start(3) + 1),
            f"YAML 格式错误：字段名“{key.group(2)}”后面用了全角冒号“：”（中文输入法打出的）",
            "请把全角冒号“：”改成半角冒号“:”并在后面加一个空格",
        )
    return ContentError(
        loc,
        "文章开头的元数据必须是“字段: 值”的形式",
        "参照编辑指南中的简报模板填写 title、issue、date 等字段",
    )
