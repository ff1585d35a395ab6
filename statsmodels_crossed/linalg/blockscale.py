"""Scaling of cross-product blocks by the relative covariance factors.

Both factorization paths need ``Lambda_i' (Z_i' W Z_j) Lambda_j`` block by
block, written into fixed positions of a target (a dense matrix, or the data
array of a sparse one).  The positions depend only on the pattern, so they
are computed once; each theta costs one batched product and one scatter.
"""
import numpy as np


def scale_blocks(values, lam_i, lam_j):
    """``lam_i' V lam_j`` for every k_i x k_j block V in ``values`` (nb, k_i, k_j)."""
    if lam_i.shape == (1, 1) and lam_j.shape == (1, 1):
        return values * (lam_i[0, 0] * lam_j[0, 0])
    return np.matmul(np.matmul(lam_i.T, values), lam_j)


def block_entry_indices(rows, cols, k_i, k_j, row_offset=0, col_offset=0):
    """Element (row, col) of every entry of a block list, in ``values.ravel()`` order.

    Block e with row level ``rows[e]`` and column level ``cols[e]`` covers rows
    ``row_offset + rows[e] * k_i + (0..k_i-1)`` and the matching columns.
    """
    r = row_offset + rows[:, None, None] * k_i + np.arange(k_i)[None, :, None]
    c = col_offset + cols[:, None, None] * k_j + np.arange(k_j)[None, None, :]
    r, c = np.broadcast_arrays(r, c)
    return r.ravel(), c.ravel()


def csc_from_entries(rows, cols, n_cols):
    """CSC pattern of entries given in arbitrary order.

    Returns ``(colptr, rowidx, src)`` with ``data = values[src]`` putting the
    values (given in entry order) into CSC order, rows sorted in each column.
    Entries must be distinct.
    """
    src = np.lexsort((rows, cols))
    colptr = np.zeros(n_cols + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n_cols), out=colptr[1:])
    return colptr, rows[src].astype(np.int32), src


def symmetric_entries(cp, offsets):
    """Both triangles of ``Z'WZ`` as entries: ``(rows, cols, pieces)``.

    ``pieces`` lists ``(i, j, values)`` for every diagonal block of a term and
    every off-diagonal block pair (i > j); :func:`entry_values` turns them into the
    values of ``rows``/``cols`` (an off-diagonal block's entries appear twice, in
    its own position and in its transpose's).
    """
    rows, cols, pieces = [], [], []
    for t, term in enumerate(cp.terms):
        lv = np.arange(term.n_levels)
        r, c = block_entry_indices(lv, lv, term.k, term.k, offsets[t], offsets[t])
        rows.append(r)
        cols.append(c)
        pieces.append((t, t, cp.diag[t]))
    for (i, j), bl in cp.off.items():
        r, c = block_entry_indices(bl.rows, bl.cols, cp.ks[i], cp.ks[j], offsets[i], offsets[j])
        rows += [r, c]
        cols += [c, r]
        pieces.append((i, j, bl.values))
    return np.concatenate(rows), np.concatenate(cols), pieces


def entry_values(pieces, lambdas=None):
    """Values of :func:`symmetric_entries`' entries, each block scaled to
    ``lambda_i' V lambda_j`` (unscaled when ``lambdas`` is None)."""
    vals = []
    for i, j, values in pieces:
        v = (values if lambdas is None else scale_blocks(values, lambdas[i], lambdas[j])).ravel()
        vals += [v] if i == j else [v, v]
    return np.concatenate(vals)
