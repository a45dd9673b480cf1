#!/usr/bin/env bash
# Run the whole test suite (slow tests included) against the real ngspice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
