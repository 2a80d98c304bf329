#!/usr/bin/env python3
"""Gongshi's command line: python build.py build|serve|check|notices|digest|new …"""

import os
import sys

from generator.cli import main

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
