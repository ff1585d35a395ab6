"""Persistence: results pickle and unpickle, statsmodels' ``save``/``load`` and
``remove_data()``; a loaded result predicts and summarizes identically.

What a pickle holds: the model and its data (as statsmodels), the estimates; not
patsy's DesignInfo objects (they do not pickle: rebuilt from the formula and
``data.frame`` on loading), not the cross-product blocks nor the fitted
factorization (rebuilt from the data on first use, e.g. by ``condvar_b``).
"""
import io
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import statsmodels_crossed.api as smc
from tests.reliability.generate import Design, make_frame, make_model, quietly

SLEEP = smc.datasets.load("sleepstudy")
NEW = pd.DataFrame({"Days": [0.0, 3.0, 9.5, 2.0], "Subject": [308, 309, 372, 999]})


def _fit(formula="Reaction ~ Days + (Days | Subject)", data=SLEEP, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smc.crossedlm(formula, data).fit(**kwargs)


def roundtrip(res):
    return pickle.loads(pickle.dumps(res))


def assert_identical(loaded, res, newdata=NEW):
    """Estimates, tables and predictions equal, to the last bit."""
    for name in ("params", "bse", "theta", "tvalues"):
        np.testing.assert_array_equal(np.asarray(getattr(loaded, name)),
                                      np.asarray(getattr(res, name)), err_msg=name)
    assert (loaded.llf, loaded.scale, loaded.aic, loaded.bic) == (res.llf, res.scale,
                                                                  res.aic, res.bic)
    pd.testing.assert_frame_equal(loaded.conf_int(), res.conf_int())
    pd.testing.assert_frame_equal(loaded.varcorr(), res.varcorr())
    for g in res.random_effects:
        pd.testing.assert_index_equal(loaded.random_effects[g].index,
                                      res.random_effects[g].index)
        np.testing.assert_array_equal(np.asarray(loaded.random_effects[g]),
                                      np.asarray(res.random_effects[g]))
    assert str(loaded.summary()) == str(res.summary())
    if newdata is not None:
        for include_re in (True, False):
            pd.testing.assert_series_equal(loaded.predict(newdata, include_re=include_re),
                                           res.predict(newdata, include_re=include_re))


@pytest.mark.parametrize("factorization", ["blocked", "cholmod"])
def test_pickle_roundtrip(factorization):
    res = _fit(factorization=factorization)
    loaded = roundtrip(res)
    assert type(loaded) is type(res)
    assert_identical(loaded, res)
    np.testing.assert_array_equal(np.asarray(loaded.fittedvalues), np.asarray(res.fittedvalues))
    # the factorization is rebuilt on demand, at the fitted theta
    for a, b in zip(loaded.condvar_b, res.condvar_b):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert loaded.factorization == res.factorization


def test_pickle_leaves_out_the_factorization_and_the_blocks():
    res = _fit()
    res.condvar_b                               # the factor has been used
    state = res._results.__getstate__()
    assert "_fitted_objective" not in state
    assert "crossprod" not in res.model.__getstate__()
    assert res.model.__dict__.get("crossprod") is not None   # still cached in memory


def test_save_and_load(tmp_path):
    res = _fit("Reaction ~ Days + (Days || Subject)", reml=False)
    path = tmp_path / "fit.pickle"
    res.save(path)
    loaded = smc.CrossedLMResults.load(path)
    assert_identical(loaded, res)
    buf = io.BytesIO()
    res.save(buf)
    buf.seek(0)
    assert_identical(type(res).load(buf), res)


def test_remove_data_keeps_estimates_summary_and_prediction(tmp_path):
    res = _fit()
    summary = str(res.summary())
    predicted = res.predict(NEW)
    random_effects = res.random_effects["Subject"].copy()
    res.remove_data()
    inner = res._results
    assert inner.fittedvalues is None and inner.resid is None and res.model.exog is None
    assert all(len(t.codes) == 0 for t in res.reterms)
    assert str(res.summary()) == summary
    pd.testing.assert_series_equal(res.predict(NEW), predicted)
    path = tmp_path / "small.pickle"
    res.save(path)
    loaded = smc.CrossedLMResults.load(path)
    assert str(loaded.summary()) == summary
    pd.testing.assert_series_equal(loaded.predict(NEW), predicted)
    pd.testing.assert_frame_equal(loaded.random_effects["Subject"], random_effects)


def test_remove_data_drops_the_arrays_of_length_n():
    """Without a data frame (array interface), the pickle no longer grows with n."""
    sizes = {}
    for n in (2_000, 20_000):
        d = Design("crossed", (20, 15, 2), n, True, True, True, 1)
        frame = make_frame(d)
        X = np.column_stack([np.ones(n), frame["x"], frame["z"]])
        model = smc.CrossedLM(frame["y"].to_numpy(), X, frame[["g0", "g1"]],
                              exog_re=pd.DataFrame({"Intercept": np.ones(n)}),
                              weights=frame["w"].to_numpy())
        res = quietly(model.fit)
        res.condvar_b
        full = len(pickle.dumps(res))
        res.remove_data()
        sizes[n] = (full, len(pickle.dumps(res)))
    (full_small, removed_small), (full_big, removed_big) = sizes[2_000], sizes[20_000]
    assert full_big > 5 * full_small                     # the full pickle grows with n
    assert removed_big < 1.1 * removed_small             # the stripped one does not
    assert removed_big < full_big / 20


def test_remove_data_of_a_formula_fit_keeps_only_the_data_frame():
    """A formula fit keeps ``data.frame`` (to rebuild the formula's design on loading,
    as statsmodels does) and nothing else of length n."""
    d = Design("crossed", (20, 15, 2), 20_000, True, True, True, 1)
    frame = make_frame(d)
    res = quietly(make_model(d, frame).fit)
    full = len(pickle.dumps(res))
    res.remove_data()
    removed, data = len(pickle.dumps(res)), len(pickle.dumps(frame))
    assert full > 3 * data
    assert removed < data + 20_000


def test_after_remove_data_data_hungry_quantities_say_so():
    res = _fit()
    res.remove_data()
    with pytest.raises(ValueError, match="remove_data"):
        res.condvar_b
    computed_first = _fit()
    cv = [c.copy() for c in computed_first.condvar_b]
    computed_first.remove_data()
    loaded = roundtrip(computed_first)
    for a, b in zip(loaded.condvar_b, cv):
        np.testing.assert_array_equal(a, b)


def test_formula_with_numpy_functions_predicts_after_loading():
    frame = SLEEP.assign(logR=np.log(SLEEP["Reaction"]))
    res = _fit("np.log(Reaction) ~ np.sqrt(Days + 1) + (1 | Subject)", frame)
    assert_identical(roundtrip(res), res)


def _double(x):
    return 2 * x


def test_formula_with_caller_names_loads_and_says_why_it_cannot_predict():
    """A formula using a name of the caller's namespace loads; predicting new data
    needs that name, and says so."""
    res = _fit("Reaction ~ _double(Days) + (1 | Subject)")
    loaded = roundtrip(res)
    assert_identical(loaded, res, newdata=None)
    pd.testing.assert_series_equal(loaded.predict(), res.predict())
    with pytest.raises(ValueError, match="could not be rebuilt after unpickling"):
        loaded.predict(NEW)


def test_array_model_roundtrip():
    d = Design("nested", (4, 3, 2), 80, True, False, False, 5)
    model = make_model(d)
    res = quietly(model.fit, reml=False)
    loaded = roundtrip(res)
    assert_identical(loaded, res, newdata=make_frame(d).iloc[:7])
    frame = make_frame(d)
    X = np.column_stack([np.ones(len(frame)), frame["x"], frame["z"]])
    arrays = smc.CrossedLM(frame["y"], X, frame[["g0"]])
    res = quietly(arrays.fit)
    assert_identical(roundtrip(res), res, newdata=None)


def test_glmm_roundtrip():
    import statsmodels.api as sm

    cbpp = smc.datasets.load("cbpp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = smc.crossedglm("incidence + I(size - incidence) ~ period + (1 | herd)", cbpp,
                             family=sm.families.Binomial()).fit()
    loaded = roundtrip(res)
    np.testing.assert_array_equal(np.asarray(loaded.params), np.asarray(res.params))
    assert loaded.llf == res.llf
    assert str(loaded.summary()) == str(res.summary())
    np.testing.assert_array_equal(np.asarray(loaded.predict(cbpp.iloc[:6])),
                                  np.asarray(res.predict(cbpp.iloc[:6])))
