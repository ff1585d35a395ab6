"""Leverage: the diagonal of the hat matrix, split as HLMdiag splits it.

With ``V = Z Lambda Lambda' Z' + W^{-1}`` (the marginal covariance of y over
sigma^2) the conditional fitted values are ``yhat = (H1 + H2) y`` with

    H1 = X (X'V^{-1}X)^{-1} X'V^{-1}                     (fixed effects)
    H2 = Z Lambda Lambda' Z' V^{-1} (I - H1)             (random effects)

(Demidenko & Stukel 2005).  The columns of :func:`leverage` are

* ``overall``  = diag(H1 + H2) = ``w_i |L^{-1} [Lambda' z_i; x_i]|^2``, lme4's
  ``hatvalues()``;
* ``fixef``    = diag(H1) = ``sqrt(w_i) (L_X^{-1} x_i)' N_{X,i}``;
* ``ranef``    = diag(H2) = overall - fixef;
* ``ranef_uc`` = ``w_i |Lambda' z_i|^2``, the diagonal of ``Z D Z' R^{-1}``
  with ``D = sigma^2 Lambda Lambda'`` and ``R = sigma^2 W^{-1}``: the
  unconfounded random-effects leverage of Nobre & Singer (2011)
  (HLMdiag's ``ranef.uc``, which ignores prior weights).

For a grouping factor, each column is the mean over the observations of each
level (HLMdiag's group-level leverage).
"""
import numpy as np
import pandas as pd

from statsmodels_crossed.diagnostics.context import context

COLUMNS = ["overall", "fixef", "ranef", "ranef_uc"]


def hatvalues(results):
    """lme4's ``hatvalues()``: the diagonal of the hat matrix, as a Series by row."""
    ctx = context(results)
    h, _ = ctx.observation_pieces
    return pd.Series(h, index=ctx.index, name="hat_diag")


def leverage_arrays(ctx):
    """(n, 4) array of the columns of :data:`COLUMNS` for every observation."""
    h, NX = ctx.observation_pieces
    fixef = ctx.hat.fixed_part(np.arange(ctx.n), NX)
    uc = ctx.zlz * ctx.sqrtw ** 2
    return np.column_stack([h, fixef, h - fixef, uc])


def leverage(results, level=None):
    """Leverage of each observation (``level=None``) or each level of a grouping factor.

    Parameters
    ----------
    results : CrossedLMResults
    level : str, optional
        A grouping factor of the model: the mean leverage of the observations
        of each of its levels.

    Returns
    -------
    pandas.DataFrame
        Columns ``overall``, ``fixef``, ``ranef``, ``ranef_uc`` (module docstring).
    """
    ctx = context(results)
    values = leverage_arrays(ctx)
    if level is None:
        return pd.DataFrame(values, index=ctx.index, columns=COLUMNS)
    codes, levels = ctx.grouping(level)
    counts = np.bincount(codes, minlength=len(levels))
    means = np.column_stack([np.bincount(codes, weights=v, minlength=len(levels))
                             for v in values.T]) / counts[:, None]
    return pd.DataFrame(means, index=pd.Index(levels, name=level), columns=COLUMNS)
