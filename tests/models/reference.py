"""Fit each lme4 reference case once per test session, and compare helpers."""
import functools
import re

import numpy as np
import pandas as pd

import statsmodels_crossed.api as smc
from statsmodels_crossed import datasets
from tests.results import load_case


def reference_data(case):
    name = case["dataset"].rsplit(".", 1)[0]
    return datasets.load(name)


@functools.lru_cache(maxsize=None)
def fitted(case_name, factorization="auto"):
    """(case dict, model, results) for one reference case, computed once."""
    case = load_case(case_name)
    model = smc.crossedlm(case["formula"], reference_data(case), weights=case["weights"])
    res = model.fit(reml=case["REML"], factorization=factorization)
    return case, model, res


def lme4_name(name):
    """lme4's name of a patsy column: "Intercept" -> "(Intercept)", "x[T.b]" -> "xb"."""
    name = re.sub(r"\[T\.([^\]]*)\]", r"\1", name)
    return re.sub(r"(?<!\()Intercept", "(Intercept)", name)


@functools.lru_cache(maxsize=None)
def at_reference_theta(case_name, factorization="auto"):
    """(case, results with theta held at lme4's optimum)."""
    case, model, _ = fitted(case_name)
    return case, model.results_at(case["theta"], reml=case["REML"], factorization=factorization)


def values(mapping):
    return np.array(list(mapping.values()), dtype=float)


def assert_close(actual, desired, rtol, atol=0.0, what=""):
    np.testing.assert_allclose(np.asarray(actual, dtype=float),
                               np.asarray(desired, dtype=float),
                               rtol=rtol, atol=atol, err_msg=what)


def by_label(series_like, labels):
    """Values of a Series/DataFrame column at the given level labels (compared as strings)."""
    s = pd.Series(np.asarray(series_like), index=[str(i) for i in series_like.index])
    return s.loc[list(labels)].to_numpy()


def check_sizes(case, res):
    """nobs, groups and lme4's term order and level counts."""
    assert res.nobs == case["nobs"]
    assert res.ngroups == case["ngroups"]
    assert [t.group for t in res.reterms] == [t["group"] for t in case["re_terms"]]
    assert [t.n_levels for t in res.reterms] == [t["n_levels"] for t in case["re_terms"]]
