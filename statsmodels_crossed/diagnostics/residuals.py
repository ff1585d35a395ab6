"""Conditional and marginal residuals, raw, Pearson and standardized.

With ``r = y - X beta - Z b`` (conditional), ``e = y - X beta`` (marginal),
``V = Z Lambda Lambda' Z' + W^{-1}`` and ``h_i`` lme4's hat diagonal:

=================  ===========================  ====================================================
type               conditional                  marginal
=================  ===========================  ====================================================
``raw``            ``r_i``                      ``e_i``
``pearson``        ``sqrt(w_i) r_i / sigma``    ``e_i / (sigma sqrt(V_ii))``
``standardized``   ``sqrt(w_i) r_i /            ``e_i / sqrt(sigma^2 V_ii - x_i' cov(beta) x_i)``
                   (sigma sqrt(1 - h_i))``
=================  ===========================  ====================================================

Pearson residuals divide by the model's standard deviation of the error
(conditional: of ``e_i``; marginal: of ``y_i``).  Standardized residuals divide
by the exact standard deviation of the residual itself, estimation of beta and
b included: ``Var(sqrt(w) r) = sigma^2 (I - H)`` (the penalized least-squares
problem is an ordinary regression with iid errors on the augmented data), and
``Var(e) = sigma^2 V - X cov(beta) X'``.  The conditional Pearson residual is
lme4's ``residuals(m, "pearson", scaled = TRUE)`` and HLMdiag's ``.std.resid``;
lme4's default Pearson residual (``scaled = FALSE``) is ours times sigma.
"""
import numpy as np
import pandas as pd
from scipy.linalg import solve_triangular

from statsmodels_crossed.diagnostics.context import context

TYPES = {"raw": "raw", "response": "raw", "pearson": "pearson",
         "standardized": "standardized", "studentized": "standardized"}
KINDS = ("conditional", "marginal")


def residuals(results, type="raw", kind="conditional"):
    """Residuals of a CrossedLM fit (definitions in the module docstring).

    Parameters
    ----------
    results : CrossedLMResults
    type : {"raw", "pearson", "standardized"}
        ``"response"`` is an alias of ``"raw"``, ``"studentized"`` of
        ``"standardized"``.
    kind : {"conditional", "marginal"}
        Conditional residuals subtract the BLUPs, marginal ones only X beta.

    Returns
    -------
    pandas.Series indexed by the data's row labels.
    """
    if type not in TYPES:
        raise ValueError(f"type must be one of {sorted(TYPES)}, not {type!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be 'conditional' or 'marginal', not {kind!r}")
    ctx = context(results)
    type = TYPES[type]
    if kind == "conditional":
        values = _conditional(ctx, type)
    else:
        values = _marginal(ctx, type)
    name = f"resid_{kind}" if type == "raw" else f"resid_{kind}_{type}"
    return pd.Series(values, index=ctx.index, name=name)


def _conditional(ctx, type):
    r = ctx.resid_conditional
    if type == "raw":
        return r.copy()
    scaled = ctx.sqrtw * r / np.sqrt(ctx.sigma2)
    if type == "pearson":
        return scaled
    h, _ = ctx.observation_pieces
    return scaled / np.sqrt(1.0 - h)


def _marginal(ctx, type):
    e = ctx.y - ctx.X @ ctx.beta
    if type == "raw":
        return e
    v = ctx.zlz + 1.0 / ctx.sqrtw ** 2                     # V_ii / sigma^2
    if type == "pearson":
        return e / np.sqrt(ctx.sigma2 * v)
    if ctx.p:
        u = solve_triangular(ctx.RX.T, ctx.X.T, lower=True)  # x_i'(RX'RX)^{-1}x_i = |u_i|^2
        v = v - (u ** 2).sum(0)
    return e / np.sqrt(ctx.sigma2 * v)
