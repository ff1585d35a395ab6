"""Generated data sets for the reliability tests: crossed, nested and single-factor
designs with random intercepts and slopes, drawn by hypothesis and built with numpy.

A :class:`Design` is the small description hypothesis draws (and shrinks); the data
frame is built from it deterministically by :func:`make_frame`, so a failing example
prints as a one-line ``Design(...)`` that reproduces it.
"""
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

def reliable(max_examples):
    """Settings of every property test here: reproducible in CI (derandomize), no
    per-example deadline (fits vary with the load of the machine), no database.

    ``SMC_RELIABILITY_EXAMPLES=k`` multiplies every ``max_examples`` by k (a longer
    search, e.g. nightly); the default keeps the whole suite under a minute.
    """
    factor = int(os.environ.get("SMC_RELIABILITY_EXAMPLES", "1"))
    return settings(max_examples=max_examples * factor, deadline=None, derandomize=True,
                    database=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


STRUCTURES = ("single", "crossed", "nested", "crossed3", "partial")


@dataclass(frozen=True)
class Design:
    """One generated model and data set.

    structure : "single" (1 | g0); "crossed" (.. | g0) + (1 | g1); "nested"
        (1 | g0/g1) with g1 labelled within g0; "crossed3" three crossed
        factors; "partial" crossed factors with a sparse co-occurrence pattern.
    levels : levels of g0, g1, g2.
    n : rows.
    slope : g0's term is (1 + x | g0) instead of (1 | g0).
    weighted : prior weights in column "w".
    reml : REML or ML.
    seed : numpy seed of everything random.
    """

    structure: str
    levels: tuple
    n: int
    slope: bool
    weighted: bool
    reml: bool
    seed: int

    @property
    def random_terms(self):
        """The random-effects terms of the formula, in formula order."""
        rest = {"single": [], "crossed": ["(1 | g1)"], "nested": ["(1 | g0:g1)"],
                "crossed3": ["(1 | g1)", "(1 | g2)"], "partial": ["(1 | g1)"]}
        return ["(1 + x | g0)" if self.slope else "(1 | g0)"] + rest[self.structure]

    def formula_with(self, terms):
        return "y ~ x + z + " + " + ".join(terms)

    @property
    def formula(self):
        return self.formula_with(self.random_terms)

    @property
    def n_factors(self):
        return {"single": 1, "crossed": 2, "nested": 2, "crossed3": 3, "partial": 2}[
            self.structure]


@st.composite
def designs(draw, structures=STRUCTURES, max_levels=9, max_n=90):
    """A :class:`Design` small enough to fit in ~20 ms."""
    structure = draw(st.sampled_from(structures))
    levels = tuple(draw(st.integers(2, max_levels)) for _ in range(3))
    slope = draw(st.booleans())
    k0 = 2 if slope else 1
    # enough rows for lme4's checks (levels < n, q < n) and for the slopes
    need = max(4 * max(levels), 3 * k0 * levels[0] + 4,
               levels[0] * levels[1] + 4 if structure == "nested" else 0)
    n = draw(st.integers(need, max(need, max_n)))
    return Design(structure, levels, n, slope, draw(st.booleans()), draw(st.booleans()),
                  draw(st.integers(0, 2**31 - 1)))


def _codes(rng, n_levels, n):
    """Level codes with every level present, in random row order."""
    codes = np.concatenate([np.arange(n_levels), rng.integers(0, n_levels, n - n_levels)])
    return rng.permutation(codes)


def make_frame(design):
    """The data of ``design``: y, x, z, w and grouping columns g0, g1, g2 (strings)."""
    rng = np.random.default_rng(design.seed)
    n, (l0, l1, l2) = design.n, design.levels
    frame = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(-1, 1, n)})
    c0 = _codes(rng, l0, n)
    if design.structure == "partial":          # g1 only meets a band of g0's levels
        c1 = (c0 * l1 // l0 + rng.integers(0, 2, n)) % l1
    else:
        c1 = _codes(rng, l1, n)
    c2 = _codes(rng, l2, n)
    frame["g0"] = np.char.add("a", c0.astype(str))
    frame["g1"] = np.char.add("b", c1.astype(str))
    frame["g2"] = np.char.add("c", c2.astype(str))
    eta = 1.0 + 0.5 * frame["x"] - 0.3 * frame["z"]
    eta += rng.normal(scale=0.8, size=l0)[c0] + rng.normal(scale=0.6, size=l1 * l0)[
        c0 * l1 + c1 if design.structure == "nested" else c1]
    if design.slope:
        eta += rng.normal(scale=0.4, size=l0)[c0] * frame["x"]
    if design.structure == "crossed3":
        eta += rng.normal(scale=0.5, size=l2)[c2]
    w = rng.uniform(0.5, 2.0, n) if design.weighted else np.ones(n)
    frame["y"] = eta + rng.normal(size=n) / np.sqrt(w)
    frame["w"] = w
    return frame


def make_model(design, frame=None, formula=None):
    """The CrossedLM of ``design`` (or of ``formula`` on ``frame``), warnings silenced."""
    import warnings

    import statsmodels_crossed.api as smc

    frame = make_frame(design) if frame is None else frame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smc.crossedlm(formula or design.formula, frame,
                             weights="w" if design.weighted else None)


def quietly(call, *args, **kwargs):
    """``call(*args, **kwargs)`` with warnings (singular fits, convergence) silenced."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def fit(design, frame=None, formula=None, **fit_kwargs):
    """Fit ``design`` (or ``formula`` on ``frame``) quietly; returns (model, results)."""
    model = make_model(design, frame, formula)
    return model, quietly(model.fit, reml=design.reml, **fit_kwargs)


def theta_keys(terms):
    """(group, row column, column column) of each theta entry of ``terms`` (in order)."""
    return [(t.group, t.columns[i], t.columns[j])
            for t in terms for j in range(t.k) for i in range(j, t.k)]


def random_theta(terms, seed):
    """A theta for ``terms``: diagonal entries in [0.1, 2], off-diagonal ones N(0, 0.5)."""
    rng = np.random.default_rng(seed)
    return np.array([rng.uniform(0.1, 2.0) if i == j else rng.normal(scale=0.5)
                     for _, i, j in theta_keys(terms)])
