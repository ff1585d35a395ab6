"""BLAS threads for the evaluations of the criterion.

Small dense factorizations gain nothing from a second BLAS thread, and on a
busy machine OpenBLAS's spinning threads make them up to 100x slower.  While
the optimizer runs, BLAS is limited to one thread when the largest dense
block is below :data:`SINGLE_THREAD_BELOW` rows; larger blocks use the default.
"""
import os
from contextlib import nullcontext

#: Dense blocks smaller than this are factored with one BLAS thread.
SINGLE_THREAD_BELOW = 1500

_controller = None


def _threadpool_controller():
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


def one_blas_thread():
    """A context manager limiting BLAS to one thread (the cached controller: ~20 us,
    against ~1 ms for a fresh ``threadpool_limits``)."""
    return _threadpool_controller().limit(limits=1, user_api="blas")


def blas_threads_for(factor):
    """A context manager limiting BLAS to one thread when ``factor``'s dense block is small."""
    m = getattr(factor, "m", None)
    if m is None or m >= SINGLE_THREAD_BELOW:
        return nullcontext()
    return one_blas_thread()


#: True in a child made by fork(): GNU libgomp cannot start threads there once the
#: parent has used them, so the kernels stay on one thread (and out of OpenMP).
_FORKED = False


def _after_fork_in_child():
    global _FORKED
    _FORKED = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def kernel_threads(factor):
    """OpenMP threads for the rank-update kernel of ``factor``'s dense block.

    One below :data:`SINGLE_THREAD_BELOW` rows (as for BLAS) and in a forked
    child process, otherwise the cores this process may run on.
    """
    m = getattr(factor, "m", None)
    if m is None or m < SINGLE_THREAD_BELOW or _FORKED:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                       # not on Linux
        return max(1, os.cpu_count() or 1)
