"""PIRLS, the Laplace and AGQ deviance against independent dense computations.

The conditional modes and the Laplace value come from ``brute_force.DenseGLMM``
(scipy trust-region Newton on the penalized deviance, dense log-determinant, the
families' own statsmodels primitives), the exact marginal likelihood of one-term
models from numerical integration; nothing here reuses the package's PIRLS.
"""
import numpy as np
import pytest
import statsmodels.api as sm

import statsmodels_crossed.api as smc
from statsmodels_crossed.deviance.laplace import deviance_hessian
from statsmodels_crossed.deviance.pirls import PIRLS
from tests.glmm.brute_force import DenseGLMM, simulated
from tests.glmm.reference import dense_z

L = sm.families.links

#: (name, formula, family factory, dispersion, theta, beta)
MODELS = [
    ("poisson-offset", "count ~ x + offset(log(t)) + (1 | a) + (1 | b)", sm.families.Poisson,
     1.0, [0.5, 0.3], [0.3, 0.5]),
    ("binomial-probit", "succ + fail ~ x + (1 | a) + (1 | b)",
     lambda: sm.families.Binomial(L.Probit()), 1.0, [0.3, 0.2], [0.1, 0.3]),
    ("binomial-cloglog", "binary ~ x + (1 | a) + (1 | b)",
     lambda: sm.families.Binomial(L.CLogLog()), 1.0, [0.4, 0.3], [-0.3, 0.4]),
    ("gamma-log", "gamma ~ x + (1 | a) + (1 | b)", lambda: sm.families.Gamma(L.Log()),
     0.25, [0.45, 0.35], [0.3, 0.5]),
    ("invgauss-log", "invgauss ~ x + (1 | a) + (1 | b)",
     lambda: sm.families.InverseGaussian(L.Log()), 0.2, [0.4, 0.4], [0.3, 0.5]),
    ("negbin", "count ~ x + (1 | a) + (1 | b)",
     lambda: sm.families.NegativeBinomial(alpha=0.5), 1.0, [0.5, 0.3], [0.8, 0.5]),
]


@pytest.fixture(scope="module")
def data():
    return simulated()


def dense_model(formula, data, family):
    model = smc.glmer(formula, data, family=family())
    resp = model.response
    trials = resp.weights if resp.binomial else None
    dense = DenseGLMM(family(), resp.y, model._X, resp.offset, trials=trials,
                      weights=None if resp.binomial else resp.weights)
    return model, dense


@pytest.mark.parametrize("name,formula,family,phi,theta,beta", MODELS,
                         ids=[m[0] for m in MODELS])
def test_laplace_and_modes_against_dense(data, name, formula, family, phi, theta, beta):
    model, dense = dense_model(formula, data, family)
    obj = model.objective()
    comp = obj.components(np.array(theta), np.array(beta), phi)
    want, u = dense.laplace(np.array(beta), dense_z(model, theta), phi)
    np.testing.assert_allclose(comp.objective, want, rtol=1e-9)
    np.testing.assert_allclose(obj.state.u, u, rtol=0, atol=1e-7)
    assert obj.state.converged


@pytest.mark.parametrize("name,formula,family,phi,theta,beta", MODELS[:4],
                         ids=[m[0] for m in MODELS[:4]])
def test_joint_pirls_against_dense(data, name, formula, family, phi, theta, beta):
    """nAGQ = 0: (u, beta) minimize the penalized deviance jointly."""
    model, dense = dense_model(formula, data, family)
    obj = model.objective(nagq=0)
    comp = obj.components(np.array(theta), phi)
    ZL = dense_z(model, theta)
    p = dense.X.shape[1]

    def f(v):
        return dense.pdev(v[p:], v[:p], ZL, phi)

    start = np.concatenate([obj.state.beta + 0.05, np.zeros(ZL.shape[1])])
    best = __import__("scipy").optimize.minimize(f, start, method="BFGS",
                                                 options={"gtol": 1e-9}).x
    np.testing.assert_allclose(obj.state.beta, best[:p], atol=2e-5)
    np.testing.assert_allclose(f(np.concatenate([obj.state.beta, obj.state.u])), f(best),
                               rtol=1e-10)
    laplace, _ = dense.laplace(obj.state.beta, ZL, phi)
    np.testing.assert_allclose(comp.objective, laplace, rtol=1e-9)


@pytest.mark.parametrize("formula,family,theta,beta", [
    ("incidence + I(size - incidence) ~ period + (1 | herd)", sm.families.Binomial, 0.8,
     [-1.3, -1.0, -1.1, -1.5]),
    ("TICKS ~ YEAR + sHEIGHT + (1 | BROOD)", sm.families.Poisson, 1.1, [0.4, 1.1, -1.0, -0.8])])
def test_agq_against_numerical_integration(formula, family, theta, beta):
    dset = "cbpp" if "herd" in formula else "grouseticks"
    model = smc.glmer(formula, smc.datasets.load(dset), family=family())
    resp = model.response
    dense = DenseGLMM(family(), resp.y, model._X, resp.offset,
                      trials=resp.weights if resp.binomial else None)
    exact = dense.integrated(np.array(beta), theta, model.reterms[0].codes)
    agq = model.objective(nagq=25)(np.array([theta]), np.array(beta))
    np.testing.assert_allclose(agq, exact, rtol=1e-9)
    laplace = model.objective(nagq=1)(np.array([theta]), np.array(beta))
    assert abs(laplace - exact) > 1e-4 * abs(exact)          # the approximation differs
    np.testing.assert_allclose(model.objective(nagq=1)(np.array([theta]), np.array(beta)),
                               laplace, rtol=0)


def test_gamma_agq_against_numerical_integration(data):
    model, dense = dense_model("gamma ~ x + (1 | a)", data, lambda: sm.families.Gamma(L.Log()))
    beta, sd, phi = np.array([0.3, 0.5]), 0.45, 0.25
    exact = dense.integrated(beta, sd, model.reterms[0].codes, phi)
    np.testing.assert_allclose(model.objective(nagq=20)(np.array([sd]), beta, phi), exact,
                               rtol=1e-9)


def test_factorizations_agree(data):
    model = smc.glmer("gamma ~ x + (1 | a) + (1 | b)", data,
                      family=sm.families.Gamma(L.Log()))
    point = (np.array([0.45, 0.35]), np.array([0.3, 0.5]), 0.25)
    blocked = model.objective(factorization="blocked")(*point)
    cholmod = model.objective(factorization="cholmod")(*point)
    np.testing.assert_allclose(blocked, cholmod, rtol=1e-10)


def test_warm_start_gives_the_same_value(data):
    model = smc.glmer("count ~ x + (1 | a) + (1 | b)", data, family=sm.families.Poisson())
    a = (np.array([0.3, 0.2]), np.array([0.2, 0.4]))
    b = (np.array([0.6, 0.5]), np.array([0.5, 0.6]))
    warm = model.objective()
    warm(*a)
    cold = model.objective()
    np.testing.assert_allclose(warm(*b), cold(*b), rtol=1e-13)
    assert warm.state.iterations < model.objective().pirls.maxit


def test_objective_is_smooth_enough_for_a_hessian(data):
    """PIRLS converged to rounding: a finite-difference Hessian is symmetric and stable."""
    model = smc.glmer("count ~ x + (1 | a) + (1 | b)", data, family=sm.families.Poisson())
    obj = model.objective()
    x0 = np.array([0.5, 0.3, 0.3, 0.5])

    def f(x):
        return obj(x[:2], x[2:])

    _, g1, H1 = deviance_hessian(f, x0, 1e-4)
    _, g2, H2 = deviance_hessian(f, x0, 2e-4)
    np.testing.assert_allclose(H1, H2, rtol=1e-3, atol=1e-3 * np.abs(H1).max())
    np.testing.assert_allclose(g1, g2, rtol=1e-5, atol=1e-6)


def test_pirls_reports_non_convergence(data):
    model = smc.glmer("count ~ x + (1 | a) + (1 | b)", data, family=sm.families.Poisson())
    obj = model.objective(maxit_pirls=1)
    assert obj(np.array([1.0, 1.0]), np.array([0.3, 0.5])) == np.inf
    assert not obj.state.converged
    assert "did not converge" in obj.state.message


def test_pirls_run_directly(data):
    """The stage is public: PIRLS on a model's pieces returns the modes and pdev."""
    model = smc.glmer("count ~ x + (1 | a) + (1 | b)", data, family=sm.families.Poisson())
    pirls = PIRLS(model.response, model.reterms, model._X, joint=False)
    lambdas = [np.array([[0.5]]), np.array([[0.3]])]
    state = pirls.run(lambdas, np.array([0.3, 0.5]))
    assert state.converged and state.iterations < 10
    dense = DenseGLMM(sm.families.Poisson(), model.response.y, model._X)
    ZL = dense_z(model, [0.5, 0.3])
    u = dense.modes(np.array([0.3, 0.5]), ZL)
    np.testing.assert_allclose(state.u, u, atol=1e-7)
    assert state.pdev == pytest.approx(np.sum(model.response.dev_resid2(state.mu)) + u @ u,
                                       rel=1e-12)


def test_iterate_error_estimates():
    from statsmodels_crossed.deviance.pirls import iterate_error

    # quadratic convergence e_k = C e_{k-1}^2 (C = 0.5): steps 1e-2, 5e-5, 1.25e-9
    assert iterate_error(5e-5, 1e-2, newton=True) == pytest.approx(5e-5 * (5e-3) ** 2)
    # the true error after a step of 1.25e-9 is 0.5 * 1.25e-9^2: the estimate finds it
    assert iterate_error(1.25e-9, 5e-5, newton=True) == pytest.approx(0.5 * 1.25e-9 ** 2)
    # linear convergence at rate 0.3: the geometric tail
    assert iterate_error(3e-7, 1e-6, newton=False) == pytest.approx(3e-7 * 0.3 / 0.7)
    assert iterate_error(1e-7, 1e-7, newton=False) == np.inf
    assert iterate_error(1e-3, np.inf, newton=True) == np.inf
