"""Reference results for the inference tests and fits cached per test session.

Two sources, both produced by R and never edited by hand:

* the lme4 reference cases (``tests/results/*.json``: ``lmerTest``, ``lrt``,
  ``confint_profile`` blocks), fitted through :func:`tests.models.reference.fitted`;
* ``results/inference_cases.json`` here, from ``results/generate_inference_results.R``
  (multi-df F tests, type III with interactions, LRT with different fixed
  effects, profile on a crossed design, pbkrtest with prior weights).
"""
import functools
import json
from pathlib import Path

import numpy as np

import statsmodels_crossed.api as smc
from statsmodels_crossed import datasets
from tests.models.reference import assert_close, at_reference_theta, fitted, values  # noqa: F401

EXTRA = Path(__file__).resolve().parent / "results" / "inference_cases.json"


@functools.lru_cache(maxsize=None)
def extra_cases():
    with open(EXTRA, encoding="utf-8") as fh:
        return json.load(fh)["cases"]


def extra_data(name):
    data = datasets.load(name)
    if name == "grouseticks":
        data["high"] = np.where(data["HEIGHT"] >= 470, "hi", "lo")
    return data


@functools.lru_cache(maxsize=None)
def extra_fit(case_name):
    """(case dict, results) of one case of ``inference_cases.json``, fitted once."""
    case = extra_cases()[case_name]
    formula = case.get("python_formula") or case["formula"].replace("log(", "np.log(")
    model = smc.crossedlm(formula, extra_data(case["dataset"]), weights=case["weights"])
    return case, model.fit(reml=case["REML"])


def matrix(rows):
    return np.array(rows, dtype=float)


def assert_p_close(actual, desired, rtol=1e-3, what="p"):
    """p-values: ``|log p - log p_ref| <= rtol max(1, |log p_ref|)``.

    For moderate p this is a relative tolerance on p; for p ~ 1e-58 a relative
    1e-5 change of the df (the optimum's flatness in theta) moves p by 1e-3,
    while log p is still right to 1e-5: extreme p are compared on the log scale.
    """
    a = np.log(np.asarray(actual, dtype=float))
    d = np.log(np.asarray(desired, dtype=float))
    np.testing.assert_array_less(np.abs(a - d), rtol * np.maximum(1.0, np.abs(d)),
                                 err_msg=what)
