"""lme4 through ``Rscript``: ``lmer(formula, data, REML = TRUE)`` on a temporary CSV.

Times ``lmer()`` alone (repeated inside R when short) and the whole R process up to
the end of the first fit (startup, ``library(lme4)``, ``read.csv``, first ``lmer``).
Only when ``Rscript`` is on PATH and lme4 loads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).with_name("lme4_fit.R")


def unsupported(case):
    if shutil.which("Rscript") is None:
        return "Rscript not found (R is optional)"
    ok = subprocess.run(["Rscript", "-e", "suppressMessages(library(lme4))"],
                        capture_output=True)
    if ok.returncode != 0:
        return "R package lme4 not installed"
    return None


def factor_columns(case, df):
    cols = [c for t in case.random for c in t.group.split(":")]
    cols += [c for c in df.columns if str(df[c].dtype) == "category"]
    return sorted(set(cols))


def run(case, df, policy):
    """``policy``: {"repeats", "short", "budget"} as in worker.time_fits."""
    factors = factor_columns(case, df)
    cols = [case.response] + [c for c in df.columns if c != case.response]
    with tempfile.TemporaryDirectory(prefix="bench_lme4_") as tmp:
        csv = os.path.join(tmp, "data.csv")
        df[cols].to_csv(csv, index=False)
        proc = subprocess.run(
            ["Rscript", str(SCRIPT), csv, case.formula, ",".join(factors),
             str(policy["repeats"]), str(policy["short"]), str(policy["budget"])],
            capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed: {proc.stderr.strip()[-2000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"times": out["times"], "whole_seconds": out["whole_seconds"],
            "objective": out["objective"],
            "fixef": dict(zip(out["fixef_names"], out["fixef"])),
            "theta": out["theta"], "peak_rss_mb": out["peak_rss_mb"], "version": out["lme4"],
            "info": {k: out[k] for k in ("sigma", "evals", "conv_messages", "load_seconds",
                                         "R", "lme4", "BLAS", "LAPACK")}}
