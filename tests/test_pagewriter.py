"""`build` hands MkDocs' page files to a helper process (generator/pagewriter.py):
the same files, byte for byte, and a write that fails still fails the build
with the file named, leaving the last good site alone."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from conftest import FIXTURES, build_project, make_project_at, run_cli
from test_perf_correctness import assert_same_tree

from generator import pagewriter


def test_build_writes_every_page_through_the_helper_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    real = pagewriter.PageWriter.write_file

    def spy(self: pagewriter.PageWriter, content: bytes, output_path: str) -> None:
        # The path inside the build's new folder (.site-new-<pid>-…/).
        parts = Path(output_path).parts
        written.append("/".join(parts[[p.startswith(".site-new-") for p in parts].index(True) + 1 :]))
        real(self, content, output_path)

    monkeypatch.setattr(pagewriter.PageWriter, "write_file", spy)
    helped = build_project(make_project_at(tmp_path / "helped", FIXTURES / "basic" / "content"), "2026-11-29", "--no-cache")
    # Every page MkDocs rendered (and its 404 page) went through it; the
    # door notices' pages are the notices writer's own, sitemap.xml the
    # plugin's (sitemap.write).
    doors = {p.relative_to(helped).as_posix() for p in (helped / "notices").rglob("*/index.html")}
    pages = {p.relative_to(helped).as_posix() for p in helped.rglob("index.html")} - doors
    assert len(written) == len(set(written))
    assert set(written) == pages | {"404.html"}
    assert len(pages) > 20 and doors

    # Without the helper (no process could be started) MkDocs writes them
    # itself: the same site.
    monkeypatch.setattr(pagewriter, "start", lambda: None)
    alone = build_project(make_project_at(tmp_path / "alone", FIXTURES / "basic" / "content"), "2026-11-29", "--no-cache")
    assert_same_tree(helped, alone)


def test_a_failed_write_is_the_oserror_naming_its_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    writer = pagewriter.PageWriter()
    writer.write_file("第一页".encode(), str(tmp_path / "ok" / "index.html"))
    writer.write_file(b"x", str(blocker / "page" / "index.html"))
    # A write after the failed one may still be taken into the pipe, but
    # the helper has stopped: it is never written.
    try:
        writer.write_file(b"after", str(tmp_path / "later" / "index.html"))
    except OSError:
        pass
    with pytest.raises(OSError) as caught:
        writer.close()
    assert caught.value.errno in (errno.EEXIST, errno.ENOTDIR)
    assert caught.value.filename == str(blocker / "page" / "index.html")
    assert (tmp_path / "ok" / "index.html").read_text(encoding="utf-8") == "第一页"
    assert not (tmp_path / "later").exists()


def test_a_page_that_cannot_be_written_fails_the_build_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project_at(tmp_path / "p", FIXTURES / "basic" / "content")
    site = build_project(project, "2026-11-29")
    before = (site / "index.html").read_bytes()

    # One page's folder is a file by the time the helper writes it: a real
    # failure of the helper's own write (as a full disk would be).
    real = pagewriter.PageWriter.write_file

    def blocked(self: pagewriter.PageWriter, content: bytes, output_path: str) -> None:
        if output_path.endswith("/places/index.html"):
            folder = Path(output_path).parent
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.write_text("in the way", encoding="utf-8")
        real(self, content, output_path)

    monkeypatch.setattr(pagewriter.PageWriter, "write_file", blocked)
    capsys.readouterr()
    assert run_cli("build", "--today", "2026-11-29", "--no-cache", cwd=project) == 1
    err = capsys.readouterr().err
    assert "构建失败：文件读写出错（" in err and "places/index.html — 请检查磁盘空间和文件夹的读写权限" in err, err
    assert "构建失败，原有的 site/ 未被改动。" in err
    assert "Traceback" not in err
    assert (site / "index.html").read_bytes() == before
    assert not list(project.glob(".site-new-*"))


def test_a_helper_left_by_an_interrupted_build_is_not_written_through(tmp_path: Path) -> None:
    """Ctrl-C reaches no MkDocs error event: a build interrupted in a
    process that goes on (tests, tooling) leaves its helper installed. The
    next build puts MkDocs' own write_file back first and stops it."""
    import mkdocs.utils

    original = mkdocs.utils.write_file
    left = pagewriter.start()
    assert left is not None and mkdocs.utils.write_file == left.write_file
    build_project(make_project_at(tmp_path / "p", FIXTURES / "basic" / "content"), "2026-11-29", "--no-cache")
    assert mkdocs.utils.write_file is original
    assert left._proc.poll() is not None  # stopped
