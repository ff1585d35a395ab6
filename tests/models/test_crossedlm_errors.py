"""Bad input gets a clear error naming the problem, never silent wrong numbers."""

import numpy as np
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.exceptions import (DataError, FormulaError, MissingDataError,
                                            RankDeficiencyWarning)


@pytest.fixture(scope="module")
def sleep():
    return smc.datasets.load("sleepstudy")


def test_unknown_grouping_column(sleep):
    with pytest.raises(DataError, match=r"column 'Subjekt' .* not in the data"):
        smc.crossedlm("Reaction ~ Days + (1 | Subjekt)", sleep)


def test_unknown_fixed_column(sleep):
    with pytest.raises(DataError, match="Dayz"):
        smc.crossedlm("Reaction ~ Dayz + (1 | Subject)", sleep)


def test_unknown_column_in_random_term(sleep):
    with pytest.raises(DataError, match=r"\(1 \+ Dayz \| Subject\).*Dayz"):
        smc.crossedlm("Reaction ~ Days + (1 + Dayz | Subject)", sleep)


def test_unknown_response(sleep):
    with pytest.raises(DataError, match="Reakshun"):
        smc.crossedlm("Reakshun ~ Days + (1 | Subject)", sleep)


@pytest.mark.parametrize("formula, match", [
    ("Reaction ~ Days + (1 | )", "no grouping factor"),
    ("Reaction ~ Days + (1 | Subject", "unbalanced|parenthes"),
    ("Reaction ~ Days", "no random"),
    ("Reaction ~ Days + ( | Subject)", "empty|no term|expression"),
])
def test_malformed_formulas(sleep, formula, match):
    with pytest.raises(FormulaError, match=match):
        smc.crossedlm(formula, sleep)


def test_non_numeric_response(sleep):
    df = sleep.assign(label=np.where(sleep["Reaction"] > 300, "slow", "fast"))
    with pytest.raises(DataError, match="response 'label' is not numeric"):
        smc.crossedlm("label ~ Days + (1 | Subject)", df)


def test_one_level_grouping_factor(sleep):
    with pytest.raises(DataError, match="'one' has 1 level"):
        smc.crossedlm("Reaction ~ Days + (1 | one)", sleep.assign(one="x"))


def test_as_many_levels_as_observations(sleep):
    with pytest.raises(DataError, match="180 levels for 180 observations"):
        smc.crossedlm("Reaction ~ Days + (1 | obs)", sleep.assign(obs=np.arange(len(sleep))))


def test_more_random_effects_than_observations(sleep):
    df = sleep.assign(half=np.arange(len(sleep)) // 2, x=np.random.default_rng(0).normal(size=180),
                      z=np.random.default_rng(1).normal(size=180))
    with pytest.raises(DataError, match=r"\(Intercept \+ x \+ z \| half\) has 270 random effects for 180 observations"):
        smc.crossedlm("Reaction ~ Days + (1 + x + z | half)", df)


def test_nan_with_missing_raise(sleep):
    df = sleep.copy()
    df.loc[5, "Days"] = np.nan
    with pytest.raises(MissingDataError, match="1 in the response or a fixed-effects variable"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", df, missing="raise")
    df = sleep.astype({"Subject": object})
    df.loc[5, "Subject"] = None
    with pytest.raises(MissingDataError, match=r"\(1 \| Subject\)"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", df, missing="raise")


def test_nan_in_arrays_with_missing_raise(sleep):
    y = sleep["Reaction"].to_numpy().copy()
    y[0] = np.nan
    X = np.ones((len(y), 1))
    with pytest.raises(MissingDataError, match="endog"):
        smc.CrossedLM(y, X, sleep["Subject"], missing="raise")
    with pytest.raises(MissingDataError):
        smc.CrossedLM(y, X, sleep["Subject"])          # default "none": never fit NaN
    res = smc.CrossedLM(y, X, sleep["Subject"], missing="drop").fit()
    assert res.nobs == len(y) - 1


@pytest.mark.parametrize("w, match", [
    (-1.0, "negative"), (0.0, "zero"), (np.inf, "finite"),
])
def test_bad_weights(sleep, w, match):
    weights = np.ones(len(sleep))
    weights[3] = w
    with pytest.raises(DataError, match=match):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep, weights=weights)


def test_weights_of_wrong_length(sleep):
    with pytest.raises(DataError, match="one value per row"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep, weights=np.ones(3))


def test_rank_deficient_X_drops_aliased_columns_with_warning(sleep):
    df = sleep.assign(Days2=2 * sleep["Days"])
    with pytest.warns(RankDeficiencyWarning, match=r"\['Days2'\]"):
        model = smc.crossedlm("Reaction ~ Days + Days2 + (1 | Subject)", df)
    res = model.fit()
    assert list(res.params.index) == ["Intercept", "Days"]
    ref = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep).fit()
    np.testing.assert_allclose(np.asarray(res.params), np.asarray(ref.params), rtol=1e-10)
    assert res.llf == pytest.approx(ref.llf, rel=1e-12)


def test_mismatched_array_lengths(sleep):
    with pytest.raises(DataError, match="same number of rows"):
        smc.CrossedLM(sleep["Reaction"].to_numpy(), np.ones((180, 1)), sleep["Subject"][:100])


def test_re_terms_naming_unknown_columns(sleep):
    with pytest.raises(DataError, match="'nope'"):
        smc.CrossedLM(sleep["Reaction"].to_numpy(), np.ones((180, 1)), sleep[["Subject"]],
                      re_terms=[("nope", ["Intercept"])])


def test_bad_start_params(sleep):
    model = smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep)
    with pytest.raises(ValueError, match="theta has 3"):
        model.fit(start_params=[1.0])


def test_infinite_response(sleep):
    with pytest.raises(DataError, match="infinite"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)",
                      sleep.assign(Reaction=sleep["Reaction"].replace(sleep["Reaction"][0], np.inf)))


def test_unknown_keywords_are_refused_with_a_suggestion(sleep):
    with pytest.raises(TypeError, match=r"\['weight'\]; did you mean weights=\?"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep, weight=np.ones(180))
    with pytest.raises(TypeError, match="family"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep, family="binomial")


def test_mixedlm_habits_get_pointed_to_the_formula(sleep):
    with pytest.raises(TypeError, match=r"written in the formula"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep, groups="Subject")


def test_fit_arguments_are_checked(sleep):
    model = smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep)
    with pytest.raises(TypeError, match="reml must be True"):
        model.fit(reml="ML")
    with pytest.raises(TypeError, match=r"did you mean reml=\?"):
        model.fit(REML=False)
    with pytest.raises(TypeError, match="options must be a FitOptions"):
        model.fit(options=3)
    assert model.fit(options={"maxeval": 500}).optsummary.options.maxeval == 500


def test_slope_constant_within_groups_is_refused(sleep):
    age = sleep["Subject"].cat.codes.astype(float)            # one value per subject
    with pytest.raises(DataError, match=r"\(Intercept \+ age \| Subject\) the columns do not "
                                        r"vary independently"):
        smc.crossedlm("Reaction ~ Days + (1 + age | Subject)", sleep.assign(age=age))
    ok = smc.crossedlm("Reaction ~ Days + age + (1 + Days | Subject)", sleep.assign(age=age))
    assert ok.fit().converged


def test_typos_get_suggestions(sleep):
    with pytest.raises(DataError, match=r"'Reacton' is not a column .* did you mean 'Reaction'"):
        smc.crossedlm("Reacton ~ Days + (1 | Subject)", sleep)
    with pytest.raises(DataError, match=r"did you mean 'Subject'"):
        smc.crossedlm("Reaction ~ Days + (1 | subject)", sleep)


def test_forgotten_bar_and_wrong_data_type(sleep):
    with pytest.raises(FormulaError, match=r"without '\|': write \(Days \| Subject\)"):
        smc.crossedlm("Reaction ~ Days + (Days Subject)", sleep)
    with pytest.raises(DataError, match="data must be a DataFrame with named columns"):
        smc.crossedlm("Reaction ~ Days + (1 | Subject)", sleep["Reaction"])
