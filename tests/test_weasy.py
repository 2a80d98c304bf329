"""Importing WeasyPrint through generator.weasy.load: the same libraries as
WeasyPrint's own import, without running a compiler, and its own import
again when the quick one leaves a library unfound. Each case runs in a new
interpreter: the import happens once per process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick lookup is Linux's")

LIBRARIES = ("gobject", "pango", "harfbuzz", "harfbuzz_subset", "harfbuzz_vector", "fontconfig", "pangoft2")

# Prints, as JSON: which of WeasyPrint's libraries were opened, the programs
# started during the import, and whether find_library is itself again.
PROBE = """
import ctypes.util, json, subprocess, sys
sys.path.insert(0, sys.argv[1])
started = []
real_popen_init = subprocess.Popen.__init__
def recording(self, args, *a, **k):
    started.append(args if isinstance(args, str) else " ".join(map(str, args)))
    real_popen_init(self, args, *a, **k)
subprocess.Popen.__init__ = recording
standard = ctypes.util.find_library
{setup}
if sys.argv[2] == "load":
    from generator.weasy import load
    load()
else:
    import weasyprint
from weasyprint.text import ffi
print(json.dumps({{
    "libraries": {{name: getattr(ffi, name) is not None for name in {libraries!r}}},
    "started": started,
    "restored": ctypes.util.find_library is standard,
}}))
"""


def probe(how: str, setup: str = "") -> dict:
    code = PROBE.format(setup=setup, libraries=LIBRARIES)
    done = subprocess.run([sys.executable, "-c", code, str(REPO), how], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]) | {"stdout": done.stdout}


def test_load_opens_the_libraries_weasyprint_opens_without_a_compiler() -> None:
    own, quick = probe("import"), probe("load")
    assert quick["libraries"] == own["libraries"]
    assert quick["libraries"]["pango"] and quick["libraries"]["harfbuzz_subset"]
    assert quick["restored"]
    # WeasyPrint's own import runs gcc for names ldconfig does not know
    # (where there is one: ctypes.util looks for gcc, then cc).
    if shutil.which("gcc") or shutil.which("cc"):
        assert any("gcc" in cmd or "cc" in cmd.split()[0] for cmd in own["started"]), own["started"]
    assert not any("gcc" in cmd or cmd.split()[0].endswith("ld") for cmd in quick["started"]), quick["started"]


def test_a_library_the_quick_lookup_misses_is_looked_up_again_as_weasyprint_does() -> None:
    # The first import of weasyprint.text.ffi fails as a missing library
    # does (OSError); load imports WeasyPrint again, with the standard
    # lookup, and WeasyPrint's installation help is not printed for the
    # failed first try.
    setup = """
import importlib.abc
class FailOnce(importlib.abc.MetaPathFinder):
    tried = False
    def find_spec(self, name, path, target=None):
        if name == "weasyprint.text.ffi" and not FailOnce.tried:
            FailOnce.tried = True
            print("WeasyPrint could not import some external libraries")
            raise OSError("cannot load library 'libpango-1.0-0'")
        return None
sys.meta_path.insert(0, FailOnce())
"""
    found = probe("load", setup)
    assert all(found["libraries"][name] for name in ("gobject", "pango", "harfbuzz", "fontconfig", "pangoft2"))
    assert found["restored"]
    assert "could not import" not in found["stdout"]
