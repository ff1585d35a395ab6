"""Starting values for theta from one-way ANOVA moments of the OLS residuals.

From the cross-product blocks alone (no pass over the data).  For column c of
term t, with OLS residuals r and per-level sums ``s_l = sum w x_c r`` and
``d_l = sum w x_c^2``, the between-level sum of squares ``BSS = sum s_l^2 / d_l``
has expectation about ``l sigma^2 + tau^2 sum d_l`` when column c carries a
random effect of variance tau^2.  So ``tau^2 = (BSS - l sigma^2) / sum d_l``,
with sigma^2 the smallest within-level residual variance over the terms (each
is an upper bound of sigma^2).
The relative factor starts at ``sqrt(tau^2 / sigma^2)`` on the diagonal (clipped
to [0.01, 10]) and 0 elsewhere.  The optimizer starts from this or from lme4's
identity start, whichever has the lower criterion.
"""
import numpy as np


def moment_start(cp, theta_map):
    """Starting theta from ANOVA moments (see the module docstring)."""
    p = cp.p
    XtWX, XtWy, ytWy = cp.xyxy[:p, :p], cp.xyxy[:p, p], cp.xyxy[p, p]
    beta = np.linalg.lstsq(XtWX, XtWy, rcond=None)[0] if p else np.zeros(0)
    rss = ytWy - XtWy @ beta
    between, lambdas = [], []
    for t, term in enumerate(cp.terms):
        s = cp.xyz[t][p] - np.tensordot(beta, cp.xyz[t][:p], axes=(0, 0))  # (l, k)
        d = np.diagonal(cp.diag[t], axis1=1, axis2=2)                       # (l, k)
        ok = d > 0
        bss = np.where(ok, s ** 2 / np.where(ok, d, 1.0), 0.0).sum(0)
        between.append((bss, ok.sum(0), d.sum(0)))
    # each term's within-level residual variance bounds sigma^2 from above
    sigma2 = min((rss - b[0][0]) / max(cp.n - term.n_levels - p, 1)
                 for b, term in zip(between, cp.terms))
    sigma2 = max(sigma2, 1e-12 * max(rss, 1e-300) / cp.n)
    for (bss, nl, dsum), term in zip(between, cp.terms):
        tau2 = np.maximum(bss - nl * sigma2, 0.0) / np.maximum(dsum, 1e-300)
        lambdas.append(np.diag(np.clip(np.sqrt(tau2 / sigma2), 0.01, 10.0)))
    return theta_map.theta_from_lambdas(lambdas)


def best_start(objective, cp):
    """lme4's identity start or the moment start, whichever is lower."""
    tmap = objective.theta_map
    identity = tmap.start()
    try:
        moments = moment_start(cp, tmap)
    except np.linalg.LinAlgError:
        return identity
    if not np.all(np.isfinite(moments)):
        return identity
    return moments if objective(moments) < objective(identity) else identity
