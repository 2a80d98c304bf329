"""The editors' guide (docs/guide/编辑指南.md) cannot drift from the code.

Every fenced block in it is either an example file from docs/guide/examples/
shown verbatim, or shell commands that these tests run for real in a project
built from those examples. The error table only quotes messages the code
really produces, and the nginx example serves a built site on 127.0.0.1
(Content-Type of .ics, gzip, cache headers) with Debian's nginx.
"""

from __future__ import annotations

import gzip
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO

GUIDE = REPO / "docs/guide/编辑指南.md"
EXAMPLES = REPO / "docs/guide/examples"
TODAY = "2026-11-29"

# Where each example file goes in a project (as the guide says).
PLACEMENT = {
    "site.yml": "content/data/site.yml",
    "places.yml": "content/data/places.yml",
    "venues.yml": "content/data/venues.yml",
    "teams.yml": "content/data/teams.yml",
    "activities.yml": "content/data/activities.yml",
    "lectures.yml": "content/data/lectures.yml",
    "recurring.yml": "content/data/activities/recurring.yml",
    "2026-10-gongshilan.md": "content/bulletins/2026-10-gongshilan.md",
    "about.md": "content/about.md",
}
# Examples that are not files of the example site.
NOT_PLACED = {"nginx.conf", "broken/activities.yml", "broken/check-output.txt"}


def blocks() -> list[tuple[str, str]]:
    """(language, content) of every fenced block in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)]


def example_files() -> dict[str, str]:
    return {p.relative_to(EXAMPLES).as_posix(): p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.rglob("*")) if p.is_file()}


def commands() -> list[str]:
    return [line for lang, body in blocks() if lang == "sh" for line in body.splitlines() if line.strip() and not line.startswith("#")]


def make_example_project(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    (dest / "theme").symlink_to(REPO / "theme")
    for name, rel in PLACEMENT.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name, dest / rel)
    return dest


def run(command: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run a command from the guide; `python` is this interpreter."""
    argv = shlex.split(command)
    if argv[0] == "python":
        argv = [sys.executable, *[str(REPO / a) if a == "build.py" else a for a in argv[1:]]]
    # Output to a pipe is buffered, as on an editor's machine (build.py
    # leaves with os._exit and must flush it first).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"} | {"GONGSHI_TODAY": TODAY}
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env, **kw)  # type: ignore[call-overload,no-any-return]


def test_every_block_is_an_example_file_or_a_command() -> None:
    files = example_files()
    shown = set()
    for lang, body in blocks():
        if lang == "sh":
            continue
        matches = [name for name, text in files.items() if text == body]
        assert matches, f"a ```{lang} block in the guide is not an example file verbatim:\n{body[:300]}"
        shown.update(matches)
    # And every example file is shown (except the broken one, which the guide describes).
    assert set(files) - shown == {"broken/activities.yml"}
    assert set(PLACEMENT) | NOT_PLACED == set(files)
    # Every command is one this module runs.
    tested = {"python build.py new bulletin", "python build.py new activity --title 冬至包饺子", "python build.py new lecture",
              "python build.py serve", "python build.py check", "python build.py build", "python build.py build --no-cache",
              "python build.py notices --today 2026-12-01", "python build.py digest --building gy-01 --today 2026-12-01",
              "cp -a site/. /var/www/kepu/"}
    assert set(commands()) == tested


def test_error_table_quotes_real_messages() -> None:
    source = "".join(p.read_text(encoding="utf-8") for p in sorted((REPO / "generator").glob("*.py")))
    text = GUIDE.read_text(encoding="utf-8")
    table = text[text.index("常见错误：") : text.index("带“警告”字样")]
    quoted = re.findall(r"^\| `([^`]+)`(?:、`([^`]+)`)*", table, re.M)
    messages = [m for row in re.findall(r"^\|(.*?)\|", table, re.M) for m in re.findall(r"`([^`]+)`", row)]
    assert len(quoted) >= 15
    for message in messages:
        for fragment in message.split("…"):
            fragment = fragment.strip("“”")
            if len(fragment) < 2:
                continue
            if fragment.startswith("找不到") and fragment not in source:
                # "找不到{what}“…”" with what = "场地", "小区", … passed by the caller.
                assert "找不到{what}" in source and f'"{fragment[3:]}"' in source, message
                continue
            assert fragment in source, f"the guide quotes “{message}”, which the code never says"


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide's example project, checked and built with the guide's commands."""
    project = make_example_project(tmp_path_factory.mktemp("guide") / "p")
    result = run("python build.py check", project)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("检查通过：1 期简报，3 项活动，3 栋楼")
    result = run("python build.py build", project)
    assert result.returncode == 0, result.stderr
    return project


def test_example_site_builds(example_site: Path) -> None:
    site = example_site / "site"
    assert (site / "bulletins/2026-10-gongshilan/index.html").is_file()
    # The guide's example teaches headings that are headings (## 一、…): an
    # editor who copied "一、公示栏放在哪里" alone got a plain paragraph.
    from bs4 import BeautifulSoup

    doc = BeautifulSoup((site / "bulletins/2026-10-gongshilan/index.html").read_text(encoding="utf-8"), "lxml")
    assert [h.get_text(strip=True) for h in doc.select(".gs-article h2")][:2] == ["一、公示栏放在哪里", "二、多久更新一次"]
    for building in ("gy-01", "gy-02", "gy-05"):
        assert (site / f"buildings/{building}/index.html").is_file()
    assert (site / "activities/gy-dance/index.html").is_file()


def test_build_again_takes_pages_from_the_cache(example_site: Path) -> None:
    # The guide: the terminal shows 构建缓存：N 个页面未变; --no-cache makes everything.
    result = run("python build.py build", example_site)
    assert result.returncode == 0, result.stderr
    reused = re.search(r"构建缓存：(\d+) 个页面未变，(\d+) 个重新生成", result.stderr)
    assert reused and int(reused.group(1)) > 0 and int(reused.group(2)) == 0, result.stderr
    result = run("python build.py build --no-cache", example_site)
    assert result.returncode == 0, result.stderr
    assert "构建缓存" not in result.stderr


def test_print_and_digest_commands(example_site: Path) -> None:
    result = run("python build.py notices --today 2026-12-01", example_site)
    assert result.returncode == 0, result.stderr
    assert list((example_site / "site/notices").rglob("*.pdf"))
    result = run("python build.py digest --building gy-01 --today 2026-12-01", example_site)
    assert result.returncode == 0, result.stderr
    # gy-01 is in 桂园花园: the fire drill (12-05) and the dance (Tue/Thu) are for it.
    assert "冬季消防安全疏散演练" in result.stdout and "健身舞晚练" in result.stdout


@pytest.mark.parametrize("command", ["python build.py new bulletin", "python build.py new activity --title 冬至包饺子", "python build.py new lecture"])
def test_new_commands(example_site: Path, tmp_path: Path, command: str) -> None:
    project = make_example_project(tmp_path / "scratch")
    result = run(command, project)
    assert result.returncode == 0, result.stderr
    created = result.stderr.splitlines()[0]
    assert created.startswith("已创建：content/")
    rel = created.removeprefix("已创建：").rsplit(":", 1)[0]
    assert (project / rel).is_file()


def test_the_error_example_is_what_check_prints(tmp_path: Path) -> None:
    project = make_example_project(tmp_path / "broken")
    shutil.copy(EXAMPLES / "broken/activities.yml", project / "content/data/activities.yml")
    result = run("python build.py check", project)
    assert result.returncode == 1
    assert result.stderr == (EXAMPLES / "broken/check-output.txt").read_text(encoding="utf-8")


def test_serve_command_answers(tmp_path: Path) -> None:
    project = make_example_project(tmp_path / "serve")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [sys.executable, str(REPO / "build.py"), "serve", "-a", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(argv, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/bulletins/2026-10-gongshilan/", timeout=5) as r:
                    assert "公示栏全面启用" in r.read().decode("utf-8")
                    break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "serve did not answer within 30 s"
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---------------------------------------------------------------------------
# publishing with the nginx example


def _nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def test_publish_with_the_nginx_example(example_site: Path, tmp_path: Path) -> None:
    nginx = _nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (make test installs it: scripts/system-deps.sh --test)")
    www = tmp_path / "www"
    www.mkdir()
    # The guide's copy command, with the server's web root moved into tmp.
    copy = next(c for c in commands() if c.startswith("cp "))
    result = run(copy.replace("/var/www/kepu/", f"{www}/"), example_site)
    assert result.returncode == 0, result.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = (EXAMPLES / "nginx.conf").read_text(encoding="utf-8")
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("root /var/www/kepu;", f"root {www};")
    (tmp_path / "server.conf").write_text(server, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\nhttp {\n  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n  fastcgi_temp_path {tmp_path}/fastcgi;\n"
        f"  uwsgi_temp_path {tmp_path}/uwsgi;\n  scgi_temp_path {tmp_path}/scgi;\n  include {tmp_path}/server.conf;\n}}\n",
        encoding="utf-8",
    )
    test = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=30)
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen([nginx, "-c", str(tmp_path / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        def get(path: str, gz: bool = False) -> tuple[int, dict[str, str], bytes]:
            req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"} if gz else {})
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
            except urllib.error.HTTPError as e:
                return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

        deadline = time.monotonic() + 15
        while True:
            try:
                status, headers, body = get("")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.2)
        assert status == 200 and headers["cache-control"] == "no-cache"
        assert headers["content-type"] == "text/html; charset=utf-8"
        ics = sorted((www / "calendar").rglob("*.ics"))[0].relative_to(www).as_posix()
        status, headers, body = get(ics)
        assert status == 200 and headers["content-type"].startswith("text/calendar")
        assert headers["cache-control"] == "public, max-age=3600" and body.startswith(b"BEGIN:VCALENDAR")
        status, headers, body = get("bulletins/2026-10-gongshilan/", gz=True)
        assert headers.get("content-encoding") == "gzip" and "公示栏全面启用" in gzip.decompress(body).decode("utf-8")
        css = sorted((www / "assets").rglob("*.css"))[0].relative_to(www).as_posix()
        status, headers, _ = get(css, gz=True)
        assert status == 200 and headers["cache-control"] == "public, max-age=604800" and headers.get("content-encoding") == "gzip"
        status, headers, body = get("no-such-page/")
        assert status == 404 and body == (www / "404.html").read_bytes()
        # In Chinese, with working ways back from any depth (an old QR code's address).
        status, headers, body = get("buildings/no-such-building/")
        missing = BeautifulSoup(body.decode("utf-8"), "lxml")
        assert status == 404 and missing.h1.get_text(strip=True) == "页面不存在"
        assert "Not found" not in missing.get_text()
        ways = [a["href"] for a in missing.select("article a.md-button")]
        assert len(ways) == 2 and all(get(href.lstrip("/"))[0] == 200 for href in ways), ways
        # Feeds and the sitemap (text/xml in Debian's mime.types) compressed, the calendar's charset named.
        status, headers, body = get("sitemap.xml", gz=True)
        assert status == 200 and headers.get("content-encoding") == "gzip"
        status, headers, _ = get(ics)
        assert headers["content-type"] == "text/calendar; charset=utf-8"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
