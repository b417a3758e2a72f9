#!/usr/bin/env bash
# scripts/setup.sh - make this machine ready to build, test and boot pynix.
#
# Idempotent, and quick when everything is already there (a few dpkg
# queries and one stat). It:
#   1. installs the Debian packages pynix needs, only if one is missing:
#        busybox-static    the guest userland (sh, ls, ...) and the host's
#                          reference shell for the comparison tests
#        musl-tools        musl-gcc, to build userland/ as static programs
#        qemu-user-static  qemu-x86_64-static, the benchmarks' yardstick
#        e2fsprogs         mke2fs / e2fsck, to make and check ext2 images
#        tmux              to drive `pynix boot` like a terminal in tests
#        gcc, python3, python3-venv   what musl-gcc and the venv stand on
#      As root that is apt-get update + apt-get install. Not as root, it
#      unpacks busybox-static into build/host/busybox-static with
#      apt-get download + dpkg -x and says what else is missing.
#   2. creates .venv (python3 -m venv) and runs pip install -e '.[test]'
#      when .venv is missing, when pyproject.toml is newer than the stamp
#      .venv/.pynix-installed, or when .venv/bin/pynix is gone.
#   3. byte-compiles pynix (and, after an install, the venv's packages).
#
# Used by ./boot.sh and ./test.sh; safe to run by hand at any time.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

# One setup at a time (./test.sh and ./boot.sh may start together).
mkdir -p build
if command -v flock >/dev/null 2>&1; then
    exec 9>build/.setup.lock
    flock 9
fi

# package -> a file it provides that we can test for cheaply
declare -A PROVIDES=(
    [busybox-static]=/bin/busybox
    [musl-tools]=/usr/bin/musl-gcc
    [qemu-user-static]=/usr/bin/qemu-x86_64-static
    [e2fsprogs]=/sbin/mke2fs
    [tmux]=/usr/bin/tmux
    [gcc]=/usr/bin/gcc
)

installed() { # package name
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for pkg in busybox-static musl-tools qemu-user-static e2fsprogs tmux gcc; do
    # busybox-static must really be the package: a dynamic /bin/busybox will not do.
    if installed "$pkg"; then continue; fi
    if [ "$pkg" != busybox-static ] && [ -x "${PROVIDES[$pkg]}" ]; then continue; fi
    missing+=("$pkg")
done
if ! command -v python3 >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
elif [ ! -d .venv ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    missing+=(python3-venv)
fi

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        say "not root: cannot apt-get install ${missing[*]}"
        if [[ " ${missing[*]} " == *" busybox-static "* ]]; then
            dest=build/host/busybox-static
            if [ ! -x "$dest/bin/busybox" ]; then
                say "unpacking busybox-static into $dest (apt-get download + dpkg -x)"
                tmp=$(mktemp -d)
                (cd "$tmp" && apt-get download busybox-static >/dev/null)
                mkdir -p "$dest"
                dpkg -x "$tmp"/busybox-static_*.deb "$tmp/root"
                mkdir -p "$dest/bin"
                cp "$tmp/root/bin/busybox" "$dest/bin/busybox" 2>/dev/null ||
                    cp "$tmp/root/usr/bin/busybox" "$dest/bin/busybox"
                rm -rf "$tmp"
            fi
            say "using $PWD/$dest/bin/busybox"
        fi
        rest=()
        for pkg in "${missing[@]}"; do [ "$pkg" = busybox-static ] || rest+=("$pkg"); done
        if [ ${#rest[@]} -gt 0 ]; then
            say "still missing, ask root for: apt-get install ${rest[*]}"
        fi
    fi
fi

# The Python side: .venv with pynix installed in editable mode.
stamp=.venv/.pynix-installed
if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    python3 -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ ! -x .venv/bin/pynix ]; then
    say "pip install -e '.[test]'"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
    # .pyc files for the installed packages (see below)
    .venv/bin/python -m compileall -q -j 0 .venv/lib/python3*/site-packages >/dev/null || true
    touch "$stamp"
fi

# Byte-compile pynix. Python reads .pyc files even where PYTHONDONTWRITEBYTECODE=1
# stops it from writing them; without them every `pynix` start re-parses its
# modules (measured: `pynix run -- /bin/true` 0.73-1.04 s -> 0.41-0.62 s).
# Quick when nothing changed: only mtimes are compared.
.venv/bin/python -m compileall -q pynix >/dev/null || true

