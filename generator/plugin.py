"""The MkDocs face of Gongshi: thin event handlers that call the core.

on_config   load + validate the content into the model (or stop with every error)
on_files    drop drafts and data files, add one virtual file per generated page;
            in a ``serve --dirty`` rebuild, mark the pages that need no render
on_env      give templates the model, the queries and the filters; date pages;
            write the editors' photos phone-sized, without metadata (images.py)
on_page_*   pick each page's template and sanitise editors' HTML
on_post_build  write the outputs that are not pages (feeds, notices, …)
"""

from __future__ import annotations

import functools
import gc
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from html import unescape
from pathlib import Path

import markdown
from jinja2 import Environment
from markdown.extensions.toc import slugify as toc_slugify
from markupsafe import escape
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from . import calendar, notices, outputs, pagewriter, sitemap
from .afterreload import AfterReload, remove_gone
from .buildcache import BuildCache, PageCache
from .dates import DateProblem, parse_date
from .errors import BuildFailed, ContentError, Location, Problems
from .idlegc import IdleCollector, long_lived, thaw
from .images import Publisher, is_raster
from .incremental import CompiledTemplates, Fingerprints, RebuildPlan, Records, digest, environment_key
from .load import Article
from .markup import quick_blocks, quick_inline, sanitize, strip_indentation, theme_safe_slugify, without_invisible
from .model import Site
from .pages import PageSpec, generated_pages
from .pipeline import LoadCache, Project, check_content, is_bulletin, load_model, load_site
from .preview import ERROR_FILE, error_app, write_error_page
from .render import TEMPLATE_FILTERS, PageShells, TemplateIndentation, fixed_templates, template_globals, theme_listing_without_dots
from .watch import watch_natively

log = get_plugin_logger(__name__)

class GongshiConfig(Config):
    enabled = c.Type(bool, default=True)
    # "today" for what counts as coming or past; "" = today in the site's zone.
    # build.py passes --today through the GONGSHI_TODAY environment variable.
    today = c.Type((str, date), default="")


class GongshiPlugin(BasePlugin[GongshiConfig]):
    site: Site | None = None
    serving = False
    # While serving: the errors of the current rebuild (the server answers
    # every page with the error page meanwhile: preview.error_app).
    failed: BuildFailed | None = None
    # `serve` with dirty builds (python build.py serve): MkDocs keeps the
    # output folder between rebuilds and renders only files it is told
    # changed; the plugin tells it, from page fingerprints (incremental.py).
    incremental = False
    # Fingerprints of the pages on disk, and every output path, as of the
    # last build that completed. Emptied when a build starts, so a failed
    # or interrupted build makes the next one render everything.
    rendered: dict[str, str]
    files_on_disk: frozenset[str] = frozenset()  # pages and static files
    plan: tuple[int, int] = (0, 0)  # pages rendered, pages left as they were
    _articles: list[Article] | None = None  # to check after the reload
    # serve: static template → hash of what it shows (sitemap.xml: its
    # text), as of the last build that completed, and of this one
    templates: dict[str, str] = {}
    _templates_now: dict[str, str] = {}
    # serve: the File (and its Page) of each page, as of the last build that
    # completed, and of this one (RebuildPlan.kept_file, kept_source)
    kept_files: dict[str, File] = {}
    _kept_now: dict[str, File] = {}
    # serve: the pages of this build that kept the last one's File and Page
    _kept_pages: frozenset[str] | set[str] = frozenset()
    # serve: page → (fingerprint, sitemap date) as of the last build
    _lastmods: dict[str, tuple[str, date | None]] = {}
    # `python build.py build` sets this and builds with dirty=True: pages and
    # writers' files whose inputs are unchanged come from the build cache
    # (generator/buildcache.py) and MkDocs is told not to render them.
    build_cache = False
    cache: BuildCache | None = None
    _page_warnings: _PageWarnings | None = None
    _one_markdown: _OneMarkdown | None = None
    # `build`: MkDocs' page files written by a helper process (pagewriter.py)
    _page_writer: pagewriter.PageWriter | None = None
    # A full build's page shells (render.PageShells), for on_post_page
    _shells: PageShells | None = None

    def __init__(self) -> None:
        super().__init__()
        # Here, not in on_startup: MkDocs calls that only from its command
        # line, and a build called from Python (tests) needs these too.
        self._collector = IdleCollector()
        self.after = AfterReload(self._collector)
        # One for all of `serve`'s rebuilds: it knows which copies are current.
        self.images = Publisher(threads=min(2, os.cpu_count() or 1))

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # Defining on_startup also keeps one plugin instance across `serve`
        # rebuilds; the model is still rebuilt from disk on every rebuild.
        self.serving = command == "serve"
        self.incremental = self.serving and dirty
        self.rendered = {}
        self._loaded = LoadCache()
        self._records = Records()
        self._bytecode = CompiledTemplates()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        _theme_safe_heading_ids(config)
        theme_listing_without_dots(config.theme)
        self.after.finish()
        pagewriter.restore()  # a build interrupted in this process left its helper
        root = Path(config.config_file_path).parent
        project = Project(root.resolve(), Path(config.docs_dir).resolve(), self._loaded if self.incremental else None)
        today = _resolve_today(str(self.config.today or os.environ.get("GONGSHI_TODAY", "")))
        self.project = project
        self.failed = None
        self._previous, self.rendered = getattr(self, "rendered", {}), {}
        self._kept_last, self.kept_files = self.kept_files, {}
        # Like `rendered`: kept only through a build that completes.
        self._reuse_last = self.after.reuse
        self.after.reuse = outputs.Reuse()
        self._templates_last, self.templates = self.templates, {}
        if self.incremental:
            # No cyclic collection while only what changed is rendered
            # (idlegc.py): the writers' thread collects once the editor pauses.
            self._collector.rebuild_starts(full=not self._previous)
        try:
            if self.incremental and not config.strict:
                # The content checks (links, images, double-booked venues)
                # only warn: they run after the reload (_write_after_reload).
                self.site, problems, self._articles = load_model(project, today)
            elif self.serving:
                self.site, problems = load_site(project, today)
            else:
                # One build, one model: loaded without the collector and
                # then frozen (idlegc.long_lived; thawed at the end). The
                # door notices start as soon as the data files are valid.
                with long_lived():
                    self.site, problems = load_site(project, today, on_data=functools.partial(self._start_notices, config))
        except BuildFailed as exc:
            if not self.serving:
                raise PluginError("\n" + exc.report()) from None
            return self._serve_errors(exc, config)
        for warning in problems.sorted_warnings():
            log.warning(str(warning))
        self.specs: dict[str, PageSpec] = {}
        if self.cache is None:  # opened already if the notices started
            self._open_cache(config)
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
        present = files.src_uris
        specs = []
        for spec in generated_pages(self.site):
            if spec.src_uri in present:
                shown = self.project.shown(Path(config.docs_dir) / spec.src_uri)
                errors.append(ContentError(Location(shown), f"与自动生成的页面“{spec.title}”（{spec.url}）网址相同", "请给这个文件改名或移到别的文件夹"))
                continue
            specs.append(spec)
        if errors:
            if not self.serving:
                raise PluginError("\n" + BuildFailed(errors).report())
            self._serve_errors(BuildFailed(errors), config)
            return self.on_files(files, config)
        plan = self._start_plan(files, specs, config) if self.incremental else None
        for spec in specs:
            kept = plan.kept_file(spec) if plan is not None else None
            files.append(kept or File.generated(config, spec.src_uri, content="", inclusion=InclusionLevel.NOT_IN_NAV))
            self.specs[spec.src_uri] = spec
        self._kept_pages = plan.kept if plan is not None else frozenset()
        if plan is not None:
            files = _PagesOnce(self._plan_rebuild(files, plan))
        if not self.serving and self.cache is not None:
            self._fetch_pages(files, config)
        return files

    def _start_notices(self, config: MkDocsConfig, site: Site) -> None:
        """load_site's on_data in `build`: the door notices need only the
        data files' model, so the workers lay them out while this
        process reads the articles and renders the pages (on_post_build
        collects); with the cache, only the chunks of doors it does not
        have. So do the activities' VEVENTs (calendar.start_early). Raises
        BuildFailed without a CJK font."""
        # Frozen before the fork: a worker's collections (one per chunk)
        # then skip the model it inherits, and do not write to its pages.
        gc.freeze()
        # Opened here, not before the load: content with errors leaves no
        # .cache/ behind (the notices' chunks are taken from it).
        self._open_cache(config)
        notices.start_early(outputs.Output(site, self.project, Path(config.site_dir), self._theme_dir(config), cache=self.cache))
        calendar.start_early(site, self.cache)

    def on_serve(self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Callable[..., None]) -> LiveReloadServer | None:
        # The system's file events instead of MkDocs' polling (watch.py);
        # `serve --poll` keeps polling, for folders events do not reach.
        # A save stops the last rebuild's writers at once (AfterReload.interrupt).
        if os.environ.get("GONGSHI_WATCH") != "poll":
            watch_natively(server, on_edit=self.after.interrupt)
        # While a rebuild has errors, every page the editor opens shows them
        # (preview.py); the files of the last good build stay as they were.
        app = server.get_app()
        if app is not None:
            server.set_app(error_app(app, failed=lambda: self.failed is not None, root=server.root, mount=server.mount_path,
                                     settled=functools.partial(_settled, server)))
        return server

    def on_shutdown(self) -> None:
        # MkDocs removes the preview's folder next: the writers must not be
        # writing into it.
        self.after.finish()
        if self.serving:
            self._collector.release()

    def on_build_error(self, *, error: Exception) -> None:
        writer, self._page_writer = self._page_writer, None
        if writer is not None:
            writer.kill()
        if self.serving:
            # A build that failed while MkDocs wrote the pages (a template
            # error) left those it wrote. The next build renders every page
            # again (``rendered`` is only kept through a build that
            # completes, as are the static templates' keys), and must also
            # delete those that are gone: a page added in the failed save
            # and taken back in the next stayed in the preview, and in its
            # search index.
            self.files_on_disk = self.files_on_disk | frozenset(f.dest_uri for f in getattr(self, "files", ()))
        notices.cancel_early()
        calendar.cancel_early()
        thaw()
        self._close_cache()
        if self.serving:
            self._collector.release()

    # --- the build cache (python build.py build) -------------------------
    def _open_cache(self, config: MkDocsConfig) -> None:
        self._close_cache()
        if not self.build_cache or self.serving:
            return
        self.cache = BuildCache.open(self.project.root)
        if self.cache is not None:
            self._page_warnings = _PageWarnings(config)
            logging.getLogger("mkdocs").addHandler(self._page_warnings)

    def _close_cache(self) -> None:
        if self._page_warnings is not None:
            logging.getLogger("mkdocs").removeHandler(self._page_warnings)
            self._page_warnings = None
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def _fetch_pages(self, files: Files, config: MkDocsConfig) -> None:
        """Put every page whose key has an entry in the build cache into the
        output folder and tell MkDocs not to read or render it
        (buildcache.PageCache decides)."""
        assert self.site is not None and self.cache is not None
        docs = files.documentation_pages()
        # Every file, not only the pages: MkDocs resolves an image's path
        # against the images as it does a link against the pages.
        pages = self.pages = PageCache(self.cache, self.site, _environment(config), (f.src_uri for f in files), nav_from_files=config.nav is None)
        # A nav entry without a title takes the page's own, which MkDocs
        # knows only from reading it: such pages are always read.
        untitled = _untitled_nav(config.nav or [])
        blind = _blind_spot(config)
        if blind:
            log.info(f"构建缓存：mkdocs.yml 启用了 {blind}，页面每次全部重新生成（日历、公示、搜索索引仍用缓存）")
        keys = [
            None if blind or file.src_uri in untitled else pages.key(file.src_uri, file.dest_uri, self.specs.get(file.src_uri), Path(file.abs_src_path or "").read_bytes)
            for file in docs
        ]
        # MkDocs emptied the output folder before this (all but --dirty),
        # so there is nothing to unlink below: 17,340 unlinks of missing
        # files at bench scale L.
        try:
            emptied = not os.listdir(config.site_dir)
        except OSError:
            emptied = False
        found = pages.fetch([(file.src_uri, key, Path(file.abs_dest_path)) for file, key in zip(docs, keys, strict=True)])
        for file, replay in zip(docs, found, strict=True):
            if replay is not None:
                file.is_modified = _UNCHANGED  # type: ignore[method-assign]
                # What reading and rendering it warned of, the clean build's
                # way (and counted by --strict).
                for name, level, message in replay:
                    logging.getLogger(name).log(level, message)
                continue
            file.is_modified = _CHANGED  # type: ignore[method-assign]
            # `mkdocs build --dirty` into site/: MkDocs would write into the
            # file in place, and it may be a cache entry.
            if not emptied:
                Path(file.abs_dest_path).unlink(missing_ok=True)
        log.info(f"构建缓存：{pages.hits} 个页面未变，{len(docs) - pages.hits} 个重新生成")

    def _theme_dir(self, config: MkDocsConfig) -> Path:
        return Path(config.theme.custom_dir or self.project.root / "theme")

    def _start_plan(self, files: Files, specs: list[PageSpec], config: MkDocsConfig) -> RebuildPlan:
        """The fingerprints of this serve rebuild (incremental.py), before
        the generated pages join ``files``: those that did not change keep
        their File and Page objects from the last build (RebuildPlan.kept_file)."""
        assert self.site is not None
        environment = _environment(config)
        # Every file, images too (see _fetch_pages), and the generated pages.
        paths = [f.src_uri for f in files] + [spec.src_uri for spec in specs]
        self.environment = environment
        # What a fingerprint cannot see (another plugin, file includes):
        # every page is rendered on every save.
        prints = Fingerprints(self.site, environment, paths, self._records, nav_from_files=config.nav is None)
        files_read = self.project.files
        return RebuildPlan(prints, self._previous, self._kept_last, blind=bool(_blind_spot(config)), on_disk=self.files_on_disk,
                           sources=files_read.read if files_read is not None else None)

    def _plan_rebuild(self, files: Files, plan: RebuildPlan) -> Files:
        """Tell MkDocs which pages are unchanged since the last good build:
        same fingerprint and the file still on disk. MkDocs' own test (the
        source's mtime) knows nothing of the model or the theme. An
        unchanged Markdown page takes the last build's File and Page
        (RebuildPlan.kept_source), as a generated one already has
        (RebuildPlan.kept_file): the files MkDocs goes on with."""
        assert self.site is not None
        docs = files.documentation_pages()
        self.shared = plan.prints.shared
        changed = 0
        swapped: dict[str, File] = {}
        for file in docs:
            spec = self.specs.get(file.src_uri)
            key = plan.key(file, spec)
            unchanged = plan.unchanged(file, key)
            if unchanged and spec is None:
                last = plan.kept_source(file, self.site.bulletins_by_src.get(file.src_uri))
                if last is not None:
                    swapped[file.src_uri] = file = last
            # An instance attribute shadows File.is_modified for this build only.
            file.is_modified = _UNCHANGED if unchanged else _CHANGED  # type: ignore[method-assign]
            changed += not unchanged
        if swapped:
            # Made again in the same order: Files.remove and append would
            # move each kept page to the end, and MkDocs lists the pages in
            # this order (the sitemap, a nav made of the files).
            files = Files([swapped.get(f.src_uri, f) for f in files])
        self.fingerprints = plan.keys
        self._kept_now = {file.src_uri: swapped.get(file.src_uri, file) for file in docs}
        self.files = files
        self.plan = (changed, len(docs) - changed)
        log.info(f"预览更新：重新生成 {changed} 个页面，{len(docs) - changed} 个未变")
        return files

    def on_env(self, env: Environment, config: MkDocsConfig, files: Files) -> Environment | None:
        # Just before MkDocs copies the static files: the photos in their place.
        self._publish_images(files, config)
        env.filters.update(TEMPLATE_FILTERS)
        if self.site is not None:
            env.globals.update(template_globals(self.site))
            # Once for both: ~20,000 files at district scale.
            pages = [f.page for f in files.documentation_pages() if f.page is not None]
            self._date_pages(pages)
            self._templates_now = {}
            self._write_sitemap(config, sitemap.urlset(pages))
            if self.incremental:
                self._plan_templates(config)
                # MkDocs makes a new environment for every rebuild, which
                # compiled the ~40 templates again: 0.6 s of a 9.7 s
                # activity edit at district scale (cProfile).
                self._bytecode.salt = self.environment
                env.bytecode_cache = self._bytecode
        # MkDocs' theme environment does not escape; ours must (names and titles
        # are what editors typed). Material's own templates stay as they are.
        env.autoescape = _escapes
        env.add_extension(TemplateIndentation)
        fixed_templates(env)
        self._shells = None
        if self.site is not None and not self.incremental:
            # A full build: pages of one template in one folder share their
            # shell (a rebuild renders too few pages for shells to pay).
            self._shells = PageShells()
            self._shells.install(env)
        if not self.serving and self.site is not None:
            # Next MkDocs copies the static files and renders the pages.
            self._page_writer = pagewriter.start()
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
            # An instance attribute shadows Page.render for this page only.
            page.render = functools.partial(_render_blank, page)  # type: ignore[method-assign]
            return ""
        # An editor's own page: Material prints page.title unescaped (a
        # title of <img src=x onerror=…> ran its script), and which template
        # renders it is the theme's choice (template: 404.html made 关于 a
        # "page not found"; validate.check_page says so at its line).
        if page.meta.get("title") is not None:
            page.meta["title"] = escape(str(page.meta["title"]))
        page.meta.pop("template", None)
        if self._one_markdown is None or self._one_markdown.config is not config:
            self._one_markdown = _OneMarkdown.for_config(config)
        if self._one_markdown is not None:
            page.render = functools.partial(self._one_markdown.render, page)  # type: ignore[method-assign]
        # Pasted zero-width spaces: invisible, but they split a phone
        # number for tapping and a word for search.
        markdown = without_invisible(markdown)
        if is_bulletin(page.file.src_uri):
            bulletin = self.site.bulletins_by_src.get(page.file.src_uri)
            if bulletin is not None:
                # Titles are escaped here: Material prints page.title unescaped in <title>.
                page.meta.update({"template": "gongshi/bulletin.html", "gs_kind": "bulletin", "gs_obj": bulletin, "title": escape(bulletin.title)})
        return markdown

    def _publish_images(self, files: Files, config: MkDocsConfig) -> None:
        """Editors' raster images under content/ are written as phone-sized
        copies without metadata (images.py), not copied by MkDocs; one that
        cannot be read is not published and warned of. While the content
        has errors (serve) none is written: the last good build's stay."""
        if not self.config.enabled:
            return
        docs_dir = os.path.normpath(config.docs_dir)
        found = []
        for file in files:
            src = file.abs_src_path
            if file.is_documentation_page() or src is None or not is_raster(file.src_uri) or os.path.normpath(file.src_dir or "") != docs_dir:
                continue
            # An instance attribute shadows File.copy_file for this build only.
            file.copy_file = _NO_COPY  # type: ignore[method-assign]
            if not file.inclusion.is_excluded() or self.serving:
                found.append((Path(src), Path(file.abs_dest_path), self.project.shown(Path(src))))
        if self.failed is not None or self.site is None or not found:
            return
        self.images.cache = None if self.serving else self.cache
        before = (self.images.converted, self.images.reused)
        for warning in self.images.publish(found):
            log.warning(str(warning))
        converted, reused = self.images.converted - before[0], self.images.reused - before[1]
        log.info(f"图片：{converted} 张缩小后发布，{reused} 张未变")

    def _write_sitemap(self, config: MkDocsConfig, text: str) -> None:
        """sitemap.xml (and .gz) from ``text`` (sitemap.urlset), in place of
        the theme template MkDocs would render; in `serve`, only when it
        changed (every page's URL and date: a page added or removed)."""
        if "sitemap.xml" in config.theme.static_templates:
            config.theme.static_templates.remove("sitemap.xml")
        site_dir = Path(config.site_dir)
        if self.incremental:
            # The text itself, not a hash of it: comparing 2 MB (bench scale
            # L) takes a fraction of a millisecond, hashing it ~8 ms.
            self._templates_now["sitemap.xml"] = text
            if self._templates_last.get("sitemap.xml") == text and (site_dir / "sitemap.xml").is_file():
                return
        sitemap.write(site_dir, text)

    def _plan_templates(self, config: MkDocsConfig) -> None:
        """Leave 404.html out of this build when it would come out the same
        (it shows the settings and the shared model): at district scale it
        and the sitemap took 0.6 s of every save."""
        key = self._templates_now["404.html"] = digest(self.environment, self.shared)
        if self._templates_last.get("404.html") == key and "404.html" in config.theme.static_templates and (Path(config.site_dir) / "404.html").is_file():
            config.theme.static_templates.remove("404.html")

    def _date_pages(self, pages: list[Page]) -> None:
        """sitemap lastmod from content dates, not the build time — for
        every page, including those a dirty rebuild does not render (the
        sitemap lists them all). MkDocs' own page date (Page.update_date,
        the build time) is left alone: it only ever stamped the gzip header
        of MkDocs' sitemap.xml.gz, which the plugin now writes itself."""
        assert self.site is not None
        # serve: a page of these kinds whose fingerprint did not change has
        # the same date: a building's is the latest of hundreds of
        # activities, a month page's scans every occurrence.
        known, self._lastmods = self._lastmods, {}
        prints = self.fingerprints if self.incremental else {}
        kept = self._kept_pages
        for page in pages:
            file = page.file
            if file.src_uri in kept:
                # The last build's Page with the fingerprint its date was
                # made under (only pages of _DATED_BY_RECORD have one): that
                # date, as set on the Page then, before its kind is worked
                # out. Most pages of a save: ~12,000 at bench scale L, which
                # took ~0.1 s when each was dated again. A kept page the last
                # build did not record is dated below, as any other.
                hit = known.get(file.src_uri)
                if hit is not None and hit[1] is not None and hit[0] == prints.get(file.src_uri):
                    self._lastmods[file.src_uri] = hit
                    continue
            spec = self.specs.get(file.src_uri)
            bulletin = self.site.bulletins_by_src.get(file.src_uri)
            kind, obj = (spec.kind, spec.obj) if spec is not None else ("bulletin", bulletin) if bulletin is not None else ("", None)
            key = prints.get(file.src_uri) if kind in _DATED_BY_RECORD else None
            hit = known.get(file.src_uri) if key is not None else None
            lastmod = hit[1] if hit is not None and hit[0] == key else sitemap.lastmod(self.site, kind, obj)
            if key is not None:
                self._lastmods[file.src_uri] = (key, lastmod)
            page.meta["gs_lastmod"] = lastmod

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if page.file.src_uri not in self.specs and page.meta.get("title") is None and page.title:
            # A title taken from the page's first heading: MkDocs strips its
            # tags but leaves a "<" without a ">" and its entities.
            page.meta["title"] = escape(unescape(page.title))
        # Editors paste HTML from Word and WeChat: keep only the allow-list.
        return sanitize(html) if page.file.src_uri not in self.specs else html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str | None:
        if self._shells is not None and self._shells.stripped(page):
            return output  # made from its shell's text stripped once (PageShells)
        return strip_indentation(output)

    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str | None:
        # The theme's own pages (404.html) as every other page: their
        # templates' text has lost its indentation (TemplateIndentation), and
        # what a tag left is dropped here.
        return strip_indentation(output_content) if template_name.endswith(".html") else output_content

    def on_post_build(self, config: MkDocsConfig) -> None:
        # Every page on disk before anything reads them (the search index,
        # the build cache). A write that failed fails the build here.
        writer, self._page_writer = self._page_writer, None
        if writer is not None:
            writer.close()
        theme_dir = self._theme_dir(config)
        if self.failed is not None or self.site is None:
            if self.serving:
                self._collector.release()
            if self.failed is not None:
                write_error_page(Path(config.site_dir), theme_dir, self.failed.errors)
                self._keep_last_good()
            return
        site_dir = Path(config.site_dir)
        if self.incremental:
            # Before the writers: the search index must not find gone pages.
            files_now = frozenset(f.dest_uri for f in self.files)
            remove_gone(site_dir, self.files_on_disk, files_now)
            (site_dir / ERROR_FILE).unlink(missing_ok=True)  # the errors are fixed
            self.files_on_disk = files_now
            self.rendered, self.templates, self.kept_files = self.fingerprints, self._templates_now, self._kept_now
            self._collector.rebuild_done()
            self._write_after_reload(outputs.Output(self.site, self.project, site_dir, theme_dir, pdf=False, keep_same=True), files_now)
            return
        try:
            if self.cache is not None and self._page_warnings is not None:
                self.pages.keep(self._page_warnings.by_page)
            outputs.write_all(self.site, self.project, site_dir, theme_dir, pdf=not self.serving,
                              cache=self.cache)
            if self.cache is not None:
                # Before thaw: the index's ~50,000 new objects (bench scale
                # L) set off a full collection once the model is thawed,
                # 0.70 s over the whole heap (gc.callbacks), none of it garbage.
                self.cache.commit()
        except outputs.OutputClash as exc:
            raise PluginError(str(exc)) from None
        except BuildFailed as exc:  # e.g. door-notice PDFs without a CJK font
            raise PluginError("\n" + exc.report()) from None
        finally:
            thaw()
        if self.cache is not None:
            self._close_cache()

    def _keep_last_good(self) -> None:
        """A rebuild stopped by content errors rendered nothing and the
        server shows the error page over the pages (preview.error_app): the
        files on disk are the last good build's, and so are its records,
        which the build that fixes the errors starts from (it renders only
        what changed since). 404.html holds the error page now: it is
        rendered again."""
        self.rendered, self.kept_files, self.after.reuse = self._previous, self._kept_last, self._reuse_last
        self.templates = {name: key for name, key in self._templates_last.items() if name != "404.html"}

    def _write_after_reload(self, out: outputs.Output, pages_now: frozenset[str]) -> None:
        """The writers and the search index after the reload (afterreload.py)."""
        articles, self._articles = self._articles, None
        check = functools.partial(self._check_content, out.site, articles) if articles is not None else None
        self.after.start(out, pages_now, outputs.Reuse(self.environment, self._reuse_last.runs), check)

    def _check_content(self, site: Site, articles: list[Article]) -> None:
        """The warnings of the content checks, after the reload. (Their one
        error, a page at a generated page's URL, on_files has reported.)"""
        problems = Problems()
        try:
            check_content(self.project, articles, site, problems)
        except BuildFailed as exc:
            for line in exc.report().splitlines():
                log.error(line)
        for warning in problems.sorted_warnings():
            log.warning(str(warning))

class _PagesOnce(Files):
    """MkDocs' Files, listing the documentation pages once per inclusion
    test instead of on each call. A serve rebuild asks four times after
    on_files (the navigation, reading, writing, our on_env), each a walk
    of 17,340 files at bench scale L calling two methods on each: ~11 ms a
    walk, 57 ms of every save (py-spy of twenty YAML saves, 286 of 4,805
    samples). Which files are pages follows from their src_uri and
    inclusion; MkDocs sets the inclusion of files a plugin added without
    one right after on_files (set_exclusions), before the first call, and
    nothing sets it later (no other plugin runs here). Adding or removing
    a file forgets the lists; each call gets a list of its own."""

    def __init__(self, files: Iterable[File]) -> None:
        super().__init__(files)
        self._pages: dict[object, Sequence[File]] = {}

    def documentation_pages(self, *, inclusion: Callable[[InclusionLevel], bool] = InclusionLevel.is_included) -> Sequence[File]:
        found = self._pages.get(inclusion)
        if found is None:
            found = self._pages[inclusion] = super().documentation_pages(inclusion=inclusion)
        return list(found)

    def append(self, file: File) -> None:
        self._pages.clear()
        super().append(file)

    def remove(self, file: File) -> None:
        self._pages.clear()
        super().remove(file)


# Page kinds whose sitemap date (sitemap.lastmod) is made only of what their
# fingerprint holds: their record, a building's activities, the bulletins
# (incremental.LISTING_INPUTS), every activity for a month page, the lectures.
_DATED_BY_RECORD = frozenset({"bulletin", "activity", "building", "bulletins", "column", "bulletins_year", "activities_month", "lectures"})


def _settled(server: LiveReloadServer) -> None:
    """Until the rebuild under way (if any) is done: the wait MkDocs' server
    makes before it serves a file."""
    cond = getattr(server, "_epoch_cond", None)
    if cond is None:
        return
    with cond:
        cond.wait_for(lambda: server._visible_epoch == server._wanted_epoch)


def _render_blank(page: Page, config: MkDocsConfig, files: Files) -> None:
    """Page.render for a generated page, whose Markdown is always blank:
    what Page.render leaves on a page for blank Markdown (Python-Markdown's
    convert() returns '' for blank text at once), without building the
    Markdown instance and its extensions first. That took 0.35 ms a page,
    4.2 s for the ~12,000 generated pages at district scale (py-spy:
    Markdown.__init__ 6.0 s of _populate_page's 18.9 s for 17,340 pages)."""
    page.content = ""
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = set()
    if _PAGES_LOG.getEffectiveLevel() > logging.DEBUG:
        page.links_to_anchors = {}


_PAGES_LOG = logging.getLogger("mkdocs.structure.pages")

# Python-Markdown's own extensions keep what they learn of a document in
# state that Markdown.reset() clears: the documented way to convert many
# documents with one instance. Another extension may not; with one, every
# page gets a new instance, as MkDocs makes it.
_RESETTABLE = frozenset({
    "abbr", "admonition", "attr_list", "codehilite", "def_list", "fenced_code", "footnotes", "legacy_attrs",
    "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks",
})


class _OneMarkdown:
    """Page.render for editors' pages with one Markdown instance for the
    build, reset between pages, where MkDocs makes one per page: making it
    (the extensions, the parser's processors) took 0.23 of a bulletin's
    1.25 ms (bench scale L, 600 bulletins converted both ways in one process:
    the same HTML and tables of contents), ~1.2 s of the main process for
    L's 5,000. What Page.render does besides is repeated as in MkDocs 1.6.1
    (pinned): its four per-page processors are registered on the instance
    again each time, replacing the last page's."""

    def __init__(self, config: MkDocsConfig) -> None:
        self.config = config
        self.md = self._markdown(config)

    @staticmethod
    def _markdown(config: MkDocsConfig) -> markdown.Markdown:
        md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"] or {})
        quick_inline(md)
        quick_blocks(md)
        return md

    @classmethod
    def for_config(cls, config: MkDocsConfig) -> _OneMarkdown | None:
        names = config["markdown_extensions"]
        if not all(isinstance(n, str) and n.removeprefix("markdown.extensions.") in _RESETTABLE for n in names):
            return None
        return cls(config)

    def render(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        from mkdocs.structure.pages import (
            _ExtractAnchorsTreeprocessor,
            _ExtractTitleTreeprocessor,
            _RawHTMLPreprocessor,
            _RelativePathTreeprocessor,
        )

        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md = self.md.reset()
        raw_html_ext = _RawHTMLPreprocessor()
        raw_html_ext._register(md)
        extract_anchors_ext = _ExtractAnchorsTreeprocessor(page.file, files, config)
        extract_anchors_ext._register(md)
        relative_path_ext = _RelativePathTreeprocessor(page.file, files, config)
        relative_path_ext._register(md)
        extract_title_ext = _ExtractTitleTreeprocessor()
        extract_title_ext._register(md)
        try:
            page.content = md.convert(page.markdown)
        except RecursionError:
            # Python-Markdown recurses per level: a list nested some 300
            # deep (a paste gone wrong) ended the build in a traceback.
            # A fresh instance for the next page (serve): this one stopped half way.
            self.md = self._markdown(config)
            raise PluginError(f"\n{page.file.src_path}: 正文的列表或引用嵌套太深（几百层），无法排版 — 请检查缩进，减少嵌套层数") from None
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = extract_title_ext.title
        page.present_anchor_ids = extract_anchors_ext.present_anchor_ids | raw_html_ext.present_anchor_ids
        if _PAGES_LOG.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative_path_ext.links_to_anchors


def _theme_safe_heading_ids(config: MkDocsConfig) -> None:
    """Heading ids the sanitiser keeps, whatever slugify mkdocs.yml names."""
    for name in config.markdown_extensions:
        if name in ("toc", "markdown.extensions.toc"):
            toc = config.mdx_configs.setdefault(name, {})
            toc["slugify"] = theme_safe_slugify(toc.get("slugify") or toc_slugify)


class _PageWarnings(logging.Handler):
    """What MkDocs and the plugin warn of while a page is read or rendered
    (MkDocs sets config._current_page meanwhile), by page: a page taken
    from the build cache warns the same again."""

    def __init__(self, config: MkDocsConfig) -> None:
        super().__init__(logging.WARNING)
        self.config = config
        self.by_page: dict[str, list[tuple[str, int, str]]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        page = getattr(self.config, "_current_page", None)
        if page is not None:
            self.by_page.setdefault(page.file.src_uri, []).append((record.name, record.levelno, record.getMessage()))


# Markdown extensions that read other files into a page: a page's key knows
# only its own bytes.
_READS_OTHER_FILES = ("pymdownx.snippets", "markdown_include", "mdx_include")


def _environment(config: MkDocsConfig) -> str:
    """incremental.environment_key of this configuration: mkdocs.yml, the
    site's URL, the theme folders."""
    config_bytes = Path(config.config_file_path).read_bytes() if config.config_file_path else b""
    return environment_key(config_bytes, config.site_url or "", [Path(d) for d in config.theme.dirs])


def _blind_spot(config: MkDocsConfig) -> str:
    """What in the configuration could change a page beyond what its key
    covers: another MkDocs plugin (it may read anything: git history,
    other files) or an extension that includes files. Such a site's pages
    are never taken from the build cache."""
    others = [name for name in config.plugins if name != "gongshi"]
    includes = [name for name in config.markdown_extensions if isinstance(name, str) and name.startswith(_READS_OTHER_FILES)]
    return "、".join(others + includes)


def _untitled_nav(nav: Iterable[object]) -> set[str]:
    """Pages listed in mkdocs.yml's nav without a title of their own."""
    found: set[str] = set()
    for item in nav:
        if isinstance(item, str):
            found.add(item)
        elif isinstance(item, dict):
            for value in item.values():
                if isinstance(value, list):
                    found |= _untitled_nav(value)
    return found


def _NO_COPY(dirty: bool = False) -> None:
    """File.copy_file of an image GongshiPlugin._publish_images wrote."""


def _UNCHANGED() -> bool:
    return False


def _CHANGED() -> bool:
    return True


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

