"""Parametric bootstrap (lme4's ``bootMer`` / ``confint(method = "boot")``).

Each replicate simulates a response from the fit (:mod:`.simulate`; new
random effects by default), refits the same model (REML or ML as the
original) and records the SDs / correlations, sigma and the fixed effects.
The refits reuse the model's structure: one
:class:`~statsmodels_crossed.design.crossprod.CrossProducts` whose values
``cp.reweight(w, y*, X)`` swaps for each new response, one factorization
object (its symbolic analysis done once), and the optimizer warm-started at
the fitted theta.

Intervals from the replicates ``t*`` of a parameter with estimate ``t``:
percentile ``(q_{alpha/2}, q_{1-alpha/2})``, basic
``(2t - q_{1-alpha/2}, 2t - q_{alpha/2})``, normal
``t - bias -+ z_{1-alpha/2} sd(t*)`` with ``bias = mean(t*) - t``.
"""
import dataclasses
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from statsmodels_crossed.deviance.lmm import LMMObjective
from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.inference import sdcor
from statsmodels_crossed.progress import Progress
from statsmodels_crossed.inference.simulate import Simulator
from statsmodels_crossed.optim.bobyqa import minimize_theta


class BootstrapResults:
    """Replicates of a parametric bootstrap and their intervals.

    Attributes
    ----------
    replicates : pandas.DataFrame
        One row per successful replicate; columns as :attr:`estimates`.
    estimates : pandas.Series
        The fit's SDs, correlations, sigma and fixed effects (lme4's names).
    n_failed : int
        Replicates whose refit did not converge (dropped from ``replicates``).
    seed : int or None
    """

    def __init__(self, replicates, estimates, n_failed, seed):
        self.replicates = replicates
        self.estimates = estimates
        self.n_failed = int(n_failed)
        self.seed = seed

    @property
    def bse(self):
        """Bootstrap standard errors (SD of the replicates)."""
        return self.replicates.std(ddof=1)

    def conf_int(self, alpha=0.05, kind="percentile"):
        """Intervals (DataFrame with columns 0 and 1) of every parameter.

        Parameters
        ----------
        alpha : float
        kind : {"percentile", "basic", "normal"}
        """
        reps, est = self.replicates, self.estimates
        lo_q = reps.quantile(alpha / 2)
        hi_q = reps.quantile(1 - alpha / 2)
        if kind == "percentile":
            lo, hi = lo_q, hi_q
        elif kind == "basic":
            lo, hi = 2 * est - hi_q, 2 * est - lo_q
        elif kind == "normal":
            z = stats.norm.ppf(1 - alpha / 2)
            center = 2 * est - reps.mean()
            lo, hi = center - z * reps.std(ddof=1), center + z * reps.std(ddof=1)
        else:
            raise ValueError(f"kind must be 'percentile', 'basic' or 'normal', not {kind!r}")
        return pd.DataFrame({0: lo, 1: hi}).loc[est.index]


def _estimates(ks, theta, sigma, beta, names):
    return pd.Series(np.r_[sdcor.to_sdcor(ks, theta, sigma), beta], index=names)


def parametric_bootstrap(results, nrep=1000, seed=None, include_re=True, progress=None,
                         options=None):
    """Run ``nrep`` parametric bootstrap replicates (module docstring).

    Parameters
    ----------
    results : CrossedLMResults
    nrep : int
    seed : int, numpy Generator or None
        Makes the run reproducible.
    include_re : bool
        Simulate new random effects (True, lme4's default) or keep the BLUPs.
    progress : bool or None
        Progress line on stderr: always (True), never (False), or once the
        run has taken more than two seconds (None).
    options : FitOptions, optional
        Optimizer settings of the refits (default: those of the fit; looser
        tolerances, e.g. ``ftol_abs=1e-8``, make long runs faster).

    Returns
    -------
    BootstrapResults
    """
    model = results.model
    X = np.ascontiguousarray(np.asarray(model.exog, dtype=float)[:, model.kept_columns])
    w = model.weights if model.weights is not None else np.ones(X.shape[0])
    rng = np.random.default_rng(seed)
    sim = Simulator(results, include_re)
    opts = dataclasses.replace(options or results.optsummary.options, verbose=False)
    cp = CrossProducts(model.reterms, X, sim.draw(rng), model.weights)
    obj = LMMObjective(cp, reml=results.reml, factorization=opts.factorization)
    lower = obj.theta_map.lower_bounds()
    theta_hat = np.asarray(results.theta, dtype=float)
    names = sdcor.sdcor_names(cp.terms) + list(model.fe_names)
    rows, failed = [], 0
    report = Progress(nrep, "bootstrap", enabled=progress)
    for i in range(int(nrep)):
        if i:
            cp.reweight(w, sim.draw(rng), X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = minimize_theta(obj, theta_hat, lower, opts)
        comp = obj.components(summary.theta)
        if comp is None or not summary.converged:
            failed += 1
        else:
            rows.append(_estimates(cp.ks, summary.theta, np.sqrt(comp.sigma2),
                                   obj.factor.beta(), names).to_numpy())
        report.update(i + 1)
    report.close()
    estimates = _estimates(cp.ks, theta_hat, results.sigma, np.asarray(results.params), names)
    reps = pd.DataFrame(np.array(rows).reshape(len(rows), len(names)), columns=names)
    return BootstrapResults(reps, estimates, failed, seed)
