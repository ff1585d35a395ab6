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
