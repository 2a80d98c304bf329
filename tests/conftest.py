"""Shared fixtures: build real sites from fixture content and read the output.

``make_project(case)`` copies ``tests/fixtures/<case>/content`` (or the shipped
``content/``) into a temporary project with the repo's mkdocs.yml and theme;
``build(project, today)`` runs the real command line (``build.py build``) in
process. Tests then parse the HTML, feeds and PDFs that came out.

Under CI=true a skipped test is a failure: browser and PDF tests must run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = "2026-11-29"

# The machine's zone must never matter: run every test under a zone far from
# the site's (Asia/Shanghai), so a stray use of local time shows up.
os.environ["TZ"] = "America/Los_Angeles"
os.environ.setdefault("LC_ALL", "C.UTF-8")


def make_project_at(dest: Path, content: Path) -> Path:
    """A project folder: mkdocs.yml and theme from the repo, the given content."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "theme").symlink_to(REPO / "theme")
    shutil.copytree(content, dest / "content")
    return dest


def run_cli(*args: str, cwd: Path) -> int:
    """Run build.py's main() in process, from the project folder."""
    from generator.cli import main

    old = Path.cwd()
    saved = os.environ.get("GONGSHI_TODAY")
    os.chdir(cwd)
    try:
        return main(list(args))
    finally:
        os.chdir(old)
        if saved is None:
            os.environ.pop("GONGSHI_TODAY", None)
        else:
            os.environ["GONGSHI_TODAY"] = saved


def build_project(project: Path, today: str = TODAY, *extra: str) -> Path:
    rc = run_cli("build", "--today", today, *extra, cwd=project)
    assert rc == 0, f"build failed with exit status {rc}"
    return project / "site"


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[str], Path]:
    def make(case: str) -> Path:
        content = REPO / "content" if case == "sample" else FIXTURES / case / "content"
        return make_project_at(tmp_path / case, content)

    return make


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 'basic' fixture built once for the session (read-only for tests)."""
    project = make_project_at(tmp_path_factory.mktemp("basic") / "p", FIXTURES / "basic" / "content")
    return build_project(project)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample content built once for the session."""
    project = make_project_at(tmp_path_factory.mktemp("sample") / "p", REPO / "content")
    return build_project(project)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def page(site: Path, url: str) -> BeautifulSoup:
    """The parsed HTML of a site URL such as 'buildings/a-1/'."""
    target = site / url.strip("/") / "index.html" if url.strip("/") else site / "index.html"
    return soup(target)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") == "true" and skipped:
        terminalreporter.write_line(f"CI=true: {len(skipped)} skipped test(s) count as failures", red=True)


def pytest_sessionfinish(session, exitstatus):  # type: ignore[no-untyped-def]
    if os.environ.get("CI") != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = 1
