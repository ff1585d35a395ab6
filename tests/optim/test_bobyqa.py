"""The BOBYQA driver: its first evaluation is the start itself, bit for bit."""
import numpy as np
import pytest

from statsmodels_crossed.optim.bobyqa import minimize_theta
from statsmodels_crossed.optim.options import FitOptions


@pytest.mark.filterwarnings("ignore:the optimizer did not converge")
def test_the_first_evaluation_is_the_start_bit_for_bit():
    # NLopt evaluates the start as the round trip of its variable scaling, which
    # moves some starts by an ulp (InstEval's by -1.4e-17); the caller evaluated
    # the start already and its factor cache keys on the exact bits.
    rng = np.random.default_rng(7)
    starts = [np.array([0.26856701, 0.43332512, 0.11646373])]
    starts += [rng.uniform(0.01, 3.0, size=3) for _ in range(40)]
    for x0 in starts:
        seen = []

        def f(x):
            seen.append(np.array(x))
            return float(((x - 1.0) ** 2).sum())

        minimize_theta(f, x0, np.zeros(3), FitOptions(maxeval=5))
        assert seen[0].tobytes() == x0.tobytes(), (x0, seen[0] - x0)
