"""Variance parameters on the SD / correlation scale (lme4's ``sdcor``).

Term t's covariance is ``Sigma_t = sigma^2 lambda_t lambda_t'``.  Its
parameters in lme4's order (theta's order: the lower triangle column by
column) are the SD ``sd_i = sqrt(Sigma_t[i, i])`` at a diagonal position and
the correlation ``cor_ij = Sigma_t[i, j] / (sd_i sd_j)`` below it; then the
residual SD sigma.  Names follow lme4's ``profile``/``confint`` with
``oldNames=FALSE``: ``sd_<col>|<group>``, ``cor_<col_i>.<col_j>|<group>``, ``sigma``.
"""
import numpy as np


def _positions(k):
    """(i, j) of the lower triangle of a k x k matrix, column by column."""
    return [(i, j) for j in range(k) for i in range(j, k)]


def sdcor_names(terms):
    """lme4's names of the SD / correlation parameters, then ``"sigma"``."""
    names = []
    for t in terms:
        for i, j in _positions(t.k):
            names.append(f"sd_{t.columns[i]}|{t.group}" if i == j
                         else f"cor_{t.columns[i]}.{t.columns[j]}|{t.group}")
    return names + ["sigma"]


def is_sd(terms):
    """Boolean mask of the SD entries of the sdcor vector (sigma included)."""
    return np.array([i == j for t in terms for i, j in _positions(t.k)] + [True])


def to_sdcor(ks, theta, sigma):
    """``(sd / cor per term, sigma)`` from ``(theta, sigma)``; a 0/0 correlation is 0."""
    out, pos = [], 0
    for k in ks:
        n = k * (k + 1) // 2
        lam = np.zeros((k, k))
        rows, cols = zip(*_positions(k))
        lam[list(rows), list(cols)] = theta[pos:pos + n]
        pos += n
        cov = sigma ** 2 * lam @ lam.T
        sd = np.sqrt(np.diag(cov))
        for i, j in _positions(k):
            if i == j:
                out.append(sd[i])
            else:
                den = sd[i] * sd[j]
                out.append(cov[i, j] / den if den > 0 else 0.0)
    return np.array(out + [sigma])


def _psd_cholesky(cov, tol=1e-12):
    """Lower factor of a positive semi-definite matrix (zero columns where it is
    singular); None if the matrix is not positive semi-definite."""
    k = cov.shape[0]
    L = np.zeros((k, k))
    scale = max(np.max(np.abs(np.diag(cov))), 1e-300)
    for j in range(k):
        d = cov[j, j] - L[j, :j] @ L[j, :j]
        if d < -tol * scale:
            return None
        if d <= tol * scale:                      # singular direction: column stays 0
            rest = cov[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]
            if np.any(np.abs(rest) > 1e-8 * scale):
                return None
            continue
        L[j, j] = np.sqrt(d)
        L[j + 1:, j] = (cov[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]) / L[j, j]
    return L


def to_theta(ks, sdcor):
    """``(theta, sigma)`` from the sdcor vector; theta None where a term's
    correlation matrix is not positive semi-definite."""
    sigma = float(sdcor[-1])
    theta, pos = [], 0
    for k in ks:
        n = k * (k + 1) // 2
        vals = sdcor[pos:pos + n]
        pos += n
        cov = np.zeros((k, k))
        sd = np.zeros(k)
        for (i, j), v in zip(_positions(k), vals):
            if i == j:
                sd[i] = v
        for (i, j), v in zip(_positions(k), vals):
            cov[i, j] = cov[j, i] = sd[i] ** 2 if i == j else v * sd[i] * sd[j]
        lam = _psd_cholesky(cov)
        if lam is None:
            return None, sigma
        theta.extend(lam[i, j] / sigma for i, j in _positions(k))
    return np.array(theta), sigma
