"""Dense, textbook versions of the diagnostics, for small fits only.

Everything is built from the results' public attributes (fixed effects,
``cov_re``, ``scale``, the terms' level codes and model matrices) and the
data: ``V = Z D Z' + sigma^2 W^{-1}`` formed explicitly, GLS by dense solves,
deletion by removing rows and solving again.  Nothing here calls the
package's diagnostics code.
"""
import numpy as np
import scipy.linalg as sla

from tests.linalg.dense_reference import dense_Z


class Dense:
    """The marginal model of a fit: y, X, w, Z, D, V (absolute scale)."""

    def __init__(self, res):
        model = res.model
        self.res = res
        self.y = np.asarray(model.endog, dtype=float)
        self.X = np.asarray(model.exog, dtype=float)[:, model.kept_columns]
        self.n, self.p = self.X.shape
        self.w = np.ones(self.n) if model.weights is None else np.asarray(model.weights)
        terms = res.reterms
        self.Z = dense_Z(terms)
        self.D = sla.block_diag(*[np.kron(np.eye(t.n_levels), res.cov_re[name].to_numpy())
                                  for name, t in zip(res.re_names, terms)])
        self.sigma2 = res.scale
        self.ZDZ = self.Z @ self.D @ self.Z.T
        self.V = self.ZDZ + self.sigma2 * np.diag(1.0 / self.w)

    def gls(self, keep=None):
        """(beta, cov(beta)) by GLS on the rows ``keep`` with V fixed."""
        if keep is None:
            if not hasattr(self, "_full"):
                self._full = self.gls(np.ones(self.n, bool))
            return self._full
        X, y, V = self.X[keep], self.y[keep], self.V[np.ix_(keep, keep)]
        VX = sla.cho_solve(sla.cho_factor(V), X)
        cov = np.linalg.inv(X.T @ VX)
        return cov @ (VX.T @ y), cov

    def hat_split(self):
        """diag(H1), diag(H2), diag(ZDZ' R^{-1}) (Demidenko & Stukel; Nobre & Singer):
        H1 = X (X'V^{-1}X)^{-1} X'V^{-1}, H2 = ZDZ'V^{-1} (I - H1)."""
        Vinv = np.linalg.inv(self.V)
        _, cov = self.gls()
        VinvX = Vinv @ self.X
        h1 = np.einsum("ip,ip->i", self.X @ cov, VinvX)
        P = (self.Z @ self.D) @ (self.Z.T @ Vinv)                 # ZDZ'V^{-1}
        h2 = np.diag(P) - np.einsum("ip,ip->i", P @ self.X @ cov, VinvX)
        return h1, h2, np.diag(self.ZDZ) * self.w / self.sigma2

    def hat_matrix(self):
        """The n x n map y -> X beta + Z b, with b = D Z'V^{-1} (y - X beta)."""
        Vinv = np.linalg.inv(self.V)
        _, cov = self.gls()
        H1 = self.X @ cov @ self.X.T @ Vinv
        return H1 + self.ZDZ @ Vinv @ (np.eye(self.n) - H1)

    def one_step(self, rows):
        """HLMdiag's measures of deleting ``rows`` with the variance parameters fixed."""
        keep = np.ones(self.n, bool)
        keep[rows] = False
        beta, cov = self.gls()
        beta_i, cov_i = self.gls(keep)
        return measures(beta, cov, beta_i, cov_i)


def measures(beta, cov, beta_i, cov_i):
    """Cook's D, MDFFITS, COVTRACE, COVRATIO and dfbeta from two (beta, cov) pairs."""
    d = beta - beta_i
    p = len(beta)
    return {"dfbeta": d,
            "cooks_d": d @ np.linalg.solve(cov, d) / p,
            "mdffits": d @ np.linalg.solve(cov_i, d) / p,
            "covtrace": abs(np.trace(np.linalg.solve(cov, cov_i)) - p),
            "covratio": np.linalg.det(cov_i) / np.linalg.det(cov)}


def varcomps(res):
    """sigma^2, then each term's lower triangle column by column (HLMdiag's varcomp order)."""
    out = [res.scale]
    for name in res.re_names:
        c = res.cov_re[name].to_numpy()
        for j in range(c.shape[0]):
            out.extend(c[j:, j])
    return np.array(out)
