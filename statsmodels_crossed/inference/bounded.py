"""Bound-constrained derivative-free minimization for the inner problems of profiling."""
import nlopt
import numpy as np


def bobyqa(f, x0, lower, upper, step, ftol_abs=1e-11, xtol_rel=1e-10, maxeval=5000):
    """Minimize ``f`` over ``lower <= x <= upper`` from ``x0`` by NLopt's BOBYQA.

    Returns ``(x, f(x))`` of the best point evaluated (non-finite values of
    ``f`` count as 1e300).
    """
    x0 = np.clip(np.asarray(x0, dtype=float), lower, upper)
    if len(x0) == 0:
        return x0, float(f(x0))
    best = {"f": np.inf, "x": x0.copy()}

    def objective(x, grad):
        val = float(f(x))
        if val < best["f"]:
            best["f"], best["x"] = val, x.copy()
        return val if np.isfinite(val) else 1e300

    opt = nlopt.opt(nlopt.LN_BOBYQA, len(x0))
    opt.set_lower_bounds(np.asarray(lower, dtype=float))
    opt.set_upper_bounds(np.asarray(upper, dtype=float))
    opt.set_initial_step(np.asarray(step, dtype=float))
    opt.set_ftol_abs(ftol_abs)
    opt.set_xtol_rel(xtol_rel)
    opt.set_maxeval(maxeval)
    opt.set_min_objective(objective)
    try:
        opt.optimize(x0)
    except nlopt.RoundoffLimited:
        pass
    return best["x"], best["f"]
