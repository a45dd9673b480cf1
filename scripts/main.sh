#!/usr/bin/env bash
# The main job: train the Iris memristor network with EqProp in ngspice and write
# its report to runs/iris (pass another config and --out to train something else).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- examples/iris.toml --out runs/iris --force
fi
exec .venv/bin/spicelearn train "$@"
