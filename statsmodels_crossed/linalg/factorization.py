"""Choice between the blocked dense path and the CHOLMOD path, with a memory guard.

Both classes share one interface: ``update(lambdas) -> bool``, then
``ldL2``, ``ldRX2``, ``pwrss``, ``RX()``, ``beta()``, ``u(beta)``,
``condvar_u()``, ``solve_lower(B)`` and ``describe()``.

The blocked path stores a dense Schur complement of size m = (random effects
of all terms but the largest) + p + 1.  Before allocating it its size is
checked against :data:`DENSE_MEMORY_FRACTION` of the available memory: above
that, the CHOLMOD path is taken when scikit-sparse is installed, and otherwise
:class:`DenseBlockTooLarge` says which factor is too large and what to do.
"""
import os

import numpy as np

from statsmodels_crossed.linalg.blocked import BlockedCholesky

#: Largest dense Schur complement the automatic choice accepts when CHOLMOD
#: is available and the complement is sparse (a 300 x 300 Cholesky takes
#: ~0.5 ms; at 1,418 rows with 0.2% fill the dense path took 44 ms per
#: evaluation, CHOLMOD 3 ms).
DENSE_LIMIT = 300

#: Largest estimated fill (:func:`schur_density`) for which CHOLMOD is chosen over
#: the dense block.  The estimate counts W W' only; the factor fills in far more:
#: at 0.23 (big_crossed's design at 100,000 rows) CHOLMOD took 0.65 s per
#: evaluation and the dense block 0.35 s; at 0.012 (sparse_crossed) 60 ms against
#: 1.5 s.
SPARSE_FILL = 0.05

#: Fraction of the available memory one dense Schur complement may take.
DENSE_MEMORY_FRACTION = 0.5


class DenseBlockTooLarge(MemoryError):
    """The dense Schur complement of the blocked factorization would not fit in memory."""


def available_memory():
    """Bytes of memory available to this process (physical memory where unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def dense_bytes(cp):
    """Bytes of the dense Schur complement the blocked path would allocate."""
    m = sum(cp.qs[1:]) + cp.p + 1
    return 8 * m * m


def schur_density(cp):
    """Fraction of the rest-by-rest Schur complement filled by the first term's fill-in."""
    rest = sum(cp.qs[1:])
    if rest == 0:
        return 1.0
    fill = 0
    for t in range(1, len(cp.terms)):
        fill += (np.diff(cp.off[(t, 0)].colptr).astype(float) ** 2).sum() * cp.ks[t] ** 2
    return min(1.0, fill / float(rest) ** 2)


def _cholmod_available():
    from statsmodels_crossed.linalg import cholmod

    return cholmod.available()


def choose(cp):
    """``"blocked"`` unless the dense block is large and sparse, or too large, and
    CHOLMOD is present."""
    rest = sum(cp.qs[1:])
    if rest <= DENSE_LIMIT:
        return "blocked"
    if not _cholmod_available():
        return "blocked"
    if dense_bytes(cp) > DENSE_MEMORY_FRACTION * available_memory():
        return "cholmod"
    return "blocked" if schur_density(cp) > SPARSE_FILL else "cholmod"


def check_dense_fits(cp):
    """Raise :class:`DenseBlockTooLarge` when the blocked path's dense block cannot fit."""
    need, avail = dense_bytes(cp), available_memory()
    if need > DENSE_MEMORY_FRACTION * avail:
        m = sum(cp.qs[1:]) + cp.p + 1
        groups = ", ".join(f"{t.group} ({t.q})" for t in cp.terms[1:])
        raise DenseBlockTooLarge(
            f"the blocked factorization needs a dense {m} x {m} block ({need / 2**30:.1f} GiB) "
            f"for the random effects of {groups}, more than {DENSE_MEMORY_FRACTION:.0%} of the "
            f"{avail / 2**30:.1f} GiB available. Install the sparse backend "
            "(pip install 'statsmodels-crossed[cholmod]') and fit with "
            "factorization='cholmod' (chosen automatically once installed), or use "
            "fewer levels in those grouping factors.")


def make_factorization(cp, kind="auto"):
    """The factorization object for ``kind`` in {"auto", "blocked", "cholmod"}."""
    if kind == "auto":
        kind = choose(cp)
    if kind == "blocked":
        check_dense_fits(cp)
        return BlockedCholesky(cp)
    if kind == "cholmod":
        from statsmodels_crossed.linalg.sparse_path import SparseCholeskyPath
        return SparseCholeskyPath(cp)
    raise ValueError(f"factorization must be 'auto', 'blocked' or 'cholmod', not {kind!r}")
