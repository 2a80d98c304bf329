"""``python build.py …``: the command line editors and staff use.

build    build the site into a fresh folder and swap it into site/ on success
serve    live preview (MkDocs' server with reload)
check    validate content and data without building

The build never writes inside content/, and a failed build (an error, Ctrl-C,
a killed process) leaves the previous site/ as it was: the new site is written
beside it and renamed into place only when complete.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import re
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .dates import DateProblem, parse_date
from .errors import BuildFailed, ContentError, Location
from .fsutil import pid_alive, remove_abandoned, remove_tree
from .idlegc import long_lived, thaw
from .model import Site
from .pipeline import Project, load_site

log = logging.getLogger("gongshi")

# Commands added by other modules (notices, digest, new): name → (help, setup, run)
EXTRA_COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def _today_arg(text: str) -> str:
    try:
        return parse_date(text).isoformat()
    except DateProblem as exc:
        raise argparse.ArgumentTypeError(f"{exc}，请写成 2026-12-05") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--config-file", default="mkdocs.yml", help="MkDocs 配置文件（默认 mkdocs.yml）")
    p.add_argument("--today", type=_today_arg, help="把这一天当作“今天”（YYYY-MM-DD），决定哪些活动算近期")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python build.py", description="公示：社区科普简报与楼门公示栏网站生成器")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="生成网站到 site/")
    _common(b)
    b.add_argument("-d", "--site-dir", default=None, help="输出目录（默认取 mkdocs.yml 的 site_dir）")
    b.add_argument("-s", "--strict", action="store_true", help="把警告当作错误")
    b.add_argument("--no-cache", action="store_true", help="不用构建缓存（.cache/gongshi/），全部重新生成")
    s = sub.add_parser("serve", help="实时预览（保存即刷新）")
    _common(s)
    s.add_argument("-a", "--dev-addr", default="127.0.0.1:8000", help="地址和端口（默认 127.0.0.1:8000）")
    s.add_argument("--poll", action="store_true", help="定时检查文件是否改动（网络共享文件夹、Docker、WSL 里的 Windows 文件夹收不到系统的改动通知时用）")
    c = sub.add_parser("check", help="只检查内容和数据，不生成网站")
    _common(c)
    c.add_argument("-s", "--strict", action="store_true", help="有警告时也以状态 1 退出")
    for name, (help_text, setup, _run) in EXTRA_COMMANDS.items():
        setup(sub.add_parser(name, help=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _register_extra_commands()
    args = make_parser().parse_args(argv)
    _setup_logging()
    if args.today:
        os.environ["GONGSHI_TODAY"] = args.today
    try:
        if args.command == "build":
            return cmd_build(args)
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "check":
            return cmd_check(args)
        return EXTRA_COMMANDS[args.command][2](args)
    finally:
        thaw()  # the model load_for_command froze


def _register_extra_commands() -> None:
    # Imported here so a missing optional dependency of one command
    # cannot break the others.
    for module in ("generator.notices", "generator.digest", "generator.scaffold"):
        try:
            __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def _setup_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    for name in ("mkdocs", "gongshi"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def project_of(config_file: str) -> Project:
    import yaml

    root = Path(config_file).resolve().parent
    docs_dir = "content"
    try:
        with open(config_file, encoding="utf-8") as fh:
            # Only docs_dir is needed here; MkDocs' own loader handles the rest.
            for line in fh:
                if line.startswith("docs_dir:"):
                    docs_dir = yaml.safe_load(line)["docs_dir"]
    except OSError:
        pass
    return Project(root, (root / docs_dir).resolve())


# What a command with errors did not do ("网站未更新" said after a `check`,
# which never updates the site, read as if it had tried).
_OUTCOMES = {"check": "请改正后再生成网站", "notices": "楼门公示未生成", "digest": "文字摘要未生成"}


def load_for_command(args: argparse.Namespace, *, show_warnings: bool = True, articles: bool = True) -> tuple[Site, list[ContentError]] | None:
    """The model for a command that does not build (check, notices, digest):
    errors are printed, all at once, and None returned; warnings are printed
    and returned. ``articles=False``: the data files only (load_files)."""
    project = project_of(args.config_file)
    try:
        # One model for the whole command: loaded without the collector,
        # then frozen (idlegc.long_lived; main() thaws it).
        with long_lived():
            site, problems = load_site(project, parse_date(args.today) if args.today else None, articles)
    except BuildFailed as exc:
        print(exc.report(_OUTCOMES.get(args.command, "网站未更新")), file=sys.stderr)
        return None
    warnings = problems.sorted_warnings()
    if show_warnings:
        for w in warnings:
            print(f"警告: {w}", file=sys.stderr)
    return site, warnings


def cmd_check(args: argparse.Namespace) -> int:
    loaded = load_for_command(args)
    if loaded is None:
        return 1
    _site, warnings = loaded
    warnings = warnings + _image_warnings(project_of(args.config_file))
    summary = f"{len(_site.bulletins)} 期简报，{len(_site.activities)} 项活动，{len(_site.buildings)} 栋楼"
    if warnings:
        print(f"检查完成：{summary}；{len(warnings)} 条警告。", file=sys.stderr)
        return 1 if args.strict else 0
    print(f"检查通过：{summary}。", file=sys.stderr)
    return 0


def _image_warnings(project: Project) -> list[ContentError]:
    """The editors' images `build` would not publish (images.problem: a
    HEIC photo saved as .jpg, a truncated upload), printed as warnings, so
    that `check` before publishing names them too."""
    from .images import is_raster, problem

    found = []
    for path in sorted(p for p in project.content_dir.rglob("*") if is_raster(p.name) and p.is_file()):
        shown = project.shown(path)
        try:
            wrong = problem(path.read_bytes(), path.name)
        except OSError as exc:
            found.append(ContentError(Location(shown), f"图片读不出来（{exc.strerror}）", "请检查文件是否还在、能否打开", warning=True))
            continue
        if wrong is not None:
            found.append(ContentError(Location(shown), wrong.message.replace("网站上没有发布它", "生成网站时不会发布它"), wrong.fix, warning=True))
    for w in found:
        print(f"警告: {w}", file=sys.stderr)
    return found


def cmd_build(args: argparse.Namespace) -> int:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    from .buildcache import CACHE_DIR

    try:
        config = load_config(args.config_file, strict=args.strict or None)
    except (Abort, ConfigurationError, MkDocsException, OSError) as exc:
        print(f"{args.config_file}: 配置文件有误：{exc} — 请对照仓库中的 mkdocs.yml 修改", file=sys.stderr)
        return 1
    target = Path(args.site_dir or config.site_dir).resolve()
    content = Path(config.docs_dir).resolve()
    if target == content or content in target.parents or target in content.parents:
        print(f"错误：输出目录 {target} 与内容目录 {content} 重叠，构建不会写入 content/", file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    # The pid in the name tells a later build whether this folder is abandoned.
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-{os.getpid()}-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the web server must read site/
    cached = _use_build_cache(config, not args.no_cache)
    trash = Path(config.config_file_path).resolve().parent / CACHE_DIR / "trash" if cached else None
    emptying = _empty_in_background(trash)
    try:
        config.site_dir = str(tmp)
        try:
            with _interrupts() as interrupted, _quiet_dirty_warning():
                # dirty: MkDocs leaves alone the pages the plugin put back
                # from the build cache (the folder is new: nothing else is there).
                build(config, dirty=cached)
                interrupted()
                publish(tmp, target, trash)
        except (Abort, ConfigurationError, MkDocsException) as exc:
            # Abort means the errors were already logged above; its own text is MkDocs' English.
            if not isinstance(exc, Abort):
                print(f"构建失败：{exc}".rstrip(), file=sys.stderr)
            print(f"构建失败，原有的 {target.name}/ 未被改动。", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"构建已中断，原有的 {target.name}/ 未被改动。", file=sys.stderr)
            return 130
        except OSError as exc:
            # A full disk, or a folder the build may not write to: one line,
            # not a traceback (the page files' helper, pagewriter.py, reports
            # its failed write this way too).
            where = f"：{exc.filename}" if exc.filename else ""
            print(f"构建失败：文件读写出错（{exc.strerror or exc}）{where} — 请检查磁盘空间和文件夹的读写权限", file=sys.stderr)
            print(f"构建失败，原有的 {target.name}/ 未被改动。", file=sys.stderr)
            return 1
    finally:
        if tmp.exists():
            remove_tree(tmp)
        if emptying is not None:
            emptying.join()
    log.info(f"网站已生成：{target}")
    return 0


def _empty_in_background(trash: Path | None) -> threading.Thread | None:
    """Delete the sites earlier builds put in the trash (see _discard),
    beside this build's loading and rendering: deleting L's previous site
    (19,341 pages in ~19,000 folders) took 4.3 s of the main thread at the
    very end of a cached L build (py-spy, 42 s of samples). One thread
    does it, not remove_tree's eight: their Python code between unlinks
    took the interpreter from the build's own thread. A cached L build
    with nothing changed, alternating, with a previous site to delete
    each time: 29.6 s and 32.5 s with eight threads, 25.9 s and 25.9 s
    with one (24.3-25.0 s in three more runs; a nice value of 19 for the
    thread made no difference)."""
    if trash is None or not trash.is_dir():
        return None
    folders = [entry for entry in trash.iterdir() if entry.is_dir()]
    if not folders:
        return None

    def empty() -> None:
        for folder in folders:
            remove_tree(folder, threads=1)

    thread = threading.Thread(target=empty, name="gongshi-empty-trash")
    thread.start()
    return thread


def _use_build_cache(config: object, wanted: bool) -> bool:
    """Turn the Gongshi plugin's build cache (generator/buildcache.py) on or
    off (MkDocs may hand back the plugin instance of an earlier build in
    this process); False when it is off or there is no Gongshi plugin."""
    from .plugin import GongshiPlugin

    found = False
    for plugin in getattr(config, "plugins", {}).values():
        if isinstance(plugin, GongshiPlugin):
            plugin.build_cache = wanted and plugin.config.enabled
            found = found or plugin.build_cache
    return found


@contextlib.contextmanager
def _quiet_dirty_warning() -> Iterator[None]:
    quiet = _NotDirtyWarning()
    logger = logging.getLogger("mkdocs.commands.build")
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


@contextlib.contextmanager
def _interrupts() -> Iterator[Callable[[], None]]:
    """Ctrl-C (SIGINT) and SIGTERM stop the build as KeyboardInterrupt: a
    terminated build cleans up like Ctrl-C (SIGKILL cannot be caught: its
    leftovers are removed by the next build, see clean_stale). Both are
    remembered, and the call this gives raises KeyboardInterrupt again if
    one came: Python swallows an exception raised inside a finalizer, and
    a Ctrl-C that came while WeasyPrint's FontConfiguration.__del__ ran
    printed "Exception ignored in …: KeyboardInterrupt" and let the build
    go on and publish the site (a full `make test` run, twice).
    Such a swallowed interrupt is not printed either (`serve` asks no
    more: Ctrl-C again stops it)."""
    caught = threading.Event()

    def handler(signum: int, frame: object) -> None:
        caught.set()
        raise KeyboardInterrupt

    def unraisable(unraisable: Any) -> None:
        if caught.is_set() and isinstance(unraisable.exc_value, KeyboardInterrupt):
            return  # raised again by check()
        previous_hook(unraisable)

    def check() -> None:
        if caught.is_set():
            raise KeyboardInterrupt

    # A build started with SIGINT ignored (a background job of a script)
    # keeps ignoring it, as Python itself does.
    signals = [signal.SIGTERM] + ([signal.SIGINT] if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN else [])
    try:
        previous = {sig: signal.signal(sig, handler) for sig in signals}
    except ValueError:  # not the main thread (e.g. called from a test helper)
        yield check
        return
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield check
    finally:
        sys.unraisablehook = previous_hook
        for sig, was in previous.items():
            signal.signal(sig, was)


def clean_stale(target: Path) -> None:
    """Remove the temporary folders of builds that were killed, and put back
    a previous site that a kill caught in the middle of the swap."""
    from .search import STAGE_PREFIX

    pattern = re.compile(rf"^\.{re.escape(target.name)}-(new|old)-(\d+)-")
    stale: list[tuple[str, Path]] = []
    for entry in sorted(target.parent.iterdir()):
        m = pattern.match(entry.name)
        if m and entry.is_dir() and not pid_alive(int(m.group(2))):
            stale.append((m.group(1), entry))
    # The search indexer stages its copy of the pages beside the build folder
    # when /dev/shm has no room.
    remove_abandoned(target.parent, STAGE_PREFIX)
    for kind, entry in stale:
        if kind == "old" and not target.exists():
            entry.rename(target)
            log.info(f"已恢复上次被中断时的 {target.name}/")
        else:
            remove_tree(entry)


def publish(new: Path, target: Path, trash: Path | None = None) -> None:
    """Swap a finished build into place, so site/ is always either the old
    complete site or the new complete site.

    On Linux the two folders are exchanged in one atomic step (renameat2
    RENAME_EXCHANGE), so a web server never sees site/ missing; elsewhere two
    renames, and clean_stale repairs a kill between them."""
    if not target.exists():
        new.rename(target)
        return
    if _exchange(new, target):
        _discard(new, trash)  # now holds the previous site
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-{os.getpid()}-", dir=target.parent))
    old.rmdir()
    target.rename(old)
    new.rename(target)
    _discard(old, trash)


def _discard(folder: Path, trash: Path | None) -> None:
    """The previous site, once replaced: with the build cache, moved into
    its trash for the next build to delete in the background (most of its
    files are links to cache entries and the new site's files, so it holds
    little disk); otherwise deleted now."""
    if trash is not None:
        try:
            trash.mkdir(parents=True, exist_ok=True)
            folder.rename(trash / f"{os.getpid()}-{folder.name}")
            return
        except OSError:  # another file system: delete it now
            pass
    remove_tree(folder)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths on Linux; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def cmd_serve(args: argparse.Namespace) -> int:
    from mkdocs.commands.serve import serve

    # watch_theme: editing theme/ templates or CSS also reloads the preview.
    # Dirty builds: the plugin renders only the pages whose fingerprint
    # changed (generator/incremental.py) and removes the files of pages that
    # are gone, so MkDocs' warning that dirty builds may be inaccurate does
    # not apply and would only worry editors.
    # Stopped by SIGTERM (a supervisor, the benchmark, the tests) as by
    # Ctrl-C: MkDocs then removes its temporary site folder (an L preview
    # left 600 MB in /tmp each time).
    # --poll: MkDocs' own way of noticing saves (the plugin's on_serve
    # otherwise moves it to the system's file events, generator/watch.py).
    if args.poll:
        os.environ["GONGSHI_WATCH"] = "poll"
    # Before the first build, which takes a minute on a large site: MkDocs
    # binds the port only after it, and a busy port ended in a traceback.
    busy = _address_in_use(args.dev_addr)
    if busy:
        print(busy, file=sys.stderr)
        return 2
    try:
        with _interrupts(), _quiet_dirty_warning():
            serve(config_file=args.config_file, dev_addr=args.dev_addr, livereload=True, watch_theme=True, build_type="dirty")
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:  # taken while the first build ran
            print(_address_in_use_message(args.dev_addr), file=sys.stderr)
            return 2
        # inotify's limits (fs.inotify.max_user_watches / max_user_instances,
        # as watchdog words them); ENOSPC is also a full disk, not ours to explain.
        if args.poll or exc.errno not in (errno.ENOSPC, errno.EMFILE) or "inotify" not in str(exc):
            raise
        print(f"预览无法监视文件改动：{exc}\n请改用 python build.py serve --poll（定时检查文件），"
              "或请管理员调高 fs.inotify.max_user_watches", file=sys.stderr)
        return 1
    return 0


def _address_in_use_message(addr: str) -> str:
    host, _, port = addr.rpartition(":")
    other = f"{host or '127.0.0.1'}:{int(port) + 1}" if port.isdigit() else "127.0.0.1:8001"
    return (f"错误：预览的地址 {addr} 已被占用（可能已经有一个预览在运行）"
            f" — 请先关掉另一个预览（在它的窗口按 Ctrl+C），或换一个端口：python build.py serve --dev-addr {other}")


def _address_in_use(addr: str) -> str | None:
    """The message for a preview address another program holds, or None."""
    import socket

    host, _, port = addr.rpartition(":")
    if not port.isdigit():
        return None  # MkDocs reports a malformed address itself
    try:
        infos = socket.getaddrinfo(host.strip("[]") or None, int(port), type=socket.SOCK_STREAM)
    except OSError:
        return None
    family, kind, proto, _name, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As http.server binds it (allow_reuse_address): a port in TIME_WAIT
        # after the last preview is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as exc:
            return _address_in_use_message(addr) if exc.errno == errno.EADDRINUSE else None
    return None


class _NotDirtyWarning(logging.Filter):
    """MkDocs' words about dirty builds, which the plugin makes correct
    (cmd_serve): "A 'dirty' build…" and, on every build after the first,
    "The directory contains stale files. Use --clean…", which pointed
    editors at an option the build does not have."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("A 'dirty' build is being performed", "The directory contains stale files"))
