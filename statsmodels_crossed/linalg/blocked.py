"""Blocked Cholesky factor of the penalized system (DESIGN.md section 3).

The terms are ordered by decreasing number of levels.  The first term's block
``Lambda_1' Z_1'WZ_1 Lambda_1 + I`` is block diagonal (one k x k block per
level), so it is factored level by level.  Eliminating it leaves the Schur
complement of everything else, the other terms and the dense ``[X y]`` rows:

    S = Lambda_r' A_rr Lambda_r + diag(I, 0) - W W',
    W = [Lambda_r' A_r1 Lambda_1; [X y]' W Z_1 Lambda_1] L_11^{-T}

``W`` is sparse (the co-occurrence pattern of the first factor with the
others); ``S`` is factored densely by LAPACK.  The trailing ``p + 1`` rows of
the dense factor hold R_X' and the penalized residual.  X is the blocks' centred
X_c; the public methods answer for the original X (:mod:`.coordinates`).
"""
import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas, lapack, solve_triangular

from statsmodels_crossed.linalg import _rank_update, _scale, numpy_twins
from statsmodels_crossed.linalg.coordinates import OriginalCoordinates
from statsmodels_crossed.linalg.repeat import RepeatedUpdateCache
from statsmodels_crossed.linalg.threads import kernel_threads
from statsmodels_crossed.linalg.blockscale import block_entry_indices, csc_from_entries

#: W is stored dense (and S updated by BLAS dsyrk) when more than this
#: fraction of it is non-zero (fully crossed designs).
DENSE_W_FRACTION = 0.25
_NO_RIGHT = np.zeros((0, 1, 1))
_NO_INDEX = np.zeros(0, dtype=np.int64)
_scale_KMAX = 16      # largest block the Cython kernel _scale.scale_scatter takes


def _scale_scatter(values, lam_i, lam_j, right, right_of_block, dest, out):
    """The Cython kernel ``_scale.scale_scatter``, or its NumPy twin for blocks past
    the kernel's 16 x 16 limit (terms with more than 16 columns)."""
    kernel = (numpy_twins.scale_scatter if max(values.shape[1:]) > _scale_KMAX
              else _scale.scale_scatter)
    kernel(values, lam_i, lam_j, right, right_of_block, dest, out)


def factor_small_blocks(blocks, lam):
    """Lower Cholesky factors of ``lam' B lam + I`` for a stack of k x k blocks B,
    and their inverses."""
    k = lam.shape[0]
    if k == 1:
        L = np.sqrt(blocks * lam[0, 0] ** 2 + 1.0)
        return L, 1.0 / L
    if k == 2:                       # closed form (numpy's batched routines: 20x slower)
        L, Linv = np.empty_like(blocks), np.empty_like(blocks)
        _scale.factor_2x2(blocks, lam, L, Linv)
        return L, Linv
    return numpy_twins.factor_blocks(blocks, lam)


class BlockedCholesky(OriginalCoordinates, RepeatedUpdateCache):
    """Blocked factor: block-diagonal first term, sparse W, dense Schur complement.

    Parameters
    ----------
    cp : CrossProducts
    """

    name = "blocked"

    def __init__(self, cp):
        self.cp = cp
        terms = cp.terms
        self.k1 = terms[0].k
        self.l1 = terms[0].n_levels
        qs = cp.qs
        self.roff = np.concatenate([[0, 0], np.cumsum(qs[1:])]).astype(np.int64)
        self.mz = int(sum(qs[1:]))
        self.m = self.mz + cp.p + 1
        self._threads = kernel_threads(self)
        self._build_dense_pattern()
        self._build_w_pattern()
        self.S = np.zeros((self.m, self.m), order="F")

    # -- patterns, once ----------------------------------------------------
    def _build_dense_pattern(self):
        """Positions (column-major flat) in S of every block that is scattered into it."""
        cp, m, mz = self.cp, self.m, self.mz
        self._s_diag, self._s_xyz, self._s_off = {}, {}, {}
        for t in range(1, len(cp.terms)):
            lv = np.arange(cp.terms[t].n_levels)
            r, c = block_entry_indices(lv, lv, cp.ks[t], cp.ks[t], self.roff[t], self.roff[t])
            self._s_diag[t] = r + c * m
            self._s_xyz[t] = self._xyz_dest(t)
        for (i, j), bl in cp.off.items():
            if j != 0:
                r, c = block_entry_indices(bl.rows, bl.cols, cp.ks[i], cp.ks[j],
                                           self.roff[i], self.roff[j])
                self._s_off[(i, j)] = r + c * m
        rr, cc = np.tril_indices(cp.p + 1)
        self._xyxy_idx = (rr, cc)
        self._s_xyxy = mz + rr + (mz + cc) * m
        self._diag_z = np.arange(mz) * (m + 1)

    def _xyz_dest(self, t):
        """Positions of ``([X y]' W Z_t Lambda_t)`` entries, in ``xyz[t].ravel()`` order."""
        cp, m = self.cp, self.m
        p1, l, k = cp.xyz[t].shape
        r = self.mz + np.arange(p1)[:, None, None]
        c = self.roff[t] + np.arange(l)[None, :, None] * k + np.arange(k)[None, None, :]
        r, c = np.broadcast_arrays(r, c)
        return (r + c * m).ravel()

    def _build_w_pattern(self):
        """Positions of W's entries: a CSC data array, or a dense array when W is dense."""
        cp, k1 = self.cp, self.k1
        rows, cols = [], []
        for t in range(1, len(cp.terms)):
            bl = cp.off[(t, 0)]
            r, c = block_entry_indices(bl.rows, bl.cols, cp.ks[t], k1, self.roff[t], 0)
            rows.append(r)
            cols.append(c)
        r = self.mz + np.arange(cp.p + 1)[None, :, None]          # (l1, p+1, k1) order
        c = np.arange(self.l1)[:, None, None] * k1 + np.arange(k1)[None, None, :]
        r, c = np.broadcast_arrays(r, c)
        rows.append(r.ravel())
        cols.append(c.ravel())
        sizes = np.cumsum([0] + [len(r) for r in rows])
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        ncol = self.l1 * k1
        self.dense_w = len(rows) > DENSE_W_FRACTION * self.m * ncol
        if self.dense_w:
            self.Wd = np.zeros((self.m, ncol), order="F")
            self._w_target = self.Wd.reshape(-1, order="F")
            dest = rows + cols * self.m
        else:
            self.w_colptr, self.w_rowidx, src = csc_from_entries(rows, cols, ncol)
            self.w_data = np.zeros(len(rows))
            dest = np.empty(len(src), dtype=np.int64)
            dest[src] = np.arange(len(src))
            self._W = sp.csc_matrix((self.w_data, self.w_rowidx, self.w_colptr),
                                    shape=(self.m, ncol))
            self.w_data = self._w_target = self._W.data   # W is updated in place per theta
        self._w_dest = {t: dest[sizes[t - 1]:sizes[t]] for t in range(1, len(cp.terms))}
        self._w_xy = dest[sizes[-2]:]

    # -- per theta -----------------------------------------------------------
    def _factor(self, lambdas):
        """Factor at the relative covariance factors ``lambdas`` (one per term).

        Returns False (and leaves ``ldL2`` etc. undefined) if the Schur
        complement is not positive definite (only possible when X is
        numerically rank deficient).
        """
        cp = self.cp
        lam1 = lambdas[0]
        self.L11, self.L11inv = factor_small_blocks(cp.diag[0], lam1)
        # W: the first term's columns of the factor, below its diagonal block
        for t in range(1, len(cp.terms)):
            bl = cp.off[(t, 0)]
            _scale_scatter(bl.values, lambdas[t], lam1, self.L11inv, bl.cols,
                                 self._w_dest[t], self._w_target)
        xy1 = np.matmul(cp.xyz[0].transpose(1, 0, 2), lam1)        # (l1, p+1, k1)
        if self.k1 == 1:
            xy1 *= self.L11inv
        else:
            xy1 = np.matmul(xy1, self.L11inv.transpose(0, 2, 1))
        self._w_target[self._w_xy] = xy1.ravel()
        # S: the dense Schur complement
        S = self.S
        _rank_update.zero_lower(S)         # the strict upper triangle is never read
        Sflat = S.reshape(-1, order="F")
        for t in range(1, len(cp.terms)):
            _scale_scatter(cp.diag[t], lambdas[t], lambdas[t], _NO_RIGHT, _NO_INDEX,
                                 self._s_diag[t], Sflat)
            Sflat[self._s_xyz[t]] = np.matmul(cp.xyz[t], lambdas[t]).ravel()
        for (i, j), dest in self._s_off.items():
            _scale_scatter(cp.off[(i, j)].values, lambdas[i], lambdas[j], _NO_RIGHT,
                                 _NO_INDEX, dest, Sflat)
        Sflat[self._s_xyxy] = cp.xyxy[self._xyxy_idx]
        Sflat[self._diag_z] += 1.0
        if self.dense_w:
            blas.dsyrk(-1.0, self.Wd, beta=1.0, c=S, lower=1, overwrite_c=1)
        else:
            _rank_update.syrk_sub_csc(self.w_colptr, self.w_rowidx, self.w_data, S,
                                         num_threads=self._threads)
        _, info = lapack.dpotrf(S, lower=1, clean=0, overwrite_a=1)
        if info != 0:
            return False
        d = np.diag(S)
        mz, p = self.mz, self.cp.p
        self.ldL2 = (2.0 * np.log(np.diagonal(self.L11, axis1=1, axis2=2)).sum()
                     + 2.0 * np.log(d[:mz]).sum())
        self.ldRX2 = 2.0 * np.log(d[mz:mz + p]).sum()
        self.pwrss = d[-1] ** 2
        return True

    # -- solutions at the current theta, coordinates of X_c (public: .coordinates) --
    def _RX_c(self):
        """Upper-triangular R_c with R_c' R_c = the Schur complement of X_c."""
        mz, p = self.mz, self.cp.p
        return np.triu(self.S[mz:mz + p, mz:mz + p].T)

    def _beta_c(self):
        """beta_c-hat: solves R_c beta~ = (the X part of the y row of L); beta_c =
        beta~ + ``cp.beta0_c`` (the blocks hold y - X_c beta0_c, see design.crossprod)."""
        mz, p = self.mz, self.cp.p
        return (solve_triangular(self._RX_c(), self.S[-1, mz:mz + p], lower=False)
                + self.cp.beta0_c)

    def _u_c(self, beta):
        """Spherical random effects at ``beta`` = beta_c - beta0_c, one (l_t, k_t)
        array per term."""
        mz, p = self.mz, self.cp.p
        S = self.S
        rhs = S[-1, :mz] - S[mz:mz + p, :mz].T @ beta
        u_r = self._solve_leading(rhs, mz, trans="T") if mz else rhs
        v = np.concatenate([-u_r, -beta, [1.0]])
        W = self._w_matrix()
        rhs1 = (W.T @ v).reshape(self.l1, self.k1)
        u1 = np.einsum("lck,lc->lk", self.L11inv, rhs1)       # L11^{-T} rhs
        return [u1] + self._split_rest(u_r)

    def _solve_lower_c(self, B):
        """``L^{-1} B`` for the factor L of the system without y, rows ordered [Z, X_c].

        ``L L' = [[Lambda'Z'WZ Lambda + I, Lambda'Z'WX], [X'WZ Lambda, X'WX]]`` (X_c);
        ``B`` has q + p rows (Z in term order, level-major within a term).
        Leverages are ``w_i |L^{-1} [Lambda' z_i; x_i]|^2``.
        """
        B = np.asarray(B, dtype=float)
        one_d = B.ndim == 1
        B = B.reshape(B.shape[0], -1)
        q1, r = self.l1 * self.k1, B.shape[1]
        y1 = np.einsum("lcd,ldr->lcr", self.L11inv,
                       B[:q1].reshape(self.l1, self.k1, r)).reshape(q1, r)
        rest = B[q1:] - self._w_matrix()[:-1] @ y1
        m1 = self.m - 1
        yr = self._solve_leading(rest, m1) if m1 else rest
        out = np.vstack([y1, yr])
        return out[:, 0] if one_d else out

    def _solve_leading(self, rhs, k, trans="N"):
        """Solve with the leading k x k block of the lower factor in S (``trans="T"``:
        its transpose), without copying the block: the rhs is padded with zeros
        to all m rows, which leaves the leading rows of the solution unchanged."""
        padded = np.zeros((self.m,) + rhs.shape[1:])
        padded[:k] = rhs
        return solve_triangular(self.S, padded, lower=True, trans=trans,
                                check_finite=False)[:k]

    def condvar_u(self):
        """Diagonal blocks of (L_Z L_Z')^{-1}: one (l_t, k_t, k_t) stack per term."""
        mz = self.mz
        self._check_condvar_memory()
        Y = (lapack.dtrtri(np.asfortranarray(self.S[:mz, :mz]), lower=1)[0]
             if mz else np.zeros((0, 0)))
        Y = np.tril(Y)
        Wr = self._w_matrix()[:mz]
        G = np.asarray((Wr.T @ Y.T).T) if mz else np.zeros((0, self.l1 * self.k1))
        Gb = G.reshape(mz, self.l1, self.k1)
        X = np.einsum("mlc,lcd->mld", Gb, self.L11inv)
        first = (np.einsum("lca,lcb->lab", self.L11inv, self.L11inv)
                 + np.einsum("mla,mlb->lab", X, X))
        out = [first]
        for t in range(1, len(self.cp.terms)):
            l, k = self.cp.terms[t].n_levels, self.cp.ks[t]
            Yt = Y[:, self.roff[t]:self.roff[t] + l * k].reshape(mz, l, k)
            out.append(np.einsum("mla,mlb->lab", Yt, Yt))
        return out

    def _check_condvar_memory(self):
        """DenseBlockTooLarge when condvar_u's dense work arrays (three mz x mz, two
        mz x q_1) would take more than the memory guard allows."""
        from statsmodels_crossed.linalg import factorization as fz   # circular at import

        mz, q1 = self.mz, self.l1 * self.k1
        need, avail = 8 * mz * (3 * mz + 2 * q1), fz.available_memory()
        if need > fz.DENSE_MEMORY_FRACTION * avail:
            raise fz.DenseBlockTooLarge(
                f"the conditional variances of the blocked factorization need "
                f"{need / 2**30:.1f} GiB of dense work arrays ({mz} x {mz} and {mz} x {q1}), "
                f"more than {fz.DENSE_MEMORY_FRACTION:.0%} of the {avail / 2**30:.1f} GiB "
                "available; fit with factorization='cholmod', which computes them in chunks")

    def _w_matrix(self):
        """W at the current theta (a view of the buffers ``update`` writes into)."""
        return self.Wd if self.dense_w else self._W

    def _split_rest(self, u_r):
        out = []
        for t in range(1, len(self.cp.terms)):
            l, k = self.cp.terms[t].n_levels, self.cp.ks[t]
            out.append(u_r[self.roff[t]:self.roff[t] + l * k].reshape(l, k))
        return out

    def describe(self):
        """One line per block of the factor, with its storage."""
        t0 = self.cp.terms[0]
        return (f"blocked Cholesky: block-diagonal {t0.group} ({self.l1} blocks of "
                f"{self.k1}x{self.k1}); {'dense' if self.dense_w else 'sparse'} W; "
                f"dense Schur complement {self.m}x{self.m} "
                f"({self.mz} random effects + {self.cp.p} fixed + y)")
