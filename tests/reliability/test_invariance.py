"""Invariances of the fit on generated crossed, nested and single-factor designs.

The exact identities checked (P a row permutation, c != 0 and a constants, X_j a
fixed-effects column, n rows, p fixed effects):

* rows P y, P X, P Z: the same model.  Criterion, theta-hat, beta, sigma, BLUPs
  unchanged; residuals permuted by P.
* levels relabelled (any one-to-one map, which reorders the sorted levels): the
  columns of Z are permuted.  Everything unchanged; each BLUP moves with its label.
* columns (response, covariates, grouping factors) renamed: nothing changes but
  the names.
* random terms written in another order: the blocks of Lambda are permuted; each
  theta entry, keyed by (group, column, column), unchanged.
* y -> c y: at every theta pwrss -> c^2 pwrss, ldL2 and ldRX2 unchanged, so
  REML: crit(c y) = crit(y) + (n - p) log c^2,  ML: crit(c y) = crit(y) + n log c^2;
  theta-hat unchanged, beta -> c beta, sigma and the SDs -> |c| times, correlations
  unchanged, BLUPs and residuals -> c times.
* y -> y + a X_j: at every theta the penalized residual y - X beta - Z Lambda u is
  the same with beta_j + a, so pwrss, ldL2, ldRX2, the criterion, theta-hat, sigma,
  BLUPs and residuals are unchanged; beta_j -> beta_j + a, the other betas unchanged.
* the blocked and the CHOLMOD factorizations compute the same criterion.

Tolerances.  The criterion at a given theta: 1e-10 relative.  Estimates (beta,
sigma, covariances, BLUPs, residuals) at a given theta: 1e-8 relative.  The fitted
optimum: the criterion at the two optima agrees to 1e-10, and the other fit's
theta-hat is, to 1e-10, an optimum of this fit's criterion.  The fitted theta
values themselves are not compared at 1e-8: a criterion computed in double
precision (noise ~1e-14 relative) fixes its flat minimizer only to ~1e-5, so
such a comparison would test rounding, not the code; the estimates are compared
at a common theta instead.

The fits here stop on theta's tolerance alone (``TIGHT``: no ftol).  With the
default ftol the optimizer may stop early in a narrow valley near the boundary:
``Design('single', (5, 5, 2), 34, slope=True, weighted=True, reml=True,
seed=80353)`` stops 7.5e-8 above the optimum with a correlation factor 0.09
instead of the optimum's 0, and its row-permuted copy elsewhere.
"""
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import statsmodels_crossed.api as smc
from tests.reliability.generate import (Design, designs, fit, make_frame, make_model,
                                        quietly, random_theta, reliable, theta_keys)

CRIT_RTOL = 1e-10
EST_RTOL = 1e-8
TIGHT = dict(ftol_abs=0.0, ftol_rel=0.0)     # see the module docstring
P = 3                                   # Intercept, x, z


def close(actual, desired, rtol, what):
    """``|actual - desired| <= rtol * (|desired| + max |desired|)`` entrywise."""
    actual, desired = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    assert actual.shape == desired.shape, what
    scale = np.abs(desired).max(initial=0.0)
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=rtol * scale, err_msg=what)


def estimates(res, names=str, levels=None, rows=None, scale=1.0, shift=None):
    """The estimates of ``res`` in the names, labels, row order and units of the
    original data: ``names`` maps a name back, ``levels(group, label)`` a level
    label, ``rows`` reorders residuals, ``scale`` divides (c), ``shift`` (Series)
    is subtracted from beta."""
    fe = res.fe_params.rename(names) / scale
    if shift is not None:
        fe = fe - shift.reindex(fe.index, fill_value=0.0)
    cov = {names(k): v.rename(index=names, columns=names) / scale ** 2
           for k, v in res.cov_re.items()}
    blups = {}
    for group, v in res.random_effects.items():
        frame = (v.to_frame("_") if isinstance(v, pd.Series) else v.rename(columns=names))
        frame = frame / scale
        if levels is not None:
            frame.index = [levels(names(group), lab) for lab in frame.index]
        blups[names(group)] = frame.sort_index()
    resid = np.asarray(res.resid) / scale
    return {"fe": fe.sort_index(), "sigma": res.sigma / abs(scale), "cov": cov,
            "blups": blups, "resid": resid if rows is None else resid[rows]}


def assert_same(got, want, rtol=EST_RTOL):
    assert list(got["fe"].index) == list(want["fe"].index)
    close(got["fe"], want["fe"], rtol, "beta")
    close(got["sigma"], want["sigma"], rtol, "sigma")
    assert sorted(got["cov"]) == sorted(want["cov"])
    for k in want["cov"]:
        close(got["cov"][k].loc[want["cov"][k].index, want["cov"][k].columns],
              want["cov"][k], rtol, f"covariance of {k}")
    assert sorted(got["blups"]) == sorted(want["blups"])
    for g in want["blups"]:
        assert list(got["blups"][g].index) == list(want["blups"][g].index), g
        close(got["blups"][g][want["blups"][g].columns], want["blups"][g], rtol, f"BLUPs {g}")
    close(got["resid"], want["resid"], rtol, "residuals")


def theta_for(model, theta, terms, names=str):
    """``theta`` (ordered as ``terms``) reordered for ``model``'s terms; ``names`` maps
    the model's names back to those of ``terms``."""
    named = dict(zip(theta_keys(terms), theta))
    keys = theta_keys(model.crossprod.terms)
    return np.array([named[tuple(names(x) for x in key)] for key in keys])


def check_equivalent(d, m1, r1, m2, names=str, levels=None, rows=None, scale=1.0,
                     shift=None):
    """Criterion at fixed thetas, estimates at the fitted theta, and the fitted optimum
    of ``m2`` against the fit ``r1`` of ``m1`` (the identities of the module docstring)."""
    terms1 = r1.reterms
    extra = (d.n - P if d.reml else d.n) * np.log(scale ** 2)
    o1, o2 = m1.objective(reml=d.reml), m2.objective(reml=d.reml)
    for theta in (r1.theta, random_theta(terms1, d.seed)):
        close(o2(theta_for(m2, theta, terms1, names)), o1(theta) + extra, CRIT_RTOL,
              "criterion at a fixed theta")
    at = quietly(m2.results_at, theta_for(m2, r1.theta, terms1, names), reml=d.reml)
    assert_same(estimates(at, names, levels, rows, scale, shift), estimates(r1))
    r2 = quietly(m2.fit, reml=d.reml, **TIGHT)
    close(-2 * r2.llf, -2 * r1.llf + extra, CRIT_RTOL, "criterion at the optimum")
    back = {tuple(names(x) for x in key): v
            for key, v in zip(theta_keys(r2.reterms), r2.theta)}
    close(o1(np.array([back[k] for k in theta_keys(terms1)])), o1(r1.theta), CRIT_RTOL,
          "the other fit's optimum on this criterion")


@reliable(12)
@given(designs())
def test_row_permutation(d):
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    perm = np.random.default_rng(d.seed).permutation(d.n)
    m2 = make_model(d, frame.iloc[perm].reset_index(drop=True))
    check_equivalent(d, m1, r1, m2, rows=np.argsort(perm))


def _relabel(frame, seed):
    """Each grouping column mapped one-to-one onto new labels in another sort order."""
    rng = np.random.default_rng(seed)
    maps = {}
    for g in ("g0", "g1", "g2"):
        old = np.unique(frame[g])
        new = [f"L{v:03d}" for v in rng.permutation(len(old)) * 7 + 1]
        maps[g] = dict(zip(old, new))
    inverse = {g: {v: k for k, v in m.items()} for g, m in maps.items()}
    new = frame.assign(**{g: frame[g].map(m) for g, m in maps.items()})
    return new, inverse


@reliable(12)
@given(designs())
def test_level_relabelling(d):
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    frame2, inverse = _relabel(frame, d.seed)

    def levels(group, label):
        return ":".join(inverse[g][part] for g, part in zip(group.split(":"),
                                                             label.split(":")))
    check_equivalent(d, m1, r1, make_model(d, frame2), levels=levels)


RENAMES = {"y": "reaction_time", "x": "dose", "z": "Z2", "g0": "subject", "g1": "item",
           "g2": "site", "w": "wt"}


@reliable(10)
@given(designs())
def test_column_renaming(d):
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    inverse = {v: k for k, v in RENAMES.items()}
    word = re.compile(r"\b(" + "|".join(RENAMES) + r")\b")
    formula = word.sub(lambda m: RENAMES[m.group(1)], d.formula)
    m2 = quietly(smc.crossedlm, formula, frame.rename(columns=RENAMES),
                 weights="wt" if d.weighted else None)
    back = re.compile(r"\b(" + "|".join(inverse) + r")\b")
    check_equivalent(d, m1, r1, m2, names=lambda s: back.sub(lambda m: inverse[m.group(1)],
                                                             str(s)))


@reliable(12)
@given(designs(structures=("crossed", "nested", "crossed3", "partial")))
def test_random_term_order(d):
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    terms = d.random_terms
    order = np.random.default_rng(d.seed).permutation(len(terms))
    if (order == np.arange(len(terms))).all():
        order = order[::-1]
    m2 = make_model(d, frame, d.formula_with([terms[i] for i in order]))
    check_equivalent(d, m1, r1, m2)


@reliable(12)
@given(designs(), st.sampled_from([1e-8, 1e-3, 0.37, -2.5, 1e3, 1e8]))
def test_scaling_the_response(d, c):
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    check_equivalent(d, m1, r1, make_model(d, frame.assign(y=c * frame["y"])), scale=c)


@reliable(12)
@given(designs(), st.sampled_from(["Intercept", "x", "z"]),
       st.sampled_from([-1e3, -0.75, 2.0, 1e4]))
def test_adding_a_fixed_effect_column(d, column, a):
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    xj = 1.0 if column == "Intercept" else frame[column]
    m2 = make_model(d, frame.assign(y=frame["y"] + a * xj))
    check_equivalent(d, m1, r1, m2, shift=pd.Series({column: a}))


@reliable(15)
@given(designs())
def test_blocked_and_cholmod_agree(d):
    model = make_model(d)
    terms = model.crossprod.terms
    blocked = model.objective(reml=d.reml, factorization="blocked")
    cholmod = model.objective(reml=d.reml, factorization="cholmod")
    for seed in range(3):
        theta = random_theta(terms, d.seed + seed)
        close(cholmod(theta), blocked(theta), CRIT_RTOL, "criterion")
    rb = quietly(model.fit, reml=d.reml, factorization="blocked", **TIGHT)
    rc = quietly(model.fit, reml=d.reml, factorization="cholmod", **TIGHT)
    assert rb.factorization.startswith("blocked") and rc.factorization.startswith("CHOLMOD")
    close(-2 * rc.llf, -2 * rb.llf, CRIT_RTOL, "criterion at the optimum")
    close(blocked(rc.theta), blocked(rb.theta), CRIT_RTOL, "each other's optimum")
    at = quietly(model.results_at, rb.theta, reml=d.reml, factorization="cholmod")
    assert_same(estimates(at), estimates(rb))
    close(np.concatenate([c.ravel() for c in at.condvar_b]),
          np.concatenate([c.ravel() for c in rb.condvar_b]), EST_RTOL,
          "conditional variances")


def test_identities_are_not_vacuous():
    """The checks fail on a model that differs: another response, another criterion."""
    d = Design("crossed", (5, 4, 2), 40, False, False, True, 3)
    frame = make_frame(d)
    m1, r1 = fit(d, frame, **TIGHT)
    m2 = make_model(d, frame.assign(y=frame["y"] + 0.01 * np.sin(np.arange(d.n))))
    with pytest.raises(AssertionError):
        check_equivalent(d, m1, r1, m2)
    with pytest.raises(AssertionError):                        # a wrong factor c
        check_equivalent(d, m1, r1, make_model(d, frame.assign(y=3 * frame["y"])),
                         scale=3.0003)
