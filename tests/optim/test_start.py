"""Starting values: the all-columns residual variance and the choice among starts."""
import numpy as np
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.optim import start
from tests.models.reference import reference_data
from tests.results import load_case


def _model(case_name):
    case = load_case(case_name)
    return case, smc.crossedlm(case["formula"], reference_data(case), weights=case["weights"])


def test_residual_variance_is_the_anova_estimate_on_a_balanced_crossed_design():
    # Penicillin is balanced and fully crossed: REML's sigma^2 equals the
    # residual mean square of the two-way additive ANOVA (no variance at 0).
    case, model = _model("penicillin_reml")
    obj = model.objective(reml=True)
    s2 = start.residual_variance(obj, model.crossprod)
    np.testing.assert_allclose(s2, case["sigma"] ** 2, rtol=1e-5)


def _counting_components(monkeypatch, obj):
    calls = []
    components = obj.components
    monkeypatch.setattr(obj, "components", lambda theta: calls.append(theta) or components(theta))
    return calls


def test_residual_variance_by_conjugate_gradients_where_an_evaluation_is_costly(monkeypatch):
    case, model = _model("penicillin_reml")
    small = model.objective(reml=True)                            # a 7 x 7 dense block
    calls = _counting_components(monkeypatch, small)
    by_factor = start.residual_variance(small, model.crossprod)
    assert len(calls) == 1 and np.all(np.asarray(calls[0]) == start.LARGE_THETA)
    sparse = model.objective(reml=True, factorization="cholmod")  # no dense block
    calls = _counting_components(monkeypatch, sparse)
    by_cg = start.residual_variance(sparse, model.crossprod)
    assert calls == []
    assert by_factor == pytest.approx(by_cg, rel=1e-5)   # the large theta's 1e-6 penalty
    monkeypatch.setattr(start, "residual_sum_of_squares", lambda cp: None)   # CG failed
    assert start.residual_variance(sparse, model.crossprod) == pytest.approx(by_factor)
    assert len(calls) == 1


def test_residual_variance_refuses_when_the_columns_use_up_the_rows():
    import pandas as pd
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"g": np.repeat(np.arange(20), 2), "y": rng.normal(size=40)})
    model = smc.crossedlm("y ~ 1 + (1 | g)", d)     # 40 rows, 20 levels: 20 df
    assert start.residual_variance(model.objective(True), model.crossprod) is not None
    d = pd.DataFrame({"g": np.repeat(np.arange(35), 1).tolist() + [0] * 5,
                      "y": rng.normal(size=40)})
    model = smc.crossedlm("y ~ 1 + (1 | g)", d)     # 35 levels: 5 df left
    assert start.residual_variance(model.objective(True), model.crossprod) is None


def test_best_start_is_the_lowest_candidate_and_close_on_penicillin():
    case, model = _model("penicillin_reml")
    obj = model.objective(reml=True)
    cp = model.crossprod
    theta0 = start.best_start(obj, cp)
    within = start.moment_start(cp, obj.theta_map)
    f0 = obj(theta0)
    assert f0 <= obj(within) and f0 < obj(obj.theta_map.start())
    optimum = obj(np.array(case["theta"]))
    assert f0 - optimum < 0.5 < obj(within) - optimum     # 0.13 against 23
