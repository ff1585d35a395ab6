"""The public surface of CrossedGLM: entry points, response forms, offsets, prediction,
statsmodels' inference machinery, summary, the stages and options."""
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special

import statsmodels_crossed.api as smc
from statsmodels_crossed.deviance.laplace import GLMMObjective, ProfiledGLMMObjective
from tests.glmm.brute_force import simulated
from tests.glmm.reference import glmm_fitted

CBPP = "incidence + I(size - incidence) ~ period + (1 | herd)"


@pytest.fixture(scope="module")
def cbpp():
    return smc.datasets.load("cbpp")


@pytest.fixture(scope="module")
def cbpp_fit():
    return glmm_fitted("cbpp_binomial_laplace")[2]


@pytest.fixture(scope="module")
def sim():
    return simulated()


def test_entry_points_agree(cbpp):
    fam = sm.families.Binomial()
    a = smc.crossedglm(CBPP, cbpp, family=fam).fit()
    b = smc.glmer(CBPP, data=cbpp, family=fam).fit()
    c = smc.CrossedGLM.from_formula(CBPP, data=cbpp, family=fam).fit()
    assert a.llf == b.llf == c.llf
    assert isinstance(a.model, smc.CrossedGLM)
    assert isinstance(a._results, smc.CrossedGLMResults)
    assert smc.glmer is smc.crossedglm


def test_array_constructor_matches_formula(cbpp, cbpp_fit):
    X = pd.get_dummies(cbpp["period"], prefix="period", drop_first=True, dtype=float)
    X.insert(0, "const", 1.0)
    endog = np.column_stack([cbpp["incidence"], cbpp["size"] - cbpp["incidence"]])
    res = smc.CrossedGLM(endog, X, cbpp["herd"], family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(res.params, np.asarray(cbpp_fit.params), rtol=1e-7)
    assert res.llf == pytest.approx(cbpp_fit.llf, rel=1e-12)
    assert list(res.params.index) == ["const", "period_2", "period_3", "period_4"]


def test_binomial_response_forms_agree(cbpp, cbpp_fit):
    """Two columns, cbind(), proportions with weights = trials: one model."""
    fam = sm.families.Binomial()
    cb = smc.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp,
                   family=fam).fit()
    data = cbpp.assign(prop=cbpp["incidence"] / cbpp["size"])
    prop = smc.glmer("prop ~ period + (1 | herd)", data, family=fam, weights="size").fit()
    for res in (cb, prop):
        assert res.llf == pytest.approx(cbpp_fit.llf, rel=1e-12)
        np.testing.assert_allclose(res.params, np.asarray(cbpp_fit.params), rtol=1e-7)


def test_bernoulli_rows_differ_only_by_the_binomial_coefficients(cbpp, cbpp_fit):
    rows = []
    for _, r in cbpp.iterrows():
        rows += [(r["herd"], r["period"], 1)] * int(r["incidence"])
        rows += [(r["herd"], r["period"], 0)] * int(r["size"] - r["incidence"])
    long = pd.DataFrame(rows, columns=["herd", "period", "y"])
    res = smc.glmer("y ~ period + (1 | herd)", long, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(res.params, np.asarray(cbpp_fit.params), rtol=1e-6)
    np.testing.assert_allclose(res.theta, cbpp_fit.theta, rtol=1e-5)
    log_choose = np.log(special.comb(cbpp["size"], cbpp["incidence"])).sum()
    assert res.llf == pytest.approx(cbpp_fit.llf - log_choose, rel=1e-9)


def test_offsets_in_formula_and_as_argument(sim):
    fam = sm.families.Poisson()
    a = smc.glmer("count ~ x + offset(log(t)) + (1 | a) + (1 | b)", sim, family=fam).fit()
    b = smc.glmer("count ~ x + (1 | a) + (1 | b)", sim, family=fam, offset=np.log(sim["t"])).fit()
    c = smc.glmer("count ~ x + offset(np.log(t)) + (1 | a) + (1 | b)",
                  sim.assign(lt=0.5 * np.log(sim["t"])), family=fam, offset=None).fit()
    d = smc.glmer("count ~ x + offset(lt) + (1 | a) + (1 | b)",
                  sim.assign(lt=0.5 * np.log(sim["t"])), family=fam, offset="lt").fit()
    for res in (b, c, d):
        assert res.llf == pytest.approx(a.llf, rel=1e-10)
        np.testing.assert_allclose(res.params, np.asarray(a.params), rtol=1e-6)
    no_offset = smc.glmer("count ~ x + (1 | a) + (1 | b)", sim, family=fam).fit()
    assert abs(no_offset.params["Intercept"] - a.params["Intercept"]) > 0.1
    # the formula offset is evaluated on new data
    new = sim.iloc[:5].assign(t=[1.0, 2.0, 3.0, 4.0, 5.0])
    X = np.column_stack([np.ones(5), new["x"]])
    eta = a.predict(new, which="linear", include_re=False)
    np.testing.assert_allclose(eta, X @ np.asarray(a.params) + np.log(new["t"]), rtol=1e-12)
    with pytest.warns(UserWarning, match="offset"):
        b.predict(new)
    np.testing.assert_allclose(b.predict(new, offset=np.log(new["t"]), which="linear"),
                               a.predict(new, which="linear"), rtol=1e-6)


def test_prediction_scales_and_new_levels(cbpp_fit):
    res = cbpp_fit
    np.testing.assert_allclose(res.predict(), res.fittedvalues, rtol=0)
    np.testing.assert_allclose(res.predict(which="linear"), res.linear_predictor, rtol=0)
    np.testing.assert_allclose(res.fittedvalues, 1 / (1 + np.exp(-res.linear_predictor)),
                               rtol=1e-12)
    new = pd.DataFrame({"period": ["1", "3", "3"], "herd": ["3", "3", "unseen"]})
    eta = res.predict(new, which="linear")
    marg = res.predict(new, which="linear", include_re=False)
    assert eta.iloc[1] - marg.iloc[1] == pytest.approx(res.random_effects["herd"]["3"])
    assert eta.iloc[2] == marg.iloc[2]
    np.testing.assert_allclose(res.predict(new), 1 / (1 + np.exp(-eta)), rtol=1e-12)
    marginal_fit = res.predict(include_re=False, which="linear")
    assert marginal_fit[0] == pytest.approx(res.params["Intercept"])


def test_wald_machinery(cbpp_fit):
    res = cbpp_fit
    cov = res.cov_params()
    np.testing.assert_allclose(res.bse, np.sqrt(np.diag(cov)), rtol=1e-12)
    np.testing.assert_allclose(res.normalized_cov_params * res.scale, cov, rtol=1e-12)
    rx = res.cov_params(method="rx")
    assert not np.allclose(rx, cov, rtol=1e-3)
    np.testing.assert_allclose(np.sqrt(np.diag(rx)), res.bse_rx, rtol=1e-12)
    t = res.t_test("period[T.2] = 0")
    assert t.tvalue[0, 0] == pytest.approx(res.tvalues["period[T.2]"])
    assert t.pvalue == pytest.approx(res.pvalues["period[T.2]"])
    w = res.wald_test("period[T.2] = period[T.3]", scalar=True)
    d = np.array([0, 1, -1, 0])
    want = (d @ res.params) ** 2 / (d @ cov @ d)
    assert w.statistic == pytest.approx(want, rel=1e-10)
    assert res.use_t is False
    terms = res.wald_test_terms(scalar=True)
    assert terms.table.loc["period", "df_constraint"] == 3


def test_summary_and_varcorr(cbpp_fit):
    text = str(cbpp_fit.summary())
    for piece in ["CrossedGLM", "Binomial(logit)", "Laplace approximation", "herd",
                  "period[T.4]", "AIC:", "Deviance:", "Std. errors:    Hessian"]:
        assert piece in text
    assert "Residual" not in text and "Dispersion" not in text
    vc = cbpp_fit.varcorr()
    assert list(vc["group"]) == ["herd"]
    assert vc["sdcor"].iloc[0] == pytest.approx(np.sqrt(cbpp_fit.variance_components["herd"]))


def test_dispersion_family_surface(sim):
    res = smc.glmer("gamma ~ x + (1 | a) + (1 | b)", sim,
                    family=sm.families.Gamma(sm.families.links.Log())).fit()
    assert res.has_dispersion and res.k_params_total == 2 + 2 + 1
    assert 0.1 < res.scale < 0.5
    vc = res.varcorr()
    assert vc["group"].iloc[-1] == "Residual" and vc["vcov"].iloc[-1] == res.scale
    assert "Dispersion:" in str(res.summary())
    # the optimum is a minimum of the deviance in (theta, beta, phi)
    obj = res.model.objective()
    best = obj(res.theta, np.asarray(res.params), res.scale)
    assert best == pytest.approx(-2 * res.llf, rel=1e-12)
    for d in np.eye(5) * 1e-3:
        assert obj(res.theta + d[:2], np.asarray(res.params) + d[2:4],
                   res.scale * np.exp(d[4])) > best


def test_nagq0_is_stage_one(cbpp):
    model = smc.glmer(CBPP, cbpp, family=sm.families.Binomial())
    res = model.fit(nagq=0)
    obj = model.objective(nagq=0)
    assert isinstance(obj, ProfiledGLMMObjective)
    assert obj(res.theta) == pytest.approx(-2 * res.llf, rel=1e-12)
    np.testing.assert_allclose(obj.state.beta, np.asarray(res.params), rtol=1e-9)
    assert res.cov_method == "rx" and res.nagq == 0
    assert "nAGQ = 0" in str(res.summary())
    full = model.fit()
    assert -2 * full.llf < -2 * res.llf


def test_start_params_and_options(cbpp, cbpp_fit):
    model = smc.glmer(CBPP, cbpp, family=sm.families.Binomial())
    start = np.concatenate([cbpp_fit.theta * 1.1, np.asarray(cbpp_fit.params) + 0.05])
    res = model.fit(start_params=start)
    assert res.optsummary_stage1 is None
    assert res.llf == pytest.approx(cbpp_fit.llf, rel=1e-10)
    res = model.fit(start_params=[0.5], tol_pirls=1e-10)
    assert res.llf == pytest.approx(cbpp_fit.llf, rel=1e-10)
    assert res.optsummary.options.tol_pirls == 1e-10
    opts = smc.FitOptions(nagq=10)
    assert model.fit(options=opts).nagq == 10
    assert isinstance(model.objective(), GLMMObjective)


def test_results_at_given_parameters(cbpp, cbpp_fit):
    model = cbpp_fit.model
    res = model.results_at(cbpp_fit.theta, np.asarray(cbpp_fit.params))
    assert res.llf == pytest.approx(cbpp_fit.llf, rel=1e-13)
    np.testing.assert_allclose(res.bse, cbpp_fit.bse, rtol=1e-4)
    np.testing.assert_allclose(res.random_effects["herd"], cbpp_fit.random_effects["herd"],
                               rtol=1e-12)


def test_conditional_variances_are_the_laplace_ones(cbpp_fit):
    """condvar b = lambda^2 / (1 + lambda^2 sum_i W_i) for one scalar term."""
    res = cbpp_fit
    resp = res.model.response
    W, _ = resp.working(np.asarray(res.linear_predictor), np.asarray(res.fittedvalues))
    term = res.reterms[0]
    lam2 = res.theta[0] ** 2
    want = lam2 / (1 + lam2 * np.bincount(term.codes, W))
    np.testing.assert_allclose(res.random_effects_cov["herd"], want, rtol=1e-10)


def test_missing_rows_are_dropped_with_the_offset(sim):
    data = sim.copy()
    data.loc[[3, 7], "x"] = np.nan
    data.loc[[5], "t"] = np.nan
    model = smc.glmer("count ~ x + offset(log(t)) + (1 | a) + (1 | b)", data,
                      family=sm.families.Poisson())
    assert model.nobs == len(sim) - 3 and model.n_dropped == 3
    full = smc.glmer("count ~ x + offset(log(t)) + (1 | a) + (1 | b)",
                     sim.drop(index=[3, 5, 7]), family=sm.families.Poisson())
    th, b = np.array([0.5, 0.3]), np.array([0.3, 0.5])
    assert model.objective()(th, b) == full.objective()(th, b)
    arr = np.log(sim["t"].to_numpy()).copy()
    arr[9] = np.nan
    X = np.column_stack([np.ones(len(sim)), sim["x"]])
    m2 = smc.CrossedGLM(sim["count"], X, sim[["a", "b"]], family=sm.families.Poisson(),
                        offset=arr, missing="drop")
    assert m2.nobs == len(sim) - 1 and m2.n_dropped == 1


def test_non_integer_counts_warn_but_fit(sim):
    data = sim.assign(half=sim["count"] + 0.5)
    with pytest.warns(smc_warning(), match="non-integer"):
        model = smc.glmer("half ~ x + (1 | a) + (1 | b)", data, family=sm.families.Poisson())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = model.fit()
    assert np.isfinite(res.llf) and res.converged


def smc_warning():
    from statsmodels_crossed.exceptions import ValueWarning
    return ValueWarning
