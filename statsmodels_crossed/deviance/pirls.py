"""Penalized iteratively reweighted least squares: the conditional modes of a GLMM.

At fixed theta (and, in the u-only variant, fixed beta) PIRLS minimizes the
penalized deviance

    pdev(u [, beta]) = sum_i d_i(mu_i) / phi + |u|^2,   eta = offset + X beta + Z Lambda u

by iterating the LMM's penalized least-squares solve: each iteration reweights
the cross-product blocks with the working weights W and working response z
(:meth:`CrossProducts.reweight`, one pass over n), factors at theta and solves

    min |W^{1/2} (z - X beta - Z Lambda u)|^2 + |u|^2

for the full step, halving it while pdev does not decrease.  The joint variant
(u and beta: lme4's nAGQ = 0 stage) keeps X in the blocks; the u-only variant
(lme4's second stage) has p = 0 and ``X beta`` joins the offset; given the
coefficients ``beta_c`` of the centred columns ``X_c = X T`` (``centred=True``,
:mod:`statsmodels_crossed.design.centering`) it is ``X_c beta_c``, free of the
cancellation of ``X beta`` when a covariate is far from zero.  Iterations
stop when no u moves by more than ``tol`` (beta: relative), which leaves the
conditional modes exact to rounding: the Laplace deviance is then a smooth
function of (theta, beta), unlike lme4's, which stops on the relative change
of pdev.
"""
from dataclasses import dataclass

import numpy as np

from statsmodels_crossed.design.centering import Centering
from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.linalg.factorization import make_factorization


class PIRLSError(RuntimeError):
    """PIRLS could not find the conditional modes (divergence, non-finite values)."""


@dataclass
class PirlsState:
    """Conditional modes and everything evaluated at them.

    ``u`` is flat (terms in lme4 order, level-major within a term); ``pdev`` is
    ``sum d_i / phi + |u|^2``; ``converged`` is False when ``maxit`` ran out or
    step halving could not reduce pdev.
    """

    u: np.ndarray
    beta: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    pdev: float
    iterations: int
    converged: bool
    message: str = ""


class PIRLS:
    """PIRLS on one model's design; the factorization is built once and reused.

    Parameters
    ----------
    resp : GLMMResponse
    terms : list of RandomEffectTerm
    X : ndarray (n, p)
    joint : bool
        Update beta with u (True) or hold beta fixed (False).
    factorization : {"auto", "blocked", "cholmod"}
    tol : float
        Convergence: max |u_new - u| (and max |beta_new - beta| / (1 + |beta|)).
    maxit : int

    Attributes
    ----------
    centering : Centering
        ``X -> X_c = X T`` (``Centering.of(X)``, the map the joint variant's
        blocks use): the u-only variant's ``run(..., centred=True)`` takes beta_c.
    """

    #: step halvings before PIRLS gives up
    max_halvings = 30

    def __init__(self, resp, terms, X, joint, factorization="auto", tol=1e-12, maxit=100):
        n = resp.n
        self.resp = resp
        self.X = np.ascontiguousarray(X, dtype=float)
        self.joint = bool(joint)
        self._Xcp = self.X if self.joint else np.zeros((n, 0))
        self.cp = CrossProducts(terms, self._Xcp, np.zeros(n), np.ones(n))
        self.centering = Centering.of(self.X)
        self._Xc = None
        self.terms = self.cp.terms
        self.factor = make_factorization(self.cp, factorization)
        self.offsets = self.cp.offsets()
        self.tol, self.maxit = float(tol), int(maxit)
        self._fixed = self._xbeta = None
        self.newton_constant = NewtonConstant()
        # per term: level codes and the model-matrix column of a scalar term (None
        # for an intercept, whose column is all ones)
        self._zcols = [(t.codes.astype(np.intp),
                        None if t.k > 1 or (t.X[:, 0] == 1.0).all() else t.X[:, 0])
                       for t in self.terms]

    # -- the linear predictor --------------------------------------------------------
    @property
    def Xc(self):
        """The centred columns ``X_c = X T`` (built on first use: only the u-only
        variant's ``centred`` runs and the results need them)."""
        if self._Xc is None:
            self._Xc = self.centering.center(self.X) if self.centering.active else self.X
        return self._Xc

    def fixed_part(self, beta, centred=False):
        """``X beta``, or ``X_c beta_c`` when ``centred`` (beta is then beta_c)."""
        return (self.Xc if centred else self.X) @ beta

    def split(self, u):
        """The flat u as one (l_t, k_t) array per term."""
        return [u[self.offsets[i]:self.offsets[i + 1]].reshape(t.n_levels, t.k)
                for i, t in enumerate(self.terms)]

    def b(self, u, lambdas):
        """BLUPs ``b_t = u_t lambda_t'`` per term."""
        return [ut @ lam.T for ut, lam in zip(self.split(u), lambdas)]

    def zb(self, u, lambdas):
        """``Z Lambda u`` row by row: ``sum_t sum_c X_t[i, c] b_t[codes_t[i], c]`` with
        ``b_t = u_t lambda_t'``."""
        out = None
        for i, (t, (codes, x)) in enumerate(zip(self.terms, self._zcols)):
            ut = u[self.offsets[i]:self.offsets[i + 1]]
            if t.k == 1:
                part = np.take(ut, codes)
                part *= lambdas[i][0, 0]
                if x is not None:
                    part *= x
            else:
                bt = ut.reshape(t.n_levels, t.k) @ lambdas[i].T
                part = np.einsum("ik,ik->i", t.X, np.take(bt, codes, axis=0))
            if out is None:
                out = part
            else:
                out += part
        return np.zeros(self.resp.n) if out is None else out

    def _point(self, u, beta, lambdas, phi):
        # u-only: the run's offset + X beta (or X_c beta_c), whatever beta's coordinates
        fixed = self._fixed if not self.joint else self.resp.offset + self.X @ beta
        eta = self.zb(u, lambdas)
        eta += fixed
        mu = self.resp.mu(eta)
        return eta, mu, self.resp.deviance(mu) / phi + float(u @ u)

    # -- the iteration -----------------------------------------------------------------
    def run(self, lambdas, beta, phi=1.0, u0=None, centred=False):
        """Conditional modes at ``lambdas`` (and ``beta``: fixed, or the start of the
        joint update).

        ``u0`` is the starting u (warm start); None starts from u = 0 (and, in
        the joint variant, beta of the GLM without random effects).  ``centred``
        (u-only variant): beta is beta_c, the coefficients of ``X_c`` (the
        state's ``beta`` too).  Returns a
        :class:`PirlsState`; the factorization then holds the factor at the
        (Fisher) working weights of the modes.  Stopping: the step, or the
        error it implies (:func:`iterate_error`), below ``tol``.
        """
        beta = np.asarray(beta, dtype=float).copy()
        if centred and self.joint:
            raise ValueError("centred beta is for the u-only PIRLS (joint=False)")
        if not self.joint:                   # offset + X beta, fixed during the run
            self._xbeta = self.fixed_part(beta, centred)
            self._fixed = self.resp.offset + self._xbeta
        if u0 is None:
            u = np.zeros(self.cp.q)
            if self.joint:
                beta = self.glm_beta()
        else:
            u = np.asarray(u0, dtype=float).copy()
        eta, mu, pdev = self._point(u, beta, lambdas, phi)
        if not np.isfinite(pdev):
            if u0 is not None:
                return self.run(lambdas, beta, phi, None, centred)
            return PirlsState(u, beta, eta, mu, pdev, 0, False, _invalid_start(self.resp,
                                                                               self.joint))
        last_delta = np.inf
        newton = not self.resp.canonical
        exact_before = False                 # was the previous step a full Newton step?
        for it in range(1, self.maxit + 1):
            if newton and self._factor_at(eta, mu, beta, lambdas, phi, True):
                exact = self.resp.newton_exact
            elif self._factor_at(eta, mu, beta, lambdas, phi):
                exact = self.resp.canonical
            else:
                return PirlsState(u, beta, eta, mu, pdev, it, False,
                                  "non-finite working weights or a singular system")
            beta_new = self.factor.beta() if self.joint else beta
            u_new = np.concatenate([ut.ravel() for ut in self.factor.u(
                beta_new if self.joint else np.zeros(0))])
            step = self._halve(u, beta, u_new, beta_new, lambdas, phi, pdev)
            if step is None and newton:      # Newton's weights failed: Fisher scoring
                newton = False
                continue
            if step is None:
                if last_delta < 1e-8:        # at the rounding floor: converged
                    return PirlsState(u, beta, eta, mu, pdev, it, True, "rounding floor")
                return PirlsState(u, beta, eta, mu, pdev, it, False, "step halving failed "
                                  "to reduce the penalized deviance")
            u_next, beta_next, eta, mu, pdev_next, full = step
            exact = exact and full
            delta = np.max(np.abs(u_next - u), initial=0.0)
            if self.joint and len(beta):
                delta = max(delta, np.max(np.abs(beta_next - beta) / (1 + np.abs(beta))))
            u, beta, pdev = u_next, beta_next, pdev_next
            error = iterate_error(delta, last_delta, exact and exact_before)
            if exact and exact_before:
                self.newton_constant.observe(delta, last_delta)
            elif exact and it == 1:          # first step: the constant of earlier runs
                error = self.newton_constant.error_after(delta)
            exact_before = exact
            if delta < self.tol or error < self.tol:
                # the factor at the modes, with Fisher's weights (lme4's Laplace)
                if ((delta >= self.tol or not self.resp.canonical)
                        and not self._factor_at(eta, mu, beta, lambdas, phi)):
                    break
                return PirlsState(u, beta, eta, mu, pdev, it, True)
            last_delta = delta
        return PirlsState(u, beta, eta, mu, pdev, self.maxit, False,
                          f"PIRLS did not converge in {self.maxit} iterations")

    def glm_beta(self):
        """The GLM's beta (cached): the joint variant's cold start."""
        if getattr(self, "_glm_beta", None) is None:
            self._glm_beta = self.resp.glm_beta(self.X)
        return self._glm_beta.copy()

    def _factor_at(self, eta, mu, beta, lambdas, phi, observed=False):
        """Reweight the blocks at ``(eta, mu)`` (Fisher's or, with ``observed``,
        Newton's weights) and factor at ``lambdas``."""
        wz = (self.resp.working_observed(eta, mu, phi) if observed
              else self.resp.working(eta, mu, phi))
        if wz is None:
            return False
        W, z = wz
        if not (np.isfinite(W).all() and np.isfinite(z).all()):
            return False
        if not self.joint:                   # beta fixed: the response of u alone
            z -= self._xbeta
        self.cp.reweight(W, z, self._Xcp, shift=False)
        return self.factor.update(lambdas)

    def _halve(self, u, beta, u_new, beta_new, lambdas, phi, pdev):
        """Full step, halved until pdev does not increase (beyond rounding); the
        new point and whether the step was full."""
        du, dbeta = u_new - u, beta_new - beta
        frac = 1.0
        for _ in range(self.max_halvings):
            ut, bt = u + frac * du, (beta + frac * dbeta if self.joint else beta)
            eta, mu, pd = self._point(ut, bt, lambdas, phi)
            if np.isfinite(pd) and pd <= pdev + 1e-11 * (1.0 + abs(pdev)):
                return ut, bt, eta, mu, pd, frac == 1.0
            frac *= 0.5
        return None



class NewtonConstant:
    """Estimate of C in ``e_k = C e_{k-1}^2`` (Newton's quadratic convergence) from
    the full Newton steps of earlier PIRLS runs on the same model.

    After two such steps ``C ~ delta_k / delta_{k-1}^2`` (steps in the quadratic
    regime, above the rounding floor).  A run's first step then bounds the
    error it leaves by ``safety * max(C) * delta^2`` (max over the last
    ``window`` observations), so a warm start that is already close stops after
    one step, as later steps do.
    """

    window = 20
    safety = 10.0

    def __init__(self):
        self.values = []

    def observe(self, delta, last_delta):
        if 1e-13 < delta < 0.1 * last_delta:
            self.values.append(delta / last_delta ** 2)
            del self.values[:-self.window]

    def error_after(self, delta):
        """Error bound after a first full Newton step of size ``delta`` (inf: none yet)."""
        return self.safety * max(self.values) * delta * delta if self.values else np.inf


def iterate_error(delta, last_delta, newton):
    """Estimated error of the current iterate after a step of size ``delta``.

    With the contraction ``r = delta / last_delta``: ``delta r^2`` after two
    full Newton steps in the quadratic regime (``newton``, r < 0.1: e_k = C
    e_{k-1}^2 with C ~ delta / last_delta^2); ``delta r / (1 - r)`` for linear
    convergence (r < 1/2); otherwise unknown (inf).
    """
    rate = delta / last_delta if np.isfinite(last_delta) and last_delta > 0 else 1.0
    if newton and rate < 0.1:
        return delta * rate * rate
    if rate < 0.5:
        return delta * rate / (1 - rate)
    return np.inf


def joint_factor(resp, terms, X, lambdas, state, phi=1.0, factorization="auto"):
    """The factor of the full PIRLS system ``[Z Lambda, X]' W [Z Lambda, X] + diag(I, 0)``
    at the working weights of ``state``: its R_X gives lme4's ``vcov(use.hessian=FALSE)``
    and its Z block the conditional variances of u."""
    W, z = resp.working(state.eta, state.mu, phi)
    cp = CrossProducts(terms, X, z, W)
    factor = make_factorization(cp, factorization)
    if not factor.update(lambdas):
        raise PIRLSError("the PIRLS system at the optimum is not positive definite")
    return factor


def _invalid_start(resp, joint):
    what = ("the GLM without random effects" if joint else "the given beta (with u = 0)")
    fam = f"{type(resp.glm_family).__name__}({type(resp.link).__name__})"
    return (f"{what} gives means outside the range of the {fam} family (e.g. negative means "
            "from an inverse link); use a link that keeps them in range, such as log")
