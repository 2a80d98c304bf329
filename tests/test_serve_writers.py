"""`serve` writes feeds, calendars, digests and notices after the reload,
in a thread a newer rebuild may stop between two files (outputs.Cancelled).
What a stopped run leaves must make the next one rewrite exactly what may
be half written: the writer that was stopped. Writers that finished, or had
not started, keep their record (their files are whole)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, TODAY, make_project_at

from generator import outputs
from generator.pipeline import Project, load_site

KEPT = ("generator.calendar", "generator.digest", "generator.notices")


def test_a_stopped_writer_loses_its_record_the_others_keep_theirs(tmp_path: Path) -> None:
    project = Project.at(make_project_at(tmp_path / "p", FIXTURES / "basic" / "content"))
    site, _ = load_site(project, date.fromisoformat(TODAY))
    out_dir = tmp_path / "site"
    skip = frozenset({"generator.search"})

    first = outputs.Reuse("env")
    outputs.write_all(site, project, out_dir, REPO / "theme", pdf=False, skip=skip, reuse=first)
    assert set(first.runs) == set(KEPT)

    # Same inputs: every writer keeps its files; stop at the first digest.
    out = outputs.Output(site, project, out_dir, REPO / "theme", pdf=False, keep_same=True)
    out.stop = lambda: any(rel.startswith("digests/") for rel in out.written)
    second = outputs.Reuse("env", dict(first.runs))
    with pytest.raises(outputs.Cancelled):
        outputs.write_all(site, project, out_dir, REPO / "theme", pdf=False, skip=skip, reuse=second, out=out)
    assert "generator.digest" not in second.runs  # stopped: runs again next time
    assert second.runs["generator.calendar"] == first.runs["generator.calendar"]  # finished
    assert second.runs["generator.notices"] == first.runs["generator.notices"]  # not reached

    third = outputs.Reuse("env", dict(second.runs))
    outputs.write_all(site, project, out_dir, REPO / "theme", pdf=False, skip=skip, reuse=third)
    assert third.runs == first.runs
