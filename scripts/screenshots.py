"""Screenshots of the residents' site for the README.

    .venv/bin/python scripts/screenshots.py [--site DIR] [--out docs/screenshots]

Builds the shipped sample content (content/) into a temporary folder, unless
--site names an already built site, serves it on 127.0.0.1 and photographs it
in headless Chromium (Debian's, via Playwright): the home page on a phone
(360 × 740, normal and 长辈模式) and on a desktop, a bulletin, a building
page, Chinese search results, and a door notice. Requests to other hosts are
blocked, as they would be for a resident in mainland China.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser_helpers import DESKTOP, PHONE, chromium, goto, new_context, serve, watch  # noqa: E402

TODAY = "2026-11-29"

# (file name, url, viewport, elder mode, full page, search query)
SHOTS = [
    ("home-phone.png", "", PHONE, False, False, None),
    ("home-phone-elder.png", "", PHONE, True, False, None),
    ("home-desktop.png", "", DESKTOP, False, False, None),
    ("bulletin-phone.png", "bulletins/2026-05-fangzai-yanlian/", PHONE, False, False, None),
    ("bulletin-phone-elder.png", "bulletins/2026-05-fangzai-yanlian/", PHONE, True, False, None),
    ("building-phone.png", "buildings/{building}/", PHONE, False, False, None),
    ("search-phone.png", "", PHONE, False, False, "防灾减灾"),
    ("notice-desktop.png", "notices/{building}/", {"width": 900, "height": 1273}, False, False, None),
]


def build_sample(dest: Path) -> Path:
    from generator.cli import main

    project = dest / "project"
    project.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    (project / "theme").symlink_to(REPO / "theme")
    shutil.copytree(REPO / "content", project / "content")
    import os

    cwd = Path.cwd()
    os.chdir(project)
    try:
        if main(["build", "--today", TODAY]) != 0:
            raise SystemExit("build failed")
    finally:
        os.chdir(cwd)
    return project / "site"


def first_building(site: Path) -> str:
    return sorted(p.name for p in (site / "buildings").iterdir() if p.is_dir())[0]


def public_host(site: Path) -> str:
    """The site's own public host (site.url), from the home page's canonical link."""
    import re

    found = re.search(r'<link rel="canonical" href="https?://([^/"]+)', (site / "index.html").read_text(encoding="utf-8"))
    return found.group(1) if found else ""


def take(site: Path, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    building = first_building(site)
    host = public_host(site)
    written = []
    with serve(site) as base, chromium() as browser:
        for name, url, viewport, elder, full, query in SHOTS:
            url = url.format(building=building)
            if not (site / url / "index.html").is_file():
                print(f"skip {name}: {url} not built", file=sys.stderr)
                continue
            context = new_context(browser, viewport, elder=elder, device_scale_factor=1)
            traffic = watch(context, own_host=host, own_site=site)
            page = context.new_page()
            goto(page, base + url)
            if query:
                page.click("label.gs-search-button")
                page.fill("[data-gs-search-query]", query)
                page.wait_for_selector(f"[data-gs-search-done='{query}']", state="attached", timeout=20_000)
                page.wait_for_timeout(300)  # Material's open transition
            path = out / name
            page.screenshot(path=str(path), full_page=full)
            if traffic.outside:
                print(f"{name}: blocked outside requests {traffic.outside}", file=sys.stderr)
            context.close()
            written.append(path)
    return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--site", help="an already built site folder (default: build content/ now)")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else build_sample(Path(tmp))
        for path in take(site, Path(args.out)):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
