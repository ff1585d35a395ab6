"""Choice between the blocked dense path and the CHOLMOD path.

Both classes share one interface: ``update(lambdas) -> bool``, then
``ldL2``, ``ldRX2``, ``pwrss``, ``RX()``, ``beta()``, ``u(beta)``,
``condvar_u()`` and ``describe()``.
"""
import numpy as np

from statsmodels_crossed.linalg.blocked import BlockedCholesky

#: Largest dense Schur complement the automatic choice accepts when CHOLMOD
#: is available and the complement is sparse.
DENSE_LIMIT = 2000


def schur_density(cp):
    """Fraction of the rest-by-rest Schur complement filled by the first term's fill-in."""
    rest = sum(cp.qs[1:])
    if rest == 0:
        return 1.0
    fill = 0
    for t in range(1, len(cp.terms)):
        fill += (np.diff(cp.off[(t, 0)].colptr).astype(float) ** 2).sum() * cp.ks[t] ** 2
    return min(1.0, fill / float(rest) ** 2)


def choose(cp):
    """``"blocked"`` unless the dense block is large and sparse and CHOLMOD is present."""
    rest = sum(cp.qs[1:])
    if rest <= DENSE_LIMIT:
        return "blocked"
    from statsmodels_crossed.linalg import cholmod

    if not cholmod.available():
        return "blocked"
    return "blocked" if schur_density(cp) > 0.25 else "cholmod"


def make_factorization(cp, kind="auto"):
    """The factorization object for ``kind`` in {"auto", "blocked", "cholmod"}."""
    if kind == "auto":
        kind = choose(cp)
    if kind == "blocked":
        return BlockedCholesky(cp)
    if kind == "cholmod":
        from statsmodels_crossed.linalg.sparse_path import SparseCholeskyPath
        return SparseCholeskyPath(cp)
    raise ValueError(f"factorization must be 'auto', 'blocked' or 'cholmod', not {kind!r}")
