"""The single adapter through which the package reaches CHOLMOD (scikit-sparse).

Two scikit-sparse APIs are served:

* 0.4.x (``sksparse.cholmod.analyze`` returning a ``Factor``), the only series that
  builds against SuiteSparse 5.x (Debian 12);
* 0.5.x (``sksparse.cholmod.CholeskyFactor``), which needs SuiteSparse >= 7.4.

scikit-sparse is imported lazily, so this module imports without it; then
`available` is False and `SparseCholesky` raises ImportError.

Notes
-----
Facts about the backends that shape this module (measured, see DESIGN.md 8):

* 0.4 factors in supernodal mode, so the factor is always LL' and a numeric
  refactorization updates the same object in place.  ``Factor.D()`` reads
  ``diag(L)**2`` straight from the supernodes without copying the factor.
* 0.5's ``factorize`` converts the factor to simplicial form, which makes a
  second factorization of the same object ~10x slower, so every factorization
  starts from a copy of the symbolic factor.  Its ``logdet()`` copies the
  factor; the diagonal is read from the read-only CSC view ``factor`` instead
  (a simplicial CHOLMOD factor stores the diagonal first in each column).
"""
from __future__ import annotations

import importlib

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
    """Import ``sksparse.cholmod`` or raise ImportError with install instructions."""
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
    from importlib import metadata

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
        # Refactor in place; start again from the symbolic factor after a failure.
        f, self._factor = self._factor, None
        if f is None:
            f = self._symbolic.copy()
        f.cholesky_inplace(A, beta=beta)
        self._factor = f

    def diag_L(self):
        # Supernodal factors are LL', for which D() returns diag(L)**2.
        return np.sqrt(self._factor.D())

    def solve(self, b, system):
        if system == "A":
            return self._factor.solve_A(b)
        if system == "L":
            return self._factor.solve_L(b, use_LDLt_decomposition=False)
        return self._factor.solve_Lt(b, use_LDLt_decomposition=False)

    def L(self):
        return self._factor.L()


class _Sksparse05:
    """scikit-sparse 0.5.x: ``CholeskyFactor``, one copy of the symbolic per factorization."""

    def __init__(self, cholmod, A, ordering):
        self._symbolic = cholmod.CholeskyFactor(A, lower=True, order=ordering)
        self.perm = np.array(self._symbolic.perm, dtype=np.intp)
        self._factor = None

    def factorize(self, A, beta):
        self._factor = None
        f = self._symbolic.copy()
        f.factorize(A, ldl=False, beta=beta)
        self._factor = f

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
    factorizations per call of `factorize`, with

        L L' = P (A + beta I) P'.

    Parameters
    ----------
    A : scipy.sparse matrix or array, shape (n, n)
        Symmetric; only its lower triangle (diagonal included) is read, so either
        the full matrix or its lower triangle may be passed. CSC with sorted
        indices and float64 values avoids a conversion; other formats are converted.
        Only the pattern matters here.
    ordering : {"default", "best", "natural", "amd", "metis", "nesdis", "colamd"}
        CHOLMOD's fill-reducing ordering. "default" tries AMD and, if the fill is
        large, METIS; "natural" keeps P = I.

    Attributes
    ----------
    n : int
        Order of A.
    perm : ndarray of intp, shape (n,)
        P as an index vector: ``(P x)[i] = x[perm[i]]``.
    beta : float or None
        The shift of the current factorization; None before `factorize`.

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
        """Compute L with L L' = P (A + beta I) P' for new values on the analysed pattern.

        Parameters
        ----------
        A : scipy.sparse matrix or array, shape (n, n)
            Same pattern (full or lower triangle, as in ``__init__``) as the
            analysed matrix; only the lower triangle is read.
        beta : float
            Shift added to the diagonal.

        Returns
        -------
        SparseCholesky
            self, for chaining.

        Raises
        ------
        numpy.linalg.LinAlgError
            If A + beta I is not positive definite. The previous factor is discarded.
        """
        A = _as_csc(A, self._itype)
        if A.shape != (self.n, self.n):
            raise ValueError(f"A must have shape {(self.n, self.n)}, got {A.shape}")
        beta = float(beta)
        self.beta = None
        try:
            self._backend.factorize(A, beta)
        except self._not_pd as exc:
            column = getattr(exc, "column", None)
            where = "" if column is None else f" at column {column} of P (A + beta I) P'"
            raise np.linalg.LinAlgError(
                f"A + beta*I (beta={beta:g}) is not positive definite: CHOLMOD's "
                f"Cholesky factorization failed{where} ({exc})"
            ) from exc
        self.beta = beta
        return self

    def logdet(self) -> float:
        """Return log det(A + beta I) = 2 sum(log(diag(L))), read from L's diagonal."""
        return 2.0 * float(np.sum(np.log(self._factored().diag_L())))

    def solve_A(self, b) -> np.ndarray:
        """Return (A + beta I)^{-1} b for a dense b of shape (n,) or (n, k)."""
        return self._factored().solve(self._rhs(b), "A")

    def solve_L(self, b) -> np.ndarray:
        """Return L^{-1} (P b) for a dense b of shape (n,) or (n, k)."""
        return self._factored().solve(self._rhs(b)[self.perm], "L")

    def solve_Lt(self, b) -> np.ndarray:
        """Return P' L^{-T} b for a dense b of shape (n,) or (n, k).

        ``solve_Lt(solve_L(b))`` equals ``solve_A(b)``.
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
            raise ValueError(f"b must have shape ({self.n},) or ({self.n}, k), got {b.shape}")
        return b


def _as_csc(A, itype=None):
    """Return A as a float64 CSC matrix (index dtype ``itype`` if given), copying only if needed."""
    if not sp.issparse(A):
        raise TypeError(f"A must be a scipy.sparse matrix, got {type(A).__name__}")
    if A.format != "csc":
        A = A.tocsc()
    if A.dtype != np.float64:
        A = A.astype(np.float64)
    if itype is not None and (A.indices.dtype != itype or A.indptr.dtype != itype):
        # Set the arrays directly: scipy's constructor may pick another index dtype.
        A = A.copy()
        A.indices, A.indptr = A.indices.astype(itype), A.indptr.astype(itype)
    return A
