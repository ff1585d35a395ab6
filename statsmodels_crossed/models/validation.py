"""Checks of the model's inputs, with messages that name the problem.

lme4's checks are followed where they exist: grouping factors need at least
two levels and fewer levels than observations; the random effects must not
outnumber the observations; prior weights are positive; X is of full column
rank (aliased columns are dropped with a warning naming them).
"""
import difflib
import warnings

import numpy as np
import pandas as pd

from statsmodels_crossed.design.centering import Centering
from statsmodels_crossed.exceptions import DataError, MissingDataError, RankDeficiencyWarning


def as_frame(values, default_prefix):
    """A DataFrame view of an array-like of columns (1-D becomes one column)."""
    if isinstance(values, pd.DataFrame):
        return values
    if isinstance(values, pd.Series):
        return values.to_frame(values.name if values.name is not None else default_prefix)
    arr = np.asarray(values)
    if arr.ndim == 1:
        return pd.DataFrame({default_prefix: arr})
    if arr.ndim != 2:
        raise DataError(f"{default_prefix} must be 1-D or 2-D, got {arr.ndim} dimensions")
    return pd.DataFrame(arr, columns=[f"{default_prefix}{i}" for i in range(arr.shape[1])])


def n_rows(values):
    """``len(np.asarray(values))`` without converting a pandas object (pandas' array
    conversion of a small DataFrame costs more than the rest of a length check)."""
    if isinstance(values, (pd.DataFrame, pd.Series)):
        return len(values)
    return len(np.asarray(values))


def _na_rows(values, n):
    """Rows of an array-like (n,) or (n, k) holding NaN/None."""
    arr = np.asarray(values)
    if arr.dtype.kind in "fc":
        bad = np.isnan(arr)
    elif arr.dtype.kind in "iub":
        return np.zeros(n, dtype=bool)
    else:
        bad = pd.isna(arr)
    return bad.reshape(n, -1).any(1)


def missing_rows(endog, exog, groups, exog_re, weights):
    """Boolean mask of the rows with a missing value anywhere, and where."""
    n = len(groups)
    parts = {"endog": _na_rows(endog, n),
             "groups": np.logical_or.reduce([groups[c].isna().to_numpy()
                                             for c in groups.columns] + [np.zeros(n, bool)]),
             "exog_re": _na_rows(exog_re, n)}
    if exog is not None:
        parts["exog"] = _na_rows(exog, n)
    if weights is not None:
        parts["weights"] = _na_rows(weights, n)
    mask = np.zeros(len(groups), dtype=bool)
    for bad in parts.values():
        mask |= bad
    return mask, {k: int(v.sum()) for k, v in parts.items() if v.any()}


def handle_missing(mask, where, missing):
    if not mask.any():
        return
    if missing in ("raise", "none"):
        detail = ", ".join(f"{n} in {k}" for k, n in where.items())
        raise MissingDataError(f"missing values (NaN/None) in the data ({detail}); "
                               "use missing='drop' to drop those rows")
    if missing != "drop":
        raise ValueError(f"missing must be 'none', 'drop' or 'raise', not {missing!r}")


def check_response(endog, name):
    y = np.asarray(endog)
    if not np.issubdtype(y.dtype, np.number) and y.dtype != bool:
        raise DataError(f"the response {name!r} is not numeric (dtype {y.dtype})")
    y = y.astype(float).reshape(-1)
    if not np.isfinite(y).all():
        raise DataError(f"the response {name!r} has infinite values")
    return y


def check_weights(weights, n):
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).reshape(-1)
    if len(w) != n:
        raise DataError(f"weights has {len(w)} values for {n} observations")
    if not np.isfinite(w).all():
        raise DataError("weights must be finite")
    if (w < 0).any():
        raise DataError(f"weights must be positive: {int((w < 0).sum())} are negative")
    if (w == 0).any():
        raise DataError(f"weights must be positive: {int((w == 0).sum())} are zero "
                        "(drop those rows instead; they carry no information)")
    return w


def check_terms(terms, n, residual_scale=True):
    """lme4's identifiability checks on the grouping factors and term sizes.

    ``residual_scale=False`` (binomial and Poisson GLMMs, whose variance is fixed
    by the mean) allows as many levels or random effects as observations, as
    glmer does: an observation-level random effect is the usual model of
    overdispersion there (lme4's grouseticks example, ``(1 | INDEX)``).
    """
    for t in terms:
        if t.n_levels < 2:
            raise DataError(f"grouping factor {t.group!r} has {t.n_levels} level; a random "
                            "effect needs at least 2 levels (use a fixed effect instead)")
        if residual_scale and t.n_levels >= n:
            raise DataError(f"grouping factor {t.group!r} has {t.n_levels} levels for {n} "
                            "observations: each observation is its own group, so the random "
                            "effect cannot be told apart from the residual. Is "
                            f"{t.group!r} the right column (an observation id, or a "
                            "continuous variable used as a factor)?")
        if residual_scale and t.q >= n:
            raise DataError(f"the term ({' + '.join(t.columns)} | {t.group}) has {t.q} random "
                            f"effects for {n} observations; the model is not identifiable")
        if t.k > 1:
            check_term_columns_vary(t)


def check_term_columns_vary(term):
    """Refuse a term whose columns are collinear within every level of its factor.

    Then the k x k covariance of the term cannot be estimated: e.g. a random
    slope on a variable that is constant within each group (a subject-level
    covariate in ``(1 + age | subject)``) is confounded with the intercept.
    """
    from statsmodels_crossed.linalg import _assemble

    gram = np.zeros((term.n_levels, term.k, term.k))
    _assemble.pair_blocks(term.codes.astype(np.int64), term.X, term.X,
                          np.ones(len(term.codes)), gram)
    eig = np.linalg.eigvalsh(gram)
    if np.all(eig[:, 0] <= 1e-10 * np.maximum(eig[:, -1], 1e-300)):
        cols = " + ".join(term.columns)
        raise DataError(f"in ({cols} | {term.group}) the columns do not vary independently "
                        f"within any level of {term.group!r} (e.g. a slope on a variable "
                        f"that is constant within each {term.group}): the term's covariance "
                        "cannot be estimated. Drop that slope from the term, or keep it as a "
                        "fixed effect only.")


# -- reliability (issue 8): magnitudes that double precision can carry, exact fits --
#: Largest (and smallest non-zero) absolute value a column may hold: the blocks hold
#: products of two columns, the covariance of beta ratios of squared scales (up to
#: 1e300), all within double precision's range of 1e+-308.
MAX_ABS = 1e75
MIN_ABS = 1e-75


def check_magnitude(values, names, what):
    """DataError when a column of ``values`` (n,) or (n, k) is too large or too small.

    A column passes when it is all zero or ``MIN_ABS <= max |value| <= MAX_ABS``.
    """
    arr = np.asarray(values, dtype=float)
    arr = arr.reshape(len(arr), -1)
    if arr.size == 0:
        return
    top = np.abs(arr).max(0)
    bad = ((top > MAX_ABS) | ((top > 0) & (top < MIN_ABS))).nonzero()[0]
    if len(bad):
        j = bad[0]
        raise DataError(f"{what} {names[j]!r} has values of magnitude {top[j]:.3g}, outside "
                        f"the range [{MIN_ABS:g}, {MAX_ABS:g}] that double precision can "
                        "carry through the cross-products; rescale it (change its units)")


def check_not_exact(X, y, beta, name):
    """DataError when X beta reproduces y exactly (a constant response, say);
    ``beta`` is the least-squares fit of y on X.

    The residual variance is then 0 and the likelihood unbounded: no estimate
    exists.  Exact means a least-squares residual below ``1000 eps |y|`` (2.2e-13
    |y|): rounding, not data (y = 1e8 + noise of SD 1e-3 still fits).
    """
    norm = np.linalg.norm(y)
    resid = y - X @ beta if X.shape[1] else y
    if np.linalg.norm(resid) <= 1e3 * np.finfo(float).eps * norm:
        what = ("is constant" if np.ptp(y) == 0 else
                "is an exact linear function of the fixed effects")
        raise DataError(f"the response {name!r} {what}: the residual variance is 0 and "
                        "the model cannot be fitted")


def full_rank_columns(X, names, tol=1e-7):
    """Indices of the columns kept by dropping, in order, those aliased with earlier ones.

    A column is aliased when its residual on the kept columns is below
    ``tol`` times its norm (R's ``qr`` rule that lme4 uses, pivoting only
    the deficient columns to the end).  Warns with the dropped names.  The
    columns after an intercept are centred first (as the cross-product blocks
    hold them), so that a covariate far from zero (``x + 1e8``) is not taken
    for a multiple of the intercept.
    """
    X = Centering.of(X).center(X)
    keep, dropped = [], []
    Q = np.zeros((X.shape[0], 0))
    for j in range(X.shape[1]):
        x = X[:, j]
        norm = np.linalg.norm(x)
        r = x - Q @ (Q.T @ x)
        r = r - Q @ (Q.T @ r)
        rn = np.linalg.norm(r)
        if norm == 0 or rn <= tol * norm:
            dropped.append(names[j])
            continue
        keep.append(j)
        Q = np.column_stack([Q, r / rn])
    if dropped:
        warnings.warn(f"fixed-effect model matrix is rank deficient: dropping "
                      f"{len(dropped)} column(s) {dropped}", RankDeficiencyWarning,
                      stacklevel=4)
    return np.array(keep, dtype=int)


def unknown_keywords(kwargs, internal, public, where):
    """Refuse keyword arguments the model does not know, suggesting the closest name."""
    unknown = [k for k in kwargs if k not in internal]
    if unknown:
        close = difflib.get_close_matches(unknown[0], public, n=1)
        hint = f"; did you mean {close[0]}=?" if close else ""
        raise TypeError(f"{where} got unexpected keyword argument(s) {unknown}{hint}")


def fit_options(options, overrides, options_class):
    """A FitOptions from ``options`` (a FitOptions, a dict or None) and keyword overrides."""
    if options is None:
        options = options_class()
    elif isinstance(options, dict):
        overrides = {**options, **overrides}
        options = options_class()
    elif not isinstance(options, options_class):
        raise TypeError(f"options must be a {options_class.__name__} or a dict of its "
                        f"fields, not {type(options).__name__}")
    unknown = [k for k in overrides if not hasattr(options, k)]
    if unknown:
        fields = list(options.__dict__) + ["reml", "start_params"]
        close = difflib.get_close_matches(unknown[0].lower(), fields, n=1)
        hint = f"; did you mean {close[0]}=?" if close else ""
        raise TypeError(f"fit() got unknown option(s) {unknown}{hint} (see FitOptions)")
    return options_class(**{**options.__dict__, **overrides}) if overrides else options
