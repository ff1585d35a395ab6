"""Type III F tests of the fixed-effects terms (lmerTest's ``anova(m)``).

One row per term of the fixed part (the intercept excluded): the F test of
the term's type III hypothesis ``L_term beta = 0``, with Satterthwaite or
Kenward-Roger denominator df (:mod:`.ddf`), and

    Mean Sq = F_unscaled * sigma^2,   Sum Sq = Mean Sq * NumDF

as lmerTest reports them.  ``L_term`` is lmerTest's own contrast matrix
(:mod:`.contrasts`: SAS-style type III hypotheses, which with treatment-coded
factors inside factor-by-factor interactions are not "the term's columns are
zero"; the basis of the rows also fixes lmerTest's multi-df Satterthwaite df).
Models without patsy design information (array constructor) use the
columns of each term, as statsmodels' ``wald_test_terms``.
"""
import numpy as np
import pandas as pd
from statsmodels.formula._manager import FormulaManager

from statsmodels_crossed.inference import ddf as ddf_methods
from statsmodels_crossed.inference.contrasts import type3_contrasts
from statsmodels_crossed.inference.kenward_roger import f_pvalue

COLUMNS = ["Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)"]


def term_contrasts(model):
    """{term name: L} for the fixed-effects terms, intercept excluded.

    ``L`` has one row per estimated coefficient of the term (columns dropped
    for rank deficiency are left out); terms left with no column are omitted.
    """
    kept = {c: i for i, c in enumerate(model.kept_columns)}
    eye = np.eye(len(kept))
    spec = getattr(model.data, "model_spec", None)
    out = {}
    if spec is not None:
        for name, sl in FormulaManager().get_term_name_slices(spec).items():
            if name in ("Intercept", "1"):
                continue
            cols = [kept[c] for c in range(model.exog.shape[1])[sl] if c in kept]
            if cols:
                out[name] = eye[cols]
        return out
    X = np.asarray(model.exog, dtype=float)
    for c, i in kept.items():
        if not np.all(X[:, c] == 1.0):
            out[model.exog_names[c]] = eye[[i]]
    return out


def anova_type3(results, df_method="satterthwaite", **options):
    """Type III table: Sum Sq, Mean Sq, NumDF, DenDF, F value, Pr(>F) per term.

    Parameters
    ----------
    results : CrossedLMResults
    df_method : {"satterthwaite", "kenward-roger"}
    **options
        Passed to the df method (e.g. ``use_prior_weights`` for Kenward-Roger).

    Returns
    -------
    pandas.DataFrame
        ``attrs["heading"]`` names the method, as lmerTest's heading.
    """
    method = ddf_methods.method_for(results, df_method, **options)
    contrasts = type3_contrasts(results.model)
    if contrasts is None:
        contrasts = term_contrasts(results.model)
    rows, names = [], []
    for name, L in contrasts.items():
        F, q, ddf, F_u = method.f_test(L)
        ms = F_u * results.scale
        rows.append([ms * q, ms, q, ddf, F, f_pvalue(F, q, ddf)])
        names.append(name)
    table = pd.DataFrame(rows, index=names, columns=COLUMNS, dtype=float)
    table["NumDF"] = table["NumDF"].astype(int)
    table.attrs["heading"] = (f"Type III Analysis of Variance Table with "
                              f"{method.name}'s method")
    return table
