"""Variance components in lme4's shapes: VarCorr names, covariance matrices, tidy table."""
import numpy as np
import pandas as pd


def varcorr_names(terms):
    """lme4's VarCorr names: the group, with ``.1``, ``.2`` for later terms on one factor."""
    seen, names = {}, []
    for t in terms:
        i = seen.get(t.group, 0)
        names.append(t.group if i == 0 else f"{t.group}.{i}")
        seen[t.group] = i + 1
    return names


def term_covariances(lambdas, sigma2):
    """Covariance matrix ``sigma^2 lambda_t lambda_t'`` of each term."""
    return [sigma2 * lam @ lam.T for lam in lambdas]


def varcorr_frame(names, terms, covs, sigma2, residual=True):
    """lme4's ``as.data.frame(VarCorr(m))``: grp, var1, var2, vcov, sdcor.

    For each term its variances (var2 empty, sdcor the SD) then its covariances
    (lower triangle by column, sdcor the correlation); last the residual
    (left out with ``residual=False``: GLMMs without a scale parameter).
    """
    rows = []
    for name, term, cov in zip(names, terms, covs):
        sd = np.sqrt(np.diag(cov))
        for i, col in enumerate(term.columns):
            rows.append((name, col, None, cov[i, i], sd[i]))
        for j in range(term.k):
            for i in range(j + 1, term.k):
                corr = cov[i, j] / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else np.nan
                rows.append((name, term.columns[i], term.columns[j], cov[i, j], corr))
    if residual:
        rows.append(("Residual", None, None, sigma2, np.sqrt(sigma2)))
    return pd.DataFrame(rows, columns=["group", "var1", "var2", "vcov", "sdcor"])


def correlation(cov):
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.outer(sd, sd)
