"""The memory guard (linalg/factorization.py) on a model whose dense Schur complement
would not fit in this machine's memory: the automatic choice takes CHOLMOD, a forced
blocked fit raises DenseBlockTooLarge before allocating anything, and so does the
automatic choice when CHOLMOD is missing.  Never an allocation the OS kills.

The design is sized from the memory available where the tests run (two crossed
factors of L levels, two rows per level: the dense block needs 8 L^2 bytes, over the
allowed fraction; the sparse problem is a union of cycles, cheap for CHOLMOD).
"""
import time

import numpy as np
import pandas as pd
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.linalg import factorization as fz
from tests.reliability.contract import documented

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def huge():
    levels = int(1.05 * np.sqrt(fz.DENSE_MEMORY_FRACTION * fz.available_memory() / 8)) + 1
    rng = np.random.default_rng(0)
    n = 2 * levels
    g = rng.permutation(np.arange(n) % levels)
    h = rng.permutation(np.arange(n) % levels)
    frame = pd.DataFrame({"g": g, "h": h, "x": rng.normal(size=n)})
    frame["y"] = rng.normal(size=levels)[g] + rng.normal(size=levels)[h] + rng.normal(size=n)
    return levels, smc.crossedlm("y ~ x + (1 | g) + (1 | h)", frame)


def test_the_dense_block_would_not_fit(huge):
    levels, model = huge
    assert fz.dense_bytes(model.crossprod) > fz.DENSE_MEMORY_FRACTION * fz.available_memory()


def test_automatic_choice_takes_cholmod(huge):
    levels, model = huge
    assert fz.choose(model.crossprod) == "cholmod"
    res = model.results_at([1.0, 1.0])
    assert res.factorization.startswith("CHOLMOD")
    assert np.isfinite(res.llf) and np.isfinite(np.asarray(res.params)).all()


def test_forced_blocked_fit_raises_before_allocating(huge):
    levels, model = huge
    start = time.perf_counter()
    with pytest.raises(fz.DenseBlockTooLarge) as info:
        model.fit(factorization="blocked")
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert f"dense {levels + 3} x {levels + 3} block" in message
    assert f"h ({levels})" in message and "factorization='cholmod'" in message
    assert isinstance(info.value, MemoryError) and documented(info.value)


def test_without_cholmod_the_automatic_choice_explains(huge, monkeypatch):
    levels, model = huge
    monkeypatch.setattr(fz, "_cholmod_available", lambda: False)
    with pytest.raises(fz.DenseBlockTooLarge, match="pip install"):
        model.fit()


def test_conditional_variances_are_guarded_too(monkeypatch):
    """The blocked path's conditional variances need dense mz x mz and mz x q_1 work
    arrays: past the guard they raise, and the CHOLMOD path computes them in chunks."""
    rng = np.random.default_rng(1)
    n = 3000
    g, h = rng.integers(0, 600, n), rng.integers(0, 40, n)
    frame = pd.DataFrame({"g": g, "h": h, "y": rng.normal(size=n) + (h % 3) + (g % 5)})
    model = smc.crossedlm("y ~ 1 + (1 | g) + (1 | h)", frame)
    blocked = model.fit(factorization="blocked")
    chol = model.results_at(blocked.theta, factorization="cholmod")
    mz, q1 = blocked.ngroups["h"], blocked.ngroups["g"]
    need = 8 * mz * (3 * mz + 2 * q1)
    monkeypatch.setattr(fz, "available_memory", lambda: int(need / fz.DENSE_MEMORY_FRACTION) - 1)
    with pytest.raises(fz.DenseBlockTooLarge, match=rf"{mz} x {mz} and {mz} x {q1}.*'cholmod'"):
        blocked.condvar_b
    cv = chol.condvar_b
    monkeypatch.undo()
    for a, b in zip(cv, blocked.condvar_b):
        np.testing.assert_allclose(a, b, rtol=1e-9)
