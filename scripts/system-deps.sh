#!/usr/bin/env bash
# Debian packages Gongshi needs outside Python:
#   python3-venv            to create .venv on a bare Debian/Ubuntu
#   fonts-noto-cjk          Chinese glyphs in the door-notice PDFs
#   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
#                           WeasyPrint's text stack (without harfbuzz-subset
#                           font subsetting is ~30x slower)
#   chromium                headless browser tests and screenshots
#   zbar-tools poppler-utils  tests: decode QR codes, read PDF pages
#   nginx                   tests: serve a built site with the guide's nginx example
# As root with apt it installs what is missing; otherwise it prints the command.
set -euo pipefail
want="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
if [ "${1:-}" = "--test" ]; then
  want="$want chromium zbar-tools poppler-utils nginx"
fi
command -v dpkg-query >/dev/null 2>&1 || { echo "system-deps: not a Debian system; install the equivalents of: $want" >&2; exit 0; }
missing=""
for pkg in $want; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
# python3 -m venv needs ensurepip, packaged separately on Debian.
python3 -c "import ensurepip" 2>/dev/null || missing="$missing python3-venv"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "system-deps: missing Debian packages:$missing" >&2
  echo "system-deps: run: sudo apt-get update && sudo apt-get install -y$missing" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
