"""Threads for the evaluations of the criterion: BLAS's and the rank-update kernel's.

Small dense factorizations gain nothing from a second BLAS thread, and on a
busy machine OpenBLAS's spinning threads make them up to 100x slower.  While
the optimizer runs, BLAS is limited to one thread when the largest dense
block is below :data:`BLAS_SINGLE_THREAD_BELOW` rows; larger blocks use the
default.  The OpenMP rank-update kernel runs on one thread below
:data:`SINGLE_THREAD_BELOW` rows: between the two limits only BLAS has a second
thread, because with both, OpenMP's and OpenBLAS's idle threads spin on the same
two cores (InstEval, 1,159 rows: 0.69 s with two BLAS threads and a one-thread
kernel, 0.79 s with one thread for both, 0.96 s with two for both; at 4,003 rows
the kernel's threads make no measurable difference).
"""
import os
from contextlib import nullcontext

#: Dense blocks smaller than this are factored with one BLAS thread (a Cholesky
#: factor of 1,159 rows: 14 ms on one thread, 10-12 ms on two; of 163 rows: 0.11
#: ms on one, 0.24 ms on two).
BLAS_SINGLE_THREAD_BELOW = 1000
#: Dense blocks smaller than this are updated by the rank-update kernel on one thread.
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
    if m is None or m >= BLAS_SINGLE_THREAD_BELOW:
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

    One below :data:`SINGLE_THREAD_BELOW` rows and in a forked
    child process, otherwise the cores this process may run on.
    """
    m = getattr(factor, "m", None)
    if m is None or m < SINGLE_THREAD_BELOW or _FORKED:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                       # not on Linux
        return max(1, os.cpu_count() or 1)
