"""The fixed part of bare numeric columns, built without patsy evaluating the data.

``numeric_fixed_part`` must give what statsmodels' ``handle_formula_data`` (patsy)
gives: the same endog and exog (values, names, row labels), and a ``model_spec``
that behaves the same on new data (prediction, contrasts, type-3 tests).  Each
test builds the same model twice, once with the shortcut and once with it
switched off, and compares.  Formulas outside the shortcut must still reach patsy.
"""
import warnings

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
import statsmodels.formula
import statsmodels.formula.formulatools

import statsmodels_crossed.api as smc
import statsmodels_crossed.formula.frame as frame_module
from statsmodels_crossed.exceptions import DataError
from statsmodels_crossed.formula.frame import build_model_frame
from statsmodels_crossed.formula.numeric_fixed import numeric_fixed_part
from statsmodels_crossed.formula.parse import parse_formula


@pytest.fixture(scope="module")
def data():
    """240 rows, 12 x 8 crossed groups; float x and z, an int count, a float32 and a
    uint column, a few NaN in y, x and z, and columns the shortcut must not take."""
    rng = np.random.default_rng(7)
    n = 240
    a, b = rng.integers(0, 12, n), rng.integers(0, 8, n)
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n).round(1),
                       "count": rng.integers(0, 9, n), "a": pd.Categorical(a),
                       "b": [f"b{v}" for v in b]})
    df["y"] = (1 + 0.5 * df["x"] - 0.3 * df["z"] + 0.1 * df["count"]
               + rng.normal(size=12)[a] + rng.normal(size=8)[b] + rng.normal(size=n))
    df["f32"] = df["x"].astype(np.float32)
    df["u"] = df["count"].astype(np.uint16)
    df["flag"] = df["x"] > 0
    df["obj"] = df["x"].astype(object)
    df["nullable"] = df["count"].astype("Int64")
    df["word"] = np.where(df["x"] > 0, "hi", "lo")
    df.loc[[3, 50], "y"] = np.nan
    df.loc[[7, 51], "x"] = np.nan
    df.loc[[11], "z"] = np.nan
    return df


@pytest.fixture
def patsy_only(monkeypatch):
    """Switch the shortcuts of the model frame off: patsy evaluates every fixed part,
    the model builds its random-effects terms from the frame and scans it for NaN."""
    def switch_off():
        monkeypatch.setattr(frame_module, "numeric_fixed_part", lambda *args: None)
        monkeypatch.setattr(frame_module, "random_terms", lambda *args: None)
    return switch_off


def both(patsy_only, make):
    """``make()`` with the shortcuts, then without them."""
    fast = make()
    patsy_only()
    return fast, make()


def assert_frames_identical(a, b):
    """Same values, labels and types, and the same memory layout of the values
    (statsmodels' arrays are views of them; later steps see the layout)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_index_type=True,
                                  check_column_type=True)
    va, vb = np.asarray(a), np.asarray(b)
    assert (va.flags.c_contiguous, va.flags.f_contiguous) == (vb.flags.c_contiguous,
                                                              vb.flags.f_contiguous)
    assert type(a.index) is type(b.index) and a.index.name == b.index.name
    assert type(a.columns) is type(b.columns) and a.columns.dtype == b.columns.dtype


def assert_specs_identical(a, b):
    """Two patsy DesignInfo objects with the same columns, terms, factors and codings."""
    assert type(a) is type(b) is patsy.DesignInfo
    assert a.column_names == b.column_names
    assert a.term_names == b.term_names and a.terms == b.terms
    assert a.term_name_slices == b.term_name_slices and a.term_slices == b.term_slices
    assert a.column_name_indexes == b.column_name_indexes
    assert a.describe() == b.describe()
    assert list(a.factor_infos) == list(b.factor_infos)
    for factor, fa in a.factor_infos.items():
        fb = b.factor_infos[factor]
        assert (fa.type, fa.num_columns, fa.categories) == (fb.type, fb.num_columns,
                                                            fb.categories)
        assert set(fa.state) == set(fb.state)
        for key in ("transforms", "eval_code", "memorize_code", "pass_bins"):
            assert fa.state[key] == fb.state[key]
        assert fa.state["eval_env"].flags == fb.state["eval_env"].flags
    for term in a.terms:
        sa, sb = a.term_codings[term], b.term_codings[term]
        assert [(s.factors, s.contrast_matrices, s.num_columns) for s in sa] == \
               [(s.factors, s.contrast_matrices, s.num_columns) for s in sb]


FORMULAS = ["y ~ 1", "y ~ x", "y ~ x + z", "y ~ 0 + x + z", "y ~ x + z - 1", "y ~ -1 + x",
            "y ~ z + x", "y ~ x + 1 + z - x + x", "y ~ x + x", "y ~ count + f32 + u",
            "count ~ x", "u ~ 1 + z", "f32 ~ x", "y ~ 1 + 0", "y ~ y + x", "y ~ x - z"]


@pytest.mark.parametrize("fixed", FORMULAS)
def test_frame_as_patsy_gives_it(data, patsy_only, fixed):
    parsed = parse_formula(fixed + " + (1 | a) + (1 | b)")
    assert numeric_fixed_part(parsed.fixed, data, {}) is not None      # the shortcut's
    fast, slow = both(patsy_only, lambda: build_model_frame(parsed, data, eval_env={}))
    assert_frames_identical(fast.endog, slow.endog)
    assert_frames_identical(fast.exog, slow.exog)
    assert_frames_identical(fast.groups, slow.groups)
    assert_frames_identical(fast.exog_re, slow.exog_re)
    assert fast.re_terms == slow.re_terms
    np.testing.assert_array_equal(fast.rows, slow.rows)
    assert fast.n_dropped == slow.n_dropped > 0
    assert_specs_identical(fast.model_spec, slow.model_spec)


@pytest.mark.parametrize("index", [
    pd.RangeIndex(240, name="row"), pd.RangeIndex(5, 245), pd.RangeIndex(0, 480, 2),
    pd.Index([f"r{i}" for i in range(240)]), pd.date_range("2020-01-01", periods=240),
    pd.Index(np.arange(240) % 100)],                         # not unique
    ids=["named", "offset", "step", "strings", "dates", "duplicates"])
def test_row_labels_as_patsy_gives_them(data, patsy_only, index):
    relabelled = data.set_axis(index, axis=0)
    parsed = parse_formula("y ~ x + z + (1 | a) + (1 | b)")
    fast, slow = both(patsy_only, lambda: build_model_frame(parsed, relabelled, eval_env={}))
    assert_frames_identical(fast.endog, slow.endog)
    assert_frames_identical(fast.exog, slow.exog)
    assert_frames_identical(fast.groups, slow.groups)
    assert_frames_identical(fast.exog_re, slow.exog_re)


def test_no_missing_value_keeps_every_row(data, patsy_only):
    complete = data.dropna(subset=["y", "x", "z"]).reset_index(drop=True)
    parsed = parse_formula("y ~ x + z + (1 | a) + (1 | b)")
    fast, slow = both(patsy_only, lambda: build_model_frame(parsed, complete, eval_env={}))
    assert fast.n_dropped == slow.n_dropped == 0
    assert_frames_identical(fast.endog, slow.endog)
    assert_frames_identical(fast.exog, slow.exog)
    assert_frames_identical(fast.groups, slow.groups)


def test_spec_builds_the_same_matrices_on_new_data(data, patsy_only):
    parsed = parse_formula("y ~ x + z + count + (1 | a)")
    fast, slow = both(patsy_only, lambda: build_model_frame(parsed, data, eval_env={}))
    new = data.iloc[[0, 7, 20, 11]].assign(x=[1.0, 2.0, np.nan, 4.0])
    for kwargs in ({}, {"return_type": "dataframe"}, {"NA_action": "drop"}):
        mats = [patsy.build_design_matrices([mf.model_spec], new, **kwargs)[0]
                for mf in (fast, slow)]
        np.testing.assert_array_equal(np.asarray(mats[0]), np.asarray(mats[1]))
    errors = []
    for mf in (fast, slow):
        try:
            patsy.build_design_matrices([mf.model_spec], new.drop(columns="z"))
        except patsy.PatsyError as exc:
            errors.append(str(exc))
    assert len(errors) == 2 and errors[0] == errors[1]


def test_spec_keeps_the_callers_names_as_patsy_does(data, patsy_only):
    """A name that is both a column and a variable of the caller: the column wins in the
    fit; new data without that column falls back to the caller's variable, as patsy's."""
    parsed = parse_formula("y ~ x + z + (1 | a)")
    env = {"z": np.arange(3.0), "unused": 1}
    fast, slow = both(patsy_only, lambda: build_model_frame(parsed, data, eval_env=env))
    assert_specs_identical(fast.model_spec, slow.model_spec)
    new = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    mats = [np.asarray(patsy.build_design_matrices([mf.model_spec], new)[0])
            for mf in (fast, slow)]
    np.testing.assert_array_equal(mats[0], mats[1])
    np.testing.assert_array_equal(mats[0][:, 2], env["z"])


def model_pair(patsy_only, formula, df, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return both(patsy_only, lambda: smc.crossedlm(formula, df, **kwargs).fit())


def test_model_results_and_inference_as_patsy_gives_them(data, patsy_only):
    fast, slow = model_pair(patsy_only, "y ~ x + z + count + (1 | a) + (1 | b)", data)
    for attr in ("endog", "exog"):
        a, b = getattr(fast.model, attr), getattr(slow.model, attr)
        np.testing.assert_array_equal(a, b)
        assert (a.flags.c_contiguous, a.flags.f_contiguous, a.flags.writeable) == \
               (b.flags.c_contiguous, b.flags.f_contiguous, b.flags.writeable)
    assert fast.model.exog_names == slow.model.exog_names
    assert fast.model.endog_names == slow.model.endog_names
    assert fast.model.k_constant == slow.model.k_constant
    assert fast.model.df_resid == slow.model.df_resid
    assert_frames_identical(fast.model.data.orig_exog, slow.model.data.orig_exog)
    assert_frames_identical(fast.model.group_frame, slow.model.group_frame)
    pd.testing.assert_index_equal(fast.model.data.row_labels, slow.model.data.row_labels,
                                  exact=True)
    np.testing.assert_array_equal(fast.params, slow.params)
    assert fast.llf == slow.llf
    assert fast.summary().as_text() == slow.summary().as_text()
    new = data.iloc[:25]
    pd.testing.assert_series_equal(fast.predict(new), slow.predict(new), check_exact=True)
    pd.testing.assert_series_equal(fast.predict(new, include_re=False),
                                   slow.predict(new, include_re=False), check_exact=True)
    for test in ("x = 0", "x = z", "2 * count - x = 1"):
        a, b = fast.t_test(test), slow.t_test(test)
        np.testing.assert_array_equal(a.effect, b.effect)
        np.testing.assert_array_equal(a.sd, b.sd)
    wa, wb = fast.wald_test("x = 0, z = 0", scalar=True), slow.wald_test("x = 0, z = 0",
                                                                         scalar=True)
    assert wa.statistic == wb.statistic and wa.pvalue == wb.pvalue
    pd.testing.assert_frame_equal(fast.anova(), slow.anova(), check_exact=True)


def test_intercept_only_model_as_patsy_gives_it(patsy_only):
    pen = smc.datasets.load("penicillin")
    fast, slow = model_pair(patsy_only, "diameter ~ 1 + (1 | plate) + (1 | sample)", pen)
    np.testing.assert_array_equal(fast.params, slow.params)
    assert fast.summary().as_text() == slow.summary().as_text()
    assert_specs_identical(fast.model.data.model_spec, slow.model.data.model_spec)
    new = pen.iloc[:10]
    pd.testing.assert_series_equal(fast.predict(new), slow.predict(new), check_exact=True)


def test_glmm_frames_take_the_shortcut_too(data, patsy_only):
    counts = data.assign(k=(data["y"] > 1).astype(int))
    assert numeric_fixed_part("k ~ x + z", counts, {}) is not None
    fast, slow = both(patsy_only, lambda: smc.crossedglm(
        "k ~ x + z + (1 | a)", counts, family=sm.families.Binomial()))
    np.testing.assert_array_equal(fast.exog, slow.exog)
    np.testing.assert_array_equal(fast.endog, slow.endog)
    assert_specs_identical(fast.data.model_spec, slow.data.model_spec)
    rf, rs = fast.fit(), slow.fit()
    np.testing.assert_array_equal(rf.params, rs.params)


def test_errors_and_missing_values_as_before(data, patsy_only):
    messages = []
    for switch in (lambda: None, patsy_only):
        switch()
        with pytest.raises(Exception) as missing:
            smc.crossedlm("y ~ x + (1 | a)", data, missing="raise")
        all_nan = data.assign(y=np.nan)
        with pytest.raises(DataError) as empty:
            smc.crossedlm("y ~ x + (1 | a)", all_nan)
        messages.append((type(missing.value), str(missing.value), str(empty.value)))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("fixed", [
    "y ~ C(count)", "y ~ x:z", "y ~ x * z", "y ~ I(x ** 2)", "y ~ np.log(count + 1)",
    "y ~ flag", "y ~ obj", "y ~ nullable", "y ~ word", "y ~ a", "flag ~ x", "y ~ b",
    "y ~ x + a", "y ~ (x + z) ** 2", "y + z ~ x", "y ~ x + 2"])
def test_other_fixed_parts_go_through_patsy(data, fixed, monkeypatch):
    """Anything but bare numeric columns reaches statsmodels' handle_formula_data."""
    assert numeric_fixed_part(fixed, data, {"np": np}) is None
    calls = []
    real = frame_module.handle_formula_data

    def spy(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(frame_module, "handle_formula_data", spy)
    parsed = parse_formula(fixed + " + (1 | a)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")        # 'a' in both parts (first_use's warning)
            build_model_frame(parsed, data, eval_env={"np": np})
    except DataError:
        pass                        # patsy refused it (a non-numeric response, a '2')
    assert calls == [fixed]


def test_bare_numeric_columns_never_reach_patsy(data, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("handle_formula_data called")

    monkeypatch.setattr(frame_module, "handle_formula_data", refuse)
    model = smc.crossedlm("y ~ x + count + (1 | a) + (1 | b)", data)
    assert model.exog_names == ["Intercept", "x", "count"]


def test_shortcut_only_with_patsy_and_a_namespace(data, monkeypatch):
    assert numeric_fixed_part("y ~ x", data, {}) is not None
    assert numeric_fixed_part("y ~ x", data, 0) is None                 # depth, not names
    assert numeric_fixed_part("y ~ x", data.rename(columns={"z": "x"}), {}) is None
    monkeypatch.setattr(statsmodels.formula.options, "_formula_engine", "formulaic")
    assert numeric_fixed_part("y ~ x", data, {}) is None
