"""Where the door notices' time goes: one chunk of doors laid out in this
process, stage by stage (CPU seconds), optionally under pyinstrument.

    cd CORPUS && /work/main/.venv/bin/python /work/main/bench/profile_notices.py [--doors N] [--pyinstrument]

SHOWALL=1 with --pyinstrument shows the frames of WeasyPrint and the other libraries too.

CORPUS is a project written by ``bench.corpus.write_gongshi`` (M or L).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import notices, pdffonts  # noqa: E402
from generator.cli import project_of  # noqa: E402
from generator.outputs import Output  # noqa: E402
from generator.pipeline import load_site  # noqa: E402


class Stages:
    """CPU seconds per stage, by wrapping the module functions each stage calls."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}

    def wrap(self, owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> object:
            t0 = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self.cpu[label] = self.cpu.get(label, 0.0) + time.process_time() - t0

        setattr(owner, name, timed)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--doors", type=int, default=notices.CHUNK)
    ap.add_argument("--today", default="2026-11-29")
    ap.add_argument("--pyinstrument", action="store_true")
    ap.add_argument("--stock-ua", action="store_true", help="WeasyPrint's whole user-agent stylesheet (before the trim)")
    ap.add_argument("--theme", type=Path, help="another theme folder (e.g. `git archive REV theme` unpacked), for a before")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.stock_ua:
        import weasyprint

        notices._notice_html = lambda: weasyprint.HTML  # type: ignore[assignment]
    project = project_of("mkdocs.yml")
    site, _problems = load_site(project, date.fromisoformat(args.today))
    first, last = notices.notice_window(site)
    out = Output(site, project, Path(tempfile.mkdtemp()), (args.theme or project.root / "theme").resolve())
    doors = notices.targets(site)[: args.doors]
    renderer = notices._Renderer(notices.NoticeMaker(site, first, last), out.env, out.out_dir.as_uri() + "/", True)
    renderer.render(doors[:2])  # warm-up: imports, fonts, templates

    st = Stages()
    import weasyprint
    import weasyprint.document

    notices.qr_code.cache_clear()  # the warm-up made two
    st.wrap(notices, "qr_code", "qr codes (segno, svg, png)")
    st.wrap(notices, "render_batch", "html for print (jinja)")
    st.wrap(notices, "render_page", "html pages (jinja)")
    st.wrap(weasyprint.HTML, "__init__", "weasyprint html parse (tinyhtml5)")
    if hasattr(notices, "_parse_batch"):
        st.wrap(notices, "_parse_batch", "batch parse (expat)")
    st.wrap(weasyprint.HTML, "render", "weasyprint render (style+layout)")
    st.wrap(weasyprint.document.Document, "write_pdf", "weasyprint write_pdf")
    st.wrap(pdffonts, "_one_pass_subset", "  of which faces cut (pdffonts)")
    st.wrap(pdffonts, "compact_split", "compact_split (pdffonts)")
    st.wrap(pdffonts, "_hb_subset", "  of which hb_subset")
    st.wrap(notices, "_overflowing", "overflow check")
    renderer.maker._items.clear()
    profiler = None
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    t0, w0 = time.process_time(), time.perf_counter()
    _pages, combined, singles, _missing, refits = renderer.render(doors)
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    if profiler is not None:
        profiler.stop()
    n = len(doors)
    print(f"{n} doors: {cpu:.2f} s CPU ({1000 * cpu / n:.1f} ms/door), wall {wall:.2f} s, refits {refits}")
    print(f"  combined PDF {len(combined) / 1024:.0f} KB, singles mean {sum(map(len, singles)) / n / 1024:.1f} KB")
    for label, sec in st.cpu.items():
        print(f"  {label:36s} {sec:6.2f} s  {1000 * sec / n:6.1f} ms/door")
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False, show_all=os.environ.get("SHOWALL") == "1"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
