"""Type III tables against lmerTest: multi-df terms, interactions, both codings."""
import numpy as np
import pandas as pd
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.inference.type3 import anova_type3, term_contrasts
from statsmodels_crossed.inference.contrasts import doolittle_type1, type3_contrasts, zapsmall
from tests.inference.reference import assert_close, extra_cases, extra_fit

pytestmark = pytest.mark.filterwarnings("ignore:Kenward-Roger with prior weights")

CASES = [(name, method) for name, case in extra_cases().items()
         for method in ("satterthwaite", "kenward_roger") if "anova" in case.get(method, {})]


def test_reference_has_the_cases():
    assert len(CASES) == 9


@pytest.mark.parametrize("name,method", CASES)
def test_type3_table_matches_lmertest(name, method):
    case, res = extra_fit(name)
    ref = case[method]["anova"]
    table = res.anova(df_method=method.replace("_", "-"))
    rows = pd.DataFrame(ref["rows"]).T.loc[ref["terms"]]
    assert len(table) == len(rows)
    assert list(table["NumDF"]) == list(rows["num_df"].astype(int))
    for ours, theirs in [("Sum Sq", "sum_sq"), ("Mean Sq", "mean_sq"), ("F value", "F"),
                         ("DenDF", "den_df"), ("Pr(>F)", "p")]:
        assert_close(table[ours], rows[theirs].astype(float), rtol=1e-4, what=ours)
    assert method.split("_")[0].capitalize() in table.attrs["heading"]


def test_treatment_coded_interaction_is_not_the_columns_test():
    """With treatment contrasts, lmerTest's type III hypothesis for YEAR is YEAR
    averaged over high, not "the YEAR columns are zero" (YEAR at high = 'hi')."""
    case, res = extra_fit("grouseticks_interaction_treatment_reml")
    ref = case["satterthwaite"]["anova"]["rows"]["YEAR"]
    naive = res.f_test(term_contrasts(res.model)["YEAR"], df_method="satterthwaite")
    assert abs(naive.fvalue / ref["F"] - 1) > 0.05
    assert_close(res.anova().loc["YEAR", "F value"], ref["F"], rtol=1e-5)


def test_one_term_model_uses_type1_contrasts():
    """lmerTest's type III of a one-term model: the Doolittle rows (their basis
    fixes the multi-df Satterthwaite df: cbpp's 3-df period)."""
    _, res = extra_fit("cbpp_prop_weighted_reml")
    L = type3_contrasts(res.model)["period"]
    X = np.asarray(res.model.exog)
    np.testing.assert_allclose(L, doolittle_type1(X)[1:], atol=1e-14)
    assert not np.allclose(L, np.eye(4)[1:])


def test_doolittle_is_unit_upper_triangular_ldu():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    U = doolittle_type1(X)
    assert np.allclose(np.diag(U), 1) and np.allclose(np.tril(U, -1), 0)
    D = np.linalg.inv(U.T) @ X.T @ X @ np.linalg.inv(U)
    np.testing.assert_allclose(D, np.diag(np.diag(D)), atol=1e-9)


def test_zapsmall_as_r():
    np.testing.assert_array_equal(zapsmall([1.0, 1e-9, -2.5e-8]), [1.0, 0.0, -0.0])
    np.testing.assert_array_equal(zapsmall([123.456789123, 1e-5]), [123.45679, 1e-5])


def test_array_models_test_each_column():
    sleep = smc.datasets.load("sleepstudy")
    X = np.column_stack([np.ones(len(sleep)), sleep["Days"], sleep["Days"] ** 2])
    res = smc.CrossedLM(sleep["Reaction"].to_numpy(), X, sleep["Subject"].to_numpy()).fit()
    table = anova_type3(res)
    assert list(table.index) == ["x1", "x2"]
    t = res.t_test(np.eye(3)[1:], df_method="satterthwaite")
    assert_close(table["F value"], np.ravel(t.tvalue) ** 2, rtol=1e-10)
    assert_close(table["DenDF"], t.df_denom, rtol=1e-10)


def test_intercept_only_model_has_an_empty_table():
    res = smc.crossedlm("Yield ~ 1 + (1 | Batch)", smc.datasets.load("Dyestuff")).fit()
    assert res.anova().empty


def test_anova_via_api_on_one_model():
    _, res = extra_fit("grouseticks_log_reml")
    pd.testing.assert_frame_equal(smc.anova(res), res.anova())
    pd.testing.assert_frame_equal(smc.anova(res, df_method="kr"), res.anova("kenward-roger"))


def test_unknown_df_method():
    _, res = extra_fit("grouseticks_log_ml")
    with pytest.raises(ValueError, match="satterthwaite.*kenward-roger"):
        res.anova(df_method="containment")
