# cython: language_level=3
"""Scale cross-product blocks by the relative covariance factors and scatter them.

Flat, typed, ``nogil``; the NumPy twin is ``numpy_twins.scale_scatter``.
"""
from libc.math cimport sqrt
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
    if ki == 2 and kj == 2:                 # random intercept and slope: unrolled
        with nogil:
            _scale_scatter_2x2(values, lam_i, lam_j, right, right_of_block, dest, out,
                               has_right)
        return
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


cdef void _scale_scatter_2x2(const double[:, :, ::1] values, const double[:, ::1] lam_i,
                             const double[:, ::1] lam_j, const double[:, :, ::1] right,
                             const int64_t[::1] right_of_block, const int64_t[::1] dest,
                             double[::1] out, bint has_right) noexcept nogil:
    """`scale_scatter` for 2 x 2 blocks: ``lam_i' V_e Q`` with ``Q = lam_j R'`` (for
    each right-hand level when there are any) formed once, not per block."""
    cdef Py_ssize_t e, nb = values.shape[0]
    cdef double a = lam_i[0, 0], b = lam_i[1, 0], c = lam_i[1, 1]
    cdef double q00 = lam_j[0, 0], q01 = 0.0, q10 = lam_j[1, 0], q11 = lam_j[1, 1]
    cdef double r0, r1, r2, r3, v0, v1, v2, v3
    cdef const double* v
    cdef const double* R
    cdef const int64_t* d
    for e in range(nb):
        v = &values[e, 0, 0]
        # rows of lam_i' V (lam_i lower triangular: lam_i' = [[a, b], [0, c]])
        v0 = a * v[0] + b * v[2]
        v1 = a * v[1] + b * v[3]
        v2 = c * v[2]
        v3 = c * v[3]
        if has_right:                     # Q = lam_j R', R = right[l]
            R = &right[right_of_block[e], 0, 0]
            q00 = lam_j[0, 0] * R[0]
            q01 = lam_j[0, 0] * R[2]
            q10 = lam_j[1, 0] * R[0] + lam_j[1, 1] * R[1]
            q11 = lam_j[1, 0] * R[2] + lam_j[1, 1] * R[3]
        r0 = v0 * q00 + v1 * q10
        r1 = v0 * q01 + v1 * q11
        r2 = v2 * q00 + v3 * q10
        r3 = v2 * q01 + v3 * q11
        d = &dest[4 * e]
        out[d[0]] = r0
        out[d[1]] = r1
        out[d[2]] = r2
        out[d[3]] = r3


def factor_2x2(const double[:, :, ::1] blocks, const double[:, ::1] lam,
               double[:, :, ::1] L, double[:, :, ::1] Linv):
    """Lower Cholesky factor ``L_e`` of ``lam' B_e lam + I`` and its inverse, for a stack
    of 2 x 2 blocks ``B_e`` (symmetric; the lower triangle is read).

    ``lam' B lam + I`` is at least the identity, so the factor always exists.
    """
    cdef Py_ssize_t e, nb = blocks.shape[0]
    cdef double a = lam[0, 0], b = lam[1, 0], c = lam[1, 1]
    cdef double s00, s10, s11, l00, l10, l11
    cdef const double* B
    if blocks.shape[1] != 2 or blocks.shape[2] != 2 or lam.shape[0] != 2 or lam.shape[1] != 2:
        raise ValueError("factor_2x2: blocks and lam must be 2 x 2")
    if L.shape[0] != nb or Linv.shape[0] != nb:
        raise ValueError("factor_2x2: L and Linv must have one 2 x 2 block per input block")
    with nogil:
        for e in range(nb):
            B = &blocks[e, 0, 0]
            # lam' B lam with lam = [[a, 0], [b, c]]: lam' = [[a, b], [0, c]]
            s00 = a * a * B[0] + 2.0 * a * b * B[2] + b * b * B[3] + 1.0
            s10 = c * (a * B[2] + b * B[3])
            s11 = c * c * B[3] + 1.0
            l00 = sqrt(s00)
            l10 = s10 / l00
            l11 = sqrt(s11 - l10 * l10)
            L[e, 0, 0] = l00
            L[e, 0, 1] = 0.0
            L[e, 1, 0] = l10
            L[e, 1, 1] = l11
            Linv[e, 0, 0] = 1.0 / l00
            Linv[e, 0, 1] = 0.0
            Linv[e, 1, 1] = 1.0 / l11
            Linv[e, 1, 0] = -l10 / (l00 * l11)
