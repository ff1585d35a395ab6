"""Profile-likelihood intervals against lme4's ``confint(m, method = "profile")``.

lme4 interpolates its profile with splines; ours solves zeta = +-z exactly, so
the reference tolerance is 1e-3 relative (README); an end on a boundary
(an SD of 0) must be exactly the boundary.
"""
import numpy as np
import pytest
from scipy import stats
from statsmodels.genmod import families

import statsmodels_crossed.api as smc
from statsmodels_crossed.inference.profile import Profile
from statsmodels_crossed.inference.profile_glmm import GLMMProfile
from tests.inference.reference import extra_fit, fitted, values
from tests.models.reference import lme4_name, reference_data
from tests.results import load_case

PROFILE_CASES = ["dyestuff_reml", "dyestuff_ml", "sleepstudy_slope_reml"]


def _check(ci, ref):
    assert [lme4_name(n) for n in ci.index] == ref["parameters"]
    for col, key in [(0, "lower"), (1, "upper")]:
        want = values(ref[key])
        got = ci[col].to_numpy()
        zero = want == 0
        np.testing.assert_array_equal(got[zero], 0.0)
        np.testing.assert_allclose(got[~zero], want[~zero], rtol=1e-3, err_msg=key)


@pytest.fixture(scope="module", params=PROFILE_CASES)
def profiled(request):
    case, _, res = fitted(request.param)
    return case, res, res.profile()


def test_intervals_match_lme4(profiled):
    case, res, prof = profiled
    _check(prof.conf_int(0.05), case["confint_profile"])


def test_crossed_design_with_a_boundary():
    """Two crossed intercepts; the LOCATION SD's lower end is 0 (profile stays
    inside the cut-off down to the boundary), as lme4 reports it."""
    case, res = extra_fit("grouseticks_log_reml")
    _check(res.conf_int(method="profile"), case["confint_profile"])


def test_reml_fit_is_profiled_by_ml():
    case_ml, _, res_ml = fitted("dyestuff_ml")
    _, _, res = fitted("dyestuff_reml")
    est = res.profile().estimates
    np.testing.assert_allclose(est["sigma"], case_ml["sigma"], rtol=1e-5)
    np.testing.assert_allclose(est["sd_Intercept|Batch"],
                               np.sqrt(case_ml["varcorr"][0]["variance"][0][0]), rtol=1e-5)
    np.testing.assert_allclose(est["Intercept"], case_ml["fixef"]["(Intercept)"], rtol=1e-8)


def test_zeta_is_zero_at_the_estimate_and_z_at_the_ends(profiled):
    _, res, prof = profiled
    ci = prof.conf_int(0.05)
    z = stats.norm.ppf(0.975)
    for name in prof.names:
        assert abs(prof.zeta(name, prof.estimates[name])) < 1e-4
        assert prof.zeta(name, ci.loc[name, 0]) == pytest.approx(-z, abs=1e-6)
        assert prof.zeta(name, ci.loc[name, 1]) == pytest.approx(z, abs=1e-6)
    trace = prof.traces[prof.names[0]]
    assert list(trace.columns) == [".zeta"] + prof.names
    assert np.all(np.diff(trace[".zeta"]) >= -1e-8)     # monotone in the parameter


def test_level_and_subsets():
    _, _, res = fitted("sleepstudy_slope_ml")
    prof = res.profile()
    wide, narrow = prof.conf_int(0.05, names="beta_"), prof.conf_int(0.2, names="beta_")
    assert list(wide.index) == ["Intercept", "Days"]
    assert np.all(wide[0] < narrow[0]) and np.all(narrow[1] < wide[1])
    assert list(prof.conf_int(names="theta_").index) == [
        "sd_Intercept|Subject", "cor_Days.Intercept|Subject", "sd_Days|Subject", "sigma"]
    with pytest.raises(ValueError, match="unknown parameter"):
        prof.conf_int(names=["Days2"])


def test_reml_criterion_profile():
    """reml=True profiles the REML criterion: variance parameters only, centred at
    the REML estimates; wider than the ML profile's intervals for sigma here."""
    case, _, res = fitted("dyestuff_reml")
    prof = Profile(res, reml=True)
    assert prof.names == ["sd_Intercept|Batch", "sigma"]
    np.testing.assert_allclose(prof.estimates["sigma"], case["sigma"], rtol=1e-5)
    ci, ci_ml = prof.conf_int(), res.profile().conf_int(names="theta_")
    assert ci.loc["sigma", 1] > ci_ml.loc["sigma", 1]
    with pytest.raises(ValueError, match="REML fit"):
        Profile(fitted("dyestuff_ml")[2], reml=True)


def test_glmm_profile_matches_lme4():
    """Binomial GLMM (Laplace): profile of -2 logLik over (theta, beta) as lme4's."""
    case = load_case("cbpp_binomial_laplace")
    res = smc.crossedglm(case["formula"], reference_data(case),
                         family=families.Binomial()).fit()
    _check(GLMMProfile(res).conf_int(0.05), case["confint_profile"])
    _check(res.conf_int(method="profile"), case["confint_profile"])   # the results' route
    wald = res.conf_int()
    assert list(wald.index) == list(res.fe_params.index) and wald.shape[1] == 2
    with pytest.raises(ValueError, match="'wald' or 'profile'"):
        res.conf_int(method="bootstrap")
