"""The least-squares fit of y on all columns [X, Z], from the cross-product blocks.

The starting values (:mod:`optim.start`) need the residual variance of the
regression of y on X and every random-effects column.  Its normal equations

    N b = c,   N = [[Z'WZ, Z'WX], [X'WZ, X'WX]],   c = [Z'Wy; X'Wy]

are assembled from the blocks (no pass over the data) and solved by conjugate
gradients with N's diagonal as preconditioner: a sparse product per iteration
and no factorization.  On crossed designs they converge in tens of iterations
(sparse_crossed, q = 9,305: 45; big_crossed's design at 100,000 rows: 14),
where a factorization of the criterion at a large theta cost 60-800 ms.
N is singular when columns are aliased (each term's intercept columns sum to
X's intercept); CG on the consistent system still converges, and the residual
sum of squares ``y'Wy - b'c`` is the same for every solution.
"""
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, cg

from statsmodels_crossed.linalg.blockscale import entry_values, symmetric_entries

#: Relative residual of the normal equations at which CG stops.
RTOL = 1e-10
#: Iterations after which CG gives up (the caller then factors instead).
MAX_ITER = 500


def residual_sum_of_squares(cp, rtol=RTOL, maxiter=MAX_ITER):
    """``min_b |y - [X Z] b|^2_W`` for the model of the cross products ``cp``, or
    None when conjugate gradients did not converge within ``maxiter`` iterations."""
    q, p = cp.q, cp.p
    rows, cols, pieces = symmetric_entries(cp, cp.offsets())
    ZZ = sp.csr_matrix((entry_values(pieces), (rows, cols)), shape=(q, q))
    ZX = np.concatenate([xyz[:p].reshape(p, -1) for xyz in cp.xyz], axis=1).T   # (q, p)
    Zy = np.concatenate([xyz[p].ravel() for xyz in cp.xyz])
    XX, Xy, yy = cp.xyxy[:p, :p], cp.xyxy[:p, p], cp.xyxy[p, p]

    def normal_matrix(v):
        v = v.ravel()
        vz, vx = v[:q], v[q:]
        return np.concatenate([ZZ @ vz + ZX @ vx, ZX.T @ vz + XX @ vx])

    rhs = np.concatenate([Zy, Xy])
    if not np.any(rhs):
        return float(yy)
    diag = np.concatenate([ZZ.diagonal(), np.diag(XX)])
    inv_diag = np.where(diag > 0, 1.0 / np.where(diag > 0, diag, 1.0), 1.0)
    N = LinearOperator((q + p, q + p), matvec=normal_matrix, dtype=float)
    M = LinearOperator((q + p, q + p), matvec=lambda v: inv_diag * v.ravel(), dtype=float)
    b, info = cg(N, rhs, rtol=rtol, atol=0.0, maxiter=maxiter, M=M)
    if info != 0 or not np.all(np.isfinite(b)):
        return None
    return float(max(yy - b @ rhs, 0.0))
