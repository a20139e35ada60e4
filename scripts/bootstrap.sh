#!/usr/bin/env bash
# Create (or reuse) the virtualenv, kept outside the clone so that torch is downloaded once per machine,
# and install this checkout into it. The OpenSearch jars are fetched later, on the first node start.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="${VINDBAAR_VENV:-$HOME/.cache/vindbaar/venv}"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    say "Python 3.11+ is required (found: $("$python" --version 2>&1 || echo none))."
    exit 1
fi

if ! command -v mvn >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing Maven (needed once to fetch OpenSearch from Maven Central)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven >/dev/null
    else
        say "Maven is missing: install it (apt-get install maven) or set VINDBAAR_OPENSEARCH_URL."
    fi
fi

if [ ! -x "$venv/bin/python" ]; then
    say "creating virtualenv $venv"
    "$python" -m venv "$venv"
fi
say "installing vindbaar into $venv (dependencies come from the pip cache after the first run)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --progress-bar off -e "$root[dev]"
