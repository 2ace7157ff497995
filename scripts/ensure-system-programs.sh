#!/usr/bin/env bash
# Make sure the system programs the tests need (Chromium, Redis, valgrind) are on PATH; `make test` runs this first.
# Missing ones are installed with apt-get when running as root, or through `sudo -n` when that
# works without a password; otherwise this stops at once with one line naming the command to run.
set -uo pipefail

# One line per program: the name looked up on PATH, then the Debian package that provides it.
REQUIRED=(
    "chromium chromium"
    "redis-server redis-server"
    "valgrind valgrind"
)

missing=()
for entry in "${REQUIRED[@]}"; do
    read -r program package <<<"$entry"
    command -v "$program" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

wanted="${missing[*]}"
if [ "$(id -u)" = 0 ]; then
    as_root=()
    command_to_run="apt-get install -y ${wanted}"
else
    as_root=(sudo -n)
    command_to_run="sudo apt-get install -y ${wanted}"
fi
give_up() {
    echo "make test needs ${wanted}: run '${command_to_run}', then 'make test' again." >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || give_up
if [ "${#as_root[@]}" -gt 0 ]; then
    # Never a password prompt: sudo either works unattended or the user is told what to run.
    command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1 || give_up
fi

apt_get() {
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"
}

echo "Installing ${wanted} with apt-get (needed by the tests)…" >&2
# The package lists of a fresh machine may be missing or stale: refresh them only when needed.
if ! apt_get install -y -qq "${missing[@]}" >/dev/null; then
    apt_get update -qq >/dev/null || give_up
    apt_get install -y -qq "${missing[@]}" >/dev/null || give_up
fi
for entry in "${REQUIRED[@]}"; do
    read -r program package <<<"$entry"
    command -v "$program" >/dev/null 2>&1 || give_up
done
