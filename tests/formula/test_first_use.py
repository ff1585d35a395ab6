"""First-use warnings of the model frame: grouping factors that are probably mistakes.

* a float column used as a grouping factor, ``(1 | x)`` for a continuous x;
* a grouping factor that also has per-level fixed effects, ``y ~ subj + (1 | subj)``.

Both are statsmodels' ``SpecificationWarning``, name the column, and point at
the user's line (not the package's).
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tools.sm_exceptions import SpecificationWarning

import statsmodels_crossed.api as smc
from statsmodels_crossed.exceptions import DataError
from statsmodels_crossed.formula.frame import build_model_frame
from statsmodels_crossed.formula.parse import parse_formula
from statsmodels_crossed.formula.first_use import categorical_variables, per_level_columns


@pytest.fixture(scope="module")
def sleep():
    return smc.datasets.load("sleepstudy")


@pytest.fixture(scope="module")
def sim():
    """200 rows: 20 groups g, a continuous x (2 decimals, 156 distinct values),
    a coarse continuous z (1 decimal, 41 distinct values)."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"g": rng.integers(0, 20, 200)})
    df["x"] = rng.normal(size=200).round(2)
    df["z"] = rng.normal(size=200).round(1)
    df["y"] = rng.normal(size=200) + df["x"]
    return df


def only_warning(record, category=SpecificationWarning):
    got = [w for w in record if issubclass(w.category, category)]
    assert len(got) == 1, [str(w.message) for w in record]
    assert got[0].filename == __file__, "the warning should point at the caller's line"
    return str(got[0].message)


def no_specification_warning(make):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        return make()


# -- a float column as a grouping factor ---------------------------------------------
def test_float_grouping_column_warns_with_its_name_and_count(sim):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        smc.crossedlm("y ~ 1 + (1 | x)", sim)
    message = only_warning(record)
    n_distinct = sim["x"].nunique()
    assert n_distinct == 156
    assert "grouping factor 'x' of (1 | x)" in message
    assert f"{n_distinct} distinct values" in message
    assert "more than half the 200 rows" in message          # 156 > 100
    assert "(x | g)" in message and "astype('category')" in message


def test_float_grouping_with_few_values_does_not_mention_half_the_rows(sim):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        smc.crossedlm("y ~ 1 + (1 | z)", sim)
    message = only_warning(record)
    assert "'z'" in message and f"{sim['z'].nunique()} distinct values" in message
    assert "half" not in message


def test_float_column_inside_an_interaction_grouping_factor_warns(sim):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        smc.crossedlm("y ~ 1 + (1 | g:z)", sim)
    assert "grouping factor 'z' of (1 | g:z)" in only_warning(record)


def test_float_grouping_warns_for_glmm_frames_too(sim):
    """crossedglm builds its frame with glm=True (two-column response, offsets)."""
    counts = sim.assign(k=(sim["y"] > 0).astype(int))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        build_model_frame(parse_formula("cbind(k, 1 - k) ~ 1 + (1 | z)"), counts, eval_env={},
                          glm=True)
    assert "'z'" in only_warning(record)


def test_identifiers_do_not_warn(sim):
    ids = sim.assign(g_float=sim["g"].astype(float),               # ids read as float
                     x_cat=sim["x"].astype("category"),             # the advice followed
                     x_str=sim["x"].astype(str))
    for group in ("g", "g_float", "x_cat", "x_str"):
        model = no_specification_warning(
            lambda: smc.crossedlm(f"y ~ 1 + (1 | {group})", ids))
        assert model.reterms[0].group == group


def test_one_value_per_row_is_the_existing_error_alone(sim):
    unique = sim.assign(w=np.arange(200) + 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        with pytest.raises(DataError, match="200 levels for 200 observations"):
            smc.crossedlm("y ~ 1 + (1 | w)", unique)


# -- a grouping factor that is also a fixed effect -----------------------------------
def test_grouping_factor_in_fixed_part_warns(sleep):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model = smc.crossedlm("Reaction ~ Days + Subject + (1 | Subject)", sleep)
    message = only_warning(record)
    assert "grouping factor 'Subject' of (1 | Subject) is also in the fixed part" in message
    assert "'Subject[T.309]'" in message and "and 14 more" in message    # 17 dummies
    assert "random intercepts" in message and "not identified" in message
    # what the message claims: the REML criterion does not depend on the variance
    criterion = model.objective(reml=True)
    values = [criterion(np.array([t])) for t in (0.0, 0.5, 2.0, 10.0)]
    np.testing.assert_allclose(values, values[0], rtol=1e-10)


@pytest.mark.parametrize("formula", [
    "Reaction ~ Days * C(Subject) + (Days | Subject)",
    "Reaction ~ C(Subject, Sum) + (1 | Subject)",
])
def test_grouping_factor_in_fixed_part_any_coding(sleep, formula):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        smc.crossedlm(formula, sleep)
    assert "grouping factor 'Subject'" in only_warning(record)


def test_per_level_slopes_warn_only_next_to_random_slopes(sleep):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        smc.crossedlm("Reaction ~ Days + Days:Subject + (0 + Days | Subject)", sleep)
    message = only_warning(record)
    assert "random slopes of Days" in message and "'Days:Subject[T.309]'" in message
    # fixed per-subject slopes leave random intercepts identified
    no_specification_warning(
        lambda: smc.crossedlm("Reaction ~ Days + Days:Subject + (1 | Subject)", sleep))


def test_interaction_grouping_factor_against_fixed_cells():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.choice(list("pqr"), 300), "b": rng.choice(list("uvw"), 300),
                       "y": rng.normal(size=300)})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        smc.crossedlm("y ~ a * b + (1 | a:b)", df)
    assert "grouping factor 'a:b' of (1 | a:b)" in only_warning(record)
    # main effects alone leave the interaction's random effects identified
    no_specification_warning(lambda: smc.crossedlm("y ~ a + b + (1 | a:b)", df))


def test_formulaic_engine_warns_the_same(sleep):
    import statsmodels.formula

    old = statsmodels.formula.options.formula_engine
    statsmodels.formula.options.formula_engine = "formulaic"
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            smc.crossedlm("Reaction ~ Days + Subject + (1 | Subject)", sleep)
    finally:
        statsmodels.formula.options.formula_engine = old
    assert "grouping factor 'Subject'" in only_warning(record)


def test_regular_models_do_not_warn(sleep):
    rt = smc.datasets.load("rt_experiment")
    no_specification_warning(lambda: smc.crossedlm("Reaction ~ Days + (Days | Subject)", sleep))
    no_specification_warning(
        lambda: smc.crossedlm("rt ~ cond + (1 + cond | subj) + (1 + cond | item)", rt))


@pytest.mark.parametrize("column, names", [
    ("subj[T.b]", {"subj"}),
    ("C(subj, Treatment(reference='S01'))[T.b]", {"C", "subj", "Treatment", "reference"}),
    ("C(ds)[T.15:0]", {"C", "ds"}),                      # ':' inside a level label
    ("Days", None),
    ("np.log(Days)", None),
])
def test_categorical_variables_of_a_column_part(column, names):
    assert categorical_variables(column) == names


def test_per_level_columns_keyed_by_what_they_duplicate():
    names = ["Intercept", "Days", "subj[T.b]", "Days:subj[T.b]", "cond[T.x]:subj[T.b]",
             "cond[T.x]", "a[T.u]:b[T.v]"]
    assert per_level_columns(names, ("subj",)) == {"Intercept": ["subj[T.b]"],
                                                   "Days": ["Days:subj[T.b]"],
                                                   "cond[T.x]": ["cond[T.x]:subj[T.b]"]}
    assert per_level_columns(names, ("a", "b")) == {"Intercept": ["a[T.u]:b[T.v]"]}
    assert per_level_columns(names, ("item",)) == {}


def test_unpickling_does_not_repeat_the_warning():
    import pickle

    from statsmodels_crossed import datasets

    d = datasets.load("sleepstudy")
    d["Dx"] = d["Days"] + 0.5
    with pytest.warns(SpecificationWarning, match="'Dx'"):
        model = smc.crossedlm("Reaction ~ Days + (1 | Dx) + (1 | Subject)", d)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        pickle.loads(pickle.dumps(model))
