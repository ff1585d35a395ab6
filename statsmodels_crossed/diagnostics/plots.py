"""Diagnostic plots (matplotlib, an optional dependency imported only here).

Every function draws on ``ax`` (or a new figure) and returns the Figure:

* :func:`plot_resid_fitted`   residuals against fitted values
* :func:`plot_qq`             normal QQ plot of residuals
* :func:`plot_ranef_qq`       normal QQ plot of the BLUPs, one panel per term column
* :func:`plot_caterpillar`    BLUPs sorted, with +- z conditional-SD intervals
* :func:`plot_influence`      index plot of an influence measure with its cutoff
"""
import numpy as np
from scipy import stats

from statsmodels_crossed.diagnostics.context import unwrap
from statsmodels_crossed.diagnostics.residuals import residuals


def _ax(ax):
    from statsmodels.graphics import utils

    return utils.create_mpl_ax(ax)


def _grid(n_panels, ncols=None, width=4.0, height=3.5):
    from statsmodels.graphics import utils

    ncols = min(n_panels, 3) if ncols is None else ncols
    nrows = -(-n_panels // ncols)
    fig = utils.create_mpl_fig(figsize=(width * ncols, height * nrows))
    axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n_panels)]
    return fig, axes


def plot_resid_fitted(results, type="pearson", kind="conditional", ax=None):
    """Residuals against fitted values, with a line at 0.

    ``kind="conditional"`` plots conditional residuals against ``X beta + Z b``,
    ``"marginal"`` marginal residuals against ``X beta``; ``type`` as in
    :func:`~statsmodels_crossed.diagnostics.residuals.residuals`.
    """
    fig, ax = _ax(ax)
    res = unwrap(results)
    fitted = res.fittedvalues if kind == "conditional" else res.fitted_marginal
    resid = residuals(results, type=type, kind=kind)
    ax.scatter(np.asarray(fitted), np.asarray(resid), s=10, alpha=0.6)
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel(f"{kind.capitalize()} fitted values")
    ax.set_ylabel(f"{kind.capitalize()} {type} residuals")
    return fig


def _qq(ax, values, label):
    (theo, ordered), (slope, intercept, _) = stats.probplot(np.asarray(values, dtype=float))
    ax.scatter(theo, ordered, s=10)
    ax.plot(theo, intercept + slope * theo, color="r", lw=1)
    ax.set_xlabel("Theoretical normal quantiles")
    ax.set_ylabel(label)


def plot_qq(results, type="pearson", kind="conditional", ax=None):
    """Normal QQ plot of the residuals, with the least-squares line of the points."""
    fig, ax = _ax(ax)
    _qq(ax, residuals(results, type=type, kind=kind), f"{kind.capitalize()} {type} residuals")
    return fig


def _blup_panels(results, group):
    """(group, column, BLUPs, conditional SDs, level labels) per term column."""
    res = unwrap(results)
    groups = [group] if group is not None else list(dict.fromkeys(t.group for t in res.reterms))
    known = {t.group for t in res.reterms}
    if any(g not in known for g in groups):
        raise ValueError(f"group must be one of {sorted(known)}, not {group!r}")
    panels = []
    for term, b, cv in zip(res.reterms, res.b, res.condvar_b):
        if term.group in groups:
            for j, col in enumerate(term.columns):
                panels.append((term.group, col, b[:, j], np.sqrt(cv[:, j, j]), term.levels))
    return panels


def plot_ranef_qq(results, group=None, standardize=False):
    """Normal QQ plots of the BLUPs: one panel per grouping factor and column.

    ``standardize=True`` divides each BLUP by its conditional SD (HLMdiag's
    ``.std.ranef``).
    """
    panels = _blup_panels(results, group)
    fig, axes = _grid(len(panels))
    for ax, (g, col, b, sd, _) in zip(axes, panels):
        _qq(ax, b / sd if standardize else b, "standardized BLUP" if standardize else "BLUP")
        ax.set_title(f"{g}: {col}")
    fig.tight_layout()
    return fig


def plot_caterpillar(results, group=None, alpha=0.05):
    """Caterpillar plot: the BLUPs of each level, sorted, with intervals
    ``b +- z_{1 - alpha/2} * conditional SD`` (lme4's ``dotplot(ranef(m, condVar=TRUE))``).

    One panel per grouping factor and column of its terms.
    """
    z = stats.norm.ppf(1 - alpha / 2)
    panels = _blup_panels(results, group)
    fig, axes = _grid(len(panels), height=max(3.5, 0.12 * max(len(p[2]) for p in panels)))
    for ax, (g, col, b, sd, levels) in zip(axes, panels):
        order = np.argsort(b, kind="stable")
        pos = np.arange(len(b))
        ax.errorbar(b[order], pos, xerr=z * sd[order], fmt="o", ms=3, lw=0.8, capsize=0)
        ax.axvline(0.0, color="k", lw=0.8)
        if len(b) <= 40:
            ax.set_yticks(pos)
            ax.set_yticklabels([str(levels[i]) for i in order], fontsize=7)
        ax.set_title(f"{g}: {col}")
        ax.set_xlabel("BLUP")
    fig.tight_layout()
    return fig


def plot_influence(influence, measure="cooks_d", cutoff="internal", n_labels=5, ax=None):
    """Index plot of one influence measure with its cutoff line(s).

    Points beyond the cutoff are drawn as red triangles and the ``n_labels``
    most extreme of them labelled.

    Parameters
    ----------
    influence : CrossedLMInfluence
    measure : str
        A column of ``influence.summary_frame()``.
    cutoff : "internal", float, (float, float) or None
        ``"internal"``: HLMdiag's ``Q3 + 3 IQR`` (two-sided for covratio/rvc).
    """
    fig, ax = _ax(ax)
    values = influence._measure(measure)
    cut = influence.cutoff(measure) if isinstance(cutoff, str) else cutoff
    y = values.to_numpy(dtype=float)
    x = np.arange(len(y))
    beyond = np.zeros(len(y), dtype=bool)
    if cut is not None:
        beyond = (y < cut[0]) | (y > cut[1]) if np.ndim(cut) else y > cut
        for c in np.atleast_1d(cut):
            ax.axhline(c, color="r", lw=1, ls="--")
    ax.scatter(x[~beyond], y[~beyond], s=10, color="C0")
    ax.scatter(x[beyond], y[beyond], s=25, color="r", marker="^")
    center = np.nanmedian(y)
    for i in sorted(np.nonzero(beyond)[0], key=lambda i: -abs(y[i] - center))[:n_labels]:
        ax.annotate(str(values.index[i]), (x[i], y[i]), textcoords="offset points",
                    xytext=(3, 3), fontsize=8)
    if len(y) <= 40:
        ax.set_xticks(x)
        ax.set_xticklabels([str(i) for i in values.index], rotation=90, fontsize=7)
    ax.set_xlabel(values.index.name or "observation")
    ax.set_ylabel(measure)
    return fig
