# cython: language_level=3
"""Symmetric rank update of a dense block by a sparse factor block.

Flat, typed, ``nogil``; the NumPy twin is ``numpy_twins.syrk_sub_csc``.
"""
from libc.stdint cimport int32_t, int64_t


def syrk_sub_csc(const int64_t[::1] colptr, const int32_t[::1] rowidx,
                 const double[::1] data, double[::1, :] S):
    """S -= W W' on the lower triangle of S (column-major), W given as CSC.

    Row indices must be sorted within each column.  Cost: sum over columns of
    nnz(column)^2 / 2, independent of the number of observations.
    """
    cdef Py_ssize_t j, a, b, ncol = colptr.shape[0] - 1
    cdef int32_t r2
    cdef double v2
    with nogil:
        for j in range(ncol):
            for b in range(colptr[j], colptr[j + 1]):
                r2 = rowidx[b]
                v2 = data[b]
                for a in range(b, colptr[j + 1]):
                    S[rowidx[a], r2] -= data[a] * v2
