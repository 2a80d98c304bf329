#!/usr/bin/env python3
"""Gongshi's command line: python build.py build|serve|check|notices|digest|new …"""

import sys

from generator.cli import main

if __name__ == "__main__":
    sys.exit(main())
