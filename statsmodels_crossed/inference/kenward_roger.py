"""Kenward-Roger adjusted covariance and denominator df (as R's pbkrtest 0.5).

The marginal covariance is linear in the covariance parameters gamma (the
entries ``[i, j], i >= j`` of each term's covariance, then sigma^2):

    Sigma = sum_r gamma_r G_r,   G_r = Z E_r Z'  (E_r = I_l kron (e_i e_j' + e_j e_i')),
    G_residual = I.

With ``Phi = vcov(beta)`` and, for each pair (r, s),

    P_r  = -X' Sigma^-1 G_r Sigma^-1 X
    Q_rs =  X' Sigma^-1 G_r Sigma^-1 G_s Sigma^-1 X
    K_rs =  tr(Sigma^-1 G_r Sigma^-1 G_s)
    I_rs =  K_rs - 2 tr(Phi Q_rs) + tr(Phi P_r Phi P_s),    W = 2 I^-1

pbkrtest's ``vcovAdj`` is ``Phi_A = Phi + 2 Phi U Phi``,
``U = sum_rs W_rs (Q_rs - P_r Phi P_s)``, and ``Lb_ddf`` / ``.KR_adjust`` give
the denominator df and the F scaling of a contrast L (:meth:`KenwardRoger.ddf`).

pbkrtest forms the n x n Sigma.  Here every quantity is computed in the
(q + p)-dimensional space of ``[Z X]``: with ``C = Lambda' Z'Z Lambda + I``,
``Sigma^-1 = sigma^-2 (I - Z Lambda C^-1 Lambda' Z')`` (Woodbury), so
``Sigma^-1 [Z X] = [Z X] T`` with ``T = sigma^-2 (I - J Lambda C^-1 Lambda' S_Z.)``
and ``[Z X]' Sigma^-k [Z X] = S T^k`` for ``S = [Z X]'[Z X]``;
``tr(Sigma^-2) = sigma^-4 (n - q + |C^-1|_F^2)``.  The cost is independent of n.

Prior weights: pbkrtest's Sigma has an identity residual covariance whatever
the weights (while Phi uses them).  ``use_prior_weights=False`` (default)
reproduces pbkrtest; ``True`` uses the model's own ``sigma^2 W^-1``, which
amounts to the same algebra on ``W^1/2 [Z X]``.
"""
import warnings

import numpy as np
from scipy import stats

from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.inference.crossprod_dense import dense_crossprod, dense_lambda

#: Largest q + p (random effects + fixed effects) handled by default.
MAX_DIM = 3000


class _Param:
    """One covariance parameter: term t's entry (i, j), or the residual (t is None)."""

    def __init__(self, t=None, i=0, j=0, rows_i=None, rows_j=None):
        self.t, self.i, self.j = t, i, j
        self.rows_i, self.rows_j = rows_i, rows_j

    def apply(self, M):
        """``E_r M`` restricted to the rows of the term (rows_i then rows_j if i != j)."""
        if self.i == self.j:
            return self.rows_i, M[self.rows_i]
        rows = np.concatenate([self.rows_i, self.rows_j])
        return rows, np.vstack([M[self.rows_j], M[self.rows_i]])


def _params(cp, covs, sigma2):
    off = cp.offsets()
    params, gamma = [], []
    for t, term in enumerate(cp.terms):
        base = off[t] + np.arange(term.n_levels) * term.k
        for j in range(term.k):
            for i in range(j, term.k):
                params.append(_Param(t, i, j, base + i, base + j))
                gamma.append(covs[t][i, j])
    params.append(_Param())
    gamma.append(sigma2)
    return params, np.array(gamma)


class KenwardRoger:
    """Kenward-Roger quantities of one REML fit.

    Parameters
    ----------
    results : CrossedLMResults
        A REML fit.
    use_prior_weights : bool
        For weighted fits: residual covariance ``sigma^2 W^-1`` (True) or
        pbkrtest's ``sigma^2 I`` (False, default, reproduces pbkrtest).
    max_dim : int
        Refuse models with more than this many random plus fixed effects.

    Attributes
    ----------
    vcov_adj : ndarray
        The adjusted covariance of beta (pbkrtest's ``vcovAdj``).
    vcov_beta : ndarray
        The unadjusted ``Phi = sigma^2 (R_X' R_X)^-1``.
    P : list of ndarray
        ``P_r``, one p x p matrix per covariance parameter.
    W : ndarray
        ``2 I^-1``, the asymptotic covariance of gamma.
    gamma : ndarray
        The covariance parameters (term covariances' lower triangles, sigma^2).
    """

    name = "Kenward-Roger"

    def __init__(self, results, use_prior_weights=False, max_dim=MAX_DIM):
        if not results.reml:
            raise ValueError("Kenward-Roger's method is defined for REML fits only (as "
                             "pbkrtest/lmerTest); refit with reml=True, or use "
                             "df_method='satterthwaite'")
        model = results.model
        cp = model.crossprod
        if cp.q + cp.p > max_dim:
            raise ValueError(f"Kenward-Roger needs dense matrices of size q + p = "
                             f"{cp.q + cp.p} (q = {cp.q} random effects, n = {cp.n} "
                             f"observations), above max_dim = {max_dim}; use "
                             "df_method='satterthwaite' (or raise max_dim)")
        if model.weights is not None and not use_prior_weights:
            warnings.warn("Kenward-Roger with prior weights: as pbkrtest, the residual "
                          "covariance in Sigma is sigma^2 I (the weights are ignored there, "
                          "not in vcov(beta)); use_prior_weights=True uses sigma^2 W^-1",
                          UserWarning, stacklevel=4)
            X = np.asarray(model.exog, dtype=float)[:, model.kept_columns]
            cp = CrossProducts(model.reterms, np.ascontiguousarray(X), model._y, None)
        self.beta = np.asarray(results.params, dtype=float)
        self.vcov_beta = np.asarray(results.normalized_cov_params) * results.scale
        lambdas = [np.asarray(lam) for lam in _lambdas(results)]
        params, self.gamma = _params(cp, [results.scale * lam @ lam.T for lam in lambdas],
                                     results.scale)
        self.P, Q, K = _pqk(dense_crossprod(cp), dense_lambda(cp, lambdas), cp.n, cp.q,
                            results.scale, params)
        # _pqk works with cp's centred X_c = X T (design.centering): P_r and Q_rs are
        # forms in beta_c, mapped to beta's coordinates by T^{-T} (.) T^{-1}
        self.P = [cp.centering.form_to_original(Pr) for Pr in self.P]
        Q = {key: cp.centering.form_to_original(Qrs) for key, Qrs in Q.items()}
        self.W, self.vcov_adj = _adjust(self.vcov_beta, self.P, Q, K)

    def ddf(self, L):
        """pbkrtest's denominator df and F scaling of the contrast L (rows = hypotheses).

        Returns ``(ddf, F_scaling, q)`` with q the rank of L.
        """
        L = np.atleast_2d(np.asarray(L, dtype=float))
        Phi = self.vcov_beta
        Theta = L.T @ np.linalg.solve(L @ Phi @ L.T, L)
        U = [Theta @ Phi @ P @ Phi for P in self.P]
        tr = np.array([np.trace(u) for u in U])
        A1 = float(tr @ self.W @ tr)
        A2 = float(sum(self.W[i, j] * np.sum(U[i] * U[j].T)
                       for i in range(len(U)) for j in range(len(U))))
        q = int(np.linalg.matrix_rank(L))
        return _ddf_from_a(A1, A2, q)

    def t_test(self, L, rhs=0.0):
        """Per row: estimate, adjusted se ``sqrt(l' Phi_A l)``, KR df, t."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        effect = L @ self.beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", L, self.vcov_adj, L))
        df = np.array([self.ddf_1d(row) for row in L])
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float).ravel(), effect.shape)
        return effect, se, df, (effect - rhs) / se

    def ddf_1d(self, l):
        """pbkrtest's ``Lb_ddf`` for one row (lmerTest's KR t-test df)."""
        return self.ddf(np.atleast_2d(l))[0]

    def f_test(self, L, rhs=0.0):
        """pbkrtest's ``KRmodcomp``: returns ``(F, num_df, den_df, F_unscaled)``.

        ``F_unscaled = (L b - rhs)' (L Phi_A L')^-1 (L b - rhs) / q`` and
        ``F = F_scaling * F_unscaled``, referred to F(q, den_df).
        """
        L = np.atleast_2d(np.asarray(L, dtype=float))
        rhs = np.broadcast_to(np.asarray(rhs, dtype=float).ravel(), (L.shape[0],))
        ddf, scaling, q = self.ddf(L)
        diff = L @ self.beta - rhs
        F_u = float(diff @ np.linalg.lstsq(L @ self.vcov_adj @ L.T, diff, rcond=None)[0]) / q
        return scaling * F_u, q, ddf, F_u


def _lambdas(results):
    return ThetaMap([t.k for t in results.reterms]).lambdas(results.theta)


def _ddf_from_a(A1, A2, q):
    """pbkrtest's ``.KR_adjust``: the df and F scaling from A1, A2 and q."""
    B = (A1 + 6 * A2) / (2 * q)
    g = ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2)
    den = 3 * q + 2 * (1 - g)
    c1, c2, c3 = g / den, (q - g) / den, (q + 2 - g) / den
    V0 = 1 + c1 * B
    V1, V2 = 1 - c2 * B, 1 - c3 * B
    V0 = 0.0 if abs(V0) < 1e-10 else V0
    ratio = 1.0 if (abs(1 - A2 / q) < 1e-14 and abs(V1) < 1e-14) else (1 - A2 / q) / V1
    rho = ratio ** 2 * V0 / V2 / q
    df2 = 4 + (q + 2) / (q * rho - 1)
    scaling = 1.0 if abs(df2 - 2) < 0.01 else df2 * (1 - A2 / q) / (df2 - 2)
    return df2, scaling, q


def _pqk(S, Lam, n, q, sigma2, params):
    """P_r, Q_rs and K_rs in the (q + p) space (module docstring)."""
    B = Lam.T @ S[:q, :q] @ Lam
    Cinv = np.linalg.inv(B + np.eye(q))
    Kmat = Lam @ Cinv @ Lam.T

    def times_T(M):
        return (M - (M[:, :q] @ Kmat) @ S[:q, :]) / sigma2

    M1 = times_T(S)
    M1 = (M1 + M1.T) / 2
    M2 = times_T(M1)
    M2 = (M2 + M2.T) / 2
    M3xx = times_T(M2[q:])[:, q:]
    N, NZX = M1[:q, :q], M1[:q, q:]
    tr_sigma2 = (n - q + np.sum(Cinv ** 2)) / sigma2 ** 2
    m = len(params)
    a, Y = [], []
    for r in params:
        if r.t is None:
            a.append(None)
            Y.append(None)
            continue
        rows, vals = r.apply(NZX)
        ar = np.zeros_like(NZX)
        np.add.at(ar, rows, vals)
        a.append(ar)
        Y.append(r.apply(N))
    P = []
    for r, ar in zip(params, a):
        Pr = -(M2[q:, q:] if ar is None else NZX.T @ ar)
        P.append((Pr + Pr.T) / 2)
    Q = {}
    K = np.zeros((m, m))
    for i in range(m):
        for j in range(i, m):
            ai, aj = a[i], a[j]
            if ai is not None and aj is not None:
                Q[i, j] = ai.T @ N @ aj
                (ri, Yi), (rj, Yj) = Y[i], Y[j]
                K[i, j] = np.sum(Yi[:, rj] * Yj[:, ri].T)
            elif ai is not None:
                Q[i, j] = ai.T @ M2[:q, q:]
                rows, vals = params[i].apply(M2[:q, :q])
                K[i, j] = np.sum(vals[np.arange(len(rows)), rows])
            elif aj is not None:
                Q[i, j] = M2[q:, :q] @ aj
                rows, vals = params[j].apply(M2[:q, :q])
                K[i, j] = np.sum(vals[np.arange(len(rows)), rows])
            else:
                Q[i, j] = M3xx
                K[i, j] = tr_sigma2
            Q[j, i] = Q[i, j].T
            K[j, i] = K[i, j]
    return P, Q, K


def _adjust(Phi, P, Q, K):
    """``W = 2 I^-1`` and ``Phi_A = Phi + 2 Phi U Phi`` (pbkrtest's vcovAdj_internal)."""
    m = len(P)
    PhiP = [Phi @ Pr for Pr in P]
    info = np.empty((m, m))
    for i in range(m):
        for j in range(i, m):
            info[i, j] = info[j, i] = (K[i, j] - 2 * np.sum(Phi * Q[i, j])
                                       + np.sum(PhiP[i] * PhiP[j].T))
    if np.min(np.abs(np.linalg.eigvalsh(info))) > 1e-10:
        W = 2 * np.linalg.inv(info)
    else:
        warnings.warn("Kenward-Roger: the information matrix of the covariance parameters "
                      "is (nearly) singular; using its pseudo-inverse", stacklevel=3)
        W = 2 * np.linalg.pinv(info)
    W = (W + W.T) / 2
    U = np.zeros_like(Phi)
    for i in range(m):
        for j in range(m):
            U += W[i, j] * (Q[i, j] - P[i] @ Phi @ P[j])
    U = (U + U.T) / 2
    return W, Phi + 2 * Phi @ U @ Phi


def f_pvalue(F, df1, df2):
    return stats.f.sf(F, df1, df2)
