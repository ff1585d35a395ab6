"""The GLMM deviance: Laplace approximation and adaptive Gauss-Hermite quadrature.

At the conditional modes u (PIRLS) with L the Cholesky factor of
``Lambda' Z' W Z Lambda + I`` at the working weights W:

    Laplace (nAGQ = 1):  -2 log L = -2 log f(y | u) + |u|^2 + ldL2
    AGQ (nAGQ > 1):      -2 log L = Laplace - 2 sum_j log m_j     (see :mod:`.agq`)

with all constants (``-2 log f(y | u) = sum_i d_i / phi + C``, C the saturated
constant).  lme4 reports the same number for nAGQ = 1; for nAGQ > 1 it drops C
(``GLMMDevComp.objective_lme4``).

Two functions of the parameters, as lme4's two stages:

* :class:`GLMMObjective`: f(theta, beta [, phi]), u by PIRLS with beta fixed
  (lme4's stage-2 ``devfun``; ``model.objective()``); its :meth:`~GLMMObjective.centred`
  view takes the coefficients ``beta_c`` of the centred columns ``X T``
  (:mod:`statsmodels_crossed.design.centering`) instead, which the optimizer uses;
* :class:`ProfiledGLMMObjective`: f(theta [, phi]), u and beta by joint PIRLS
  (lme4's nAGQ = 0 stage 1; ``model.objective(nagq=0)``).

Both keep the last converged modes to warm-start the next evaluation.
"""
from dataclasses import dataclass

import numpy as np

from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.deviance import agq
from statsmodels_crossed.deviance.pirls import PIRLS


@dataclass(frozen=True)
class GLMMDevComp:
    """Named components of the GLMM deviance at one point.

    ``minus2ll_cond = -2 log f(y | u)`` (all constants), ``drsum = sum d_i``
    (lme4's ``deviance()``), ``ussq = |u|^2``, ``ldL2 = log|L|^2``,
    ``agq = -2 sum_j log m_j`` (0 for Laplace).
    """

    ldL2: float
    ussq: float
    drsum: float
    minus2ll_cond: float
    agq: float
    phi: float
    nagq: int

    @property
    def objective(self):
        """-2 log-likelihood (Laplace or AGQ) with all constants."""
        return self.minus2ll_cond + self.ussq + self.ldL2 + self.agq

    @property
    def saturated_constant(self):
        """``C = -2 sum log f(y_i; mu_i = y_i)``."""
        return self.minus2ll_cond - self.drsum / self.phi

    @property
    def objective_lme4(self):
        """The number lme4 reports: ``objective`` less C when nAGQ > 1."""
        return self.objective - (self.saturated_constant if self.nagq > 1 else 0.0)


class _PirlsObjective:
    """Shared evaluation: PIRLS at the parameters, then the deviance components."""

    joint = False

    def __init__(self, resp, terms, X, nagq=1, factorization="auto", tol_pirls=1e-12,
                 maxit_pirls=100):
        self.resp = resp
        self.nagq = int(nagq)
        self.pirls = PIRLS(resp, terms, X, joint=self.joint, factorization=factorization,
                           tol=tol_pirls, maxit=maxit_pirls)
        self.terms = self.pirls.terms
        self.theta_map = ThetaMap(self.pirls.cp.ks)
        self.p = X.shape[1]
        if self.nagq > 1:
            agq.check_single_scalar_term(self.terms)
            self.nodes, self.node_weights = agq.gh_rule(self.nagq)
        self.state = None            # PirlsState at the last evaluation
        self._sat = None             # (phi, saturated constant C(phi))
        self.n_evals = 0
        self.n_failures = 0

    def _evaluate(self, theta, beta, phi, start=None, centred=False):
        """PIRLS from ``start`` (flat ``[u, beta]``, as :meth:`ModePredictor.predict`
        gives), else from the last converged modes, else cold (u = 0): each start
        PIRLS fails from falls back to the next.  ``centred``: beta is beta_c (u-only)."""
        self.n_evals += 1
        lambdas = self.theta_map.lambdas(theta)
        last = self.state if self.state is not None and self.state.converged else None
        starts = [] if start is None else [(start[:self.pirls.cp.q], start[self.pirls.cp.q:])]
        if last is not None:
            starts.append((last.u, last.beta))
        starts.append((None, None))
        for u0, beta0 in starts:
            b = beta0 if self.joint and u0 is not None else beta
            state = self.pirls.run(lambdas, b, phi, u0, centred)
            if state.converged:
                break
        self.state = state
        self.lambdas = lambdas
        if not state.converged:
            self.n_failures += 1
            return None
        factor, resp = self.pirls.factor, self.resp
        correction = 0.0
        if self.nagq > 1:
            sd = np.sqrt(factor.condvar_u()[0][:, 0, 0])
            correction = agq.correction(resp, self.terms[0], lambdas[0][0, 0], state.eta,
                                        state.u, sd, phi, self.nodes, self.node_weights)
        # -2 log f(y | u) = sum d_i / phi + C(phi): PIRLS's pdev holds the first part
        ussq = float(state.u @ state.u)
        drsum = (state.pdev - ussq) * phi
        return GLMMDevComp(ldL2=float(factor.ldL2), ussq=ussq, drsum=drsum,
                           minus2ll_cond=drsum / phi + self._saturated(state.mu, phi),
                           agq=float(correction), phi=float(phi), nagq=self.nagq)

    def _saturated(self, mu, phi):
        """C(phi), cached per phi (it does not depend on mu)."""
        if self._sat is None or self._sat[0] != phi:
            self._sat = (phi, self.resp.saturated_constant(mu, phi))
        return self._sat[1]


class GLMMObjective(_PirlsObjective):
    """-2 log-likelihood at (theta, beta [, phi]): lme4's stage-2 ``devfun``.

    Call with theta (lme4's order) and beta; ``phi`` is the dispersion of
    families that have one (Gamma, inverse Gaussian), 1 otherwise.  Returns
    ``inf`` where PIRLS fails.  After a call, ``state`` holds the conditional
    modes and ``pirls.factor`` the factor at them.

    Parameters
    ----------
    resp : GLMMResponse
    terms : list of RandomEffectTerm
    X : ndarray (n, p)
    nagq : int
        1 Laplace, > 1 adaptive Gauss-Hermite (one scalar term only).
    """

    joint = False

    def components(self, theta, beta, phi=1.0, start=None):
        """:class:`GLMMDevComp` at (theta, beta, phi); None where PIRLS fails.
        ``start``: PIRLS's starting modes, flat ``[u, beta]`` (its beta part is not
        used); default the last modes."""
        return self._evaluate(theta, np.asarray(beta, dtype=float), phi, start)

    def __call__(self, theta, beta, phi=1.0, start=None):
        comp = self.components(theta, beta, phi, start)
        return np.inf if comp is None else comp.objective

    @property
    def centering(self):
        """The map ``X -> X T`` of :meth:`centred` (``beta = T beta_c``)."""
        return self.pirls.centering

    def centred(self):
        """This objective with beta given as ``beta_c = T^{-1} beta``: a
        :class:`CentredGLMMObjective`."""
        return CentredGLMMObjective(self)


class CentredGLMMObjective:
    """A :class:`GLMMObjective` as a function of (theta, beta_c [, phi]).

    ``beta_c`` are the coefficients of the centred columns ``X_c = X T``
    (``objective.centering``; ``beta = T beta_c``).  The same function of the
    parameters, evaluated without cancellation: with a covariate far from zero
    (``x + 1e8``) the intercept is ~ -1e8 times the slope, and ``X beta`` (and
    beta itself) carries a rounding ~eps |intercept| per row, noise that a
    finite-difference Hessian in beta divides by its step squared; ``X_c beta_c``
    adds numbers of the size of eta.  Evaluations share the objective's state
    (``state.beta`` is then beta_c).
    """

    def __init__(self, objective):
        self.objective = objective

    @property
    def state(self):
        return self.objective.state

    def components(self, theta, beta_c, phi=1.0, start=None):
        """:class:`GLMMDevComp` at (theta, ``T beta_c``, phi); None where PIRLS fails."""
        return self.objective._evaluate(theta, np.asarray(beta_c, dtype=float), phi, start,
                                        centred=True)

    def __call__(self, theta, beta_c, phi=1.0, start=None):
        comp = self.components(theta, beta_c, phi, start)
        return np.inf if comp is None else comp.objective


class ProfiledGLMMObjective(_PirlsObjective):
    """Laplace -2 log-likelihood at theta with u and beta from joint PIRLS (lme4's nAGQ = 0).

    Call with theta (and phi); ``state.beta`` is then the PIRLS beta.
    """

    joint = True

    def __init__(self, resp, terms, X, factorization="auto", tol_pirls=1e-12, maxit_pirls=100):
        super().__init__(resp, terms, X, 1, factorization, tol_pirls, maxit_pirls)

    def components(self, theta, phi=1.0, start=None):
        """:class:`GLMMDevComp` at theta (beta profiled by PIRLS); None where PIRLS fails.
        ``start``: PIRLS's starting ``[u, beta]`` (default: the last modes)."""
        return self._evaluate(theta, np.zeros(self.p), phi, start)

    def __call__(self, theta, phi=1.0, start=None):
        comp = self.components(theta, phi, start)
        return np.inf if comp is None else comp.objective


class ModePredictor:
    """PIRLS starting values at new parameters from the modes at earlier ones.

    Keeps the converged ``v = [u, beta]`` of the last ``capacity`` evaluations with
    their parameter vectors x (in the optimizer's coordinates) and predicts
    ``v(x) = v_0 + J (x - x_0)``, J the least-squares fit of ``v_k - v_0 = J (x_k - x_0)``
    over the ``n_near`` stored points nearest to x (x_0 the nearest; minimum-norm J
    where they do not span every direction).  The error is second order in the
    distances, against first order for the nearest modes alone, so PIRLS needs
    fewer iterations; where the fit is poor it only costs iterations (PIRLS
    converges from any start, the optimum does not move).
    """

    #: most numbers stored (the capacity shrinks for large models)
    max_floats = 10_000_000

    def __init__(self, dim, capacity=None):
        self.n_near = dim + 2
        self.capacity = capacity or 4 * dim + 4
        self.points = self.values = None        # ring buffers, rows [0, count)
        self.count = self.next = 0

    def add(self, x, state):
        """Record the converged modes ``state`` (a PirlsState) at x."""
        v = np.concatenate([state.u, state.beta])
        if self.points is None:
            size = max(2, min(self.capacity, self.max_floats // max(1, len(v))))
            self.points, self.values = np.empty((size, len(x))), np.empty((size, len(v)))
        self.points[self.next], self.values[self.next] = x, v
        self.next = (self.next + 1) % len(self.points)
        self.count = min(self.count + 1, len(self.points))

    def predict(self, x):
        """Predicted ``[u, beta]`` at x, or None without history."""
        if not self.count:
            return None
        P = self.points[:self.count]
        R = P - x
        dist = np.einsum("ij,ij->i", R, R)
        near = np.argsort(dist, kind="stable")[:self.n_near]
        v0 = self.values[near[0]]
        if len(near) == 1 or dist[near[0]] == 0.0:
            return v0.copy()
        D = P[near[1:]] - P[near[0]]
        # v0 + (x - x0) J = v0 + c'(V - v0) with c the minimum-norm solution of
        # D'c = x - x0 (ridge-regularized: D has more rows than rank)
        G = D @ D.T
        G.flat[::len(G) + 1] += 1e-10 * np.trace(G)
        c = np.linalg.solve(G, D @ (x - P[near[0]]))
        return c @ self.values[near[1:]] + (1.0 - c.sum()) * v0


def deviance_hessian(f, x, steps):
    """Finite-difference gradient and Hessian of ``f`` at ``x``:

        g_i  = (f(x + h_i) - f(x - h_i)) / (2 h_i)                     (error O(h^2))
        H_ii = (f(x + h_i) - 2 f(x) + f(x - h_i)) / h_i^2              (error O(h^2))
        H_ij = (f(x + h_i + h_j) - f(x + h_i) - f(x + h_j) + f(x)) / (h_i h_j)   (O(h))

    (1 + 2d + d(d - 1)/2 evaluations; lme4's ``deriv12`` takes 1 + 2d^2).
    Returns ``(f(x), g, H)``.
    """
    x = np.asarray(x, dtype=float)
    d = len(x)
    h = np.asarray(steps, dtype=float) * np.ones(d)
    E = np.diag(h)
    f0 = f(x)
    fp = np.array([f(x + E[i]) for i in range(d)])
    fm = np.array([f(x - E[i]) for i in range(d)])
    g = (fp - fm) / (2 * h)
    H = np.diag((fp - 2 * f0 + fm) / h ** 2)
    for i in range(d):
        for j in range(i):
            H[i, j] = H[j, i] = (f(x + E[i] + E[j]) - fp[i] - fp[j] + f0) / (h[i] * h[j])
    return f0, g, H
