"""lmerTest's type III contrast matrices, one per fixed-effects term.

The F statistic of a term does not depend on which basis of its hypothesis
is used, but lmerTest's Satterthwaite denominator df of a multi-df term does
(it rotates the contrast rows by the eigenvectors of ``L V L'``), and with
treatment-coded factors inside factor-by-factor interactions the hypothesis
itself differs from "the term's columns are zero".  So the contrasts are
built as lmerTest 3.1 builds them:

* one term, or one column: type I contrasts, the rows of ``U'`` from the
  Doolittle decomposition ``X'X = U' D U`` (U unit upper triangular),
  rows of the term's columns (``get_contrasts_type1``);
* otherwise (``extract_contrasts_type3``): with X_t the design remade with
  treatment contrasts and R the over-parameterized design (every level of
  every factor), ``K = (X_t^+ R)'``; for each term from the highest order
  down, the term's columns of K are replaced by their residuals on the
  columns of the terms containing it (same numeric variables, strictly more
  factors); the contrast of a term is ``K[rows of X_t's columns, term]'``,
  mapped to the model's own coding by ``X_t^+ X``.

Needs the patsy design information of a formula model; otherwise (or when
columns were dropped for rank deficiency) :func:`type3_contrasts` returns None
and the caller falls back to the term's columns.
"""
import itertools

import numpy as np
import patsy
from patsy.categorical import categorical_to_int


def zapsmall(x, digits=7):
    """R's (4.2) ``zapsmall``: ``round(x, max(0, digits - log10(max |x|)))``, R
    rounding the number of decimals to the nearest integer."""
    x = np.asarray(x, dtype=float)
    mx = np.max(np.abs(x)) if x.size else 0.0
    if mx > 0:
        digits = int(np.floor(max(0.0, digits - np.log10(mx)) + 0.5))
    return np.round(x, digits)


def doolittle_type1(X, eps=1e-6):
    """``t(L)`` of lmerTest's ``doolittle(X'X)``: unit upper triangular rows."""
    A = X.T @ X
    n = A.shape[0]
    L, U = np.eye(n), np.zeros((n, n))
    for i in range(n):
        U[i] = A[i] - L[i, :i] @ U[:i]
        for j in range(i + 1, n):
            L[j, i] = 0.0 if abs(U[i, i]) < eps else (A[j, i] - L[j, :i] @ U[:i, i]) / U[i, i]
    L[np.abs(L) < eps] = 0.0
    return L.T


class _Design:
    """Factor values of a patsy DesignInfo on the model's rows."""

    def __init__(self, info, frame):
        self.info = info
        self.n = len(frame)
        self.values = {}
        for f, fi in info.factor_infos.items():
            raw = f.eval(fi.state, frame)
            if fi.type == "categorical":
                codes = categorical_to_int(raw, fi.categories, patsy.NAAction(), origin=f)
                self.values[f] = np.eye(len(fi.categories))[codes]
            else:
                self.values[f] = np.asarray(raw, dtype=float).reshape(len(frame), -1)

    def columns(self, term, full):
        """{key: column} of one term: every level (``full``) or patsy's own
        choice of full / reduced coding with treatment contrasts."""
        subterms = self.info.term_codings[term]
        out = {}
        for sub in subterms:
            pieces = []
            for f in sub.factors:
                vals = self.values[f]
                if self.info.factor_infos[f].type == "numerical":
                    pieces.append([(f"{f.name()}#{c}", vals[:, c]) for c in range(vals.shape[1])])
                    continue
                reduced = not full and sub.contrast_matrices[f].matrix.shape[1] < vals.shape[1]
                levels = self.info.factor_infos[f].categories
                start = 1 if reduced else 0
                pieces.append([(f"{f.name()}={levels[c]}", vals[:, c])
                               for c in range(start, vals.shape[1])])
            for combo in itertools.product(*pieces):
                key = (term, tuple(k for k, _ in combo))
                col = np.ones(self.n)
                for _, v in combo:
                    col = col * v
                out[key] = col
        return out


def _contains(info, a, b):
    """lmerTest's containment: a's variables within b's (strictly fewer) and
    the same numeric variables."""
    fa, fb = set(a.factors), set(b.factors)
    num = {f for f in fa | fb if info.factor_infos[f].type == "numerical"}
    return fa < fb and (fa & num) == (fb & num)


def type3_contrasts(model):
    """{term name: L (rows over the fixed effects)} as lmerTest, or None."""
    info = getattr(model.data, "model_spec", None)
    frame = getattr(model.data, "frame", None)
    rows = getattr(model.data, "row_labels", None)
    if not isinstance(info, patsy.DesignInfo) or frame is None or rows is None:
        return None
    X = np.asarray(model.exog, dtype=float)
    if len(model.kept_columns) < X.shape[1]:
        return None
    terms = [t for t in info.terms if t.factors]
    names = {t: t.name() for t in terms}
    slices = {t: info.term_slices[t] for t in info.terms}
    if X.shape[1] <= 1 or len(terms) <= 1:
        T1 = doolittle_type1(X)
        return {names[t]: T1[slices[t]] for t in terms}
    try:
        design = _Design(info, frame.reset_index(drop=True).iloc[np.asarray(rows)])
    except Exception:
        return None
    xt_cols, rd_cols = {}, {}
    for t in info.terms:
        xt_cols.update(design.columns(t, full=False))
        rd_cols.update(design.columns(t, full=True))
    xt_keys = list(xt_cols)
    Xt = np.column_stack([xt_cols[k] for k in xt_keys])
    if Xt.shape[1] != X.shape[1] or np.linalg.matrix_rank(Xt) < Xt.shape[1]:
        return None
    rd_keys = list(rd_cols)
    Xt_pinv = np.linalg.pinv(Xt)
    K = zapsmall((Xt_pinv @ np.column_stack([rd_cols[k] for k in rd_keys])).T)
    col_of = {t: [i for i, k in enumerate(xt_keys) if k[0] is t] for t in info.terms}
    for t in sorted(terms, key=lambda t: -len(t.factors)):
        outer = [c for u in terms if u is not t and _contains(info, t, u) for c in col_of[u]]
        if outer:
            B = K[:, outer]
            coef = np.linalg.lstsq(B, K[:, col_of[t]], rcond=None)[0]
            K[:, col_of[t]] = zapsmall(K[:, col_of[t]] - B @ coef)
    K = K[[rd_keys.index(k) for k in xt_keys]]
    mapping = zapsmall(Xt_pinv @ X)
    out = {}
    for t in terms:
        L = K[:, col_of[t]].T @ mapping
        out[names[t]] = L[np.abs(L).sum(axis=1) > 1e-8]
    return out
