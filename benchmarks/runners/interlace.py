"""interlace-lme (PyPI): ``interlace.fit(fixed, data, random=[...], method="REML")``.

Defaults otherwise (L-BFGS-B, Satterthwaite df), as a user would call it. The fixed
and random parts are passed separately; ``(1 | a:b)`` is parsed by interlace itself.
It does not parse an interaction group ``(1 | a:b)`` (only nesting ``a/b``, which
adds ``(1 | a)``), so ``a:b`` becomes a column ``a_b`` with lme4's labels ``"a:b"``.
Its random-slope covariates must be numeric, so a two-level factor slope ``cond``
becomes the 0/1 column of its second level (lme4's treatment coding) for the random
part only.
"""

from __future__ import annotations

import numpy as np


def unsupported(case):
    try:
        import interlace  # noqa: F401
    except ImportError as exc:
        return f"not installed ({exc})"
    return None


def fit(case, df):
    import interlace

    random = []
    for t in case.random:
        if ":" in t.group:
            cols = t.group.split(":")
            col = "_".join(cols)
            if col not in df:
                lab = df[cols[0]].astype(str)
                for c in cols[1:]:
                    lab = lab + ":" + df[c].astype(str)
                df = df.assign(**{col: lab})
            random.append(f"(1 | {col})")
            continue
        if t.slope and str(df[t.slope].dtype) == "category":
            cats = df[t.slope].cat.categories
            if len(cats) != 2:
                raise ValueError(f"factor slope {t.slope} with {len(cats)} levels")
            col = f"{t.slope}{cats[1]}"
            if col not in df:
                df = df.assign(**{col: (df[t.slope] == cats[1]).astype(float)})
            random.append(f"(1 + {col} | {t.group})")
        else:
            random.append(t.lme4)
    res = interlace.fit(f"{case.response} ~ {case.fixed}", df, random=random, method="REML")
    fe = res.fe_params
    # llf is the REML log-likelihood with lme4's constants (checked on penicillin).
    return {"objective": -2.0 * float(res.llf),
            "fixef": {str(k): float(v) for k, v in fe.items()},
            "theta": np.asarray(res.theta, dtype=float).tolist(),
            "info": {"converged": bool(getattr(res, "converged", True))}}
