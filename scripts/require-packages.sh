#!/usr/bin/env bash
# Makes sure the Debian packages Empower builds against and tests with (PostgreSQL) are installed.
# As root it installs what is missing with apt-get; otherwise it says exactly what to run.
set -euo pipefail

needed=("$@")
[ ${#needed[@]} -gt 0 ] || needed=(libsqlite3-dev libcurl4-openssl-dev)

if ! command -v swift >/dev/null 2>&1; then
    echo "Swift is missing: install the Swift 6 toolchain (swift.org) and put 'swift' on PATH." >&2
    exit 1
fi

missing=()
for package in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing missing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
else
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
