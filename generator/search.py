"""Stage 5, the search index: Pagefind over the finished pages.

Why Pagefind and not Material's built-in search: Material's search sends the
whole index to every phone before the first result (83 MB for 5,000 Chinese
bulletins); Pagefind splits the index into small chunks and fragments, and a
first search on a district-sized site stays within 300 KB
(bench/search_compare.py measures both: bench/results/search_compare.md).
The ``extended`` Pagefind build segments Chinese words (pages declare
``lang="zh-CN"``), so 防灾减灾 or a speaker's name find the right pages.

What is indexed: the pages a resident would want to land on — bulletins,
lectures, coming activities, buildings, teams, venues and editors' pages.
Left out: listing pages (home, archives, calendars, indexes), which repeat
every title and would match almost any query; activities that are over
(except lectures, which residents look up by speaker), still listed under
往期活动; and files other outputs wrote (door notices, feeds). Every page in
the index costs every phone a few bytes of Pagefind's metadata on the first
search, so at district scale (bench/corpus.py L: 17,000 pages) the past
activities alone would push the first search over its 300 KB budget.

Within a page, only what a resident looks the page up by: a building page
is indexed by its name, where it is (community, estate, courtyard), its
entrances and grid worker, not by its lists of coming and past activities
(marked ``data-gs-noindex`` in theme/gongshi/building.html). Each of those
activities is indexed on its own page; in the lists they made every building
page match every word of every title listed (the right building ranked below
its neighbours for its own name), and they were 60 % of the indexed text at
district scale. Pagefind's memory grows with the text it segments (jieba):
at bench/corpus.py L the lists took its peak from 1.9 GB to 2.6–3.0 GB.

Output goes to ``pagefind/`` inside the build folder, before the build is
swapped into place. Files are added in sorted order, so the same site gives
byte-identical index files.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path

from . import queries
from .errors import BuildFailed, ContentError, Location
from .fsutil import remove_abandoned, remove_tree
from .outputs import Output
from .pages import generated_pages
from .strings import strings

# Generated pages worth landing on. Every other generated page is a listing
# (home, archives, calendars, the building and notice indexes…) and is left
# out, including listings other features add later. Editors' Markdown pages
# (bulletins, 关于…) are always indexed.
INDEXED_KINDS = frozenset({"activity", "building", "teams", "venues"})

# What Pagefind reads on each page: Material's content column, without the
# breadcrumb (the same 当前位置 on every page), the buttons, and whatever a
# template marks data-gs-noindex (a building's activity lists, see above).
# The published page is unchanged: residents still see all of it.
ROOT_SELECTOR = ".md-content"
EXCLUDE_SELECTORS = (".gs-breadcrumb", ".md-content__button", ".gs-print", ".gs-actions", "[data-gs-noindex]")

OUTPUT_SUBDIR = "pagefind"
STAGE_PREFIX = ".pagefind-src-"

# Largest site indexed on every `serve` rebuild (about 10 s of Pagefind).
SERVE_LIMIT = 1000

log = logging.getLogger("gongshi")


class SearchIndexFailed(Exception):
    pass


@dataclass(frozen=True)
class IndexedPage:
    url: str  # "/bulletins/2026-05-fangzai/"
    path: Path
    key_facts: tuple[str, ...] = ()  # the <dt> labels whose <dd> is key text
    key_title: bool = False  # the <h1> is key text


def pages_to_index(out: Output) -> list[IndexedPage]:
    """Every page to index, sorted by URL."""
    site = out.site
    t = strings(site.info.language)
    coming = {item.activity.id for item in queries.upcoming(site)}
    skip_urls = set()
    keys: dict[str, IndexedPage] = {}
    for spec in generated_pages(site):
        if spec.kind not in INDEXED_KINDS:
            skip_urls.add(spec.url)
        elif spec.kind == "activity":
            activity = spec.obj
            if activity.lecture is not None:
                keys[spec.url] = IndexedPage(spec.url, Path(), key_facts=(t.speaker,))
            elif activity.id not in coming:
                skip_urls.add(spec.url)
        elif spec.kind == "building":
            keys[spec.url] = IndexedPage(spec.url, Path(), key_title=True)
    found = []
    for path in out.out_dir.rglob("index.html"):
        rel = path.relative_to(out.out_dir).as_posix()
        if rel in out.written:  # door notices and other non-page outputs
            continue
        url = rel[: -len("index.html")]
        if url in skip_urls or url.startswith(OUTPUT_SUBDIR + "/"):
            continue
        key = keys.get(url)
        found.append(IndexedPage("/" + url, path, key.key_facts if key else (), key.key_title if key else False))
    found.sort(key=lambda p: p.url)
    return found


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_FACT = re.compile(r"<dt\b[^>]*>(.*?)</dt>\s*<dd\b[^>]*>(.*?)</dd>", re.S)
_TAG = re.compile(r"<[^>]+>")
_CJK = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])")


def _text(html: str) -> str:
    return unescape(_TAG.sub(" ", html)).strip()


def with_key_characters(html: str, page: IndexedPage) -> str:
    """The page with its key text (a building's name, a lecture's speaker)
    added once more, one Chinese character per word.

    Why: Pagefind cuts the indexed text into words with jieba, but the browser
    cuts the query with its own segmenter (ICU), which splits names it does
    not know into single characters: 李明华 becomes 李 / 明 / 华, 湖滨小区
    becomes 湖 / 滨 / 小区, and they no longer match the indexed words 李明华
    and 湖滨. Each query word matches indexed words that start with it, so
    single characters of the names make such queries find their page. Only
    names are added, never whole texts: a single character common to
    thousands of pages makes the index chunk that holds it, which a phone
    must download, large. Only the staging copy Pagefind reads is changed,
    never the published page.
    """
    parts = []
    if page.key_title:
        parts += [_text(m.group(1)) for m in _H1.finditer(html)]
    if page.key_facts:
        parts += [_text(m.group(2)) for m in _FACT.finditer(html) if _text(m.group(1)) in page.key_facts]
    spaced = " ".join(_CJK.sub(r" \1 ", " ".join(parts)).split())
    at = html.rfind("</article>")
    if not spaced or at < 0:
        return html
    return f"{html[:at]}<p>{escape(spaced)}</p>{html[at:]}"


# Where the staging copy goes when memory allows: a RAM file system. On the
# benchmark machine (ext4, mounted with discard) writing, indexing and then
# deleting L's 10,485 staged pages took 16.6–20.0 s on disk and 8.1 s in
# /dev/shm, back to back (the deletes of freshly written files are what the
# disk makes slow). The copy is ~16 KB a page: 170 MB at district scale.
MEMORY_STAGE = Path("/dev/shm")


def stage_parent(site_dir: Path, size: int) -> Path:
    """/dev/shm when it is a writable folder with room for the copy twice
    over and the machine has that much memory to spare four times over;
    otherwise beside the site (the same disk)."""
    try:
        if MEMORY_STAGE.is_dir() and os.access(MEMORY_STAGE, os.W_OK):
            fs = os.statvfs(MEMORY_STAGE)
            if fs.f_bavail * fs.f_frsize >= 2 * size + (64 << 20) and _available_memory() >= 4 * size:
                remove_abandoned(MEMORY_STAGE, STAGE_PREFIX)
                return MEMORY_STAGE
    except OSError:
        pass
    return site_dir.parent


def _available_memory() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _index(pages: list[IndexedPage], site_dir: Path, dest: Path, *, background: bool = False) -> None:
    """Run the Pagefind command line over a staging folder holding only the
    pages to index (with their key characters, see below). The command line, not
    Pagefind's Python API: the API answers one page per 0.1 s poll (10 s for
    100 pages, minutes at district scale); the command line indexes the same
    pages in well under a second."""
    from pagefind.service import get_executable

    exe = get_executable()
    if exe is None:
        raise SearchIndexFailed("找不到 Pagefind 程序")
    # Named with our pid, so the next build removes it if this one is killed
    # (cli.clean_stale beside the site, stage_parent in memory).
    parent = stage_parent(site_dir, sum(page.path.stat().st_size for page in pages))
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=parent))
    try:
        for page in pages:
            rel = page.path.relative_to(site_dir)
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            html = page.path.read_text(encoding="utf-8")
            (stage / rel).write_text(with_key_characters(html, page), encoding="utf-8")
        # In the background (the preview's index), Pagefind yields the CPU
        # to the next rebuild an editor is waiting for.
        nice = ["nice", "-n", "15"] if background and shutil.which("nice") else []
        cmd = [
            *nice,
            str(exe),
            "--site", str(stage),
            "--output-path", str(dest),
            "--root-selector", ROOT_SELECTOR,
            "--exclude-selectors", ", ".join(EXCLUDE_SELECTORS),
            "--silent",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=stage, check=False)
        if done.returncode != 0:
            raise SearchIndexFailed((done.stderr or done.stdout).strip())
    finally:
        remove_tree(stage)


def write(out: Output, *, background: bool = False) -> None:
    """Index the built pages into ``<site>/pagefind/`` (``background``: for
    the preview, while the editor goes on; at low CPU priority)."""
    pages = pages_to_index(out)
    if not out.pdf and len(pages) > SERVE_LIMIT:
        # ``serve`` (the only caller with pdf=False) rebuilds on every save;
        # Pagefind takes ~10 ms a page (the sample site: 1 s; district
        # scale: about 2 minutes), too slow to repeat. `build` always indexes.
        log.info(f"预览时不生成搜索索引（{len(pages)} 个页面）；python build.py build 会生成")
        return
    dest = out.out_dir / OUTPUT_SUBDIR
    try:
        _index(pages, out.out_dir, dest, background=background)
    except (OSError, SearchIndexFailed) as exc:
        # One clean message through the plugin (it reports BuildFailed), and
        # the published site stays as it was.
        raise BuildFailed([
            ContentError(
                Location("pagefind"),
                f"搜索索引生成失败：{exc}",
                "请重新安装依赖：.venv/bin/pip install -r requirements.lock（其中的 pagefind[extended] 负责中文搜索）",
                record="站内搜索",
            )
        ]) from exc
    for path in sorted(dest.rglob("*")):
        if path.is_file():
            # Registered so no other output can claim the same path.
            out.written.setdefault(path.relative_to(out.out_dir).as_posix(), "search")
