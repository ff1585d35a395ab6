"""The GLMM fit's shortcuts against what they replace.

The NumPy deviance / mean / working-weight formulas against statsmodels' family
methods, the GLM start against statsmodels' GLM, the mode predictor on affine
functions, the theta scales on a known quadratic, warm and predicted PIRLS
starts against a cold start, and the string columns given to patsy as
Categoricals against the plain fit.
"""
import copy
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.genmod.generalized_linear_model import GLM

import statsmodels_crossed.api as smc
from statsmodels_crossed.deviance.glmm import GLMMResponse
from statsmodels_crossed.deviance.laplace import ModePredictor
from statsmodels_crossed.deviance.pirls import NewtonConstant
from statsmodels_crossed.optim.glmm import theta_scales
from tests.glmm.brute_force import simulated

L = sm.families.links


def _statsmodels_paths(resp):
    """The same response with every shortcut off (statsmodels' own methods)."""
    slow = copy.copy(resp)
    slow._fast = copy.copy(resp._fast)
    slow._fast.has_mu = slow._fast.has_deviance = slow._fast.has_working = False
    return slow


def _responses():
    rng = np.random.default_rng(7)
    n = 500
    eta = rng.normal(0, 2, n)
    eta[:4] = [40.0, -40.0, 800.0, -800.0]          # means at the edges of the range
    cases = [
        ("binary-logit", sm.families.Binomial(), rng.integers(0, 2, n).astype(float),
         np.ones(n), eta),
        ("proportion-logit", sm.families.Binomial(), rng.integers(0, 6, n) / 5.0,
         np.full(n, 5.0), eta),
        ("binary-probit", sm.families.Binomial(L.Probit()),
         rng.integers(0, 2, n).astype(float), np.ones(n), eta),
        ("poisson-log", sm.families.Poisson(), rng.poisson(3, n).astype(float),
         rng.uniform(0.5, 2.0, n), np.clip(eta, -30, 30)),
    ]
    return [(name, GLMMResponse(fam, y, w, rng.normal(size=n)), e)
            for name, fam, y, w, e in cases]


@pytest.mark.parametrize("name,resp,eta", _responses(), ids=[c[0] for c in _responses()])
def test_numpy_formulas_match_statsmodels(name, resp, eta):
    slow = _statsmodels_paths(resp)
    mu, mu_sm = resp.mu(eta), slow.mu(eta)
    np.testing.assert_allclose(mu, mu_sm, rtol=1e-15, atol=0)
    np.testing.assert_allclose(resp.deviance(mu), slow.deviance(mu), rtol=1e-13)
    W, z = resp.working(eta, mu)
    W_sm, z_sm = slow.working(eta, mu)
    np.testing.assert_allclose(W, W_sm, rtol=1e-14, atol=0)
    np.testing.assert_allclose(z, z_sm, rtol=1e-14, atol=1e-12)


def test_invalid_means_give_an_infinite_deviance():
    y = np.array([0.0, 1.0, 2.0])
    pois = GLMMResponse(sm.families.Poisson(L.Sqrt()), y, np.ones(3), np.zeros(3))
    assert pois.deviance(np.array([1.0, -0.5, 2.0])) == np.inf       # sqrt link: mu < 0
    assert pois.deviance(np.array([1.0, 0.5, np.nan])) == np.inf
    binom = GLMMResponse(sm.families.Binomial(L.Log()), np.array([0.0, 1.0]), np.ones(2),
                         np.zeros(2))
    assert binom.deviance(np.array([0.5, 1.5])) == np.inf            # log link: mu > 1
    logit = GLMMResponse(sm.families.Binomial(), np.array([0.0, 1.0]), np.ones(2), np.zeros(2))
    assert np.isfinite(logit.deviance(logit.mu(np.array([-1.0, 1.0]))))


@pytest.mark.parametrize("formula,family", [
    ("count ~ x + offset(np.log(t)) + (1 | a)", sm.families.Poisson),
    ("binary ~ x + (1 | a)", sm.families.Binomial),
    ("succ + fail ~ x + (1 | a)", lambda: sm.families.Binomial(L.CLogLog())),
    ("gamma ~ x + (1 | a)", lambda: sm.families.Gamma(L.Log())),
])
def test_glm_start_is_statsmodels_glm(formula, family):
    model = smc.glmer(formula, simulated(), family=family())
    resp, X = model.response, model._X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = GLM(resp.y, X, family=copy.copy(resp.glm_family), offset=resp.offset,
                   var_weights=resp.weights).fit(tol=1e-12).params
    np.testing.assert_allclose(resp.glm_beta(X, tol=1e-12), want, rtol=1e-7, atol=1e-9)


def _state(v, q):
    return SimpleNamespace(u=v[:q], beta=v[q:])


def test_mode_predictor_is_exact_for_affine_modes():
    rng = np.random.default_rng(3)
    d, q = 3, 5
    a, J = rng.normal(size=q + 1), rng.normal(size=(d, q + 1))
    pred = ModePredictor(d)
    assert pred.predict(np.zeros(d)) is None
    x0 = rng.normal(size=d)
    pred.add(x0, _state(a + x0 @ J, q))
    np.testing.assert_array_equal(pred.predict(x0 + 1.0), a + x0 @ J)    # one point: its modes
    for _ in range(2 * d):
        x = rng.normal(size=d)
        pred.add(x, _state(a + x @ J, q))
    x = rng.normal(size=d)
    np.testing.assert_allclose(pred.predict(x), a + x @ J, rtol=1e-8, atol=1e-8)


def test_mode_predictor_within_the_span_of_its_points():
    """Points on a line determine J along it only; a new point on the line is exact."""
    q = 4
    a, j = np.arange(q + 1.0), np.linspace(-1, 1, q + 1)
    pred = ModePredictor(2)
    for t in (0.0, 0.5, 1.0):
        pred.add(np.array([t, 2 * t]), _state(a + t * j, q))
    np.testing.assert_allclose(pred.predict(np.array([0.25, 0.5])), a + 0.25 * j, atol=1e-8)


def test_newton_constant():
    c = NewtonConstant()
    assert c.error_after(1e-8) == np.inf
    c.observe(1e-6, 1e-3)                 # C = 1
    c.observe(1e-15, 1e-7)                # at the rounding floor: ignored
    c.observe(5e-4, 1e-3)                 # not quadratic (rate 0.5): ignored
    assert c.values == [pytest.approx(1.0)]
    assert c.error_after(1e-7) == pytest.approx(c.safety * 1e-14)


def test_theta_scales_of_a_quadratic():
    """f = sum c_i theta_i^2 / 2 + ...: s_i = (c_i / 2)^{-1/2}, capped at 1."""
    curv = np.array([400.0, 50.0, 0.5])

    class Quadratic:
        state = None

        def components(self, theta, beta, phi, start=None):
            self.state = SimpleNamespace(u=np.zeros(1), beta=beta)
            return SimpleNamespace(objective=0.5 * float(curv @ (theta - 0.3) ** 2))

    evaluated = []
    scale = theta_scales(Quadratic(), np.array([1.0, 0.001, 2.0]), np.zeros(1), 1.0,
                         np.zeros(3), evaluated=evaluated)
    np.testing.assert_allclose(scale, [np.sqrt(2 / 400), np.sqrt(2 / 50), 1.0], rtol=1e-8)
    assert len(evaluated) == 7


def test_predicted_and_warm_starts_reach_the_cold_modes():
    model = smc.glmer("binary ~ x + (1 | a) + (1 | b)", simulated(), family=sm.families.Binomial())
    theta, beta = np.array([0.6, 0.4]), np.array([-0.2, 0.5])
    cold = model.objective()
    want = cold.components(theta, beta)
    u_cold = cold.state.u.copy()
    obj = model.objective()
    obj.components(theta * 1.3, beta + 0.1)                        # warm: other parameters
    got = obj.components(theta, beta)
    np.testing.assert_allclose(got.objective, want.objective, rtol=1e-13)
    np.testing.assert_allclose(obj.state.u, u_cold, atol=1e-11)
    far = np.concatenate([u_cold + 0.5, beta])                      # a poor prediction
    got = obj.components(theta, beta, start=far)
    np.testing.assert_allclose(got.objective, want.objective, rtol=1e-13)
    np.testing.assert_allclose(obj.state.u, u_cold, atol=1e-11)


def test_string_columns_reach_patsy_as_categoricals():
    data = simulated()
    data["grp"] = np.where(data["x"] > 0, "hi", "lo")                # plain strings
    data["miss"] = pd.Series(np.where(data["x"] > 1, None, "k"), dtype=object)
    formula = "binary ~ grp + x + (1 | a)"
    plain = smc.glmer(formula, data, family=sm.families.Binomial())
    cats = data.assign(grp=pd.Categorical(data["grp"]))
    want = smc.glmer(formula, cats, family=sm.families.Binomial())
    assert list(plain.exog_names) == list(want.exog_names) == ["Intercept", "grp[T.lo]", "x"]
    np.testing.assert_array_equal(np.asarray(plain.exog), np.asarray(want.exog))
    assert plain.data.frame["grp"].dtype == data["grp"].dtype       # the caller's data kept
    res = plain.fit()
    np.testing.assert_allclose(res.predict(data.iloc[:5]),
                               want.fit().predict(data.iloc[:5]), rtol=1e-10)
    with_missing = smc.glmer("binary ~ miss + x + (1 | a)", data, family=sm.families.Binomial())
    assert with_missing.nobs == int((data["x"] <= 1).sum())
