"""Independent dense evaluations of the GLMM deviance, for tests.

Built from statsmodels' family primitives and dense numpy/scipy only: the
conditional modes by scipy's trust-region Newton (analytic score, finite-difference
Hessian), the Laplace approximation with a dense log-determinant, and the exact
marginal likelihood of a one-term model by numerical integration (scipy.quad).
"""
import numpy as np
import pandas as pd
from scipy import integrate, optimize


def simulated(n=400, n_a=25, n_b=10, seed=1):
    """Crossed data (factors a, b; covariate x; exposure t) with responses of several families."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_a, n)
    b = rng.integers(0, n_b, n)
    x = rng.normal(size=n)
    t = rng.uniform(0.5, 3.0, n)
    eta = 0.3 + 0.5 * x + rng.normal(0, 0.5, n_a)[a] + rng.normal(0, 0.3, n_b)[b]
    mu = np.exp(eta)
    p = 1 / (1 + np.exp(-(eta - 0.3)))
    size = rng.integers(1, 8, n)
    succ = rng.binomial(size, p)
    return pd.DataFrame({
        "a": [f"a{i:02d}" for i in a], "b": [f"b{i:02d}" for i in b], "x": x, "t": t,
        "count": rng.poisson(mu * t), "binary": rng.binomial(1, p), "succ": succ,
        "fail": size - succ, "size": size, "prop": succ / size,
        "gamma": rng.gamma(4.0, mu / 4.0), "invgauss": rng.wald(mu, 5.0)})


class DenseGLMM:
    """-2 log-likelihood pieces of a GLMM from dense arrays.

    ``family`` is a statsmodels family; ``trials`` (binomial) the numbers of
    trials with ``y`` the proportions; ``ZL`` the dense ``Z Lambda``.
    """

    def __init__(self, family, y, X, offset=None, trials=None, weights=None):
        self.family, self.y, self.X = family, np.asarray(y, float), np.asarray(X, float)
        n = len(self.y)
        self.offset = np.zeros(n) if offset is None else np.asarray(offset, float)
        self.trials = trials
        self.w = np.ones(n) if weights is None else np.asarray(weights, float)

    def loglik_obs(self, mu, phi):
        f = self.family
        if self.trials is not None:
            f.n = self.trials
            out = f.loglike_obs(self.y, mu, scale=phi)
            f.n = 1
            return out
        return f.loglike_obs(self.y, mu, var_weights=self.w, scale=phi)

    def mu(self, eta):
        return self.family.link.inverse(eta)

    def pdev(self, u, beta, ZL, phi):
        """-2 log f(y | u) + |u|^2 (all constants)."""
        mu = self.mu(self.offset + self.X @ beta + ZL @ u)
        return -2 * np.sum(self.loglik_obs(mu, phi)) + u @ u

    def score(self, u, beta, ZL, phi):
        """Gradient of pdev in u: -2 sum_i w_i (y_i - mu_i) mu'_i / (phi V(mu_i)) z_i + 2 u."""
        eta = self.offset + self.X @ beta + ZL @ u
        mu = self.mu(eta)
        wt = self.w if self.trials is None else self.trials
        s = wt * (self.y - mu) * self.family.link.inverse_deriv(eta) / (
            phi * self.family.variance(mu))
        return -2 * ZL.T @ s + 2 * u

    def modes(self, beta, ZL, phi=1.0):
        """Conditional modes by trust-region Newton (finite-difference Hessian of the score)."""
        q = ZL.shape[1]

        def hess(u, *args):
            h = 1e-6
            cols = [(self.score(u + h * e, beta, ZL, phi) - self.score(u - h * e, beta, ZL, phi))
                    / (2 * h) for e in np.eye(q)]
            H = np.array(cols)
            return (H + H.T) / 2

        res = optimize.minimize(self.pdev, np.zeros(q), args=(beta, ZL, phi), jac=self.score,
                                hess=hess, method="trust-exact",
                                options={"gtol": 1e-11, "maxiter": 200})
        return res.x

    def laplace(self, beta, ZL, phi=1.0):
        """Laplace -2 log L with Fisher weights (lme4's), and the modes."""
        u = self.modes(beta, ZL, phi)
        eta = self.offset + self.X @ beta + ZL @ u
        mu = self.mu(eta)
        wt = self.w if self.trials is None else self.trials
        W = wt * self.family.link.inverse_deriv(eta) ** 2 / (phi * self.family.variance(mu))
        _, logdet = np.linalg.slogdet(ZL.T @ (W[:, None] * ZL) + np.eye(ZL.shape[1]))
        return self.pdev(u, beta, ZL, phi) + logdet, u

    def integrated(self, beta, sd, codes, phi=1.0):
        """Exact -2 log L of one random intercept (SD ``sd``) by numerical integration."""
        eta0 = self.offset + self.X @ beta
        total = 0.0
        for j in np.unique(codes):
            rows = codes == j
            sub = DenseGLMM(self.family, self.y[rows], self.X[rows], self.offset[rows],
                            None if self.trials is None else self.trials[rows], self.w[rows])

            def logf(b):
                return np.sum(sub.loglik_obs(sub.mu(eta0[rows] + b), phi))

            b_hat = optimize.minimize_scalar(lambda b: -logf(b) + b * b / (2 * sd * sd)).x
            peak = logf(b_hat) - b_hat ** 2 / (2 * sd * sd)
            val, _ = integrate.quad(lambda b: np.exp(logf(b) - b * b / (2 * sd * sd) - peak),
                                    b_hat - 12 * sd, b_hat + 12 * sd, epsabs=0, epsrel=1e-13,
                                    limit=200)
            total += -2 * (np.log(val / (np.sqrt(2 * np.pi) * sd)) + peak)
        return total
