#!/usr/bin/env bash
# Install everything statsmodels-crossed needs on a fresh Debian 12 machine
# (as root: system packages with apt-get), then the package itself, editable,
# with its test and CHOLMOD extras.  Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# System libraries: SuiteSparse (CHOLMOD) headers, and OpenBLAS so that CHOLMOD
# does not run on the reference BLAS (10x slower).
need=()
for pkg in libsuitesparse-dev libopenblas0-pthread build-essential; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing system packages ${need[*]}: run as root or install them" >&2
    exit 1
  fi
  echo "setup: installing system packages ${need[*]} (apt-get, about a minute)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# Build tools first: the package itself is built without isolation against them.
echo "setup: Python build tools and dependencies (pip)" >&2
$PY -m pip install -q --disable-pip-version-check "setuptools>=64" wheel "Cython>=3" "numpy>=1.25" "scipy>=1.11"
# scikit-sparse: 0.4.x builds against Debian 12's SuiteSparse 5.12 (0.5 needs >= 7.4).
if ! $PY -c "import sksparse.cholmod" 2>/dev/null; then
  echo "setup: building scikit-sparse 0.4.16 against SuiteSparse (CHOLMOD)" >&2
  $PY -m pip install -q --disable-pip-version-check "scikit-sparse==0.4.16"
fi
echo "setup: building statsmodels-crossed (Cython kernels) and installing it editable" >&2
$PY -m pip install -q --disable-pip-version-check --no-build-isolation -e ".[test,cholmod]"
echo "setup: done" >&2
