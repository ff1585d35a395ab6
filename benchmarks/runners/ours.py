"""statsmodels_crossed (this package): ``smc.crossedlm(formula, data).fit(reml=True)``."""

from __future__ import annotations

import time

import numpy as np


def unsupported(case):
    try:
        import statsmodels_crossed.api  # noqa: F401
    except ImportError as exc:
        return f"not importable ({exc})"
    return None


def fit(case, df):
    import statsmodels_crossed.api as smc

    res = smc.crossedlm(case.formula, data=df).fit(reml=True)
    fe = res.fe_params
    index = getattr(fe, "index", None)
    names = list(index) if index is not None else list(res.model.exog_names)
    return {"objective": -2.0 * float(res.llf),
            "fixef": dict(zip(names, np.asarray(fe, dtype=float).tolist())),
            "theta": np.asarray(res.theta, dtype=float).tolist(),
            "info": {"scale": float(res.scale), "nobs": int(res.model.nobs),
                     "converged": _get(res, "converged"),
                     "evals": _get(getattr(res, "optsummary", None), "n_evals"),
                     "factorization": _get(res, "factorization")}}


def _get(obj, name):
    val = getattr(obj, name, None)
    return val if isinstance(val, (bool, int, float, str, type(None))) else str(val)


# ---------------------------------------------------------------- scaling hook

def objective_function(model):
    """HOOK for the scaling case: ``(f, theta0)`` with ``f(theta) -> REML criterion``.

    ``model.objective(reml=True)`` is lme4's ``devFunOnly``: building it forms the
    cross-product blocks (the one pass over n) and the factorization's structure;
    calling it with theta evaluates the criterion without touching n.
    """
    f = model.objective(reml=True)
    return f, np.asarray(f.theta_map.start(), dtype=float)


def scaling(case, df, evals=5):
    """Setup (formula to model, then to the objective with its cross-product blocks),
    first and median per-evaluation time of the objective, and the fit."""
    import statsmodels_crossed.api as smc

    t0 = time.perf_counter()
    model = smc.crossedlm(case.formula, data=df)
    t1 = time.perf_counter()
    out = {"model_seconds": t1 - t0}
    try:
        f, theta0 = objective_function(model)
        out["setup_seconds"] = time.perf_counter() - t0
        rng = np.random.default_rng(0)
        times, values = [], []
        for i in range(evals + 1):
            theta = theta0 if i == 0 else theta0 * rng.uniform(0.5, 1.5, theta0.size)
            t = time.perf_counter()
            values.append(float(f(theta)))
            times.append(time.perf_counter() - t)
        out.update(first_eval_seconds=times[0], eval_seconds=float(np.median(times[1:])),
                   objective_at_theta0=values[0])
    except Exception as exc:  # hook out of date: still report the model and the fit
        out["setup_seconds"] = t1 - t0
        out["eval_error"] = f"{type(exc).__name__}: {exc}"
    t = time.perf_counter()
    res = model.fit(reml=True)
    out.update(fit_seconds=time.perf_counter() - t, objective=-2.0 * float(res.llf),
               evals=_get(getattr(res, "optsummary", None), "n_evals"),
               factorization=_get(res, "factorization"))
    return out
