"""Dense forms of the pieces of a model: ``[Z X]'W[Z X]`` and ``Lambda``.

For the small-q algebra of Kenward-Roger: ``S = [Z X]' W [Z X]`` as one
dense (q + p) x (q + p) matrix assembled from the blocks of
:class:`~statsmodels_crossed.design.crossprod.CrossProducts`, and the block
diagonal ``Lambda = diag_t(I_{l_t} kron lambda_t)``.  Z's columns are in term
order, level-major within a term (``CrossProducts.offsets()``).
"""
import numpy as np
import scipy.linalg


def dense_crossprod(cp):
    """``[Z X_c]' W [Z X_c]`` (q + p square) from the blocks of ``cp``; X_c = X T is
    the blocks' centred X (``cp.centering``, design.centering)."""
    q, p = cp.q, cp.p
    off = cp.offsets()
    S = np.zeros((q + p, q + p))
    for t, term in enumerate(cp.terms):
        l, k = term.n_levels, term.k
        idx = off[t] + np.arange(l)[:, None] * k + np.arange(k)[None, :]     # (l, k)
        S[idx[:, :, None], idx[:, None, :]] = cp.diag[t]
        S[q:, off[t]:off[t + 1]] = cp.xyz[t][:p].reshape(p, l * k)
    for (i, j), bl in cp.off.items():
        ki, kj = cp.ks[i], cp.ks[j]
        ri = off[i] + bl.rows[:, None] * ki + np.arange(ki)[None, :]          # (nb, ki)
        cj = off[j] + bl.cols[:, None] * kj + np.arange(kj)[None, :]          # (nb, kj)
        S[ri[:, :, None], cj[:, None, :]] = bl.values
    S[q:, q:] = cp.xyxy[:p, :p]
    return np.tril(S) + np.tril(S, -1).T


def dense_lambda(cp, lambdas):
    """Block-diagonal ``Lambda`` (q x q): ``I_{l_t} kron lambda_t`` per term."""
    return scipy.linalg.block_diag(*[np.kron(np.eye(t.n_levels), lam)
                                     for t, lam in zip(cp.terms, lambdas)])
