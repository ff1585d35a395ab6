"""Hat-matrix pieces on the blocked factor (block-diagonal first term, dense rest).

The factor is ``L = [[L_11, 0], [W_r, L_S]]``: ``L_11`` block diagonal (one
k_1 x k_1 block per level of the first term), ``W_r`` sparse (or dense for
fully crossed designs), ``L_S`` the dense factor of the Schur complement of
the other terms and X.  Writing ``g_i = [g1_i; gr_i]`` for the first term's
entries and the rest,

    y1_i = L_11^{-1} g1_i,   r_i = gr_i - W_r y1_i,
    N_i' N_j = [c1(i) = c1(j)] y1_i' y1_j + r_i' Q r_j,   Q = (L_S L_S')^{-1},
    N_{X,i} = T r_i,   T = the last p rows of L_S^{-1}.

``r_i`` is non-zero on the pattern of one column block of ``W_r`` and on the
observation's own levels: once ``Q``, ``W_r' Q`` (by chunks of first-term
levels) and ``D_c = W_c' Q W_c`` are formed, each observation costs
O(non-zeros^2), and a group only the rows of ``Q`` its observations touch.
"""
import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack, solve_triangular

from statsmodels_crossed.diagnostics.hat import CHUNK_ENTRIES, HatPieces


class BlockedHatPieces(HatPieces):
    """The structured computation on the blocked factor (module docstring)."""

    reads_factor_blocks = True

    def __init__(self, cp, factor, lambdas, X, weights):
        super().__init__(cp, factor, lambdas, X, weights)
        f = factor
        self.k1, self.l1 = f.k1, f.l1
        self.q1 = f.l1 * f.k1
        m1 = f.m - 1
        self.m1 = m1
        W = f._w_matrix()                       # CSC, or dense for fully crossed designs
        self.dense_w = not sp.issparse(W)
        self.Wr = np.array(W[:m1], order="C") if self.dense_w else W[:m1].tocsc()
        self.L11inv = f.L11inv.copy()
        LS = np.tril(f.S[:m1, :m1])
        if m1:
            Qlow, info = lapack.dpotri(LS, lower=1)
            if info != 0:
                raise np.linalg.LinAlgError("inverse of the Schur complement failed")
            self.Q = np.tril(Qlow) + np.tril(Qlow, -1).T
        else:
            self.Q = np.zeros((0, 0))
        E = np.zeros((m1, self.p))
        E[m1 - self.p:, :] = np.eye(self.p)
        self.T = (solve_triangular(LS, E, lower=True, trans="T").T if m1
                  else np.zeros((self.p, 0)))                       # (p, m1)
        self.TW = np.asarray((self.Wr.T @ self.T.T).T)               # (p, q1)
        self.codes1 = cp.terms[0].codes.astype(np.int64)

    def _y1(self, c, g1):
        """``L_11^{-1} g1`` for observations with first-term levels c."""
        return np.einsum("nab,nb->na", self.L11inv[c], g1)

    def observations(self):
        k1, m1 = self.k1, self.m1
        h = np.empty(self.n)
        NX = np.empty((self.n, self.p))
        order = np.argsort(self.codes1, kind="stable")
        starts = np.searchsorted(self.codes1[order], np.arange(self.l1 + 1))
        per = max(1, CHUNK_ENTRIES // max(1, k1 * m1))
        for a in range(0, self.l1, per):
            b = min(self.l1, a + per)
            QWt, D = self._level_chunk(a, b)
            rows = order[starts[a]:starts[b]]
            width = sum(self.cp.ks) + self.p              # non-zeros of g_i
            sub = max(1, CHUNK_ENTRIES // (width * (width + k1 + self.p)))
            for s in range(0, len(rows), sub):
                r = rows[s:s + sub]
                h[r], NX[r] = self._observation_chunk(r, a, QWt, D)
        return h, NX

    def _level_chunk(self, a, b):
        """``W_r' Q`` for the columns of first-term levels [a, b) and the
        diagonal blocks ``D_c = W_c' Q W_c`` of those levels."""
        k1 = self.k1
        Wc = self.Wr[:, a * k1:b * k1]
        QWt = np.asarray(Wc.T @ self.Q) if self.m1 else np.zeros((Wc.shape[1], 0))
        if self.dense_w:
            D = np.einsum("mla,lbm->lab", Wc.reshape(self.m1, b - a, k1),
                          QWt.reshape(b - a, k1, self.m1))
            return QWt, D
        coo = Wc.tocoo()
        col = coo.col.astype(np.int64)
        lc, ja = col // k1, col % k1
        vals = coo.data[:, None] * QWt[(lc * k1)[:, None] + np.arange(k1), coo.row[:, None]]
        flat = ((lc * k1 + ja)[:, None] * k1 + np.arange(k1)).ravel()
        D = np.bincount(flat, weights=vals.ravel(), minlength=(b - a) * k1 * k1)
        return QWt, D.reshape(b - a, k1, k1)

    def _observation_chunk(self, rows, a, QWt, D):
        k1 = self.k1
        idx, val = self.design(rows)
        c = self.codes1[rows]
        y1 = self._y1(c, val[:, :k1])
        P, gr = idx[:, k1:] - self.q1, val[:, k1:]
        A = np.einsum("na,nab,nb->n", gr, self.Q[P[:, :, None], P[:, None, :]], gr)
        blk = ((c - a) * k1)[:, None] + np.arange(k1)
        B = np.einsum("nj,nja,na->n", y1, QWt[blk[:, :, None], P[:, None, :]], gr)
        C = np.einsum("na,nab,nb->n", y1, D[c - a], y1)
        h = (y1 ** 2).sum(1) + A - 2.0 * B + C
        NX = (np.einsum("pna,na->np", self.T[:, P], gr)
              - np.einsum("pnj,nj->np", self.TW[:, (c * k1)[:, None] + np.arange(k1)], y1))
        return h, NX

    def group(self, rows):
        rows = np.asarray(rows, dtype=np.int64)
        k1, k = self.k1, len(rows)
        idx, val = self.design(rows)
        c = self.codes1[rows]
        y1 = self._y1(c, val[:, :k1])
        K = (y1 @ y1.T) * (c[:, None] == c[None, :])
        P = idx[:, k1:] - self.q1
        cols = (c * k1)[:, None] + np.arange(k1)                    # (k, k1)
        if self.dense_w:
            U = np.arange(self.m1)
            RU = -np.einsum("mij,ij->mi", self.Wr[:, cols], y1)
        else:
            r, obs, wy = self._w_entries(cols, y1)
            U = np.union1d(P.ravel(), r)
            flat = np.searchsorted(U, r) * k + obs
            RU = -np.bincount(flat, weights=wy, minlength=len(U) * k).reshape(len(U), k)
        RU[np.searchsorted(U, P), np.arange(k)[:, None]] += val[:, k1:]
        K += RU.T @ self.Q[np.ix_(U, U)] @ RU
        return K, self.T[:, U] @ RU

    def _w_entries(self, cols, y1):
        """Non-zeros of ``W_r[:, block c(i)] y1_i`` for every observation i:
        (row in the rest, observation, value), from the CSC arrays of W_r."""
        Wr = self.Wr
        start, stop = Wr.indptr[cols].ravel(), Wr.indptr[cols + 1].ravel()
        lens = stop - start
        seg = np.repeat(np.arange(len(lens)), lens)
        first = np.cumsum(lens) - lens
        pos = start[seg] + np.arange(lens.sum()) - first[seg]
        return Wr.indices[pos], seg // self.k1, Wr.data[pos] * y1.ravel()[seg]
