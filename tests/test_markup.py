"""The sanitiser and the raw-HTML checks of generator/markup.py, alone.

What a built page looks like is tested in test_hostile.py; here, the last
resort for pages that are not bulletins (no validation stops their build):
an unclosed raw-text tag must not swallow the rest of the page.
"""

from __future__ import annotations

import markdown
import pytest

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
