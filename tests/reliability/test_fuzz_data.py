"""Fuzzed data: every data set either fits with finite estimates or raises a
documented error with a message (contract.py); none hangs or crashes.

The generated columns cover NaN (some, all), infinities, None, strings, booleans,
mixed types, constants, extreme scales (1e-80 .. 1e80, and 1e8 offsets), grouping
factors with one level, one observation per level, unused categories, and bad
weights; the array interface gets mismatched shapes.  Deterministic tests pin the
outcome of the named edge cases, and huge level counts.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import statsmodels_crossed.api as smc
from statsmodels_crossed.exceptions import DataError, MissingDataError
from tests.reliability.contract import documented, outcome
from tests.reliability.generate import reliable

NUMERIC = ["normal", "normal", "ints", "constant", "zeros", "all_nan", "some_nan",
           "some_inf", "bool", "strings", "none_mixed", "tiny", "huge", "offset",
           "extreme_big", "extreme_small"]
GROUPING = ["few", "few", "few", "one_level", "per_row", "half", "some_nan", "unused_cats",
            "floats", "bool", "mixed_types", "strings", "empty_strings", "all_nan"]
WEIGHTS = ["none", "none", "uniform", "with_zero", "negative", "some_nan", "huge", "tiny"]
FORMULAS = ["y ~ x + (1 | g)", "y ~ x + (1 | g) + (1 | h)", "y ~ x + (x | g)",
            "y ~ 1 + (1 | g/h)", "y ~ x + (x || g) + (1 | h)", "y ~ 0 + x + (1 | g:h)"]


def numeric(kind, n, rng):
    base = rng.normal(size=n)
    nan_at = rng.uniform(size=n) < 0.2
    return {
        "normal": base, "ints": rng.integers(-3, 4, n), "constant": np.full(n, 2.5),
        "zeros": np.zeros(n), "all_nan": np.full(n, np.nan),
        "some_nan": np.where(nan_at, np.nan, base), "some_inf": np.where(nan_at, np.inf, base),
        "bool": base > 0, "strings": base.round(1).astype(str),
        "none_mixed": np.where(nan_at, None, base).astype(object),
        "tiny": 1e-8 * base, "huge": 1e8 * base, "offset": 1e8 + base,
        "extreme_big": 1e80 * base, "extreme_small": 1e-80 * base}[kind]


def grouping(kind, n, rng):
    few = rng.integers(0, max(2, min(6, n // 4 or 1)), n)
    nan_at = rng.uniform(size=n) < 0.2
    return {
        "few": few, "one_level": np.zeros(n, dtype=int), "per_row": np.arange(n),
        "half": np.arange(n) // 2, "some_nan": np.where(nan_at, np.nan, few.astype(float)),
        "unused_cats": pd.Categorical(few, categories=range(10)),
        "floats": few + 0.5, "bool": few % 2 == 0,
        "mixed_types": np.where(few % 2, few, few.astype(str)).astype(object),
        "strings": np.char.add("lvl", few.astype(str)),
        "empty_strings": np.where(few % 2, "", "a"), "all_nan": np.full(n, np.nan)}[kind]


def weights(kind, n, rng):
    w = rng.uniform(0.5, 2, n)
    return {"none": None, "uniform": w, "with_zero": np.where(np.arange(n) == 0, 0.0, w),
            "negative": -w, "some_nan": np.where(rng.uniform(size=n) < 0.2, np.nan, w),
            "huge": 1e80 * w, "tiny": 1e-80 * w}[kind]


@st.composite
def data_sets(draw):
    n = draw(st.integers(0, 80))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    frame = pd.DataFrame({
        "y": numeric(draw(st.sampled_from(NUMERIC)), n, rng),
        "x": numeric(draw(st.sampled_from(NUMERIC)), n, rng),
        "g": grouping(draw(st.sampled_from(GROUPING)), n, rng),
        "h": grouping(draw(st.sampled_from(GROUPING)), n, rng)})
    if draw(st.booleans()):                            # a realistic response
        frame["y"] = rng.normal(size=n) + pd.factorize(frame["g"])[0] % 3
    return (frame, draw(st.sampled_from(FORMULAS)), weights(draw(st.sampled_from(WEIGHTS)),
                                                            n, rng),
            draw(st.sampled_from(["drop", "raise"])))


def fit_data(frame, formula, w=None, missing="drop"):
    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return smc.crossedlm(formula, frame, weights=w, missing=missing).fit(maxeval=500)
    return outcome(call)


@reliable(200)
@given(data_sets())
def test_fuzzed_data_frames(case):
    fit_data(*case)


@st.composite
def arrays(draw):
    """Inputs of ``CrossedLM(endog, exog, groups, exog_re)`` of assorted shapes."""
    n = draw(st.integers(0, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))

    def rows():
        return max(0, n + draw(st.sampled_from([0, 0, 0, -1, 1])))
    endog = numeric(draw(st.sampled_from(NUMERIC)), rows(), rng)
    exog = draw(st.sampled_from([None, "ones", "x", "3d", "nan"]))
    m = rows()
    exog = {None: None, "ones": np.ones((m, 1)), "x": np.column_stack([np.ones(m),
                                                                      rng.normal(size=m)]),
            "3d": np.ones((m, 1, 1)), "nan": np.full((m, 1), np.nan)}[exog]
    r = rows()
    groups = np.column_stack([np.asarray(grouping(draw(st.sampled_from(GROUPING)), r, rng),
                                         dtype=object)
                              for _ in range(draw(st.integers(1, 2)))])
    exog_re = draw(st.sampled_from([None, None, "slope", "short"]))
    exog_re = {None: None, "slope": np.column_stack([np.ones(len(groups)),
                                                     rng.normal(size=len(groups))]),
               "short": np.ones((max(len(groups) - 1, 0), 1))}[exog_re]
    return endog, exog, groups, exog_re, draw(st.sampled_from(["none", "drop", "raise"]))


@reliable(100)
@given(arrays())
def test_fuzzed_arrays(case):
    endog, exog, groups, exog_re, missing = case

    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return smc.CrossedLM(endog, exog, groups, exog_re=exog_re,
                                 missing=missing).fit(maxeval=500)
    outcome(call)


# -- the named edge cases, pinned ------------------------------------------------------
def _base(n=60, seed=4):
    rng = np.random.default_rng(seed)
    g, h = np.arange(n) % 6, rng.permutation(np.arange(n) % 5)
    y = 1 + rng.normal(size=6)[g] + rng.normal(size=5)[h] + rng.normal(size=n)
    return pd.DataFrame({"y": y, "x": rng.normal(size=n), "g": g, "h": h})


@pytest.mark.parametrize("column", ["y", "x", "g"])
def test_all_nan_column_leaves_no_rows(column):
    frame = _base().assign(**{column: np.nan})
    err = fit_data(frame, "y ~ x + (1 | g)")
    assert isinstance(err, DataError) and "no rows left" in str(err)
    err = fit_data(frame, "y ~ x + (1 | g)", missing="raise")
    assert isinstance(err, MissingDataError) and "60 in" in str(err)


def test_empty_groups_are_dropped():
    """Unused categories of a grouping factor are not levels (lme4 drops them)."""
    frame = _base()
    res = fit_data(frame.assign(g=pd.Categorical(frame["g"], categories=range(20))),
                   "y ~ x + (1 | g)")
    ref = fit_data(frame, "y ~ x + (1 | g)")
    assert res.ngroups["g"] == 6
    np.testing.assert_allclose(res.theta, ref.theta, rtol=1e-8)


def test_single_observation_per_level():
    err = fit_data(_base().assign(g=np.arange(60)), "y ~ x + (1 | g)")
    assert isinstance(err, DataError) and "60 levels for 60 observations" in str(err)
    res = fit_data(_base().assign(g=np.arange(60) // 2), "y ~ x + (1 | g)")
    assert not isinstance(res, Exception)


@pytest.mark.parametrize("response, what", [(2.5, "is constant"), (0.0, "is constant"),
                                            ("x", "exact linear function")])
def test_response_without_residual_variation(response, what):
    frame = _base()
    frame["y"] = frame[response] * 3 - 1 if isinstance(response, str) else response
    err = fit_data(frame, "y ~ x + (1 | g) + (1 | h)")
    assert isinstance(err, DataError) and what in str(err)


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_extreme_scales_fit(scale):
    """Response, covariate and offsets at 1e-8 and 1e8 fit to the unscaled estimates."""
    frame = _base()
    ref = fit_data(frame, "y ~ x + (1 | g) + (1 | h)")
    res = fit_data(frame.assign(y=frame["y"] * scale), "y ~ x + (1 | g) + (1 | h)")
    np.testing.assert_allclose(res.params / scale, ref.params, rtol=1e-5)
    np.testing.assert_allclose(res.sigma / scale, ref.sigma, rtol=1e-5)
    res = fit_data(frame.assign(x=frame["x"] * scale), "y ~ x + (1 | g) + (1 | h)")
    np.testing.assert_allclose(res.params * [1, scale], ref.params, rtol=1e-5)
    res = fit_data(frame.assign(y=frame["y"] + 1e8), "y ~ x + (1 | g) + (1 | h)")
    np.testing.assert_allclose(res.params - [1e8, 0], ref.params, rtol=1e-5)
    np.testing.assert_allclose(res.llf, ref.llf, rtol=1e-9)


@pytest.mark.parametrize("column, scale", [("y", 1e200), ("y", 1e-200), ("x", 1e100),
                                           ("x", 1e-100)])
def test_scales_beyond_double_precision_are_refused(column, scale):
    frame = _base()
    err = fit_data(frame.assign(**{column: frame[column] * scale}), "y ~ x + (1 | g)")
    assert isinstance(err, DataError) and "rescale" in str(err)


def test_more_than_sixteen_columns_in_a_term():
    """Terms past the Cython kernel's 16 x 16 blocks take its NumPy twin."""
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(17)})
    frame["g"], frame["h"] = np.arange(n) % 3, rng.integers(0, 4, n)
    frame["y"] = rng.normal(size=n) + frame["h"]
    formula = "y ~ 1 + (1 | g) + (" + " + ".join(f"x{i}" for i in range(17)) + " | h)"
    model = smc.crossedlm(formula, frame)
    theta = np.random.default_rng(1).uniform(0.1, 1, model.objective().theta_map.n_theta)
    blocked = model.objective(factorization="blocked")(theta)
    np.testing.assert_allclose(blocked, model.objective(factorization="cholmod")(theta),
                               rtol=1e-10)


def test_huge_level_counts():
    """30,000 levels (two rows each) crossed with 50: the first term's 30,000 blocks are
    factored one by one; the fit takes a second, not a dense 30,000^2 block."""
    rng = np.random.default_rng(0)
    n = 60_000
    g, h = rng.permutation(np.arange(n) % 30_000), rng.integers(0, 50, n)
    frame = pd.DataFrame({"g": g, "h": h, "x": rng.normal(size=n)})
    frame["y"] = rng.normal(size=30_000)[g] + rng.normal(size=50)[h] + rng.normal(size=n)
    res = fit_data(frame, "y ~ x + (1 | g) + (1 | h)")
    assert res.ngroups == {"g": 30_000, "h": 50}
    assert res.factorization.startswith("blocked")
    assert np.all((res.theta > 0.5) & (res.theta < 1.5))


def test_documented_is_strict():
    """The contract rejects numpy's and pandas' own errors, and unlabelled ValueErrors."""
    try:
        np.linalg.cholesky(-np.eye(2))
    except np.linalg.LinAlgError as exc:
        assert not documented(exc)
    try:
        pd.Series([1]).astype("datetime64[ns]").dt.tz_localize("nowhere")
    except Exception as exc:  # noqa: BLE001
        assert not documented(exc)
    assert not documented(ValueError("raised outside the package"))
    assert documented(DataError("a message"))
    assert not documented(DataError(""))
