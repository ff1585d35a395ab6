"""The profiled REML/ML criterion of a linear mixed model (lme4's ``devfun``).

With L the Cholesky factor of the penalized system at theta (DESIGN.md 2):

    ML:    -2 l(theta)   = ldL2 + n (1 + log(2 pi pwrss / n))          - sum(log w)
    REML:  -2 l_R(theta) = ldL2 + ldRX2 + (n-p)(1 + log(2 pi pwrss/(n-p))) - sum(log w)

where ``ldL2 = log|L_Z|^2``, ``ldRX2 = log|R_X|^2`` and ``pwrss`` is the
penalized weighted residual sum of squares.  beta and sigma^2 are profiled out.
"""
from dataclasses import dataclass

import numpy as np

from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.linalg.factorization import make_factorization


@dataclass(frozen=True)
class DevComp:
    """The named components of the criterion at one theta (lme4's ``devcomp``)."""

    ldL2: float
    ldRX2: float
    pwrss: float
    n: int
    p: int
    sum_log_w: float
    reml: bool

    @property
    def sigma2(self):
        """sigma^2-hat: pwrss / n (ML) or pwrss / (n - p) (REML)."""
        return self.pwrss / (self.n - self.p if self.reml else self.n)

    @property
    def objective(self):
        """-2 log-likelihood (ML) or -2 REML log-likelihood, with all constants."""
        if self.reml:
            nmp = self.n - self.p
            return (self.ldL2 + self.ldRX2 + nmp * (1 + np.log(2 * np.pi * self.pwrss / nmp))
                    - self.sum_log_w)
        return self.ldL2 + self.n * (1 + np.log(2 * np.pi * self.pwrss / self.n)) - self.sum_log_w


class LMMObjective:
    """The criterion as a function of theta, on one model's cross-product blocks.

    Calling the object evaluates the criterion; nothing here touches the n
    observations.  After a call, :attr:`factor` holds the factorization at
    that theta (for beta, u and conditional variances).

    Parameters
    ----------
    cp : CrossProducts
    reml : bool
    factorization : {"auto", "blocked", "cholmod"}
    """

    def __init__(self, cp, reml=True, factorization="auto"):
        self.cp = cp
        self.reml = bool(reml)
        self.theta_map = ThetaMap(cp.ks)
        self.factor = make_factorization(cp, factorization)
        self.n_evals = 0

    def components(self, theta):
        """:class:`DevComp` at theta, or None where the system is not positive definite."""
        self.n_evals += 1
        if not self.factor.update(self.theta_map.lambdas(theta)):
            return None
        cp = self.cp
        return DevComp(self.factor.ldL2, self.factor.ldRX2, self.factor.pwrss,
                       cp.n, cp.p, cp.sum_log_w, self.reml)

    def __call__(self, theta):
        comp = self.components(theta)
        return np.inf if comp is None else comp.objective
