"""Helpers for the browser tests and scripts/screenshots.py: serve a built site
on 127.0.0.1, drive Debian's Chromium through Playwright (never a downloaded
browser), and keep every request to another host from leaving the machine
while recording it.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
ELDER_KEY = "gongshi.elder"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # .pf_* and .pagefind files are binary; the wasm must not be sniffed as text.
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".pagefind": "application/wasm",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Traffic:
    """What one page asked for: outside requests (blocked) and local bytes."""

    outside: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)
    own: list[str] = field(default_factory=list)  # the site's public host, answered from the build
    bytes_by_url: dict[str, int] = field(default_factory=dict)

    def clear(self) -> None:
        self.outside.clear()
        self.local.clear()
        self.own.clear()
        self.bytes_by_url.clear()

    @property
    def total_bytes(self) -> int:
        return sum(self.bytes_by_url.values())


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname == "127.0.0.1"


def watch(context: Any, own_host: str = "", own_site: Path | None = None) -> Traffic:
    """Route every request of a Playwright browser context: outside hosts are
    recorded and aborted (as the Great Firewall would), local ones counted.

    ``own_host`` is the site's public host (site.url): a request there is the
    site asking itself, as it would once published, and is answered from the
    local build ``own_site`` (404 if absent) instead of the network."""
    traffic = Traffic()

    def route(route: Any) -> None:
        url = route.request.url
        if is_local(url):
            traffic.local.append(url)
            route.continue_()
        elif own_host and urlsplit(url).hostname == own_host:
            traffic.own.append(url)
            path = urlsplit(url).path.lstrip("/")
            target = (own_site / path) if own_site is not None else None
            if target is not None and target.is_dir():
                target = target / "index.html"
            if target is not None and target.is_file():
                route.fulfill(status=200, path=str(target))
            else:
                route.fulfill(status=404, body="")
        else:
            traffic.outside.append(url)
            route.abort()

    def finished(request: Any) -> None:
        if not is_local(request.url) or request.url.startswith("data:"):
            return
        sizes = request.sizes()
        traffic.bytes_by_url[request.url] = traffic.bytes_by_url.get(request.url, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]

    context.route("**/*", route)
    context.on("requestfinished", finished)
    return traffic


def goto(page: Any, url: str, *, quiet_s: float = 0.5, timeout_s: float = 20.0) -> None:
    """Open ``url`` and wait until the page has loaded and its network has been
    quiet (nothing open, nothing started) for ``quiet_s``.

    Playwright's own wait_for_load_state("networkidle") is not used: it hung
    for 30 s in CI on the door notice, a page with one stylesheet, after its
    load event (Playwright calls that wait flaky and discourages it). Here
    the requests are counted from the page's own events. A request still
    open after ``timeout_s`` has delivered no body, so it cannot have asked
    for anything else: the wait ends and the caller's checks on the
    recorded traffic stand."""
    open_requests: set[Any] = set()
    last = [time.monotonic()]

    def started(request: Any) -> None:
        open_requests.add(request)
        last[0] = time.monotonic()

    def ended(request: Any) -> None:
        open_requests.discard(request)
        last[0] = time.monotonic()

    page.on("request", started)
    page.on("requestfinished", ended)
    page.on("requestfailed", ended)
    try:
        page.goto(url, wait_until="load")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not open_requests and time.monotonic() - last[0] >= quiet_s:
                return
            page.wait_for_timeout(50)  # lets Playwright deliver the events
    finally:
        page.remove_listener("request", started)
        page.remove_listener("requestfinished", ended)
        page.remove_listener("requestfailed", ended)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_context(browser: Any, viewport: dict[str, int], *, elder: bool = False, **kwargs: Any) -> Any:
    """A fresh browser context (empty storage, no cache); with ``elder`` the
    resident chose 长辈模式 on an earlier visit."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **kwargs)
    if elder:
        context.add_init_script(f"try{{localStorage.setItem('{ELDER_KEY}','1')}}catch(e){{}}")
    return context
