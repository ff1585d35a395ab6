"""A KeyboardInterrupt anywhere in a fit leaves no corrupted state: refitting the
same model object gives the result of a fresh model, to the last bit.

Interrupts are raised from inside the criterion (each factorization path), while
the cross-product blocks are being built, while conditional variances are being
computed, and by real SIGINTs delivered at arbitrary moments of a fit.
"""
import os
import signal
import threading

import numpy as np
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.linalg.blocked import BlockedCholesky
from statsmodels_crossed.linalg.sparse_path import SparseCholeskyPath
from tests.reliability.generate import Design, make_frame

pytestmark = pytest.mark.filterwarnings("ignore")

D = Design("crossed", (40, 25, 2), 1200, True, True, True, 9)
FRAME = make_frame(D)


def model():
    return smc.crossedlm(D.formula, FRAME, weights="w")


@pytest.fixture(scope="module")
def reference():
    return {f: model().fit(factorization=f) for f in ("blocked", "cholmod")}


def assert_same_fit(res, ref):
    for name in ("theta", "params", "bse"):
        np.testing.assert_array_equal(np.asarray(getattr(res, name)),
                                      np.asarray(getattr(ref, name)), err_msg=name)
    assert res.llf == ref.llf
    for a, b in zip(res.b, ref.b):
        np.testing.assert_array_equal(a, b)


def interrupt_on_call(monkeypatch, cls, method, at):
    """Make ``cls.method`` raise KeyboardInterrupt on its ``at``-th call."""
    original = getattr(cls, method)
    calls = [0]

    def patched(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)
    monkeypatch.setattr(cls, method, patched)
    return calls


@pytest.mark.parametrize("factorization, cls", [("blocked", BlockedCholesky),
                                                ("cholmod", SparseCholeskyPath)])
@pytest.mark.parametrize("at", [1, 7, 25])
def test_interrupt_inside_the_criterion(monkeypatch, reference, factorization, cls, at):
    m = model()
    interrupt_on_call(monkeypatch, cls, "update", at)
    with pytest.raises(KeyboardInterrupt):
        m.fit(factorization=factorization)
    monkeypatch.undo()
    assert_same_fit(m.fit(factorization=factorization), reference[factorization])


def test_interrupt_while_building_the_blocks(monkeypatch, reference):
    m = model()
    interrupt_on_call(monkeypatch, CrossProducts, "_fill", 1)
    with pytest.raises(KeyboardInterrupt):
        m.fit()
    assert "crossprod" not in m.__dict__          # nothing half-built is cached
    monkeypatch.undo()
    assert_same_fit(m.fit(factorization="blocked"), reference["blocked"])


def test_interrupt_while_computing_conditional_variances(monkeypatch, reference):
    res = model().fit(factorization="blocked")
    interrupt_on_call(monkeypatch, BlockedCholesky, "condvar_u", 1)
    with pytest.raises(KeyboardInterrupt):
        res.condvar_b
    monkeypatch.undo()
    for a, b in zip(res.condvar_b, reference["blocked"].condvar_b):
        np.testing.assert_array_equal(a, b)
    assert_same_fit(res, reference["blocked"])


def test_real_sigint_at_arbitrary_moments(reference):
    """SIGINTs at 1 .. 60 ms into a fit: each fit is interrupted or completes; the
    model object then refits to the reference.  The handler raises only while armed,
    so a signal arriving after the fit never reaches pytest."""
    armed = threading.Event()

    def handler(signum, frame):
        if armed.is_set():
            armed.clear()
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    interrupted = 0
    try:
        m = model()
        for delay in (0.001, 0.004, 0.01, 0.02, 0.04, 0.06):
            timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
            armed.set()
            try:
                try:
                    timer.start()       # on a loaded machine the signal can come in here
                    res = m.fit(factorization="blocked")
                finally:
                    armed.clear()
                assert_same_fit(res, reference["blocked"])
            except KeyboardInterrupt:
                interrupted += 1
            timer.join()
            assert_same_fit(m.fit(factorization="blocked"), reference["blocked"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert interrupted >= 1
