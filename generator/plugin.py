"""The MkDocs face of Gongshi: thin event handlers that call the core.

on_config   load + validate the content into the model (or stop with every error)
on_files    drop drafts and data files, add one virtual file per generated page
on_env      give templates the model, the queries and the filters
on_page_*   pick each page's template and sanitise editors' HTML
on_post_build  write the outputs that are not pages (feeds, notices, …)
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from jinja2 import Environment
from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from . import outputs, sitemap
from .a11y import images_without_alt, source_line
from .dates import DateProblem, parse_date
from .errors import BuildFailed, ContentError, Location
from .markup import sanitize
from .model import Site
from .pages import PageSpec, generated_pages
from .pipeline import Project, is_bulletin, load_site
from .preview import write_error_pages
from .render import TEMPLATE_FILTERS, template_globals

log = get_plugin_logger(__name__)


class GongshiConfig(Config):
    enabled = c.Type(bool, default=True)
    # "today" for what counts as coming or past; "" = today in the site's zone.
    # build.py passes --today through the GONGSHI_TODAY environment variable.
    today = c.Type((str, date), default="")


class GongshiPlugin(BasePlugin[GongshiConfig]):
    site: Site | None = None
    serving = False
    # While serving: the errors of the current rebuild, and the pages of the
    # last good one (where the error page is shown until the fix).
    failed: BuildFailed | None = None
    last_pages: tuple[str, ...] = ()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup also keeps one plugin instance across `serve`
        # rebuilds; the model is still rebuilt from disk on every rebuild.
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        root = Path(config.config_file_path).parent
        project = Project(root.resolve(), Path(config.docs_dir).resolve())
        today = _resolve_today(str(self.config.today or os.environ.get("GONGSHI_TODAY", "")))
        self.project = project
        self.failed = None
        try:
            self.site, problems = load_site(project, today)
        except BuildFailed as exc:
            if not self.serving:
                raise PluginError("\n" + exc.report()) from None
            return self._serve_errors(exc, config)
        for warning in problems.sorted_warnings():
            log.warning(str(warning))
        self.specs: dict[str, PageSpec] = {}
        config.site_url = self.site.info.url
        # Material prints these unescaped; editors' text must not become markup.
        config.site_name = escape(self.site.info.title)
        config.site_description = escape(self.site.info.description) if self.site.info.description else config.site_description
        return config

    def _serve_errors(self, exc: BuildFailed, config: MkDocsConfig) -> MkDocsConfig:
        # The preview keeps running: errors go to the terminal and, through
        # on_files/on_post_build, to an error page in the browser.
        self.site, self.failed = None, exc
        for line in exc.report().splitlines():
            log.error(line)
        config.nav = None
        config.theme.static_templates.clear()
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        if self.failed is not None:
            for file in list(files):
                if file.is_documentation_page():
                    files.remove(file)
            return files
        if not self.config.enabled or self.site is None:
            return files
        for file in list(files):
            if file.src_uri.startswith("data/") or file.src_uri in self.site.drafts:
                files.remove(file)
        self.specs = {}
        errors = []
        for spec in generated_pages(self.site):
            existing = files.get_file_from_path(spec.src_uri)
            if existing is not None:
                shown = self.project.shown(Path(config.docs_dir) / spec.src_uri)
                errors.append(ContentError(Location(shown), f"与自动生成的页面“{spec.title}”（{spec.url}）网址相同", "请给这个文件改名或移到别的文件夹"))
                continue
            files.append(File.generated(config, spec.src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV))
            self.specs[spec.src_uri] = spec
        if errors:
            if not self.serving:
                raise PluginError("\n" + BuildFailed(errors).report())
            self._serve_errors(BuildFailed(errors), config)
            return self.on_files(files, config)
        self.last_pages = tuple(f.dest_uri for f in files.documentation_pages())
        return files

    def on_env(self, env: Environment, config: MkDocsConfig, files: Files) -> Environment | None:
        env.filters.update(TEMPLATE_FILTERS)
        if self.site is not None:
            env.globals.update(template_globals(self.site))
        # MkDocs' theme environment does not escape; ours must (names and titles
        # are what editors typed). Material's own templates stay as they are.
        env.autoescape = _escapes
        return env

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if self.site is None:
            return markdown
        spec = self.specs.get(page.file.src_uri)
        if spec is not None:
            page.meta.update(spec.meta)
            page.meta.update({"template": spec.template, "title": escape(spec.title), "gs_kind": spec.kind, "gs_obj": spec.obj})
            # The tabs already carry the (short) nav; a sidebar repeating it
            # only narrows the text on a desktop.
            page.meta.setdefault("hide", ["navigation"])
            return ""
        if is_bulletin(page.file.src_uri):
            bulletin = self.site.bulletins_by_src.get(page.file.src_uri)
            if bulletin is not None:
                # Titles are escaped here: Material prints page.title unescaped in <title>.
                page.meta.update({"template": "gongshi/bulletin.html", "gs_kind": "bulletin", "gs_obj": bulletin, "title": escape(bulletin.title)})
        return markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if self.site is not None:
            # sitemap lastmod (and the sitemap.xml.gz stamp) from content dates, not the build time
            page.meta["gs_lastmod"] = sitemap.lastmod(self.site, page.meta.get("gs_kind", ""), page.meta.get("gs_obj"))
            page.update_date = (page.meta["gs_lastmod"] or sitemap.latest(self.site)).isoformat()
        if page.file.src_uri not in self.specs:
            _warn_images_without_alt(html, page)
        # Editors paste HTML from Word and WeChat: keep only the allow-list.
        return sanitize(html) if page.file.src_uri not in self.specs else html

    def on_post_build(self, config: MkDocsConfig) -> None:
        theme_dir = Path(config.theme.custom_dir or self.project.root / "theme")
        if self.failed is not None:
            write_error_pages(Path(config.site_dir), theme_dir, self.failed.errors, self.last_pages)
            return
        if self.site is None:
            return
        try:
            outputs.write_all(self.site, self.project, Path(config.site_dir), theme_dir, pdf=not self.serving)
        except outputs.OutputClash as exc:
            raise PluginError(str(exc)) from None
        except BuildFailed as exc:  # e.g. door-notice PDFs without a CJK font
            raise PluginError("\n" + exc.report()) from None


def _warn_images_without_alt(html: str, page: Page) -> None:
    missing = images_without_alt(html)
    if not missing:
        return
    try:
        source = Path(page.file.abs_src_path or "").read_text(encoding="utf-8-sig")
    except OSError:
        source = ""
    for src in missing:
        # MkDocs has rewritten src relative to the output page; the file name
        # is what the editor wrote and can find.
        name = src.rsplit("/", 1)[-1]
        line = source_line(source, name)
        where = f"content/{page.file.src_uri}" + (f":{line}:1" if line else "")
        log.warning(f"{where}: 图片 {name} 缺少替代文字（alt） — 请在方括号里写上图片内容的简短说明，例如 ![志愿者搀扶老人下楼]({name})，读屏软件会把说明读给看不见图片的居民")


# Material partials we override to print content (the footer carries the
# organisation's name and address on every page).
_ESCAPED_OVERRIDES = frozenset({"partials/copyright.html"})


def _escapes(name: str | None) -> bool:
    """Autoescape Gongshi's templates: theme/gongshi/*, partials/gongshi-* and
    the Material partials we override to print editors' data."""
    return name is not None and (name.startswith("gongshi/") or name.startswith("partials/gongshi-") or name in _ESCAPED_OVERRIDES)


def _resolve_today(text: str) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text)
    except DateProblem as exc:
        raise PluginError(f"--today: {exc} — 请写成 2026-12-05") from None

