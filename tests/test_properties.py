"""Property-based tests: whatever an editor does to valid content, the result
is a clean error with a location, or a valid site — never a traceback, never a
damaged site/.

Hypothesis mutates the 'basic' fixture's files the way paste accidents do:
lines deleted, duplicated or swapped, text spliced with YAML punctuation, tabs,
full-width digits, CJK, U+FFFD or raw bytes, files cut short.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from conftest import FIXTURES, REPO, TODAY, make_project_at, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.dates import parse_date
from generator.errors import BuildFailed
from generator.pipeline import Project, load_site

BASIC = FIXTURES / "basic" / "content"
FILES = sorted(p.relative_to(BASIC).as_posix() for p in BASIC.rglob("*") if p.is_file())
NASTY = ":-[]{}#&*!|>'\"%@`,?\t \n\r\\" + "０１２３：－" + "年月日时分" + "\ufffd\u200b\u3000" + "<script>on=" + "abcxyz0129"


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """One file of the fixture and its mutated bytes."""
    rel = draw(st.sampled_from(FILES))
    data = (BASIC / rel).read_bytes()
    lines = data.split(b"\n")
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "splice", "bytes", "truncate", "indent"]))
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(j, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "indent":
        lines[i] = draw(st.sampled_from([b" ", b"  ", b"\t", b""])) + lines[i].lstrip()
    elif kind == "splice":
        text = lines[i].decode("utf-8")
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 4))
        insert = draw(st.text(alphabet=NASTY, min_size=0, max_size=6))
        lines[i] = (text[:at] + insert + text[at + cut :]).encode("utf-8")
    elif kind == "bytes":
        at = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + draw(st.binary(min_size=1, max_size=3)) + lines[i][at:]
    new = b"\n".join(lines)
    if kind == "truncate":
        new = data[: draw(st.integers(0, len(data)))]
    return rel, new


def _fresh(root: Path) -> Path:
    if root.exists():
        shutil.rmtree(root)
    return make_project_at(root, BASIC)


def _assert_clean(exc: BuildFailed, project: Path) -> None:
    assert exc.errors, "BuildFailed without errors"
    for err in exc.errors:
        text = str(err)
        assert err.loc.path, f"error without a file: {text}"
        assert (project / err.loc.path).exists() or err.loc.path.startswith("content/"), text
        assert text.startswith(str(err.loc)) and " — " in text or err.fix == "", text
        if err.loc.line:
            assert err.loc.col >= 1, text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_check_gives_a_located_error_or_a_model(mutation: tuple[str, bytes]) -> None:
    rel, data = mutation
    root = Path(tempfile.mkdtemp(prefix="gongshi-prop-"))
    try:
        project = _fresh(root / "p")
        (project / "content" / rel).write_bytes(data)
        try:
            site, _problems = load_site(Project.at(project), parse_date(TODAY))
        except BuildFailed as exc:
            _assert_clean(exc, project)
        else:
            assert site.buildings and site.info.title
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_build_never_damages_the_published_site(mutation: tuple[str, bytes]) -> None:
    rel, data = mutation
    root = Path(tempfile.mkdtemp(prefix="gongshi-prop-build-"))
    try:
        project = _fresh(root / "p")
        # A previous site/ (a stand-in: what matters is that it survives a failure intact).
        (project / "site/assets").mkdir(parents=True)
        (project / "site/index.html").write_text("<p>上一次发布的网站</p>", encoding="utf-8")
        before = _tree(project / "site")
        (project / "content" / rel).write_bytes(data)
        rc = run_cli("build", "--today", TODAY, cwd=project)
        assert rc in (0, 1)
        if rc == 1:
            assert _tree(project / "site") == before
        else:
            assert (project / "site/index.html").read_text(encoding="utf-8") != "<p>上一次发布的网站</p>"
            assert (project / "site/sitemap.xml").is_file()
        assert [p.name for p in project.iterdir() if p.name.startswith(".site-")] == []
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_repo_theme_is_used() -> None:
    # The property tests rely on make_project_at linking the repo's theme.
    assert (REPO / "theme" / "main.html").is_file()
