"""Adaptive Gauss-Hermite quadrature for one scalar random-effects term (lme4's nAGQ > 1).

With one scalar term the integral over u factors into one integral per level j:

    I_j = int exp(-D_j(u) / 2) du / sqrt(2 pi),   D_j(u) = sum_{i in j} d_i(u) / phi + u^2

(up to the saturated constant).  Centred at the conditional mode u0_j and scaled
by its conditional SD s_j = 1 / L_jj, with the K-node Gauss-Hermite rule
(z_k, w_k) of the standard normal density:

    -2 log I_j = D_j(u0_j) + log L_jj^2 - 2 log m_j,
    m_j = sum_k w_k exp(-(D_j(u0_j + s_j z_k) - D_j(u0_j)) / 2 + z_k^2 / 2)

so the AGQ deviance is the Laplace deviance plus ``-2 sum_j log m_j``
(``m_j = 1`` for K = 1).
"""
import numpy as np

from statsmodels_crossed.exceptions import FormulaError


def gh_rule(k):
    """Nodes and weights of the K-node Gauss-Hermite rule for the standard normal density."""
    z, w = np.polynomial.hermite_e.hermegauss(int(k))
    return z, w / np.sqrt(2 * np.pi)


def check_single_scalar_term(terms):
    """AGQ needs exactly one random-effects term with one column (as lme4)."""
    if len(terms) != 1 or terms[0].k != 1:
        desc = ", ".join(f"({' + '.join('1' if c == 'Intercept' else c for c in t.columns)}"
                         f" | {t.group})" for t in terms)
        raise FormulaError(f"nAGQ > 1 (adaptive Gauss-Hermite quadrature) needs a single "
                           f"scalar random-effects term, such as (1 | g); this model has "
                           f"{desc}. Use nagq=1 (Laplace)")


def correction(resp, term, lam, eta, u0, sd, phi, nodes, weights):
    """``-2 sum_j log m_j`` (module docstring) at the modes ``u0`` with SDs ``sd``.

    ``eta`` is the linear predictor at the modes and ``lam`` the term's scalar
    relative SD, so moving level j's u to ``v`` changes eta by ``lam x_i (v - u0_j)``.
    """
    x, codes, nlev = term.X[:, 0], term.codes, term.n_levels
    lx = lam * x

    def D(u):
        mu = resp.mu(eta + lx * (u - u0)[codes])
        return np.bincount(codes, resp.dev_resid2(mu) / phi, minlength=nlev) + u * u

    D0 = D(u0)
    m = np.zeros(nlev)
    for z, w in zip(nodes, weights):
        m += w * np.exp(-0.5 * (D(u0 + z * sd) - D0) + 0.5 * z * z)
    return float(-2.0 * np.log(m).sum())
