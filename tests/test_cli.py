"""The command line's promises: atomic publish, content/ never written, and
``build.py new`` scaffolding that check then accepts.

Builds that must be interrupted run as real subprocesses (SIGKILL, SIGINT,
SIGTERM); the previous site/ must come out byte-for-byte identical.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, TODAY, build_project, make_project_at, run_cli

from generator.cli import clean_stale


def tree(root: Path) -> dict[str, str]:
    """Every file under root → sha256 of its bytes (and symlinks' targets)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def leftovers(project: Path) -> list[str]:
    return sorted(p.name for p in project.iterdir() if p.name.startswith(".site-"))


def start_build(project: Path, session: bool = False) -> subprocess.Popen[bytes]:
    """`build.py build` as a terminal starts it: Ctrl-C (SIGINT) in its
    default disposition. An ignored SIGINT is inherited through exec, and
    Python then leaves it ignored: in one fresh-clone run (2 of 875 tests,
    one xdist worker) the pytest worker had it ignored and the builds ran
    to the end (rc 0, not 130); it never happened again in 7 runs (the
    source was not found)."""
    return subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "build", "--today", TODAY],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=session,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_mid_build(project: Path, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Return once the build has started writing its temporary folder."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tmp = [p for p in project.iterdir() if p.name.startswith(".site-new-")]
        if tmp and any(tmp[0].rglob("*.css")):
            return
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.02)
    raise AssertionError("the build never started writing")


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The basic fixture with a previously published site/. Its files are a
    stand-in (what is tested is that they survive byte-for-byte), so no build
    is needed here; the tests that must publish do build."""
    project = make_project_at(tmp_path_factory.mktemp("cli") / "p", FIXTURES / "basic" / "content")
    site = project / "site"
    for rel in ("index.html", "buildings/a-1/index.html", "assets/gongshi.css", "calendar/all.ics"):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(f"上一次发布的 {rel}\n", encoding="utf-8")
    (site / "notices/a-1.pdf").parent.mkdir(parents=True)
    (site / "notices/a-1.pdf").write_bytes(bytes(range(256)))
    (site / "marker.txt").write_text("the previous site", encoding="utf-8")
    return project


@pytest.fixture
def built(built_once: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    project = tmp_path / "p"
    shutil.copytree(built_once, project, symlinks=True)
    return project, tree(project / "site")


def test_failed_build_leaves_site_untouched(built: tuple[Path, dict[str, str]]) -> None:
    project, before = built
    path = project / "content/data/venues.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: school", "id: School"), encoding="utf-8")
    assert run_cli("build", "--today", TODAY, cwd=project) == 1
    assert tree(project / "site") == before
    assert leftovers(project) == []


@pytest.mark.parametrize(("sig", "rc"), [(signal.SIGINT, 130), (signal.SIGTERM, 130)])
def test_interrupted_build_leaves_site_untouched(built: tuple[Path, dict[str, str]], sig: int, rc: int) -> None:
    project, before = built
    proc = start_build(project)
    wait_mid_build(project, proc)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == rc, err.decode()
    assert "构建已中断，原有的 site/ 未被改动。" in err.decode()
    assert b"Traceback" not in err
    assert tree(project / "site") == before
    assert leftovers(project) == []  # cleaned on the way out


def _proc(pid: int, name: str) -> str | None:
    """/proc/<pid>/<name>, or None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/{name}").read_text(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return None


def test_ctrl_c_in_a_terminal_prints_no_worker_tracebacks(make_project) -> None:  # type: ignore[no-untyped-def]
    # Ctrl-C interrupts the whole process group: every idle worker (door
    # notices, VEVENTs, search) printed its own KeyboardInterrupt traceback
    # before the build's one line. Each worker must ignore SIGINT (read
    # from /proc, whenever it is seen), and a group interrupt once one
    # waits for work must print no traceback.
    project = make_project("sample")
    proc = start_build(project, session=True)
    ignored: dict[int, bool] = {}  # worker → SIGINT ignored, as last read
    ticks: dict[int, tuple[int, int]] = {}  # worker → (CPU ticks, samples unchanged)
    seen: dict[int, int] = {}  # worker → samples read
    interrupted = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        children = (_proc(proc.pid, f"task/{proc.pid}/children") or "").split()
        for child in map(int, children):
            cmdline, status, stat = _proc(child, "cmdline"), _proc(child, "status"), _proc(child, "stat")
            if not cmdline or "build.py" not in cmdline or not status or not stat:
                continue
            mask = int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)
            # Ever: read in the instant between its fork and its pool's
            # initializer, a worker does not ignore it yet.
            ignored[child] = ignored.get(child, False) or bool(mask & (1 << (signal.SIGINT - 1)))
            fields = stat.rsplit(")", 1)[1].split()
            now = int(fields[11]) + int(fields[12])
            last, still = ticks.get(child, (-1, 0))
            ticks[child] = (now, still + 1 if now == last else 0)
            seen[child] = seen.get(child, 0) + 1
        # A worker idle for ~0.9 s waits for work: what printed the traceback
        # (a task's own interrupt goes back to the build process).
        if not interrupted and any(still >= 3 for _t, still in ticks.values()):
            os.killpg(proc.pid, signal.SIGINT)
            interrupted = True
        time.sleep(0.3)
    _out, err = proc.communicate(timeout=60)
    settled = {pid: value for pid, value in ignored.items() if seen[pid] >= 2}
    assert settled, f"no worker process seen twice: {ignored}"
    assert all(settled.values()), settled
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err, err.decode()
    if interrupted:
        assert proc.returncode == 130 and "构建已中断，原有的 site/ 未被改动。" in err.decode(), err.decode()


class _InterruptedFinalizer:
    """An object whose finalizer is running when Ctrl-C comes: Python
    swallows the KeyboardInterrupt raised there (as it did in WeasyPrint's
    FontConfiguration.__del__ in the test above)."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10_000):  # the handler runs here, inside __del__
            pass


def test_ctrl_c_swallowed_by_a_finalizer_still_stops_the_build(built: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from generator.plugin import GongshiPlugin

    project, before = built
    real = GongshiPlugin.on_post_build

    def on_post_build(self: GongshiPlugin, *args: object, **kwargs: object) -> None:
        garbage = _InterruptedFinalizer()
        del garbage
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(GongshiPlugin, "on_post_build", on_post_build)
    previous_hook = sys.unraisablehook
    # As in a terminal (a test worker process may ignore SIGINT).
    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        assert run_cli("build", "--today", TODAY, cwd=project) == 130
        assert sys.unraisablehook is previous_hook and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    err = capsys.readouterr().err
    assert "构建已中断，原有的 site/ 未被改动。" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err and "Exception ignored" not in err, err
    assert tree(project / "site") == before and leftovers(project) == []


def test_a_build_started_with_ctrl_c_ignored_keeps_ignoring_it() -> None:
    # A background job of a script starts with SIGINT ignored; Python keeps
    # it so, and so does the build.
    from generator.cli import _interrupts

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with _interrupts():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with _interrupts():
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_killed_build_leaves_site_untouched_and_is_cleaned_next_time(built: tuple[Path, dict[str, str]]) -> None:
    project, before = built
    proc = start_build(project)
    wait_mid_build(project, proc)
    proc.kill()
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert tree(project / "site") == before
    stale = leftovers(project)
    assert len(stale) == 1 and stale[0].startswith(f".site-new-{proc.pid}-")
    # The next build removes the abandoned folder and swaps a new site in,
    # without writing anything inside content/.
    content_before = tree(project / "content")
    first_inode = (project / "site").stat().st_ino
    build_project(project)
    assert leftovers(project) == []
    assert (project / "site").stat().st_ino != first_inode
    assert not (project / "site/marker.txt").exists()
    assert (project / "site/index.html").is_file()
    assert tree(project / "content") == content_before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_kill_inside_the_swap_is_repaired(tmp_path: Path) -> None:
    # Without an atomic exchange, publish renames site/ away then the new one in;
    # killed between the two, site/ is missing and the old one sits aside.
    old = tmp_path / f".site-old-{_dead_pid()}-abc"
    old.mkdir()
    (old / "index.html").write_text("previous", encoding="utf-8")
    new = tmp_path / f".site-new-{_dead_pid()}-def"
    new.mkdir()
    (new / "half.html").write_text("half", encoding="utf-8")
    live = tmp_path / f".site-new-{os.getpid()}-ghi"  # a build still running: left alone
    live.mkdir()
    # The search indexer's staging copy of a killed build goes too.
    stage = tmp_path / f".pagefind-src-{_dead_pid()}-jkl"
    (stage / "bulletins").mkdir(parents=True)
    live_stage = tmp_path / f".pagefind-src-{os.getpid()}-mno"
    live_stage.mkdir()
    clean_stale(tmp_path / "site")
    assert (tmp_path / "site/index.html").read_text(encoding="utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", live.name, live_stage.name])


def test_output_inside_content_is_refused(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    before = tree(project / "content")
    assert run_cli("build", "--today", TODAY, "-d", "content/site", cwd=project) == 2
    assert "构建不会写入 content/" in capsys.readouterr().err
    assert tree(project / "content") == before


def test_broken_mkdocs_yml_is_a_message_not_a_traceback(make_project) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    (project / "mkdocs.yml").write_text("site_name: [unclosed\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "build"], cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("mkdocs.yml: 配置文件有误：")


def test_bad_today_is_a_message(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    with pytest.raises(SystemExit) as exc:
        run_cli("check", "--today", "2026-02-30", cwd=project)
    assert exc.value.code == 2
    assert "“2026-02-30”不是真实存在的日期，请写成 2026-12-05" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# build.py new


def issues_in(project: Path) -> list[int]:
    found = []
    for path in (project / "content/bulletins").glob("*.md"):
        m = re.search(r"^issue: (\d+)$", path.read_text(encoding="utf-8"), re.M)
        if m:
            found.append(int(m.group(1)))
    return found


def test_new_bulletin(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    expected_issue = max(issues_in(project)) + 1  # drafts hold their number too
    assert run_cli("new", "bulletin", "--today", "2026-12-01", cwd=project) == 0
    rel = f"content/bulletins/2026-12-jianbao-{expected_issue}.md"  # year and month of --today
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"已创建：{rel}:2"
    text = (project / rel).read_text(encoding="utf-8")
    assert f"\nissue: {expected_issue}\n" in text and "\ndate: 2026-12-01\n" in text and "\ndraft: true " in text
    for field in ("title", "issue", "date", "column", "office", "editor_note", "summary", "draft"):
        assert re.search(rf"^{field}:", text, re.M), field
    # Until the title is written, check says exactly that — as a warning: a
    # draft is not published, so it does not stop anyone else's build.
    rc = run_cli("check", "--today", TODAY, cwd=project)
    lines = capsys.readouterr().err.splitlines()
    assert rc == 0
    assert f"警告: {rel}:2:1: 2026-12-jianbao-{expected_issue}: title: 缺少必填字段（草稿，暂不发布） — 请在元数据中填写 title: 标题" in lines
    assert run_cli("check", "--strict", "--today", TODAY, cwd=project) == 1
    capsys.readouterr()
    site = build_project(project)
    assert not (site / "bulletins" / f"2026-12-jianbao-{expected_issue}").exists()
    # A second one gets the next number; a title given up front is enough for check.
    assert run_cli("new", "bulletin", "--today", "2026-12-01", "--title", "冬季: 用电安全", "--id", "2026-winter", cwd=project) == 0
    text = (project / "content/bulletins/2026-winter.md").read_text(encoding="utf-8")
    assert f"\nissue: {expected_issue + 1}\n" in text and '\ntitle: "冬季: 用电安全"\n' in text
    capsys.readouterr()


def test_new_activity_appends_without_touching_the_rest(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    path = project / "content/data/activities.yml"
    before = path.read_text(encoding="utf-8")
    assert run_cli("new", "activity", "--today", "2026-12-20", "--title", "冬至包饺子", cwd=project) == 0
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n") + "\n")
    line = before.rstrip("\n").count("\n") + 2
    assert capsys.readouterr().err.splitlines()[0] == f"已创建：content/data/activities.yml:{line}"
    assert after.split("\n")[line - 1] == "  - id: 2026-12-20-huodong"
    rc = run_cli("check", "--today", TODAY, cwd=project)
    lines = capsys.readouterr().err.splitlines()
    assert rc == 1
    assert lines == [f"content/data/activities.yml:{line + 2}:5: 2026-12-20-huodong: kind: 缺少必填字段 — 请填写 kind", "发现 1 处错误，请改正后再生成网站。"]
    path.write_text(re.sub(r"kind: +#", "kind: 文艺 #", after), encoding="utf-8")
    assert run_cli("check", "--today", TODAY, cwd=project) == 0
    # What the entry leaves blank to be filled in is named, not published
    # silently: an empty description and a contact without a phone (the
    # editors' tester's page read "联系 活动站值班员" and nothing to call).
    warned = [w for w in capsys.readouterr().err.splitlines() if "2026-12-20-huodong" in w]
    assert [w.split(": ")[3] for w in warned] == ["description", "contact.phone"], warned
    assert "活动说明是空的" in warned[0] and "联系电话是空的，居民只看到“活动站值班员”" in warned[1]
    assert run_cli("check", "--strict", "--today", TODAY, cwd=project) == 1
    capsys.readouterr()
    # The same day again: a distinct id.
    assert run_cli("new", "activity", "--today", "2026-12-20", cwd=project) == 0
    assert "  - id: 2026-12-20-huodong-2\n" in path.read_text(encoding="utf-8")


def test_new_activity_keeps_a_notepad_files_bom_and_line_ends(make_project) -> None:  # type: ignore[no-untyped-def]
    # Saved by Windows Notepad: a BOM and CRLF. It came back LF without the BOM.
    project = make_project("basic")
    path = project / "content/data/activities.yml"
    before = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(before)
    path.chmod(0o640)
    assert run_cli("new", "activity", "--today", "2026-12-20", "--title", "冬至包饺子", cwd=project) == 0
    after = path.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert b"\n" not in after.replace(b"\r\n", b"")  # every line end still CRLF
    assert b"  - id: 2026-12-20-huodong\r\n" in after
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_new_lecture_goes_into_the_lectures_list(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    path = project / "content/data/lectures.yml"
    # A top-level key after the lectures list: the entry must still land in it.
    path.write_text(path.read_text(encoding="utf-8").replace("series:\n  - id: forum\n    name: 社区科普大讲坛\n", "") + "series:\n  - id: forum\n    name: 社区科普大讲坛\n", encoding="utf-8")
    assert run_cli("new", "lecture", "--today", "2027-01-09", "--title", "春季过敏防护", cwd=project) == 0
    capsys.readouterr()
    rc = run_cli("check", "--today", TODAY, cwd=project)
    lines = capsys.readouterr().err.splitlines()
    text = path.read_text(encoding="utf-8")
    line = text.split("\n").index("  - id: 2027-01-09-jiangzuo") + 1
    assert rc == 0, lines
    assert f"警告: content/data/lectures.yml:{line}:5: 2027-01-09-jiangzuo: speaker: 讲座没有填写主讲人 — 请填写 speaker（主讲人姓名）和 affiliation（单位）；主讲人未定时可写“待定”" in lines
    assert text.index("2027-01-09-jiangzuo") < text.index("\nseries:")


def test_new_refuses_a_bad_or_taken_id(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    project = make_project("basic")
    assert run_cli("new", "bulletin", "--id", "../evil", cwd=project) == 2
    assert "“../evil”不能用作 id" in capsys.readouterr().err
    assert run_cli("new", "bulletin", "--id", "2025-01-first", cwd=project) == 1
    assert "content/bulletins/2025-01-first.md 已存在" in capsys.readouterr().err
    assert run_cli("new", "activity", "--id", "dance", cwd=project) == 1
    assert "id“dance” 已存在" in capsys.readouterr().err


def test_warnings_fail_a_strict_build_and_leave_site_untouched(built: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    project, before = built
    draft = project / "content/bulletins/2026-04-draft.md"
    text = draft.read_text(encoding="utf-8").replace("issue: 4", "issue: 6")
    draft.write_text(text, encoding="utf-8")
    line = text.split("\n").index("issue: 6") + 1
    assert run_cli("build", "--today", TODAY, "--strict", cwd=project) == 1
    err = capsys.readouterr().err.splitlines()
    # The warning went through the plugin's logger, which is what --strict counts.
    assert f"WARNING -  generator: content/bulletins/2026-04-draft.md:{line}:8: 2026-04-draft: issue: 期号不连续，缺少第 4、5 期 — 如有遗漏请补上；草稿（draft: true）也占用期号" in err
    assert tree(project / "site") == before
    assert leftovers(project) == []


@pytest.mark.parametrize("name", ["ENOSPC", "EMFILE"])  # inotify's two limits
def test_serve_out_of_file_watches_says_use_poll(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # The system's file events (generator/watch.py) can run out: the editor
    # gets the way out (serve --poll), not a traceback.
    import errno

    import mkdocs.commands.serve

    from generator import cli

    def refused(**_kwargs: object) -> None:
        raise OSError(getattr(errno, name), "inotify watch limit reached")

    monkeypatch.setattr(mkdocs.commands.serve, "serve", refused)
    monkeypatch.delenv("GONGSHI_WATCH", raising=False)  # serve --poll sets it: undone after the test
    assert cli.main(["serve"]) == 1
    err = capsys.readouterr().err
    assert "python build.py serve --poll" in err and "max_user_watches" in err
    # Under --poll the same error is not ours to explain, nor a full disk.
    with pytest.raises(OSError):
        cli.main(["serve", "--poll"])
    assert os.environ.get("GONGSHI_WATCH") == "poll"
    monkeypatch.delenv("GONGSHI_WATCH")

    def disk_full(**_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mkdocs.commands.serve, "serve", disk_full)
    with pytest.raises(OSError):
        cli.main(["serve"])


def test_build_py_runs_under_a_python_without_the_packages(make_project) -> None:  # type: ignore[no-untyped-def]
    # Editors type `python build.py check` from the guide, with the system's
    # Python; the packages are in .venv/ (make site). It was a
    # ModuleNotFoundError traceback; build.py now runs itself with .venv's.
    project = make_project("basic")
    bare = [sys.executable, "-S", "-I"]  # no site-packages: like a system Python without the packages
    assert subprocess.run([*bare, "-c", "import markdown"], capture_output=True).returncode != 0
    result = subprocess.run([*bare, str(REPO / "build.py"), "check", "--today", TODAY], cwd=project, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "检查通过" in result.stderr and "Traceback" not in result.stderr


def test_a_second_build_does_not_point_at_an_option_it_lacks(make_project, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    # MkDocs said "The directory contains stale files. Use --clean to remove
    # them." on every build after the first; `build` has no --clean, and
    # replaces the whole folder anyway.
    project = make_project("basic")
    for _ in range(2):
        assert run_cli("build", "--today", TODAY, cwd=project) == 0
        err = capsys.readouterr().err
        assert "stale files" not in err and "--clean" not in err and "dirty" not in err, err
