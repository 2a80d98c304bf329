"""Same content + same --today → byte-identical output trees.

The two builds run as separate processes in different folders, under
different machine time zones and some seconds apart, so anything that leaks
the build time, the machine's zone, the output path or hash-seed order shows
up as a differing file (pages, sitemap, search index, feeds, calendars, PDFs).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import FIXTURES, REPO, TODAY, make_project_at


def build_in(folder: Path, tz: str, seed: str) -> Path:
    project = make_project_at(folder, FIXTURES / "basic" / "content")
    env = {**os.environ, "TZ": tz, "PYTHONHASHSEED": seed}
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--today", TODAY],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return project / "site"


def files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = files(build_in(tmp_path / "one", "America/Los_Angeles", "1"))
    time.sleep(1.1)  # a different wall-clock second for the second build
    second = files(build_in(tmp_path / "two-elsewhere", "Pacific/Kiritimati", "2"))
    assert sorted(first) == sorted(second)
    differing = [rel for rel in sorted(first) if first[rel] != second[rel]]
    assert differing == [], f"files that differ between two builds: {differing}"
    # The comparison covered every kind of output there is.
    kinds = {Path(rel).suffix for rel in first}
    assert {".html", ".xml"} <= kinds
