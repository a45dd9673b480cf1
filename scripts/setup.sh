#!/usr/bin/env bash
# Install what spicelearn needs on Debian/Ubuntu (as root): ngspice and its shared
# library from apt, a virtualenv in .venv, the package with its test extras.
# Quick when already installed: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v ngspice >/dev/null 2>&1 || ! ldconfig -p | grep -q 'libngspice\.so\b'; then
    echo "spicelearn setup: installing ngspice and libngspice0-dev with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq ngspice libngspice0-dev >/dev/null
fi

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "spicelearn setup: installing python3 with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
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
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
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
