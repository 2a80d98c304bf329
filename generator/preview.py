"""The live preview's error page.

While ``serve`` runs, a content error must not stop the server: the terminal
lists the errors and every page the editor may have open shows them too, so
the browser (which reloads itself on every rebuild) recovers on its own once
the file is fixed.

The pages of the last good build stay on disk as they are: the error page is
one file (:data:`ERROR_FILE`), and :func:`error_app` answers every request
for a page with it while the errors last. So the build that fixes the error
renders only what changed since the last good build. (Before, the error page
was written over every page, ~17,000 files at district scale, and the fix
rebuilt them all: ~40 s.) No MkDocs here; the plugin calls these.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .errors import ContentError

TEMPLATE = "gongshi/build-error.html"

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]


def render_error_page(theme_dir: Path, errors: list[ContentError]) -> str:
    """The error page; messages are escaped (they quote what editors typed)."""
    env = Environment(loader=FileSystemLoader(str(theme_dir)), autoescape=select_autoescape(default=True, default_for_string=True))
    return env.get_template(TEMPLATE).render(errors=[str(e) for e in errors], count=len(errors))


# Where the error page is, in the preview's output folder (never published:
# `serve` builds into a temporary folder).
ERROR_FILE = "_gongshi_build_error.html"


def write_error_page(site_dir: Path, theme_dir: Path, errors: list[ContentError]) -> None:
    """Write the error page, also as the 404 page and as the home page if
    there is none yet (an error at start)."""
    html = render_error_page(theme_dir, errors).encode("utf-8")
    for rel in (ERROR_FILE, "404.html", "index.html"):
        path = site_dir / rel
        if rel == "index.html" and path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html)


def error_app(app: WSGIApp, *, failed: Callable[[], bool], root: str, mount: str, settled: Callable[[], None]) -> WSGIApp:
    """The preview server's WSGI ``app``, answering with the error page
    every request for a page (an HTML file that exists under ``root``)
    while ``failed()``. ``settled()`` waits for a rebuild under way, as the
    server does before it serves a file, so a request made while the fix
    builds gets the fixed page."""

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if failed():
            path = str(environ.get("PATH_INFO", ""))
            if path.startswith(mount) and (path.endswith("/") or path.endswith(".html")):
                rel = posixpath.normpath("/" + path[len(mount):] + ("index.html" if path.endswith("/") else "")).lstrip("/")
                settled()
                if failed() and os.path.isfile(os.path.join(root, rel)):
                    environ = {**environ, "PATH_INFO": mount + ERROR_FILE}
        return app(environ, start_response)

    return serve
