"""Denominator-df methods behind ``t_test``, ``f_test`` and ``summary(df_method=...)``.

``df_method`` is ``"satterthwaite"`` (:class:`~.satterthwaite.Satterthwaite`,
as lmerTest) or ``"kenward-roger"`` (:class:`~.kenward_roger.KenwardRoger`,
as pbkrtest; REML fits only).  The method object is computed once per
results instance and cached on it.

t tests (one row l of L at a time, as lmerTest's ``contest1D``):
``t = (l'beta - c) / se``, ``se = sqrt(l' V l)`` with V = vcov(beta)
(Satterthwaite) or the KR-adjusted ``Phi_A`` (Kenward-Roger), referred to
t(df) with the row's own df.  F tests: lmerTest's ``contestMD`` /
pbkrtest's ``KRmodcomp`` (see the two modules).
"""
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.formula._manager import FormulaManager
from statsmodels.stats.contrast import ContrastResults

from statsmodels_crossed.inference.kenward_roger import KenwardRoger
from statsmodels_crossed.inference.satterthwaite import Satterthwaite

_ALIASES = {"satterthwaite": "satterthwaite", "satt": "satterthwaite",
            "kenward-roger": "kenward-roger", "kenward_roger": "kenward-roger",
            "kenwardroger": "kenward-roger", "kr": "kenward-roger"}


def normalize(df_method):
    """Canonical name of a df method (case-insensitive; 'KR' and 'kenward_roger' accepted)."""
    key = str(df_method).lower().replace(" ", "")
    if key not in _ALIASES:
        raise ValueError(f"df_method must be 'satterthwaite' or 'kenward-roger', "
                         f"not {df_method!r}")
    return _ALIASES[key]


def method_for(results, df_method, **options):
    """The (cached) Satterthwaite or KenwardRoger object of ``results``.

    ``options`` go to the constructor (``use_prior_weights``, ``max_dim``
    for Kenward-Roger; ``tol`` for Satterthwaite); a new set of options
    recomputes.
    """
    name = normalize(df_method)
    cache = results.__dict__.setdefault("_ddf_cache", {})
    key = (name, tuple(sorted(options.items())))
    if key not in cache:
        cls = Satterthwaite if name == "satterthwaite" else KenwardRoger
        cache[key] = cls(results, **options)
    return cache[key]


def linear_constraints(results, r_matrix):
    """(L, rhs) from anything statsmodels' ``t_test`` accepts (array, string, tuple)."""
    lc = FormulaManager().get_linear_constraints(r_matrix, list(results.model.data.cov_names))
    L = np.atleast_2d(np.asarray(lc.constraint_matrix, dtype=float))
    rhs = (np.zeros(L.shape[0]) if lc.constraint_values is None
           else np.asarray(lc.constraint_values, dtype=float).ravel())
    if L.shape[1] != len(results.params):
        raise ValueError(f"r_matrix has {L.shape[1]} columns; there are "
                         f"{len(results.params)} fixed effects")
    return L, rhs


def t_test(results, r_matrix, df_method, **options):
    """statsmodels ContrastResults of t tests with per-row denominator df (``df_denom``)."""
    method = method_for(results, df_method, **options)
    L, rhs = linear_constraints(results, r_matrix)
    effect, se, df, t = method.t_test(L, rhs)
    out = ContrastResults(effect=effect, t=t, sd=se, df_denom=df)
    out.df_method = method.name
    return out


def f_test(results, r_matrix, df_method, **options):
    """statsmodels ContrastResults of the F test of ``L beta = rhs``.

    Satterthwaite: lmerTest's F and df.  Kenward-Roger: pbkrtest's scaled F
    (``fvalue``; ``fvalue_unscaled`` and ``F_scaling`` attached).
    """
    method = method_for(results, df_method, **options)
    L, rhs = linear_constraints(results, r_matrix)
    F, q, ddf, F_u = method.f_test(L, rhs)
    out = ContrastResults(F=F, df_num=q, df_denom=ddf)
    out.fvalue_unscaled = F_u
    out.F_scaling = F / F_u if F_u else 1.0
    out.df_method = method.name
    return out


def fixed_effects_table(results, alpha=0.05, df_method="satterthwaite", **options):
    """Coefficient table with t statistics and the chosen df (lmerTest's summary).

    Columns: Coef., Std.Err. (adjusted for Kenward-Roger), df, t, P>|t| and the
    t(df) confidence interval.
    """
    method = method_for(results, df_method, **options)
    p = len(results.params)
    effect, se, df, t = method.t_test(np.eye(p))
    q = stats.t.ppf(1 - alpha / 2, df)
    return pd.DataFrame({"Coef.": effect, "Std.Err.": se, "df": df, "t": t,
                         "P>|t|": 2 * stats.t.sf(np.abs(t), df),
                         f"[{alpha / 2:g}": effect - q * se,
                         f"{1 - alpha / 2:g}]": effect + q * se},
                        index=list(results.model.fe_names))
