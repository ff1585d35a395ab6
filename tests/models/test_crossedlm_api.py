"""The public surface: entry points, formula features, statsmodels' inference machinery."""
import warnings

import numpy as np
import pandas as pd
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.exceptions import ConvergenceWarning, SingularFitWarning


@pytest.fixture(scope="module")
def sleep():
    return smc.datasets.load("sleepstudy")


@pytest.fixture(scope="module")
def sleep_fit(sleep):
    return smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep).fit()


def test_entry_points_agree(sleep):
    f = "Reaction ~ Days + (1 | Subject)"
    a = smc.crossedlm(f, sleep).fit(reml=False)
    b = smc.lmer(f, data=sleep).fit(reml=False)
    c = smc.CrossedLM.from_formula(f, data=sleep).fit(reml=False)
    assert a.llf == b.llf == c.llf


def test_array_constructor_matches_formula(sleep):
    formula = smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep).fit()
    X = np.column_stack([np.ones(len(sleep)), sleep["Days"]])
    arrays = smc.CrossedLM(sleep["Reaction"].to_numpy(), X, sleep["Subject"].to_numpy(),
                           exog_re=X).fit()
    np.testing.assert_allclose(arrays.params, np.asarray(formula.params), rtol=1e-10)
    assert arrays.llf == pytest.approx(formula.llf, rel=1e-12)
    named = smc.CrossedLM(sleep["Reaction"], pd.DataFrame({"const": 1.0, "Days": sleep["Days"]}),
                          sleep[["Subject"]], exog_re=pd.DataFrame({"one": 1.0}, index=sleep.index),
                          re_terms=[("Subject", ["one"])]).fit()
    assert list(named.params.index) == ["const", "Days"]
    assert named.variance_components["Subject"] > 0


def test_params_are_fixed_effects_with_wald_machinery(sleep_fit):
    res = sleep_fit
    assert list(res.params.index) == ["Intercept", "Days"]
    pd.testing.assert_series_equal(res.params, res.fe_params, check_names=False)
    cov = res.cov_params()
    np.testing.assert_allclose(np.asarray(res.bse), np.sqrt(np.diag(cov)), rtol=1e-12)
    np.testing.assert_allclose(res.normalized_cov_params * res.scale, cov, rtol=1e-12)
    t = res.t_test("Days = 10")
    assert t.effect[0] == pytest.approx(res.params["Days"])
    assert t.tvalue[0, 0] == pytest.approx((res.params["Days"] - 10) / res.bse["Days"])
    assert t.sd[0, 0] == pytest.approx(res.bse["Days"])
    w = res.wald_test("Days = 0", scalar=True)
    assert w.statistic == pytest.approx(res.tvalues["Days"] ** 2, rel=1e-10)
    f = res.f_test(np.eye(2))
    assert f.df_num == 2
    terms = res.wald_test_terms(scalar=True)
    assert list(terms.table.index) == ["Intercept", "Days"]
    ci = res.conf_int(alpha=0.1)
    assert (ci[0] < res.params).all() and (ci[1] > res.params).all()


def test_random_effects_shapes(sleep_fit, sleep):
    re = sleep_fit.random_effects["Subject"]
    assert isinstance(re, pd.DataFrame)
    assert list(re.columns) == ["Intercept", "Days"]
    assert set(re.index) == set(sleep["Subject"])
    assert sleep_fit.random_effects_cov["Subject"].shape == re.shape
    assert (sleep_fit.random_effects_cov["Subject"] > 0).all().all()


def test_fitted_plus_resid_is_response(sleep_fit, sleep):
    np.testing.assert_allclose(np.asarray(sleep_fit.fittedvalues + sleep_fit.resid),
                               sleep["Reaction"], rtol=1e-12)
    marginal = sleep_fit.predict(include_re=False)
    np.testing.assert_allclose(marginal, sleep_fit.params["Intercept"]
                               + sleep_fit.params["Days"] * sleep["Days"], rtol=1e-12)


def test_summary_mentions_everything(sleep_fit):
    text = str(sleep_fit.summary())
    for part in ["REML", "Reaction ~ Days + (Days | Subject)", "No. groups Subject: 18",
                 "Days", "Residual", "Log-likelihood", "AIC", "BIC", "Corr."]:
        assert part in text, part


def test_summary_of_a_long_formula_stays_narrow():
    from statsmodels_crossed import datasets

    formula = "rt ~ cond + (1 + cond | subj) + (1 + cond | item)"
    res = smc.crossedlm(formula, datasets.load("rt_experiment")).fit()
    lines = str(res.summary()).splitlines()
    assert f"Formula: {formula}" in lines
    assert max(map(len, lines)) <= 80


def test_ml_summary_and_criteria(sleep):
    res = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit(reml=False)
    assert "ML" in str(res.summary())
    assert res.deviance == pytest.approx(-2 * res.llf)
    assert res.aic == pytest.approx(-2 * res.llf + 2 * 4)


def test_categorical_terms_transforms_and_caller_namespace():
    df = smc.datasets.load("rt_experiment")
    shift = 100.0
    res = smc.crossedlm("np.log(rt + shift) ~ C(cond) + I(trial / 10) + (1 + cond | subj) "
                        "+ (1 | item)", df).fit()
    assert "C(cond)[T.incongruent]" in res.params.index
    assert "I(trial / 10)" in res.params.index
    assert list(res.cov_re["subj"].columns) == ["Intercept", "cond[T.incongruent]"]


def test_grouping_columns_of_any_type(sleep):
    base = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit()
    for conv in (lambda s: s.astype(str), lambda s: s.astype(str).astype(int),
                 lambda s: s.astype("category")):
        df = sleep.assign(Subject=conv(sleep["Subject"]))
        res = smc.crossedlm("Reaction ~ Days + (1 | Subject)", df).fit()
        assert res.llf == pytest.approx(base.llf, rel=1e-12)


def test_interaction_and_nested_grouping_labels():
    df = smc.datasets.load("pastes")
    res = smc.crossedlm("strength ~ 1 + (1 | batch/cask)", df).fit()
    assert list(res.cov_re) == ["cask:batch", "batch"]
    labels = res.random_effects["cask:batch"].index
    assert "a:A" in labels and len(labels) == 30
    same = smc.crossedlm("strength ~ 1 + (1 | batch) + (1 | cask:batch)", df).fit()
    assert same.llf == pytest.approx(res.llf, rel=1e-12)


def test_predict_new_levels_of_interaction():
    df = smc.datasets.load("pastes")
    res = smc.crossedlm("strength ~ 1 + (1 | batch/cask)", df).fit()
    new = pd.DataFrame({"batch": ["A", "A", "Z"], "cask": ["a", "zz", "a"]})
    pred = np.asarray(res.predict(new))
    mu = res.params["Intercept"]
    b_batch = res.random_effects["batch"]["A"]
    b_nest = res.random_effects["cask:batch"]["a:A"]
    np.testing.assert_allclose(pred, [mu + b_batch + b_nest, mu + b_batch, mu], rtol=1e-12)


def test_missing_drop_counts_rows(sleep):
    df = sleep.copy()
    df.loc[[3, 7], "Reaction"] = np.nan
    df["Subject"] = df["Subject"].astype(object)
    df.loc[11, "Subject"] = None
    res = smc.crossedlm("Reaction ~ Days + (1 | Subject)", df).fit()
    assert res.nobs == len(df) - 3
    assert res.model.n_dropped == 3
    assert "Dropped (missing):" in str(res.summary())
    full = smc.crossedlm("Reaction ~ Days + (1 | Subject)", df.drop(index=[3, 7, 11])).fit()
    assert res.llf == pytest.approx(full.llf, rel=1e-12)


def test_prior_weights_change_the_fit(sleep):
    w = np.linspace(0.5, 2, len(sleep))
    a = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep, weights=w).fit()
    b = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep.assign(w=w), weights="w").fit()
    c = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit()
    assert a.llf == pytest.approx(b.llf, rel=1e-12)
    assert abs(a.llf - c.llf) > 1e-3


def test_objective_is_the_devfun(sleep_fit):
    obj = sleep_fit.model.objective(reml=True)
    assert obj(sleep_fit.theta) == pytest.approx(-2 * sleep_fit.llf, rel=1e-12)
    assert obj(sleep_fit.theta * 1.1) > obj(sleep_fit.theta)


def test_fit_options_and_log(sleep):
    model = smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep)
    res = model.fit(options=smc.FitOptions(ftol_abs=1e-6), initial_step=0.5)
    s = res.optsummary
    assert s.options.ftol_abs == 1e-6 and s.options.initial_step == 0.5
    assert s.n_evals == len(s.log) > 5
    assert s.fmin == pytest.approx(-2 * res.llf, rel=1e-12)
    with pytest.raises(TypeError, match="unknown option"):
        model.fit(tolerance=3)


def test_verbose_prints_progress(sleep, capsys):
    smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit(verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert "REML criterion" in lines[0] and "theta" in lines[0]      # one header
    assert len(lines) > 5 and lines[1].split()[0] == "1"
    smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit(reml=False, verbose=True)
    assert "-2 log-likelihood" in capsys.readouterr().out.splitlines()[0]


def test_nonconvergence_warns(sleep):
    model = smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = model.fit(maxeval=4)
    assert not res.converged


def test_singular_fit_is_detected():
    rng = np.random.default_rng(7)
    n = 400
    df = pd.DataFrame({"a": rng.integers(0, 20, n), "b": rng.integers(0, 15, n)})
    df["y"] = rng.normal(size=20)[df["a"]] + rng.normal(size=n)   # no b effect at all
    with pytest.warns(SingularFitWarning):
        res = smc.crossedlm("y ~ 1 + (1 | a) + (1 | b)", df).fit()
    assert res.is_singular
    assert res.variance_components["b"] < 1e-6 * res.scale
    assert "Singular fit" in str(res.summary())


def test_no_warning_on_regular_fit(sleep):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep).fit()


def test_formulaic_engine_gives_the_same_fit(sleep):
    import statsmodels.formula

    formula = "Reaction ~ Days + I(Days ** 2) + (Days | Subject)"
    patsy_fit = smc.crossedlm(formula, sleep).fit()
    old = statsmodels.formula.options.formula_engine
    statsmodels.formula.options.formula_engine = "formulaic"
    try:
        res = smc.crossedlm(formula, sleep).fit()
        pred = res.predict(sleep.head(5))
    finally:
        statsmodels.formula.options.formula_engine = old
    assert res.llf == pytest.approx(patsy_fit.llf, rel=1e-12)
    np.testing.assert_allclose(np.asarray(res.params), np.asarray(patsy_fit.params), rtol=1e-9)
    np.testing.assert_allclose(pred, np.asarray(patsy_fit.fittedvalues)[:5], rtol=1e-9)


def test_results_keep_the_callers_row_labels(sleep):
    sub = sleep[sleep["Days"] > 2]
    res = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sub).fit()
    assert res.fittedvalues.index.equals(sub.index)
    assert res.resid.index.equals(sub.index)
    out = sub.assign(fitted=res.fittedvalues)
    assert not out["fitted"].isna().any()
    np.testing.assert_allclose(out["fitted"] + res.resid, sub["Reaction"], rtol=1e-12)


def test_predict_matches_levels_across_label_types(sleep):
    res = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit()   # labels "308", ...
    new = pd.DataFrame({"Days": [0, 0], "Subject": [308, 309]})            # ints
    want = res.params["Intercept"] + res.random_effects["Subject"].loc[["308", "309"]].to_numpy()
    np.testing.assert_allclose(res.predict(new), want, rtol=1e-12)


def test_predict_without_a_grouping_column_says_so(sleep):
    res = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit()
    with pytest.raises(ValueError, match="lacks column 'Subject'"):
        res.predict(pd.DataFrame({"Days": [1.0]}))
    assert res.predict(pd.DataFrame({"Days": [1.0]}), include_re=False).shape == (1,)
