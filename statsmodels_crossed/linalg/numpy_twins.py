"""NumPy implementations of the Cython kernels, one twin per kernel.

They define what the kernels compute; the tests compare each kernel with its
twin.  They are slower (they allocate n-sized temporaries) but simple.
"""
import numpy as np


def dense_cross(codes, Xt, w, D, out):
    """out[:, codes[i], r] += w[i] * Xt[i, r] * D[i, :]."""
    contrib = (w[:, None, None] * Xt[:, None, :]) * D[:, :, None]   # (n, m, k)
    np.add.at(out.transpose(1, 0, 2), codes, contrib)


def pair_pattern(codes_a, codes_b, n_a, n_b):
    """Co-occurrence pattern of two factors as CSC by levels of b.

    Returns ``(colptr, rowidx, pair_of_row)``; see the kernel of the same name.
    """
    key = codes_b.astype(np.int64) * n_a + codes_a
    uniq, pair_of_row = np.unique(key, return_inverse=True)
    colptr = np.zeros(n_b + 1, dtype=np.int64)
    np.add.at(colptr, uniq // n_a + 1, 1)
    return np.cumsum(colptr), (uniq % n_a).astype(np.int32), pair_of_row.ravel()


def pair_blocks(pair_of_row, Xa, Xb, w, out):
    """out[pair_of_row[i]] += w[i] * outer(Xa[i], Xb[i])."""
    np.add.at(out, pair_of_row, w[:, None, None] * Xa[:, :, None] * Xb[:, None, :])


def syrk_sub_csc(colptr, rowidx, data, S):
    """S -= W W' on the lower triangle of S, W given as CSC."""
    for j in range(len(colptr) - 1):
        sl = slice(colptr[j], colptr[j + 1])
        r, v = rowidx[sl], data[sl]
        outer = np.outer(v, v)
        low = r[:, None] >= r[None, :]
        ri, ci = np.nonzero(low)
        S[r[ri], r[ci]] -= outer[ri, ci]


def scale_scatter(values, lam_i, lam_j, right, right_of_block, dest, out):
    """out[dest] = (lam_i' V_e lam_j R_{right_of_block[e]}') for every block, raveled."""
    scaled = np.matmul(np.matmul(lam_i.T, values), lam_j)
    if len(right):
        scaled = np.matmul(scaled, right[right_of_block].transpose(0, 2, 1))
    out[dest] = scaled.ravel()


def factor_blocks(blocks, lam):
    """Lower Cholesky factors of ``lam' B_e lam + I`` and their inverses (twin of
    ``_scale.factor_2x2``, and the path for blocks larger than 2 x 2)."""
    L = np.linalg.cholesky(np.matmul(np.matmul(lam.T, blocks), lam) + np.eye(lam.shape[0]))
    return L, np.linalg.inv(L)
