"""Small fits shared by the diagnostics tests (one per test session)."""
import functools

import matplotlib

matplotlib.use("Agg")

from tests.models.reference import at_reference_theta, fitted  # noqa: E402

#: Small LMM reference cases (dense n x n algebra is cheap) and what they exercise.
SMALL = ["sleepstudy_slope_reml",      # correlated slope, k = 2
         "sleepstudy_uncorr_reml",     # two terms on one factor
         "sleepstudy_intercept_ml",    # ML
         "penicillin_reml",            # crossed
         "pastes_nested_reml",         # nested, interaction grouping factor
         "dyestuff_ml"]                # one term, p = 1


@functools.lru_cache(maxsize=None)
def small_fit(case_name, factorization="auto"):
    """(case, model, results at our optimum) by the given factorization."""
    case, model, res = fitted(case_name)
    if factorization == "auto":
        return case, model, res
    return case, model, model.results_at(res.theta, reml=case["REML"],
                                         factorization=factorization)


__all__ = ["SMALL", "small_fit", "at_reference_theta", "fitted"]
