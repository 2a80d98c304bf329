"""One test per validation rule: the exact line an editor sees.

Each test copies the 'basic' fixture, makes one mistake an editor could make,
runs ``build.py check`` and asserts the full line
``path:line:col: record: field: what is wrong — how to fix it``. Lines and
columns are found here in the edited text (never asked of the code under test).
The last tests run ``check`` and ``build`` as real subprocesses with mistakes in
several files: every error together, sorted, exit status 1, no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, TODAY, run_cli

ACT = "content/data/activities.yml"
LEC = "content/data/lectures.yml"
PLACES = "content/data/places.yml"
SITE = "content/data/site.yml"
VENUES = "content/data/venues.yml"
TEAMS = "content/data/teams.yml"
B1 = "content/bulletins/2025-01-first.md"

NEW_ACTIVITY = """
  - id: new-one
    title: 新活动
    kind: 宣传
    start: 2027-01-10 10:00
    end: "11:00"
    venue: station
    audience: all
"""


# ---------------------------------------------------------------------------
# helpers


def check(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    rc = run_cli("check", "--today", TODAY, *args, cwd=project)
    return rc, capsys.readouterr().err.splitlines()


def edit(project: Path, rel: str, old: str, new: str) -> str:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} not unique in {rel}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def append(project: Path, rel: str, extra: str) -> str:
    path = project / rel
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra.lstrip("\n")
    path.write_text(text, encoding="utf-8")
    return text


def add_activity(project: Path, **changes: str | None) -> str:
    """Append NEW_ACTIVITY with some fields changed (None = removed)."""
    lines = NEW_ACTIVITY.strip("\n").split("\n")
    out = []
    for line in lines:
        key = line.strip().removeprefix("- ").split(":")[0]
        if key in changes:
            value = changes.pop(key)
            if value is None:
                continue
            prefix = line[: line.index(key)]
            out.append(f"{prefix}{key}: {value}")
        else:
            out.append(line)
    out += [f"    {k}: {v}" for k, v in changes.items() if v is not None]
    if not out[0].startswith("  - "):  # the id was removed: the next field opens the item
        out[0] = "  - " + out[0].lstrip()
    return append(project, ACT, "\n".join(out) + "\n")


def pos(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of needle in text
    (nth=-1: the last one, i.e. in what a test appended)."""
    if nth < 0:
        nth = text.count(needle) + nth
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, col


def at(rel: str, text: str, needle: str, nth: int = 0, shift: int = 0) -> str:
    line, col = pos(text, needle, nth)
    return f"{rel}:{line}:{col + shift}"


def assert_error(project: Path, capsys: pytest.CaptureFixture[str], expected: str) -> None:
    rc, lines = check(project, capsys)
    assert rc == 1, lines
    assert expected in lines, "\n".join(lines)


def assert_warning(project: Path, capsys: pytest.CaptureFixture[str], expected: str) -> None:
    rc, lines = check(project, capsys)
    assert rc == 0, lines
    assert "警告: " + expected in lines, "\n".join(lines)
    # --strict turns warnings into a failure, as in `build --strict`.
    rc, _ = check(project, capsys, "--strict")
    assert rc == 1


@pytest.fixture
def basic(make_project) -> Path:  # type: ignore[no-untyped-def]
    return make_project("basic")


def test_the_basic_fixture_is_clean(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, lines = check(basic, capsys)
    assert rc == 0
    assert lines == ["检查通过：3 期简报，10 项活动，6 栋楼。"]


# ---------------------------------------------------------------------------
# files and text (textio.py, load.py, pipeline.py)


def test_missing_data_folder(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.rmtree(basic / "content/data")
    assert_error(basic, capsys, "content/data: 找不到数据文件夹 — 请创建 content/data/ 并放入 site.yml 和 places.yml")


def test_missing_required_data_file(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / PLACES).unlink()
    assert_error(basic, capsys, f"{PLACES}: 缺少必需的数据文件 — 请创建 {PLACES}（格式见 docs/data-formats.md）")


def test_yaml_extension(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "content/data/extra.yaml").write_text("a: b\n", encoding="utf-8")
    assert_error(basic, capsys, "content/data/extra.yaml: 数据文件的扩展名应为 .yml — 请改名为 extra.yml")


def test_file_too_large(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.textio import MAX_FILE_BYTES

    size = MAX_FILE_BYTES + 1024
    (basic / "content/big.md").write_bytes(b"a" * size)
    assert_error(
        basic, capsys,
        f"content/big.md: 文件过大（{size // 1024} KB，上限 {MAX_FILE_BYTES // 1024} KB） — 请拆分为多个文件，或检查是否误粘贴了非文本内容",
    )


def test_a_folder_named_like_a_data_file(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / TEAMS).unlink()
    (basic / TEAMS).mkdir()
    assert_error(basic, capsys, f"{TEAMS}: 这是一个文件夹，却用了文件的扩展名 — 请给文件夹改名（去掉 .yml 或 .md），或把它移出 content/")


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_pipe_is_refused_without_reading_it(basic: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    # A link to /dev/zero was read without end; opening a pipe waited for a writer.
    path = basic / "content/data/activities" / "x.yml" if kind == "device" else basic / "content/bulletins/x.md"
    path.parent.mkdir(exist_ok=True)
    if kind == "device":
        path.symlink_to("/dev/zero")
    else:
        os.mkfifo(path)
    shown = path.relative_to(basic).as_posix()
    assert_error(basic, capsys, f"{shown}: 这不是普通文件（是设备、管道或链接到它们） — 请换成普通的文本文件，或把它移出 content/")


def test_a_data_file_that_is_not_read_is_named(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # activites.yml (misspelt) and activities in a sub-folder were left out
    # of the site without a word.
    (basic / "content/data/activites.yml").write_text((basic / ACT).read_text(encoding="utf-8"), encoding="utf-8")
    (basic / "content/data/activities/old").mkdir(parents=True)
    (basic / "content/data/activities/old/x.yml").write_text("activities: []\n", encoding="utf-8")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines
    assert ("警告: content/data/activites.yml: 这个数据文件不会被读取：文件名不是约定的名字之一 — 是否想写“activities.yml”？"
            "活动可以分放在 content/data/activities/ 文件夹里的任意 .yml 文件中；其他数据只读 site.yml、places.yml、venues.yml、teams.yml、activities.yml、lectures.yml") in lines
    assert "警告: content/data/activities/old/x.yml: 子文件夹里的活动文件不会被读取 — 请把它直接放在 content/data/activities/ 里" in lines


def test_two_articles_with_one_url(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # bulletins/x/index.md replaced the published bulletins/x.md without a word.
    (basic / "content/bulletins/2025-01-first").mkdir()
    (basic / "content/bulletins/2025-01-first/index.md").write_text("# 另一页\n", encoding="utf-8")
    assert_error(basic, capsys, f"{B1}: 与 content/bulletins/2025-01-first/index.md 的网址相同（/bulletins/2025-01-first/），会互相覆盖 — 请给其中一个文件改名")


@pytest.mark.parametrize("name", ["tongzhi.markdown", "Tongzhi.MD", "tongzhi.md.txt"])
def test_an_article_with_another_extension(basic: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    # .markdown was published unchecked, .MD and .md.txt as the raw source.
    (basic / "content/bulletins" / name).write_text((basic / B1).read_text(encoding="utf-8"), encoding="utf-8")
    stem = name.split(".")[0]
    assert_error(basic, capsys, f"content/bulletins/{name}: 文章的扩展名应为小写的 .md，否则不会作为文章发布 — 请改名为 {stem}.md")

def test_gbk_file_is_named_with_iconv(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (basic / B1).read_text(encoding="utf-8")
    (basic / B1).write_bytes(text.encode("gb18030"))
    line, col = pos(text, "第一期")  # the first non-ASCII character
    assert_error(
        basic, capsys,
        f"{B1}:{line}:{col}: 文件不是 UTF-8 编码，看起来是 GBK/GB18030（常见于 Windows 记事本或旧网站） — "
        f"请另存为 UTF-8，或运行：iconv -f GB18030 -t UTF-8 {B1} -o {B1}.utf8 && mv {B1}.utf8 {B1}",
    )


@pytest.mark.parametrize(("encoding", "bom", "iconv"), [("utf-16-le", b"\xff\xfe", "UTF-16"), ("utf-16-le", b"", "UTF-16LE"), ("utf-16-be", b"", "UTF-16BE")])
def test_utf16_file_is_named_with_iconv(basic: Path, capsys: pytest.CaptureFixture[str], encoding: str, bom: bytes, iconv: str) -> None:
    (basic / B1).write_bytes(bom + (basic / B1).read_text(encoding="utf-8").encode(encoding))
    assert_error(
        basic, capsys,
        f"{B1}: 文件是 UTF-16 编码（Windows 记事本另存为“Unicode”时的编码），不是 UTF-8 — "
        f"请另存为 UTF-8，或运行：iconv -f {iconv} -t UTF-8 {B1} -o {B1}.utf8 && mv {B1}.utf8 {B1}",
    )


def test_invalid_utf8(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "content/about.md").write_bytes(b"# About\n\nok \xff\xfe\x00 binary\n")
    assert_error(basic, capsys, "content/about.md:3:4: 文件不是有效的 UTF-8 文本（可能是二进制文件或编码错误） — 请用编辑器以 UTF-8 编码重新保存该文件")


@pytest.mark.parametrize(
    ("garble", "what"),
    [
        ("\ufffd", "替换字符 U+FFFD（�），说明文字在复制或转码时已经损坏"),
        ("æ–°é—»", "“æ–°é—»”一类乱码（原文应为“新闻”），说明 UTF-8 文字被当成 Windows/Latin-1 编码读取过"),
        ("Ã¥Â¤Â§", "“Ã¥Â¤Â§”一类乱码（原文应为“大”），说明 UTF-8 文字被当成 Windows/Latin-1 编码读取过"),
        ("锟斤拷", "“锟斤拷”乱码，说明文字曾被错误地转码"),
        ("\x07", "不可见的控制字符"),
    ],
)
def test_garbled_text(basic: Path, capsys: pytest.CaptureFixture[str], garble: str, what: str) -> None:
    text = edit(basic, B1, "正文第一段。", f"正文{garble}第一段。")
    line, col = pos(text, garble)
    assert_error(basic, capsys, f"{B1}:{line}:{col}: 文字疑似乱码：发现{what} — 请从原始文档重新复制这一段，或删去乱码后再保存")


def test_yaml_alias_bomb(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.load import MAX_ALIAS_VALUES

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        levels.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    (basic / TEAMS).write_text("\n".join(levels) + "\n", encoding="utf-8")
    assert_error(basic, capsys, f"{TEAMS}: YAML 别名（*）展开后超过 {MAX_ALIAS_VALUES} 个值（可能是锚点/别名“炸弹”） — 请删去 & 锚点和 * 别名，直接写出内容")


def test_yaml_merge_key(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = append(basic, VENUES, "  - {<<: {id: x}, name: y, address: z}\n")
    assert_error(basic, capsys, f"{at(VENUES, text, '<<')}: 不支持 YAML 合并键（<<） — 请把要合并的字段直接写出来")


def test_yaml_complex_key(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = append(basic, VENUES, "  - {[a, b]: c}\n")
    assert_error(basic, capsys, f"{at(VENUES, text, '[a, b]')}: 字段名必须是简单文字 — 请检查这一行的缩进和冒号")


def test_yaml_duplicate_key(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, SITE, "  title: 测试公示\n", "  title: 测试公示\n  title: 又一个标题\n")
    first, _ = pos(text, "  title: 测试公示")
    assert_error(
        basic, capsys,
        f"{at(SITE, text, 'title: 又一个', shift=0)}: 字段“title”重复出现（第一次在第 {first} 行） — 同一条记录中每个字段只能写一次，请删去其中一个",
    )


def test_yaml_tab_indent(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, TEAMS, "teams:\n", "teams:\n\t- {id: t, name: n}\n")
    assert_error(
        basic, capsys,
        f"{at(TEAMS, text, chr(9))}: YAML 格式错误：出现了制表符（Tab），YAML 只能用空格缩进 — 请检查这一行及上一行的缩进（只能用空格）、冒号后的空格和引号是否成对",
    )


def test_yaml_colon_in_text(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "summary: 第一期摘要", "summary: 时间: 上午: 九点")
    assert_error(
        basic, capsys,
        f"{at(B1, text, ': 上午')}: YAML 格式错误：此处不能出现冒号（如文字中含“: ”，请给整段文字加引号） — 请检查这一行及上一行的缩进（只能用空格）、冒号后的空格和引号是否成对",
    )


FIX_GENERAL = "请检查这一行及上一行的缩进（只能用空格）、冒号后的空格和引号是否成对"


@pytest.mark.parametrize(
    ("text", "needle", "message", "fix"),
    [
        ('teams:\n  - {id: t1, name: "防灾队}\n', '"防灾队', "引号没有闭合，直到文件结尾都没有找到配对的引号", "请在这段文字末尾补上配对的引号"),
        ("teams:\n  - id: t1\n    name: [甲, 乙\n    kind: team\n", ": team", "方括号没有闭合，或项目之间缺少逗号（[ 在第 3 行）", "请写成 [a, b, c]，并检查是否漏了 ]"),
        ("teams:\n  - {id: t1, name: 队\n", None, "花括号没有闭合，或项目之间缺少逗号（{ 在第 2 行）", "请写成 {role: 队长, phone: \"138…\"}，并检查是否漏了 }"),
        ("teams:\n  - id: t1\n    name: @志愿者\n", "@", "文字不能以“@”开头", "请给整段文字加引号"),
        ("teams:\n  - id: t1\n    name: * 重点队伍\n", " 重点", "以 * 或 & 开头的文字会被当作 YAML 的引用符号", "请给整段文字加引号"),
        ("teams:\n  - id: t1\n    name: 甲\n   kind: team\n", "kind", "缩进不一致：这一行和上面同一级的行没有对齐", "同一级的字段和“- ”要用相同个数的空格缩进"),
        ("teams:\n  - id: t1\n    name: *zhongdian\n", "*zhongdian", "引用了未定义的别名", "以 * 开头的文字请整段加引号，如 \"*注意*\""),
    ],
)
def test_yaml_syntax_explained(basic: Path, capsys: pytest.CaptureFixture[str], text: str, needle: str | None, message: str, fix: str) -> None:
    (basic / TEAMS).write_text(text, encoding="utf-8")
    # No needle: the parser stops at the end of the file (line after the last).
    where = at(TEAMS, text, needle) if needle else f"{TEAMS}:{text.count(chr(10)) + 1}:1"
    assert_error(basic, capsys, f"{where}: YAML 格式错误：{message} — {fix}")


IME_COLON = "请把全角冒号“：”改成半角冒号“:”并在后面加一个空格"


@pytest.mark.parametrize(
    ("rel", "old", "new", "key"),
    [
        # The last line of the front matter: was "缺少冒号" at its end.
        (B1, "summary: 第一期摘要", "summary：第一期摘要", "summary"),
        # Was "此处不能出现冒号" on the next line.
        (B1, "title: 第一期简报", "title：第一期简报", "title"),
        (B1, "---\ntitle: 第一期简报\nissue: 1\ndate: 2025-12-20\ncolumn: news\noffice: 东社区居委会\neditor_note: 这是编者按。\nsummary: 第一期摘要\n",
         "---\ntitle：第一期简报\n", "title"),  # alone it is text, not a YAML error
        (SITE, "  title: 测试公示", "  title：测试公示", "title"),
        (SITE, "  - id: notice", "  - id：notice", "id"),
    ],
)
def test_full_width_colon_after_a_key(basic: Path, capsys: pytest.CaptureFixture[str], rel: str, old: str, new: str, key: str) -> None:
    text = edit(basic, rel, old, new)
    assert_error(basic, capsys, f"{at(rel, text, key + '：', shift=len(key))}: YAML 格式错误：字段名“{key}”后面用了全角冒号“：”（中文输入法打出的） — {IME_COLON}")


@pytest.mark.parametrize(("old", "new", "cause"), [
    ("office: 东社区居委会", "office 东社区居委会", "第 6 行的字段名“office”后面缺少冒号"),
    ("office: 东社区居委会", "\u00a0office: 东社区居委会", "第 6 行开头有不可见的特殊空格（U+00A0）"),
])
def test_a_front_matter_line_is_named_by_its_line_in_the_file(basic: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, cause: str) -> None:
    # The front matter starts on the file's line 2: the message said "第 5 行".
    text = edit(basic, B1, old, new)
    assert text.split("\n")[5] == new
    rc, lines = check(basic, capsys)
    assert rc == 1 and any(line.startswith(f"{B1}:6:") and cause in line for line in lines), lines


def test_a_colon_without_a_space(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, SITE, "  url: https://", "  url:https://")
    assert_error(basic, capsys, f"{at(SITE, text, 'url:', shift=3)}: YAML 格式错误：“url:”的冒号后面缺少空格 — 请在冒号“:”后面加一个空格")


def test_full_width_colons_and_spaces_in_text_stay_text(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, B1, "title: 第一期简报", "title: 通知：停水")
    # A Chinese paragraph indent (U+3000) inside a block of text is text.
    edit(basic, B1, "editor_note: 这是编者按。", "editor_note: |\n  　　这是编者按。\n  　　第二段：说明。")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines


@pytest.mark.parametrize(
    ("rel", "old", "new", "space", "name"),
    [
        (SITE, "  title: 测试公示", "\u00a0\u00a0title: 测试公示", "\u00a0", "U+00A0"),  # was "此处不能出现冒号" on the next line
        (SITE, "    name: 科协动态", "  \u3000name: 科协动态", "\u3000", "全角空格 U+3000"),  # was "缩进不一致"
        (B1, "issue: 1", "\u00a0issue: 1", "\u00a0", "U+00A0"),  # parsed: was "未知字段“ issue”"
    ],
)
def test_special_space_as_indentation(basic: Path, capsys: pytest.CaptureFixture[str], rel: str, old: str, new: str, space: str, name: str) -> None:
    text = edit(basic, rel, old, new)
    where = at(rel, text, space)
    line = where.split(":")[1]
    assert_error(basic, capsys, f"{where}: YAML 格式错误：第 {line} 行开头有不可见的特殊空格（{name}） — 请改成普通空格：删去这一行开头的空白，重新用空格键缩进")


@pytest.mark.parametrize(
    ("extra", "needle", "message", "fix"),
    [
        # Were PyYAML's English: "but found another document", "expected '<document start>', but found …".
        ("---\n  - {id: t9, name: 九队, kind: team}\n", "---", "一个文件里只能有一份数据，这一行的 --- 把文件分成了两份", "请删去这一行的 ---（要画分隔线请用 # 开头的注释）"),
        ("... 以下略\n", "...", "“...”表示数据到此结束，后面不能再写内容", "请删去这一行的 ...（要写省略号请用中文“……”，并放在文字里）"),
        ("...\n  - {id: t9, name: 九队, kind: team}\n", "...", "“...”表示数据到此结束，后面不能再写内容", "请删去这一行的 ...（要写省略号请用中文“……”，并放在文字里）"),
    ],
)
def test_yaml_document_markers_in_a_data_file(basic: Path, capsys: pytest.CaptureFixture[str], extra: str, needle: str, message: str, fix: str) -> None:
    text = append(basic, TEAMS, extra)
    assert_error(basic, capsys, f"{at(TEAMS, text, needle)}: YAML 格式错误：{message} — {fix}")


def test_front_matter_closing_line_missing_before_a_rule(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The body up to its --- rule was read as YAML: "缺少冒号" on a body line.
    text = edit(basic, B1, "summary: 第一期摘要\n---\n", "summary: 第一期摘要\n")
    text = append(basic, B1, "\n---\n\n附记。\n")
    last, _ = pos(text, "summary:")
    body, _ = pos(text, "一、开篇")
    assert_error(basic, capsys, f"{B1}:1:1: 元数据缺少结束的 ---：从第 {body} 行起的正文被当成了元数据 — 请在元数据最后一行（第 {last} 行）之后单独写一行 ---")


IME_DASHES = "元数据的分隔线应为三个半角减号 ---，单独占一行"


@pytest.mark.parametrize("dashes", ["———", "－－－", "—-—", "----"])
def test_front_matter_opening_line_typed_with_the_input_method(basic: Path, capsys: pytest.CaptureFixture[str], dashes: str) -> None:
    # Was four "缺少必填字段" at 1:1, the fields being there.
    text = (basic / B1).read_text(encoding="utf-8")
    (basic / B1).write_text(dashes + text[3:], encoding="utf-8")
    assert_error(basic, capsys, f"{B1}:1:1: {IME_DASHES}，放在文件第一行（这一行是“{dashes}”） — 请关闭中文输入法，把这一行改成 ---")


def test_a_page_front_matter_typed_with_the_input_method(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Passed the check, and published "title: 关于" as a heading.
    (basic / "content/about.md").write_text("－－－\ntitle: 关于\n－－－\n\n正文\n", encoding="utf-8")
    assert_error(basic, capsys, f"content/about.md:1:1: {IME_DASHES}，放在文件第一行（这一行是“－－－”） — 请关闭中文输入法，把这一行改成 ---")


def test_front_matter_closing_line_typed_with_the_input_method(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "content/about.md").write_text("---\ntitle: 关于\n———\n\n正文\n", encoding="utf-8")
    assert_error(basic, capsys, f"content/about.md:3:1: {IME_DASHES}（这一行是“———”） — 请关闭中文输入法，把这一行改成 ---")


def test_blank_line_before_the_front_matter(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (basic / B1).read_text(encoding="utf-8")
    (basic / B1).write_text("\n" + text, encoding="utf-8")
    assert_error(basic, capsys, f"{B1}:2:1: 元数据的分隔线 --- 应放在文件第一行，前面不能有空行 — 请删去第 1 行的空行")


def test_front_matter_not_a_mapping(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "content/about.md").write_text("---\n- a\n- b\n---\n\n正文\n", encoding="utf-8")
    assert_error(basic, capsys, "content/about.md:2:1: 文章开头的元数据必须是“字段: 值”的形式 — 参照编辑指南中的简报模板填写 title、issue、date 等字段")


def test_front_matter_unclosed(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "content/about.md").write_text("---\ntitle: 关于\n\n正文\n", encoding="utf-8")
    assert_error(basic, capsys, "content/about.md:1:1: 元数据以 --- 开始，但没有找到结束的 --- — 请在元数据最后一行之后单独写一行 ---")


def test_root_not_a_mapping(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / VENUES).write_text("- a\n- b\n", encoding="utf-8")
    assert_error(basic, capsys, f"{VENUES}:1:1: venues.yml 的最外层应为“字段: 值”的组合 — 请参照数据格式说明（docs/data-formats.md）中的示例")


def test_list_expected(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / VENUES).write_text("venues:\n  id: station\n", encoding="utf-8")
    assert_error(basic, capsys, f"{VENUES}:2:3: 场地（venues）应为列表（每项以“- ”开头） — 请参照数据格式说明调整缩进")


def test_list_item_not_a_mapping(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = append(basic, VENUES, "  - station-two\n")
    assert_error(basic, capsys, f"{at(VENUES, text, 'station-two')}: 场地（venues）的每一项应为“字段: 值”的组合 — 请在“- ”后写 id: …，并逐行写出其余字段")


# ---------------------------------------------------------------------------
# fields (validate.Fields)


def test_unknown_field_suggests(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, venu="station")
    assert_error(basic, capsys, f"{at(ACT, text, 'venu: station')}: new-one: venu: 未知字段“venu” — 是否想写“venue”？")


def test_missing_required_field(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, title=None)
    assert_error(basic, capsys, f"{at(ACT, text, 'id: new-one')}: new-one: title: 缺少必填字段 — 请填写活动名称")


def test_required_field_left_empty_points_at_its_line(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, title="")
    assert_error(basic, capsys, f"{at(ACT, text, 'title: ', nth=8)}: new-one: title: 缺少必填字段 — 请填写活动名称")


def test_text_expected(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, title="[甲, 乙]")
    assert_error(basic, capsys, f"{at(ACT, text, '[甲, 乙]')}: new-one: title: 应为一段文字 — 如文字中含冒号或以 - 开头，请给整段文字加引号")


@pytest.mark.parametrize(("bad", "suggestion"), [("Fire Drill", "fire-drill"), ("../../etc/passwd", "etc-passwd"), ("/abs/path", "abs-path")])
def test_invalid_id(basic: Path, capsys: pytest.CaptureFixture[str], bad: str, suggestion: str) -> None:
    text = add_activity(basic, id=f'"{bad}"')
    assert_error(
        basic, capsys,
        f"{at(ACT, text, chr(34) + bad)}: {bad}: id: “{bad}”不是有效的 id — id 只能用小写英文字母、数字和单个连字符（如 gy-03），最长 64 个字符，例如 {suggestion}",
    )


def test_missing_id(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, id=None)
    assert_error(basic, capsys, f"{at(ACT, text, 'title: 新活动')}: (无 id): id: 缺少必填字段 — 请填写 id")


def test_not_an_integer(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "issue: 1\n", "issue: 第一期\n")
    assert_error(basic, capsys, f"{at(B1, text, 'issue: 第一期', shift=7)}: 2025-01-first: issue: “第一期”不是整数 — 请只写阿拉伯数字，如 13")


def test_integer_too_small(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "issue: 1\n", "issue: 0\n")
    assert_error(basic, capsys, f"{at(B1, text, '0', nth=0)}: 2025-01-first: issue: “0”太小 — 请改为不小于 1 的整数")


def test_full_width_integer_accepted(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, B1, "issue: 1\n", "issue: １\n")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines


@pytest.mark.parametrize(("field", "value"), [("venue", '""'), ("title", "'   '"), ("start", '""'), ("kind", '"\u3000"')])
def test_a_required_field_given_only_blanks(basic: Path, capsys: pytest.CaptureFixture[str], field: str, value: str) -> None:
    # An id or start of "" dropped the activity without a word; a venue of ""
    # passed check and broke the build.
    text = add_activity(basic, **{field: value})
    rc, lines = check(basic, capsys)
    assert rc == 1
    assert any(line.startswith(f"{at(ACT, text, f'{field}: {value}', nth=-1, shift=len(field) + 2)}: new-one: {field}: 必填字段是空的 — ") for line in lines), lines


def test_an_empty_id_is_reported(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, id='""')
    where = at(ACT, text, 'id: ""', nth=-1, shift=4)
    assert_error(basic, capsys, f"{where}: (无 id): id: 必填字段是空的 — 请填写 id")


def test_a_zero_width_space_after_a_reference_is_ignored(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_activity(basic, venue="station\u200b")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines


@pytest.mark.parametrize("typed", ["1_0", "+3"])
def test_an_integer_is_digits_only(basic: Path, capsys: pytest.CaptureFixture[str], typed: str) -> None:
    text = edit(basic, B1, "issue: 1\n", f"issue: {typed}\n")
    assert_error(basic, capsys, f"{at(B1, text, f'issue: {typed}', shift=7)}: 2025-01-first: issue: “{typed}”不是整数 — 请只写阿拉伯数字，如 13")


def test_notice_days_at_most_a_year(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = append(basic, SITE, "notices:\n  days: 9999999\n")
    assert_error(basic, capsys, f"{at(SITE, text, '9999999')}: notices: days: “9999999”太大 — 请改为不大于 366 的整数")


@pytest.mark.parametrize("url", ["https://test.example.cn/社区 站/", "https://test.example.cn/?from=qr"])
def test_site_url_that_would_break_a_qr_code(basic: Path, capsys: pytest.CaptureFixture[str], url: str) -> None:
    text = edit(basic, SITE, "url: https://test.example.cn/", f"url: {url}")
    assert_error(basic, capsys, f"{at(SITE, text, url)}: site: url: “{url}”不是完整网址 — 请写成 https:// 加网站域名和路径，不含空格、? 和 #，如 https://kepu.example.cn/")


def test_site_url_in_chinese_is_written_as_browsers_send_it() -> None:
    from generator.validate import site_url

    assert site_url("https://科普.example.cn/社区站") == ("https://xn--tkv944b.example.cn/%E7%A4%BE%E5%8C%BA%E7%AB%99/", None)
    assert site_url("http://127.0.0.1:8000/a%20b/") == ("http://127.0.0.1:8000/a%20b/", None)


def test_not_a_boolean(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, "content/bulletins/2026-04-draft.md", "draft: true", "draft: 也许")
    assert_error(basic, capsys, f"{at('content/bulletins/2026-04-draft.md', text, '也许')}: 2026-04-draft: draft: “也许”不是是/否 — 请写 true 或 false")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-02-30", "“2026-02-30”不是真实存在的日期 — 请写成 2026-12-05 或 2026年12月5日"),
        ("12/05/2026", "“12/05/2026”的年月日顺序不明确 — 是 5月12日 还是 12月5日？请写成年份在前的 2026-05-12 或 2026-12-05"),
        ("05-12-2026", "“05-12-2026”的年月日顺序不明确 — 是 5月12日 还是 12月5日？请写成年份在前的 2026-05-12 或 2026-12-05"),
        # A number over 12 leaves one reading: the fix gives it (the editors'
        # tester's 11/29/2026 was "ambiguous", with a fix about 12-05).
        ("11/29/2026", "“11/29/2026”的年月日顺序不对（年份要写在前面） — 请写成 2026-11-29 或 2026年11月29日"),
        ("29.11.2026", "“29.11.2026”的年月日顺序不对（年份要写在前面） — 请写成 2026-11-29 或 2026年11月29日"),
        ("下周一", "“下周一”不是可识别的日期 — 请写成 2026-12-05 或 2026年12月5日"),
        ("2026-12-05 上午", "“2026-12-05 上午”不是日期（多出了“上午”） — 请写成 2026-12-05 或 2026年12月5日"),
        ("２０２６－０２－３０", "“2026-02-30”不是真实存在的日期 — 请写成 2026-12-05 或 2026年12月5日"),
    ],
)
def test_bad_date(basic: Path, capsys: pytest.CaptureFixture[str], typed: str, message: str) -> None:
    text = edit(basic, B1, "date: 2025-12-20", f"date: {typed}")
    assert_error(basic, capsys, f"{at(B1, text, typed)}: 2025-01-first: date: {message}")


def test_a_start_written_month_first_gets_the_fix_in_its_own_numbers(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, ACT, "start: 2026年12月5日 8:30", "start: 12/29/2026 8:30")
    assert_error(basic, capsys, f"{at(ACT, text, '12/29/2026')}: east-clinic: start: “12/29/2026 8:30”的年月日顺序不对（年份要写在前面） — 请写成 2026-12-29 8:30 或 2026年12月29日 8:30")


@pytest.mark.parametrize("typed", ["2025年12月20日", "２０２５-１２-２０", "2025/12/20", "2025.12.20", "2025年12月20号"])
def test_dates_editors_type_are_accepted(basic: Path, capsys: pytest.CaptureFixture[str], typed: str) -> None:
    edit(basic, B1, "date: 2025-12-20", f"date: {typed}")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2027-01-10", "“2027-01-10”缺少时间"),
        ("2027-01-10 25:00", "“25:00”不是真实存在的时间"),
        ("2027-01-10 十点", "“十点”不是可识别的时间"),
    ],
)
def test_bad_datetime(basic: Path, capsys: pytest.CaptureFixture[str], typed: str, message: str) -> None:
    text = add_activity(basic, start=typed)
    assert_error(basic, capsys, f"{at(ACT, text, typed)}: new-one: start: {message} — 请写成 2026-12-05 09:00 或 2026年12月5日 9:00")


def test_bad_end_time(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, end="傍晚")
    assert_error(basic, capsys, f"{at(ACT, text, '傍晚')}: new-one: end: “傍晚”不是时间 — 请写结束时间，如 11:00，或完整的 2026-12-05 11:00")


def test_an_end_after_midnight_written_as_a_time_says_to_write_the_next_day(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, start="2027-01-10 22:00", end='"01:30"')
    assert_error(basic, capsys, f"{at(ACT, text, chr(34) + '01:30')}: new-one: end: 结束时间早于或等于开始时间 — 请把 end 改为 start 之后的时间"
                 "；活动过了半夜才结束的，请写上第二天的日期，如 end: 2027-01-11 01:30")


def test_a_span_in_start_or_end_says_where_each_time_goes(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # "19:00-20:30" is how posters write it; the editor copied it into start.
    text = add_activity(basic, start="2027-01-10 19:00-20:30")
    assert_error(basic, capsys, f"{at(ACT, text, '2027-01-10 19:00-20:30')}: new-one: start: “19:00-20:30”是一段时间，这里只写一个时刻"
                 " — 开始时刻写在 start（19:00），结束时刻写在 end（end: 20:30）")
    text = add_activity(basic, end="19:00-20:30")
    assert_error(basic, capsys, f"{at(ACT, text, 'end: 19:00-20:30', shift=5)}: new-one: end: “19:00-20:30”是一段时间，这里只写一个时刻"
                 " — 开始时刻写在 start（19:00），结束时刻写在 end（end: 20:30）")


def test_end_before_start(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, end='"09:30"')
    assert_error(basic, capsys, f"{at(ACT, text, chr(34) + '09:30')}: new-one: end: 结束时间早于或等于开始时间 — 请把 end 改为 start 之后的时间")


def test_an_evening_until_midnight(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 晚上12点 was read as noon: an activity from 晚上11点 to 晚上12点 "ended before it started".
    add_activity(basic, start="2027-01-10 晚上11点", end="2027-01-10 晚上12点")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines
    # An end written as a time alone: midnight ends the start's day.
    add_activity(basic, id="late-one", start="2027-01-11 晚上11点", end="晚上12点")
    add_activity(basic, id="late-two", start="2027-01-12 22:00", end='"24:00"')
    rc, lines = check(basic, capsys)
    assert rc == 0, lines
    # An ambiguous one is refused with the parser's reason, never guessed.
    text = add_activity(basic, id="late-three", start="2027-01-13 晚上11点", end="上午12点")
    assert_error(basic, capsys, f"{at(ACT, text, '上午12点', nth=-1)}: late-three: end: “上午12点”是中午还是半夜不明确：中午请写 12:00，半夜请写第二天的 00:00 — 请写结束时间，如 11:00，或完整的 2026-12-05 11:00")


def test_choice_with_suggestion(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, status="cancel")
    assert_error(basic, capsys, f"{at(ACT, text, 'cancel', nth=-1)}: new-one: status: “cancel”不是可选值 — 可选：scheduled、cancelled、postponed；是否想写“cancelled”？")


def test_status_note_required(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, status="取消")
    assert_error(basic, capsys, f"{at(ACT, text, '取消', nth=-1)}: new-one: status_note: 活动已取消或延期，但没有说明 — 请在 status_note 写明原因和新的时间，例如：因降雨改期至 12 月 12 日")


def test_mapping_expected(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, recurrence="每周")
    assert_error(basic, capsys, f"{at(ACT, text, '每周')}: new-one: recurrence: 应为“字段: 值”的组合 — 请在下一行缩进两个空格，逐项写出")


def test_id_list_item_not_an_id(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, audience="{buildings: [a-1, {x: y}]}")
    assert_error(basic, capsys, f"{at(ACT, text, '{x: y}')}: new-one: buildings: 列表中的每一项应为一个 id — 请写成 [gy-01, gy-02]")


def test_list_field_given_a_mapping(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, audience="{buildings: {a: b}}")
    assert_error(basic, capsys, f"{at(ACT, text, '{a: b}')}: new-one: buildings: 应为列表 — 请写成 [a, b] 或每行一个“- 值”")


def test_contact_role_required(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, contact='{phone: "123"}')
    assert_error(basic, capsys, f"{at(ACT, text, '{phone')}: new-one: role: 缺少必填字段 — 请填写 role")


def test_dangerous_html_in_a_field(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, description='"<img src=x onerror=alert(1)>请带水杯"')
    assert_warning(basic, capsys, f"{at(ACT, text, chr(34) + '<img')}: new-one: description: 含有不安全的 HTML（onerror=），发布时不会执行 — 请删去脚本和事件属性")


# ---------------------------------------------------------------------------
# references and duplicates


def test_duplicate_id_names_both_places(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, id="dance")
    first = at(ACT, text, "id: dance", shift=4)
    assert_error(basic, capsys, f"{at(ACT, text, 'id: dance', nth=1, shift=4)}: dance: id: id“dance”重复，已在 {first} 使用 — 每个 id 在全站只能用一次，请改用另一个 id")


def test_duplicate_building_id_across_estates(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, PLACES, "{id: c-1, name: 1 栋", "{id: a-1, name: 1 栋")
    first = at(PLACES, text, "a-1")
    assert_error(basic, capsys, f"{at(PLACES, text, 'a-1', nth=1)}: a-1: id: id“a-1”重复，已在 {first} 使用 — 每个 id 在全站只能用一次，请改用另一个 id")


@pytest.mark.parametrize(
    ("field", "value", "what", "hint"),
    [
        ("venue", "statoin", "场地", "是否想写“station”？"),
        ("team", "emergncy", "队伍", "是否想写“emergency”？"),
        ("venue", "zzzzzz", "场地", "请先在数据文件中定义这个场地，或检查拼写"),
    ],
)
def test_unknown_reference_suggests(basic: Path, capsys: pytest.CaptureFixture[str], field: str, value: str, what: str, hint: str) -> None:
    text = add_activity(basic, **{field: value})
    assert_error(basic, capsys, f"{at(ACT, text, value)}: new-one: {field}: 找不到{what}“{value}” — {hint}")


@pytest.mark.parametrize(
    ("key", "value", "what", "hint"),
    [
        ("estates", "e-aa", "小区", "是否想写“e-a”？"),
        ("buildings", "a-11", "楼栋", "是否想写“a-1”？"),
        ("communities", "eastt", "社区", "是否想写“east”？"),
        ("grids", "east-g11", "网格", "是否想写“east-g1”？"),
        ("courtyards", "e-a-nort", "院落", "是否想写“e-a-north”？"),
    ],
)
def test_unknown_audience(basic: Path, capsys: pytest.CaptureFixture[str], key: str, value: str, what: str, hint: str) -> None:
    text = add_activity(basic, audience=f"{{{key}: [{value}]}}")
    assert_error(basic, capsys, f"{at(ACT, text, value + ']')}: new-one: audience.{key}: 找不到{what}“{value}” — {hint}")


@pytest.mark.parametrize(
    ("value", "problem", "hint"),
    [
        # an unknown building, with the entrance kept in the guess
        ("a-33/1", "找不到楼栋“a-33”", "是否想写“a-3/1”？"),
        ("zzzzzz/1", "找不到楼栋“zzzzzz”", "请先在 places.yml 中定义这个楼栋，或检查拼写"),
        # an unknown entrance: its building's entrances listed, a guess when one is near
        ("a-3/3", "楼栋“a-3”（甲小区 3 栋）没有单元“3”", "本楼的单元 id：1（东单元）、2（西单元）"),
        ("a-3/西单元", "楼栋“a-3”（甲小区 3 栋）没有单元“西单元”", "是否想写“a-3/2”？本楼的单元 id：1（东单元）、2（西单元）"),
        ("a-1/12", "楼栋“a-1”（甲小区 1 栋）没有单元“12”", "是否想写“a-1/1”？本楼的单元 id：1、2"),
        # not an entrance at all
        ("a-3", "“a-3”不是单元", "请写成“楼栋 id/单元 id”，如 gy-hy-03/2；整栋楼请写在 buildings 里：buildings: [a-3]"),
    ],
)
def test_unknown_audience_entrance(basic: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str, hint: str) -> None:
    text = add_activity(basic, audience=f"{{entrances: [{value}]}}")
    assert_error(basic, capsys, f"{at(ACT, text, value + ']')}: new-one: audience.entrances: {problem} — {hint}")


def test_audience_entrance_of_a_building_without_entrances(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, PLACES, "{id: c-1, name: 1 栋, entrances: 1}", "{id: c-1, name: 1 栋}")
    text = add_activity(basic, audience="{entrances: [c-1/1]}")
    assert_error(basic, capsys, f"{at(ACT, text, 'c-1/1]')}: new-one: audience.entrances: 楼栋“c-1”（丙小区 1 栋）没有列出单元 — 请在 places.yml 为它填写 entrances，或把整栋楼写在 buildings 里：buildings: [c-1]")


def test_audience_entrances_check_clean(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_activity(basic, audience="{buildings: [b-b1], entrances: [a-3/2, a-1/1]}")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines


def test_unknown_series(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, LEC, "    series: forum\n    speaker: 李明", "    series: forun\n    speaker: 李明")
    assert_error(basic, capsys, f"{at(LEC, text, 'forun')}: heart-talk: series: 找不到讲座系列“forun” — 是否想写“forum”？")


def test_unknown_community_of_venue(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, VENUES, "community: east}", "community: esat}")
    assert_error(basic, capsys, f"{at(VENUES, text, 'esat')}: station: community: 找不到社区“esat” — 是否想写“east”？")


def test_unknown_grid_members(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, PLACES, "estates: [e-a]", "estates: [e-z]")
    assert_error(basic, capsys, f"{at(PLACES, text, 'e-z')}: east-g1: estates: 找不到小区“e-z” — 是否想写“e-a”？")


def test_building_in_two_grids(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, PLACES, "buildings: [b-b1, b-b2]", "buildings: [b-b1, b-b2, a-1]")
    assert_error(basic, capsys, f"{at(PLACES, text, 'id: east-g2')}: east-g2: buildings: 楼栋“a-1”同时属于网格“east-g1”和“east-g2” — 每栋楼只能属于一个网格，请从其中一个网格中删去")


@pytest.mark.parametrize(("old", "new", "field", "ref", "what"), [
    ("buildings: [b-b1, b-b2]", "buildings: [b-b1, b-b2, c-1]", "buildings", "c-1", "楼栋"),
    ("estates: [e-a]", "estates: [e-a, w-c]", "estates", "w-c", "小区"),
])
def test_a_grid_holds_its_own_communitys_places_only(basic: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, field: str, ref: str, what: str) -> None:
    # The other community's doors printed this grid worker's phone.
    text = edit(basic, PLACES, old, new)
    grid = "east-g2" if field == "buildings" else "east-g1"
    assert_error(basic, capsys, f"{at(PLACES, text, ref + ']')}: {grid}: {field}: {what}“{ref}”不属于社区“东社区”，网格只能包含本社区的{what} — 请把它移到它所在社区的网格里")


def test_unknown_column(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "column: news", "column: nwes")
    assert_error(basic, capsys, f"{at(B1, text, 'nwes')}: 2025-01-first: column: 找不到栏目“nwes” — 是否想写“news”？")


def test_column_by_name_is_accepted(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, B1, "column: news", "column: 科协动态")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines


def test_duplicate_column(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, SITE, "  - id: notice\n", "  - id: news\n")
    assert_error(basic, capsys, f"{at(SITE, text, 'news', nth=1)}: news: id: 栏目 id“news”重复 — 请改用另一个 id")


# ---------------------------------------------------------------------------
# site.yml and places.yml


def test_site_url_not_absolute(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, SITE, "url: https://test.example.cn/", "url: test.example.cn")
    assert_error(basic, capsys, f"{at(SITE, text, 'test.example.cn')}: site: url: “test.example.cn”不是完整网址 — 请写成 https:// 加网站域名和路径，不含空格、? 和 #，如 https://kepu.example.cn/")


def test_bad_timezone(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, SITE, "  url: https://test.example.cn/\n", "  url: https://test.example.cn/\n  timezone: Beijing\n")
    assert_error(basic, capsys, f"{at(SITE, text, 'Beijing')}: site: timezone: “Beijing”不是时区名称 — 中国大陆请写 Asia/Shanghai")


def test_icp_required(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, SITE, "  icp: 鄂ICP备0000001号-1\n", "")
    assert_error(basic, capsys, f"{at(SITE, text, 'name: 测试市科协', shift=0)}: organisation: icp: 缺少必填字段 — 网站在中国大陆托管必须展示 ICP 备案号，如 鄂ICP备2026000123号-1")


def test_bad_entrance_count(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, PLACES, "{id: c-1, name: 1 栋, entrances: 1}", "{id: c-1, name: 1 栋, entrances: 三}")
    assert_error(basic, capsys, f"{at(PLACES, text, '三}')}: c-1: entrances: “三”不是单元数 — 请写单元个数（如 3），或逐个列出 {{id, name}}")


def test_duplicate_entrance(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, PLACES, '{id: "2", name: 西单元}', '{id: "1", name: 西单元}')
    assert_error(basic, capsys, f"{at(PLACES, text, chr(34) + '1' + chr(34), nth=1)}: a-3/1: id: 单元 id“1”在本楼重复 — 请改用另一个 id")


def test_notice_per_entrance_without_entrances(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, PLACES, "{id: c-1, name: 1 栋, entrances: 1}", "{id: c-1, name: 1 栋, notice_per_entrance: true}")
    assert_error(basic, capsys, f"{at(PLACES, text, 'true}')}: c-1: notice_per_entrance: 按单元出公示，但本楼没有列出单元 — 请填写 entrances，或删去 notice_per_entrance")


def test_estate_without_buildings_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = append(basic, PLACES, "      - {id: w-d, name: 丁小区}\n")
    assert_warning(basic, capsys, f"{at(PLACES, text, '{id: w-d')}: w-d: 小区下没有任何楼栋 — 请在 buildings 或 courtyards 下列出楼栋")


def test_audience_resolving_to_no_building_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    places = append(basic, PLACES, "      - {id: w-d, name: 丁小区}\n")
    text = add_activity(basic, audience="{estates: [w-d]}")
    lines = [f"警告: {at(PLACES, places, '{id: w-d')}: w-d: 小区下没有任何楼栋 — 请在 buildings 或 courtyards 下列出楼栋"]
    expected = f"{at(ACT, text, '{estates: [w-d]}')}: new-one: audience: 活动面向的范围内没有任何楼栋，不会出现在任何楼栋页和公示上 — 请检查 audience"
    assert_warning(basic, capsys, expected)
    assert lines[0] in check(basic, capsys)[1]


def test_audience_missing(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = add_activity(basic, audience=None)
    assert_error(basic, capsys, f"{at(ACT, text, 'id: new-one')}: new-one: audience: 缺少必填字段 — 请写明面向哪些居民，如 audience: {{estates: [guiyuan-huayuan]}}，全站写 audience: all")


def test_audience_empty_even_with_other_errors(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An error elsewhere must not hide this one (it used to).
    text = add_activity(basic, audience="{buildings: []}", venue="nowhere")
    rc, lines = check(basic, capsys)
    assert rc == 1
    assert f"{at(ACT, text, '{buildings: []}')}: new-one: audience: 没有列出任何居民范围 — 请至少填写 communities、grids、estates、courtyards、buildings、entrances 中的一项" in lines


# ---------------------------------------------------------------------------
# recurrence


def rec(project: Path, body: str, start: str = "2027-01-05 19:00") -> str:
    return add_activity(project, start=start, end='"20:00"', recurrence="\n" + body)


def test_recurrence_bad_weekday(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue, tues]\n      until: 2027-02-01")
    assert_error(basic, capsys, f"{at(ACT, text, 'tues')}: new-one: recurrence.weekdays: “tues”不是星期几（可写 mon…sun 或 周一…周日） — 例如 weekdays: [tue, thu]")


def test_recurrence_nth_without_month(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      nth: 2\n      until: 2027-02-01")
    assert_error(basic, capsys, f"{at(ACT, text, 'nth: 2', shift=5)}: new-one: nth: nth（第几个星期几）只能与 every: month 和 weekdays 一起使用，取值 1–5 或 -1 — 例如每月第二个周六：every: month, weekdays: [sat], nth: 2")


def test_recurrence_until_required(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]")
    assert_error(basic, capsys, f"{at(ACT, text, 'every: week', nth=1)}: new-one: until: 缺少必填字段 — 请填写 until")


def test_recurrence_until_before_start(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2026-12-01")
    assert_error(basic, capsys, f"{at(ACT, text, '2026-12-01', nth=0) if text.count('2026-12-01') == 1 else at(ACT, text, 'until: 2026-12-01', shift=7)}: new-one: until: 重复截止日期早于第一次活动 — 请检查 until 与 start")


def test_recurrence_too_long(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2031-01-01")
    assert_error(basic, capsys, f"{at(ACT, text, '2031-01-01')}: new-one: until: 重复时间超过三年 — 请把 until 设在三年之内，到期后再续")


def test_recurrence_start_not_on_weekday(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 2027-01-05 is a Tuesday.
    text = rec(basic, "      every: week\n      weekdays: [wed]\n      until: 2027-02-01")
    assert_error(basic, capsys, f"{at(ACT, text, '[wed]')}: new-one: weekdays: 第一次活动（start）的日期不在 weekdays 所列的星期内 — 请把 start 改为第一次实际活动的日期")


def test_recurrence_bad_skip_date(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2027-02-01\n      skip: [2027-01-32]")
    assert_error(basic, capsys, f"{at(ACT, text, '2027-01-32')}: new-one: recurrence.skip: “2027-01-32”不是真实存在的日期 — 请写成 2026-12-24")


@pytest.mark.parametrize(
    ("field", "body", "label"),
    [
        ("skip", "      skip: [2027-01-13]", "跳过"),
        ("moved", "      moved:\n        - {from: 2027-01-13, to: 2027-01-14 19:00}", "调整"),
        ("cancelled", "      cancelled:\n        - {date: 2027-01-13, note: 停电}", "取消"),
    ],
)
def test_recurrence_exception_not_a_rule_date(basic: Path, capsys: pytest.CaptureFixture[str], field: str, body: str, label: str) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2027-02-01\n" + body)
    line, col = pos(text, f"{field}:", nth=text.count(f"{field}:") - 1)
    value_line, value_col = (line, col + len(field) + 2) if field == "skip" else (line + 1, col + 2)
    assert_error(basic, capsys, f"{ACT}:{value_line}:{value_col}: new-one: recurrence.{field}: {label}的日期 2027-01-13 不是这项重复活动的日期 — 请写原定的活动日期（按 every/weekdays 规则产生的日期）")


@pytest.mark.parametrize(("start", "body", "first"), [
    # 2027-01-02 is the first Saturday; the rule's first date is the 9th.
    ("2027-01-02 09:00", "      every: month\n      weekdays: [sat]\n      nth: 2\n      until: 2027-03-31", "2027-01-09"),
    # 2027-01-04 is a Monday.
    ("2027-01-04 09:00", "      every: day\n      weekdays: [wed]\n      until: 2027-01-31", "2027-01-06"),
])
def test_recurrence_start_not_a_date_of_its_rule(basic: Path, capsys: pytest.CaptureFixture[str], start: str, body: str, first: str) -> None:
    text = rec(basic, body, start=start)
    line, col = pos(text, "every:", nth=-1)
    assert_error(basic, capsys, f"{ACT}:{line}:{col}: new-one: every: 第一次活动（start）的日期 {start[:10]} 不符合重复规则，按规则第一次是 {first} — 请把 start 改为第一次实际活动的日期，或检查 every、weekdays、nth")


def test_recurrence_monthly_on_the_31st_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: month\n      until: 2027-06-30", start="2027-01-31 19:00")
    assert_warning(basic, capsys, f"{at(ACT, text, 'every: month', nth=-1, shift=7)}: new-one: recurrence.every: 每月 31 日的活动在没有 31 日的月份不会举行 — 如要每月最后一天，请改用 weekdays 和 nth: -1，或把 start 改到 28 日以前")


@pytest.mark.parametrize(("body", "needle", "field", "message"), [
    ("      skip: [2027-01-12]\n      moved:\n        - {from: 2027-01-12, to: 2027-01-13 19:00}", "from: 2027-01-12", "moved",
     "2027-01-12 已经写在 skip 里，同一天不能再改期"),
    ("      moved:\n        - {from: 2027-01-12, to: 2027-01-13 19:00}\n        - {from: 2027-01-12, to: 2027-01-14 19:00}", "from: 2027-01-12", "moved",
     "2027-01-12 已经写在 moved 里，同一天不能再改期"),
    ("      moved:\n        - {from: 2027-01-12, to: 2027-01-13 19:00}\n      cancelled:\n        - {date: 2027-01-12, note: 停电}", "date: 2027-01-12", "cancelled",
     "2027-01-12 已经写在 moved 里，同一天不能再取消"),
])
def test_recurrence_one_exception_per_date(basic: Path, capsys: pytest.CaptureFixture[str], body: str, needle: str, field: str, message: str) -> None:
    # skip won over moved, and the last of two moves won: a session residents
    # were told about vanished.
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2027-02-01\n" + body)
    assert_error(basic, capsys, f"{at(ACT, text, needle, nth=-1, shift=len(needle) - 10)}: new-one: recurrence.{field}: {message} — 每个日期只写一种调整：跳过（skip）、改期（moved）或取消（cancelled）")


def test_recurrence_moved_onto_another_session(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2027-02-01\n      moved:\n        - {from: 2027-01-12, to: 2027-01-19 19:00}")
    line, col = pos(text, "moved:", nth=-1)
    assert_error(basic, capsys, f"{ACT}:{line + 1}:{col + 2}: new-one: recurrence.moved: 改期后的时间 2027-01-19 19:00 与另一次活动相同，会列出两次 — 请改到别的时间，或把原定那次写进 skip")


def test_recurrence_with_no_occurrence(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = rec(basic, "      every: week\n      weekdays: [tue]\n      until: 2027-01-05\n      skip: [2027-01-05]")
    assert_error(basic, capsys, f"{at(ACT, text, 'until: 2027-01-05', shift=7)}: new-one: until: 按此规则没有任何一次活动 — 请检查 every、weekdays、nth 和 until")


# ---------------------------------------------------------------------------
# bulletins


def test_bulletin_file_name_not_a_url(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / B1).rename(basic / "content/bulletins/第一期 简报.md")
    # Named from the bulletin's own year and month (date: 2025-12-20) and issue (1).
    assert_error(basic, capsys, "content/bulletins/第一期 简报.md:1:1: 第一期 简报: 文件名“第一期 简报”不能用作网址 — 请把文件改名为 2025-12-jianbao-1.md（id 只能用小写英文字母、数字和单个连字符（如 gy-03），最长 64 个字符）")


def test_bulletin_file_name_suggests_slug(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / B1).rename(basic / "content/bulletins/2025_01_First.md")
    assert_error(basic, capsys, "content/bulletins/2025_01_First.md:1:1: 2025_01_First: 文件名“2025_01_First”不能用作网址 — 请把文件改名为 2025-01-first.md（id 只能用小写英文字母、数字和单个连字符（如 gy-03），最长 64 个字符）")


def test_duplicate_issue_number(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, "content/bulletins/2026-03-third.md", "issue: 3", "issue: 2")
    # Issues in use: 1, 2, 2, 4 → the next free one is 5.
    assert_error(basic, capsys, f"{at('content/bulletins/2026-03-third.md', text, '2', nth=0) if False else 'content/bulletins/2026-03-third.md:' + str(pos(text, 'issue: 2')[0]) + ':8'}: 2026-03-third: issue: 期号 2 与 content/bulletins/2026-02-second.md 重复 — 请改为下一个未用的期号 5")


def test_gap_in_issue_numbers_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, "content/bulletins/2026-04-draft.md", "issue: 4", "issue: 7")
    assert_warning(basic, capsys, f"{at('content/bulletins/2026-04-draft.md', text, '7')}: 2026-04-draft: issue: 期号不连续，缺少第 4、5、6 期 — 如有遗漏请补上；草稿（draft: true）也占用期号")


def test_duplicate_bulletin_file_name(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (basic / "content/bulletins/old").mkdir()
    copy = (basic / B1).read_text(encoding="utf-8").replace("issue: 1", "issue: 5")
    (basic / "content/bulletins/old/2025-01-first.md").write_text(copy, encoding="utf-8")
    assert_error(basic, capsys, f"content/bulletins/old/2025-01-first.md:1:1: 2025-01-first: 简报 id“2025-01-first”与 {B1} 重复（文件名相同） — 每期简报的文件名在全站只能用一次，请给其中一个文件改名")


def test_dangerous_html_in_a_bulletin(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "正文第一段。", "正文第一段。\n\n<script>alert(1)</script>")
    line, _ = pos(text, "<script>")
    assert_warning(basic, capsys, f"{B1}:{line}:1: 2025-01-first: 正文含有不安全的 HTML（<script），发布时已移除 — 请删去 <script>、on… 事件属性和 javascript: 链接")


def test_every_line_with_dangerous_html_is_named(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The editors' tester pasted five and was told of the first alone.
    pasted = ("<script>x()</script>", '<p onclick="x()">点击查看详情</p>', '<a href="javascript:x()">领取奖品</a>',
              '<iframe src="https://example.com/"></iframe>', '<img src="a.png" onerror="x()">')
    text = edit(basic, B1, "正文第一段。", "正文第一段。\n\n" + "\n\n".join(pasted))
    rc, lines = check(basic, capsys)
    warned = [line for line in lines if "不安全的 HTML" in line]
    assert rc == 0 and [w.split(":")[2] for w in warned] == [str(pos(text, p[:6])[0]) for p in pasted], warned
    assert [w.split("（")[1].split("）")[0] for w in warned] == ["<script", "onclick=", "javascript:", "<iframe", "onerror="]


# A Word paste that lost its </style> (or a stray <textarea>, <title>…): the
# browser reads the rest of the bulletin as the tag's content, so it must not
# be published.
WORD_PASTE = "\n\n<{tag}>\np.MsoNormal{{margin:0}}\n\n第二段重要通知\n\n## 第三节\n\n结束"


@pytest.mark.parametrize("tag", ["style", "script", "title", "xmp", "textarea", "iframe", "noscript", "plaintext"])
def test_unclosed_raw_text_tag_in_a_bulletin(basic: Path, capsys: pytest.CaptureFixture[str], tag: str) -> None:
    text = edit(basic, B1, "正文第一段。", "正文第一段。" + WORD_PASTE.format(tag=tag))
    assert_error(basic, capsys, f"{at(B1, text, f'<{tag}>')}: 2025-01-first: 正文里的 <{tag}> 没有结束标签 </{tag}>，它后面的正文都不会显示 — 请在应结束的地方补上 </{tag}>，或删去这个 <{tag}>")


def test_unclosed_tag_after_text_and_shown_as_code(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Written as code it is harmless; the real one follows text on its line.
    text = edit(basic, B1, "正文第一段。", "正文用 `<style>` 写样式。\n\n注意：<textarea>\n\n后文")
    assert_error(basic, capsys, f"{at(B1, text, '<textarea>')}: 2025-01-first: 正文里的 <textarea> 没有结束标签 </textarea>，它后面的正文都不会显示 — 请在应结束的地方补上 </textarea>，或删去这个 <textarea>")


def test_closed_or_quoted_raw_text_tags_are_not_errors(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, B1, "正文第一段。", "正文第一段。\n\n<style>\np.MsoNormal{margin:0}\n</style>\n\n用 `<textarea>` 写多行。\n\n<!-- <script> -->\n\n后文")
    rc, lines = check(basic, capsys)
    assert rc == 0, lines
    assert not [line for line in lines if "没有结束标签" in line], lines


def test_unclosed_tag_in_a_draft_is_a_warning(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = "content/bulletins/2026-04-draft.md"
    text = append(basic, draft, "\n<style>\np{}\n\n后文\n")
    assert_warning(basic, capsys, f"{at(draft, text, '<style>')}: 2026-04-draft: 正文里的 <style> 没有结束标签 </style>，它后面的正文都不会显示（草稿，暂不发布） — 请在应结束的地方补上 </style>，或删去这个 <style>")


# ---------------------------------------------------------------------------
# lectures, links, images, venues (checks.py)


def test_lecture_without_speaker_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, LEC, "    speaker: 李明\n    affiliation: 测试市中心医院\n", "")
    assert_warning(basic, capsys, f"{at(LEC, text, 'id: heart-talk', shift=0)}: heart-talk: speaker: 讲座没有填写主讲人 — 请填写 speaker（主讲人姓名）和 affiliation（单位）；主讲人未定时可写“待定”")


def test_lecture_speaker_without_affiliation(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, LEC, "    affiliation: 测试市中心医院\n", "")
    assert_error(basic, capsys, f"{at(LEC, text, 'id: heart-talk')}: heart-talk: affiliation: 缺少必填字段 — 请填写主讲人单位和职称")


@pytest.mark.parametrize(
    ("rel", "message", "fix"),
    [
        ("content/bulletins/2026/index.md", "“index.md”是文件夹的首页，不会作为简报发布（不进简报目录、栏目和订阅）", "请给文件改个简报的名字，如 content/bulletins/2026/2026-03-标题.md"),
        ("content/2026-05-news.md", "这篇文章写了期号（issue），但不在 content/bulletins/ 里，不会作为简报发布", "请把它移到 content/bulletins/ 里，如 content/bulletins/2026-05-news.md"),
    ],
)
def test_a_bulletin_saved_where_bulletins_are_not_read_warns(basic: Path, capsys: pytest.CaptureFixture[str], rel: str, message: str, fix: str) -> None:
    # It used to be published as a plain page, in no archive or feed.
    text = (basic / B1).read_text(encoding="utf-8")
    (basic / rel).parent.mkdir(parents=True, exist_ok=True)
    (basic / rel).write_text(text.replace("issue: 1", "issue: 9"), encoding="utf-8")
    stem = Path(rel).stem
    assert_warning(basic, capsys, f"{at(rel, text, 'issue: 1', shift=len('issue: '))}: {stem}: issue: {message} — {fix}")


def test_a_building_outside_every_grid_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Its door notice printed no grid worker, and check said nothing.
    rel = "content/data/places.yml"
    text = edit(basic, rel, "buildings: [b-b1, b-b2]", "buildings: [b-b1]")
    fix = "请把它加进所在网格的 buildings，或把整个小区写进网格的 estates"
    assert_warning(basic, capsys, f"{at(rel, text, '{id: b-b2')}: b-b2: grids: 楼栋“2 号楼”不属于任何网格，楼门公示上没有网格员的联系方式 — {fix}")
    # A whole estate left out is one warning, not one per building.
    text = edit(basic, rel, "buildings: [b-b1]", "buildings: []")
    rc, lines = check(basic, capsys)
    assert [line for line in lines if "网格" in line] == [
        f"警告: {at(rel, text, '{id: b-b1')}: e-b: grids: 小区“乙小区”的 2 栋楼都不属于任何网格，楼门公示上没有网格员的联系方式 — {fix.replace('它', '它们')}",
    ]


DEAD_MD = "请检查文件名和文件夹（路径相对于本文件所在的文件夹）；如那篇文章已删去，请删去这个链接"


def test_link_to_a_missing_article_is_an_error(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # It was a warning, and the page went out with a dead .md link.
    text = edit(basic, B1, "正文第一段。", "见[第二期](2026-02-secnd.md)。")
    assert_error(basic, capsys, f"{at(B1, text, '2026-02-secnd.md')}: 2025-01-first: 正文: 链接“2026-02-secnd.md”指向的文章 content/bulletins/2026-02-secnd.md 不存在，发布后是死链 — 是否想链接到“2026-02-second.md”？")


def test_links_to_missing_articles_in_every_form(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Inline with an anchor, in another folder, reference-style, raw HTML,
    # starting with "/" (MkDocs leaves those as written, even to a page
    # that exists), outside content/. Anchors, other sites, drafts and
    # pages that exist are not errors.
    (basic / "content/bulletins/2026").mkdir()
    rel = "content/bulletins/2026/2026-05-fifth.md"
    text = (basic / B1).read_text(encoding="utf-8").replace("issue: 1", "issue: 5").replace("正文第一段。", (
        "见[上期](../2026-02-second.md#a)、[上上期](../2025/2025-01-first.md)、[本页](#top)、[外站](https://example.com/a.md)、"
        "[草稿](../2026-04-draft.md)、[引用][r]、<a href=\"missing.md\">旧文</a>、[根](/bulletins/2026-03-third.md)、"
        "[根缺](/bulletins/gone-away.md)、[外](../../../README.md)。\n\n[r]: ../2026-03-thrid.md"))
    (basic / rel).write_text(text, encoding="utf-8")
    rc, lines = check(basic, capsys)
    assert (rc, lines) == (1, [
        f"{at(rel, text, '../2025/')}: 2026-05-fifth: 正文: 链接“../2025/2025-01-first.md”指向的文章 content/bulletins/2025/2025-01-first.md 不存在，发布后是死链 — 是否想链接到“../2025-01-first.md”？",
        f"{at(rel, text, 'missing.md')}: 2026-05-fifth: 正文: 链接“missing.md”指向的文章 content/bulletins/2026/missing.md 不存在，发布后是死链 — {DEAD_MD}",
        f"{at(rel, text, '/bulletins/2026-03-third.md')}: 2026-05-fifth: 正文: 链接“/bulletins/2026-03-third.md”以“/”开头，网站上不会换成那篇文章的网址，居民点开是死链 — 请写成相对于本文件的路径：“../2026-03-third.md”",
        f"{at(rel, text, '/bulletins/gone-away.md')}: 2026-05-fifth: 正文: 链接“/bulletins/gone-away.md”指向的文章 content/bulletins/gone-away.md 不存在，发布后是死链 — {DEAD_MD}",
        f"{at(rel, text, '../../../README.md')}: 2026-05-fifth: 正文: 链接“../../../README.md”指向 content/ 以外的文件，网站上没有这个页面 — 站内链接请写成相对于本文件的 .md 文件路径，且文件要在 content/ 里",
        f"{at(rel, text, '../2026-03-thrid.md')}: 2026-05-fifth: 正文: 链接“../2026-03-thrid.md”指向的文章 content/bulletins/2026-03-thrid.md 不存在，发布后是死链 — 是否想链接到“../2026-03-third.md”？",
        "发现 6 处错误，请改正后再生成网站。",
    ])


def test_a_dead_link_fails_the_build_and_keeps_the_last_site(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A published dead link is worse than a failed build: the site of the
    # last good build stays as it was.
    run_cli("build", "--today", TODAY, cwd=basic)
    page = basic / "site/bulletins/2025-01-first/index.html"
    before = page.read_bytes()
    capsys.readouterr()
    text = edit(basic, B1, "正文第一段。", "见[上期](../2026/missing.md)。")
    rc = run_cli("build", "--today", TODAY, cwd=basic)
    err = capsys.readouterr().err.splitlines()
    assert rc == 1
    assert f"{at(B1, text, '../2026/missing.md')}: 2025-01-first: 正文: 链接“../2026/missing.md”指向的文章 content/2026/missing.md 不存在，发布后是死链 — {DEAD_MD}" in err, err
    assert "构建失败，原有的 site/ 未被改动。" in err
    assert page.read_bytes() == before


def test_link_in_a_data_field_to_a_missing_article_is_an_error(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Data fields are Markdown too (markup.render_markdown); their links to
    # .md files were published as written, dead, and `check` said nothing.
    # Relative to the data file's folder, as an article's to its own.
    text = edit(basic, ACT, "description: 请带好毛巾。", "description: 见[第二期](../bulletins/2026-02-second.md)、[旧文](../bulletins/2026-02-secnd.md)、[根](/bulletins/2026-03-third.md)。")
    rc, lines = check(basic, capsys)
    assert (rc, lines) == (1, [
        f"{at(ACT, text, '../bulletins/2026-02-secnd.md')}: estate-a-drill: description: 链接“../bulletins/2026-02-secnd.md”指向的文章 content/bulletins/2026-02-secnd.md 不存在，发布后是死链 — 是否想链接到“../bulletins/2026-02-second.md”？",
        f"{at(ACT, text, '/bulletins/2026-03-third.md')}: estate-a-drill: description: 链接“/bulletins/2026-03-third.md”以“/”开头，网站上不会换成那篇文章的网址，居民点开是死链 — 请写成相对于本文件的路径：“../bulletins/2026-03-third.md”",
        "发现 2 处错误，请改正后再生成网站。",
    ])


def test_dead_link_in_a_block_description_names_its_line(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # description: | — the link's own line and column (the block's
    # indentation is read from the file: it was column 1 before).
    text = edit(basic, ACT, "description: 请带好毛巾。", "description: |\n      请带好毛巾。\n\n      另见[通知](../bulletins/gone-away.md)。")
    assert_error(basic, capsys, f"{at(ACT, text, '../bulletins/gone-away.md')}: estate-a-drill: description: 链接“../bulletins/gone-away.md”指向的文章 content/bulletins/gone-away.md 不存在，发布后是死链 — "
                 "请检查文件名和文件夹（路径相对于本文件所在的文件夹 content/data/）；如那篇文章已删去，请删去这个链接")


def test_dead_links_in_team_and_series_descriptions(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, TEAMS, "{id: volunteers, name: 科普志愿者服务队,", "{id: volunteers, description: \"[简报](bulletins/2025-01-first.md)\", name: 科普志愿者服务队,")
    series = edit(basic, LEC, "    name: 社区科普大讲坛\n", "    name: 社区科普大讲坛\n    description: 往期见[简报](../bulletins/2025-01-frist.md)\n")
    rc, lines = check(basic, capsys)
    assert f"{at(LEC, series, '../bulletins/2025-01-frist.md')}: forum: description: 链接“../bulletins/2025-01-frist.md”指向的文章 content/bulletins/2025-01-frist.md 不存在，发布后是死链 — 是否想链接到“../bulletins/2025-01-first.md”？" in lines, lines
    assert f"{at(TEAMS, text, 'bulletins/2025-01-first.md')}: volunteers: description: 链接“bulletins/2025-01-first.md”指向的文章 content/data/bulletins/2025-01-first.md 不存在，发布后是死链 — 是否想链接到“../bulletins/2025-01-first.md”？" in lines, lines
    assert rc == 1


def test_dead_link_in_an_editor_note(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # editor_note is Markdown of the front matter: relative to the bulletin.
    text = edit(basic, B1, "editor_note: 这是编者按。", "editor_note: 这是编者按，见[下期](2026-02-secnd.md)。")
    assert_error(basic, capsys, f"{at(B1, text, '2026-02-secnd.md')}: 2025-01-first: editor_note: 链接“2026-02-secnd.md”指向的文章 content/bulletins/2026-02-secnd.md 不存在，发布后是死链 — 是否想链接到“2026-02-second.md”？")


def test_site_absolute_link_in_a_data_field_to_a_missing_page_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, ACT, "description: 请带好毛巾。", "description: 见[1 栋](/buildings/a-7/)、[活动](/activities/east-clinic/)。")
    assert_warning(basic, capsys, f"{at(ACT, text, '/buildings/a-7/')}: estate-a-drill: description: 链接“/buildings/a-7/”指向的页面不存在 — 是否想链接到“/buildings/a-1/”？")


def test_link_to_generated_page_by_url(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, B1, "正文第一段。", "见[1 栋](/buildings/a-1/)、[活动](../../activities/dance/)和[链接](../bulletins/2026-02-second.md)。")
    rc, lines = check(basic, capsys)
    assert (rc, lines) == (0, ["检查通过：3 期简报，10 项活动，6 栋楼。"])


def test_broken_url_link(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "正文第一段。", "见[1 栋](/buildings/a-7/)。")
    assert_warning(basic, capsys, f"{at(B1, text, '/buildings/a-7/')}: 2025-01-first: 正文: 链接“/buildings/a-7/”指向的页面不存在 — 是否想链接到“/buildings/a-1/”？")


def test_link_to_draft(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "正文第一段。", "见[草稿](2026-04-draft.md)。")
    assert_warning(basic, capsys, f"{at(B1, text, '2026-04-draft.md')}: 2025-01-first: 正文: 链接“2026-04-draft.md”指向一篇草稿，草稿不会发布 — 请等那篇简报发布后再加链接，或删去 draft: true")


def tiny_image(fmt: str) -> bytes:
    """A real one-pixel image: check opens the images it finds (cli._image_warnings)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 255, 255)).save(buf, fmt)
    return buf.getvalue()


def test_missing_image(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "正文第一段。", "![演练现场](img/drill.jpg)\n\n<img src=\"img/x.png\" alt=\"示意图\">")
    expected_md = f"{at(B1, text, 'img/drill.jpg')}: 2025-01-first: 正文: 图片“img/drill.jpg”不存在 — {MISSING_IMAGE}"
    expected_html = f"{at(B1, text, 'img/x.png')}: 2025-01-first: 正文: 图片“img/x.png”不存在 — {MISSING_IMAGE}"
    rc, lines = check(basic, capsys)
    assert "警告: " + expected_md in lines and "警告: " + expected_html in lines, lines
    # With the file in place the warning goes away.
    (basic / "content/bulletins/img").mkdir()
    (basic / "content/bulletins/img/drill.jpg").write_bytes(tiny_image("JPEG"))
    (basic / "content/bulletins/img/x.png").write_bytes(tiny_image("PNG"))
    rc, lines = check(basic, capsys)
    assert (rc, lines) == (0, ["检查通过：3 期简报，10 项活动，6 栋楼。"])


def test_a_missing_image_names_the_file_it_probably_is(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Photo.JPG for photo.jpg opens on the editor's Windows or Mac and is a
    blank box on the web server; a near name may be a typo or a file not
    copied yet."""
    (basic / "content/bulletins/img").mkdir()
    (basic / "content/bulletins/img/Drill-1.JPG").write_bytes(tiny_image("JPEG"))
    (basic / "content/bulletins/img/notes.txt").write_text("不是图片", encoding="utf-8")
    text = edit(basic, B1, "正文第一段。", "![演练](img/drill-1.jpg) ![演练](IMG/Drill-1.JPG) ![演练](img/Drill-2.JPG) ![现场](/bulletins/img/drill-1.jpg) ![说明](img/notes.png)")
    same = "文件名的大小写不一致：请写成“img/Drill-1.JPG”（网站服务器区分大小写，在自己电脑上能打开不等于网上能显示）"
    assert warnings(basic, capsys) == [
        f"{at(B1, text, 'img/drill-1.jpg')}: 2025-01-first: 正文: 图片“img/drill-1.jpg”不存在 — {same}",
        f"{at(B1, text, 'IMG/Drill-1.JPG')}: 2025-01-first: 正文: 图片“IMG/Drill-1.JPG”不存在 — {same}",
        f"{at(B1, text, 'img/Drill-2.JPG')}: 2025-01-first: 正文: 图片“img/Drill-2.JPG”不存在 — 是不是“img/Drill-1.JPG”？不是的话，请把图片文件放进 content/bulletins/（与本文同一文件夹）",
        f"{at(B1, text, '/bulletins/img/drill-1.jpg')}: 2025-01-first: 正文: 图片“/bulletins/img/drill-1.jpg”不存在 — 文件名的大小写不一致：请写成“/bulletins/img/Drill-1.JPG”（网站服务器区分大小写，在自己电脑上能打开不等于网上能显示）",
        f"{at(B1, text, 'img/notes.png')}: 2025-01-first: 正文: 图片“img/notes.png”不存在 — {MISSING_IMAGE}",  # only images are proposed
    ]


def test_build_reports_a_broken_link_once_in_chinese(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # MkDocs' own English warning for the same link would be a second line
    # that editors cannot read; mkdocs.yml turns it down to info.
    edit(basic, B1, "正文第一段。", "见[旧文](../nothere/)和![图](img/none.png)。说明[^1]\n\n[^1]: 注释内容。")
    rc = run_cli("build", "--today", TODAY, cwd=basic)
    err = capsys.readouterr().err
    assert rc == 0
    assert err.count("指向的页面不存在") == 1 and err.count("图片“img/none.png”不存在") == 1, err
    assert "Doc file" not in err, err
    # The footnote's back link is titled in Chinese (a tooltip residents see).
    html = (basic / "site/bulletins/2025-01-first/index.html").read_text(encoding="utf-8")
    assert 'title="返回正文第 1 处"' in html and "Jump back" not in html


def test_bulletin_dated_after_today_warns(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "date: 2025-12-20", "date: 2027-12-20")
    assert_warning(basic, capsys, f"{at(B1, text, '2027-12-20')}: 2025-01-first: date: 成文日期 2027-12-20 在今天（{TODAY}）之后，简报已照常发布 — 如果年份或月份写错了请改正；若要到那天再发布，请先写 draft: true，到时再删去")


@pytest.mark.parametrize(("published", "message"), [
    ("2027-12-20", f"发布日期 2027-12-20 在今天（{TODAY}）之后，简报已照常发布，订阅里也写着这个日期"),
    ("2025-12-02", "发布日期 2025-12-02 早于成文日期 2025-12-20"),
])
def test_a_published_date_after_today_or_before_the_date_warns(basic: Path, capsys: pytest.CaptureFixture[str], published: str, message: str) -> None:
    # Both went out silently: the future one with that date in the feeds.
    text = edit(basic, B1, "date: 2025-12-20", f"date: 2025-12-20\npublished: {published}")
    rc, lines = check(basic, capsys)
    assert rc == 0 and any(line.startswith(f"警告: {at(B1, text, published)}: 2025-01-first: published: {message} — ") for line in lines), lines


def test_links_in_code_are_not_checked(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(basic, B1, "正文第一段。", "```\n[x](nope.md)\n```\n\n`[y](nope.md)`")
    rc, lines = check(basic, capsys)
    assert rc == 0 and not any(line.startswith("警告") for line in lines), lines


MISSING_IMAGE = "请把图片文件放进 content/bulletins/（与本文同一文件夹），并检查文件名和大小写"
NO_PAGE = "请检查链接地址；站内链接可写成相对于本文件的 .md 文件路径"


def warnings(project: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    rc, lines = check(project, capsys)
    assert rc == 0, lines
    return [line.removeprefix("警告: ") for line in lines if line.startswith("警告: ")]


def test_links_in_list_items_are_checked(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Indented 4 spaces in a list item: its text, not a code block (only
    # after a blank line outside a list is it code).
    text = edit(basic, B1, "正文第一段。", "1. 第一项\n\n    ![缺图](missing.png)\n\n    见[旧文](../no-such-page/)。\n\n结束。\n\n    代码 [x](in-code.md)")
    assert warnings(basic, capsys) == [
        f"{at(B1, text, 'missing.png')}: 2025-01-first: 正文: 图片“missing.png”不存在 — {MISSING_IMAGE}",
        f"{at(B1, text, '../no-such-page/')}: 2025-01-first: 正文: 链接“../no-such-page/”指向的页面不存在 — {NO_PAGE}",
    ]


def test_code_blocks_in_quotes_are_not_checked(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Python-Markdown strips the quote markers first: "> " then 4 spaces
    # after a ">" line is a code block in the quote, nested quotes too.
    text = edit(basic, B1, "正文第一段。", "> 说明\n>\n>     [x](in-code.md)\n>\n> 见[旧文](../no-such-page/)\n\n> > 嵌套\n> >\n> >     [y](nested-code.md)\n\n>`[z](span.md)`")
    assert warnings(basic, capsys) == [
        f"{at(B1, text, '../no-such-page/')}: 2025-01-first: 正文: 链接“../no-such-page/”指向的页面不存在 — {NO_PAGE}",
    ]


def test_reference_links_are_checked(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Said where the target is written: the definition.
    text = edit(basic, B1, "正文第一段。", "见[旧文][r1]和![图][r2]。\n\n[r1]: ../no-such-page/\n[r2]: <missing.png> \"标题\"\n[unused]: nope.md")
    assert warnings(basic, capsys) == [
        f"{at(B1, text, '../no-such-page/')}: 2025-01-first: 正文: 链接“../no-such-page/”指向的页面不存在 — {NO_PAGE}",
        f"{at(B1, text, 'missing.png')}: 2025-01-first: 正文: 图片“missing.png”不存在 — {MISSING_IMAGE}",
    ]


def test_unquoted_html_attributes_are_checked(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "正文第一段。", "<a href=../no-such-page/>旧文</a> <img alt=\"图\"\n  src=missing.png data-src=other.png>")
    assert warnings(basic, capsys) == [
        f"{at(B1, text, '../no-such-page/')}: 2025-01-first: 正文: 链接“../no-such-page/”指向的页面不存在 — {NO_PAGE}",
        f"{at(B1, text, 'missing.png')}: 2025-01-first: 正文: 图片“missing.png”不存在 — {MISSING_IMAGE}",
    ]


def test_image_on_the_editors_computer(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Word pastes file:///C:/…; the sanitiser drops the src, a blank box is published.
    word = "file:///C:/Users/zhang/AppData/Local/Temp/msohtmlclip1/01/clip_image002.jpg"
    local = "C:\\Users\\张三\\Desktop\\现场.jpg"
    text = edit(basic, B1, "正文第一段。", f'<img src="{word}" alt="现场">\n\n![现场]({local})\n\n[通知](D:\\文件\\通知.docx)')
    fix = "放进 content/bulletins/（与本文同一文件夹），再用相对路径"
    assert warnings(basic, capsys) == [
        f"{at(B1, text, word)}: 2025-01-first: 正文: 图片“{word}”是编辑自己电脑上的文件，网站上只会显示一个空白框 — 请把图片文件“clip_image002.jpg”{fix}引用：![图片说明](clip_image002.jpg)",
        f"{at(B1, text, local)}: 2025-01-first: 正文: 图片“{local}”是编辑自己电脑上的文件，网站上只会显示一个空白框 — 请把图片文件“现场.jpg”{fix}引用：![图片说明](现场.jpg)",
        f"{at(B1, text, 'D:')}: 2025-01-first: 正文: 链接“D:\\文件\\通知.docx”指向编辑自己电脑上的文件，居民打不开 — 请把文件“通知.docx”{fix}链接：[说明](通知.docx)",
    ]


def test_image_pasted_from_a_wechat_article(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # WeChat's images load by script (data-src, no src), and its image
    # server answers other sites with 未经允许不可引用: blank on the site.
    lazy = "https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg"
    text = edit(basic, B1, "正文第一段。", f'<img data-src="{lazy}" alt="义诊现场">\n\n![义诊]({lazy})')
    fix = "请把图片保存下来放进 content/bulletins/（与本文同一文件夹），再用相对路径引用：![图片说明](文件名.jpg)"
    assert warnings(basic, capsys) == [
        f"{at(B1, text, '<img')}: 2025-01-first: 正文: 图片“{lazy}”只写在 data-src 里（从微信公众号等网页复制来的代码），网站上显示不出来 — {fix}",
        f"{at(B1, text, lazy, nth=1)}: 2025-01-first: 正文: 图片“{lazy}”在微信公众号的服务器上，微信不允许其他网站引用，居民只会看到“未经允许不可引用” — {fix}",
    ]

def test_broken_link_never_suggests_its_own_page(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = edit(basic, B1, "正文第一段。", "见[上期](2025-01-firs.md)。")
    assert_error(basic, capsys, f"{at(B1, text, '2025-01-firs.md')}: 2025-01-first: 正文: 链接“2025-01-firs.md”指向的文章 content/bulletins/2025-01-firs.md 不存在，发布后是死链 — 是否想链接到“2026-03-third.md”？")
    text = edit(basic, B1, "见[上期](2025-01-firs.md)。", "见[本页](/bulletins/2025-01-firs/)。")
    assert warnings(basic, capsys) == [
        f"{at(B1, text, '/bulletins/2025-01-firs/')}: 2025-01-first: 正文: 链接“/bulletins/2025-01-firs/”指向的页面不存在 — 是否想链接到“/bulletins/2026-03-third/”？",
    ]


def test_image_without_alt_text(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Each at its own line (not the first line holding "x", here in "px"),
    # with the record, and from `check` as from `build`.
    (basic / "content/bulletins/x").write_bytes(tiny_image("PNG"))
    (basic / "content/bulletins/p.png").write_bytes(tiny_image("PNG"))
    text = edit(basic, B1, "正文第一段。", '<p style="width:100px">正文</p>\n\n<img src="x">\n<img src="x" alt="图">\n<img src="x" alt=" ">\n\n![](p.png) ![ ](p.png) ![照片](p.png)')
    md_fix = "请在方括号里写上图片内容的简短说明，例如 ![志愿者搀扶老人下楼](p.png)，读屏软件会把说明读给看不见图片的居民"
    html_fix = '请在 <img> 里写上图片内容的简短说明，例如 alt="志愿者搀扶老人下楼"，读屏软件会把说明读给看不见图片的居民'
    assert warnings(basic, capsys) == [
        f"{at(B1, text, '<img')}: 2025-01-first: 正文: 图片“x”缺少替代文字（alt） — {html_fix}",
        f"{at(B1, text, '<img', 2)}: 2025-01-first: 正文: 图片“x”缺少替代文字（alt） — {html_fix}",
        f"{at(B1, text, '![](')}: 2025-01-first: 正文: 图片“p.png”缺少替代文字（alt） — {md_fix}",
        f"{at(B1, text, '![ ](')}: 2025-01-first: 正文: 图片“p.png”缺少替代文字（alt） — {md_fix}",
    ]
    rc, _ = check(basic, capsys, "--strict")
    assert rc == 1


def test_venue_double_booked(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # estate-a-drill is at the station on 2026-12-03 09:00–11:00.
    text = add_activity(basic, start="2026-12-03 10:00", end='"12:00"')
    first = at(ACT, text, "id: estate-a-drill", shift=0)
    assert_warning(
        basic, capsys,
        f"{at(ACT, text, 'id: new-one')}: new-one: venue: 与活动“estate-a-drill”（{first}）同在“东社区科普活动站”，时间重叠：2026-12-03 10:00–11:00 — 请改动其中一项的时间或场地；如场地确实能同时容纳两项活动，可忽略此警告",
    )


def test_cancelled_activity_frees_the_venue(basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # cancelled-walk (station, 2026-12-06 07:00–08:00) is cancelled.
    add_activity(basic, start="2026-12-06 07:00", end='"08:00"')
    rc, lines = check(basic, capsys)
    assert (rc, lines) == (0, ["检查通过：3 期简报，11 项活动，6 栋楼。"])


@pytest.mark.parametrize("rel", ["buildings/a-1.md", "buildings/a-1/index.md"])  # the second was published over it
def test_page_clashing_with_a_generated_page(basic: Path, capsys: pytest.CaptureFixture[str], rel: str) -> None:
    (basic / "content" / rel).parent.mkdir(parents=True)
    (basic / "content" / rel).write_text("# 1 栋\n", encoding="utf-8")
    rc, lines = check(basic, capsys)
    assert rc == 1
    clash = [line for line in lines if line.startswith(f"content/{rel}: 与自动生成的页面“")]
    assert len(clash) == 1 and clash[0].endswith("（buildings/a-1/）网址相同 — 请给这个文件改名或移到别的文件夹"), lines
    rc = run_cli("build", "--today", TODAY, cwd=basic)
    err = capsys.readouterr().err
    assert rc == 1
    clash = [line for line in err.splitlines() if line.startswith(f"content/{rel}: 与自动生成的页面“")]
    assert len(clash) == 1 and clash[0].endswith("（buildings/a-1/）网址相同 — 请给这个文件改名或移到别的文件夹"), err
    assert "构建失败，原有的 site/ 未被改动。" in err.splitlines()


# ---------------------------------------------------------------------------
# all together, as a user runs it


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, str(REPO / "build.py"), *args, "--today", TODAY],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )


def test_many_errors_in_many_files_together_sorted(basic: Path) -> None:
    acts = add_activity(basic, venue="statoin")
    bul = edit(basic, B1, "date: 2025-12-20", "date: 2025-13-01")
    ven = edit(basic, VENUES, "community: east}", "community: esat}")
    (basic / "content/about.md").write_bytes("# 关于\n\n乱码\ufffd\n".encode())
    expected = sorted(
        [
            f"{at(ACT, acts, 'statoin')}: new-one: venue: 找不到场地“statoin” — 是否想写“station”？",
            f"{at(B1, bul, '2025-13-01')}: 2025-01-first: date: “2025-13-01”不是真实存在的日期 — 请写成 2026-12-05 或 2026年12月5日",
            f"{at(VENUES, ven, 'esat')}: station: community: 找不到社区“esat” — 是否想写“east”？",
            "content/about.md:3:3: 文字疑似乱码：发现替换字符 U+FFFD（�），说明文字在复制或转码时已经损坏 — 请从原始文档重新复制这一段，或删去乱码后再保存",
        ],
        key=lambda s: (s.split(":")[0], int(s.split(":")[1]), int(s.split(":")[2])),
    )
    (basic / "site").mkdir()
    (basic / "site/index.html").write_text("old site", encoding="utf-8")
    for command in ("check", "build"):
        result = _run(basic, command)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
        lines = result.stderr.splitlines()
        found = [line for line in lines if line in expected]
        assert found == expected, result.stderr
        assert ("发现 4 处错误，请改正后再生成网站。" if command == "check" else "发现 4 处错误，网站未更新。") in lines
    # The failed build left the previous site alone and no temp folder behind.
    assert (basic / "site/index.html").read_text(encoding="utf-8") == "old site"
    assert sorted(p.name for p in basic.iterdir()) == ["content", "mkdocs.yml", "site", "theme"]
