"""Accessibility checks on editors' articles (no MkDocs here).

An image without a text alternative is silent to a screen reader, and many
of our readers use one; the plugin reports each as a warning, which
``build --strict`` turns into a failure.
"""

from __future__ import annotations

import re
from html import unescape

_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR = re.compile(r"""\b(alt|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)


def images_without_alt(html: str) -> list[str]:
    """The ``src`` of every ``<img>`` whose alt text is missing or blank, in
    page order. (Python-Markdown writes ``alt=""`` for ``![](x.png)``.)"""
    found = []
    for tag in _IMG.finditer(html):
        attrs = {}
        for m in _ATTR.finditer(tag.group(0)):
            attrs[m.group(1).lower()] = unescape(next(v for v in m.groups()[1:] if v is not None))
        if not attrs.get("alt", "").strip():
            found.append(attrs.get("src", ""))
    return found


def source_line(text: str, needle: str) -> int:
    """1-based line of the first line of ``text`` containing ``needle`` (0 if none)."""
    if needle:
        for number, line in enumerate(text.splitlines(), 1):
            if needle in line:
                return number
    return 0
