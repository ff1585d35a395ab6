# cython: language_level=3
"""One-pass kernels that build the cross-product blocks of [Z X y]' W [Z X y].

Flat, typed, ``nogil``: index arrays and dense row blocks in, caller-owned
buffers out.  The NumPy twins in ``numpy_twins.py`` define what each computes.
"""
from libc.stdint cimport int32_t, int64_t


def dense_cross(const int32_t[::1] codes, const double[:, ::1] Xt,
                const double[::1] w, const double[:, ::1] D,
                double[:, :, ::1] out):
    """out[:, codes[i], r] += w[i] * Xt[i, r] * D[i, :]  ([X y]' W Z_t, shape (m, l, k))."""
    cdef Py_ssize_t i, r, j, n = codes.shape[0], k = Xt.shape[1], m = D.shape[1]
    cdef int32_t g
    cdef double wr
    with nogil:
        for i in range(n):
            g = codes[i]
            for r in range(k):
                wr = w[i] * Xt[i, r]
                for j in range(m):
                    out[j, g, r] += wr * D[i, j]


def pair_pattern(const int32_t[::1] codes_a, const int32_t[::1] codes_b,
                 Py_ssize_t n_a, Py_ssize_t n_b,
                 int64_t[::1] colptr, int64_t[::1] pair_of_row,
                 int64_t[::1] order, int64_t[::1] work, int32_t[::1] rowidx):
    """Co-occurrence pattern of two factors, as CSC by levels of b.

    Two stable counting sorts order the rows by (b, a); each distinct (a, b)
    pair becomes one stored entry.  On return ``colptr`` (n_b + 1) holds the
    column pointers, ``rowidx[:nnz]`` the sorted a-levels of each column and
    ``pair_of_row[i]`` the entry of row i.  ``order`` and ``work`` are scratch
    (length n); ``rowidx`` must have length n.  Returns nnz.
    """
    cdef Py_ssize_t i, n = codes_a.shape[0]
    cdef int64_t nnz = 0, pos, prev_a = -1, prev_b = -1, row
    cdef int64_t[::1] count_a
    cdef int64_t[::1] count_b
    import numpy as np
    count_a = np.zeros(n_a + 1, dtype=np.int64)
    count_b = np.zeros(n_b + 1, dtype=np.int64)
    with nogil:
        for i in range(n):
            count_a[codes_a[i] + 1] += 1
            count_b[codes_b[i] + 1] += 1
        for i in range(n_a):
            count_a[i + 1] += count_a[i]
        for i in range(n_b):
            count_b[i + 1] += count_b[i]
        for i in range(n):                      # sort by a
            pos = count_a[codes_a[i]]
            work[pos] = i
            count_a[codes_a[i]] = pos + 1
        for i in range(n):                      # stable sort by b
            row = work[i]
            pos = count_b[codes_b[row]]
            order[pos] = row
            count_b[codes_b[row]] = pos + 1
        for i in range(n_b + 1):
            colptr[i] = 0
        for i in range(n):
            row = order[i]
            if codes_b[row] != prev_b or codes_a[row] != prev_a:
                prev_b = codes_b[row]
                prev_a = codes_a[row]
                rowidx[nnz] = codes_a[row]
                colptr[prev_b + 1] += 1
                nnz += 1
            pair_of_row[row] = nnz - 1
        for i in range(n_b):
            colptr[i + 1] += colptr[i]
    return nnz


def pair_blocks(const int64_t[::1] pair_of_row, const double[:, ::1] Xa,
                const double[:, ::1] Xb, const double[::1] w,
                double[:, :, ::1] out):
    """out[pair_of_row[i]] += w[i] * outer(Xa[i], Xb[i])  (blocks of Z_a' W Z_b).

    With ``pair_of_row`` the level codes of one term and ``Xa = Xb`` its model
    matrix, this is the block diagonal Z_t' W Z_t.
    """
    cdef Py_ssize_t i, r, c, n = pair_of_row.shape[0]
    cdef Py_ssize_t ka = Xa.shape[1], kb = Xb.shape[1]
    cdef int64_t e
    cdef double wr
    with nogil:
        for i in range(n):
            e = pair_of_row[i]
            for r in range(ka):
                wr = w[i] * Xa[i, r]
                for c in range(kb):
                    out[e, r, c] += wr * Xb[i, c]
