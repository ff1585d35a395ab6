"""BLAS threads while the optimizer runs: one for small dense blocks, the default above."""
from threadpoolctl import threadpool_info

from statsmodels_crossed.linalg import threads


class _Block:
    def __init__(self, m):
        self.m = m


def _blas_threads():
    return {p["filepath"]: p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}


def test_one_blas_thread_below_the_limit_and_the_default_from_it():
    default = _blas_threads()
    with threads.blas_threads_for(_Block(threads.BLAS_SINGLE_THREAD_BELOW - 1)):
        assert set(_blas_threads().values()) == {1}
    assert _blas_threads() == default
    with threads.blas_threads_for(_Block(threads.BLAS_SINGLE_THREAD_BELOW)):
        assert _blas_threads() == default
    with threads.blas_threads_for(object()):          # no dense block (CHOLMOD path)
        assert _blas_threads() == default


def test_the_kernel_keeps_one_thread_where_blas_already_has_two():
    m = threads.BLAS_SINGLE_THREAD_BELOW
    assert m < threads.SINGLE_THREAD_BELOW
    assert threads.kernel_threads(_Block(m)) == 1
