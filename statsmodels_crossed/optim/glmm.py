"""lme4's two-stage optimization of a GLMM deviance, and the Hessian at the optimum.

* Stage 1 (lme4's nAGQ = 0): theta (and log phi) by BOBYQA, beta and u from
  joint PIRLS (:class:`ProfiledGLMMObjective`).
* Stage 2: (theta, beta [, log phi]) by BOBYQA from stage 1's optimum, with beta
  in the whitened coordinates ``delta = R_X (beta - beta_1)`` of stage 1's PIRLS
  system, evaluated as ``delta = R_c (beta_c - beta_c1)``: beta_c the coefficients
  of the centred columns ``X_c = X T`` (:mod:`statsmodels_crossed.design.centering`,
  ``beta = T beta_c``, ``R_c = R_X T``), so that the deviance sees ``X_c beta_c``,
  not ``X beta`` (with ``x + 1e8`` the intercept is ~ -1e8 times the slope and
  ``X beta`` carries a rounding ~1e-8 per row: noise a finite-difference
  Hessian divides by its step squared, which left the slope's standard error
  79% off), and theta divided by ``s_i = (f''_ii / 2)^{-1/2}`` (the deviance's
  curvature in theta_i at the start, by finite differences, s_i <= 1), so the
  optimizer sees about unit curvature in every direction (BOBYQA's trust region
  is a ball: the VerbAgg-sized fit needs 2.4x fewer evaluations than with raw
  theta, whose curvature is ~400 there).
* The finite-difference gradient g and Hessian H of the deviance at the optimum
  (theta entries on their bound held fixed): one Newton step ``-H^{-1} g``
  (stopped at theta's bounds) polishes the optimum (kept only when it lowers
  the deviance), and
  ``2 H^{-1}`` restricted to delta, mapped to beta (``T W (.) W' T'``, W the
  whitening ``R_c^{-1}``), is lme4's default covariance of beta
  (``vcov(use.hessian=TRUE)``).

Stage 1 only seeds stage 2, so it stops at ``ftol_rel = 1e-8`` unless it is the
whole fit (``nagq=0``); stage 2 stops at ``ftol_rel = 1e-10`` and leaves the last
digits to the Newton step (the deviance is smooth: PIRLS converges to rounding).
Options with looser tolerances than these keep theirs.
"""
import contextlib
import dataclasses
from dataclasses import dataclass

import numpy as np

from statsmodels_crossed.deviance.laplace import ModePredictor, deviance_hessian
from statsmodels_crossed.deviance.pirls import PIRLSError, joint_factor
from statsmodels_crossed.optim.bobyqa import minimize_theta

#: stage 1's relative tolerance when stage 2 follows
STAGE1_FTOL_REL = 1e-8
#: PIRLS's tolerance during stage 1 when stage 2 follows (its deviance needs far
#: fewer digits than its ftol_rel leaves); its optimum is evaluated at tol_pirls
STAGE1_TOL_PIRLS = 1e-8
#: stage 2's relative tolerance (the Newton step polishes the optimum)
STAGE2_FTOL_REL = 1e-10
#: finite-difference step of the Hessian (theta, whitened beta, log phi)
HESSIAN_STEP = 1e-4
#: relative finite-difference step of the theta curvatures that scale stage 2
CURVATURE_STEP = 1e-2
#: stage 2's initial trust-region radius (unit-curvature coordinates)
STAGE2_STEP = 0.25


@dataclass
class GLMMFit:
    """The optimum: the objective (its PIRLS state at the optimum), the estimates,
    the optimizer records and the Hessian-based covariance of beta (None if H is
    not positive definite or not computed).

    Stage 2's ``summary.log`` is in the optimizer's coordinates (theta / s, delta
    [, log phi]) with ``beta_c = beta_c1 + whitening @ delta`` and s the theta
    scales (module docstring); ``summary.theta`` and ``summary.beta`` are the
    estimates.  ``beta_c`` (``beta = T beta_c``, ``objective.centering``) is the
    point the deviance, the modes and the Hessian were evaluated at; None after
    stage 1 alone.
    """

    objective: object
    theta: np.ndarray
    beta: np.ndarray
    phi: float
    devcomp: object
    stage1: object
    summary: object
    cov_hessian: np.ndarray = None
    hessian: np.ndarray = None
    whitening: np.ndarray = None
    beta_c: np.ndarray = None


def two_stage_fit(stage1, stage2, opts, start=None, names=None):
    """Fit by lme4's two stages (module docstring); ``stage2`` None stops after stage 1.

    ``start``: theta (stage 1's start) or (theta, beta) (stage 2 starts there);
    ``names``: of the fixed effects, for error messages.
    """
    resp = stage1.resp
    disp = resp.has_dispersion
    tm = stage1.theta_map
    nth, p = tm.n_theta, stage1.p
    lower = tm.lower_bounds()
    theta0 = tm.start() if start is None else start[:nth]
    _checked(stage1, stage1.components(theta0, 1.0), "start", names)   # fail fast
    log_phi0 = _start_log_phi(stage1) if disp else 0.0

    def split(x):
        return x[:nth], (np.exp(x[-1]) if disp else 1.0)

    if start is None or len(start) == nth:
        o1 = opts if stage2 is None else _stage1_options(opts)
        x0 = np.append(theta0, log_phi0) if disp else theta0
        lo = np.append(lower, -np.inf) if disp else lower
        with _pirls_tolerance(stage1, None if stage2 is None else STAGE1_TOL_PIRLS):
            s1 = minimize_theta(predicted(stage1, split, len(x0)), x0, lo, o1)
        theta1, phi1 = split(s1.theta)
        comp = _checked(stage1, stage1.components(theta1, phi1), "stage 1", names)
        beta1 = stage1.state.beta.copy()
        s1.theta, s1.beta = theta1, beta1
        if stage2 is None:
            return GLMMFit(stage1, theta1, beta1, phi1, comp, s1, s1)
        RX = stage1.pirls.factor.RX()
    else:
        s1, theta1, beta1, phi1 = None, start[:nth], start[nth:], np.exp(log_phi0)
        comp = stage1.components(theta1, phi1)
        RX = stage1.pirls.factor.RX() if comp is not None else None
    centring = stage2.centering
    f2 = stage2.centred()
    beta1_c = centring.to_centred(beta1)
    W = centred_whitening(centring, RX, p)
    # stage 1's modes at (theta_1, beta_1) are stage 2's there: start from them
    start2 = (np.concatenate([stage1.state.u, beta1_c])
              if stage1.state is not None and stage1.state.converged else None)
    evaluated = []
    scale = theta_scales(f2, theta1, beta1_c, phi1, lower, start2, evaluated)

    def unpack(x):
        return (x[:nth] * scale, beta1_c + W @ x[nth:nth + p],
                (np.exp(x[-1]) if disp else 1.0))

    x0 = np.concatenate([theta1 / scale, np.zeros(p)] + ([[np.log(phi1)]] if disp else []))
    predictor = ModePredictor(len(x0))
    for theta_k, state in evaluated:
        predictor.add(np.concatenate([theta_k / scale, x0[nth:]]), state)
    lo = np.concatenate([lower / scale, np.full(p + disp, -np.inf)])
    o2 = dataclasses.replace(
        opts, ftol_rel=max(opts.ftol_rel, STAGE2_FTOL_REL),
        initial_step=(np.full(len(x0), STAGE2_STEP) if opts.initial_step is None
                      else opts.initial_step))
    s2 = minimize_theta(predicted(f2, unpack, len(x0), predictor), x0, lo, o2)
    theta, beta_c, phi = unpack(s2.theta)
    comp = _checked(stage2, f2.components(theta, beta_c, phi), "stage 2", names)
    beta = centring.to_original(beta_c)
    s2.theta, s2.beta = theta, beta
    fit = GLMMFit(stage2, theta, beta, phi, comp, s1, s2, whitening=W, beta_c=beta_c)
    return hessian_and_polish(fit, polish=True)


def centred_whitening(centering, RX, p):
    """``W = R_c^{-1}``, ``R_c = R_X T``: stage 2's and the Hessian's
    ``beta_c = beta_c0 + W delta``.

    ``R_c (beta_c - beta_c0) = R_X (beta - beta_0)``: the coordinates of
    whitening beta by R_X, so the optimizer's path is the same (about unit
    curvature in delta).  ``R_X T`` cancels in the columns after the intercept
    (relative ~eps c / SD(x) for a covariate x + c), which only makes W whiten
    a little less exactly: beta_c, the Hessian's covariance ``W (2 H^{-1}) W'``
    and its map to beta are exact for any invertible W.  The identity where
    there is no R_X (``RX`` None: PIRLS failed at the start).
    """
    if not p:
        return np.zeros((0, 0))
    if RX is None:
        return np.eye(p)
    return np.linalg.inv(centering.center(RX))


def theta_scales(obj, theta, beta, phi, lower, start=None, evaluated=None,
                 rel_step=CURVATURE_STEP):
    """``s_i = min(1, (f''_ii / 2)^{-1/2})``: stage 2's theta coordinates are theta / s.

    ``f''_ii`` by central differences of ``obj`` at (theta, beta, phi) with step
    ``h_i = rel_step max(|theta_i|, 0.1)`` (forward differences next to the lower
    bound); 1 where the curvature is not positive (2 n_theta + 1 evaluations, the
    first from PIRLS modes ``start``).  Appends ``(theta_k, PirlsState)`` of every
    converged evaluation to ``evaluated``.
    """
    evaluated = [] if evaluated is None else evaluated

    def f(th, start=None):
        comp = obj.components(th, beta, phi, start=start)
        if comp is None:
            return np.inf
        evaluated.append((th, obj.state))
        return comp.objective

    scale = np.ones(len(theta))
    f0 = f(theta, start)
    if not np.isfinite(f0):
        return scale
    for i in range(len(theta)):
        h = np.zeros(len(theta))
        h[i] = rel_step * max(abs(theta[i]), 0.1)
        if theta[i] - h[i] >= lower[i]:
            curv = f(theta + h) - 2 * f0 + f(theta - h)
        else:
            curv = f(theta + 2 * h) - 2 * f(theta + h) + f0
        curv /= h[i] ** 2
        if np.isfinite(curv) and curv > 2.0:
            scale[i] = np.sqrt(2.0 / curv)
    return scale


def fit_at(objective, theta, beta, phi, summary, factorization="auto"):
    """A :class:`GLMMFit` at given parameters (no optimization), with its Hessian
    (at ``beta_c = T^{-1} beta``, as the fit's)."""
    beta_c = objective.centering.to_centred(beta)
    comp = _checked(objective, objective.centred().components(theta, beta_c, phi),
                    "evaluation")
    fit = GLMMFit(objective, theta, beta, phi, comp, None, summary, beta_c=beta_c)
    if len(beta):
        jf = joint_factor(objective.resp, objective.terms, objective.pirls.X,
                          objective.lambdas, objective.state, phi, factorization)
        fit.whitening = centred_whitening(objective.centering, jf.RX(), len(beta))
    return hessian_and_polish(fit, polish=False)


def hessian_and_polish(fit, polish=True, step=HESSIAN_STEP):
    """Hessian of the deviance at ``fit`` (module docstring); optionally one Newton step.

    Coordinates: free theta entries, whitened centred beta (``beta_c + W delta``,
    W = ``fit.whitening``), log phi.  Sets ``fit.hessian`` (in those coordinates)
    and ``fit.cov_hessian`` (of beta); leaves the objective's state at the
    (possibly polished) optimum.
    """
    obj, theta, phi = fit.objective, fit.theta, fit.phi
    centring, f = obj.centering, obj.centred()
    if fit.beta_c is None:
        fit.beta_c = centring.to_centred(fit.beta)
    beta_c = fit.beta_c
    disp = obj.resp.has_dispersion
    p = len(beta_c)
    lower = obj.theta_map.lower_bounds()
    free = ~(np.isfinite(lower) & (theta <= lower + 1e-6))
    k = int(free.sum())
    W = fit.whitening if fit.whitening is not None else np.eye(p)

    def unpack(x):
        th = theta.copy()
        th[free] = x[:k]
        return th, beta_c + W @ x[k:k + p], (np.exp(x[-1]) if disp else phi)

    x0 = np.concatenate([theta[free], np.zeros(p)] + ([[np.log(phi)]] if disp else []))
    f0, g, H = deviance_hessian(predicted(f, unpack, len(x0)), x0, step)
    fit.hessian = H
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        f.components(theta, beta_c, phi)             # state back at the optimum
        return fit
    Hinv = np.linalg.inv(H)
    fit.cov_hessian = centring.covariance_to_original(W @ (2 * Hinv[k:k + p, k:k + p]) @ W.T)
    if polish and np.isfinite(g).all():
        x1 = x0 - Hinv @ g
        th1, b1_c, phi1 = unpack(x1)
        th1 = np.maximum(th1, lower)                 # a step past a bound stops on it
        comp = f.components(th1, b1_c, phi1)
        if comp is not None and comp.objective < f0:
            fit.theta, fit.beta_c, fit.phi, fit.devcomp = th1, b1_c, phi1, comp
            fit.beta = centring.to_original(b1_c)
            fit.summary.theta, fit.summary.beta = th1, fit.beta
            fit.summary.fmin = comp.objective
            fit.summary.message += "; polished by a Newton step"
            return fit
    fit.devcomp = f.components(theta, beta_c, phi)    # state back at the optimum
    return fit


def predicted(obj, unpack, dim, predictor=None):
    """``f(x) = obj(*unpack(x))`` with PIRLS started from the modes a
    :class:`ModePredictor` predicts from the earlier evaluations of f."""
    predictor = ModePredictor(dim) if predictor is None else predictor

    def f(x):
        comp = obj.components(*unpack(x), start=predictor.predict(x))
        if comp is None:
            return np.inf
        predictor.add(x, obj.state)
        return comp.objective
    return f


def _stage1_options(opts):
    """Stage 1's options when stage 2 follows: ``ftol_rel`` at least
    :data:`STAGE1_FTOL_REL`, plain BOBYQA (measured when the polish's BOBYQA phase
    still ran to ``polish_ftol_rel`` whatever ``ftol_rel`` said: 359 against 300
    stage-1 evaluations over the benchmark and test models; not measured since)."""
    return dataclasses.replace(opts, ftol_rel=max(opts.ftol_rel, STAGE1_FTOL_REL),
                               polish=False)


@contextlib.contextmanager
def _pirls_tolerance(obj, tol):
    """PIRLS of ``obj`` stops at ``max(tol, its own)`` inside the block (None: unchanged)."""
    own = obj.pirls.tol
    obj.pirls.tol = own if tol is None else max(own, tol)
    try:
        yield
    finally:
        obj.pirls.tol = own


def _start_log_phi(stage1):
    """log of the Pearson dispersion after PIRLS at the starting theta with phi = 1."""
    resp = stage1.resp
    return float(np.log(resp.pearson_dispersion(stage1.state.mu, max(resp.n - stage1.p, 1))))


def _checked(obj, comp, stage, names=None):
    if comp is not None and np.isfinite(comp.objective):
        return comp
    state = obj.state
    msg = state.message if state is not None else "no evaluation"
    if state is not None and _on_boundary(obj.resp, state.mu) and len(state.beta):
        j = int(np.argmax(np.abs(state.beta)))
        name = names[j] if names is not None else f"column {j}"
        raise PIRLSError(f"{stage}: PIRLS failed ({msg}): the fitted means reach the edge of "
                         f"the family's range while the fixed effects grow without bound "
                         f"(largest: {name!r} = {state.beta[j]:.3g}); the response looks "
                         "(quasi-)separated by the fixed effects: drop or merge the terms "
                         "(or levels) that predict it perfectly")
    raise PIRLSError(f"{stage}: PIRLS failed at the optimizer's final parameters "
                     f"({msg}); the model may be separated or the data degenerate")


def _on_boundary(resp, mu, tol=1e-8):
    mu = np.asarray(mu)
    if resp.binomial:
        return bool(((mu < tol) | (mu > 1 - tol)).any())
    return resp.positive_mean and bool((mu < tol).any())
