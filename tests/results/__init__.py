"""lme4 reference results (JSON) and a tiny loader for the parity tests.

Each ``<case>.json`` is one model fitted by R's lme4 (schema: ``README.md`` here and
the reference README it points to). ``index.json`` lists the cases in order,
``datasets.json`` describes the data sets. The files are produced by
``generate_lme4_results.R`` and are never edited by hand.

>>> from tests.results import load_case, case_names
>>> case = load_case("penicillin_reml")
>>> case["theta_names"]
['plate.(Intercept)', 'sample.(Intercept)']
>>> case_names(model_type="GLMM")[:1]
['cbpp_binomial_laplace']
"""
import json
from pathlib import Path

__all__ = ["RESULTS_DIR", "load_case", "case_names", "load_index", "load_datasets"]

RESULTS_DIR = Path(__file__).resolve().parent


def _read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def load_index():
    """The parsed ``index.json``: set, versions and one summary per case."""
    return _read_json(RESULTS_DIR / "index.json")


def load_datasets():
    """The parsed ``datasets.json``: per data set source, rows, columns."""
    return _read_json(RESULTS_DIR / "datasets.json")


def case_names(model_type=None):
    """Names of the reference cases in index order.

    Parameters
    ----------
    model_type : {None, "LMM", "GLMM"}
        Keep only the cases of this model type (None: all).

    Returns
    -------
    list of str
    """
    cases = load_index()["cases"]
    if model_type is not None:
        types = {c["model_type"] for c in cases}
        if model_type not in types:
            raise ValueError(
                f"unknown model_type {model_type!r}; expected one of {sorted(types)}"
            )
    return [c["case"] for c in cases if model_type in (None, c["model_type"])]


def load_case(name):
    """One reference case, freshly parsed (callers may modify it).

    Parameters
    ----------
    name : str
        Case name, e.g. ``"penicillin_reml"`` (see :func:`case_names`).

    Returns
    -------
    dict
        The parsed JSON; named quantities keep lme4's order.
    """
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file() or name not in case_names():
        raise ValueError(
            f"unknown case {name!r}; available: {', '.join(case_names())}"
        )
    return _read_json(path)
