"""`build`: MkDocs' page files written by a helper process.

MkDocs renders the pages and writes each file itself (mkdocs.utils.
write_file: makedirs, open, write, close), in the one process that renders
them. At bench scale L that is ~17,400 pages in as many new folders, and
the kernel's work on the file system (folders, inodes, the page cache) was
~11 % of the rendering process's samples (py-spy, 466 of 4,253, a slow
phase of the machine), all of it on the build's critical path: the page
loop is the longest thing a build does.

Here the rendering process hands each page's bytes to a helper through a
pipe (a copy into the kernel's pipe buffer), and the helper, a fresh
interpreter running this file with the standard library only, does the
file system's work beside it. Same files, same bytes, same order; only
who waits for the disk changes. What it buys depends on the disk: cold L
builds alternating with the build before it, in a phase of the machine
where writes were slow, 56.16 s against 66.86 s (and, by hand, 74.76 /
74.37 / 80.54 s against 78.22 / 92.78 / 98.99 / 88.17 s); where they were
fast, the same within the noise (49.28 / 51.27 / 49.05 s against 50.41 /
49.96 / 48.28 s): the page loop is ~4 s shorter (23.2 -> 19.1 s, timed by
phase), but the CPU the writes take is the same, and the other core was
busy with the door notices and the search index. The same 35,780 files,
byte for byte (md5 of every file but the search index).

Only for `build`: `serve` writes a handful of pages a save, where starting
a helper would cost more than it saves. MkDocs looks write_file up on its
utils module at each call, so the helper is installed there for the page
loop (on_env to on_post_build) and the original put back after; every
build puts it back first (on_config, :func:`restore`), in case the last
one in this process was interrupted.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import IO

# A frame: the path's length, the data's length, the path (file system
# encoding), the data.
_HEAD = struct.Struct("<II")
# The pipe's buffer (Linux: F_SETPIPE_SZ; 64 KiB by default) and the
# writer's own: a few dozen pages in flight, so the renderer never waits for
# a single slow file, at a cost of ~2 MiB.
PIPE_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031
# MkDocs' own write_file, kept at the first install (not imported here: the
# helper runs this file without site-packages).
_MKDOCS_WRITE_FILE: Callable[[bytes, str], None] | None = None


class PageWriter:
    """A helper process writing files: :meth:`write_file` has the signature
    and the effect of ``mkdocs.utils.write_file`` (make the folders, write
    the file, truncating what was there), done in order by the helper."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", __file__],
            stdin=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=PIPE_BYTES, close_fds=True,
        )
        stdin = self._proc.stdin
        assert stdin is not None
        self._stdin: IO[bytes] = stdin
        try:
            import fcntl

            fcntl.fcntl(stdin.fileno(), _F_SETPIPE_SZ, PIPE_BYTES)
        except (ImportError, OSError):  # not Linux, or a lower limit: the default buffer
            pass

    def write_file(self, content: bytes, output_path: str) -> None:
        path = os.fsencode(output_path)
        try:
            self._stdin.write(_HEAD.pack(len(path), len(content)) + path)
            self._stdin.write(content)
        except (BrokenPipeError, ValueError):  # the helper stopped (failed), or close() was called
            self.close()
            raise OSError(f"写页面文件的辅助进程已退出：{output_path}") from None

    def close(self) -> None:
        """Put MkDocs' write_file back and wait until every file is written.
        Raises the OSError the helper met (errno, message, the file's path),
        with no file written after it."""
        self.uninstall()
        try:
            self._stdin.close()
        except BrokenPipeError:
            pass
        stderr = self._proc.stderr
        said = stderr.read().decode("utf-8", "replace") if stderr is not None else ""
        if stderr is not None:
            stderr.close()
        if self._proc.wait() != 0:
            raise _failure(said, self._proc.returncode)

    def kill(self) -> None:
        """Stop the helper (a build that failed: its folder is removed)."""
        self.uninstall()
        try:
            self._proc.kill()
        except OSError:
            pass
        for pipe in (self._stdin, self._proc.stderr):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        self._proc.wait()

    def install(self) -> None:
        """Write MkDocs' files from now on (until :meth:`uninstall`)."""
        import mkdocs.utils

        global _MKDOCS_WRITE_FILE
        if _MKDOCS_WRITE_FILE is None:
            _MKDOCS_WRITE_FILE = mkdocs.utils.write_file
        setattr(mkdocs.utils, "write_file", self.write_file)  # noqa: B010 - patched for the page loop only

    def uninstall(self) -> None:
        import mkdocs.utils

        if mkdocs.utils.write_file == self.write_file and _MKDOCS_WRITE_FILE is not None:
            setattr(mkdocs.utils, "write_file", _MKDOCS_WRITE_FILE)  # noqa: B010


def restore() -> None:
    """MkDocs' own write_file back in place, and a helper left installed
    stopped: a build interrupted by Ctrl-C (a KeyboardInterrupt reaches no
    MkDocs error event) leaves its helper in place, and the next build or
    `serve` in the same process (tests, an editor's tooling) must not write
    through it."""
    import mkdocs.utils

    left = getattr(mkdocs.utils.write_file, "__self__", None)
    if isinstance(left, PageWriter) and _MKDOCS_WRITE_FILE is not None:
        setattr(mkdocs.utils, "write_file", _MKDOCS_WRITE_FILE)  # noqa: B010
        left.kill()


def _failure(said: str, returncode: int) -> OSError:
    """The helper's error as an OSError like the one an in-process write
    would have raised."""
    line = said.strip().splitlines()[-1] if said.strip() else ""
    parts = line.split("\t")
    if len(parts) == 3 and parts[0].isdigit():
        return OSError(int(parts[0]), parts[1], parts[2])
    return OSError(f"写页面文件的辅助进程意外退出（{returncode}）：{said.strip()[-500:]}")


def start() -> PageWriter | None:
    """A helper installed for MkDocs' writes; None where no process can be
    started (MkDocs then writes its files itself, as without it)."""
    if not sys.executable:  # an embedded interpreter: nothing to start
        return None
    try:
        writer = PageWriter()
    except OSError:
        return None
    writer.install()
    return writer


# --------------------------------------------------------------------------
# The helper (python -I -S pagewriter.py): standard library only.


def _main() -> int:
    import signal

    # Ctrl-C reaches the whole process group: the build process handles it,
    # and this one ends when the pipe closes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    read = sys.stdin.buffer.read
    made: set[bytes] = set()
    while True:
        head = read(_HEAD.size)
        if not head:
            return 0
        if len(head) != _HEAD.size:
            return 3  # the build process died mid-frame
        size, length = _HEAD.unpack(head)
        path = read(size)
        data = read(length)
        if len(path) != size or len(data) != length:
            return 3
        folder = os.path.dirname(path)
        try:
            if folder and folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            sys.stderr.write(f"{exc.errno}\t{exc.strerror}\t{os.fsdecode(path)}\n")
            return 2


if __name__ == "__main__":
    sys.exit(_main())
