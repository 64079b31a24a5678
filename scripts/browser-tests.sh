#!/usr/bin/env bash
# Runs the browser tests (Tests/Browser): pytest and Playwright driving Debian's headless Chromium against a
# real `empower-cli serve` on a loopback port with the fixtures loaded.
#
# Playwright and pytest are installed, pinned (Tests/Browser/requirements.txt), into .build/browser-venv on
# first use; the browser is Debian's `chromium` package (Playwright's own browser downloads are never used).
# Screenshots are written to .build/browser-screenshots. Arguments go to pytest (e.g. -k public, -x).
#
# Environment: EMPOWER_CLI (default .build/debug/empower-cli; build it with `swift build --product empower-cli`),
# BROWSER_SCREENSHOTS (another directory for the screenshots).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/require-packages.sh" chromium python3-venv
cli="${EMPOWER_CLI:-$root/.build/debug/empower-cli}"
venv="$root/.build/browser-venv"
requirements="$root/Tests/Browser/requirements.txt"

if [ ! -x "$cli" ]; then
    echo "No empower-cli at $cli: run 'swift build --product empower-cli' first." >&2
    exit 1
fi

# The pinned packages, installed again when the pins change.
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
    echo "Installing the browser tests' packages into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi

export EMPOWER_CLI="$cli"
export BROWSER_SCREENSHOTS="${BROWSER_SCREENSHOTS:-$root/.build/browser-screenshots}"
# Playwright must never fetch a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PYTHONDONTWRITEBYTECODE=1
cd "$root/Tests/Browser"
"$venv/bin/python" -m pytest -q "$@"
echo "Screenshots: $BROWSER_SCREENSHOTS"
