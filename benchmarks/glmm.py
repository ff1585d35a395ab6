"""GLMM speed targets of issue 5: CrossedGLM against lme4's glmer, side by side.

Cases (formula as lme4 writes it; ours uses the same formula):

* ``grouseticks``  Poisson, BROOD x LOCATION crossed (403 rows, 118 x 63 levels)
* ``cbpp``         binomial (56 rows, 15 herds), Laplace and ``cbpp_agq10`` nAGQ = 10
* ``verbagg_like`` binary, 316 subjects x 24 items fully crossed (7,584 rows), simulated
  with a fixed seed to the design of lme4's VerbAgg (:func:`verbagg_like`)

Each fit is repeated: ours in this process (formula to results), glmer inside R with
lme4's default control (``glmer()`` alone, data already loaded).  The table gives the
median and the minimum wall time, the CPU time of the median run, the ratio, -2 logLik
of both and the largest fixed-effect difference, then the machine's load average (the
timings of a shared machine move with it).  Targets: grouseticks <= 0.3 s;
verbagg_like <= 1 s and at least 10x faster than glmer.

    python benchmarks/glmm.py                  # all cases, 5 repeats, with glmer if R has lme4
    python benchmarks/glmm.py verbagg_like --repeats 3 --no-r
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

GLMER = r"""
args <- commandArgs(trailingOnly = TRUE)
invisible(Sys.setlocale("LC_COLLATE", "C"))
suppressPackageStartupMessages(library(lme4))
factors <- strsplit(args[3], ",")[[1]]
d <- read.csv(args[1], colClasses = setNames(rep("character", length(factors)), factors))
for (f in factors) d[[f]] <- factor(d[[f]], levels = sort(unique(d[[f]])))
fam <- get(args[4])(); nagq <- as.integer(args[5]); repeats <- as.integer(args[6])
wall <- cpu <- numeric(0)
for (i in seq_len(repeats)) {
  gc(verbose = FALSE); t0 <- proc.time()
  m <- suppressWarnings(glmer(as.formula(args[2]), data = d, family = fam, nAGQ = nagq))
  dt <- proc.time() - t0
  wall <- c(wall, dt[["elapsed"]]); cpu <- c(cpu, dt[["user.self"]] + dt[["sys.self"]])
}
num <- function(x) paste0("[", paste(sprintf("%.17g", x), collapse = ","), "]")
cat(sprintf(paste0('{"wall": %s, "cpu": %s, "objective": %.17g, "fixef": %s, ',
                   '"names": [%s], "lme4": "%s"}\n'),
            num(wall), num(cpu), -2 * as.numeric(logLik(m)), num(unname(fixef(m))),
            paste0('"', names(fixef(m)), '"', collapse = ","),
            as.character(packageVersion("lme4"))))
"""


def verbagg_like(seed=20240501):
    """VerbAgg's design: 316 subjects x 24 items, every pair once (7,584 binary responses).

    Subject covariates Anger (11-39) and Gender (77% F); item factors btype (curse,
    scold, shout), situ (other, self), mode (want, do); effects near lme4's VerbAgg
    fit, subject SD 1.34 and item SD 0.49 on the logit scale.
    """
    rng = np.random.default_rng(seed)
    n_id, n_item = 316, 24
    anger = rng.integers(11, 40, n_id).astype(float)
    gender = rng.choice(["F", "M"], n_id, p=[0.77, 0.23])
    btype = np.tile(["curse", "scold", "shout"], 8)
    situ = np.repeat(["other", "self"], 12)
    mode = np.tile(np.repeat(["want", "do"], 3), 4)
    ii, jj = (a.ravel() for a in np.meshgrid(np.arange(n_id), np.arange(n_item),
                                             indexing="ij"))
    shift = {"curse": 0.0, "scold": -1.05, "shout": -2.1}
    eta = (0.2 + 0.057 * (anger[ii] - 20) + 0.32 * (gender[ii] == "M")
           + np.array([shift[b] for b in btype[jj]]) - 1.05 * (situ[jj] == "self")
           - 0.7 * (mode[jj] == "do")
           + rng.normal(0, 1.34, n_id)[ii] + rng.normal(0, 0.49, n_item)[jj])
    return pd.DataFrame({"r2": rng.binomial(1, 1 / (1 + np.exp(-eta))), "Anger": anger[ii],
                         "Gender": gender[ii], "btype": btype[jj], "situ": situ[jj],
                         "mode": mode[jj], "id": [f"S{i:03d}" for i in ii],
                         "item": [f"I{j:02d}" for j in jj]})


def cases():
    """name -> (formula, data loader, family name, nAGQ, factor columns)."""
    from statsmodels_crossed import datasets

    cbpp = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    return {
        "grouseticks": ("TICKS ~ YEAR + sHEIGHT + (1 | BROOD) + (1 | LOCATION)",
                        lambda: datasets.load("grouseticks"), "poisson", 1,
                        ["YEAR", "BROOD", "LOCATION"]),
        "cbpp": (cbpp, lambda: datasets.load("cbpp"), "binomial", 1, ["herd", "period"]),
        "cbpp_agq10": (cbpp, lambda: datasets.load("cbpp"), "binomial", 10, ["herd", "period"]),
        "verbagg_like": ("r2 ~ Anger + Gender + btype + situ + mode + (1 | id) + (1 | item)",
                         verbagg_like, "binomial", 1,
                         ["Gender", "btype", "situ", "mode", "id", "item"]),
    }


def time_ours(formula, data, family, nagq, repeats):
    import statsmodels.api as sm

    import statsmodels_crossed.api as smc

    fam = {"poisson": sm.families.Poisson, "binomial": sm.families.Binomial}[family]
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        res = smc.glmer(formula, data, family=fam()).fit(nagq=nagq)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    objective = -2 * res.llf - (res.saturated_constant if nagq > 1 else 0.0)
    names = [re.sub(r"(?<!\()Intercept", "(Intercept)", re.sub(r"\[T\.([^\]]*)\]", r"\1", n))
             for n in res.params.index]          # patsy names -> lme4's
    return {"wall": wall, "cpu": cpu, "objective": objective,
            "fixef": dict(zip(names, np.asarray(res.params).tolist()))}


def time_glmer(formula, data, family, nagq, factors, repeats):
    with tempfile.TemporaryDirectory(prefix="bench_glmer_") as tmp:
        csv, script = Path(tmp, "data.csv"), Path(tmp, "glmer.R")
        data.to_csv(csv, index=False)
        script.write_text(GLMER)
        proc = subprocess.run(["Rscript", str(script), str(csv), formula, ",".join(factors),
                               family, str(nagq), str(repeats)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed: {proc.stderr.strip()[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def r_available():
    if shutil.which("Rscript") is None:
        return False
    return subprocess.run(["Rscript", "-e", "suppressMessages(library(lme4))"],
                          capture_output=True).returncode == 0


def max_abs_diff(ours, theirs):
    """Largest |beta_ours - beta_glmer| over the fixed effects, matched by lme4 name."""
    return max(abs(ours[n] - b) for n, b in zip(theirs["names"], theirs["fixef"]))


def row(name, data, ours, theirs):
    med = int(np.argsort(ours["wall"])[len(ours["wall"]) // 2])
    out = {"case": name, "rows": len(data),
           "ours s (median/min)": f"{np.median(ours['wall']):.3f} / {min(ours['wall']):.3f}",
           "ours CPU s": f"{ours['cpu'][med]:.3f}", "-2 logLik ours": f"{ours['objective']:.6f}"}
    if theirs is not None:
        tmed = int(np.argsort(theirs["wall"])[len(theirs["wall"]) // 2])
        out.update({"glmer s (median/min)": f"{np.median(theirs['wall']):.3f} / "
                                            f"{min(theirs['wall']):.3f}",
                    "glmer CPU s": f"{theirs['cpu'][tmed]:.3f}",
                    "glmer / ours": f"{np.median(theirs['wall']) / np.median(ours['wall']):.1f}x",
                    "-2 logLik glmer": f"{theirs['objective']:.6f}",
                    "max abs dbeta": f"{max_abs_diff(ours['fixef'], theirs):.1e}"})
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help="default: all")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-r", action="store_true", help="skip glmer")
    args = parser.parse_args(argv)
    table = cases()
    names = args.cases or list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {list(table)}")
    with_r = not args.no_r and r_available()
    if not args.no_r and not with_r:
        print("glmer rows skipped: Rscript with lme4 not found", file=sys.stderr)
    rows, load_before = [], os.getloadavg()
    for name in names:
        formula, load, family, nagq, factors = table[name]
        data = load()
        ours = time_ours(formula, data, family, nagq, args.repeats)
        theirs = (time_glmer(formula, data, family, nagq, factors, args.repeats)
                  if with_r else None)
        rows.append(row(name, data, ours, theirs))
        print(f"{name}: done", file=sys.stderr)
    print(markdown(rows))
    print(f"\nload average (1, 5, 15 min) before: {_load(load_before)}; after: "
          f"{_load(os.getloadavg())} ({os.cpu_count()} CPUs)")


def _load(avg):
    return ", ".join(f"{a:.2f}" for a in avg)


def markdown(rows):
    """A markdown table of dicts (columns: union of keys, first-seen order)."""
    cols = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
