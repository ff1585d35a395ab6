"""Many fits at once: one model formula on many data sets, in a pool of processes.

Simulation studies and pipelines fit the same model thousands of times.  A thread
pool does not help with small and medium models: most of a fit is Python work
that holds the GIL (formula handling, the optimizer's loop), so on 2 cores two
threads ran 0.56x-0.73x as fast as one, and 1.5x only at 40,000 rows
(``benchmarks/threads.py``).  Processes share nothing, so they scale: 1.45x
(300 rows), 1.90x (5,000 rows) and 1.87x (40,000 rows) on 2 cores.

Workers are started with the ``spawn`` method (``fork`` after OpenBLAS or OpenMP
threads have started can deadlock) and limit BLAS to one thread each, so that the
workers, not the BLAS threads, share the cores.
"""
import os
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
import warnings


def _init_worker(warning_filter):
    if warning_filter:
        warnings.simplefilter(warning_filter)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:          # pragma: no cover - threadpoolctl is a dependency
        return
    threadpool_limits(limits=1, user_api="blas")


def _fit_one(job):
    formula, data, model_kwargs, fit_kwargs, glm, extract = job
    import statsmodels_crossed.api as smc

    make = smc.crossedglm if glm else smc.crossedlm
    res = make(formula, data, **model_kwargs).fit(**fit_kwargs)
    return res if extract is None else extract(res)


def fit_many(formula, datasets, processes=None, extract=None, family=None,
             model_kwargs=None, fit_kwargs=None, warning_filter="ignore"):
    """Fit ``formula`` to each data set in a pool of processes.

    Parameters
    ----------
    formula : str
        The model, in this package's formula syntax (``"y ~ x + (1 | g)"``).
    datasets : iterable of pandas.DataFrame
        One data set per fit.
    processes : int, optional
        Worker processes; default: the cores this process may use.  ``1`` fits
        in this process, one after the other (no pool).
    extract : callable, optional
        Applied to each result in its worker, and its return value sent back
        instead of the whole result (``extract`` must be picklable: a function
        defined at a module's top level, or ``operator.attrgetter("params")``).
        Default: the results themselves (with the model and its data).
    family : statsmodels family, optional
        Fit GLMMs (:func:`~statsmodels_crossed.api.crossedglm`) with this family.
    model_kwargs, fit_kwargs : dict, optional
        Passed to the model (``weights=``, ``missing=``...) and to ``fit``
        (``reml=False``, ``nagq=``...).
    warning_filter : str or None
        ``warnings.simplefilter`` action in the workers (default ``"ignore"``:
        a simulation's thousands of singular-fit warnings are noise; None keeps
        the default filters).

    Returns
    -------
    list
        One entry per data set, in order.

    Examples
    --------
    >>> import operator
    >>> import statsmodels_crossed.api as smc
    >>> sleep = smc.datasets.load("sleepstudy")
    >>> halves = [sleep.iloc[::2], sleep.iloc[1::2]]
    >>> fits = smc.fit_many("Reaction ~ Days + (Days | Subject)", halves, processes=2,
    ...                     extract=operator.attrgetter("fe_params"))
    >>> [round(float(f["Days"]), 2) for f in fits]
    [10.34, 10.42]
    """
    model_kwargs = dict(model_kwargs or {})
    fit_kwargs = dict(fit_kwargs or {})
    if family is not None:
        model_kwargs["family"] = family
    jobs = [(formula, data, model_kwargs, fit_kwargs, family is not None, extract)
            for data in datasets]
    if processes is None:
        try:
            processes = len(os.sched_getaffinity(0))
        except AttributeError:   # pragma: no cover - not Linux
            processes = os.cpu_count() or 1
    if not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be a positive integer, not {processes!r}")
    if processes == 1 or len(jobs) <= 1:
        with warnings.catch_warnings():
            if warning_filter:
                warnings.simplefilter(warning_filter)
            return [_fit_one(job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(processes, len(jobs)), mp_context=context,
                             initializer=_init_worker, initargs=(warning_filter,)) as pool:
        return list(pool.map(_fit_one, jobs))
