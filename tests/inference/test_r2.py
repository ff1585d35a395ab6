"""Nakagawa R^2 from lme4's estimates (reference JSON) and the data, written out here."""
import numpy as np
import pytest

from tests.inference.reference import fitted


def _design(case_name, data):
    """Fixed-effects X and, per VarCorr term, its model matrix (independent of the package)."""
    one = np.ones(len(data))
    if case_name.startswith("sleepstudy"):
        days = data["Days"].to_numpy(float)
        return np.column_stack([one, days]), {"Subject": np.column_stack([one, days])}
    if case_name.startswith("rt_experiment"):
        inc = (data["cond"].astype(str) == "incongruent").to_numpy(float)
        X = np.column_stack([one, inc])
        return X, {"subj": X, "item": X}
    if case_name.startswith("hr_ratings"):
        X = np.column_stack([one, data["tenure"].to_numpy(float)])
        return X, {g: one[:, None] for g in ("employee", "manager", "department")}
    if case_name.startswith("penicillin"):
        return one[:, None], {"plate": one[:, None], "sample": one[:, None]}
    raise KeyError(case_name)


@pytest.mark.parametrize("case_name", ["sleepstudy_slope_reml", "rt_experiment_reml",
                                       "hr_ratings_reml", "penicillin_reml"])
def test_r2_from_lme4_estimates(case_name):
    case, model, res = fitted(case_name)
    X, Z = _design(case_name, model.data.frame)
    var_fixed = np.var(X @ np.array(list(case["fixef"].values())), ddof=1)
    var_random = sum(np.mean(np.einsum("ij,jk,ik->i", Z[vc["group"]], np.array(vc["variance"]),
                                       Z[vc["group"]])) for vc in case["varcorr"])
    total = var_fixed + var_random + case["sigma2"]
    r2 = res.r2_nakagawa()
    np.testing.assert_allclose(r2["var_fixed"], var_fixed, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(r2["var_random"], var_random, rtol=1e-5)
    np.testing.assert_allclose(r2["R2_marginal"], var_fixed / total, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(r2["R2_conditional"], (var_fixed + var_random) / total, rtol=1e-5)
    np.testing.assert_allclose(r2["ICC_adjusted"],
                               var_random / (var_random + case["sigma2"]), rtol=1e-5)


def test_icc_agrees_for_random_intercepts():
    """With intercepts only, the adjusted ICC is the sum of the per-term ICCs."""
    _, _, res = fitted("penicillin_reml")
    r2 = res.r2_nakagawa()
    assert r2["ICC_adjusted"] == pytest.approx(res.icc().sum(), rel=1e-12)
    assert r2["R2_marginal"] == 0.0
