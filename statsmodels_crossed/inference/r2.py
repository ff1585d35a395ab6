"""Nakagawa's R^2 for linear mixed models, with Johnson's (2014) random-slope extension.

Variance components of the response (as R's ``performance::r2_nakagawa``):

    var_fixed    = var(X beta)                       (sample variance, n - 1)
    var_random   = sum_t mean_i( x_ti' Sigma_t x_ti )
    var_residual = sigma^2

where ``x_ti`` is row i of term t's model matrix and ``Sigma_t`` its
covariance; for a random intercept this is just its variance
(Nakagawa & Schielzeth 2013), with random slopes it is Johnson's (2014)
mean variance over the observations.  Then

    R2_marginal    = var_fixed / (var_fixed + var_random + var_residual)
    R2_conditional = (var_fixed + var_random) / (var_fixed + var_random + var_residual)
    ICC_adjusted   = var_random / (var_random + var_residual)
    ICC_conditional = var_random / (var_fixed + var_random + var_residual)

(``performance::icc``'s adjusted and conditional ICC).  Prior weights do not
enter: the residual variance is sigma^2, as in ``performance``.
"""
import numpy as np
import pandas as pd


def r2_nakagawa(results):
    """Marginal and conditional R^2 and the ICCs (module docstring) as a Series."""
    fixed = np.asarray(results._marginal, dtype=float)
    # shifted by one value: exactly 0 for an intercept-only model (np.var of a
    # constant array can round to ~1e-30)
    var_fixed = float(np.var(fixed - fixed[0], ddof=1)) if len(fixed) > 1 else 0.0
    var_random = 0.0
    for term, cov in zip(results.reterms, results._covs):
        var_random += float(np.mean(np.einsum("ij,jk,ik->i", term.X, cov, term.X)))
    var_resid = float(results.scale)
    total = var_fixed + var_random + var_resid
    return pd.Series({"R2_marginal": var_fixed / total,
                      "R2_conditional": (var_fixed + var_random) / total,
                      "ICC_adjusted": var_random / (var_random + var_resid),
                      "ICC_conditional": var_random / total,
                      "var_fixed": var_fixed, "var_random": var_random,
                      "var_residual": var_resid}, name="r2_nakagawa")
