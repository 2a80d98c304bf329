"""The live preview, for real: ``build.py serve`` as a subprocess on a free
port. Editing a bulletin, a data file or the theme rebuilds and tells the
browser to reload; a data error shows as an error page (and in the terminal)
without stopping the server, which recovers when the file is fixed.
Every wait is bounded.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import REPO, TODAY

WAIT = 20.0  # seconds, for any one change to show


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def wait_for(url: str, ok: Callable[[int, str], bool], what: str) -> str:
    deadline = time.monotonic() + WAIT
    last: tuple[int, str] = (0, "")
    while time.monotonic() < deadline:
        try:
            last = fetch(url)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
            continue
        if ok(*last):
            return last[1]
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {WAIT} s; last response {last[0]}: {last[1][:500]}")


@pytest.fixture
def server(make_project, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    # A private copy of the theme, so the test may edit it.
    (project / "theme").unlink()
    shutil.copytree(REPO / "theme", project / "theme")
    port = free_port()
    log = open(tmp_path / "serve.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
    extra = list(getattr(request, "param", ()))  # e.g. ["--poll"]
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--today", TODAY, "-a", f"127.0.0.1:{port}", *extra],
        cwd=project, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base, lambda code, body: code == 200, "the first page")
        yield project, base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def epoch_of(html: str) -> int:
    m = re.search(r"livereload\((\d+), \d+\)", html)
    assert m, "no live-reload script in the page"
    return int(m.group(1))


def test_edit_error_and_recovery(server: tuple[Path, str, subprocess.Popen[str]]) -> None:
    project, base, proc = server
    url = base + "bulletins/2026-02-second/"
    html = wait_for(url, lambda c, b: c == 200 and "第二期简报" in b, "the bulletin page")
    epoch = epoch_of(html)

    # 1. Editing a bulletin rebuilds, and the page's reload poll answers a newer epoch.
    md = project / "content/bulletins/2026-02-second.md"
    md.write_text(md.read_text(encoding="utf-8").replace("title: 第二期简报", "title: 第二期简报（修订）"), encoding="utf-8")
    code, newer = fetch(f"{base}livereload/{epoch}/1", timeout=WAIT)
    assert code == 200 and int(newer) > epoch
    wait_for(url, lambda c, b: c == 200 and "第二期简报（修订）" in b, "the edited title")

    # 2. A data error: the server stays up and every open page shows the error.
    venues = project / "content/data/venues.yml"
    good = venues.read_text(encoding="utf-8")
    # An unclosed bracket (both PyYAML parsers refuse it; a tab inside a flow
    # mapping is legal YAML and libyaml, which load.py uses, accepts it).
    venues.write_text(good.replace("{id: school,", "{id: [school,"), encoding="utf-8")
    # expected line computed from the edited file: the bracket's position
    broken = venues.read_text(encoding="utf-8")
    at = broken.index("[school")
    line = broken.count("\n", 0, at) + 1
    body = wait_for(url, lambda c, b: "预览未更新" in b, "the error page")
    assert f"content/data/venues.yml:{line}:" in body
    assert "livereload(" in body  # the error page reloads itself once fixed
    home = fetch(base)[1]
    assert "预览未更新" in home
    assert proc.poll() is None
    terminal = (project.parent / "serve.log").read_text(encoding="utf-8")
    assert f"content/data/venues.yml:{line}:" in terminal and "Traceback" not in terminal

    # 3. Fixed: the site comes back. The error page was only shown over the
    # pages, never written over them, so the fix renders only what changed
    # since the last good build (here: nothing); the 404 page is one again.
    venues.write_text(good, encoding="utf-8")
    wait_for(url, lambda c, b: c == 200 and "第二期简报（修订）" in b and "预览未更新" not in b, "recovery")
    assert proc.poll() is None
    plans = re.findall(r"预览更新：重新生成 (\d+) 个页面，(\d+) 个未变", (project.parent / "serve.log").read_text(encoding="utf-8"))
    rendered, unchanged = map(int, plans[-1])
    assert rendered == 0 and unchanged > 20, plans
    code, missing = fetch(base + "no-such-page/")
    assert code == 404 and "预览未更新" not in missing

    # 4. A page clashing with a generated page is an error page too, until removed.
    clash = project / "content/buildings/a-1.md"
    clash.parent.mkdir()
    clash.write_text("# 1 栋\n", encoding="utf-8")
    body = wait_for(url, lambda c, b: "预览未更新" in b, "the clash error page")
    assert "content/buildings/a-1.md: 与自动生成的页面" in body
    clash.unlink()
    wait_for(url, lambda c, b: c == 200 and "第二期简报（修订）" in b, "recovery from the clash")

    # 5. So is a link to an article that is not there (it was a warning in
    # the terminal, and the page reloaded with the dead link in it).
    good_md = md.read_text(encoding="utf-8")
    md.write_text(good_md + "\n见[第一期](2025-01-frist.md)。\n", encoding="utf-8")
    body = wait_for(url, lambda c, b: "预览未更新" in b, "the dead link's error page")
    assert "链接“2025-01-frist.md”指向的文章 content/bulletins/2025-01-frist.md 不存在" in body and "是否想链接到“2025-01-first.md”？" in body, body
    assert proc.poll() is None
    md.write_text(good_md + "\n见[第一期](2025-01-first.md)。\n", encoding="utf-8")
    wait_for(url, lambda c, b: c == 200 and 'href="../2025-01-first/"' in b and "预览未更新" not in b, "recovery from the dead link")

    # 6. A theme edit reloads too.
    css = project / "theme/assets/gongshi.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* serve-test-marker */\n", encoding="utf-8")
    wait_for(base + "assets/gongshi.css", lambda c, b: "serve-test-marker" in b, "the theme change")


def builds_so_far(project: Path) -> int:
    return (project.parent / "serve.log").read_text(encoding="utf-8").count("Building documentation")


@pytest.mark.parametrize("server", [(), ("--poll",)], indirect=True, ids=["file-events", "poll"])
def test_saves_are_noticed_and_reading_is_not_a_save(server: tuple[Path, str, subprocess.Popen[str]]) -> None:
    # serve watches with the system's file events (generator/watch.py), or
    # with MkDocs' polling under --poll. Either must notice an editor's save
    # made as many editors make it (a temporary file renamed over the old
    # one), a new file in a new folder and an edit of mkdocs.yml; and the
    # file events must not count the rebuild's own reading of every content
    # file as a change (that would rebuild for ever).
    project, base, proc = server
    md = project / "content/bulletins/2026-02-second.md"
    url = base + "bulletins/2026-02-second/"
    tmp = md.with_name(".2026-02-second.md.swp")
    tmp.write_text(md.read_text(encoding="utf-8").replace("title: 第二期简报", "title: 第二期简报（改名保存）"), encoding="utf-8")
    tmp.replace(md)
    wait_for(url, lambda c, b: c == 200 and "第二期简报（改名保存）" in b, "the renamed-over save")

    folder = project / "content/bulletins/2027"
    folder.mkdir()
    (folder / "2027-01-new.md").write_text("---\ntitle: 新文件夹里的简报\nissue: 9\ndate: 2026-03-20\ncolumn: notice\n---\n\n正文。\n", encoding="utf-8")
    wait_for(base + "bulletins/", lambda c, b: c == 200 and "新文件夹里的简报" in b, "the new file in a new folder")

    config = project / "mkdocs.yml"
    n = builds_so_far(project)  # before the save: its rebuild may start at once
    config.write_text(config.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    deadline = time.monotonic() + WAIT
    while builds_so_far(project) == n and time.monotonic() < deadline:
        time.sleep(0.2)
    assert builds_so_far(project) > n, "mkdocs.yml's edit did not rebuild"
    fetch(base)  # answers once that rebuild is done

    # Quiet now: no build may start without a save (the writers and the
    # search index read every page after the reload, within ~2 s here).
    time.sleep(4.0)
    quiet = builds_so_far(project)
    time.sleep(3.0)
    assert builds_so_far(project) == quiet, "serve rebuilt with no file changed"
    assert proc.poll() is None


def test_error_at_startup_still_serves_the_errors(make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    path = project / "content/data/activities.yml"
    text = path.read_text(encoding="utf-8").replace("venue: school", "venue: shcool")
    path.write_text(text, encoding="utf-8")
    line = text.split("\n").index("    venue: shcool") + 1
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--today", TODAY, "-a", f"127.0.0.1:{port}"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        body = wait_for(f"http://127.0.0.1:{port}/", lambda c, b: "预览未更新" in b, "the error page")
        expected = f"content/data/activities.yml:{line}:12: postponed-show: venue: 找不到场地“shcool” — 是否想写“school”？"
        assert expected in body
        # A page that does not exist yet also answers with the errors (404 page).
        code, missing = fetch(f"http://127.0.0.1:{port}/buildings/a-1/")
        assert code == 404 and expected in missing
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert expected in out  # the terminal shows it too
    assert "Traceback" not in out


def test_a_busy_address_is_named_before_the_first_build(make_project) -> None:  # type: ignore[no-untyped-def]
    # MkDocs binds the port after the first build (a minute on a large
    # site) and then ended in a traceback when another preview held it.
    project = make_project("basic")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(REPO / "build.py"), "serve", "--today", TODAY, "-a", f"127.0.0.1:{port}"],
            cwd=project, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 2
    assert f"错误：预览的地址 127.0.0.1:{port} 已被占用" in result.stderr
    assert f"--dev-addr 127.0.0.1:{port + 1}" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (project / "site").exists() and time.monotonic() - started < 30  # nothing was built
