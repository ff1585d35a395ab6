"""Starting values for theta from one-way ANOVA moments of the OLS residuals.

From the cross-product blocks alone (no pass over the data).  For column c of
term t, with OLS residuals r and per-level sums ``s_l = sum w x_c r`` and
``d_l = sum w x_c^2``, the between-level sum of squares ``BSS = sum s_l^2 / d_l``
has expectation about ``l sigma^2 + tau^2 sum d_l`` when column c carries a
random effect of variance tau^2.  So ``tau^2 = (BSS - l sigma^2) / sum d_l``.
Two estimates of sigma^2 give two starts: the residual variance of the
regression on X and every term's columns together (its residual sum of
squares over n - rank degrees of freedom; with crossed factors each term's
within-level variance still contains the other terms' variance and put the
start at half the optimum on Penicillin), and the smallest within-level residual variance
over the terms (each an upper bound).  The relative factor starts at
``sqrt(tau^2 / sigma^2)`` on the diagonal (clipped to [0.01, 10]) and 0
elsewhere.  :func:`best_start` keeps the start with the lower criterion; lme4's
identity start is only the fallback.
"""
import numpy as np

from statsmodels_crossed.design.normal_equations import residual_sum_of_squares


#: theta entries of the evaluation that estimates sigma^2 (a penalty 1e-6 of the fit's).
LARGE_THETA = 1e3
#: Dense blocks from which conjugate gradients replace that evaluation (and with the
#: CHOLMOD path, always).  Below, the evaluation is cheaper: InstEval's 1,159 rows
#: 18 ms against 26 ms, Penicillin 0.3 against 0.7 ms; above it is not: big_crossed's
#: 4,003 rows 350 against 100 ms, sparse_crossed (CHOLMOD) 60-100 against 15 ms.
CG_FROM_DENSE_ROWS = 2000


def _evaluation_is_costly(objective):
    m = getattr(objective.factor, "m", None)
    return m is None or m >= CG_FROM_DENSE_ROWS


def residual_variance(objective, cp):
    """sigma^2 of the regression on X and all random-effects columns, or None.

    The residual sum of squares is ``objective.components`` at theta =
    :data:`LARGE_THETA` on the diagonal (its penalized residual sum of squares is
    the least-squares one up to a relative 1e-6 of the random effects' size)
    where an evaluation is cheap, and otherwise comes from the normal equations
    solved by conjugate gradients (:mod:`design.normal_equations`, no
    factorization; the evaluation again should they not converge).
    """
    # each term's intercept columns sum to X's intercept: one aliased column per
    # term (exact for connected crossed designs with an intercept in X; nested
    # designs alias more, which only makes this sigma^2 a little larger)
    intercepts = sum(t.columns[:1] in (("Intercept",), ("(Intercept)",)) for t in cp.terms)
    df = cp.n - cp.p - cp.q + intercepts
    if df < max(10, 0.1 * cp.n):
        return None
    rss = residual_sum_of_squares(cp) if _evaluation_is_costly(objective) else None
    if rss is None:
        theta = np.where(objective.theta_map.is_diagonal(), LARGE_THETA, 0.0)
        comp = objective.components(theta)
        rss = None if comp is None else comp.pwrss
    if rss is None or not np.isfinite(rss) or rss <= 0:
        return None
    return rss / df


def moment_start(cp, theta_map, sigma2=None):
    """Starting theta from ANOVA moments (see the module docstring); ``sigma2``
    from :func:`residual_variance` when available."""
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
    within = min((rss - b[0][0]) / max(cp.n - term.n_levels - p, 1)
                 for b, term in zip(between, cp.terms))
    sigma2 = within if sigma2 is None else min(sigma2, within)
    sigma2 = max(sigma2, 1e-12 * max(rss, 1e-300) / cp.n)
    for (bss, nl, dsum), term in zip(between, cp.terms):
        tau2 = np.maximum(bss - nl * sigma2, 0.0) / np.maximum(dsum, 1e-300)
        lambdas.append(np.diag(np.clip(np.sqrt(tau2 / sigma2), 0.01, 10.0)))
    return theta_map.theta_from_lambdas(lambdas)


def best_start(objective, cp):
    """The lower of the two moment starts; lme4's identity start if they fail.

    The moment start with sigma^2 from :func:`residual_variance` is right for
    balanced crossed designs (Penicillin: 0.13 above the optimum, against 23
    with the within-level sigma^2), the within-level one for nested designs
    and random slopes, where the between-level sums of squares overstate the
    variances and the larger sigma^2 compensates; which one is better shows in
    the criterion.  With one term the two coincide and one evaluation is saved.
    lme4's identity start was worse than both on every reference case (by up
    to 4,400 on InstEval), so it is only the fallback.  (The optimizer's first
    evaluation reuses the factorization when the winner is the last candidate.)
    """
    tmap = objective.theta_map
    try:
        sigma2 = residual_variance(objective, cp) if len(cp.terms) > 1 else None
        candidates = ([moment_start(cp, tmap, sigma2)] if sigma2 else []) + [
            moment_start(cp, tmap)]            # last: it won on 9 of 11 reference cases
    except np.linalg.LinAlgError:
        candidates = []
    candidates = [c for c in candidates if np.all(np.isfinite(c))]
    if not candidates:
        return tmap.start()
    if len(candidates) == 1:
        return candidates[0]
    values = [objective(c) for c in candidates]
    return candidates[int(np.argmin(values))]
