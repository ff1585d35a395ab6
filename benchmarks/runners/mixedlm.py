"""mixedlm (PyPI, Rust core): ``mixedlm.lmer(formula, data, REML=True)``, lme4 syntax."""

from __future__ import annotations

import numpy as np


def unsupported(case):
    try:
        from mixedlm import lmer  # noqa: F401  (its exports load lazily: import now)
    except ImportError as exc:
        return f"not installed ({exc})"
    return None


def fit(case, df):
    import mixedlm

    res = mixedlm.lmer(case.formula, df, REML=True)
    # REMLcrit() is lme4's: -2 REML log-likelihood with all constants.
    return {"objective": float(res.REMLcrit()),
            "fixef": {k: float(v) for k, v in res.fixef().items()},
            "theta": np.asarray(res.theta, dtype=float).tolist(),
            "info": {"converged": bool(res.converged), "evals": int(res.function_evals),
                     "optimizer": str(res.optimizer)}}
