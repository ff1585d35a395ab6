"""Grouping factors: level codes, labels, interactions, checks."""
import numpy as np
import pandas as pd
import pytest

from statsmodels_crossed.design.reterms import (factorize_groups, float_columns,
                                                interaction_groups, make_term)
from statsmodels_crossed.exceptions import DataError


def test_strings_sort_and_ints_sort_numerically():
    codes, levels = factorize_groups(np.array(["b", "a", "c", "a"]), "g")
    assert list(levels) == ["a", "b", "c"]
    np.testing.assert_array_equal(codes, [1, 0, 2, 0])
    codes, levels = factorize_groups(np.array([10, 9, 100]), "g")
    assert list(levels) == [9, 10, 100]


def test_categorical_keeps_category_order_and_drops_unused():
    cat = pd.Categorical(["z", "x", "z"], categories=["z", "y", "x"])
    codes, levels = factorize_groups(pd.Series(cat), "g")
    assert list(levels) == ["z", "x"]
    np.testing.assert_array_equal(codes, [0, 1, 0])
    assert codes.dtype == np.int32


def test_mixed_types_fall_back_to_appearance_order():
    codes, levels = factorize_groups(pd.Series([3, "a", 3], dtype=object), "g")
    assert list(levels) == [3, "a"]


def test_missing_labels_are_refused():
    with pytest.raises(DataError, match="'g' has missing values"):
        factorize_groups(pd.Series(pd.Categorical(["a", None])), "g")


def test_interaction_labels_as_lme4():
    codes, levels = interaction_groups([pd.Series(["15", "15", "2"]), pd.Series(["0", "1", "0"])],
                                       "dept:service")
    assert list(levels) == ["15:0", "15:1", "2:0"]
    np.testing.assert_array_equal(codes, [0, 1, 2])


def test_make_term_checks_shapes_and_values():
    term = make_term("g", pd.Series(["a", "b", "a"]), np.ones(3), ["Intercept"])
    assert (term.n_levels, term.k, term.q, term.n_theta) == (2, 1, 2, 1)
    with pytest.raises(DataError, match="3 rows but the grouping factor 2"):
        make_term("g", pd.Series(["a", "b"]), np.ones(3), ["Intercept"])
    with pytest.raises(DataError, match="NaN or infinite"):
        make_term("g", pd.Series(["a", "b"]), np.array([1.0, np.inf]), ["x"])


# -- shortcuts of the model's set-up, against what they replace -----------------------
@pytest.mark.parametrize("frame, names", [
    (pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), ["b", "a"]),
    (pd.DataFrame({"a": [1, 2], "b": [3.5, 4.0]}), ["a", "b"]),
    (pd.DataFrame({"a": np.float32([1.5, 2]), "b": [3.0, 4.0]}), ["a", "b"]),
    (pd.DataFrame({"a": [True, False], "b": [3.0, 4.0]}), ["b", "a"]),
    (pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], columns=["a", "a"]), ["a"]),
    (pd.DataFrame({"a": [1.0, 2.0], "b": ["u", "v"], "c": [5.0, 6.0]}), ["c", "a"])],
    ids=["float", "int", "float32", "bool", "duplicated", "unused string"])
def test_float_columns_as_column_by_column(frame, names):
    got = float_columns(frame, names)
    want = np.column_stack([frame[c].to_numpy(dtype=float) for c in names])
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype and got.shape == want.shape


@pytest.mark.parametrize("values", [
    pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a", "d"]),
    pd.Series(pd.Categorical([2, 1, 2], categories=[1, 2, 3])),
    pd.Categorical(["x", "y"])])
def test_categorical_levels_as_through_the_series_accessor(values):
    series = pd.Series(values)
    codes = series.cat.codes.to_numpy(np.int32)
    used = np.bincount(codes, minlength=len(series.cat.categories)) > 0
    want_levels = pd.Index(series.cat.categories[used])
    want_codes = (np.cumsum(used) - 1).astype(np.int32)[codes]
    got_codes, got_levels = factorize_groups(values, "g")
    np.testing.assert_array_equal(got_codes, want_codes)
    assert got_codes.dtype == np.int32
    pd.testing.assert_index_equal(got_levels, want_levels, exact=True)
