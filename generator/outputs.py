"""Stage 5, write: the outputs that are not MkDocs pages (feeds, calendars,
notices, exports), written after the pages into the same output folder.

Every file goes through :meth:`Output.write`, which refuses two writers
claiming the same path (as Pelican's writer does) and writes bytes exactly as
given, so output is byte-for-byte reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .model import Site
from .pipeline import Project
from .render import TEMPLATE_FILTERS, template_globals


class OutputClash(Exception):
    pass


@dataclass
class Output:
    site: Site
    project: Project
    out_dir: Path
    theme_dir: Path
    pdf: bool = True  # False in `serve`: PDFs are slow and not needed for a preview
    written: dict[str, str] = field(default_factory=dict)
    _env: Environment | None = None

    def write(self, rel: str, data: bytes | str, who: str) -> Path:
        """Write ``data`` to ``out_dir/rel``; two writers of one path is an error."""
        rel = rel.lstrip("/")
        if rel in self.written:
            raise OutputClash(f"{rel}: 被“{self.written[rel]}”和“{who}”同时写入 — 请检查两者的 id 是否相同")
        self.written[rel] = who
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    @property
    def env(self) -> Environment:
        """A Jinja environment on theme/ for standalone outputs (notices,
        feeds): autoescaping on, undefined names are errors."""
        if self._env is None:
            env = Environment(
                loader=FileSystemLoader(str(self.theme_dir)),
                autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
                undefined=StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                keep_trailing_newline=True,
            )
            env.globals.update(template_globals(self.site))
            env.filters.update(TEMPLATE_FILTERS)
            self._env = env
        return self._env


# Modules that write non-page outputs, in this order. Each defines
# ``write(out: Output) -> None``. A module not present yet is skipped.
WRITER_MODULES = (
    "generator.feeds",  # Atom feeds
    "generator.calendar",  # iCalendar feeds
    "generator.export",  # JSON export
    "generator.digest",  # plain-text digests per building
    "generator.notices",  # door notices (HTML + PDF)
    "generator.search",  # Pagefind index over the finished pages: keep last
)


def writers() -> list[Callable[[Output], None]]:
    import importlib

    found = []
    for name in WRITER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        found.append(module.write)
    return found


def write_all(site: Site, project: Project, out_dir: Path, theme_dir: Path, *, pdf: bool = True) -> Output:
    out = Output(site, project, out_dir, theme_dir, pdf=pdf)
    for writer in writers():
        writer(out)
    return out
