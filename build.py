#!/usr/bin/env python3
"""Gongshi's command line: python build.py build|serve|check|notices|digest|new …"""

import os
import sys
from pathlib import Path

try:
    from generator.cli import main
except ModuleNotFoundError as exc:
    # `python build.py …` with the system's Python, as editors type it from
    # the guide, after `make site` installed everything into .venv/: run
    # again with the project's own interpreter instead of a traceback.
    here = Path(__file__).resolve().parent
    venv_python = here / ".venv" / "bin" / "python"
    if venv_python.is_file() and Path(sys.prefix).resolve() != (here / ".venv").resolve():
        os.execv(str(venv_python), [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(f"错误：缺少 Python 包 {exc.name} — 请先在项目文件夹运行 make site（它会创建 .venv 并安装所需的包），"
             "再用 .venv/bin/python build.py … 运行")

if __name__ == "__main__":
    code = main()
    # Leave without the interpreter's teardown: after a build at district
    # scale it frees the model and MkDocs' pages object by object and runs
    # one more full collection over them, 1.17 s of a cold build at bench
    # scale L between main() returning and the process ending. Nothing is
    # left to do by then: main() has joined its threads, shut its worker
    # pools down, closed its files and removed its temporary folders; only
    # buffered output remains, flushed here.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
