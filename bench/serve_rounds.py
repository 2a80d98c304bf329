"""Save-to-reload in `serve` at a chosen moment after the last reload, and
how long each pause's garbage collection takes (generator/idlegc.py).

    .venv/bin/python bench/serve_rounds.py [--code CHECKOUT] [--gap S] [--rounds N]

Runs `build.py serve` of CHECKOUT on the L corpus (bench/work/L/gongshi,
written by ``bench/run.py --scale L``), then N rounds of: a bulletin edit,
``--gap`` seconds, a YAML edit, ``--gap`` seconds; each edit is made on the
original file, and every file is put back at the end. With ``--gap 1`` a
save comes before the pause's collection (as in bench/run.py); with
``--gap 2.1`` it lands in it (the collection starts 2 s after a rebuild,
afterreload.PAUSE). Prints each save-to-reload, the server's resident
memory after each round, and the time of each pause's collection.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402

# The child: `build.py serve` with each pause's collection timed on stderr.
CHILD = r"""
import gc, sys, time
sys.path.insert(0, sys.argv[1])
import generator.idlegc as idlegc
idle = idlegc.IdleCollector.idle
def timed(self):
    t = time.perf_counter()
    idle(self)
    print(f"IDLE-GC {time.perf_counter() - t:.3f} s, frozen {gc.get_freeze_count()}", file=sys.stderr, flush=True)
idlegc.IdleCollector.idle = timed
sys.argv = ["build.py", *sys.argv[2:]]
from generator import cli
sys.exit(cli.main())
"""


def _rss_mb(pid: int) -> int:
    """The process's resident memory now (Linux), in MB; 0 where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--code", type=Path, default=HERE.parent)
    ap.add_argument("--gap", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    project = bench.WORK / "L" / "gongshi"
    if not (project / "mkdocs.yml").is_file():
        raise SystemExit(f"{project}: no L corpus; run bench/run.py --scale L first")
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}/"
    log_path = project / "serve-rounds.log"
    newest = bench.newest_bulletin(project)
    acts = project / "content" / "data" / "activities.yml"
    saved = {newest: newest.read_bytes(), acts: acts.read_bytes()}
    for path, data in saved.items():
        if "基准修改".encode() in data:
            raise SystemExit(f"{path}: a marker an earlier run left; run bench/run.py --scale L to write the corpus again")
    target, building = bench.soon_activity(project)
    month = f"{base}activities/months/{str(target['start'])[:7]}/"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(args.code.resolve()), "serve", "-a", f"127.0.0.1:{port}", "--today", bench.TODAY],
                                cwd=project, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            t0 = time.monotonic()
            while "<html" not in bench.fetch(base):
                if proc.poll() is not None:
                    raise SystemExit(log_path.read_text(encoding="utf-8")[-2000:])
                time.sleep(0.2)
            print(f"first page: {time.monotonic() - t0:.1f} s", flush=True)
            time.sleep(8.0)  # the first build's writers and search index
            for n in range(args.rounds):
                marker = f"基准修改甲{n}"
                text = saved[newest].decode("utf-8")
                newest.write_text(re.sub(r"^title: \"?", lambda m, k=marker: m.group(0) + k, text, count=1, flags=re.M), encoding="utf-8")
                bulletin = bench.wait_for([f"{base}bulletins/{newest.stem}/", f"{base}bulletins/", base], marker, 120)
                time.sleep(args.gap)
                marker = f"基准修改乙{n}"
                acts.write_text(saved[acts].decode("utf-8").replace(f"title: {target['title']}\n", f"title: {marker}{target['title']}\n", 1), encoding="utf-8")
                yaml = bench.wait_for([f"{base}activities/{target['id']}/", month, f"{base}buildings/{building}/"], marker, 120)
                print(f"round {n}: bulletin {bulletin or -1:.2f} s, YAML {yaml or -1:.2f} s, serve's RSS {_rss_mb(proc.pid)} MB", flush=True)
                time.sleep(args.gap)
        finally:
            # The files first, whatever the server does: a marker left in the
            # corpus is taken as the original by every later run (one run
            # started while another was stopping gave 0.00 s saves).
            for path, data in saved.items():
                path.write_bytes(data)
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print("serve did not stop within 30 s of SIGTERM: killed", flush=True)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    logged = log_path.read_text(encoding="utf-8")
    for found in re.findall(r"IDLE-GC [0-9.]+ s, frozen [0-9]+", logged):
        print(found)
    # MkDocs' own time of each rebuild (the first is the first build).
    print("rebuilds:", ", ".join(re.findall(r"Documentation built in ([0-9.]+) seconds", logged)[1:]), "s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
