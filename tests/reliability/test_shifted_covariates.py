"""A covariate far from zero: ``x -> x + c`` changes only the intercept, by ``-c slope``.

The exact identity: the column space of [1, x + c, z] is that of [1, x, z], so
theta, sigma, the criterion, the slopes, their standard errors and the BLUPs are
unchanged, and the intercept becomes ``b0 - c b1``.  Raw cross products of
``x + 1e6`` made the Schur complement of X cancel catastrophically (theta off by
1e-1, the criterion by 6e-4 relative at a fixed theta); the blocks now hold the
centred columns (design.centering).

The un-centred computation (``Centering.of`` patched to the identity) is the
reference on ordinary data: vcov(beta), Satterthwaite and Kenward-Roger df and
leverages must be unchanged by centring (the lme4 reference tests check the
values themselves).
"""
import functools
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import statsmodels_crossed.api as smc
from statsmodels_crossed import datasets
from statsmodels_crossed.design.centering import Centering
from tests.models.reference import assert_close

SHIFTS = [1e4, 1e6, 1e8]
#: (shift, SD of x): what matters is c / SD (1e4 and 1e6 with SD 1 as in the issue);
#: x + 1e8 needs SD 30 to pass the rank check, |x - mean| / |x + c| > 1e-7
LMM_SHIFTS = [(1e4, 1.0), (1e6, 1.0), (1e8, 30.0)]
KINDS = ["blocked", "cholmod"]
FORMULA = "y ~ x + z + (1 | g) + (1 | h)"


def frame(seed=1, n=600, glmm=False, sd=30.0):
    """Crossed g (25 levels) x h (20), x with SD ``sd``, z near 0."""
    rng = np.random.default_rng(seed)
    g, h = rng.integers(0, 25, n), rng.integers(0, 20, n)
    x, z = rng.normal(0, sd, n), rng.normal(0, 1, n)
    eta = 1.5 / sd * x + 0.3 * z + rng.normal(0, 0.6, 25)[g] + rng.normal(0, 0.4, 20)[h]
    y = (rng.poisson(np.exp(eta - 0.3)) if glmm
         else 2.0 + eta + rng.normal(0, 1, n))
    return pd.DataFrame({"y": y, "x": x, "z": z, "g": [f"g{i}" for i in g],
                         "h": [f"h{i}" for i in h]})


def shifted(data, c):
    out = data.copy()
    out["x"] = out["x"] + c
    return out


@functools.lru_cache(maxsize=None)
def lmm_fit(c, sd, kind):
    """(model, results) of the REML fit with x shifted by c (c = 0: the data as drawn)."""
    model = smc.lmer(FORMULA, shifted(frame(sd=sd), c))
    return model, model.fit(factorization=kind)


def rel(actual, desired):
    actual, desired = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    return np.max(np.abs(actual - desired) / np.abs(desired))


def expected_beta(beta, c):
    """The coefficients of [1, x + c, z] from those of [1, x, z]."""
    beta = np.asarray(beta, dtype=float).copy()
    beta[0] -= c * beta[1]
    return beta


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("c, sd", LMM_SHIFTS)
def test_lmm_fit_is_invariant_to_a_shifted_covariate(c, sd, kind):
    _, r0 = lmm_fit(0.0, sd, kind)
    _, r = lmm_fit(c, sd, kind)
    assert list(r.params.index) == ["Intercept", "x", "z"]
    assert rel(r.theta, r0.theta) < 1e-7
    assert rel(r.sigma, r0.sigma) < 1e-7
    assert rel(r.params, expected_beta(r0.params, c)) < 1e-7     # intercept, slopes
    assert rel(r.bse[1:], r0.bse[1:]) < 1e-7
    assert abs(r.llf - r0.llf) < 1e-7


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("c, sd", LMM_SHIFTS)
def test_lmm_at_a_fixed_theta(c, sd, kind):
    """At the same theta every quantity is a fixed function of the data: the identity
    holds to rounding (before centring: 1e-3 relative at c = 1e6)."""
    _, r0 = lmm_fit(0.0, sd, kind)
    model, _ = lmm_fit(c, sd, kind)
    r = model.results_at(r0.theta, factorization=kind)
    assert abs(r.llf - r0.llf) < 1e-10 * abs(r0.llf)
    assert rel(r.sigma, r0.sigma) < 1e-10
    assert rel(r.params, expected_beta(r0.params, c)) < 1e-10
    assert rel(r.bse[1:], r0.bse[1:]) < 1e-10
    # the intercept's variance moves as c^2 var(b1) - 2 c cov(b0, b1) + var(b0)
    V0 = np.asarray(r0.cov_params())
    v00 = V0[0, 0] - 2 * c * V0[0, 1] + c * c * V0[1, 1]
    assert rel(np.asarray(r.cov_params())[0, 0], v00) < 1e-9
    for name, b0 in r0.random_effects.items():
        assert_close(r.random_effects[name], b0, rtol=0, atol=1e-9 * np.abs(b0).max())


def glmm_data(c, family):
    data = shifted(frame(seed=2, glmm=True), c)
    if isinstance(family, sm.families.Binomial):
        data["y"] = (data["y"] > 0).astype(float)
    return data


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("family", [sm.families.Poisson(), sm.families.Binomial()],
                         ids=["poisson", "binomial"])
def test_glmm_pirls_at_a_fixed_theta(family, kind):
    """The joint PIRLS (nAGQ = 0: u and beta) reweights the centred blocks with the
    centring of construction and reads beta in the original coordinates: at a fixed
    theta the deviance, u and the shifted beta agree to rounding (before centring:
    PIRLS failed at c = 1e6 and the deviance was off by 5e-5 at c = 1e8)."""
    theta = np.array([0.6, 0.4])

    def pirls(c):
        obj = smc.glmer(FORMULA, glmm_data(c, family), family=family).objective(
            nagq=0, factorization=kind)
        dev = obj(theta)
        assert obj.state.converged
        return dev, obj.state.beta.copy(), obj.state.u.copy()

    dev0, beta0, u0 = pirls(0.0)
    for c in SHIFTS:
        dev, beta, u = pirls(c)
        assert abs(dev / dev0 - 1) < 1e-10, c
        assert rel(beta, expected_beta(beta0, c)) < 1e-9, c
        assert_close(u, u0, rtol=0, atol=1e-8 * np.abs(u0).max(), what=str(c))


def glmm_fit(c, kind):
    family = sm.families.Poisson()
    model = smc.glmer(FORMULA, glmm_data(c, family), family=family)
    return model.fit(factorization=kind)


@pytest.mark.parametrize("kind", KINDS)
def test_glmm_fit_is_invariant_to_a_shifted_covariate(kind):
    """The Laplace fit (c = 1e6 failed before centring: PIRLS did not converge).

    The second stage and its Hessian work in the centred coordinates too
    (optim.glmm): theta, beta and the R_X standard errors agree to 4e-10 or
    better at every c (while the second stage optimized beta itself, whose
    ``X beta`` cancels: up to 4e-7 at c = 1e6, 2e-5 at c = 1e8), the Hessian's to
    its finite-difference floor (tests/glmm/test_shifted_covariate.py; before:
    1e-2 at c = 1e6, and at c = 1e8 the Hessian was not positive definite and
    the fit fell back to R_X).
    """
    r0 = glmm_fit(0.0, kind)
    for c in SHIFTS:
        r = glmm_fit(c, kind)
        assert r.cov_method == "hessian", c
        assert rel(r.theta, r0.theta) < 1e-7, c
        assert rel(r.params, expected_beta(r0.params, c)) < 1e-7, c
        assert rel(r.bse_rx[1:], r0.bse_rx[1:]) < 1e-7, c
        assert rel(r.bse[1:], r0.bse[1:]) < 3e-4, c


# -- (b) centring leaves ordinary fits unchanged --------------------------------------------
def identity_centering(monkeypatch):
    monkeypatch.setattr(Centering, "of",
                        classmethod(lambda cls, X: cls(None, np.zeros(np.shape(X)[1]))))


def inference_quantities(model, theta, kind):
    """vcov(beta), Satterthwaite and Kenward-Roger df and adjusted vcov, leverages."""
    res = model.results_at(theta, factorization=kind)
    eye = np.eye(len(res.params))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)      # KR with prior weights
        kr = res.t_test(eye, df_method="kenward-roger")
    return {"vcov": np.asarray(res.cov_params()),
            "beta": np.asarray(res.params),
            "satterthwaite": np.asarray(res.t_test(eye, df_method="satterthwaite").df_denom),
            "kenward_roger": np.asarray(kr.df_denom),
            "kr_se": np.asarray(kr.sd),
            "hatvalues": np.asarray(res.hatvalues()),
            "leverage": np.asarray(res.leverage()),
            "cooks": np.asarray(res.get_influence().cooks_distance)}


CASES = {
    "sleepstudy": ("Reaction ~ Days + (Days | Subject)", "sleepstudy", None),
    "hr_ratings weighted": ("rating ~ tenure + (1 | employee) + (1 | manager) "
                            "+ (1 | department)", "hr_ratings", "n_items"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", list(CASES))
def test_centring_leaves_inference_unchanged(case, kind, monkeypatch):
    formula, name, weights = CASES[case]
    data = datasets.load(name)
    model = smc.lmer(formula, data, weights=weights)
    assert model.crossprod.centering.active
    theta = model.fit(factorization=kind).theta
    centred = inference_quantities(model, theta, kind)
    identity_centering(monkeypatch)
    plain = smc.lmer(formula, data, weights=weights)
    assert not plain.crossprod.centering.active
    uncentred = inference_quantities(plain, theta, kind)
    for key, want in uncentred.items():
        # Satterthwaite's numerical derivatives of vcov(beta) amplify rounding (3e-9 seen)
        rtol = 1e-7 if key == "satterthwaite" else 1e-10
        assert_close(centred[key], want, rtol=rtol, atol=rtol * np.abs(want).max(), what=key)


def test_rank_check_is_shift_invariant():
    """x + 1e8 with SD 1 is a covariate, not a multiple of the intercept (R's qr rule
    on raw columns would drop it, as lme4 does); a constant column is still dropped."""
    from statsmodels_crossed.exceptions import RankDeficiencyWarning

    rng = np.random.default_rng(11)
    n = 400
    d = pd.DataFrame({"g": rng.integers(0, 20, n), "h": rng.integers(0, 15, n),
                      "x": rng.normal(size=n)})
    d["y"] = (1 + 0.5 * d.x + rng.normal(size=20)[d.g] + rng.normal(size=15)[d.h]
              + rng.normal(size=n))
    base = smc.crossedlm("y ~ x + (1 | g) + (1 | h)", d).fit()
    shifted = d.assign(x=d.x + 1e8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RankDeficiencyWarning)
        res = smc.crossedlm("y ~ x + (1 | g) + (1 | h)", shifted).fit()
    np.testing.assert_allclose(res.fe_params.iloc[1], base.fe_params.iloc[1], rtol=1e-8)
    np.testing.assert_allclose(res.bse.iloc[1], base.bse.iloc[1], rtol=1e-8)
    with pytest.warns(RankDeficiencyWarning, match="c"):
        smc.crossedlm("y ~ x + c + (1 | g) + (1 | h)", shifted.assign(c=1e8)).fit()
