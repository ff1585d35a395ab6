"""Influence of deleting observations, or all observations of a level, on a CrossedLM fit.

:class:`CrossedLMInfluence` is what ``results.get_influence()`` returns: the
statsmodels shape (one pandas Series per measure, ``summary_frame()``) with
HLMdiag's measures and cutoffs.  The measures and their exact definitions are
in :mod:`~statsmodels_crossed.diagnostics.onestep` (variance parameters held
at the full-data fit: closed forms, no refit) and
:mod:`~statsmodels_crossed.diagnostics.refit` (full refits, which also give
RVC, the relative change of every variance component).
"""
import numpy as np
import pandas as pd

from statsmodels_crossed.progress import Progress
from statsmodels_crossed.diagnostics import onestep, refit
from statsmodels_crossed.diagnostics.context import context
from statsmodels_crossed.diagnostics.leverage import COLUMNS, leverage, leverage_arrays

METHODS = ("one-step", "full")
#: Measures whose internal cutoff has two sides (HLMdiag: covratio and RVC).
TWO_SIDED = ("covratio", "rvc")


def internal_cutoff(values, two_sided=False):
    """HLMdiag's "internal" cutoff: ``Q3 + 3 IQR`` (and ``Q1 - 3 IQR`` when two-sided).

    Quantiles are R's default (type 7, numpy's ``linear``); NaN values are ignored.
    """
    q1, q3 = np.nanpercentile(np.asarray(values, dtype=float), [25, 75])
    iqr = q3 - q1
    return (q1 - 3 * iqr, q3 + 3 * iqr) if two_sided else q3 + 3 * iqr


class CrossedLMInfluence:
    """Deletion diagnostics of a CrossedLM fit.

    Parameters
    ----------
    results : CrossedLMResults
    level : str, optional
        None deletes one observation at a time (measures indexed by the
        data's row labels); a grouping factor of the model deletes all
        observations of one of its levels at a time (indexed by level).
    method : {"one-step", "full"}
        ``"one-step"``: theta and sigma^2 held at the full-data fit (closed
        forms; no RVC).  ``"full"``: refit without the rows, warm-started from
        the full-data theta (also gives RVC).
    subset : sequence of labels, optional
        Compute only these observations (row labels) or levels.
    progress : bool, optional
        Progress line on stderr: True always, False never, None (default)
        only for runs that last more than a few seconds.

    Attributes
    ----------
    cooks_distance, mdffits, covtrace, covratio : pandas.Series
    dfbeta : pandas.DataFrame
        ``beta - beta_(I)``, one column per fixed effect.
    rvc : pandas.DataFrame or None
        ``vc_(I) / vc - 1`` for sigma^2 and every variance component
        (``method="full"`` only).
    leverage : pandas.DataFrame
        HLMdiag's leverage (``overall``, ``fixef``, ``ranef``, ``ranef_uc``);
        for a grouping factor, means over the level's observations.
    """

    def __init__(self, results, level=None, method="one-step", subset=None, progress=None):
        if method not in METHODS:
            raise ValueError(f"method must be 'one-step' or 'full', not {method!r}")
        ctx = context(results)
        self.level, self.method = level, method
        self.k_fe, self.fe_names = ctx.p, list(ctx.model.fe_names)
        if level is None:
            index = ctx.index
            lev = leverage_arrays(ctx)
        else:
            levels, row_sets = ctx.groups(level)
            index = pd.Index(levels, name=level)
            lev = leverage(results, level).to_numpy()
        pos = self._positions(index, subset)
        self.index = index[pos]
        self.leverage = pd.DataFrame(lev[pos], index=self.index, columns=COLUMNS)
        if method == "one-step" and level is None:
            values = {k: v[pos] for k, v in onestep.observation_measures(ctx).items()}
            onestep.warn_not_estimable(int(np.isnan(values["cooks_d"]).sum()), len(pos))
        else:
            sets = [np.array([i]) for i in pos] if level is None else [row_sets[i] for i in pos]
            if method == "one-step":
                rows = _one_step_sets(ctx, sets, progress)
            else:
                rows = refit.full_measures(ctx, sets, progress=progress)
            values = {k: np.array([r[k] for r in rows]) for k in rows[0]} if rows else {}
        self._store(ctx, values)

    @staticmethod
    def _positions(index, subset):
        if subset is None:
            return np.arange(len(index))
        labels = list(subset) if not np.isscalar(subset) else [subset]
        pos = index.get_indexer(labels)
        if (pos < 0).any():
            missing = [lab for lab, p in zip(labels, pos) if p < 0]
            raise KeyError(f"not among the {'levels' if index.name else 'rows'}: {missing[:5]}")
        return pos

    def _store(self, ctx, values):
        n = len(self.index)
        get = (lambda k: values[k]) if values else (lambda k: np.zeros(0))
        for name in onestep.MEASURES:
            setattr(self, name if name != "cooks_d" else "cooks_distance",
                    pd.Series(get(name), index=self.index, name=name, dtype=float))
        self.dfbeta = pd.DataFrame(np.reshape(get("dfbeta"), (n, ctx.p)), index=self.index,
                                   columns=self.fe_names)
        self.rvc = None
        if self.method == "full":
            names = refit.varcomp_names(ctx.cp.terms)
            self.rvc = pd.DataFrame(np.reshape(get("rvc"), (n, len(names))), index=self.index,
                                    columns=names)

    def summary_frame(self):
        """All measures in one DataFrame.

        Columns: ``cooks_d``, ``mdffits``, ``covtrace``, ``covratio``,
        ``leverage_<overall|fixef|ranef|ranef_uc>``, ``dfbeta_<fixed effect>``
        and, for full refits, ``rvc_<component>``.
        """
        parts = [pd.DataFrame({"cooks_d": self.cooks_distance, "mdffits": self.mdffits,
                               "covtrace": self.covtrace, "covratio": self.covratio}),
                 self.leverage.add_prefix("leverage_"), self.dfbeta.add_prefix("dfbeta_")]
        if self.rvc is not None:
            parts.append(self.rvc.add_prefix("rvc_"))
        return pd.concat(parts, axis=1)

    def _measure(self, measure):
        name = "cooks_d" if measure == "cooks_distance" else measure
        frame = self.summary_frame()
        if name not in frame:
            raise ValueError(f"unknown measure {measure!r}; one of {list(frame.columns)}")
        return frame[name]

    def cutoff(self, measure="cooks_d"):
        """HLMdiag's internal cutoff of ``measure``: ``Q3 + 3 IQR``, or the pair
        ``(Q1 - 3 IQR, Q3 + 3 IQR)`` for ``covratio`` and ``rvc_*`` columns."""
        values = self._measure(measure)
        return internal_cutoff(values, two_sided=str(values.name).startswith(TWO_SIDED))

    def influential(self, measure="cooks_d", cutoff=None):
        """Labels whose ``measure`` lies beyond ``cutoff`` (default: :meth:`cutoff`)."""
        values = self._measure(measure)
        cut = self.cutoff(measure) if cutoff is None else cutoff
        if np.ndim(cut):
            beyond = (values < cut[0]) | (values > cut[1])
        else:
            beyond = values > cut
        return values.index[beyond.to_numpy()]

    def plot_index(self, measure="cooks_d", cutoff="internal", n_labels=5, ax=None):
        """Index plot of ``measure`` with its cutoff; returns the Figure
        (see :func:`statsmodels_crossed.diagnostics.plots.plot_influence`)."""
        from statsmodels_crossed.diagnostics.plots import plot_influence

        return plot_influence(self, measure=measure, cutoff=cutoff, n_labels=n_labels, ax=ax)


def _one_step_sets(ctx, sets, progress):
    bar = Progress(len(sets), "one-step deletions", enabled=progress)
    out = []
    for i, (rows, pieces) in enumerate(zip(sets, ctx.hat.groups(sets))):
        out.append(onestep.set_measures(ctx, rows, pieces))
        bar.update(i + 1)
    bar.close()
    onestep.warn_not_estimable(sum(np.isnan(r["cooks_d"]) for r in out), len(out))
    return out
