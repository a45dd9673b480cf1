#!/usr/bin/env bash
# The main job: train the Iris network of Yakopcic memristors with EqProp in ngspice, write
# its report to runs/iris (pass another config and --out to train something else).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- examples/iris_yakopcic.toml --out runs/iris --force
fi
exec .venv/bin/spicelearn train "$@"
