"""Simulating responses from a fitted linear mixed model (lme4's ``simulate``).

    y* = X beta + Z b* + e*,   e*_i ~ N(0, sigma^2 / w_i)

``include_re=True`` (lme4's default ``simulate(m)``, i.e. ``re.form = NA`` /
``use.u = FALSE``): new random effects ``b* = sigma Lambda u*``,
``u* ~ N(0, I)``, drawn for every simulation.
``include_re=False`` (lme4's ``re.form = NULL`` / ``use.u = TRUE``): the random
effects are held at their BLUPs, ``b* = b_hat``; only the residuals are new.
"""
import numpy as np
import pandas as pd

from statsmodels_crossed.design.theta import ThetaMap


def _term_contribution(term, b):
    return np.einsum("ik,ik->i", term.X, b[term.codes])


class Simulator:
    """Draws responses from one fit (see the module docstring).

    Parameters
    ----------
    results : CrossedLMResults
    include_re : bool
    """

    def __init__(self, results, include_re=True):
        self.terms = results.reterms
        self.lambdas = ThetaMap([t.k for t in self.terms]).lambdas(results.theta)
        self.sigma = float(results.sigma)
        self.include_re = bool(include_re)
        self.mean = np.asarray(results._marginal, dtype=float)
        if not include_re:
            self.mean = self.mean + np.asarray(results._zb, dtype=float)
        w = results.model.weights
        self.resid_sd = self.sigma / np.sqrt(w) if w is not None else self.sigma

    def draw(self, rng):
        """One simulated response vector (n,)."""
        y = self.mean + rng.standard_normal(len(self.mean)) * self.resid_sd
        if self.include_re:
            for term, lam in zip(self.terms, self.lambdas):
                u = rng.standard_normal((term.n_levels, term.k))
                y += _term_contribution(term, self.sigma * u @ lam.T)
        return y


def simulate(results, nsim=1, seed=None, include_re=True):
    """``nsim`` simulated responses as a DataFrame (rows = observations,
    columns ``sim_1 .. sim_nsim``), reproducible with ``seed``.

    Parameters
    ----------
    results : CrossedLMResults
    nsim : int
    seed : int, numpy Generator or None
    include_re : bool
        Draw new random effects (True, lme4's default) or keep the BLUPs.
    """
    rng = np.random.default_rng(seed)
    sim = Simulator(results, include_re)
    data = np.column_stack([sim.draw(rng) for _ in range(int(nsim))]) if nsim else \
        np.zeros((len(sim.mean), 0))
    index = getattr(results.model.data, "row_labels", None)
    return pd.DataFrame(data, index=index, columns=[f"sim_{i + 1}" for i in range(int(nsim))])
