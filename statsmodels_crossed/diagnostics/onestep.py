"""One-step deletion diagnostics: the variance parameters held at the full-data fit.

Delete the rows I (k of them) and keep theta and sigma^2.  beta is then the GLS
estimate of the remaining rows with their marginal covariance
``sigma^2 V_(I)``, ``V = Z Lambda Lambda' Z' + W^{-1}`` (Christensen, Pearson &
Johnson 1992; the "approx" measures of HLMdiag).  In the factor's terms, with
``N_I = L^{-1} G_I'`` the columns ``sqrt(w_i) [Lambda' z_i; x_i]`` of I,
``K = N_I' N_I`` (the hat matrix block ``H_II``), ``N_X`` the last p rows of
``N_I``, ``F = I_k - K`` and ``rt = sqrt(w_I) (y - X beta - Z b)_I``:

    beta - beta_(I)  = R_X^{-1} v,        v = N_X F^{-1} rt
    cov(beta_(I))    = sigma^2 R_X^{-1} M R_X^{-T},   M = I_p + N_X F^{-1} N_X'

(rank-k downdate of ``A = L L'`` by Woodbury; identical to CPJ's
``(X'V^{-1}X)^{-1} X'V^{-1}_{.I} P_II^{-1} (V^{-1} e)_I`` with
``P = V^{-1} - V^{-1}X(X'V^{-1}X)^{-1}X'V^{-1}`` and ``e = y - X beta``).  Then

    Cook's D = (beta - beta_(I))' cov(beta)^{-1}     (beta - beta_(I)) / p = |v|^2 / (p sigma^2)
    MDFFITS  = (beta - beta_(I))' cov(beta_(I))^{-1} (beta - beta_(I)) / p = v'M^{-1}v / (p sigma^2)
    COVTRACE = |trace(cov(beta)^{-1} cov(beta_(I))) - p|  = trace(N_X F^{-1} N_X')
    COVRATIO = det cov(beta_(I)) / det cov(beta)           = det M

For one observation (k = 1, ``h`` its leverage, ``a = N_{X,i}``):
``v = a rt / (1 - h)``, ``COVRATIO = 1 + |a|^2 / (1 - h)``, ``COVTRACE = |a|^2 / (1 - h)``,
``MDFFITS = rt^2 |a|^2 / ((1 - h)(1 - h + |a|^2) p sigma^2)``.
"""
import warnings

import numpy as np
from scipy.linalg import cho_factor, cho_solve, solve_triangular

MEASURES = ("cooks_d", "mdffits", "covtrace", "covratio")
#: Deletions with ``I - H_II`` this close to singular leave beta not estimable
#: (a fixed-effects column lives only in the deleted rows): their measures are NaN.
SINGULAR_TOL = 1e-10


def warn_not_estimable(count, total):
    """One warning for all the deletions whose measures are NaN."""
    if count:
        warnings.warn(f"{count} of {total} deletions leave a fixed effect not estimable; "
                      "their measures are NaN", RuntimeWarning, stacklevel=4)


def observation_measures(ctx):
    """One-step measures of deleting each observation alone, vectorized.

    Returns
    -------
    dict
        ``dfbeta`` (n, p) and one (n,) array per name in :data:`MEASURES`.
    """
    h, NX = ctx.observation_pieces
    rt = ctx.sqrtw * ctx.resid_conditional
    p, s2 = ctx.p, ctx.sigma2
    f = 1.0 - h
    singular = f <= SINGULAR_TOL
    f = np.where(singular, np.nan, f)
    with np.errstate(divide="ignore", invalid="ignore"):
        a2 = (NX ** 2).sum(1)
        v = NX * (rt / f)[:, None]
        out = {"dfbeta": solve_triangular(ctx.RX, v.T, lower=False, check_finite=False).T
               if p else v,
               "cooks_d": (v ** 2).sum(1) / (p * s2),
               "mdffits": rt ** 2 * a2 / (f * (f + a2) * p * s2),
               "covtrace": a2 / f,
               "covratio": 1.0 + a2 / f}
    return out


def set_measures(ctx, rows, pieces=None):
    """One-step measures of deleting the row set ``rows`` together.

    Parameters
    ----------
    ctx : DiagnosticsContext
    rows : ndarray of int
    pieces : (K, NX), optional
        ``ctx.hat.group(rows)`` if already computed.

    Returns
    -------
    dict
        ``dfbeta`` (p,) and one float per name in :data:`MEASURES`.
    """
    K, NX = ctx.hat.group(rows) if pieces is None else pieces
    rt = ctx.sqrtw[rows] * ctx.resid_conditional[rows]
    p, s2 = ctx.p, ctx.sigma2
    F = np.eye(len(rows)) - K
    try:
        cf = cho_factor(F, lower=True)
        if np.diag(cf[0]).min() ** 2 <= SINGULAR_TOL:
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        return {"dfbeta": np.full(p, np.nan), **{m: np.nan for m in MEASURES}}
    sol = cho_solve(cf, np.column_stack([rt, NX.T]))
    v = NX @ sol[:, 0]
    C = NX @ sol[:, 1:]                                       # N_X F^{-1} N_X'
    M = np.eye(p) + C
    with np.errstate(divide="ignore", invalid="ignore"):
        return {"dfbeta": solve_triangular(ctx.RX, v, lower=False) if p else v,
                "cooks_d": v @ v / (p * s2),
                "mdffits": v @ np.linalg.solve(M, v) / (p * s2) if p else np.nan,
                "covtrace": abs(np.trace(C)),
                "covratio": np.linalg.det(M)}
