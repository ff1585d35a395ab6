"""theta <-> SD / correlation scale, and the names lme4 gives the parameters."""
import numpy as np

from statsmodels_crossed.inference import sdcor
from tests.inference.reference import fitted
from tests.models.reference import lme4_name


def test_names_follow_lme4():
    for case_name in ("sleepstudy_slope_reml", "dyestuff_reml"):
        case, _, res = fitted(case_name)
        names = [lme4_name(n) for n in sdcor.sdcor_names(res.reterms)]
        assert names == case["confint_profile"]["parameters"][:len(names)]


def test_round_trip_and_lme4_values():
    case, _, res = fitted("rt_experiment_reml")
    ks = [t.k for t in res.reterms]
    theta = np.array(case["theta"])
    phi = sdcor.to_sdcor(ks, theta, case["sigma"])
    want = []
    for vc in case["varcorr"]:
        sd, corr = np.array(vc["sd"]), np.array(vc["corr"])
        want += [sd[0], corr[1, 0], sd[1]]
    np.testing.assert_allclose(phi, want + [case["sigma"]], rtol=1e-10)
    theta2, sigma = sdcor.to_theta(ks, phi)
    np.testing.assert_allclose(theta2, theta, rtol=1e-10, atol=1e-14)
    assert sigma == case["sigma"]


def test_boundaries():
    ks = [2]
    theta, _ = sdcor.to_theta(ks, np.array([2.0, 1.0, 3.0, 1.0]))     # correlation 1
    lam = np.array([[theta[0], 0], [theta[1], theta[2]]])
    np.testing.assert_allclose(lam @ lam.T, [[4, 6], [6, 9]], atol=1e-12)
    theta, _ = sdcor.to_theta(ks, np.array([0.0, 0.3, 3.0, 1.0]))     # SD 0
    np.testing.assert_allclose(theta, [0, 0, 3.0])
    assert sdcor.to_theta(ks, np.array([2.0, 1.2, 3.0, 1.0]))[0] is None
    assert list(sdcor.is_sd(fitted("sleepstudy_slope_reml")[2].reterms)) == [True, False,
                                                                           True, True]
