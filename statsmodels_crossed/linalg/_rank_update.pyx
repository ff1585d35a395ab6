# cython: language_level=3
"""Symmetric rank update of a dense block by a sparse factor block.

Flat, typed, ``nogil``; the NumPy twin is ``numpy_twins.syrk_sub_csc``.
"""
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memset


cdef inline Py_ssize_t _first_at_least(const int32_t[::1] rowidx, Py_ssize_t lo,
                                       Py_ssize_t hi, int32_t row) noexcept nogil:
    """Position of the first entry in rowidx[lo:hi] (sorted) that is >= row."""
    cdef Py_ssize_t mid
    while lo < hi:
        mid = (lo + hi) // 2
        if rowidx[mid] < row:
            lo = mid + 1
        else:
            hi = mid
    return lo


def syrk_sub_csc(const int64_t[::1] colptr, const int32_t[::1] rowidx,
                 const double[::1] data, double[::1, :] S,
                 Py_ssize_t panel=64, int num_threads=1):
    """S -= W W' on the lower triangle of S (column-major), W given as CSC.

    Row indices must be sorted within each column.  Cost: sum over columns of
    nnz(column)^2 / 2, independent of the number of observations.

    The update runs panel by panel over ``panel`` columns of S (a panel of a
    4000-row S is 2 MB and stays in cache while every column of W passes over
    it); panels are independent, so ``num_threads`` > 1 shares them out with
    OpenMP.  Indices are checked before any write.
    """
    cdef Py_ssize_t m = S.shape[0], ncol = colptr.shape[0] - 1
    cdef Py_ssize_t j, a, p, npanel
    if S.shape[1] != m:
        raise ValueError("syrk_sub_csc: S must be square")
    if ncol < 0 or colptr[0] != 0 or colptr[ncol] != rowidx.shape[0] \
            or rowidx.shape[0] != data.shape[0]:
        raise ValueError("syrk_sub_csc: colptr, rowidx and data do not describe one CSC matrix")
    for j in range(ncol):
        if colptr[j + 1] < colptr[j]:
            raise ValueError("syrk_sub_csc: colptr is not non-decreasing")
    for a in range(rowidx.shape[0]):
        if rowidx[a] < 0 or rowidx[a] >= m:
            raise ValueError(f"syrk_sub_csc: row index {rowidx[a]} outside 0..{m - 1}")
    if panel < 1:
        panel = 1
    npanel = (m + panel - 1) // panel
    if num_threads <= 1:           # no OpenMP call at all (safe in a forked child)
        with nogil:
            for p in range(npanel):
                _update_panel(colptr, rowidx, data, S, p * panel, min(p * panel + panel, m))
        return
    for p in prange(npanel, nogil=True, schedule="dynamic", num_threads=num_threads):
        _update_panel(colptr, rowidx, data, S, p * panel, min(p * panel + panel, m))


cdef void _update_panel(const int64_t[::1] colptr, const int32_t[::1] rowidx,
                        const double[::1] data, double[::1, :] S,
                        Py_ssize_t c0, Py_ssize_t c1) noexcept nogil:
    """The columns c0 <= c < c1 of S's lower triangle: S[:, c] -= sum_j w_j[c] w_j."""
    cdef Py_ssize_t j, a, b, hi
    cdef Py_ssize_t ncol = colptr.shape[0] - 1
    cdef int32_t r2
    cdef double v2
    cdef double* col
    for j in range(ncol):
        hi = colptr[j + 1]
        b = _first_at_least(rowidx, colptr[j], hi, <int32_t>c0)
        while b < hi and rowidx[b] < c1:
            r2 = rowidx[b]
            v2 = data[b]
            col = &S[0, r2]
            for a in range(b, hi):
                col[rowidx[a]] -= data[a] * v2
            b = b + 1


def zero_lower(double[::1, :] S):
    """Set the lower triangle of S (column-major, diagonal included) to zero.

    Half the memory traffic of ``S.fill(0)``; the update and LAPACK's ``dpotrf``
    (lower) never read the strict upper triangle.
    """
    cdef Py_ssize_t j, m = S.shape[0]
    if S.shape[1] != m:
        raise ValueError("zero_lower: S must be square")
    with nogil:
        for j in range(m):
            memset(&S[j, j], 0, (m - j) * sizeof(double))
