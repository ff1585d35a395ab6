#!/usr/bin/env bash
# Set up (see setup.sh), then fit a crossed model on a bundled data set and print its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${PYTHON:-python3}" -m statsmodels_crossed.demo
