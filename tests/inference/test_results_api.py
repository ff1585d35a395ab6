"""The inference surface of the results: defaults unchanged, df_method variants, errors."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.contrast import ContrastResults

import statsmodels_crossed.api as smc
from statsmodels_crossed.inference.ddf import method_for
from tests.inference.reference import fitted, values


@pytest.fixture(scope="module")
def sleep_fit():
    return fitted("sleepstudy_slope_reml")


def test_default_conf_int_is_wald(sleep_fit):
    case, _, res = sleep_fit
    ci = res.conf_int()
    assert isinstance(ci, pd.DataFrame) and list(ci.index) == ["Intercept", "Days"]
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(ci[0], res.params - z * res.bse, rtol=1e-12)
    np.testing.assert_allclose(ci[1], values(case["confint_wald"]["upper"]), rtol=1e-5)
    assert isinstance(res._results.conf_int(), pd.DataFrame)
    with pytest.raises(ValueError, match="wald.*profile.*bootstrap"):
        res.conf_int(method="exact")


def test_default_tests_are_statsmodels_wald(sleep_fit):
    _, _, res = sleep_fit
    t = res.t_test("Days = 0")
    assert t.distribution == "norm"
    assert float(np.ravel(t.tvalue)[0]) == pytest.approx(res.tvalues["Days"])
    f = res.f_test(np.eye(2))
    assert f.df_denom == res.df_resid


def test_t_test_with_df_method_returns_contrast_results(sleep_fit):
    case, _, res = sleep_fit
    for method, key in [("satterthwaite", "satterthwaite"), ("kenward-roger", "kenward_roger")]:
        t = res.t_test(np.eye(2), df_method=method)
        assert isinstance(t, ContrastResults) and t.distribution == "t"
        assert t.df_denom.shape == (2,)
        np.testing.assert_allclose(t.df_denom, values(case["lmerTest"][key]["df"]), rtol=1e-3)
        frame = t.summary_frame()
        assert frame.shape[0] == 2
        q = stats.t.ppf(0.975, t.df_denom)
        np.testing.assert_allclose(t.conf_int()[:, 1], np.ravel(t.effect) + q * np.ravel(t.sd))


def test_summary_with_df_method(sleep_fit):
    case, _, res = sleep_fit
    plain = res.summary().as_text()
    assert "P>|z|" in plain and " df " not in plain
    for method, key in [("satterthwaite", "satterthwaite"), ("kenward-roger", "kenward_roger")]:
        table = res._fixed_effects_table(df_method=method)
        assert list(table.columns[:5]) == ["Coef.", "Std.Err.", "df", "t", "P>|t|"]
        np.testing.assert_allclose(table["df"], values(case["lmerTest"][key]["df"]), rtol=1e-3)
        np.testing.assert_allclose(table["Std.Err."], values(case["lmerTest"][key]["se"]),
                                   rtol=1e-5)
        text = res.summary(df_method=method).as_text()
        assert "P>|t|" in text and "df" in text


def test_kr_summary_uses_the_adjusted_covariance():
    _, _, res = fitted("hr_ratings_reml")
    kr = method_for(res, "kenward-roger")
    table = res._fixed_effects_table(df_method="kenward-roger")
    np.testing.assert_allclose(table["Std.Err."], np.sqrt(np.diag(kr.vcov_adj)), rtol=1e-12)
    assert np.all(np.sqrt(np.diag(kr.vcov_adj)) > np.asarray(res.bse))


def test_array_model_supports_df_methods():
    sleep = smc.datasets.load("sleepstudy")
    X = np.column_stack([np.ones(len(sleep)), sleep["Days"]])
    res = smc.CrossedLM(sleep["Reaction"].to_numpy(), X, sleep["Subject"].to_numpy(),
                        exog_re=X).fit()
    t = res.t_test("x1 = 0", df_method="satterthwaite")
    case, _, _ = fitted("sleepstudy_slope_reml")
    assert t.df_denom[0] == pytest.approx(case["lmerTest"]["satterthwaite"]["df"]["Days"],
                                          rel=1e-3)
    assert res.conf_int(method="profile").shape == (6, 2)


def test_wrong_constraint_size(sleep_fit):
    _, _, res = sleep_fit
    with pytest.raises(ValueError):
        res.t_test(np.eye(3), df_method="satterthwaite")


def test_exported_names():
    import statsmodels_crossed.inference as inf
    import statsmodels_crossed.inference.type3  # noqa: F401  (must not shadow inf.anova)

    assert smc.anova is inf.anova
    assert "anova" in smc.__all__
