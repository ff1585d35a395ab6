"""The contract every input must meet: it fits, with finite estimates, or it raises
one of the package's documented exceptions with a message.

Documented: :class:`statsmodels_crossed.exceptions.CrossedError` (FormulaError,
DataError), statsmodels' ``MissingDataError``, ``DenseBlockTooLarge`` (a
MemoryError), and a ``ValueError`` raised by a ``raise`` statement of the package
itself.  Anything else (an uncaught numpy, pandas, patsy or scipy error, a
TypeError, an IndexError, NaN estimates) breaks the contract, and so does a hang:
each call runs under a time limit.
"""
import contextlib
import signal
import traceback

import numpy as np

from statsmodels_crossed.exceptions import CrossedError, MissingDataError
from statsmodels_crossed.linalg.factorization import DenseBlockTooLarge

#: Seconds one fuzzed call may take before it counts as a hang.
TIME_LIMIT = 30


class Hang(Exception):
    """A call exceeded :data:`TIME_LIMIT`."""


@contextlib.contextmanager
def time_limit(seconds=TIME_LIMIT):
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM)."""
    def alarm(signum, frame):
        raise Hang(f"no result after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def raised_by_package(exc):
    """Whether ``exc`` comes from a ``raise`` statement in statsmodels_crossed."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    last = frames[-1]
    return ("statsmodels_crossed" in last.filename.replace("\\", "/")
            and (last.line or "").lstrip().startswith("raise"))


def documented(exc):
    """Whether ``exc`` is a documented error with a message (module docstring)."""
    if not str(exc).strip():
        return False
    if isinstance(exc, (CrossedError, MissingDataError, DenseBlockTooLarge)):
        return True
    return type(exc) is ValueError and raised_by_package(exc)


def assert_finite(res):
    """A result presents no NaN or infinite estimate."""
    values = {"params": res.params, "bse": res.bse, "theta": res.theta,
              "scale": res.scale, "llf": res.llf, "fittedvalues": res.fittedvalues,
              "BLUPs": np.concatenate([b.ravel() for b in res.b])}
    for name, value in values.items():
        arr = np.asarray(value, dtype=float)
        assert np.isfinite(arr).all(), f"{name} has non-finite values: {arr}"
    assert res.scale > 0, f"scale {res.scale}"


def outcome(call):
    """Run ``call()`` under the contract: returns the fitted results or the documented
    exception; fails the test on anything else."""
    try:
        with time_limit():
            res = call()
    except Hang:
        raise AssertionError("the call hung") from None
    except Exception as exc:  # noqa: BLE001 -- the point is to classify every error
        if not documented(exc):
            raise AssertionError(f"undocumented {type(exc).__module__}."
                                 f"{type(exc).__name__}: {exc}") from exc
        return exc
    assert_finite(res)
    return res
