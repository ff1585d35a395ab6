"""simulate() and the parametric bootstrap.

Simulated moments are compared with the covariance implied by lme4's estimates
(from the reference JSON, not from our fit); bootstrap spreads with lme4's
standard errors and profile intervals, at Monte Carlo tolerances (fixed seeds).
"""
import numpy as np
import pandas as pd
import pytest

from statsmodels_crossed.inference import bootstrap as boot_module
from tests.inference.reference import fitted, values
from tests.models.reference import lme4_name


@pytest.fixture(scope="module")
def sleep_fit():
    return fitted("sleepstudy_slope_reml")


def test_simulate_shape_labels_and_seed(sleep_fit):
    _, _, res = sleep_fit
    a = res.simulate(3, seed=11)
    assert a.shape == (180, 3) and list(a.columns) == ["sim_1", "sim_2", "sim_3"]
    pd.testing.assert_index_equal(a.index, res.fittedvalues.index)
    pd.testing.assert_frame_equal(a, res.simulate(3, seed=11))
    assert not np.allclose(a, res.simulate(3, seed=12))


def test_simulate_new_random_effects_marginal_covariance(sleep_fit):
    """include_re=True (lme4's default, re.form = NA): cov(y) = Z Sigma Z' + sigma^2 I."""
    case, model, res = sleep_fit
    sims = res.simulate(6000, seed=1).to_numpy()
    Sigma = np.array(case["varcorr"][0]["variance"])
    data = model.data.frame
    Z = np.column_stack([np.ones(len(data)), data["Days"].to_numpy(float)])
    V = Z @ Sigma @ Z.T * (data["Subject"].to_numpy()[:, None] == data["Subject"].to_numpy())
    V += case["sigma2"] * np.eye(len(data))
    emp = np.cov(sims)
    block = np.flatnonzero(data["Subject"].to_numpy() == data["Subject"].iloc[0])
    rel = np.abs(emp[np.ix_(block, block)] - V[np.ix_(block, block)]) / V[np.ix_(block, block)]
    assert rel.mean() < 0.05
    other = np.flatnonzero(data["Subject"].to_numpy() != data["Subject"].iloc[0])[0]
    assert abs(np.corrcoef(sims[block[0]], sims[other])[0, 1]) < 0.05
    np.testing.assert_allclose(sims.mean(1), res.fitted_marginal, atol=4 * np.sqrt(V.max() / 6000))


def test_simulate_conditional_on_blups_with_weights():
    """include_re=False (re.form = NULL): mean = X beta + Z b, var = sigma^2 / w."""
    case, model, res = fitted("hr_ratings_weighted_reml")
    sims = res.simulate(2000, seed=2, include_re=False).to_numpy()
    w = model.weights
    resid_var = case["sigma2"] / w
    assert np.max(np.abs(sims.mean(1) - res.fittedvalues) / np.sqrt(resid_var / 2000)) < 5.0
    np.testing.assert_allclose(np.mean(sims.var(1, ddof=1) / resid_var), 1.0, atol=0.01)


def test_bootstrap_is_reproducible_and_reuses_the_structure(sleep_fit, monkeypatch):
    _, _, res = sleep_fit
    counts = {"build": 0, "reweight": 0, "objective": 0}
    CP, Obj = boot_module.CrossProducts, boot_module.LMMObjective

    class CountingCP(CP):
        def __init__(self, *a, **k):
            counts["build"] += 1
            super().__init__(*a, **k)

        def reweight(self, *a, **k):
            counts["reweight"] += 1
            return super().reweight(*a, **k)

    def counting_objective(*a, **k):
        counts["objective"] += 1
        return Obj(*a, **k)

    monkeypatch.setattr(boot_module, "CrossProducts", CountingCP)
    monkeypatch.setattr(boot_module, "LMMObjective", counting_objective)
    a = res.bootstrap(12, seed=5)
    assert counts == {"build": 1, "reweight": 11, "objective": 1}
    b = res.bootstrap(12, seed=5)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    assert not np.allclose(a.replicates, res.bootstrap(12, seed=6).replicates)
    assert a.n_failed == 0 and a.replicates.shape == (12, 6)


def test_bootstrap_spread_matches_lme4(sleep_fit):
    """300 replicates: bootstrap SDs of the fixed effects within 15% of lme4's SEs,
    percentile intervals within 20% of the width of lme4's profile intervals."""
    case, _, res = sleep_fit
    bt = res.bootstrap(300, seed=2024)
    assert [lme4_name(n) for n in bt.estimates.index] == case["confint_profile"]["parameters"]
    np.testing.assert_allclose(bt.bse[["Intercept", "Days"]], values(case["se"]), rtol=0.15)
    ci = bt.conf_int(0.05)
    lo, hi = values(case["confint_profile"]["lower"]), values(case["confint_profile"]["upper"])
    width = hi - lo
    assert np.all(np.abs(ci[0].to_numpy() - lo) < 0.2 * width)
    assert np.all(np.abs(ci[1].to_numpy() - hi) < 0.2 * width)


def test_interval_kinds(sleep_fit):
    _, _, res = sleep_fit
    bt = res.bootstrap(40, seed=3)
    perc, basic, norm = (bt.conf_int(0.1, kind=k) for k in ("percentile", "basic", "normal"))
    est = bt.estimates
    np.testing.assert_allclose(basic[0], 2 * est - perc[1])
    np.testing.assert_allclose(basic[1], 2 * est - perc[0])
    np.testing.assert_allclose((norm[0] + norm[1]) / 2, 2 * est - bt.replicates.mean())
    with pytest.raises(ValueError, match="percentile"):
        bt.conf_int(kind="bca")
    pd.testing.assert_frame_equal(res.conf_int(0.1, method="bootstrap", nrep=40, seed=3), perc)


def test_conditional_bootstrap_is_narrower(sleep_fit):
    """Holding the BLUPs (include_re=False) removes the between-subject variation."""
    _, _, res = sleep_fit
    full = res.bootstrap(60, seed=4).bse["Intercept"]
    cond = res.bootstrap(60, seed=4, include_re=False).bse["Intercept"]
    assert cond < 0.75 * full


def test_progress_line_on_stderr(sleep_fit, capsys):
    _, _, res = sleep_fit
    res.bootstrap(5, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "bootstrap: 5/5 (100%)" in err and err.endswith("\n")
    res.bootstrap(5, seed=1)
    assert capsys.readouterr().err == ""
