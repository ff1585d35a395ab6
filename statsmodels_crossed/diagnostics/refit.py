"""Full refits after deleting rows, on the model's own cross-product blocks.

Deleting the rows I is giving them weight 0: ``CrossProducts.reweight``
recomputes every block with the same sparsity pattern, so one factorization
object (its dense layout or CHOLMOD's symbolic analysis) serves every refit.
A level all of whose rows are deleted keeps the diagonal block ``0 + I``: its
spherical effect is 0 and it adds ``log 1 = 0`` to ``log|L_Z|^2``, so the
criterion equals that of the model fitted to the remaining rows.  ``n``
becomes ``n - k`` and the prior-weight constant ``sum(log w)`` runs over the
kept rows.  Each refit starts from the full-data theta with a small initial
trust region (:data:`WARM_START_STEP`), the other optimizer settings being the fit's.

The measures compare the refit with the full fit (HLMdiag's ``case_delete``
diagnostics, each fit with its own sigma^2):

    Cook's D = d' cov(beta)^{-1} d / p,        d = beta - beta_(I)
    MDFFITS  = d' cov(beta_(I))^{-1} d / p
    COVTRACE = |trace(cov(beta)^{-1} cov(beta_(I))) - p|
    COVRATIO = det cov(beta_(I)) / det cov(beta)
    RVC_j    = vc_(I),j / vc_j - 1    for sigma^2 and every variance and
                                      covariance of the random effects
"""
import copy
import dataclasses
import warnings

import numpy as np

from statsmodels_crossed.progress import Progress
from statsmodels_crossed.deviance.lmm import DevComp, LMMObjective
from statsmodels_crossed.exceptions import ConvergenceWarning
from statsmodels_crossed.optim.bobyqa import minimize_theta
from statsmodels_crossed.optim.options import FitOptions
from statsmodels_crossed.results.varcorr import varcorr_names

#: Initial trust-region radius of the warm-started refits (the full fit's theta
#: is close to the optimum: half the evaluations of the default 0.2 on InstEval).
WARM_START_STEP = 0.05
#: A refit whose R_X has a diagonal entry below this fraction of the full
#: fit's is rank deficient (a fixed effect is not estimable without the rows).
RANK_TOL = 1e-8


def copy_crossprod(cp):
    """A CrossProducts sharing the terms and patterns of ``cp``, with its own values."""
    new = copy.copy(cp)
    new.diag = [d.copy() for d in cp.diag]
    new.xyz = [x.copy() for x in cp.xyz]
    new.xyxy = cp.xyxy.copy()
    new.off = {key: dataclasses.replace(bl, values=bl.values.copy())
               for key, bl in cp.off.items()}
    return new


class DeletedRowsObjective(LMMObjective):
    """The criterion of the data without some rows (module docstring).

    Parameters
    ----------
    ctx : DiagnosticsContext
    """

    def __init__(self, ctx):
        super().__init__(copy_crossprod(ctx.cp), reml=ctx.reml,
                         factorization=ctx.factorization)
        self.ctx = ctx
        self.base_w = np.ones(ctx.n) if ctx.weights is None else ctx.weights
        self.delete(np.zeros(0, dtype=np.int64))

    def delete(self, rows):
        """Set the deleted rows (all other rows keep their prior weights)."""
        w = self.base_w.copy()
        w[rows] = 0.0
        self.cp.reweight(w, self.ctx.y, self.ctx.X)
        keep = w > 0
        self.n_kept = int(keep.sum())
        self.sum_log_w_kept = (float(np.log(w[keep]).sum())
                               if self.ctx.weights is not None else 0.0)

    def components(self, theta):
        self.n_evals += 1
        if not self.factor.update(self.theta_map.lambdas(theta)):
            return None
        f = self.factor
        return DevComp(f.ldL2, f.ldRX2, f.pwrss, self.n_kept, self.cp.p,
                       self.sum_log_w_kept, self.reml)


@dataclasses.dataclass
class Refit:
    """One refit: theta, criterion, beta, R_X, sigma^2 and term covariances."""

    theta: np.ndarray
    objective: float
    beta: np.ndarray
    RX: np.ndarray
    sigma2: float
    covs: list
    converged: bool


def refit(obj, rows, theta0, options):
    """Minimize the criterion without ``rows``, from ``theta0``; None if beta is
    not estimable without them."""
    obj.delete(rows)
    if not np.isfinite(obj(theta0)):
        return None
    summary = minimize_theta(obj, theta0, obj.theta_map.lower_bounds(), options)
    comp = obj.components(summary.theta)
    if comp is None:
        return None
    RX = obj.factor.RX()
    lambdas = obj.theta_map.lambdas(summary.theta)
    return Refit(summary.theta, comp.objective, obj.factor.beta(), RX, comp.sigma2,
                 [comp.sigma2 * lam @ lam.T for lam in lambdas], summary.converged)


def varcomp_names(terms):
    """``sigma2``, then each term's variances and covariances (lower triangle,
    column by column), named ``<VarCorr name>.<column>[.<column>]``."""
    names = ["sigma2"]
    for name, t in zip(varcorr_names(terms), terms):
        for j in range(t.k):
            for i in range(j, t.k):
                names.append(f"{name}.{t.columns[i]}" if i == j
                             else f"{name}.{t.columns[i]}.{t.columns[j]}")
    return names


def varcomp_vector(sigma2, covs):
    """The values named by :func:`varcomp_names`."""
    out = [sigma2]
    for c in covs:
        rows, cols = np.triu_indices(c.shape[0])
        out.extend(c[cols, rows])
    return np.array(out)


def refit_measures(ctx, fit):
    """Cook's D, MDFFITS, COVTRACE, COVRATIO, dfbeta and RVC of one refit."""
    p = ctx.p
    vc0 = varcomp_vector(ctx.sigma2, [ctx.sigma2 * lam @ lam.T for lam in ctx.lambdas])
    if fit is None:
        return {"dfbeta": np.full(p, np.nan), "cooks_d": np.nan, "mdffits": np.nan,
                "covtrace": np.nan, "covratio": np.nan, "rvc": np.full(len(vc0), np.nan)}
    d = ctx.beta - fit.beta
    R0, R1 = ctx.RX, fit.RX
    G = R0 @ np.linalg.solve(R1.T @ R1, R0.T)         # R0 (R1'R1)^{-1} R0'
    logdet = (p * np.log(fit.sigma2 / ctx.sigma2)
              - 2.0 * (np.log(np.abs(np.diag(R1))).sum() - np.log(np.abs(np.diag(R0))).sum()))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"dfbeta": d,
                "cooks_d": np.sum((R0 @ d) ** 2) / (p * ctx.sigma2),
                "mdffits": np.sum((R1 @ d) ** 2) / (p * fit.sigma2),
                "covtrace": abs(fit.sigma2 / ctx.sigma2 * np.trace(G) - p),
                "covratio": np.exp(logdet),
                "rvc": varcomp_vector(fit.sigma2, fit.covs) / vc0 - 1.0}


def full_measures(ctx, row_sets, progress=None):
    """Refit without each row set in turn; one dict of :func:`refit_measures` per set.

    Parameters
    ----------
    ctx : DiagnosticsContext
    row_sets : list of ndarray of int
    progress : bool or None
        Report progress on stderr: always (True), never (False) or when the
        run lasts longer than a few seconds (None).
    """
    obj = DeletedRowsObjective(ctx)
    step = ctx.options.initial_step
    step = WARM_START_STEP if step is None else min(step, WARM_START_STEP)
    options = FitOptions(**{**ctx.options.__dict__, "verbose": False, "initial_step": step})
    bar = Progress(len(row_sets), "full refits", enabled=progress)
    out, not_converged, not_estimable = [], 0, 0
    full_diag = np.abs(np.diag(ctx.RX))
    for i, rows in enumerate(row_sets):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = refit(obj, rows, ctx.theta, options)
        if fit is not None and (np.abs(np.diag(fit.RX)) < RANK_TOL * full_diag).any():
            fit = None
        not_estimable += fit is None
        not_converged += fit is not None and not fit.converged
        out.append(refit_measures(ctx, fit))
        bar.update(i + 1)
    bar.close()
    if not_converged:
        warnings.warn(f"{not_converged} of {len(row_sets)} refits did not converge",
                      ConvergenceWarning, stacklevel=3)
    if not_estimable:
        warnings.warn(f"{not_estimable} of {len(row_sets)} deletions leave a fixed effect "
                      "not estimable; their measures are NaN", RuntimeWarning, stacklevel=3)
    return out
