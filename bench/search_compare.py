"""Search for residents' phones: Pagefind against Material's search + jieba.

    .venv/bin/python bench/search_compare.py [--scale L] [--material-bulletins 5000]

Builds the benchmark's corpus (bench/corpus.py, fixed seed; L = the district:
5,000 bulletins of ~1,500 characters, 10,000 activities, 300 lectures, 2,000
buildings) twice:

* Gongshi with Pagefind (generator.search), only the search writer enabled
  (door-notice PDFs are not part of this measurement);
* Material for MkDocs with its built-in search plugin, ``lang: zh``, which
  segments Chinese with jieba when jieba is installed, over the same bulletin
  texts (bulletins only, so its index is the smallest it could be).

Then, in headless Chromium (Debian's, via Playwright), for each resident's
query — a speaker's name, 讲座, 防灾减灾, a building's name, a bulletin's
issue number — it types the query into each site's header search box in a
fresh browser (empty cache) and records the bytes the first search
downloaded, the time to results and whether the expected pages are among the
first results. Expected pages come from the corpus files, not from either
search. Writes bench/results/search_compare.md.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser_helpers import PHONE, chromium, new_context, serve, watch  # noqa: E402

from bench.corpus import SCALES, write_gongshi  # noqa: E402
from bench.run import wire_bytes  # noqa: E402

BUDGET = 300 * 1024  # on the wire, as bench/run.py measures the first search
# The files each engine downloads for searching (not the page itself).
SEARCH_FILES = {
    "pagefind": ("/pagefind/",),
    "material": ("/search/search_index.json", "/assets/javascripts/workers/search", "/assets/javascripts/lunr/"),
}
TODAY = "2026-11-29"

BUILD_SEARCH_ONLY = """
import sys, time
from generator import outputs, search
outputs.WRITER_MODULES = ("generator.search",)
_write = search.write
def timed(out):
    t = time.perf_counter()
    _write(out)
    print(f"SEARCH_SECONDS {time.perf_counter() - t:.2f}", file=sys.stderr)
search.write = timed
from generator.cli import main
sys.exit(main(["build", "--today", "TODAY"]))
""".replace("TODAY", TODAY)


# ------------------------------------------------------------------ corpora


REINDEX = """
import sys, time, datetime
from pathlib import Path
from generator import search
from generator.outputs import Output
from generator.pipeline import Project, load_site
project = Project(Path.cwd(), Path.cwd() / "content")
site, _ = load_site(project, datetime.date.fromisoformat("TODAY"))
t = time.perf_counter()
search.write(Output(site, project, Path.cwd() / "site", Path.cwd() / "theme"))
print(f"SEARCH_SECONDS {time.perf_counter() - t:.2f}", file=sys.stderr)
""".replace("TODAY", TODAY)


def reindex(project: Path) -> dict[str, float]:
    """Only the search step, over an already built site (after changing
    generator/search.py there is no need to rebuild 17,000 pages)."""
    import shutil

    shutil.rmtree(project / "site" / "pagefind", ignore_errors=True)
    # The search box's script may have changed too: take the theme's current assets.
    for asset in (REPO / "theme" / "assets").glob("gongshi-reader.*"):
        target = project / "site" / "assets" / asset.name
        target.unlink(missing_ok=True)
        shutil.copyfile(asset, target)
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", REINDEX], cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    seconds = float(re.search(r"SEARCH_SECONDS ([\d.]+)", done.stderr).group(1))
    return {"build": float("nan"), "search": seconds, "reindex": time.perf_counter() - t}


def gongshi_site(scale: str, work: Path, reuse: bool = False) -> tuple[Path, dict[str, float]]:
    if reuse and (work / "gongshi" / "site" / "index.html").is_file():
        return work / "gongshi" / "site", reindex(work / "gongshi")
    project = write_gongshi(SCALES[scale], work / "gongshi")
    t = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", BUILD_SEARCH_ONLY], cwd=project, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    seconds = float(re.search(r"SEARCH_SECONDS ([\d.]+)", done.stderr).group(1))
    return project / "site", {"build": time.perf_counter() - t, "search": seconds}


def material_site(gongshi_project: Path, n: int, work: Path, reuse: bool = False) -> tuple[Path, float]:
    """Material + built-in search (lang zh → jieba) over the first ``n``
    bulletins of the same corpus, one page each, titles and bodies as is."""
    dest = work / "material"
    if reuse and (dest / "site" / "search" / "search_index.json").is_file():
        return dest / "site", float("nan")
    docs = dest / "docs" / "bulletins"
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    docs.mkdir(parents=True)
    for src in sorted((gongshi_project / "content" / "bulletins").glob("*.md"))[:n]:
        _, front, body = src.read_text(encoding="utf-8").split("---", 2)
        meta = yaml.load(front, Loader=yaml.BaseLoader)
        (docs / src.name).write_text(f"# {meta['title']}\n\n简报 第 {meta['issue']} 期\n\n{body}", encoding="utf-8")
    (dest / "docs" / "index.md").write_text("# 云湖科普公示\n\n社区科普简报。\n", encoding="utf-8")
    (dest / "mkdocs.yml").write_text(
        "site_name: 云湖科普公示\nsite_url: https://kepu.example.cn/\n"
        "theme:\n  name: material\n  language: zh\n  font: false\n"
        "plugins:\n  - search:\n      lang: zh\n",
        encoding="utf-8",
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=dest, check=True)
    return dest / "site", time.perf_counter() - t


# ------------------------------------------------------------------ queries


def queries(project: Path, material_n: int) -> list[dict[str, Any]]:
    """The residents' queries with the pages each must find, from the corpus."""
    data = project / "content" / "data"
    lectures = yaml.load((data / "lectures.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["lectures"]
    speakers: dict[str, list[str]] = {}
    for lec in lectures:
        speakers.setdefault(lec["speaker"], []).append(lec["id"])
    # A speaker who gave one or two lectures: the resident wants those pages.
    speaker = sorted((len(ids), name) for name, ids in speakers.items())[0][1]
    places = yaml.load((data / "places.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    communities = places["communities"]
    community = communities[min(3, len(communities) - 1)]
    estates = community["estates"]
    estate = estates[min(1, len(estates) - 1)]
    building = estate["buildings"][min(4, len(estate["buildings"]) - 1)]
    bulletins = sorted((project / "content" / "bulletins").glob("*.md"))
    issue_file = bulletins[min(len(bulletins), material_n) // 2]
    issue = yaml.load(issue_file.read_text(encoding="utf-8").split("---")[1], Loader=yaml.BaseLoader)["issue"]
    return [
        {"name": "speaker", "q": speaker, "expect": {f"activities/{i}/" for i in speakers[speaker]}, "within": 5, "material": False},
        {"name": "讲座", "q": "讲座", "contains": "讲座", "within": 10, "material": True},
        {"name": "防灾减灾", "q": "防灾减灾", "contains": "防灾减灾", "within": 10, "material": True},
        # Estate names repeat across communities, as they do in real cities:
        # a resident adds the community.
        {"name": "building", "q": f"{community['name']} {estate['name']} {building['name']}", "expect": {f"buildings/{building['id']}/"}, "within": 5, "material": False},
        {"name": "issue", "q": f"第 {issue} 期", "expect": {f"bulletins/{issue_file.stem}/"}, "within": 3, "material": True},
    ]


# Content types http.server and the guide's nginx give the search files
# (the rest, Pagefind's index and WebAssembly, are gzip already and binary).
WIRE_TYPES = {".js": "text/javascript", ".json": "application/json", ".css": "text/css"}


def wire_size(site: Path, url: str) -> int:
    """What a file costs on the wire from the editors' guide's nginx
    (bench/run.py's wire_bytes: gzip for text), from the built file."""
    path = site / urlsplit(url).path.lstrip("/")
    return wire_bytes(path.read_bytes(), WIRE_TYPES.get(path.suffix, "application/octet-stream"))


def page_text(site: Path, url: str) -> str:
    path = site / url.strip("/") / "index.html"
    return re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")) if path.is_file() else ""


def run_query(browser: Any, site: Path, base: str, q: dict[str, Any], engine: str, timeout_s: float) -> dict[str, Any]:
    context = new_context(browser, PHONE)
    # Requests to the site's own public host (Material fetches sitemap.xml next
    # to every <link rel=alternate>) are the site's, answered from the build.
    canonical = re.search(r'<link rel="canonical" href="https?://([^/"]+)', (site / "index.html").read_text(encoding="utf-8"))
    traffic = watch(context, own_host=canonical.group(1) if canonical else "", own_site=site)
    page = context.new_page()
    result: dict[str, Any] = {"query": q["q"], "name": q["name"]}
    try:
        # Material fetches its index as the page loads, Pagefind when the
        # search box opens: count each engine's own files over the whole visit.
        t = time.perf_counter()
        page.goto(base, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.click("label.md-header__button[for=__search]")
        if engine == "pagefind":
            page.fill("[data-gs-search-query]", q["q"])
            page.wait_for_selector(f"[data-gs-search-done='{q['q']}']", state="attached", timeout=timeout_s * 1000)
        else:
            page.fill("[data-md-component=search-query]", q["q"])
            page.press("[data-md-component=search-query]", "End")  # Material listens for keyup
            page.wait_for_function(
                "document.querySelector('.md-search-result__meta') && /\\d|没有|无/.test(document.querySelector('.md-search-result__meta').textContent)",
                timeout=timeout_s * 1000,
            )
        page.wait_for_load_state("networkidle")
        result["seconds"] = time.perf_counter() - t
        hrefs = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => new URL(e.href).pathname)")
        # Material lists a page once per matching section: one entry per page.
        urls = list(dict.fromkeys(h.lstrip("/").split("#")[0] for h in hrefs))
        result["results"] = urls
    except Exception as exc:  # noqa: BLE001 - a timeout is a result here
        result["error"] = type(exc).__name__
        result["seconds"] = timeout_s
        urls = []
    finally:
        mine = {u: n for u, n in traffic.bytes_by_url.items() if any(k in u for k in SEARCH_FILES[engine])}
        result["bytes"] = sum(mine.values())
        result["wire"] = sum(wire_size(site, u) for u in mine)
        result["requests"] = len(mine)
        result["outside"] = len(traffic.outside)
        context.close()
    top = urls[: q["within"]]
    if "expect" in q:
        result["ok"] = bool(set(top) & q["expect"])
    else:
        hits = [u for u in top if q["contains"] in page_text(site, u)]
        result["ok"] = bool(top) and len(hits) == len(top)
    return result


# ------------------------------------------------------------------ report


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.1f} MB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", default="L", choices=[s for s in SCALES if s != "S"])
    ap.add_argument("--material-bulletins", type=int, default=5000)
    ap.add_argument("--work", default=str(REPO / "bench" / "work" / "search"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "search_compare.md"))
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for one search's results")
    ap.add_argument("--reuse", action="store_true", help="reuse built sites in --work; only re-run the Pagefind step")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    print("building Gongshi + Pagefind…", file=sys.stderr)
    g_site, g_times = gongshi_site(args.scale, work, args.reuse)
    project = g_site.parent
    material_n = min(args.material_bulletins, SCALES[args.scale].bulletins)
    print(f"building Material + search (jieba) over {material_n} bulletins…", file=sys.stderr)
    m_site, m_build = material_site(project, material_n, work, args.reuse)
    m_index = (m_site / "search" / "search_index.json").read_bytes()
    pf_files = [p for p in (g_site / "pagefind").rglob("*") if p.is_file()]

    qs = queries(project, material_n)
    rows: list[tuple[str, dict[str, Any]]] = []
    with chromium() as browser:
        with serve(g_site) as base:
            for q in qs:
                rows.append(("Pagefind", run_query(browser, g_site, base, q, "pagefind", args.timeout)))
                print(rows[-1], file=sys.stderr)
        with serve(m_site) as base:
            for q in qs:
                if not q["material"]:
                    continue  # activities and buildings are not in Material's corpus
                rows.append(("Material + jieba", run_query(browser, m_site, base, q, "material", args.timeout)))
                print(rows[-1], file=sys.stderr)

    scale = SCALES[args.scale]
    pages = sum(1 for _ in g_site.rglob("index.html"))
    out = [
        "# Search for residents' phones: Pagefind vs Material's search + jieba",
        "",
        f"Corpus: bench/corpus.py scale {scale.name} (fixed seed): {scale.bulletins:,} bulletins of ~1,500 characters, "
        f"{scale.activities:,} activities, {scale.lectures} lectures, {scale.buildings:,} buildings; {pages:,} HTML pages. "
        f"Material indexes the first {material_n:,} bulletins only. Budget for a first search: {kb(BUDGET)}. "
        "Measured in headless Chromium at 360×740, empty cache, files served uncompressed by http.server; "
        "\"wire\" is what the editors' guide's nginx sends (gzip for text, as bench/run.py counts it; "
        "Pagefind's index files are gzip-compressed already), and the budget applies to it.",
        "",
        "| | Pagefind (generator.search) | Material search + jieba |",
        "|---|---|---|",
        f"| index on disk | {kb(sum(p.stat().st_size for p in pf_files))} in {len(pf_files):,} files | {kb(len(m_index))} in 1 file ({kb(len(gzip.compress(m_index, 6)))} gzip) |",
        f"| build time | {g_times['build']:.0f} s (of which Pagefind {g_times['search']:.1f} s) | {m_build:.0f} s |".replace("nan s", "(reused)"),
        "",
        "| engine | query | first-search download (wire / raw) | requests | page load + search to results | expected pages found | outside requests |",
        "|---|---|---|---|---|---|---|",
    ]
    for engine, r in rows:
        within = next(q["within"] for q in qs if q["name"] == r["name"])
        found = "error: " + r["error"] if "error" in r else ("yes" if r["ok"] else "no") + f" (top {within})"
        budget = "" if r["wire"] <= BUDGET else " ✗"
        out.append(f"| {engine} | {r['query']} | {kb(r['wire'])} / {kb(r['bytes'])}{budget} | {r['requests']} | {r['seconds']:.1f} s | {found} | {r['outside']} |")
    pf_ok = all(r["ok"] and r["wire"] <= BUDGET for e, r in rows if e == "Pagefind")
    out += [
        "",
        "Verdict: " + (
            "Pagefind meets the budget and finds the expected pages for every query; "
            if pf_ok else "Pagefind misses the budget or a query (see above); "
        ) + f"Material's search must download its whole index ({kb(len(m_index))}, {kb(len(gzip.compress(m_index, 6)))} even gzip-compressed) "
        "before the first result, far over the budget on a cheap phone.",
        "",
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
