"""The live preview's error page.

While ``serve`` runs, a content error must not stop the server: the terminal
lists the errors and every page the editor may have open shows them too, so
the browser (which reloads itself on every rebuild) recovers on its own once
the file is fixed. No MkDocs here; the plugin calls :func:`write_error_pages`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .errors import ContentError

TEMPLATE = "gongshi/build-error.html"


def render_error_page(theme_dir: Path, errors: list[ContentError]) -> str:
    """The error page; messages are escaped (they quote what editors typed)."""
    env = Environment(loader=FileSystemLoader(str(theme_dir)), autoescape=select_autoescape(default=True, default_for_string=True))
    return env.get_template(TEMPLATE).render(errors=[str(e) for e in errors], count=len(errors))


def write_error_pages(site_dir: Path, theme_dir: Path, errors: list[ContentError], pages: Iterable[str]) -> None:
    """Write the error page at the site root, as the 404 page, and at every
    page path of the last good build (so an open page shows it and reloads)."""
    html = render_error_page(theme_dir, errors).encode("utf-8")
    for rel in sorted({"index.html", "404.html", *pages}):
        path = site_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html)
