"""Data for the benchmark cases: bundled sets and seeded generators, cached on disk.

Every generated data set is a pure function of its size and seed, so a cache file
(``benchmarks/data/*.npz``, gitignored) can be deleted at any time. Factor columns are
returned as ``pandas.Categorical`` with sorted string labels, which are lme4's levels
(R sorts factor labels in the C locale; labels are zero-padded so that order is also
the numeric one).

Run ``python benchmarks/data.py big_crossed`` (or ``slopes``, ``scaling``) to generate
the cache ahead of a timed run and print the design's statistics and the generator's
time and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("BENCH_DATA_DIR", HERE / "data"))

#: big_crossed: y = 1 + 0.5 x + a[A] + b[B] + e with these standard deviations.
BIG_TRUTH = {
    "beta": {"(Intercept)": 1.0, "x": 0.5},
    "sd": {"A": 0.8, "B": 0.5, "residual": 1.0},
    "levels": {"A": 6000, "B": 4000},
    "zipf_exponent": {"A": 0.5, "B": 0.5},
}

#: slopes: rt (ms) = 700 + 40 [cond = incongruent] + subject and item intercepts/slopes.
SLOPES_TRUTH = {
    "beta": {"(Intercept)": 700.0, "condincongruent": 40.0},
    "subj": {"sd": [80.0, 25.0], "corr": 0.4},
    "item": {"sd": [40.0, 15.0], "corr": 0.2},
    "residual_sd": 100.0,
    "subjects": 100,
    "items": 80,
}


def reference_dir() -> Path:
    """Directory of the shared lme4 reference data (``../shared/reference/data``).

    ``BENCH_REFERENCE_DIR`` overrides; otherwise the ``shared`` folder beside the
    repository (as laid out for developers and CI), then ``/work/shared``.
    """
    env = os.environ.get("BENCH_REFERENCE_DIR")
    if env:
        return Path(env)
    for cand in (HERE.parent.parent / "shared" / "reference" / "data",
                 Path("/work/shared/reference/data")):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("shared/reference/data not found; set BENCH_REFERENCE_DIR")


def _categorical(codes: np.ndarray, prefix: str, nlevels: int) -> pd.Categorical:
    width = len(str(nlevels))
    labels = [f"{prefix}{i + 1:0{width}d}" for i in range(nlevels)]
    return pd.Categorical.from_codes(codes, categories=labels)


def _sorted_categories(df: pd.DataFrame, columns) -> pd.DataFrame:
    for c in columns:
        s = df[c].astype(str)
        df[c] = pd.Categorical(s, categories=sorted(s.unique()))
    return df


# --------------------------------------------------------------------- bundled sets

def _load_bundled(name: str, csv: str, factors) -> pd.DataFrame:
    """The package's own loader when it exists, else the shared reference CSV."""
    df = None
    try:
        from statsmodels_crossed import datasets

        obj = datasets.load(name)
        df = getattr(obj, "data", obj)
        if not isinstance(df, pd.DataFrame):
            df = None
    except Exception:  # loader not written yet, or package not built
        df = None
    if df is None:
        df = pd.read_csv(reference_dir() / csv, dtype={c: str for c in factors})
    return _sorted_categories(df.copy(), factors)


def load_insteval() -> pd.DataFrame:
    """InstEval (lme4): 73,421 ratings ``y`` of lecturers ``d`` by students ``s``."""
    return _load_bundled("insteval", "InstEval.csv",
                         ["s", "d", "dept", "service", "studage", "lectage"])


def load_penicillin() -> pd.DataFrame:
    """Penicillin (lme4): 144 diameters, 24 plates x 6 samples, fully crossed."""
    return _load_bundled("penicillin", "Penicillin.csv", ["plate", "sample"])


# ------------------------------------------------------------------ generated sets

def _zipf_probs(nlevels: int, s: float, rng: np.random.Generator) -> np.ndarray:
    """Popularity ~ 1 / rank**s, with ranks assigned to levels at random."""
    p = 1.0 / np.arange(1, nlevels + 1) ** s
    p = p[rng.permutation(nlevels)]
    return p / p.sum()


def _cached(name: str, make) -> dict:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.npz"
    if path.exists():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    arrays = make()
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return arrays


def make_big_crossed(n: int = 1_000_000, seed: int = 20261125) -> dict:
    """Arrays of the big_crossed design: ``y ~ x + (1|A) + (1|B)``.

    Rows draw A (6,000 levels) and B (4,000 levels) independently with Zipf-like
    popularity (exponent 0.5, levels in random order), so at n = 1e6 an A level sees
    ~155 distinct B levels on average (popular ones thousands) and the B x B Schur
    complement is nearly dense; rows are in random order, so any prefix is a random
    subsample. The effects are drawn once from ``seed`` (independent of n), so the
    scaling sizes share the true effects and the same truth.
    """
    t = BIG_TRUTH
    la, lb = t["levels"]["A"], t["levels"]["B"]
    rng = np.random.default_rng(seed)
    pa = _zipf_probs(la, t["zipf_exponent"]["A"], rng)
    pb = _zipf_probs(lb, t["zipf_exponent"]["B"], rng)
    a_eff = rng.normal(0.0, t["sd"]["A"], la)
    b_eff = rng.normal(0.0, t["sd"]["B"], lb)
    rng = np.random.default_rng([seed, n])
    A = rng.choice(la, n, p=pa).astype(np.int32)
    B = rng.choice(lb, n, p=pb).astype(np.int32)
    x = rng.normal(0.0, 1.0, n)
    y = (t["beta"]["(Intercept)"] + t["beta"]["x"] * x + a_eff[A] + b_eff[B]
         + rng.normal(0.0, t["sd"]["residual"], n))
    return {"A": A, "B": B, "x": x, "y": y}


def load_big_crossed(n: int = 1_000_000, nrows: int | None = None) -> pd.DataFrame:
    """big_crossed at size n (cached), optionally only its first ``nrows`` rows."""
    arr = _cached(f"big_crossed_{n}", lambda: make_big_crossed(n))
    m = n if nrows is None else nrows
    la, lb = BIG_TRUTH["levels"]["A"], BIG_TRUTH["levels"]["B"]
    df = pd.DataFrame({"y": arr["y"][:m], "x": arr["x"][:m],
                       "A": _categorical(arr["A"][:m], "a", la),
                       "B": _categorical(arr["B"][:m], "b", lb)})
    # drop levels never seen (small n, or a prefix), as R's factor() would
    df["A"] = df["A"].cat.remove_unused_categories()
    df["B"] = df["B"].cat.remove_unused_categories()
    return df


def make_slopes(seed: int = 20261126) -> dict:
    """Arrays of the slopes design: 100 subjects x 80 items, every pair once.

    ``cond`` is counterbalanced (subject + item parity), so each subject and each
    item sees both conditions half the time; correlated intercepts and slopes for
    both subjects and items, as in ``SLOPES_TRUTH``.
    """
    t = SLOPES_TRUTH
    ns, ni = t["subjects"], t["items"]
    rng = np.random.default_rng(seed)

    def effects(spec, k):
        sd = np.asarray(spec["sd"])
        cov = np.outer(sd, sd) * np.array([[1, spec["corr"]], [spec["corr"], 1]])
        return rng.multivariate_normal(np.zeros(2), cov, k)

    se, ie = effects(t["subj"], ns), effects(t["item"], ni)
    subj = np.repeat(np.arange(ns), ni).astype(np.int32)
    item = np.tile(np.arange(ni), ns).astype(np.int32)
    cond = ((subj + item) % 2).astype(np.int32)  # 1 = incongruent
    rt = (t["beta"]["(Intercept)"] + t["beta"]["condincongruent"] * cond
          + se[subj, 0] + se[subj, 1] * cond + ie[item, 0] + ie[item, 1] * cond
          + rng.normal(0.0, t["residual_sd"], subj.size))
    order = rng.permutation(subj.size)  # trial order
    return {"subj": subj[order], "item": item[order], "cond": cond[order],
            "rt": np.round(rt[order], 3)}


def load_slopes() -> pd.DataFrame:
    """slopes: rt ~ cond + (1 + cond|subj) + (1 + cond|item), 8,000 rows."""
    arr = _cached("slopes", make_slopes)
    t = SLOPES_TRUTH
    return pd.DataFrame({
        "rt": arr["rt"],
        "cond": pd.Categorical.from_codes(arr["cond"], ["congruent", "incongruent"]),
        "subj": _categorical(arr["subj"], "S", t["subjects"]),
        "item": _categorical(arr["item"], "I", t["items"]),
    })


def design_stats(df: pd.DataFrame, f1: str, f2: str) -> dict:
    """Levels seen and distinct f2 levels per f1 level (mean / median / max)."""
    c1 = df[f1].cat.codes.to_numpy().astype(np.int64)
    c2 = df[f2].cat.codes.to_numpy().astype(np.int64)
    pairs = np.unique(c1 * (c2.max() + 1) + c2)
    per1 = np.bincount(pairs // (c2.max() + 1))
    per1 = per1[per1 > 0]
    return {"rows": len(df), f"{f1}_levels": int(df[f1].nunique()),
            f"{f2}_levels": int(df[f2].nunique()), "distinct_pairs": int(pairs.size),
            f"{f2}_per_{f1}_mean": round(float(per1.mean()), 1),
            f"{f2}_per_{f1}_median": float(np.median(per1)),
            f"{f2}_per_{f1}_max": int(per1.max())}


def _main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", nargs="*", default=["big_crossed"],
                    help="big_crossed, sparse_crossed, slopes, scaling, or a size like 100000")
    ap.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = ap.parse_args(argv)
    for what in args.what:
        sizes = {"scaling": [100_000, 1_000_000, 4_000_000]}.get(what)
        sizes = sizes or ([int(what)] if what.isdigit() else [None])
        for n in sizes:
            name = "slopes" if what == "slopes" else f"big_crossed_{n or 1_000_000}"
            if args.force:
                (CACHE / f"{name}.npz").unlink(missing_ok=True)
            t0 = time.perf_counter()
            if what == "slopes":
                df, stats = load_slopes(), None
            else:
                nrows = 20_000 if what == "sparse_crossed" else None
                df = load_big_crossed(n or 1_000_000, nrows)
                stats = design_stats(df, "A", "B")
            dt = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(json.dumps({"data": what, "n": len(df), "seconds": round(dt, 2),
                              "peak_rss_mb": round(peak), "stats": stats}))
    return 0


if __name__ == "__main__":
    sys.exit(_main())
