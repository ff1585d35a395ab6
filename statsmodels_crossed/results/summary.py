"""The summary table of a CrossedLM fit (statsmodels' ``summary2.Summary``)."""
import numpy as np
import pandas as pd
from statsmodels.iolib import summary2


def _fmt(x, digits=4):
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}f}"


#: Formulas longer than this go below the tables (the two-column block would be
#: as wide as the formula).
LONG_FORMULA = 40


def formula_cell(model):
    """The formula for the model block, or "(below)" when it is long
    (:func:`build_summary` then prints it under the tables)."""
    formula = getattr(model, "formula", None) or "(arrays)"
    return formula if len(formula) <= LONG_FORMULA else "(below)"


def model_info(res):
    model = res.model
    info = {
        "Model:": "CrossedLM",
        "Formula:": formula_cell(model),
        "Method:": "REML" if res.reml else "ML",
        "Dependent variable:": model.endog_names,
        "No. observations:": str(int(res.nobs)),
    }
    if model.n_dropped:
        info["Dropped (missing):"] = str(model.n_dropped)
    for g, n in res.ngroups.items():
        info[f"No. groups {g}:"] = str(n)
    crit = "REML criterion:" if res.reml else "Deviance (-2 logLik):"
    info[crit] = f"{-2 * res.llf:.4f}"
    info["Log-likelihood:"] = f"{res.llf:.4f}"
    info["AIC:"] = f"{res.aic:.4f}"
    info["BIC:"] = f"{res.bic:.4f}"
    info["Scale (sigma^2):"] = f"{res.scale:.4f}"
    info["Converged:"] = "Yes" if res.converged else "No"
    if res.is_singular:
        info["Singular fit:"] = "Yes (a variance is on the boundary)"
    return info


def random_effects_table(res):
    vc = res.varcorr()
    rows = []
    for _, r in vc.iterrows():
        if pd.isna(r["var2"]):
            term = "" if pd.isna(r["var1"]) else r["var1"]
            rows.append([r["group"], term, _fmt(r["vcov"]), _fmt(r["sdcor"]), ""])
        else:
            rows.append([r["group"], f"{r['var1']} ~ {r['var2']}", _fmt(r["vcov"]), "",
                         _fmt(r["sdcor"], 3)])
    return pd.DataFrame(rows, columns=["Random effects", "Term", "Variance", "Std.Dev.",
                                       "Corr."])


def build_summary(res, alpha=0.05, title=None, info=None, df_method=None):
    """statsmodels Summary: model information, fixed effects, random effects."""
    smry = summary2.Summary()
    smry.add_title(title or "Linear mixed model with crossed random effects")
    info = model_info(res) if info is None else info
    smry.add_dict(info, ncols=2)
    smry.add_df(res._fixed_effects_table(alpha) if df_method is None
                else res._fixed_effects_table(alpha, df_method=df_method))
    if df_method is not None:
        smry.add_text(f"Fixed effects: t tests, denominator df by {df_method}")
    smry.add_df(random_effects_table(res), index=False)
    if info.get("Formula:") == "(below)":
        smry.add_text(f"Formula: {res.model.formula}")
    smry.add_text(f"Factorization: {res.factorization}")
    return smry
