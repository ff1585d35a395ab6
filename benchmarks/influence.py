"""Speed of the deletion diagnostics on InstEval (issue 6's targets).

    python benchmarks/influence.py [--levels s d dept:service] [--factorization auto]
                                   [--full N]

Fits ``y ~ service + (1 | s) + (1 | d) + (1 | dept:service)`` (73,421 rows) once,
then times, each on fresh results (nothing cached between rows):

* the hat diagonal of every observation (lme4's ``hatvalues()``);
* one-step measures (Cook's D, MDFFITS, COVTRACE, COVRATIO, dfbeta, leverage)
  for every observation: target <= 30 s;
* one-step measures for every level of each grouping factor in ``--levels``
  (deleting all its observations): target for ``s`` <= 10 s;
* with ``--full N``: full refits for the first N levels of ``s`` (for scale).

Prints a table; not a test (timings depend on the machine's load).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import statsmodels_crossed.api as smc
from statsmodels_crossed import datasets

FORMULA = "y ~ service + (1 | s) + (1 | d) + (1 | dept:service)"
TARGETS = {"one-step, every observation": 30.0, "one-step, every level of s": 10.0}


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", nargs="*", default=["s"],
                        help="grouping factors whose levels are deleted (default: s)")
    parser.add_argument("--factorization", default="auto", choices=["auto", "blocked", "cholmod"])
    parser.add_argument("--full", type=int, default=0, metavar="N",
                        help="also time full refits for the first N levels of s")
    args = parser.parse_args(argv)

    df = datasets.load("InstEval")
    model = smc.crossedlm(FORMULA, df)
    fit_s, res = timed(lambda: model.fit(factorization=args.factorization))
    print(f"InstEval: {int(res.nobs)} rows, groups {res.ngroups}; fit {fit_s:.1f} s; "
          f"{res.factorization}")

    def fresh():
        return model.results_at(res.theta, factorization=args.factorization)

    rows = []
    t, h = timed(lambda: fresh().hatvalues())
    rows.append(("hat diagonal, every observation", len(h), t))
    t, infl = timed(lambda: fresh().get_influence())
    rows.append(("one-step, every observation", len(infl.cooks_distance), t))
    for level in args.levels:
        t, infl = timed(lambda: fresh().get_influence(level=level))
        rows.append((f"one-step, every level of {level}", len(infl.cooks_distance), t))
    if args.full:
        levels = list(res.reterms[0].levels[:args.full])
        t, infl = timed(lambda: fresh().get_influence(level="s", method="full",
                                                      subset=levels))
        rows.append((f"full refits, {args.full} levels of s", args.full, t))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'task':<{width}}  {'deletions':>9}  {'seconds':>8}  {'target':>7}  ok")
    for task, count, seconds in rows:
        target = TARGETS.get(task)
        ok = "" if target is None else ("yes" if seconds <= target else "NO")
        tgt = "" if target is None else f"{target:.0f} s"
        print(f"{task:<{width}}  {count:>9}  {seconds:>8.2f}  {tgt:>7}  {ok}")
    return rows


if __name__ == "__main__":
    main()
