"""The OpenMP rank update after fork(): a child process neither hangs nor differs.

GNU libgomp cannot start threads in a child forked after the parent used them;
the kernel then runs on one thread without any OpenMP call.
"""
import multiprocessing

import numpy as np

from statsmodels_crossed.linalg import _rank_update, threads


def _problem(seed=0, m=1600, ncol=300):
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(m, ncol)) * (rng.uniform(size=(m, ncol)) < 0.02)
    colptr = np.concatenate([[0], np.cumsum((dense != 0).sum(0))]).astype(np.int64)
    rowidx = np.concatenate([np.flatnonzero(dense[:, j]) for j in range(ncol)]).astype(np.int32)
    data = np.concatenate([dense[dense[:, j] != 0, j] for j in range(ncol)])
    return colptr, rowidx, data, m


class _Block:
    m = 1600


def _child(queue):
    colptr, rowidx, data, m = _problem()
    S = np.zeros((m, m), order="F")
    n = threads.kernel_threads(_Block())
    _rank_update.syrk_sub_csc(colptr, rowidx, data, S, 32, n)
    queue.put((n, float(np.tril(S).sum())))


def test_forked_child_uses_one_thread_and_agrees():
    colptr, rowidx, data, m = _problem()
    S = np.zeros((m, m), order="F")
    _rank_update.syrk_sub_csc(colptr, rowidx, data, S, 32, 2)     # parent uses OpenMP
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    n, total = queue.get(timeout=60)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert n == 1
    np.testing.assert_allclose(total, np.tril(S).sum(), rtol=1e-12)
    assert threads.kernel_threads(_Block()) >= 1                    # the parent is unchanged
