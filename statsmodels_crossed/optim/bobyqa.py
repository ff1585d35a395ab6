"""Bounded derivative-free minimization of the profiled criterion over theta."""
import time
import warnings

import numpy as np

from statsmodels_crossed.exceptions import ConvergenceWarning
from statsmodels_crossed.optim.options import OptSummary

_SUCCESS = {1: "success", 2: "stopval reached", 3: "ftol reached", 4: "xtol reached"}


def _nlopt_minimize(f, x0, lower, opts, summary):
    import nlopt

    opt = nlopt.opt(nlopt.LN_BOBYQA, len(x0))
    opt.set_lower_bounds(lower)
    opt.set_upper_bounds(np.full(len(x0), np.inf))
    opt.set_ftol_abs(opts.ftol_abs)
    opt.set_ftol_rel(opts.ftol_rel)
    opt.set_xtol_abs(opts.xtol_abs)
    opt.set_maxeval(opts.maxeval)
    opt.set_initial_step(initial_step(x0, lower) if opts.initial_step is None
                         else opts.initial_step)
    best = {"f": np.inf, "x": np.array(x0, dtype=float)}

    def objective(x, grad):
        val = f(x)
        summary.log.append((x.copy(), val))
        if opts.verbose:
            print(f"{len(summary.log):5d}  {val:.10f}  theta = {np.array2string(x, precision=6)}")
        if val < best["f"]:
            best["f"], best["x"] = val, x.copy()
        return val if np.isfinite(val) else 1e300

    opt.set_min_objective(objective)
    try:
        opt.optimize(np.asarray(x0, dtype=float))
        code = opt.last_optimize_result()
        message = _SUCCESS.get(code, "maxeval reached" if code == 5 else f"nlopt code {code}")
        converged = code in _SUCCESS
    except nlopt.RoundoffLimited:
        message, converged = "roundoff limited (optimum reached to machine precision)", True
    return best["x"], best["f"], converged, message


def initial_step(x0, lower):
    """A quarter of each starting value (off-diagonal entries, those without a
    lower bound: of the largest diagonal one), clipped to [0.01, 0.25]."""
    x0 = np.abs(np.asarray(x0, dtype=float))
    diagonal = np.isfinite(lower)
    scale = np.where(diagonal, x0, x0[diagonal].max() if diagonal.any() else 1.0)
    return np.clip(0.25 * scale, 0.01, 0.25)


def minimize_theta(f, x0, lower, opts):
    """Minimize ``f(theta)`` subject to ``theta >= lower``.

    Returns an :class:`OptSummary`.  Warns with ``ConvergenceWarning`` when the
    optimizer stopped for a reason other than its tolerances.
    """
    summary = OptSummary(options=opts, theta0=np.array(x0, dtype=float))
    start = time.perf_counter()
    if len(x0) == 0:
        summary.theta, summary.fmin, summary.converged = np.zeros(0), f(np.zeros(0)), True
        summary.message = "no variance parameters"
    else:
        if opts.optimizer != "bobyqa":
            raise ValueError(f"unknown optimizer {opts.optimizer!r}; use 'bobyqa'")
        x, fx, ok, msg = _nlopt_minimize(f, x0, lower, opts, summary)
        if opts.restart_edge:
            x, fx = _restart_on_edge(f, x, fx, lower, opts, summary)
        summary.theta, summary.fmin, summary.converged, summary.message = x, fx, ok, msg
    summary.n_evals = len(summary.log)
    summary.seconds = time.perf_counter() - start
    if not summary.converged:
        warnings.warn(f"the optimizer did not converge: {summary.message} after "
                      f"{summary.n_evals} evaluations", ConvergenceWarning, stacklevel=3)
    return summary


def _restart_on_edge(f, x, fx, lower, opts, summary):
    """Step off a zero diagonal entry; restart if that improves the criterion."""
    on_edge = np.isfinite(lower) & (x <= lower + opts.singular_tol)
    if not on_edge.any():
        return x, fx
    trial = x.copy()
    trial[on_edge] = 1e-3
    if f(trial) < fx:
        x2, f2, _, _ = _nlopt_minimize(f, trial, lower, opts, summary)
        if f2 < fx:
            return x2, f2
    return x, fx
