"""The page-shell cache (generator.render.ShellCache), the fragment
cache of building pages' lists (FragmentCache) and the templates' text
without its indentation (TemplateIndentation) must never change a byte:
sites built with and without them are compared file by file, on fixtures
with pages in the nav, bulletins with a table of contents, generated pages in
several folders and the 404 page."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, build_project, make_project_at
from jinja2 import DictLoader, Environment

from generator import render
from generator.markup import strip_indentation


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _without_nav(project: Path) -> Path:
    """The project with no nav in mkdocs.yml: MkDocs makes one of the
    Markdown pages, bulletins/<name>/ among them, and every page's sidebar
    links to them."""
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    start = text.index("\nnav:\n") + 1
    end = text.index("\n\n", start)
    config.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    return project


@pytest.mark.parametrize(("content", "nav"), [(FIXTURES / "browser" / "content", True), (REPO / "content", True), (REPO / "content", False)],
                         ids=["browser", "sample", "sample-without-nav"])
def test_shell_cache_changes_no_byte(content: Path, nav: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without a nav, the bulletin archive (bulletins/) and the activities
    # list (activities/) are in folders of the same depth, and the archive's
    # links to bulletins/<name>/ are relative to its own folder.
    made = make_project_at if nav else lambda dest, content: _without_nav(make_project_at(dest, content))
    rendered: list[str] = []
    original = render.ShellCache.__call__

    def counting(self, part, page, nav, base_url, caller):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            rendered.append(part)
            return caller()

        return original(self, part, page, nav, base_url, counted)

    monkeypatch.setattr(render.ShellCache, "__call__", counting)
    cached = _files(build_project(made(tmp_path / "cached", content)))
    with_cache = len(rendered)
    rendered.clear()
    monkeypatch.setattr(render, "SHELL_CACHE", False)
    monkeypatch.setattr(render, "FRAGMENT_CACHE", False)
    monkeypatch.setattr(render, "TEMPLATE_INDENTATION", False)
    plain = _files(build_project(made(tmp_path / "plain", content)))
    assert sorted(cached) == sorted(plain)
    different = [rel for rel in plain if cached[rel] != plain[rel]]
    assert different == []
    # And it did something: far fewer shell parts rendered with it.
    assert with_cache < len(rendered) / 2, (with_cache, len(rendered))


def test_fragment_cache_changes_no_byte_and_renders_each_item_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample site: buildings of one community invited to the same
    # community-wide activities, some cancelled or moved.
    calls: list[tuple[object, ...]] = []
    original = render.FragmentCache.__call__

    def counting(self, key, page, caller):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            calls.append(key)
            return caller()

        return original(self, key, page, counted)

    monkeypatch.setattr(render.FragmentCache, "__call__", counting)
    cached = _files(build_project(make_project_at(tmp_path / "cached", REPO / "content")))
    with_cache = len(calls)
    calls.clear()
    monkeypatch.setattr(render, "FRAGMENT_CACHE", False)
    plain = _files(build_project(make_project_at(tmp_path / "plain", REPO / "content")))
    assert sorted(cached) == sorted(plain)
    assert [rel for rel in plain if cached[rel] != plain[rel]] == []
    assert len(set(calls)) == with_cache < len(calls) / 2, (with_cache, len(calls))


def test_translations_are_materials_strings() -> None:
    # theme/partials/language.html looks each string up once a build
    # (render.Translations); it must give what Material's own t() gives, for
    # every key Material has, in Chinese (ours: zh-CN over Material's zh) and
    # in a language without our override, and the key itself for a key no
    # language has.
    import re

    import jinja2
    import material

    material_dir = Path(material.__file__).parent / "templates"
    keys = re.findall(r'^\s*"([a-z][a-z0-9.]*)":', (material_dir / "partials/languages/en.html").read_text("utf-8"), re.M)
    assert len(keys) > 50
    keys.append("no.such.key")

    def env(*dirs: Path) -> jinja2.Environment:
        e = jinja2.Environment(loader=jinja2.FileSystemLoader([str(d) for d in dirs]))
        e.globals["gs_translate"] = render.Translations()
        return e

    probe = "{% import 'partials/language.html' as lang with context %}{% for k in keys %}{{ lang.t(k) }}\n{% endfor %}"
    for language in ("zh-CN", "de"):
        config = {"theme": {"language": language}}
        ours = env(REPO / "theme", material_dir).from_string(probe).render(config=config, keys=keys).split("\n")
        theirs = jinja2.Environment(loader=jinja2.ChoiceLoader([
            jinja2.DictLoader({"partials/language.html": (material_dir / "partials/language.html").read_text("utf-8")}),
            jinja2.FileSystemLoader([str(REPO / "theme"), str(material_dir)]),
        ]))
        expected = theirs.from_string(probe).render(config=config, keys=keys).split("\n")
        assert ours == expected, language
        assert ours[keys.index("language")] == language.split("-")[0] if language == "de" else ours[keys.index("language")] == "zh-CN"
        assert ours[keys.index("search.result.none")] != "search.result.none"
    assert ours[keys.index("no.such.key")] == "no.such.key"


_TEMPLATE = """<div>
    <p>{{ x }}</p>

  {% if x %}
    <span>{{ x }}</span>\x20\x20
  {% endif %}
  <pre class="a">
  one
      two</pre>
    <SCRIPT>
  if (a) {
      b("</pre>")
  }
  </script>
    <textarea>
  {{ x }}
    </textarea>
</div>
"""


def test_template_text_loses_its_indentation_and_the_page_is_the_same() -> None:
    pages = []
    for flag in (True, False):
        env = Environment(loader=DictLoader({"t.html": _TEMPLATE, "t.xml": _TEMPLATE}), extensions=[render.TemplateIndentation])
        render.TEMPLATE_INDENTATION = flag
        try:
            pages.append((env.get_template("t.html").render(x="甲"), env.get_template("t.xml").render(x="甲")))
        finally:
            render.TEMPLATE_INDENTATION = True
    (html, xml), (html_before, xml_before) = pages
    # Outside <pre>, <script> and <textarea> (their end tags matched by
    # name: the "</pre>" in the script is its text), no indentation left;
    # inside, every space kept; other templates (XML) as they are.
    assert html == (
        '<div>\n<p>甲</p>\n\n<span>甲</span>  \n\n<pre class="a">\n  one\n      two</pre>\n'
        '<SCRIPT>\n  if (a) {\n      b("</pre>")\n  }\n  </script>\n'
        "<textarea>\n  甲\n    </textarea>\n</div>"
    ), html
    assert xml == xml_before == Environment(loader=DictLoader({"t.xml": _TEMPLATE})).get_template("t.xml").render(x="甲")
    assert html != html_before
    assert strip_indentation(html) == strip_indentation(html_before)


# --- render.PageShells: activity and building pages made from their shell ---


@pytest.mark.parametrize("content", [FIXTURES / "browser" / "content", REPO / "content"], ids=["browser", "sample"])
def test_page_shells_change_no_byte(content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[render.PageShells] = []
    keys: dict[object, list[str]] = {}
    original_init, original_key = render.PageShells.__init__, render.PageShells._key

    def init(self):  # type: ignore[no-untyped-def]
        original_init(self)
        made.append(self)

    def key(template, page, context):  # type: ignore[no-untyped-def]
        found = original_key(template, page, context)
        if found is not None:
            keys.setdefault(found, []).append(page.url)
        return found

    monkeypatch.setattr(render.PageShells, "__init__", init)
    monkeypatch.setattr(render.PageShells, "_key", staticmethod(key))
    shelled = _files(build_project(make_project_at(tmp_path / "shelled", content)))
    (shells,) = made
    monkeypatch.setattr(render, "PAGE_SHELLS", False)
    plain = _files(build_project(make_project_at(tmp_path / "plain", content)))
    assert sorted(shelled) == sorted(plain)
    assert [rel for rel in plain if shelled[rel] != plain[rel]] == []
    # And it did something: every activity, building and bulletin page but
    # the first two of each shell (rendered whole, to make and check it),
    # bulletins with headings among them.
    kinds = {url.split("/")[0] for urls in keys.values() for url in urls}
    assert kinds == {"activities", "buildings", "bulletins"}, kinds
    assert all(shells._shells[k] is not None for k in keys), [k for k in keys if shells._shells[k] is None]
    assert any(k[2] for k in keys if str(k[0]).endswith("bulletin.html")), "no bulletin with headings"
    assert shells.filled == sum(len(urls) - 2 for urls in keys.values() if len(urls) > 2) > 10, (shells.filled, keys)
    # Their shells' text stripped once (markup.join_stripped), not each page.
    assert shells.prestripped == shells.filled, (shells.prestripped, shells.filled)


class _Page:
    """What PageShells and ShellCache.key read of an MkDocs page."""

    def __init__(self, n: int, title: str) -> None:
        from markupsafe import Markup, escape

        self.url = f"activities/a{n}/"
        self.title = title
        self.meta = {"gs_kind": "activity", "title": Markup(escape(title)), "hide": ["navigation"]}
        self.toc: list[object] = []
        self.canonical_url = f"https://example.cn/{self.url}?n={n}&x=1"
        self.previous_page = self.next_page = None


# Indented like Material's: the page's parts meet the shell's runs of
# blank lines and indentation (markup.join_stripped).
_SHELL_BASE = """<html><head>
    <title>{{ page.meta.title }} - 站点</title>\n\n  <link rel="canonical" href="{{ page.canonical_url }}"></head>
<body><header>{{ page.meta.title }}</header>
    <main>\n\n    {% block content %}{% endblock %}\n  </main>\n  {% block footer %}页脚{% endblock %}</body></html>"""


@pytest.mark.parametrize(("base", "filled"), [
    (_SHELL_BASE, 3),
    # The title through a filter: the shell would show the stand-in's
    # upper case, so it is never used.
    (_SHELL_BASE.replace("<header>{{ page.meta.title }}", "<header>{{ page.meta.title | upper }}"), 0),
    # Something else of the page in the shell (its address): the check on
    # the second page finds it and renders whole from then on.
    (_SHELL_BASE.replace("页脚", "{{ page.url }}"), 0),
    # The content block reads what only the whole template sets.
    (_SHELL_BASE.replace("<html>", "{% set shout = '！' %}<html>"), 0),
], ids=["plain", "filtered-title", "other-page-value", "whole-template-variable"])
@pytest.mark.parametrize("autoescape", [True, False], ids=["escaping", "not-escaping"])
def test_page_shells_are_used_only_where_they_give_the_same_page(base: str, filled: int, autoescape: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Gongshi's templates escape what they print, Material's do not: the
    # canonical address (with an &) must come out as each prints it.
    child = "{% extends 'base.html' %}{% block content %}<h1>{{ page.meta.title }}</h1>{{ shout }}<p>{{ page.url }}</p>{% endblock %}"
    env = Environment(loader=DictLoader({"base.html": base, "activity.html": child}), autoescape=autoescape)
    plain_env = Environment(loader=DictLoader({"base.html": base, "activity.html": child}), autoescape=autoescape)
    monkeypatch.setattr(render, "SHELL_TEMPLATES", ("activity.html",))
    shells = render.PageShells()
    shells.install(env)
    titles = ["第一场讲座", "A & B <C>", "“引号”与 '单引号'", "第四场", "第五场"]
    for n, title in enumerate(titles):
        page = _Page(n, title)
        context = {"page": page, "nav": None, "base_url": "../.."}
        # Made from its shell, a page comes out stripped (plugin.on_post_page strips the others).
        assert strip_indentation(env.get_template("activity.html").render(context)) == strip_indentation(plain_env.get_template("activity.html").render(context)), title
    assert shells.filled == shells.prestripped == filled


def test_page_shells_keep_apart_pages_whose_front_matter_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Material's base template prints an editor's description: pages whose
    # meta differs beyond what the shell leaves out never share a shell,
    # even when the first two of a folder agree.
    base = _SHELL_BASE.replace("<head>", '<head><meta name="description" content="{{ page.meta.description }}">')
    child = "{% extends 'base.html' %}{% block content %}<h1>{{ page.meta.title }}</h1>{% endblock %}"
    env = Environment(loader=DictLoader({"base.html": base, "activity.html": child}))
    plain_env = Environment(loader=DictLoader({"base.html": base, "activity.html": child}))
    monkeypatch.setattr(render, "SHELL_TEMPLATES", ("activity.html",))
    shells = render.PageShells()
    shells.install(env)
    for n, description in enumerate(["甲", "甲", "乙", "乙", "乙", "甲"]):
        page = _Page(n, f"第 {n} 场")
        page.meta["description"] = description
        context = {"page": page, "nav": None, "base_url": "../.."}
        assert strip_indentation(env.get_template("activity.html").render(context)) == strip_indentation(plain_env.get_template("activity.html").render(context)), description
    assert shells.filled == 2  # the third 乙 and the third 甲
