#!/usr/bin/env bash
# Build the HTML documentation with warnings as errors:
#
#     bash docs/build.sh            # -> docs/_build/html/index.html
#     bash docs/build.sh -j 2       # extra arguments go to sphinx-build
#
# The package must be installed (pip install -e .).  The docs requirements
# (docs/requirements.txt) are installed into a virtual environment,
# build/docs-venv, made with --system-site-packages so that it sees the package
# and its dependencies but keeps the docs' own pins (Sphinx needs a newer
# docutils than some system tools accept) out of the main environment.  Set
# DOCS_PYTHON to build with an interpreter as it is (for example in a
# dedicated CI environment); the requirements are then installed into it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ -n "${DOCS_PYTHON:-}" ]; then
  DPY=$DOCS_PYTHON
else
  VENV=build/docs-venv
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv --system-site-packages "$VENV"
  fi
  DPY=$VENV/bin/python
fi
"$DPY" -m pip install -q --disable-pip-version-check -r docs/requirements.txt
if ! "$DPY" -c "import statsmodels_crossed" 2>/dev/null; then
  echo "docs/build.sh: statsmodels_crossed is not importable; run 'pip install -e .' first" >&2
  exit 1
fi

export MPLBACKEND=Agg
# Always a full build (-E): autosummary stubs and plots are regenerated from the code.
rm -rf docs/generated
exec "$DPY" -m sphinx -b html -E -W --keep-going -q "$@" docs docs/_build/html
