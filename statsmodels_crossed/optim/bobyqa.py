"""Bounded derivative-free minimization of the profiled criterion over theta."""
import time
import warnings

import numpy as np

from statsmodels_crossed.exceptions import ConvergenceWarning
from statsmodels_crossed.optim import polish
from statsmodels_crossed.optim.options import OptSummary

_SUCCESS = {1: "success", 2: "stopval reached", 3: "ftol reached", 4: "xtol reached"}
#: NLopt's BOBYQA rescales the variables and evaluates the start as the round trip
#: of that scaling, which can differ from it in the last bits (InstEval: -1.4e-17).
#: Points this many units in the last place from the start are the start: its
#: factorization, made while choosing it, is then reused (one evaluation per fit).
START_ULPS = 4


class _Recorder:
    """``f`` with every evaluation logged in ``summary.log`` (and printed when verbose)."""

    def __init__(self, f, summary, verbose):
        self.f, self.summary, self.verbose = f, summary, verbose

    def __call__(self, x):
        x = np.array(x, dtype=float)
        if self.verbose and not self.summary.log:
            reml = getattr(self.f, "reml", None)
            name = {True: "REML criterion", False: "-2 log-likelihood"}.get(reml, "criterion")
            print(f"{'eval':>5s}  {name:>18s}  theta (lme4's order; see results.theta_names)")
        val = self.f(x)
        self.summary.log.append((x, val))
        if self.verbose:
            print(f"{len(self.summary.log):5d}  {val:18.10f}  {np.array2string(x, precision=6)}")
        return val

    def best(self):
        """(x, f) of the lowest finite value logged so far."""
        x, fx = min(self.summary.log, key=lambda e: e[1] if np.isfinite(e[1]) else np.inf)
        return x.copy(), fx


def _nlopt_minimize(f, x0, lower, opts, ftol_rel=None, step=None):
    """BOBYQA from ``x0``; returns (converged, message).  ``f`` is a _Recorder."""
    import nlopt

    opt = nlopt.opt(nlopt.LN_BOBYQA, len(x0))
    opt.set_lower_bounds(lower)
    opt.set_upper_bounds(np.full(len(x0), np.inf))
    opt.set_ftol_abs(opts.ftol_abs)
    opt.set_ftol_rel(opts.ftol_rel if ftol_rel is None else ftol_rel)
    opt.set_xtol_abs(opts.xtol_abs)
    opt.set_maxeval(max(1, opts.maxeval - len(f.summary.log)))
    if step is None:
        step = initial_step(x0, lower) if opts.initial_step is None else opts.initial_step
    opt.set_initial_step(step)

    x0 = np.asarray(x0, dtype=float)
    start_ulps = START_ULPS * np.spacing(np.abs(x0))

    def objective(x, grad):
        if np.all(np.abs(x - x0) <= start_ulps):
            x = x0      # the start itself, as the caller (and the factor cache) knows it
        val = f(x)
        return val if np.isfinite(val) else 1e300

    opt.set_min_objective(objective)
    try:
        opt.optimize(x0.copy())
        code = opt.last_optimize_result()
        message = _SUCCESS.get(code, "maxeval reached" if code == 5 else f"nlopt code {code}")
        return code in _SUCCESS, message
    except nlopt.RoundoffLimited:
        return True, "roundoff limited (optimum reached to machine precision)"


def _minimize_polished(f, x0, lower, opts):
    """BOBYQA to ``opts.polish_ftol_rel`` (or ``ftol_rel`` if looser), then
    :func:`polish.polish` to the full
    tolerances; BOBYQA again from the best point if the quadratic model fails."""
    ok, message = _nlopt_minimize(f, x0, lower, opts,
                                  ftol_rel=max(opts.polish_ftol_rel, opts.ftol_rel))
    if not ok:
        return ok, message
    _, fx = f.best()
    tol = max(opts.ftol_abs, opts.ftol_rel * abs(fx))
    points = [e[0] for e in f.summary.log if np.isfinite(e[1])]
    values = [e[1] for e in f.summary.log if np.isfinite(e[1])]
    if polish.polish(f, points, values, lower, tol):
        return True, "ftol reached (quadratic polish)"
    x, fx = f.best()
    spread = np.abs(np.array(points[-6:]) - x).max(axis=0)
    step = np.clip(spread, 1e-6, initial_step(x, lower))
    return _nlopt_minimize(f, x, lower, opts, step=step)


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
        rec = _Recorder(f, summary, opts.verbose)
        if opts.polish and len(x0) <= polish.MAX_PARAMS:
            ok, msg = _minimize_polished(rec, x0, lower, opts)
        else:
            ok, msg = _nlopt_minimize(rec, x0, lower, opts)
        x, fx = rec.best()
        if opts.restart_edge:
            x, fx = _restart_on_edge(rec, x, fx, lower, opts)
        summary.theta, summary.fmin, summary.converged, summary.message = x, fx, ok, msg
    summary.n_evals = len(summary.log)
    summary.seconds = time.perf_counter() - start
    if not summary.converged:
        warnings.warn(f"the optimizer did not converge: {summary.message} after "
                      f"{summary.n_evals} evaluations", ConvergenceWarning, stacklevel=3)
    return summary


def _restart_on_edge(f, x, fx, lower, opts):
    """Step off a zero diagonal entry; restart if that improves the criterion."""
    on_edge = np.isfinite(lower) & (x <= lower + opts.singular_tol)
    if not on_edge.any():
        return x, fx
    trial = x.copy()
    trial[on_edge] = 1e-3
    if f(trial) < fx:
        _nlopt_minimize(f, trial, lower, opts)
        return f.best()
    return x, fx
