"""Thread safety and determinism: a fit is a pure function of its input; fits run in
parallel threads (the kernels release the GIL) give the results of sequential fits,
to the last bit, whether the threads share nothing or share one model object.
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import statsmodels_crossed.api as smc
from tests.reliability.generate import Design, make_frame

pytestmark = pytest.mark.filterwarnings("ignore")   # warnings.catch_warnings is not
                                                     # thread safe: filter per test

DESIGNS = [Design(s, levels, n, slope, weighted, reml, seed)
           for seed, (s, levels, n, slope, weighted, reml) in enumerate([
               ("crossed", (30, 12, 2), 600, True, False, True),
               ("nested", (8, 6, 2), 300, False, True, True),
               ("crossed3", (25, 20, 9), 800, False, False, False),
               ("partial", (40, 30, 2), 900, True, True, True),
               ("single", (50, 2, 2), 500, True, False, False),
               ("crossed", (60, 45, 2), 1500, False, True, True)])]


def summary(res):
    """Everything a fit reports, as arrays to compare bit by bit."""
    return {"theta": res.theta, "params": np.asarray(res.params), "bse": np.asarray(res.bse),
            "scale": np.array([res.scale]), "llf": np.array([res.llf]),
            "blups": np.concatenate([b.ravel() for b in res.b]),
            "fitted": np.asarray(res.fittedvalues),
            "evals": np.array([res.optsummary.n_evals])}


def assert_bitwise(a, b):
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def _model(d):
    return smc.crossedlm(d.formula, make_frame(d), weights="w" if d.weighted else None)


def _fit_summary(d):
    return summary(_model(d).fit(reml=d.reml))


def test_fit_is_deterministic():
    for d in DESIGNS[:3]:
        assert_bitwise(_fit_summary(d), _fit_summary(d))
        model = _model(d)
        assert_bitwise(summary(model.fit(reml=d.reml)), summary(model.fit(reml=d.reml)))


def test_parallel_fits_equal_sequential_fits():
    sequential = [_fit_summary(d) for d in DESIGNS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(_fit_summary, DESIGNS * 2))
    for i, got in enumerate(parallel):
        assert_bitwise(got, sequential[i % len(DESIGNS)])


def test_threads_sharing_one_model():
    """One model object (its cached cross-product blocks built by whichever thread
    comes first) fitted by four threads at once, REML and ML, both factorizations."""
    d = DESIGNS[3]
    model = _model(d)
    jobs = [dict(reml=r, factorization=f) for r in (True, False)
            for f in ("blocked", "cholmod")] * 2
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda kw: summary(model.fit(**kw)), jobs))
    fresh = _model(d)
    for kw, g in zip(jobs, got):
        assert_bitwise(g, summary(fresh.fit(**kw)))
