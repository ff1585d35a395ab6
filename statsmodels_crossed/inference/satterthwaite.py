"""Satterthwaite denominator degrees of freedom (as R's lmerTest).

The variance parameters are ``varpar = (theta, sigma)``.  With beta profiled
out, the unprofiled criterion at ``varpar`` is (lmerTest's ``devfun_vp``)

    ML:    -2 l   = ldL2 + pwrss / sigma^2 + n log(2 pi sigma^2)
    REML:  -2 l_R = ldL2 + ldRX2 + pwrss / sigma^2 + (n - p) log(2 pi sigma^2)

(constants in the prior weights dropped), with ``ldL2``, ``ldRX2`` and
``pwrss`` the components of :class:`~statsmodels_crossed.deviance.lmm.DevComp`
at theta.  Its Hessian ``H`` at the optimum gives ``A = cov(varpar) = 2 H^{-1}``
(pseudo-inverse over the positive eigenvalues), and the Jacobian of
``vcov(beta) = sigma^2 (R_X' R_X)^{-1}`` gives ``J_i = d vcov(beta) / d varpar_i``.
Both are numerical (Richardson, as numDeriv).  For a contrast row ``l``

    nu = 2 (l' V l)^2 / (g' A g),     g_i = l' J_i l.

A multi-row contrast L is tested as lmerTest's ``contestMD``: eigen-decompose
``L V L' = P D P'``, ``F = sum_m (P_m' L beta)^2 / d_m / q`` and the
denominator df from the per-row ``nu_m`` of the rotated contrasts
(:func:`fstat_ddf`).
"""
import warnings

import numpy as np
from scipy import stats

from statsmodels_crossed.exceptions import ConvergenceWarning
from statsmodels_crossed.inference import numderiv


class VarparDeviance:
    """-2 (REML) log-likelihood as a function of ``varpar = (theta, sigma)``.

    Evaluations at the same theta (only sigma changed) reuse one factorization.

    Parameters
    ----------
    model : CrossedLM
    reml : bool
    factorization : str
    """

    def __init__(self, model, reml, factorization="auto"):
        self.objective = model.objective(reml=reml, factorization=factorization)
        self.reml = bool(reml)
        self.n, self.p = self.objective.cp.n, self.objective.cp.p
        self._cache = {}

    def _at(self, theta):
        key = np.asarray(theta, dtype=float).tobytes()
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            comp = self.objective.components(theta)
            if comp is None:
                raise np.linalg.LinAlgError(f"the penalized system is not positive definite "
                                            f"at theta = {np.asarray(theta)}")
            RXinv = np.linalg.inv(self.objective.factor.RX()) if self.p else np.zeros((0, 0))
            self._cache[key] = (comp, RXinv)
        return self._cache[key]

    def __call__(self, varpar):
        varpar = np.asarray(varpar, dtype=float)
        comp, _ = self._at(varpar[:-1])
        s2 = varpar[-1] ** 2
        dev = comp.ldL2 + comp.pwrss / s2 + self.n * np.log(2 * np.pi * s2)
        if self.reml:
            dev += comp.ldRX2 - self.p * np.log(2 * np.pi * s2)
        return dev

    def vcov_beta(self, varpar):
        """``sigma^2 (R_X' R_X)^{-1}`` at ``varpar``."""
        varpar = np.asarray(varpar, dtype=float)
        _, RXinv = self._at(varpar[:-1])
        return varpar[-1] ** 2 * (RXinv @ RXinv.T)


def _pinv_positive(h, tol):
    """Inverse of a symmetric matrix over its eigenvalues > tol, with lmerTest's warnings."""
    evals, evecs = np.linalg.eigh(h)
    neg, zero = evals < -tol, np.abs(evals) <= tol
    if neg.any():
        vals = " ".join(f"{v:.1e}" for v in evals[neg])
        warnings.warn(f"Satterthwaite: the Hessian of the deviance in (theta, sigma) has "
                      f"{neg.sum()} negative eigenvalue(s) ({vals}): the model may not have "
                      "converged", ConvergenceWarning, stacklevel=4)
    if zero.any():
        vals = " ".join(f"{v:.1e}" for v in evals[zero])
        warnings.warn(f"Satterthwaite: the Hessian of the deviance in (theta, sigma) has "
                      f"{zero.sum()} eigenvalue(s) close to zero ({vals}); the fit may be "
                      "singular or not converged", ConvergenceWarning, stacklevel=4)
    pos = evals > tol
    return (evecs[:, pos] / evals[pos]) @ evecs[:, pos].T


def fstat_ddf(nu, tol=1e-8):
    """Denominator df of an F statistic from the per-row df ``nu_m`` (lmerTest).

    ``E = sum nu_m / (nu_m - 2)``, ``ddf = 2 E / (E - q)``; 2 when any
    ``nu_m <= 2``; the common value when all agree (within ``tol``).
    """
    nu = np.atleast_1d(np.asarray(nu, dtype=float))
    if len(nu) == 1:
        return float(nu[0])
    if np.all(np.abs(np.diff(nu)) < tol):
        return float(nu.mean())
    if np.any(nu <= 2):
        return 2.0
    E = np.sum(nu / (nu - 2))
    return float(2 * E / (E - len(nu)))


class Satterthwaite:
    """Satterthwaite's approximation for one fit (computed once, then any contrast).

    Parameters
    ----------
    results : CrossedLMResults
    tol : float
        Eigenvalues of the Hessian below ``tol`` in absolute value are treated
        as zero (lmerTest's ``tol = 1e-8``).

    Attributes
    ----------
    varpar : ndarray
        ``(theta, sigma)`` at the fit.
    hessian : ndarray
        Hessian of the criterion in varpar.
    vcov_varpar : ndarray
        ``2 H^{-1}``: asymptotic covariance of varpar.
    jacobian : list of ndarray
        ``d vcov(beta) / d varpar_i``, one p x p matrix per variance parameter.
    vcov_beta : ndarray
        ``sigma^2 (R_X' R_X)^{-1}`` (the fit's ``cov_params()``).
    """

    name = "Satterthwaite"

    def __init__(self, results, tol=1e-8):
        self.beta = np.asarray(results.params, dtype=float)
        self.sigma = float(results.sigma)
        self.vcov_beta = np.asarray(results.normalized_cov_params) * results.scale
        self.varpar = np.concatenate([np.asarray(results.theta, dtype=float), [self.sigma]])
        dev = VarparDeviance(results.model, results.reml,
                             results.optsummary.options.factorization)
        self.hessian = numderiv.hessian(dev, self.varpar)
        self.vcov_varpar = 2 * _pinv_positive(self.hessian, tol)
        p = len(self.beta)
        J = numderiv.jacobian(dev.vcov_beta, self.varpar)
        self.jacobian = [J[:, i].reshape(p, p) for i in range(J.shape[1])]

    def df(self, L):
        """Satterthwaite df of each row l of L: ``2 (l'Vl)^2 / (g' A g)``."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        var_con = np.einsum("ij,jk,ik->i", L, self.vcov_beta, L)
        grad = np.column_stack([np.einsum("ij,jk,ik->i", L, J, L) for J in self.jacobian])
        denom = np.einsum("ij,jk,ik->i", grad, self.vcov_varpar, grad)
        return 2 * var_con ** 2 / denom

    def t_test(self, L, rhs=0.0):
        """Per row: estimate ``l'beta``, se ``sqrt(l'Vl)``, df, t ``(l'beta - rhs)/se``."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        effect = L @ self.beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", L, self.vcov_beta, L))
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float).ravel(), effect.shape)
        return effect, se, self.df(L), (effect - rhs) / se

    def f_test(self, L, rhs=0.0, eps=np.sqrt(np.finfo(float).eps)):
        """lmerTest's ``contestMD``: returns ``(F, num_df, den_df, F_unscaled)``.

        Contrast rows that are linearly dependent (eigenvalues of ``L V L'``
        below ``eps`` times the largest) are dropped, so ``num_df`` is the rank.
        """
        L = np.atleast_2d(np.asarray(L, dtype=float))
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float).ravel(), (L.shape[0],))
        beta = self.beta
        if np.any(rhs != 0):
            beta = beta - np.linalg.pinv(L) @ rhs
        d, P = np.linalg.eigh(L @ self.vcov_beta @ L.T)
        d, P = d[::-1], P[:, ::-1]
        q = int(np.sum(d > max(eps * d[0], 0.0)))
        if q == 0:
            raise ValueError("the contrast matrix has rank 0 (L V L' is zero)")
        PtL = (P.T @ L)[:q]
        F = float(np.sum((PtL @ beta) ** 2 / d[:q]) / q)
        nu = self.df(PtL)
        return F, q, fstat_ddf(nu), F


def t_pvalue(t, df):
    """Two-sided p-value ``2 P(T_df > |t|)``."""
    return 2 * stats.t.sf(np.abs(t), df)
