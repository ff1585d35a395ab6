"""The single adapter through which the package reaches CHOLMOD (scikit-sparse).

It serves scikit-sparse 0.4.x (``sksparse.cholmod.analyze`` -> ``Factor``; the only
series that builds against SuiteSparse 5.x, as on Debian 12) and 0.5.x
(``sksparse.cholmod.CholeskyFactor``; needs SuiteSparse >= 7.4). scikit-sparse is
imported lazily: without it this module imports, `available` is False and
`SparseCholesky` raises ImportError.

Notes
-----
0.4 runs in supernodal mode (always LL'), refactors in place, and its ``D()``
reads ``diag(L)**2`` from the supernodes without copying. 0.5's ``factorize``
leaves the factor simplicial (refactoring it is ~10x slower), so each numeric
factorization starts from a copy of the symbolic one, and since its ``logdet()``
copies the factor, the diagonal is read from the CSC view ``factor`` (a
simplicial factor stores the diagonal first in each column). DESIGN.md 8.
"""
from __future__ import annotations

import importlib
from importlib import metadata

import numpy as np
import scipy.sparse as sp

__all__ = ["available", "backend_version", "SparseCholesky"]

ORDERINGS = ("default", "best", "natural", "amd", "metis", "nesdis", "colamd")

_INSTALL_HINT = (
    "the CHOLMOD backend needs scikit-sparse: pip install "
    "'statsmodels-crossed[cholmod]'. scikit-sparse compiles against the system "
    "SuiteSparse, so install its headers first (Debian/Ubuntu: apt-get install "
    "libsuitesparse-dev libopenblas0-pthread)"
)


def _cholmod():
    """Import ``sksparse.cholmod``, or raise ImportError with install instructions."""
    try:
        return importlib.import_module("sksparse.cholmod")
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT} [{exc}]") from exc


def available() -> bool:
    """Return True if scikit-sparse (CHOLMOD) can be imported."""
    try:
        _cholmod()
    except ImportError:
        return False
    return True


def backend_version() -> str | None:
    """Return the installed scikit-sparse version, or None if it is unavailable."""
    if not available():
        return None
    try:
        return metadata.version("scikit-sparse")
    except metadata.PackageNotFoundError:
        return getattr(importlib.import_module("sksparse"), "__version__", None)


class _Sksparse04:
    """scikit-sparse 0.4.x: ``analyze`` -> ``Factor``, refactored in place."""

    def __init__(self, cholmod, A, ordering):
        self._symbolic = cholmod.analyze(A, mode="supernodal", ordering_method=ordering)
        self.perm = np.array(self._symbolic.P(), dtype=np.intp)
        self._factor = None

    def factorize(self, A, beta):
        f, self._factor = self._factor, None  # after a failure, start from scratch
        f = self._symbolic.copy() if f is None else f
        f.cholesky_inplace(A, beta=beta)
        self._factor = f

    def diag_L(self):
        return np.sqrt(self._factor.D())  # D() of an LL' factor is diag(L)**2

    def solve(self, b, system):
        if system == "A":
            return self._factor.solve_A(b)
        solve = self._factor.solve_L if system == "L" else self._factor.solve_Lt
        return solve(b, use_LDLt_decomposition=False)  # the L of LL', not of LDL'

    def L(self):
        return self._factor.L()


class _Sksparse05:
    """scikit-sparse 0.5.x: ``CholeskyFactor``, a copy of the symbolic per factor."""

    def __init__(self, cholmod, A, ordering):
        self._symbolic = cholmod.CholeskyFactor(A, lower=True, order=ordering)
        self.perm = np.array(self._symbolic.perm, dtype=np.intp)
        self._factor = None

    def factorize(self, A, beta):
        self._factor = None
        self._factor = self._symbolic.copy().factorize(A, ldl=False, beta=beta)

    def diag_L(self):
        view = self._factor.factor  # read-only CSC view of the simplicial LL' factor
        return view.data[view.indptr[:-1]]

    def solve(self, b, system):
        return self._factor.solve(b, system=system)

    def L(self):
        return self._factor.get_factor(kind="LL", lower=True)


class SparseCholesky:
    """LL' factor of a symmetric positive definite sparse matrix with a fixed pattern.

    Symbolic analysis (fill-reducing permutation P) once in ``__init__``; numeric
    factorizations per call of `factorize`, with ``L L' = P (A + beta I) P'``.

    Parameters
    ----------
    A : scipy.sparse matrix or array, shape (n, n)
        Symmetric. Only its lower triangle (with the diagonal) is read, so the full
        matrix or its lower triangle may be given; CSC with float64 values avoids
        a conversion. Only the pattern is used here.
    ordering : {"default", "best", "natural", "amd", "metis", "nesdis", "colamd"}
        CHOLMOD's fill-reducing ordering. "default" is AMD, or METIS when AMD's
        fill is large; "natural" keeps P = I.

    Attributes
    ----------
    n : int
        Order of A.
    perm : ndarray of intp, shape (n,)
        P as an index vector: ``(P x)[i] = x[perm[i]]``.
    beta : float or None
        The shift of the current numeric factor; None while there is none.

    Raises
    ------
    ImportError
        If scikit-sparse is not installed.
    """

    def __init__(self, A, ordering: str = "default"):
        cholmod = _cholmod()
        if ordering not in ORDERINGS:
            raise ValueError(f"ordering must be one of {ORDERINGS}, got {ordering!r}")
        A = _as_csc(A)
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square, got shape {A.shape}")
        self.n = A.shape[0]
        self._itype = A.indices.dtype
        self._not_pd = cholmod.CholmodNotPositiveDefiniteError
        api = _Sksparse05 if hasattr(cholmod, "CholeskyFactor") else _Sksparse04
        self._backend = api(cholmod, A, ordering)
        self.perm = self._backend.perm
        self.beta = None

    def factorize(self, A, beta: float = 0.0) -> "SparseCholesky":
        """Compute L with ``L L' = P (A + beta I) P'`` for new values of A.

        Parameters
        ----------
        A : scipy.sparse matrix or array, shape (n, n)
            Same pattern as the analysed matrix (full or lower triangle, as in
            ``__init__``); only the lower triangle is read.
        beta : float
            Shift added to the diagonal.

        Returns
        -------
        SparseCholesky
            self, for chaining.

        Raises
        ------
        numpy.linalg.LinAlgError
            If A + beta I is not positive definite; the previous factor is dropped.
        """
        A = _as_csc(A, self._itype)
        if A.shape != (self.n, self.n):
            raise ValueError(f"A must have shape {(self.n, self.n)}, got {A.shape}")
        beta = float(beta)
        self.beta = None
        try:
            self._backend.factorize(A, beta)
        except self._not_pd as exc:
            col = getattr(exc, "column", None)
            where = "" if col is None else f" at column {col} of P (A + beta I) P'"
            raise np.linalg.LinAlgError(
                f"A + beta*I (beta={beta:g}) is not positive definite: the "
                f"Cholesky factorization failed{where} (CHOLMOD: {exc})"
            ) from exc
        self.beta = beta
        return self

    def logdet(self) -> float:
        """Return log det(A + beta I) = 2 sum(log(diag(L))), from L's diagonal."""
        return 2.0 * float(np.sum(np.log(self._factored().diag_L())))

    def solve_A(self, b) -> np.ndarray:
        """Return (A + beta I)^{-1} b for dense b of shape (n,) or (n, k)."""
        return self._factored().solve(self._rhs(b), "A")

    def solve_L(self, b) -> np.ndarray:
        """Return L^{-1} (P b) for dense b of shape (n,) or (n, k)."""
        return self._factored().solve(self._rhs(b)[self.perm], "L")

    def solve_Lt(self, b) -> np.ndarray:
        """Return P' L^{-T} b for dense b of shape (n,) or (n, k).

        ``solve_Lt(solve_L(b))`` is ``solve_A(b)``.
        """
        x = self._factored().solve(self._rhs(b), "Lt")
        out = np.empty_like(x)
        out[self.perm] = x
        return out

    def L(self) -> sp.csc_matrix:
        """Return a copy of the lower factor L (for tests and diagnostics)."""
        return sp.csc_matrix(self._factored().L())

    def _factored(self):
        if self.beta is None:
            raise RuntimeError("no numeric factor: call factorize() first")
        return self._backend

    def _rhs(self, b):
        b = np.asarray(b, dtype=np.float64)
        if b.ndim not in (1, 2) or b.shape[0] != self.n:
            raise ValueError(f"b must be ({self.n},) or ({self.n}, k), got {b.shape}")
        return b


def _as_csc(A, itype=None):
    """Return A as float64 CSC (index dtype ``itype`` if given); copy only if needed."""
    if not sp.issparse(A):
        raise TypeError(f"A must be a scipy.sparse matrix, got {type(A).__name__}")
    if A.format != "csc":
        A = A.tocsc()
    if A.dtype != np.float64:
        A = A.astype(np.float64)
    if itype is not None and (A.indices.dtype != itype or A.indptr.dtype != itype):
        A = A.copy()  # set the arrays directly: scipy's constructor picks its own dtype
        A.indices, A.indptr = A.indices.astype(itype), A.indptr.astype(itype)
    return A
