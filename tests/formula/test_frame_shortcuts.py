"""Set-up shortcuts of the formula path, each against what it replaces.

* the model's random-effects terms built by the frame builder (``ModelFrame.reterms``)
  against ``CrossedLM._make_terms`` on the frame's DataFrames;
* the frame's NaN guarantee (``nan_free``) against the model's own scan;
* column labels shared by the frame's DataFrames against pandas' own.
"""
import warnings

import numpy as np
import pandas as pd
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.formula.frame import build_model_frame
from statsmodels_crossed.formula.parse import parse_formula
from statsmodels_crossed.formula.rows import shared_labels
from statsmodels_crossed.models import validation
from statsmodels_crossed.models.crossedlm import CrossedLM


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"g": rng.integers(0, 15, n), "h": [f"h{v}" for v in
                                                           rng.integers(0, 6, n)],
                       "k": pd.Categorical(rng.integers(0, 4, n)),
                       "x": rng.normal(size=n), "c": rng.choice(["u", "v"], n)})
    df["y"] = df["x"] + rng.normal(size=15)[df["g"]] + rng.normal(size=n)
    df.loc[[4, 9], "x"] = np.nan
    df.loc[[17], "h"] = None
    return df


FORMULAS = ["y ~ x + (1 | g) + (1 | h)", "y ~ x + (1 + x | g) + (x || h)",
            "y ~ c + (1 | g:h) + (1 | k)", "y ~ 1 + (1 | g/k) + (0 + x | h)",
            "y ~ x + (1 + c | h) + (1 | k)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_frame_terms_are_the_models_own(data, formula):
    parsed = parse_formula(formula)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = build_model_frame(parsed, data, eval_env={})
    assert mf.reterms is not None and mf.nan_free
    own = CrossedLM._make_terms(mf.groups, mf.exog_re, mf.re_terms)
    assert len(own) == len(mf.reterms)
    for a, b in zip(mf.reterms, own):
        assert (a.group, a.columns) == (b.group, b.columns)
        pd.testing.assert_index_equal(a.levels, b.levels, exact=True)
        np.testing.assert_array_equal(a.codes, b.codes)
        assert a.codes.dtype == b.codes.dtype
        np.testing.assert_array_equal(a.X, b.X)
        assert a.X.flags.c_contiguous and a.X.dtype == b.X.dtype


@pytest.mark.parametrize("formula", FORMULAS)
def test_nan_free_frame_would_pass_the_models_scan(data, formula):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = build_model_frame(parse_formula(formula), data, eval_env={})
    mask, where = validation.missing_rows(mf.endog, mf.exog, mf.groups, mf.exog_re,
                                          mf.weights)
    assert mf.nan_free and not mask.any() and where == {}


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_nan_left_by_patsy_is_still_reported():
    """patsy checks variables, not products: inf * 0 in an interaction is NaN; the model's
    scan still finds it and says where."""
    df = pd.DataFrame({"g": np.repeat(np.arange(5), 4), "y": np.arange(20.0),
                       "a": np.r_[np.inf, np.ones(19)], "b": np.r_[0.0, np.ones(19)]})
    mf = build_model_frame(parse_formula("y ~ 1 + (a:b | g)"), df, eval_env={})
    assert not mf.nan_free and mf.reterms is None
    with pytest.raises(Exception, match=r"1 in exog_re"):
        smc.crossedlm("y ~ 1 + (a:b | g)", df)


def test_model_uses_the_frames_terms(data, monkeypatch):
    calls = []
    real = CrossedLM._make_terms
    monkeypatch.setattr(CrossedLM, "_make_terms",
                        staticmethod(lambda *args: calls.append(1) or real(*args)))
    smc.crossedlm("y ~ x + (1 | g) + (1 | h)", data)
    assert calls == []
    smc.CrossedLM(data["y"].fillna(0).to_numpy(), np.ones((len(data), 1)), data[["g"]])
    assert calls == [1]


@pytest.mark.parametrize("lists", [
    (["y"], ["Intercept", "x"], ["Intercept"]), (["y"], [], ["Intercept", "x"]),
    ([], []), ([1, "a"], ["b"]), (["y"], ["x"])])
def test_shared_labels_are_the_labels_pandas_makes(lists):
    for labels, names in zip(shared_labels(*lists), lists):
        made = pd.DataFrame(np.zeros((2, len(names))), columns=labels).columns
        want = pd.DataFrame(np.zeros((2, len(names))), columns=list(names)).columns
        pd.testing.assert_index_equal(made, want, exact=True)
