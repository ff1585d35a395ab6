"""Bundled data sets: same bytes, values, order and levels as the lme4 reference."""
import gzip
import os
import time
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from statsmodels_crossed import datasets
from tests.results import case_names, load_case, load_datasets

# The shared reference CSVs, beside the repository (../shared/reference/data), as
# laid out for developers and CI; the tests below fail (never skip) without them.
SHARED_DATA = Path(
    os.environ.get(
        "STATSMODELS_CROSSED_REFERENCE_DATA",
        Path(__file__).resolve().parents[3] / "shared" / "reference" / "data",
    )
)

META = {d["name"]: d for d in load_datasets()["datasets"]}
NAMES = datasets.names()


def test_names_cover_reference_datasets():
    assert sorted(NAMES) == sorted(META)


@pytest.mark.parametrize("name", NAMES)
def test_shape_columns_and_factor_columns_match_metadata(name):
    df = datasets.load(name)
    meta = META[name]
    assert df.shape == (meta["nrow"], meta["ncol"])
    assert list(df.columns) == [c["name"] for c in meta["columns"]]
    assert datasets.factor_columns(name) == meta["factor_columns"]
    for col in df.columns:
        is_factor = col in meta["factor_columns"]
        assert isinstance(df[col].dtype, pd.CategoricalDtype) == is_factor, col


@pytest.mark.parametrize("name", NAMES)
def test_categories_are_sorted_strings(name):
    df = datasets.load(name)
    for col in datasets.factor_columns(name):
        cats = list(df[col].cat.categories)
        assert all(isinstance(c, str) for c in cats), col
        assert cats == sorted(cats), col
        assert not df[col].cat.ordered
        # every category is used; missing values as in the metadata
        assert set(df[col].dropna()) == set(cats)
        n_missing = {c["name"]: c["n_missing"] for c in META[name]["columns"]}
        assert df[col].isna().sum() == n_missing[col]


@pytest.mark.parametrize("case", case_names())
def test_levels_equal_lme4_factor_levels(case):
    """Categories reproduce lme4's level order (hence its contrast columns)."""
    ref = load_case(case)
    df = datasets.load(ref["dataset"][: -len(".csv")])
    assert len(df) == ref["data"]["nrow_csv"]
    for col, levels in ref["data"]["factor_levels"].items():
        assert list(df[col].cat.categories) == levels, col


@pytest.mark.parametrize("name", NAMES)
def test_file_is_gzip_of_reference_csv(name):
    path = SHARED_DATA / META[name]["file"]
    assert path.is_file(), f"reference CSV not found: {path}"
    bundled = resources.files(datasets).joinpath(datasets.DATASETS[name]["file"])
    assert gzip.decompress(bundled.read_bytes()) == path.read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_values_and_order_equal_reference_csv(name):
    path = SHARED_DATA / META[name]["file"]
    assert path.is_file(), f"reference CSV not found: {path}"
    factors = META[name]["factor_columns"]
    expected = pd.read_csv(path, dtype={c: str for c in factors})
    df = datasets.load(name)
    assert list(df.columns) == list(expected.columns)
    assert len(df) == len(expected)
    for col in df.columns:
        if col in factors:
            got = df[col].astype(object).to_numpy()
            want = expected[col].astype(object).to_numpy()
            assert (got == want).all(), col
        else:
            assert df[col].dtype == expected[col].dtype, col
            np.testing.assert_array_equal(df[col].to_numpy(), expected[col].to_numpy())


def test_treatment_coding_names_match_lme4():
    """Sorted categories make patsy's default coding give lme4's columns."""
    import patsy

    for case in ("cbpp_binomial_laplace", "grouseticks_poisson_laplace",
                 "insteval_reml", "rt_experiment_reml"):
        ref = load_case(case)
        df = datasets.load(ref["dataset"][: -len(".csv")])
        fixed_vars = {
            "cbpp_binomial_laplace": "period",
            "grouseticks_poisson_laplace": "YEAR + sHEIGHT",
            "insteval_reml": "service",
            "rt_experiment_reml": "cond",
        }[case]
        design = patsy.dmatrix(fixed_vars, df, return_type="dataframe")
        names = [
            n.replace("[T.", "").replace("]", "") for n in design.columns
        ]
        names = ["(Intercept)" if n == "Intercept" else n for n in names]
        assert names == ref["fixef_names"], case


def test_name_lookup_is_case_insensitive():
    a = datasets.load("penicillin")
    b = datasets.load("PENICILLIN")
    pd.testing.assert_frame_equal(a, b)
    assert datasets.load("Penicillin.csv").shape == a.shape


def test_unknown_name_lists_available():
    with pytest.raises(ValueError, match="available:.*Dyestuff.*sleepstudy"):
        datasets.load("no_such_data")
    with pytest.raises(ValueError, match="available"):
        datasets.describe("no_such_data")


@pytest.mark.parametrize("name", NAMES)
def test_describe(name):
    text = datasets.describe(name)
    meta = META[name]
    assert text.startswith(name)
    assert f"Rows: {meta['nrow']}" in text
    assert "Source: " in text
    for col in meta["columns"]:
        assert col["name"] in text


def test_load_insteval_is_fast():
    datasets.load("insteval")  # warm up imports and caches
    start = time.perf_counter()
    df = datasets.load("insteval")
    elapsed = time.perf_counter() - start
    assert len(df) == 73421
    assert elapsed < 1.0, elapsed
