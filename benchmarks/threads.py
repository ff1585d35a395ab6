"""Fitting many small models in a thread pool: 1 thread against 2 (issue 8).

    python benchmarks/threads.py [--models 48] [--repeats 3] [--sizes small,medium]
                                 [--processes]

The Cython kernels release the GIL (and so do LAPACK and most of numpy), so
independent fits can overlap on several cores.  The optimizer's loop and the
bookkeeping between kernel calls hold the GIL: the smaller the model, the larger
that share and the smaller the gain.  Each size is a batch of crossed models
(``y ~ x + (1 + x | subj) + (1 | item)``), fitted once to warm up, then
``--repeats`` times per thread count; the table shows the best wall time.

BLAS is limited to one thread per call (threadpoolctl, when installed) so that the
two pool threads, not OpenBLAS's own threads, share the cores.  ``--processes``
adds a row for a pool of 2 processes (no shared GIL; the data are pickled to the
workers).  Prints a table.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import statsmodels_crossed.api as smc  # noqa: E402

#: rows, subjects, items of one model of each size
SIZES = {"small": (300, 20, 15), "medium": (5_000, 120, 80), "large": (40_000, 600, 300)}
FORMULA = "y ~ x + (1 + x | subj) + (1 | item)"


def make_data(n, n_subj, n_item, seed):
    rng = np.random.default_rng(seed)
    subj, item = rng.integers(0, n_subj, n), rng.integers(0, n_item, n)
    x = rng.normal(size=n)
    y = (1 + 0.5 * x + rng.normal(scale=0.8, size=n_subj)[subj]
         + rng.normal(scale=0.3, size=n_subj)[subj] * x
         + rng.normal(scale=0.6, size=n_item)[item] + rng.normal(size=n))
    return pd.DataFrame({"y": y, "x": x, "subj": subj, "item": item})


def fit_one(frame):
    return smc.crossedlm(FORMULA, frame).fit().llf


def _quiet():
    """Process-pool initializer: warnings off, BLAS at one thread as in the parent."""
    warnings.simplefilter("ignore")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1, user_api="blas")


def run(frames, workers, processes=False):
    start = time.perf_counter()
    if workers == 1:
        llfs = [fit_one(f) for f in frames]
    elif processes:
        with ProcessPoolExecutor(max_workers=workers, initializer=_quiet) as pool:
            llfs = list(pool.map(fit_one, frames))
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            llfs = list(pool.map(fit_one, frames))
    return time.perf_counter() - start, llfs


def blas_single_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext(), "BLAS threads: library default (threadpoolctl not installed)"
    return threadpool_limits(limits=1, user_api="blas"), "BLAS threads: 1 per call"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=48, help="models per batch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="small,medium",
                        help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--processes", action="store_true",
                        help="add a row for a pool of 2 processes")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    limit, blas_note = blas_single_thread()
    print(f"{os.cpu_count()} cores; {blas_note}; {args.models} models per batch; "
          f"best of {args.repeats}")
    header = (f"{'size':<8}{'rows':>8}{'levels':>10}{'pool':>13}{'wall s':>9}"
              f"{'fits/s':>9}{'speed-up':>10}")
    print(header)
    print("-" * len(header))
    with limit:
        for size in args.sizes.split(","):
            n, n_subj, n_item = SIZES[size]
            frames = [make_data(n, n_subj, n_item, seed) for seed in range(args.models)]
            run(frames[:2], 1)                                    # warm up
            base, reference = None, None
            pools = [(1, False), (2, False)] + ([(2, True)] if args.processes else [])
            for workers, processes in pools:
                best, llfs = min(run(frames, workers, processes)
                                 for _ in range(args.repeats))
                if reference is None:
                    reference = llfs
                same = "" if llfs == reference else "  (results differ!)"
                base = base or best
                label = f"{workers} {'process' if processes else 'thread'}" + \
                    ("es" if processes and workers > 1 else "s" if workers > 1 else "")
                print(f"{size:<8}{n:>8}{f'{n_subj}x{n_item}':>10}{label:>13}{best:>9.2f}"
                      f"{args.models / best:>9.1f}{base / best:>9.2f}x{same}")


if __name__ == "__main__":
    main()
