"""WeasyPrint, imported without the compiler runs of its library search."""

from __future__ import annotations

import contextlib
import io
import sys


def load() -> None:
    """Import WeasyPrint, if this process has not yet.

    WeasyPrint opens each C library it needs by trying a list of names
    (weasyprint/text/ffi.py: 'libgobject-2.0-0', 'gobject-2.0-0',
    'gobject-2.0', 'libgobject-2.0.so.0', …), and cffi hands every name it
    cannot open to ``ctypes.util.find_library``, which on Linux runs
    ldconfig and then gcc and ld (gcc, collect2 and a dozen ld, for each
    name not in ldconfig's cache). Importing WeasyPrint took ~0.6 s, 0.26 s
    of it in those lookups (``python -X importtime``), in every process that
    lays out door notices. Here, during the import, ``find_library`` looks in
    ldconfig's cache only, as its first step always did: the names
    WeasyPrint lists for Linux are found there or opened directly.

    Should that leave a library WeasyPrint needs unfound (a system where
    only the linker knows it), the import is done again with the standard
    lookup, so nothing that imported before fails now.
    """
    if "weasyprint" in sys.modules:
        return
    import ctypes.util

    cache_only = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or cache_only is None:
        import weasyprint  # noqa: F401
        return
    standard = ctypes.util.find_library
    ctypes.util.find_library = cache_only
    try:
        # A library not found: WeasyPrint prints its installation help
        # before it raises; the second import prints it if it fails too.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401
        return
    except OSError:
        pass
    finally:
        ctypes.util.find_library = standard
    for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
        del sys.modules[name]
    import weasyprint  # noqa: F401, F811
