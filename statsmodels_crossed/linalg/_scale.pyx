# cython: language_level=3
"""Scale cross-product blocks by the relative covariance factors and scatter them.

Flat, typed, ``nogil``; the NumPy twin is ``numpy_twins.scale_scatter``.
"""
from libc.stdint cimport int64_t

cdef enum:
    KMAX = 16


def scale_scatter(const double[:, :, ::1] values, const double[:, ::1] lam_i,
                  const double[:, ::1] lam_j, const double[:, :, ::1] right,
                  const int64_t[::1] right_of_block, const int64_t[::1] dest,
                  double[::1] out):
    """out[dest[e, r, c]] = (lam_i' V_e lam_j R_{right_of_block[e]}')[r, c].

    ``values`` is (nb, ki, kj); ``right`` a stack of kj x kj matrices (pass an
    empty stack for the identity); ``dest`` holds ki * kj positions per block.
    Sizes up to 16 x 16 per block.
    """
    cdef Py_ssize_t e, r, c, a, nb = values.shape[0]
    cdef Py_ssize_t ki = values.shape[1], kj = values.shape[2]
    cdef bint has_right = right.shape[0] > 0
    cdef double t1[KMAX * KMAX]
    cdef double t2[KMAX * KMAX]
    cdef double s
    if ki > KMAX or kj > KMAX:
        raise ValueError("blocks larger than 16 x 16")
    with nogil:
        if ki == 1 and kj == 1 and not has_right:
            s = lam_i[0, 0] * lam_j[0, 0]
            for e in range(nb):
                out[dest[e]] = s * values[e, 0, 0]
        elif ki == 1 and kj == 1:
            s = lam_i[0, 0] * lam_j[0, 0]
            for e in range(nb):
                out[dest[e]] = s * values[e, 0, 0] * right[right_of_block[e], 0, 0]
        else:
            for e in range(nb):
                for r in range(ki):                 # t1 = lam_i' V_e
                    for c in range(kj):
                        s = 0.0
                        for a in range(r, ki):      # lam_i lower: lam_i[a, r] = 0 for a < r
                            s = s + lam_i[a, r] * values[e, a, c]
                        t1[r * kj + c] = s
                for r in range(ki):                 # t2 = t1 lam_j
                    for c in range(kj):
                        s = 0.0
                        for a in range(c, kj):
                            s = s + t1[r * kj + a] * lam_j[a, c]
                        t2[r * kj + c] = s
                if has_right:                       # t1 = t2 R'
                    for r in range(ki):
                        for c in range(kj):
                            s = 0.0
                            for a in range(kj):
                                s = s + t2[r * kj + a] * right[right_of_block[e], c, a]
                            t1[r * kj + c] = s
                    for r in range(ki * kj):
                        out[dest[e * ki * kj + r]] = t1[r]
                else:
                    for r in range(ki * kj):
                        out[dest[e * ki * kj + r]] = t2[r]
