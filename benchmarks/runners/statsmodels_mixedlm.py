"""statsmodels MixedLM, crossed factors as variance components of one all-data group.

``MixedLM.from_formula(fixed, groups=np.ones(n), re_formula="0",
vc_formula={"s": "0 + C(s)", ...})``: the only way statsmodels expresses crossed
random intercepts. Correlated random slopes on crossed factors are not expressible
(variance components are independent), so ``slopes`` is skipped.

``use_sparse=True`` (sparse variance-component design) when the dense design n x q
would exceed ``SPARSE_ABOVE`` bytes: slower on small data (penicillin 0.55 s vs
0.03 s), the only option on large data. ``llf`` uses lme4's constants (penicillin:
-2 llf = 330.860589, lme4 REMLcrit 330.860589).
"""

from __future__ import annotations

import numpy as np

#: use the sparse variance-component design above this dense size (bytes)
SPARSE_ABOVE = 2e8
#: from_formula builds each variance component's design densely through the formula
#: engine (use_sparse converts afterwards), so past this size it cannot even start
DENSE_LIMIT = 4e9


def unsupported(case):
    import statsmodels.api  # noqa: F401  (timed as the import)

    if any(t.slope for t in case.random):
        return "not expressible (correlated slopes on crossed factors)"
    return None


def skip_for_data(case, df):
    q = sum(_nlevels(df, t.group) for t in case.random)
    if 8.0 * len(df) * q > DENSE_LIMIT:
        return (f"not attempted: from_formula builds the dense n x q design "
                f"({8.0 * len(df) * q / 1e9:.0f} GB)")
    return None


def _nlevels(df, group):
    cols = group.split(":")
    return int(df[cols].drop_duplicates().shape[0]) if len(cols) > 1 else int(df[group].nunique())


def _vc_term(group):
    return "0 + " + ":".join(f"C({c})" for c in group.split(":"))


def fit(case, df):
    import statsmodels.api as sm

    vc = {t.group.replace(":", "_"): _vc_term(t.group) for t in case.random}
    q = sum(_nlevels(df, t.group) for t in case.random)
    sparse = 8.0 * len(df) * q > SPARSE_ABOVE
    model = sm.MixedLM.from_formula(f"{case.response} ~ {case.fixed}", data=df,
                                    groups=np.ones(len(df)), re_formula="0",
                                    vc_formula=vc, use_sparse=sparse)
    res = model.fit(reml=True)
    p = model.k_fe
    return {"objective": -2.0 * float(res.llf),
            "fixef": dict(zip(model.exog_names[:p], np.asarray(res.fe_params, float).tolist())),
            "theta": (np.sqrt(np.asarray(res.vcomp, float) / res.scale)).tolist(),
            "info": {"converged": bool(res.converged), "use_sparse": sparse}}
