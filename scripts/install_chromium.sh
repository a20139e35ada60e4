#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/integration/ui), installed when missing (as root, with
# apt-get, as bootstrap.sh does for Maven). No browser is ever downloaded from elsewhere: Playwright drives
# /usr/bin/chromium.
set -euo pipefail

say() { printf 'install_chromium: %s\n' "$*" >&2; }

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium and chromium-driver (needed once for the browser tests)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
    say "/usr/bin/chromium is missing: install it (apt-get install chromium chromium-driver) for the browser tests."
fi
