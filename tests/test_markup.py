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
