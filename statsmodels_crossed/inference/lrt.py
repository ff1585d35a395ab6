"""Likelihood-ratio tests between nested fits (lme4's ``anova(m1, m2, ...)``).

For fits sorted by their number of parameters ``npar`` (fixed effects +
theta + 1), consecutive pairs are compared:

    Chisq = 2 max(0, logLik_i - logLik_{i-1}),   Df = npar_i - npar_{i-1},
    Pr(>Chisq) = P(chi2_Df > Chisq)

As lme4, REML fits are first refitted by ML (``refit=True``), because REML
likelihoods of models with different fixed effects are not comparable; the
table then holds ML values.  With ``refit=False`` REML fits are compared as
they are, which is only allowed when all fits are REML with the same fixed
effects (tests of random-effects structure).
"""
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from statsmodels_crossed.inference.refit import ml_fit

COLUMNS = ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]


def _unwrap(res):
    return getattr(res, "_results", res)


def _X(res):
    model = res.model
    X = np.asarray(model.exog, dtype=float)
    return X[:, model.kept_columns] if hasattr(model, "kept_columns") else X


def check_same_data(fits):
    """Refuse fits to different data: nobs, response or prior weights differ."""
    first = fits[0]
    y0 = np.asarray(first.model.endog, dtype=float)
    w0 = getattr(first.model, "weights", None)
    for i, res in enumerate(fits[1:], start=2):
        if int(res.nobs) != int(first.nobs):
            raise ValueError(f"models were not all fitted to the same data: model 1 has "
                             f"{int(first.nobs)} observations, model {i} has {int(res.nobs)} "
                             "(missing values dropped differently?)")
        y = np.asarray(res.model.endog, dtype=float)
        if y.shape != y0.shape or not np.array_equal(y, y0):
            raise ValueError(f"models were not all fitted to the same data: the response of "
                             f"model {i} ({res.model.endog_names}) differs from model 1's "
                             f"({first.model.endog_names})")
        w = getattr(res.model, "weights", None)
        if (w is None) != (w0 is None) or (w is not None and not np.array_equal(w, w0)):
            raise ValueError(f"models were not all fitted with the same prior weights "
                             f"(model 1 and model {i} differ)")


def _re_structure(res):
    """[(group, columns)] of the random-effects terms."""
    return [(t.group, tuple(t.columns)) for t in getattr(res, "reterms", [])]


def check_nested(small, big, names):
    """Raise if ``small`` is detectably not nested in ``big``.

    Fixed effects: the column space of the small X must lie in the big one's.
    Random effects: every term ``(cols | g)`` of the small model needs a term
    on the same grouping factor in the big model holding all its columns
    (a correlated multi-column term must stay together).
    """
    Xs, Xb = _X(small), _X(big)
    if Xs.shape[1]:
        coef = np.linalg.lstsq(Xb, Xs, rcond=None)[0] if Xb.shape[1] else np.zeros((0, 0))
        resid = Xs - Xb @ coef if Xb.shape[1] else Xs
        scale = np.linalg.norm(Xs, axis=0) + 1e-300
        if np.any(np.linalg.norm(resid, axis=0) / scale > 1e-7):
            raise ValueError(f"models are not nested: the fixed effects of {names[0]!r} are "
                             f"not contained in those of {names[1]!r} (which has fewer or "
                             "other columns)")
    big_terms = _re_structure(big)
    for group, cols in _re_structure(small):
        if not any(g == group and set(cols) <= set(c) for g, c in big_terms):
            raise ValueError(f"models are not nested: the random-effects term "
                             f"({' + '.join(cols)} | {group}) of {names[0]!r} has no "
                             f"counterpart in {names[1]!r}")


def _model_names(fits, names):
    if names is not None:
        if len(names) != len(fits):
            raise ValueError(f"{len(names)} model_names for {len(fits)} models")
        return [str(n) for n in names]
    forms = [getattr(r.model, "formula", None) for r in fits]
    if None in forms or len(set(forms)) < len(forms):
        return [f"model {i + 1}" for i in range(len(fits))]
    return forms


def lr_table(*results, refit=True, model_names=None):
    """lme4's ``anova(m1, m2, ...)`` table (see the module docstring).

    Parameters
    ----------
    *results : CrossedLMResults
        Two or more fits to the same data.
    refit : bool
        Refit REML fits by ML first (lme4's default).
    model_names : list of str, optional
        Row labels (default: the formulas, or "model 1", "model 2", ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``npar, AIC, BIC, logLik, deviance, Chisq, Df, Pr(>Chisq)``,
        one row per model, **sorted by npar as lme4 sorts them** (stable, so
        models given in increasing size keep their order).
        ``attrs["refit_ML"]`` says whether REML fits were refitted.
    """
    fits = [_unwrap(r) for r in results]
    if len(fits) < 2:
        raise ValueError("a likelihood-ratio test needs at least two fitted models")
    names = _model_names(fits, model_names)
    check_same_data(fits)
    reml = [bool(getattr(r, "reml", False)) for r in fits]
    refitted = refit and any(reml)
    if refitted:
        warnings.warn("refitting model(s) with ML (instead of REML) for the "
                      "likelihood-ratio test", UserWarning, stacklevel=3)
        fits = [ml_fit(r) for r in fits]
    elif any(reml):
        if not all(reml):
            raise ValueError("some models were fitted by REML and some by ML; use refit=True")
        if any(_X(r).shape != _X(fits[0]).shape or not np.allclose(_X(r), _X(fits[0]))
               for r in fits):
            raise ValueError("REML likelihoods of models with different fixed effects are not "
                             "comparable; use refit=True (ML) for this comparison")
    npar = np.array([r.k_params_total for r in fits])
    order = np.argsort(npar, kind="stable")
    fits, names, npar = [fits[i] for i in order], [names[i] for i in order], npar[order]
    for a, b, na, nb in zip(fits, fits[1:], names, names[1:]):
        check_nested(a, b, (na, nb))
    llf = np.array([r.llf for r in fits])
    chisq = np.r_[np.nan, 2 * np.maximum(0.0, np.diff(llf))]
    df = np.r_[np.nan, np.diff(npar)]
    with np.errstate(invalid="ignore"):
        p = np.where(df > 0, stats.chi2.sf(chisq, np.where(df > 0, df, 1)), np.nan)
    table = pd.DataFrame({"npar": npar, "AIC": [r.aic for r in fits],
                          "BIC": [r.bic for r in fits], "logLik": llf, "deviance": -2 * llf,
                          "Chisq": chisq, "Df": df, "Pr(>Chisq)": p}, index=names)
    table.attrs["refit_ML"] = refitted
    if refitted:
        table.attrs["note"] = "REML fits were refitted by ML; the table holds ML values"
    return table


def compare_lr_test(big, small, refit=True):
    """``(lr_stat, p_value, df_diff)`` of the LR test of ``small`` against ``big``
    (statsmodels' ``compare_lr_test`` convention)."""
    table = lr_table(small, big, refit=refit, model_names=["restricted", "full"])
    if list(table.index) != ["restricted", "full"]:
        raise ValueError("the restricted model has more parameters than the full model")
    row = table.loc["full"]
    return float(row["Chisq"]), float(row["Pr(>Chisq)"]), float(row["Df"])


def anova(*results, refit=True, model_names=None, df_method="satterthwaite"):
    """lme4/lmerTest's ``anova``: one fit -> type III F table (:meth:`anova` of the
    results, with ``df_method``); several fits -> likelihood-ratio table
    (:func:`lr_table`)."""
    if len(results) == 1:
        from statsmodels_crossed.inference.type3 import anova_type3

        return anova_type3(_unwrap(results[0]), df_method=df_method)
    return lr_table(*results, refit=refit, model_names=model_names)
