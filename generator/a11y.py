"""Accessibility of editors' articles (no MkDocs here).

An image without a text alternative is silent to a screen reader, and many
of our readers use one. checks.check_links finds such images in the
Markdown source (so ``check`` reports them as ``build`` does, at their own
line) and warns with the words here; ``--strict`` turns that into a failure.
"""

from __future__ import annotations

_WHY = "读屏软件会把说明读给看不见图片的居民"


def missing_alt(src: str, html: bool) -> tuple[str, str]:
    """The message and the fix for an image without alt text (or a blank
    one), written as Markdown ``![](src)`` or as an HTML ``<img>``."""
    name = src.replace("\\", "/").rsplit("/", 1)[-1]
    message = f"图片“{name}”缺少替代文字（alt）" if name else "图片缺少替代文字（alt）"
    if html:
        return message, f"请在 <img> 里写上图片内容的简短说明，例如 alt=\"志愿者搀扶老人下楼\"，{_WHY}"
    return message, f"请在方括号里写上图片内容的简短说明，例如 ![志愿者搀扶老人下楼]({src})，{_WHY}"
