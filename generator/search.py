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
swapped into place. A large site is indexed as several Pagefind bundles, so
that no run holds more than its share of the text in memory (BUNDLE_TEXT);
two run at once where cores and memory allow (PAGEFIND_PEAK), and
``pagefind/pagefind.js`` then searches them all. Files
are added in sorted order and pages are shared out by their place in URL
order, so the same site gives byte-identical index files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from html import escape, unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import queries
from .errors import BuildFailed, ContentError, Location
from .fsutil import REMOVE_THREADS, remove_abandoned, remove_tree
from .incremental import digest
from .notices import door_pages
from .outputs import Output
from .pages import generated_pages
from .strings import strings
from .workers import start_worker

if TYPE_CHECKING:
    from .buildcache import BuildCache

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
    soon: tuple[int, int] | None = None  # a coming activity's next occurrence (with_soon)


def pages_to_index(out: Output) -> list[IndexedPage]:
    """Every page to index, sorted by URL."""
    site = out.site
    t = strings(site.info.language)
    upcoming = queries.upcoming(site)
    coming = {item.activity.id for item in upcoming}
    soon = next_occurrences(upcoming, datetime.combine(site.today + timedelta(days=SOON_DAYS), time.min, site.tz))
    skip_urls = set()
    keys: dict[str, IndexedPage] = {}
    for spec in generated_pages(site):
        if spec.kind not in INDEXED_KINDS:
            skip_urls.add(spec.url)
        elif spec.kind == "activity":
            activity = spec.obj
            if activity.lecture is not None:
                keys[spec.url] = IndexedPage(spec.url, Path(), key_facts=(t.speaker,), soon=soon.get(activity.id))
            elif activity.id not in coming:
                skip_urls.add(spec.url)
            else:
                keys[spec.url] = IndexedPage(spec.url, Path(), soon=soon.get(activity.id))
        elif spec.kind == "building":
            keys[spec.url] = IndexedPage(spec.url, Path(), key_title=True)
    found = []
    # Door pages by name too: with the build cache some are in place before
    # their writer runs, and `build` indexes while the writers run (start).
    not_pages = door_pages(site)
    for rel in _index_files(str(out.out_dir)):
        if rel in out.written or rel in not_pages:  # door notices and other non-page outputs
            continue
        url = rel[: -len("index.html")]
        if url in skip_urls or url.startswith(OUTPUT_SUBDIR + "/"):
            continue
        path = out.out_dir / rel
        key = keys.get(url)
        found.append(replace(key, url="/" + url, path=path) if key else IndexedPage("/" + url, path))
    found.sort(key=lambda p: p.url)
    return found


def _index_files(top: str) -> list[str]:
    """Every index.html under ``top`` (symbolic links to folders not
    followed), by its path relative to it with forward slashes.

    With os.scandir, not Path.rglob: rglob made a Path of each of the
    ~35,000 files and ~17,000 folders of a site at bench scale L to keep
    10,485 pages, 1.4 s of the search worker's ~4.5 s of staging (cProfile:
    pathlib's parse_parts, _make_child, _iterate_directories)."""
    return _files_under(top, name="index.html")


def _files_under(top: str, *, name: str | None = None, skip_numbered: bool = False) -> list[str]:
    """Every file under ``top`` (only those called ``name``, if given),
    symbolic links to folders not followed, by its path relative to it with
    forward slashes, in no set order; with ``skip_numbered``, none under a
    top-level entry named by digits. A folder that cannot be read is
    passed over, as Path.rglob does."""
    found: list[str] = []
    folders = [""]
    while folders:
        rel = folders.pop()
        try:
            with os.scandir(os.path.join(top, rel) if rel else top) as entries:
                for entry in entries:
                    if skip_numbered and not rel and entry.name.isdigit():
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(rel + entry.name + "/")
                    elif (entry.name == name) if name is not None else entry.is_file():
                        found.append(rel + entry.name)
        except OSError:
            continue
    return found


# How far ahead a coming activity's next occurrence may be to be put first
# in search (with_soon): the next three months, as a building's calendar.
# Pagefind loads the sort index with its metadata on every first search:
# at bench scale L all coming activities (~half a year ahead) added 9.4 KB
# on the wire to a first search of 276 KB (budget 300 KB).
SOON_DAYS = 92


def next_occurrences(upcoming: list[queries.Item], before: datetime) -> dict[str, tuple[int, int]]:
    """Activity id → (start, end) of its next occurrence that takes place
    (not cancelled or postponed) if it starts before ``before``, in seconds
    since 1970 (UTC), from the coming occurrences in order; an activity
    cancelled or postponed as a whole has none."""
    found: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    for item in upcoming:
        a, o = item.activity, item.occurrence
        if a.id in seen or a.status != "scheduled" or o.status != "scheduled":
            continue
        seen.add(a.id)
        if o.start < before:
            found[a.id] = (int(o.start.timestamp()), int(o.end.timestamp()))
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


# The meta field holding each page's title suffixes (with_title_suffixes),
# the mark that starts each of them, and the longest kept: the reader looks
# a query up among them by its first TITLE_SUFFIX_CHARS characters (the
# reader's TITLE_MARK and TITLE_CHARS in theme/assets/gongshi-reader.js).
TITLE_SUFFIX_META = "gs_title_suffixes"
TITLE_MARK = "qz"
TITLE_SUFFIX_CHARS = 12
# What a title is cut into before its suffixes are taken: runs of Chinese
# characters, digits and Latin letters, everything else (punctuation,
# symbols) a cut. Whitespace is dropped first: 桂园花园 1 栋 is typed
# 桂园花园1栋.
_TITLE_RUN = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]+")


def title_suffixes(title: str) -> list[str]:
    """The title's suffixes as the index holds them: from every character of
    each run (:data:`_TITLE_RUN`, after NFKC and lower case) to at most
    TITLE_SUFFIX_CHARS characters on, behind TITLE_MARK; none starting
    inside a number or a Latin word (1栋 must not find 11栋). Each once, in
    order of first occurrence."""
    flat = "".join(unicodedata.normalize("NFKC", title).lower().split())
    words: dict[str, None] = {}
    for run in _TITLE_RUN.findall(flat):
        for i, ch in enumerate(run):
            if i and ch.isascii() and ch.isalnum() and run[i - 1].isascii() and run[i - 1].isalnum() and ch.isdigit() == run[i - 1].isdigit():
                continue
            words.setdefault(TITLE_MARK + run[i : i + TITLE_SUFFIX_CHARS])
    return list(words)


def with_title_suffixes(html: str) -> str:
    """The page with its title's suffixes (:func:`title_suffixes`) added as a
    Pagefind meta field, so that the reader finds every page whose title
    holds a query.

    Why: the browser's segmenter (ICU) splits words it does not know into
    single characters (燃气 becomes 燃 / 气, 防灾减灾 防 / 灾 / 减 / 灾), and
    Pagefind wants, for each part, an indexed word of the page starting with
    it; jieba indexed 燃气 whole, so 东院燃气安全入户检查 did not find its own
    page. Pagefind indexes a meta field's words as they are (cut only at
    spaces and punctuation), and a query is a prefix of one of the title's
    suffixes exactly when the title holds it. The reader looks up
    TITLE_MARK + the query as one word, besides its usual search.

    The mark keeps these words out of that usual search: without it, the
    title suffix 灾减灾日 made 灾 a word start on title pages only, and 防灾减灾
    (防* AND 灾* AND 减*) lost the pages holding it only in their text (11
    results -> 2 on the sample site). No query part the reader or Pagefind
    makes from a resident's words starts with it (Pagefind keeps _ in a
    query, but a query starting with _ is not a resident's).

    Titles only: every suffix of every body would be a word per character of
    the site (the reader finds words in the text with its query as typed and
    as ICU cuts it). The field is in each result's data (~100 bytes a page;
    the UI shows only the title), and only the staging copy Pagefind reads
    holds it.
    """
    h1 = _H1.search(html)
    at = html.rfind("</article>")
    if h1 is None or at < 0:
        return html
    words = title_suffixes(_text(h1.group(1)))
    if not words:
        return html
    # The attribute form: an element's text would be indexed as text too.
    meta = escape(f"{TITLE_SUFFIX_META}:{' '.join(words)}")
    return f'{html[:at]}<span hidden data-pagefind-meta="{meta}"></span>{html[at:]}'


# Pagefind's sort key and meta fields for a coming activity's next
# occurrence (with_soon); the reader's SOON and SOON_END.
SOON = "gs_soon"
SOON_END = "gs_end"


def with_soon(html: str, page: IndexedPage) -> str:
    """The staging copy's page of a coming activity with its next
    occurrence's start as Pagefind's sort key SOON, and its start and end as
    meta fields (seconds since 1970, zero-padded: a sort key is compared as
    text).

    Why: residents type a kind of activity (讲座, 义诊) to find what is on
    next, and Pagefind ranked two bulletins that mention 讲座 often above
    the next lecture (the residents' tester). The reader asks once more for
    the query sorted by SOON, which finds only pages with the key, the
    coming activities, soonest first, and shows them before the others
    (gongshi-reader.js); the end lets it pass over one that is over by the
    time of the search, on a site not rebuilt since. Only the staging copy
    Pagefind reads holds them; the sort index is loaded with Pagefind's
    metadata on every first search (a few bytes a coming activity).
    """
    if page.soon is None:
        return html
    at = html.rfind("</article>")
    if at < 0:
        return html
    start, end = (f"{value:012d}" for value in page.soon)
    # One field an element: Pagefind 1.5 took "a:1, b:2" in one attribute
    # as the field a of value "1, b:2".
    fields = f'<span hidden data-pagefind-sort="{SOON}:{start}" data-pagefind-meta="{SOON}:{start}"></span><span hidden data-pagefind-meta="{SOON_END}:{end}"></span>'
    return f"{html[:at]}{fields}{html[at:]}"


_NOINDEX = "data-gs-noindex"
_START_TAG = re.compile(r"<([a-zA-Z][\w-]*)\b[^>]*>")


def with_labels(html: str) -> str:
    """The staging copy's page with a "：" closing each <dt>: Pagefind joins
    a label to its value, and an activity's search excerpt read "对象桂园社区
    居民 类别讲座" (the residents' tester); now "对象：桂园社区居民 类别：讲座".
    The published page is unchanged."""
    return html.replace("</dt>", "：</dt>") if "</dt>" in html else html


def without_noindex(html: str) -> str:
    """The staging copy's page with the contents of its ``data-gs-noindex``
    elements left out; the elements themselves stay.

    Pagefind leaves those elements out whole (EXCLUDE_SELECTORS), so it
    indexes the same: tests/test_search.py checks its files are the same
    bytes. But a bundle's key in the build cache (_Bundles) is the hash of
    its staged pages, and a building page's activity lists change with every
    activity edit in its community: ~80 building pages at bench scale L,
    shared out over all three bundles, so one activity edited ran Pagefind
    three times again (~15 s) where the activity's own page needs one run.
    An element whose end is not found is left whole (the key then changes
    with it, as before).
    """
    # By the marker's text first: a regular expression over every tag took
    # ~180 us a page, ~3 s of a cold L build's ~12,000 staged pages; most
    # pages have no marker at all.
    out = []
    pos = 0
    at = html.find(_NOINDEX)
    while at >= 0:
        start = html.rfind("<", pos, at)
        tag = _START_TAG.match(html, start) if start >= 0 else None
        if tag is None or tag.end() <= at:  # the marker is not inside a start tag here
            at = html.find(_NOINDEX, at + len(_NOINDEX))
            continue
        end = _closing(html, tag.group(1), tag.end())
        if end is None:
            break
        out.append(html[pos : tag.end()])
        pos = end
        at = html.find(_NOINDEX, pos)
    out.append(html[pos:])
    return "".join(out)


_ROOT_START = re.compile(r'<div\b[^>]*\sclass="md-content"[^>]*>')
_BODY_START = re.compile(r"<body\b[^>]*>")


def indexed_part(html: str) -> str:
    """The staging copy's page cut to what Pagefind reads: the head (the
    page's language), the body's start tag and the ROOT_SELECTOR element.

    Pagefind reads nothing outside its root selector, so it writes the same
    files (tests/test_search.py checks the bytes), but it parses every byte
    it is given, and Material's shell around the content (header, tabs,
    navigation, footer, scripts) is ~60 % of a bulletin page. At bench
    scale L, 2,500 bulletins and 1,000 building pages: 57.0 MB staged ->
    22.2 MB, Pagefind 7.0-7.8 -> 6.8-7.0 CPU-s (three runs each,
    alternating; the index of all 10,485 pages is the same bytes). A page
    without that element, or where its end is not found, is staged whole."""
    body = _BODY_START.search(html)
    root = _ROOT_START.search(html, body.end()) if body is not None else None
    end = _closing(html, "div", root.end()) if root is not None else None
    if body is None or root is None or end is None:
        return html
    return f"{html[: body.end()]}{html[root.start() : end]}</div></body></html>"


@functools.lru_cache(maxsize=8)
def _tag_patterns(tag: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    return re.compile(rf"<{re.escape(tag)}\b", re.I), re.compile(rf"</{re.escape(tag)}\s*>", re.I)


def _closing(html: str, tag: str, start: int) -> int | None:
    """Where the end tag of the ``tag`` element whose start tag ends at
    ``start`` begins (same-name elements inside counted), or None."""
    opening, closing = _tag_patterns(tag)
    depth, pos = 1, start
    while True:
        close = closing.search(html, pos)
        if close is None:
            return None
        inner = opening.search(html, pos, close.start())
        if inner is not None:
            depth, pos = depth + 1, inner.end()
            continue
        depth -= 1
        if depth == 0:
            return close.start()
        pos = close.end()


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


# Pagefind holds every page's words until it writes the index; for Chinese
# (jieba segmentation) that is ~180 bytes per character of a bulletin: at
# district scale (bench/corpus.py L, 10,485 pages) one Pagefind process peaked
# at 1,887 MB, 1,584 MB of it for the 5,000 bulletins alone. So a large site is
# indexed as several bundles, one Pagefind run each, each holding its own
# share of the text, and the browser merges them (search_entry.js).
# The share is counted as the non-ASCII characters of each page's <article>
# (Chinese text, plus the lists a building page keeps out of the index, so it
# errs towards more bundles): 1,584 MB for 8.9 M such characters of bulletins,
# so 5 M make a Pagefind peak of at most ~910 MB. Measured at L (13.8 M, three
# bundles): largest peak 644–648 MB; Pagefind's time about the same (one run
# 26.2 s and 32.5 s, three runs 29.9 s and 31.2 s, alternately on a busy
# machine).
BUNDLE_TEXT = 5_000_000

# Postings per index chunk (Pagefind's default is 20,000). Each query word
# costs a phone one chunk per bundle, and most of a chunk is other words; at
# L, first search for 垃圾分类 on the wire: 255 KB as one bundle with 20,000,
# 339 KB as three bundles with 20,000, 267 KB with 5,000. Not smaller: Pagefind
# looks a query word up only in the chunk whose range holds it, so the longer
# words it starts (防灾 → 防灾减灾) are missed when they fall in the next chunk,
# and a word with more postings than a chunk always ends its chunk. With
# 2,000, 防灾减灾 found 972 of its 1,386 pages (3,000: 555); with 5,000 all of
# them, and 20 common words found what one bundle finds. An "unstable" setting
# of Pagefind's: the version is pinned in requirements.lock, and
# tests/test_search.py fails if the setting stops splitting the index.
INDEX_CHUNK_SIZE = 5000

# With several bundles, pagefind/pagefind.js is search_entry.js, and the first
# bundle's own Pagefind script is renamed to this.
CORE_SCRIPT = "pagefind-core.js"
ENTRY_SCRIPT = Path(__file__).with_name("search_entry.js")
# What a merged bundle needs: the browser loads only these from it.
MERGED_KEEP = ("pagefind-entry.json", ".pf_meta", "index", "fragment", "filter")


def indexed_text(html: str) -> int:
    """The share of a page in a bundle: the non-ASCII characters of its
    <article> (Chinese text and punctuation)."""
    start = html.find("<article")
    end = html.rfind("</article>")
    if start < 0 or end < start:
        return 0
    article = html[start:end]
    return len(article) - len(article.encode("ascii", "ignore"))


def split_pages(pages: list[IndexedPage], sizes: list[int]) -> list[list[IndexedPage]]:
    """The pages of each bundle: as few bundles as keep each within
    BUNDLE_TEXT, each page in the bundle its URL's hash names (URL order
    within a bundle).

    Shared out by hash, not by kind or year: every bundle is a sample of
    the whole site (bulletins of every year, activities, buildings), so its
    word statistics, which Pagefind scores with, are like the whole site's,
    and scores compare across bundles when the browser merges them. By hash,
    not every n-th page in URL order (as until c9bf68d): a page added or
    removed (a new bulletin, the editors' most common publish) then changes
    its own bundle only, and the build cache puts the others back
    (_Bundles); every n-th shifted every page after it, and Pagefind ran
    for all three bundles of bench scale L again (~15 s). A site too small
    for the hash to fill every bundle (only with a tiny BUNDLE_TEXT, as in
    tests) is shared out every n-th page.
    """
    count = max(1, -(-sum(sizes) // BUNDLE_TEXT))
    if count == 1:
        return [pages]
    bundles: list[list[IndexedPage]] = [[] for _ in range(count)]
    for page in pages:
        bundles[_bundle_of(page.url, count)].append(page)
    if not all(bundles):
        return [pages[i::count] for i in range(count)]
    return bundles


def _bundle_of(url: str, count: int) -> int:
    # blake2b, not hash(): the same bundle in every process and build.
    return int.from_bytes(hashlib.blake2b(url.encode("utf-8"), digest_size=8).digest(), "big") % count


def _index(pages: list[IndexedPage], site_dir: Path, dest: Path, *, background: bool = False, cache: BuildCache | None = None) -> None:
    """Run the Pagefind command line over a staging folder holding only the
    pages to index (with their key characters, see below), once per bundle
    (see BUNDLE_TEXT). The command line, not Pagefind's Python API: the API
    answers one page per 0.1 s poll (10 s for 100 pages, minutes at district
    scale); the command line indexes the same pages in well under a second.
    With the build cache, a bundle whose staged pages are those of the last
    build is put back from it instead (:class:`_Bundles`)."""
    from pagefind.service import get_executable

    exe = get_executable()
    if exe is None:
        raise SearchIndexFailed("找不到 Pagefind 程序")
    # Named with our pid, so the next build removes it if this one is killed
    # (cli.clean_stale beside the site, stage_parent in memory).
    parent = stage_parent(site_dir, sum(os.stat(page.path).st_size for page in pages))
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=parent))
    # In memory, a staging folder goes fastest in one thread: its pages'
    # ~10,500 folders (bench scale L), each a task for remove_tree's eight
    # threads, cost ~2 s of CPU in futures, locks and the interpreter's
    # switches (cProfile; the staging at L with Pagefind left out: 5.2-6.8 s
    # with eight threads, 3.1-4.6 s with one). On disk the threads pay
    # (fsutil.REMOVE_THREADS).
    removers = 1 if parent == MEMORY_STAGE else REMOVE_THREADS
    # What an earlier split index added must not linger beside a new one.
    for old in dest.glob("[1-9]*"):
        remove_tree(old)
    (dest / CORE_SCRIPT).unlink(missing_ok=True)
    unstaging = ThreadPoolExecutor(1, thread_name_prefix="gongshi-unstage")
    try:
        # Without the cache every page is staged in the first bundle's
        # folder, and the others' pages move to theirs once the text is
        # counted. With it, a page is only hashed at first, and staged only
        # if its bundle is not in the cache: a cached L build with nothing
        # changed wrote, then deleted, 10,500 staged pages (0.47 s), and
        # hashed them through repr() (0.69 s; the bytes take 0.3 s). When
        # the cache holds no bundle at all (the first build with it), every
        # page is staged at once too: it would otherwise be read and made
        # again before its bundle's Pagefind run (~0.2 ms a page, 10,485
        # pages at bench scale L, at the end of the build).
        stage_now = cache is None or not _Bundles.any_kept(cache)
        sizes = []
        staged: dict[Path, str] = {}
        # Paths as text in this loop: pathlib's joins and relative_to were
        # ~1 s of its ~3 s over the 10,485 pages of bench scale L (cProfile).
        rels = _relative(pages, site_dir)
        for page, rel in zip(pages, rels, strict=True):
            html = with_key_characters(page.path.read_text(encoding="utf-8"), page)
            # The share is counted on the page with its lists, as before
            # without_noindex: the same bundles, so the same index.
            sizes.append(indexed_text(html))
            html = _staged(html, page)
            if stage_now:
                _stage(stage, 0, rel, html)
            if cache is not None:
                staged[page.path] = digest(rel, html.encode("utf-8"))
        bundles = split_pages(pages, sizes)
        kept = _Bundles(cache, [[staged[p.path] for p in bundle] for bundle in bundles]) if cache is not None else None
        if stage_now:
            for n, bundle in enumerate(bundles[1:], start=1):
                for rel in _relative(bundle, site_dir):
                    target = os.path.join(stage, str(n), rel)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    os.rename(os.path.join(stage, "0", rel), target)
        outs = [dest / str(n) if n else dest for n in range(len(bundles))]
        todo = [n for n in range(len(bundles)) if kept is None or not kept.restore(n, outs[n])]

        def index_bundle(n: int) -> None:
            if not stage_now:
                for page, rel in zip(bundles[n], _relative(bundles[n], site_dir), strict=True):
                    _stage(stage, n, rel, _staged(with_key_characters(page.path.read_text(encoding="utf-8"), page), page))
            _run_pagefind(exe, stage / str(n), outs[n], background=background)
            # Removed beside the next run, not before it starts: the third
            # bundle's run at bench scale L waited ~0.5 s for this (~3,500
            # folders), with the second core mostly idle (/proc every 0.5 s).
            unstaging.submit(remove_tree, stage / str(n), threads=removers)

        at_once = _runs_at_once(len(todo), background=background)
        if at_once == 1:
            for n in todo:
                index_bundle(n)
                if kept is not None:
                    kept.store(n, outs[n])
        else:
            # Each run in a thread of its own that waits for its process;
            # the cache is written here, in bundle order.
            with ThreadPoolExecutor(at_once, thread_name_prefix="gongshi-pagefind") as pool:
                running = [pool.submit(index_bundle, n) for n in todo]
                try:
                    for n, run in zip(todo, running, strict=True):
                        run.result()
                        if kept is not None:
                            kept.store(n, outs[n])
                except BaseException:
                    for run in running:
                        run.cancel()
                    raise
    finally:
        unstaging.shutdown()
        remove_tree(stage, threads=removers)
    if len(bundles) > 1:
        _merge_in_browser(dest, len(bundles))


# Pagefind runs at once over a large site's bundles. A run uses ~1.3 of this
# machine's 2 cores, and at the end of a build nothing else is left to run:
# at bench scale L the three runs one after the other were the build's last
# 20 s (6 s each, 55.8-74.6 s of a 76 s cold build, /proc CPU times sampled
# every 2 s), the last 13 s of it with the other core half idle. Each run
# holds its own bundle's words (at most ~910 MB, BUNDLE_TEXT), so a second
# runs beside the first only where the memory for both is free twice over.
# Runs write to their own folders: Pagefind (1.5, pinned) writes its files
# into its output folder and deletes nothing there, so the first bundle's
# folder may hold the others' while they are written.
PAGEFIND_PEAK = 1 << 30


# Pagefind's allocator (jemalloc, linked into its static binary, read from
# this variable) asked for transparent huge pages and two arenas. Pagefind
# holds ~180 bytes per character it segments (see BUNDLE_TEXT) in millions
# of small allocations, and with 4 KiB pages a fifth of its user time went
# on address translation: alternating runs over 2,000 bulletins and 4,000
# activities of bench scale L, 9.51 / 10.72 s (user 8.65 / 9.11 s, peak RSS
# 803 MB) against 8.20 / 8.41 s (user 6.87 / 7.19 s, 756-759 MB); over 1,396
# bulletins, five pairs, user 4.62-5.32 s against 3.91-4.16 s. Huge pages
# alone raised the peak by a seventh (473 -> 541 MB, jemalloc's arena per
# core each holding its own); two arenas bring it back (471 MB). The index
# is the same bytes (diff -r of the two outputs). Where the kernel gives no
# huge pages (transparent_hugepage "never"), jemalloc runs as before.
JEMALLOC_ENV = "_RJEM_MALLOC_CONF"
JEMALLOC_CONF = "thp:always,metadata_thp:always,narenas:2"


def _runs_at_once(bundles: int, *, background: bool) -> int:
    if background:  # the preview's index yields to the editor's next rebuild
        return 1
    by_memory = _available_memory() // (2 * PAGEFIND_PEAK)
    return max(1, min(bundles, os.cpu_count() or 1, by_memory))


def _staged(html: str, page: IndexedPage) -> str:
    """What Pagefind reads of a page that has its key characters
    (with_key_characters): both ways of staging (all pages at once, or a
    bundle's before its run) make it here, so they cannot differ."""
    return indexed_part(without_noindex(with_soon(with_title_suffixes(with_labels(html)), page)))


def _stage(stage: Path, bundle: int, rel: str, html: str) -> None:
    """Write a page's staging copy into its bundle's folder. Every page is
    in a folder of its own, missing until now: made first."""
    path = os.path.join(stage, str(bundle), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(html.encode("utf-8"))


def _relative(pages: list[IndexedPage], site_dir: Path) -> list[str]:
    """Each page's path relative to ``site_dir``, as text with forward
    slashes (a path not spelt under it, through relative_to)."""
    base = os.path.join(str(site_dir), "")
    found = []
    for page in pages:
        path = str(page.path)
        found.append((path[len(base) :] if path.startswith(base) else page.path.relative_to(site_dir).as_posix()).replace(os.sep, "/"))
    return found


class _Bundles:
    """Pagefind bundles kept in the build cache. A bundle's key is the hash
    of exactly what Pagefind reads for it (its staged pages, by path) and
    of :func:`buildcache.code_key` (Pagefind's version, the settings in this
    module), with its place among the bundles; Pagefind writes the same
    files for the same pages. Pages are shared out every n-th by URL, so an
    edited bulletin changes one of L's three bundles (an added page changes
    them all). Entries are the bundle's files before _merge_in_browser,
    which only renames and deletes them."""

    def __init__(self, cache: BuildCache, pages: list[list[str]]) -> None:
        self.cache = cache
        code = cache.code
        self.keys = [digest("search", code, INDEX_CHUNK_SIZE, n, len(pages), staged) for n, staged in enumerate(pages)]
        self.last = self._last(cache)
        self.now: dict[str, list[object]] = cache.new_state.setdefault("search", {})

    @staticmethod
    def _last(cache: BuildCache) -> dict[str, Any]:
        """The bundles the last build left in ``cache``, by place."""
        last = cache.state.get("search")
        return last if isinstance(last, dict) else {}

    @classmethod
    def any_kept(cls, cache: BuildCache) -> bool:
        """Whether the last build left any bundle in ``cache``."""
        return bool(cls._last(cache))

    def restore(self, n: int, out: Path) -> bool:
        key = self.keys[n]
        last = self.last.get(str(n))
        if not (isinstance(last, list) and len(last) == 2 and last[0] == key and isinstance(last[1], list)):
            return False
        if not self.cache.fetch_all([(digest(key, rel), out / rel) for rel in last[1]]):
            return False
        self.now[str(n)] = last
        return True

    def store(self, n: int, out: Path) -> None:
        key = self.keys[n]
        # The first bundle's folder holds the others' (numbered) folders.
        # With os.scandir, not Path.rglob: listing the three bundles of
        # bench scale L (~11,000 files) took ~0.4 s of the search worker in
        # a cold build (py-spy: rglob, is_file, relative_to).
        files = sorted(_files_under(str(out), skip_numbered=n == 0))
        for rel in files:
            self.cache.keep(digest(key, rel), out / rel)
        self.now[str(n)] = [key, files]


def _run_pagefind(exe: Path, site: Path, dest: Path, *, background: bool) -> None:
    # In the background (the preview's index), Pagefind yields the CPU
    # to the next rebuild an editor is waiting for.
    nice = ["nice", "-n", "15"] if background and shutil.which("nice") else []
    cmd = [
        *nice,
        str(exe),
        "--site", str(site),
        "--output-path", str(dest),
        "--root-selector", ROOT_SELECTOR,
        "--exclude-selectors", ", ".join(EXCLUDE_SELECTORS),
        "--silent",
    ]
    env = {**os.environ, "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE": str(INDEX_CHUNK_SIZE), JEMALLOC_ENV: JEMALLOC_CONF}
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=site, env=env, check=False)
    if done.returncode != 0:
        raise SearchIndexFailed((done.stderr or done.stdout).strip())


def _merge_in_browser(dest: Path, count: int) -> None:
    """pagefind/pagefind.js becomes search_entry.js, which searches all
    ``count`` bundles; the merged bundles keep only their index."""
    (dest / "pagefind.js").rename(dest / CORE_SCRIPT)
    merged = json.dumps([f"{n}/" for n in range(1, count)])
    entry = ENTRY_SCRIPT.read_text(encoding="utf-8").replace('"__GONGSHI_MERGED__"', merged)
    (dest / "pagefind.js").write_text(entry, encoding="utf-8")
    for n in range(1, count):
        for path in (dest / str(n)).iterdir():
            if path.name.endswith(MERGED_KEEP):
                continue
            if path.is_dir():
                remove_tree(path)
            else:
                path.unlink()


def write(out: Output, *, background: bool = False) -> None:
    """Index the built pages into ``<site>/pagefind/`` (``background``: for
    the preview, while the editor goes on; at low CPU priority)."""
    for rel in _write(out, background=background):
        out.written.setdefault(rel, "search")


def start(out: Output) -> Callable[[], None]:
    """`build`: index the pages while the other writers run, and return the
    call that waits for it (outputs.write_all). The index is made of the
    pages MkDocs wrote, none of the writers' files (door pages are left out
    by name). What is indexed does not depend on how far the writers got:
    the call checks that none wrote a page.

    In a forked process where there is fork and a second core: staging the
    pages is Python work (~0.5 ms a page: reading, the key characters,
    without_noindex), and in a thread of this process it took turns with
    the writers for the interpreter (py-spy at bench scale L: the writers'
    file opens waited 8.2 s for it, the search thread held it 6.8 s).
    Pagefind itself always runs as a process of its own."""
    import multiprocessing

    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _start_thread(out)
    global _job
    _job = out
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=start_worker)
    future = pool.submit(_index_in_worker)

    def finish() -> None:
        global _job
        try:
            outcome = future.result()
        except BrokenProcessPool as exc:  # killed (out of memory?): one clean error, as for Pagefind
            raise _failed(f"建索引的进程意外退出（{exc}）", "请关闭其他占用内存的程序后重新构建；仍然失败时请把这段信息发给技术支持") from exc
        finally:
            pool.shutdown()
            _job = None
        if outcome[0] == "failed":
            raise BuildFailed(outcome[1])
        _, files, used, state, hits, stored = outcome
        if out.cache is not None:
            # What the worker took from the cache or stored in it: this
            # process commits the cache's index.
            out.cache.merge(used, {"search": state} if state is not None else {}, hits, stored)
        _record(out, files)

    return finish


# The Output a forked search worker indexes (set before the fork).
_job: Output | None = None


def _index_in_worker() -> tuple[Any, ...]:
    """In the forked worker: ("ok", the files written, and what the build
    cache used, noted, fetched and stored: BuildCache.merge), or ("failed",
    the errors): a BuildFailed does not pickle (its arguments are its
    report, not its errors)."""
    out = _job
    assert out is not None
    cache = out.cache
    used_before = dict(cache._used) if cache is not None else {}
    hits, stored = (cache.hits, cache.stored) if cache is not None else (0, 0)
    try:
        files = _write(out)
    except BuildFailed as exc:
        return ("failed", exc.errors)
    if cache is None:
        return ("ok", files, {}, None, 0, 0)
    used = {k: v for k, v in cache._used.items() if used_before.get(k) != v}
    return ("ok", files, used, cache.new_state.get("search"), cache.hits - hits, cache.stored - stored)


def _start_thread(out: Output) -> Callable[[], None]:
    """:func:`start` without fork or a second core: Pagefind runs as a
    process, the staging in a thread of this one."""
    done: list[str] = []
    failed: list[BaseException] = []

    def index() -> None:
        try:
            done.extend(_write(out))
        except BaseException as exc:  # handed to the caller of finish
            failed.append(exc)

    thread = threading.Thread(target=index, name="gongshi-search", daemon=True)
    thread.start()

    def finish() -> None:
        thread.join()
        if failed:
            raise failed[0]
        _record(out, done)

    return finish


_REINSTALL = "请重新安装依赖：.venv/bin/pip install -r requirements.lock（其中的 pagefind[extended] 负责中文搜索）"


def _failed(why: str, fix: str = _REINSTALL) -> BuildFailed:
    return BuildFailed([ContentError(Location("pagefind"), f"搜索索引生成失败：{why}", fix, record="站内搜索")])


def _record(out: Output, files: list[str]) -> None:
    not_pages = door_pages(out.site)
    written = [rel for rel in out.written if rel.endswith("index.html") and rel not in not_pages]
    if written:  # pragma: no cover - a writer that writes pages must run before the search index
        raise RuntimeError(f"search.start: writers wrote pages the index may have missed: {written[:3]}")
    for rel in files:
        out.written.setdefault(rel, "search")


def _write(out: Output, *, background: bool = False) -> list[str]:
    """Index the built pages; returns the files written (paths in the site)."""
    pages = pages_to_index(out)
    if not out.pdf and len(pages) > SERVE_LIMIT:
        # ``serve`` (the only caller with pdf=False) rebuilds on every save;
        # Pagefind takes ~10 ms a page (the sample site: 1 s; district
        # scale: about 2 minutes), too slow to repeat. `build` always indexes.
        log.info(f"预览时不生成搜索索引（{len(pages)} 个页面）；python build.py build 会生成")
        return []
    dest = out.out_dir / OUTPUT_SUBDIR
    try:
        _index(pages, out.out_dir, dest, background=background, cache=out.cache)
    except (OSError, SearchIndexFailed) as exc:
        # One clean message through the plugin (it reports BuildFailed), and
        # the published site stays as it was.
        raise _failed(str(exc)) from exc
    # Registered (by the caller) so no other output can claim the same path.
    return [path.relative_to(out.out_dir).as_posix() for path in sorted(dest.rglob("*")) if path.is_file()]
