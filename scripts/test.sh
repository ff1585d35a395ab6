#!/usr/bin/env bash
# Set up (see setup.sh), then run the whole test suite.  Nothing may be skipped:
# a missing optional backend (CHOLMOD) is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec "${PYTHON:-python3}" -m pytest -q "$@"
