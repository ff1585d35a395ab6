"""Plots render with the Agg backend (set in conftest) and draw what they claim."""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import stats

from tests.diagnostics.conftest import small_fit
from tests.models.reference import assert_close


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def res():
    return small_fit("sleepstudy_slope_reml")[2]


def test_resid_fitted(res):
    fig = res.plot_resid_fitted()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    xy = ax.collections[0].get_offsets()
    assert xy.shape == (180, 2)
    assert_close(xy[:, 0], res.fittedvalues, rtol=1e-12)
    assert_close(xy[:, 1], res.resid_pearson, rtol=1e-12)
    assert list(ax.lines[0].get_ydata()) == [0, 0]
    assert ax.get_xlabel() == "Conditional fitted values"
    assert ax.get_ylabel() == "Conditional pearson residuals"
    marginal = res.plot_resid_fitted(type="raw", kind="marginal").axes[0]
    assert_close(marginal.collections[0].get_offsets()[:, 0], res.fitted_marginal, rtol=1e-12)


def test_resid_fitted_on_given_axes(res):
    fig, ax = plt.subplots()
    assert res.plot_resid_fitted(ax=ax) is fig
    assert len(ax.collections) == 1


def test_qq(res):
    ax = res.plot_qq(type="standardized").axes[0]
    xy = ax.collections[0].get_offsets()
    assert_close(np.sort(xy[:, 1]), np.sort(res.resid_standardized), rtol=1e-12)
    n = 180                                                  # Filliben's order-statistic medians
    m = (np.arange(1, n + 1) - 0.3175) / (n + 0.365)
    m[-1] = 0.5 ** (1 / n)
    m[0] = 1 - m[-1]
    assert_close(xy[:, 0], stats.norm.ppf(m), rtol=1e-12)
    assert len(ax.lines) == 1 and ax.get_xlabel() == "Theoretical normal quantiles"


def test_ranef_qq(res):
    fig = res.plot_ranef_qq()
    assert [ax.get_title() for ax in fig.axes] == ["Subject: Intercept", "Subject: Days"]
    for ax, col in zip(fig.axes, ["Intercept", "Days"]):
        pts = ax.collections[0].get_offsets()
        assert_close(np.sort(pts[:, 1]), np.sort(res.random_effects["Subject"][col]),
                     rtol=1e-12)
    std = res.plot_ranef_qq(standardize=True).axes[0].collections[0].get_offsets()[:, 1]
    re, sd = res.random_effects["Subject"]["Intercept"], np.sqrt(
        res.random_effects_cov["Subject"]["Intercept"])
    assert_close(np.sort(std), np.sort(re / sd), rtol=1e-12)


def test_caterpillar_intervals_are_condsd(res):
    fig = res.plot_caterpillar(alpha=0.05)
    assert len(fig.axes) == 2
    ax = fig.axes[1]
    assert ax.get_title() == "Subject: Days"
    b = np.asarray(res.random_effects["Subject"]["Days"])
    sd = np.sqrt(np.asarray(res.random_effects_cov["Subject"]["Days"]))
    order = np.argsort(b, kind="stable")
    x = ax.lines[0].get_xdata()
    assert_close(x, b[order], rtol=1e-12)
    segments = np.array(ax.collections[0].get_segments())    # one horizontal bar per level
    assert segments.shape == (18, 2, 2)
    assert_close(segments[:, 1, 0] - segments[:, 0, 0], 2 * 1.959963984540054 * sd[order],
                 rtol=1e-10)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [str(res.reterms[0].levels[i]) for i in order]


def test_caterpillar_of_one_group_of_a_crossed_model():
    res = small_fit("penicillin_reml")[2]
    fig = res.plot_caterpillar(group="sample")
    assert [ax.get_title() for ax in fig.axes] == ["sample: Intercept"]
    assert len(fig.axes[0].lines[0].get_xdata()) == 6
    with pytest.raises(ValueError, match="group"):
        res.plot_caterpillar(group="nope")


def test_influence_index_plot(res):
    infl = res.get_influence()
    fig = infl.plot_index("cooks_d", n_labels=3)
    ax = fig.axes[0]
    normal, flagged = (c.get_offsets() for c in ax.collections)
    beyond = infl.influential("cooks_d")
    assert len(normal) + len(flagged) == 180 and len(flagged) == len(beyond) > 0
    assert ax.lines[0].get_ydata()[0] == pytest.approx(infl.cutoff("cooks_d"))
    texts = [t.get_text() for t in ax.texts]
    cd = infl.cooks_distance
    top = cd.loc[beyond].sort_values(ascending=False).index[:3]
    assert texts == [str(i) for i in top]
    assert ax.get_ylabel() == "cooks_d"


def test_influence_plot_two_sided_cutoff_for_covratio(res):
    infl = res.get_influence(level="Subject")
    ax = infl.plot_index("covratio").axes[0]
    lo, hi = infl.cutoff("covratio")
    assert [line.get_ydata()[0] for line in ax.lines] == pytest.approx([lo, hi])
    assert ax.get_xlabel() == "Subject"
