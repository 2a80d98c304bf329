"""The sanitiser and the raw-HTML checks of generator/markup.py, alone.

What a built page looks like is tested in test_hostile.py; here, the last
resort for pages that are not bulletins (no validation stops their build):
an unclosed raw-text tag must not swallow the rest of the page.
"""

from __future__ import annotations

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.markup import MARKDOWN_EXTENSIONS, sanitize, unclosed_raw_text

PASTE = "第一段\n\n<{tag}>\np.MsoNormal{{margin:0}}\n\n第二段重要通知\n\n## 第三节\n\n结束"
TAGS = ["style", "script", "title", "xmp", "textarea", "iframe", "noscript", "plaintext"]


def convert(text: str) -> str:
    return markdown.Markdown(extensions=MARKDOWN_EXTENSIONS).convert(text)


@pytest.mark.parametrize("tag", TAGS)
def test_text_after_an_unclosed_raw_text_tag_is_kept(tag: str) -> None:
    html = sanitize(convert(PASTE.format(tag=tag)))
    for text in ("第一段", "第二段重要通知", "第三节", "结束"):
        assert text in html, (tag, html)
    assert f"<{tag}" not in html and "&lt;" not in html, html


@pytest.mark.parametrize("tag", TAGS)
def test_unclosed_raw_text_tag_is_found_at_its_offset(tag: str) -> None:
    text = PASTE.format(tag=tag)
    assert unclosed_raw_text(text) == (tag, text.index(f"<{tag}>"))


@pytest.mark.parametrize(
    "text",
    [
        "<style>\np{}\n</style>\n\n后文",
        "用 `<style>` 写样式。\n\n后文",
        "<!-- <script> -->\n\n后文",
        "<SCRIPT>x</Script >\n\n后文",
        "没有标签",
    ],
)
def test_closed_quoted_or_commented_tags_are_fine(text: str) -> None:
    assert unclosed_raw_text(text) is None


def test_closed_style_is_still_removed_with_its_content() -> None:
    html = sanitize(convert("<style>\np.MsoNormal{margin:0}\n</style>\n\n后文"))
    assert "MsoNormal" not in html and "后文" in html


# --- markup.quick_inline: text no inline pattern can match is passed over ---

# Each inline pattern at work, in Chinese text, at a paragraph's start and
# end, nested, escaped, and text with none of them (the fast path).
INLINE_TEXTS = [
    "社区居委会通知：本周六上午九点在活动室举办健康讲座，欢迎参加。",
    "**重要**：停水通知", "请 *务必* 准时", "__下划线粗体__ 与 _斜体_ 和 snake_case_name", "***粗斜体***",
    "`代码` 与 ``两个`反引号``", "\\*不是强调\\* 与 \\\\ 反斜杠 \\`", "[链接](https://example.cn/a) 和 ![图](a.png)",
    "[参考][ref]\n\n[ref]: https://example.cn/r", "[简写] 与 ![简图]\n\n[简写]: a.md\n[简图]: b.png",
    "<https://example.cn/x> 与 <someone@example.cn>", "第一行  \n第二行（两个空格换行）", "行尾一个空格 \n下一行",
    "<span class=\"x\">内联 HTML</span> 与 <!-- 注释 --> 与 <b>粗</b>", "&amp; &copy; &#20013; &#x4E2D; & 单独的和号",
    "脚注[^1]\n\n[^1]: 脚注内容 **加粗**", "1. 第一项 *强调*\n2. 第二项\n\n- 无序 [链接](a.md)\n- 纯文字项",
    "| 表头 | 说明 |\n|---|---|\n| 单元格 | **粗** |\n| 纯文字 | 无 |", "术语\n:   定义 *斜体*", "## 标题 {#custom-id}\n\n正文 {: .cls }",
    "> 引用 *内* 的文字\n> 纯文字", "<div markdown=\"1\">\n块内 **Markdown**\n</div>", "全角＊星号＊与［方括号］和＜尖括号＞",
    "!! 感叹号 ! 与 ![不完整", "未闭合的 [方括号 与 *星号 与 `反引号", "\u200b零宽字符\u200b与\u00a0不换行空格",
]


def _both(extensions: list[str]) -> tuple[markdown.Markdown, markdown.Markdown]:
    from generator.markup import quick_inline

    plain, quick = markdown.Markdown(extensions=extensions), markdown.Markdown(extensions=extensions)
    assert quick_inline(quick), "a registered inline pattern is not in markup._INLINE_PATTERNS"
    return plain, quick


@pytest.mark.parametrize("extensions", [MARKDOWN_EXTENSIONS, ["toc", *MARKDOWN_EXTENSIONS, "admonition"]], ids=["markup", "mkdocs"])
def test_quick_inline_changes_no_output(extensions: list[str]) -> None:
    from conftest import FIXTURES, REPO

    plain, quick = _both(extensions)
    texts = INLINE_TEXTS + [p.read_text(encoding="utf-8", errors="replace") for root in (REPO / "content", FIXTURES) for p in sorted(root.rglob("*.md"))]
    assert len(texts) > 45
    for text in texts:
        assert quick.reset().convert(text) == plain.reset().convert(text), text[:200]


def test_quick_inline_passes_over_plain_text_only() -> None:
    _plain, quick = _both(MARKDOWN_EXTENSIONS)
    inline = quick.treeprocessors["inline"]
    searched: list[str] = []
    apply = inline._InlineProcessor__applyPattern

    def counting(pattern, data, *args):  # type: ignore[no-untyped-def]
        searched.append(data)
        return apply(pattern, data, *args)

    inline._InlineProcessor__applyPattern = counting
    quick.reset().convert(INLINE_TEXTS[0])
    assert searched == []
    assert quick.reset().convert("请 *务必* 准时") == "<p>请 <em>务必</em> 准时</p>"
    assert searched


def test_quick_inline_stays_off_for_a_pattern_it_does_not_know() -> None:
    from markdown.inlinepatterns import SimpleTagInlineProcessor

    from generator.markup import quick_inline

    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)
    md.inlinePatterns.register(SimpleTagInlineProcessor(r"(~~)(.+?)~~", "del"), "del", 65)
    assert not quick_inline(md)
    assert md.convert("社区~~删除~~通知") == "<p>社区<del>删除</del>通知</p>"


# --- markup.quick_blocks: a block no other processor can take is a paragraph ---

# Each block processor at work (and the lines that only look like one), in
# Chinese text: after a plain line, before one, nested in lists, quotes,
# admonitions and md_in_html, with full-width look-alikes that stay plain.
BLOCK_TEXTS = [
    "社区居委会通知：本周六上午九点在活动室举办健康讲座。\n请居民朋友们准时参加。",
    "# 标题\n正文", "正文第一行\n# 段中的井号行是标题\n后文", "###### 六级标题 ##", "标题\n===", "标题\n---\n后文",
    "---", "***", "_ _ _", "- 项一\n- 项二", "* 项一\n+ 项二", "1. 第一\n2. 第二\n\n纯段落", "１. 全角数字开头",
    "2026年11月社区工作安排", "十一、全角顿号编号\n（一）括号编号\n①圈码", "> 引用\n> 第二行\n\n> 第二段", "正文\n> 第二行是引用",
    "[ref]: https://example.cn/r\n\n见[参考][ref]。", "正文[^1]\n\n[^1]: 脚注\n    缩进的续行\n\n正文", "!!! note \"提示\"\n    内容\n\n后文",
    "!!! warning\n    第一段\n\n    第二段\n\n不缩进的段落", "术语\n:   定义\n\n后文", "| 表头 | 说明 |\n|---|---|\n| 格 | 格 |",
    "甲 | 乙\n--|--\n丙 | 丁", "    缩进四格是代码\n\n后文", "\t制表符缩进", "  两个空格开头的段落", "   三个空格\n后文",
    "<div>\n原始 HTML\n</div>\n\n后文", "<div markdown=\"1\">\n块内 **Markdown**\n\n第二段\n</div>", "段落\n\n\n\n\n多个空行之后",
    "全角＃井号\n全角＞尖括号\n全角［方括号］\n：全角冒号开头\n！全角感叹号\n＊全角星号\n－全角减号\n｜全角竖线",
    "- 列表项\n\n    缩进的续段\n\n不缩进的段落", "- 紧凑列表\n第二行懒续行\n- 第二项", "1. 一\n\n    > 列表里的引用\n\n2. 二",
    "* [链接项](a.md)\n* 纯文字", "段落一\n段落一第二行\n\n段落二", "<!-- 注释 -->\n\n后文", "*[HTML]: 超文本标记语言\n\nHTML 文本",
    "```\n围栏代码\n```\n\n后文", "+ 加号列表\n+ 第二项", "!!! note \"只有标题的提示\"", "标题 {#custom-id}\n---", "\u3000全角空格开头的段落", "\u200b零宽字符开头",
]


def _quick(extensions: list[str], *, blocks: bool = True) -> markdown.Markdown:
    from generator.markup import quick_blocks, quick_inline

    md = markdown.Markdown(extensions=extensions)
    quick_inline(md)
    if blocks:
        assert quick_blocks(md), "a registered block processor is not in markup._BLOCK_PROCESSORS"
    return md


@pytest.mark.parametrize("extensions", [MARKDOWN_EXTENSIONS, ["toc", *MARKDOWN_EXTENSIONS, "admonition"],
                                        ["toc", *MARKDOWN_EXTENSIONS, "admonition", "abbr", "fenced_code"]],
                         ids=["markup", "mkdocs", "more"])
def test_quick_blocks_change_no_output(extensions: list[str]) -> None:
    from conftest import FIXTURES, REPO

    if "abbr" in extensions:
        # abbr's processor is not one the shortcut knows: it must stay off.
        from generator.markup import quick_blocks

        assert not quick_blocks(markdown.Markdown(extensions=extensions))
        return
    plain, quick = markdown.Markdown(extensions=extensions), _quick(extensions)
    texts = BLOCK_TEXTS + INLINE_TEXTS + [p.read_text(encoding="utf-8", errors="replace") for root in (REPO / "content", FIXTURES) for p in sorted(root.rglob("*.md"))]
    assert len(texts) > 90
    for text in texts:
        assert quick.reset().convert(text) == plain.reset().convert(text), text[:200]


def test_quick_blocks_test_nothing_for_plain_paragraphs() -> None:
    md = _quick(MARKDOWN_EXTENSIONS)
    tested: list[tuple[str, str]] = []
    for processor in md.parser.blockprocessors:
        test, name = processor.test, type(processor).__name__

        def counting(parent, block, test=test, name=name):  # type: ignore[no-untyped-def]
            tested.append((name, block))
            return test(parent, block)

        processor.test = counting
    assert md.reset().convert(BLOCK_TEXTS[0] + "\n\n第二段。\n\n第三段。") == (
        "<p>社区居委会通知：本周六上午九点在活动室举办健康讲座。\n请居民朋友们准时参加。</p>\n<p>第二段。</p>\n<p>第三段。</p>")
    # Only the empty block after the last one (Python-Markdown ends every
    # text with a blank line) went to the processors.
    assert tested and {block for _name, block in tested} == {""}
    tested.clear()
    assert md.reset().convert("# 标题") == "<h1>标题</h1>"
    assert ("HashHeaderProcessor", "# 标题") in tested


# --------------------------------------------------------------------------
# strip_indentation of a page joined from pieces stripped alone (PageShells)

# What makes a join risky: whitespace runs, kept elements and their start
# and end tags whole or cut anywhere, other tags and text.
_PIECE_TOKENS = ["\n", " ", "\t", "  ", "\n\n", "<pre>", "</pre>", "<PRE>", "</pre >", "<script>", "</script>", "<Script", ">",
                 "</script", "<scr", "ipt>", "<te", "xtarea>", "</textarea>", "<textarea", "<p>", "</p>", "<", "/", "x", "文",
                 "pre", "script", "textarea", "<pref>", "a\n  b"]


def _reference_strip(html: str) -> str:
    """strip_indentation as it was written before StripPiece (7c561e9)."""
    import re

    parts = re.compile(r"(<(pre|textarea|script)\b.*?</\2\s*>)", re.S | re.I).split(html)
    out = []
    for i in range(0, len(parts), 3):
        out.append(re.sub(r"\n[\n \t]+", "\n", parts[i]))
        if i + 1 < len(parts):
            out.append(parts[i + 1])
    return "".join(out)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECE_TOKENS), max_size=6).map("".join), max_size=6))
def test_pieces_stripped_alone_join_to_the_page_stripped_whole_or_to_nothing(pieces: list[str]) -> None:
    from generator.markup import StripPiece, join_stripped, strip_indentation

    whole = "".join(pieces)
    assert strip_indentation(whole) == _reference_strip(whole)
    joined = join_stripped([StripPiece.of(p) for p in pieces])
    assert joined is None or joined == strip_indentation(whole)


@pytest.mark.parametrize(
    ("pieces", "joins"),
    [
        # A shell's pieces: indentation inside each, text at each join.
        (["<div>\n  <p>", "标题", "</p>\n\n</div>\n<pre>\n  kept\n</pre>", "<main>\n  x", "</main>\n"], True),
        (["a\n", "b"], True),
        (["a  ", "\n  b"], True),  # the run starts after the join
        (["a", "", "b\n\n"], True),
        (["a\n", "  b"], True),  # a run across the join: the newline before it
        (["a\n ", "", "\tb"], True),  # across an empty piece too
        (["<div>\n\n", "\n\n<nav>x</nav>\n", "\n</div>"], True),  # a content block between its shell's text
        (["a\n", "  ", "b"], False),  # a run across a whole piece
        (["<pre>\n", "  </pre>"], False),  # a kept element across it
        (["x <scr", "ipt>\n  y</script>"], False),  # its start tag cut
        (["x <texta", "rea>"], False),
    ],
)
def test_pieces_join_only_where_stripping_alone_is_the_same(pieces: list[str], joins: bool) -> None:
    from generator.markup import StripPiece, join_stripped, strip_indentation

    joined = join_stripped([StripPiece.of(p) for p in pieces])
    assert (joined is not None) == joins
    if joins:
        assert joined == strip_indentation("".join(pieces))
