"""Loading: text → located values (generator/textio.py, generator/load.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import ContentError
from generator.load import YList, YMap, YNull, YStr, load_article, parse_yaml
from generator.textio import check_garbled, read_text


def test_every_value_knows_its_line_and_column() -> None:
    text = "venues:\n  - id: gy-station\n    name: 活动站\n    tags: [a, b]\n"
    doc = parse_yaml(text, "v.yml")
    assert isinstance(doc, YMap)
    venue = doc["venues"][0]  # type: ignore[index]
    assert isinstance(venue, YMap)
    assert (venue["id"].loc.line, venue["id"].loc.col) == (2, 9)  # type: ignore[union-attr]
    assert (venue["name"].loc.line, venue["name"].loc.col) == (3, 11)  # type: ignore[union-attr]
    assert venue.key_locs["name"].line == 3 and venue.key_locs["name"].col == 5
    tags = venue["tags"]
    assert isinstance(tags, YList) and [t.loc.col for t in tags] == [12, 15]  # type: ignore[union-attr]


@pytest.mark.parametrize(("raw", "text"), [("no", "no"), ("yes", "yes"), ("09:00", "09:00"), ("010", "010"), ("1e3", "1e3"), ("2026-12-05", "2026-12-05"), ("on", "on")])
def test_yaml_1_1_surprises_stay_text(raw: str, text: str) -> None:
    doc = parse_yaml(f"value: {raw}\n", "x.yml")
    assert isinstance(doc, YMap) and isinstance(doc["value"], YStr) and str(doc["value"]) == text


def test_nulls_and_quotes() -> None:
    doc = parse_yaml('a:\nb: ~\nc: "null"\nd: \'\'\n', "x.yml")
    assert isinstance(doc, YMap)
    assert isinstance(doc["a"], YNull) and isinstance(doc["b"], YNull)
    assert isinstance(doc["c"], YStr) and doc["c"] == "null" and doc["c"].quoted  # type: ignore[union-attr]
    assert isinstance(doc["d"], YStr) and doc["d"] == ""


def test_front_matter_lines_are_file_lines(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_text("---\ntitle: 标题\nissue: 3\n---\n\n正文\n", encoding="utf-8")
    article = load_article(path, "content/bulletins/b.md", "bulletins/b.md")
    assert article.meta["issue"].loc.line == 3  # type: ignore[union-attr]
    assert article.body_line == 5 and article.body == "\n正文\n"


def test_front_matter_yaml_error_has_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_text("---\ntitle: 标题\nsummary: a: b\n---\n正文\n", encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_article(path, "b.md", "b.md")
    assert (exc.value.loc.line, exc.value.loc.col) == (3, 11)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: \xe4\xb8\xad\r\n")
    assert read_text(path, "x.yml") == "a: 1\nb: 中\n"
    path.write_bytes(b"a: 1\rb: 2\r")  # old Mac line ends
    assert read_text(path, "x.yml") == "a: 1\nb: 2\n"


@pytest.mark.parametrize("text", ["café crème", "“引号”和‘单引号’", "全角：，。！？（）", "—— 破折号……省略号", "温度 25°C，面积 180 m²", "© 2026 ®", "他说：“……”", "李·明 × 3 ÷ 2"])
def test_legitimate_text_is_not_garbled(text: str) -> None:
    check_garbled(text, "x.md")


def test_garble_is_reported_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as exc:
        check_garbled("第一行\n第二行锟斤拷\n", "x.md")
    assert (exc.value.loc.line, exc.value.loc.col) == (2, 4)


def test_merge_keys_and_aliases_of_scalars() -> None:
    doc = parse_yaml("a: &x hello\nb: *x\n", "x.yml")
    assert isinstance(doc, YMap) and doc["b"] == "hello"
    with pytest.raises(ContentError):
        parse_yaml("base: &b {x: 1}\nc:\n  <<: *b\n", "x.yml")


def test_empty_document() -> None:
    assert isinstance(parse_yaml("", "x.yml"), YNull)
    assert isinstance(parse_yaml("# only a comment\n", "x.yml"), YNull)


def test_invalid_byte_column_counts_characters(tmp_path: Path) -> None:
    path = tmp_path / "x.md"
    path.write_bytes("第一行\n中文后".encode() + b"\xff\n")
    with pytest.raises(ContentError) as exc:
        read_text(path, "x.md")
    assert (exc.value.loc.line, exc.value.loc.col) == (2, 4)


def test_too_many_values(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.load as load

    monkeypatch.setattr(load, "MAX_NODES", 50)
    with pytest.raises(ContentError) as exc:
        parse_yaml("items: [" + ", ".join(["x"] * 60) + "]\n", "content/data/activities.yml")
    assert str(exc.value) == "content/data/activities.yml: 文件中的值超过 50 个，远超手写数据的规模 — 活动很多时请拆分到 content/data/activities/ 下的多个文件；或检查是否误粘贴了大量内容"


def test_a_few_aliases_are_fine() -> None:
    doc = parse_yaml("base: &b {role: 队长, phone: '1'}\na: *b\nb: *b\nc: *b\n", "x.yml")
    assert isinstance(doc, YMap) and doc["c"]["role"] == "队长"  # type: ignore[index]


def test_fast_and_python_yaml_parsers_give_the_same_located_values() -> None:
    """load.py composes with libyaml when present; every value, location and
    quoting flag must equal what PyYAML's Python parser gives."""
    import glob

    import yaml

    from generator.load import YList, YMap, YStr, _Builder

    def tree(v):  # type: ignore[no-untyped-def]
        if isinstance(v, YMap):
            return ("M", v.loc, tuple((k, v.key_locs[k], tree(x)) for k, x in v.items()))
        if isinstance(v, YList):
            return ("L", v.loc, tuple(tree(x) for x in v))
        if isinstance(v, YStr):
            return ("S", str(v), v.loc, v.quoted)
        return ("N", v.loc)

    assert yaml.__with_libyaml__, "PyYAML without libyaml: loading is ~3x slower"
    tricky = 'a: 中文：冒号\nb: "引号"\nc: \'单\'\nd:\ne: ~\nf: |\n  多行\n  文字\ng: &x [1, 2]\nh: *x\ni: 09:00\nj: no\n'
    root = Path(__file__).resolve().parent.parent
    texts = [tricky] + [Path(f).read_text(encoding="utf-8-sig") for f in sorted(glob.glob(str(root / "content/data/*.yml")) + glob.glob(str(root / "tests/fixtures/*/content/data/*.yml")))]
    assert len(texts) > 10
    for text in texts:
        fast = _Builder("f.yml", 0).build(yaml.compose(text, Loader=yaml.CSafeLoader))
        slow = _Builder("f.yml", 0).build(yaml.compose(text, Loader=yaml.SafeLoader))
        assert tree(fast) == tree(slow)


def test_article_paths_in_path_order_with_their_url_paths(tmp_path: Path) -> None:
    # pipeline.article_paths sorts tuples of parts instead of Paths: the same
    # order, "a/x.md" before "a-b/x.md" although "-" sorts before "/".
    from generator.pipeline import Project, article_paths

    content = tmp_path / "content"
    for rel in ("a/x.md", "a-b/x.md", "a.md", "b/c/d.md", "b/c.md", "关于.md", "data/x.md", ".hidden/y.md", "b/.draft.md", "b/notes.txt"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text("# x\n", encoding="utf-8")
    project = Project.at(tmp_path)
    found = article_paths(project)
    expected = sorted(p for p in content.rglob("*.md") if not p.relative_to(content).as_posix().startswith(("data/", ".hidden/")) and not p.name.startswith("."))
    assert [path for path, _rel in found] == expected
    assert [rel for _path, rel in found] == [p.relative_to(project.content_dir).as_posix() for p in expected]
    assert [rel for _path, rel in found][:2] == ["a/x.md", "a-b/x.md"]


def test_the_data_model_is_handed_over_before_the_articles_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # `build` starts the door notices from load_model's on_data: the model
    # without bulletins, as soon as the data files are valid, before any
    # article is read; the model returned is the one made without it.
    from dataclasses import fields

    from conftest import FIXTURES, TODAY

    from generator import pipeline
    from generator.dates import parse_date

    project = pipeline.Project.at(FIXTURES / "basic")
    today = parse_date(TODAY)
    plain, _p, plain_articles = pipeline.load_model(project, today)
    events: list[str] = []
    handed: list[object] = []
    real = pipeline.load_articles

    def reading(*args: object) -> None:
        events.append("articles")
        real(*args)  # type: ignore[arg-type]

    def on_data(site: object) -> None:
        events.append("data")
        handed.append(site)

    monkeypatch.setattr(pipeline, "load_articles", reading)
    site, _p, articles = pipeline.load_model(project, today, on_data=on_data)
    assert events == ["data", "articles"]
    assert plain.bulletins and handed[0].bulletins == ()  # type: ignore[attr-defined]
    for f in fields(site):
        if f.name not in ("bulletins", "drafts"):
            assert getattr(handed[0], f.name) == getattr(site, f.name), f.name
        assert getattr(site, f.name) == getattr(plain, f.name), f.name
    assert [a.rel for a in articles] == [a.rel for a in plain_articles]


def test_no_data_model_is_handed_over_when_the_data_has_errors(tmp_path: Path) -> None:
    import shutil

    from conftest import FIXTURES, TODAY

    from generator import pipeline
    from generator.dates import parse_date
    from generator.errors import BuildFailed

    shutil.copytree(FIXTURES / "basic", tmp_path / "p")
    (tmp_path / "p" / "content" / "data" / "venues.yml").write_text("venues: [", encoding="utf-8")
    handed: list[object] = []
    with pytest.raises(BuildFailed):
        pipeline.load_model(pipeline.Project.at(tmp_path / "p"), parse_date(TODAY), on_data=handed.append)
    assert handed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Of two "key：" lines in a row the first is named (mending either alone still fails).
        ("title：测试\nsummary：简要\nissue: 3\n", "x.yml:1:6: YAML 格式错误：字段名“title”后面用了全角冒号“：”（中文输入法打出的）"),
        # Paragraphs indented with U+3000 in a block of text are not the cause…
        ("note: |\n  　　第一段。\n  　　第二段：说明\nkind: x\n\tbad: 1\n", "x.yml:5:1: YAML 格式错误：出现了制表符（Tab），YAML 只能用空格缩进"),
        # … of an error after them.
        ("note: |\n  　　第一段。\nsummary：简要\nissue: 3\n", "x.yml:3:8: YAML 格式错误：字段名“summary”后面用了全角冒号“：”（中文输入法打出的）"),
        ("note: 通知：停水\nsummary: a: b\n", "x.yml:2:11: YAML 格式错误：此处不能出现冒号"),
        ("a:\n  b: 1\n\u00a0\u00a0c: 2\n", "x.yml:3:1: YAML 格式错误：第 3 行开头有不可见的特殊空格（U+00A0）"),
        # Special spaces elsewhere than the start of a line look like spaces:
        # after a key's colon, after a list's "-", in a key.
        ("a: 1\ntitle:\u00a0测试\nb: 2\n", "x.yml:2:6: YAML 格式错误：“title:”的冒号后面是不可见的特殊空格（U+00A0） — 请删去冒号后面的空白"),
        ("a:\u3000测试\nb: 1\n", "x.yml:1:2: YAML 格式错误：“a:”的冒号后面是不可见的特殊空格（全角空格 U+3000）"),
        ("items:\n  -\u00a0id: x\n    date: 1\n", "x.yml:2:4: YAML 格式错误：第 2 行的“-”后面是不可见的特殊空格（U+00A0） — 请删去“-”后面的空白"),
        ("a: 1\ndate\u00a0: 2\n", "x.yml:2:5: YAML 格式错误：字段名“date”里有不可见的特殊空格（U+00A0）"),
        # The colon left out: PyYAML stops on the next line.
        ("items:\n  - id: a\n    venue gy-plaza\n    kind: x\n", "x.yml:3:10: YAML 格式错误：第 3 行的字段名“venue”后面缺少冒号 — 请写成“venue: gy-plaza”"),
        ("- id x\n  kind: y\n", "x.yml:1:5: YAML 格式错误：第 1 行的字段名“id”后面缺少冒号"),
        # PyYAML's English for other mistakes, explained in Chinese.
        ("a: [", "x.yml:1:5: YAML 格式错误：这里缺少内容：方括号或花括号没有闭合"),
        ("tags: [1, ]]\n", "x.yml:1:12: YAML 格式错误：多了一个“]”，前面没有与之配对的“[”"),
        ("a: {x: 1}}\n", "x.yml:1:10: YAML 格式错误：多了一个“}”，前面没有与之配对的“{”"),
        ('title: "第一期"通知\n', "x.yml:1:13: YAML 格式错误：引号结束后还有文字"),
        ('file: "C:\\通知\\2026.doc"\n', "x.yml:1:11: YAML 格式错误：双引号里的反斜杠“\\”被当作转义符 — 请改用单引号"),
        ("%YAML 2.0\n---\na: 1\n", "x.yml:1:1: YAML 格式错误：文件开头的 %YAML 声明不受支持"),
    ],
)
def test_yaml_errors_name_their_cause_in_chinese(text: str, expected: str) -> None:
    with pytest.raises(ContentError) as exc:
        parse_yaml(text, "x.yml")
    assert str(exc.value).startswith(expected), str(exc.value)
    assert not re.search(r"[a-z]{4,} [a-z]{4,}", str(exc.value)), str(exc.value)  # no PyYAML English


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("---\ntitle: 关于\n\n正文第一段。\n\n——————\n\n结尾\n", "a.md:1:1: 元数据以 --- 开始，但没有找到结束的 ---"),  # a rule in the body
        ("---\ntitle: 测试\n# 注释\n\n# 标题\n\n正文第一段\n\n---\n\n尾\n", "a.md:1:1: 元数据缺少结束的 ---：从第 3 行起的正文被当成了元数据 — 请在元数据最后一行（第 2 行）之后单独写一行 ---"),
    ],
)
def test_front_matter_without_its_closing_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_article(path, "a.md", "a.md")
    assert str(exc.value).startswith(expected), str(exc.value)


@pytest.mark.parametrize("text", ["# 标题\n\n---\n\n正文\n", "\n---\n\n正文\n", "——\n\n正文\n", "---\ntitle: x\neditor_note: |\n  ——\n  y\n---\n正文\n"])
def test_rules_and_dashes_that_are_not_front_matter(tmp_path: Path, text: str) -> None:
    path = tmp_path / "a.md"
    path.write_text(text, encoding="utf-8")
    load_article(path, "a.md", "a.md")


LECTURE = """lectures:
  - id: 2026-12-forum-ranqi
    series: forum
    title: 冬季燃气安全与一氧化碳中毒急救
    speaker: 韩建国
    start: 2026-12-12 14:30
    end: 16:00
    venue: gy-school-hall
    note: 请带上“燃气安全卡”
    contact: {role: 活动站值班员, phone: "027-8765 4301"}

  - id: 2026-12-health-xueya
    series: health
    title: '高血压的家庭自测'
    start: 2026-12-19 09:30
    end: 11:00
    venue: gy-sub-hospital
    contact: {role: 科普学校教务干事, phone: '027-8765 4302'}
"""


@pytest.mark.parametrize(
    ("line", "old", "new", "expected"),
    [
        # The closing quote forgotten: PyYAML reads on to the next quote,
        # three lines down, and stops on a correct line.
        (7, "end: 16:00", 'end: "16:00', 'x.yml:7:10: YAML 格式错误：第 7 行的引号没有闭合：从这里开始的引号一直到第 10 行才结束'
         ' — 请在这一行末尾补上引号（写成 end: "16:00"），或去掉开头的引号'),
        # The full-width quotes “” on the way are text, not YAML quotes.
        (4, "title: 冬季", 'title: "冬季', 'x.yml:4:12: YAML 格式错误：第 4 行的引号没有闭合：从这里开始的引号一直到第 10 行才结束'
         ' — 请在这一行末尾补上引号（写成 title: "冬季燃气安全与一氧化碳中毒急救"），或去掉开头的引号'),
        (16, "end: 11:00", "end: '11:00", "x.yml:16:10: YAML 格式错误：第 16 行的引号没有闭合：从这里开始的引号一直到第 18 行才结束"
         " — 请在这一行末尾补上引号（写成 end: '11:00'），或去掉开头的引号"),
    ],
)
def test_an_unclosed_quote_is_reported_where_it_was_opened(line: int, old: str, new: str, expected: str) -> None:
    lines = LECTURE.split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    with pytest.raises(ContentError) as exc:
        parse_yaml("\n".join(lines), "x.yml")
    assert str(exc.value) == expected


def test_a_quoted_value_over_several_lines_is_not_blamed() -> None:
    # A correct two-line quoted value before a mistake that is not a quote.
    text = 'a: "第一行\n  第二行"\nb: 1\n c: 2\n'
    with pytest.raises(ContentError) as exc:
        parse_yaml(text, "x.yml")
    assert str(exc.value).startswith("x.yml:4:3: YAML 格式错误：此处不能出现冒号"), str(exc.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Double-quoted text ends at a "\" further down, not at a quote.
        ('a: "x\nb: 1\nc: C:\\通知\nd: 2\n', 'x.yml:1:4: YAML 格式错误：第 1 行的引号没有闭合：后面的行都被当成了引号里的文字，到第 3 行出错'
         ' — 请在这一行末尾补上引号（写成 a: "x"），或去掉开头的引号'),
        # A comment after the value stays a comment.
        ('a: "x  # 注释\nb: 1\nc: "d"\n', 'x.yml:1:4: YAML 格式错误：第 1 行的引号没有闭合：从这里开始的引号一直到第 3 行才结束'
         ' — 请在这一行末尾补上引号（写成 a: "x"  # 注释），或去掉开头的引号'),
        # '' is a quote inside single quotes, not the end.
        ("a: 'it''s\nb: 1\nc: 'd'\n", "x.yml:1:4: YAML 格式错误：第 1 行的引号没有闭合：从这里开始的引号一直到第 3 行才结束"
         " — 请在这一行末尾补上引号（写成 a: 'it''s'），或去掉开头的引号"),
    ],
)
def test_unclosed_quotes_in_other_places(text: str, expected: str) -> None:
    with pytest.raises(ContentError) as exc:
        parse_yaml(text, "x.yml")
    assert str(exc.value) == expected


def test_an_unclosed_quote_in_front_matter_has_the_file_line(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_text('---\ntitle: "停水通知\nissue: 3\nsummary: "周六停水"\n---\n正文\n', encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        load_article(path, "b.md", "b.md")
    assert str(exc.value).startswith("b.md:2:8: YAML 格式错误：第 2 行的引号没有闭合：从这里开始的引号一直到第 4 行才结束"), str(exc.value)


# --- half the activity files read in a second process (pipeline._Prefetch)


def _split_activities(dest: Path) -> Path:
    """The basic fixture with its activities spread over activities.yml and
    four files in content/data/activities/; the prefetch's child reads the
    last two (3.yml, 4.yml)."""
    import shutil

    from conftest import FIXTURES

    shutil.copytree(FIXTURES / "basic", dest)
    data = dest / "content" / "data"
    text = (data / "activities.yml").read_text(encoding="utf-8")
    records = ["  - id:" + r for r in text.split("\n  - id:")[1:]]
    assert len(records) == 8
    parts = [records[0:2], records[2:4], records[4:6], records[6:7], records[7:8]]
    (data / "activities.yml").write_text("activities:\n" + "\n".join(parts[0]) + "\n", encoding="utf-8")
    (data / "activities").mkdir()
    for n, part in enumerate(parts[1:], 1):
        (data / "activities" / f"{n}.yml").write_text("activities:\n" + "\n".join(part) + "\n", encoding="utf-8")
    return dest


def _both_ways(project_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object, list[str], list[str]]:
    """(serial result, result with the prefetch, the files its child read,
    the deferred files the build process read itself): each result the
    model and its warnings, or the error report."""
    from conftest import TODAY

    from generator import pipeline
    from generator.dates import parse_date
    from generator.errors import BuildFailed

    project = pipeline.Project.at(project_dir)
    started: list[str] = []
    read_here: list[str] = []
    real_start, real_read = pipeline._Prefetch.start.__func__, pipeline._read_deferred  # type: ignore[attr-defined]

    def start(cls: type, project: pipeline.Project) -> object:
        prefetch = real_start(cls, project)
        started.extend(path.name for path in prefetch.files)
        return prefetch

    def read_deferred(project: pipeline.Project, shown: str, doc: object, p: object) -> object:
        read_here.append(shown.rsplit("/", 1)[-1])
        return real_read(project, shown, doc, p)

    def run() -> object:
        try:
            site, p, _articles = pipeline.load_model(project, parse_date(TODAY))
        except BuildFailed as exc:
            return exc.report()
        return site, [str(w) for w in p.sorted_warnings()]

    monkeypatch.setattr(pipeline, "PREFETCH_BYTES", 10**12)
    serial = run()
    monkeypatch.setattr(pipeline, "PREFETCH_BYTES", 0)
    monkeypatch.setattr(pipeline._Prefetch, "start", classmethod(start))
    monkeypatch.setattr(pipeline, "_read_deferred", read_deferred)
    parallel = run()
    return serial, parallel, started, read_here


def test_activity_files_read_in_a_second_process_make_the_same_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _split_activities(tmp_path / "p")
    # A warning in a file the child reads comes back with it.
    four = project / "content" / "data" / "activities" / "4.yml"
    four.write_text(four.read_text(encoding="utf-8").replace("    venue: station\n", "    venue: station\n    description: ''\n"), encoding="utf-8")
    serial, parallel, started, read_here = _both_ways(project, monkeypatch)
    assert started == ["3.yml", "4.yml"]
    assert read_here == []  # every deferred file came from the child
    assert isinstance(serial, tuple) and isinstance(parallel, tuple)
    assert {"b1-only", "dance"} <= set(serial[0].activities)  # type: ignore[attr-defined]
    assert parallel[0] == serial[0]
    assert any("活动说明是空的" in w and "4.yml" in w for w in serial[1])
    assert parallel[1] == serial[1]


@pytest.mark.parametrize(
    ("edits", "read_here"),
    [
        # A YAML error in a file the child reads.
        ({"4.yml": ("    end: 20:30\n", "    end: [20:30\n")}, ["4.yml"]),
        # A validation error.
        ({"3.yml": ("venue: station", "venue: nowhere")}, ["3.yml"]),
        # An id of the build process's half again in the child's: reported
        # there, naming the first file (the child could not know it).
        ({"3.yml": ("id: old-talk", "id: b1-only")}, ["3.yml"]),
        # The same id in three files: both later ones name the first.
        ({"3.yml": ("id: old-talk", "id: b1-only"), "4.yml": ("id: dance", "id: b1-only")}, ["3.yml", "4.yml"]),
        # An id twice in the child's half alone.
        ({"4.yml": ("id: dance", "id: old-talk")}, ["4.yml"]),
    ],
)
def test_a_problem_in_the_second_process_s_files_is_reported_as_a_serial_read_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edits: dict[str, tuple[str, str]], read_here: list[str],
) -> None:
    project = _split_activities(tmp_path / "p")
    for name, (old, new) in edits.items():
        path = project / "content" / "data" / "activities" / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    serial, parallel, started, here = _both_ways(project, monkeypatch)
    assert started == ["3.yml", "4.yml"]
    assert isinstance(serial, str) and "4.yml" in serial or "3.yml" in serial
    assert parallel == serial
    assert here == read_here


def test_the_deferred_files_yaml_errors_are_reported_when_the_other_data_is_broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = _split_activities(tmp_path / "p")
    (project / "content" / "data" / "site.yml").write_text("site: [", encoding="utf-8")
    (project / "content" / "data" / "activities" / "4.yml").write_text("activities: [", encoding="utf-8")
    serial, parallel, _started, _here = _both_ways(project, monkeypatch)
    assert isinstance(serial, str) and "site.yml" in serial and "4.yml" in serial
    assert parallel == serial


@pytest.mark.parametrize("how", ["dies", "raises"])
def test_when_the_second_process_fails_the_build_process_reads_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], how: str,
) -> None:
    from generator import pipeline

    if how == "dies":
        monkeypatch.setattr(pipeline, "_prefetch_child", lambda *args: os._exit(3))
    else:
        parent, real = os.getpid(), pipeline._read_activities

        def failing(*args: object) -> object:
            if os.getpid() != parent and str(args[0]).endswith("4.yml"):
                raise RuntimeError("a bug in the second process")
            return real(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(pipeline, "_read_activities", failing)
    project = _split_activities(tmp_path / "p")
    serial, parallel, started, read_here = _both_ways(project, monkeypatch)
    assert started == ["3.yml", "4.yml"]
    assert read_here == (["3.yml", "4.yml"] if how == "dies" else ["4.yml"])
    assert isinstance(serial, tuple) and parallel == serial
    assert "Traceback" not in capfd.readouterr().err


# ----------------------------------------------------- one item parsed again

def _same_tree(a: object, b: object, where: str = "") -> None:
    """Equal values, types, locations, quoting and key order (== on YStr
    compares the text only)."""
    assert type(a) is type(b), where
    assert getattr(a, "loc", None) == getattr(b, "loc", None), where
    if isinstance(a, YStr):
        assert isinstance(b, YStr)
        assert (str(a), a.quoted, a.indent) == (str(b), b.quoted, b.indent), where
    elif isinstance(a, YMap):
        assert isinstance(b, YMap)
        assert list(a) == list(b) and a.key_locs == b.key_locs, where
        for k in a:
            _same_tree(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, YList):
        assert isinstance(b, YList) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_tree(x, y, f"{where}[{i}]")


def _outcome(text: str, cache: dict | None) -> object:
    try:
        return parse_yaml(text, "data/x.yml", cache=cache)
    except ContentError as exc:
        return ("error", exc.loc, exc.message, exc.fix)


# Lists as editors write them, and as they should not: block texts kept
# with their trailing lines (|+), folded, quoted texts running over lines,
# one of them starting with "- " at the list's column (that list is always
# parsed whole), comments at column 0 between items, a list at its key's
# column, flow lists, two lists in one file (lectures.yml), nested lists.
_TRICKY = '''\
# 活动
series:
  - id: forum
    name: 科普大讲堂
  - id: health
    name: "健康
  - 讲座"
activities:
  - id: a1
    title: 防汛演练
    description: |+
      第一行
      - 不是新的一项

  - id: a2
    title: '多行
      引号'
    tags: [一, 二,
      三]
# 十二月
  -
    id: a3
    description: >
      折叠的
      文字
    note: 同一句话
  - id: a4
    nested:
      - x
      - y: 1
        z: [1, 2]
lectures:
- id: l1
  title: 讲座一
- id: l2
  title: 讲座二
  speaker: {name: 张医生, title: 主任}
'''

# An alias copies its anchor's values into another item: such a text is
# always parsed whole.
_ALIASED = """\
activities:
  - id: a1
    note: &n 同一句话
  - id: a2
    note: *n
"""

_SHIPPED = sorted(
    {p for p in (Path(__file__).parent.parent / "content" / "data").glob("*.yml")}
    | {p for p in (Path(__file__).parent / "fixtures").glob("*/content/data/activities.yml")}
)


def test_an_edit_inside_one_item_reuses_the_others_and_equals_a_whole_parse() -> None:
    text = (Path(__file__).parent.parent / "content" / "data" / "activities.yml").read_text(encoding="utf-8")
    cache: dict = {}
    before = parse_yaml(text, "data/activities.yml", cache=cache)
    assert isinstance(before, YMap)
    items = before["activities"]
    assert isinstance(items, YList) and len(items) > 5
    n = len(items) // 2
    title = items[n]["title"]  # type: ignore[index]
    line = title.loc.line - 1
    lines = text.split("\n")
    lines[line] = lines[line].replace(str(title), "改" + str(title), 1)
    edited = "\n".join(lines)
    after = parse_yaml(edited, "data/activities.yml", cache=cache)
    _same_tree(after, parse_yaml(edited, "data/activities.yml"))
    assert isinstance(after, YMap)
    now = after["activities"]
    assert isinstance(now, YList)
    # Parsed again: the item edited; kept: every other one, the same objects.
    assert now[n] is not items[n] and now[n]["title"] == "改" + str(title)  # type: ignore[index]
    assert all(now[i] is items[i] for i in range(len(items)) if i != n)
    # An edit of the other kind (a line added) is parsed whole, and equal too.
    grown = edited.replace(lines[line], lines[line] + "\n    extra_note: 电话报名", 1)
    again = parse_yaml(grown, "data/activities.yml", cache=cache)
    _same_tree(again, parse_yaml(grown, "data/activities.yml"))
    assert again["activities"][0] is not now[0]  # type: ignore[index]


_EDIT_CHARS = st.sampled_from([" ", "  ", "-", "- ", ":", ": ", '"', "'", "#", "|", "|+", ">", "[", "]", "{", "}",
                               "&a ", "*a", "*n", "\t", "x", "中", "---", "...", "\u3000", ",", "?"])


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_edit_of_a_line_parses_as_the_whole_text_does(data: st.DataObject) -> None:
    # Every edit of a line, made alone or after another (the cache holds
    # the last tree, whichever way it was made), gives the tree or the
    # error a parse of the whole text gives.
    text = data.draw(st.sampled_from([_TRICKY, _ALIASED, *(p.read_text(encoding="utf-8") for p in _SHIPPED[:4])]))
    cache: dict = {}
    if isinstance(_outcome(text, cache), tuple):
        return
    for _ in range(data.draw(st.integers(1, 3))):
        lines = text.split("\n")
        i = data.draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        how = data.draw(st.sampled_from(["insert", "delete", "indent", "dedent", "copy"]))
        if how == "insert":
            at = data.draw(st.integers(0, len(line)))
            line = line[:at] + data.draw(_EDIT_CHARS) + line[at:]
        elif how == "delete" and line:
            at = data.draw(st.integers(0, len(line) - 1))
            line = line[:at] + line[at + data.draw(st.integers(1, 4)):]
        elif how == "indent":
            line = " " * data.draw(st.integers(1, 3)) + line
        elif how == "dedent":
            line = line[data.draw(st.integers(1, 3)):] if line.startswith(" ") else line
        else:
            line = lines[data.draw(st.integers(0, len(lines) - 1))]
        lines[i] = line
        text = "\n".join(lines)
        fast, whole = _outcome(text, cache), _outcome(text, None)
        if isinstance(whole, tuple):
            assert fast == whole
        else:
            _same_tree(fast, whole)


@pytest.mark.parametrize("name", ["tricky", *(p.parent.parent.parent.name + "/" + p.name for p in _SHIPPED)])
def test_every_line_edited_parses_as_the_whole_text_does(name: str) -> None:
    # Each line of the file edited alone, three ways (a character added at
    # its end and after its indentation, the line emptied): the parse from
    # the last tree equals the whole text's, and most edits of an item's
    # own line took the shortcut (the first item kept as it was).
    text = _TRICKY if name == "tricky" else next(p for p in _SHIPPED if p.parent.parent.parent.name + "/" + p.name == name).read_text(encoding="utf-8")
    first: dict = {}
    tree = _outcome(text, first)
    assert isinstance(tree, YMap)
    lines = text.split("\n")
    kept = tried = 0
    for i, line in enumerate(lines):
        body = line.lstrip(" ")
        for edited in (line + "改", line[: len(line) - len(body)] + "x" + body, ""):
            if edited == line:
                continue
            cache = dict(first)
            new = "\n".join([*lines[:i], edited, *lines[i + 1 :]])
            fast, whole = _outcome(new, cache), _outcome(new, None)
            if isinstance(whole, tuple):
                assert fast == whole, (i, edited)
                continue
            _same_tree(fast, whole, f"line {i + 1}: {edited!r}")
            tried += 1
            lists = [k for k, v in tree.items() if isinstance(v, YList) and len(v) > 1]
            kept += isinstance(fast, YMap) and any(
                isinstance(fast.get(k), YList) and (fast[k][0] is tree[k][0] or fast[k][-1] is tree[k][-1]) for k in lists)  # type: ignore[index]
    assert tried
    if name == "tricky" or name.endswith("activities.yml"):
        assert kept > tried // 2, (kept, tried)


def test_an_aliased_text_is_parsed_whole() -> None:
    cache: dict = {}
    before = parse_yaml(_ALIASED, "data/x.yml", cache=cache)
    edited = _ALIASED.replace("同一句话", "另一句话")
    after = parse_yaml(edited, "data/x.yml", cache=cache)
    assert after["activities"][1]["note"] == "另一句话"  # type: ignore[index]
    assert after["activities"][1] is not before["activities"][1]  # type: ignore[index]
