"""Deletion diagnostics against independent brute force.

One-step: delete the rows, recompute GLS with V (theta, sigma^2) fixed by dense
algebra (``brute.Dense``).  Full: a new model fitted to the remaining rows.
"""
import numpy as np
import pandas as pd
import pytest

import statsmodels_crossed.api as smc
from statsmodels_crossed.diagnostics import internal_cutoff
from statsmodels_crossed.diagnostics.context import context
from statsmodels_crossed.diagnostics.refit import (WARM_START_STEP, DeletedRowsObjective,
                                                   FitOptions, refit, refit_measures)
from tests.diagnostics.brute import Dense, measures, varcomps
from tests.diagnostics.conftest import SMALL, small_fit
from tests.models.reference import assert_close, reference_data

MEASURES = ["cooks_d", "mdffits", "covtrace", "covratio"]


def assert_measures(frame, want, what):
    """frame: rows of summary_frame(); want: list of brute-force dicts in the same order."""
    for m in MEASURES:
        w = np.array([d[m] for d in want])
        assert_close(frame[m], w, rtol=1e-8, atol=1e-12 * np.abs(w).max(), what=f"{what} {m}")
    d = np.array([d["dfbeta"] for d in want])
    got = frame[[c for c in frame.columns if c.startswith("dfbeta_")]].to_numpy()
    assert_close(got, d, rtol=1e-8, atol=1e-10 * np.abs(d).max(), what=f"{what} dfbeta")


# -- one-step --------------------------------------------------------------------------
@pytest.mark.parametrize("case_name", SMALL)
def test_one_step_single_observations(case_name):
    _, _, res = small_fit(case_name)
    dense = Dense(res)
    frame = res.get_influence().summary_frame()
    assert frame.index.equals(res.fittedvalues.index)
    rows = np.arange(dense.n) if dense.n <= 60 else np.linspace(0, dense.n - 1, 40).astype(int)
    assert_measures(frame.iloc[rows], [dense.one_step([i]) for i in rows], case_name)


@pytest.mark.parametrize("case_name", SMALL)
def test_one_step_levels_of_every_grouping_factor(case_name):
    _, _, res = small_fit(case_name)
    dense = Dense(res)
    for group in dict.fromkeys(t.group for t in res.reterms):
        term = next(t for t in res.reterms if t.group == group)
        frame = res.get_influence(level=group).summary_frame()
        assert list(frame.index) == list(term.levels) and frame.index.name == group
        want = [dense.one_step(np.nonzero(term.codes == j)[0]) for j in range(term.n_levels)]
        assert_measures(frame, want, f"{case_name} {group}")


def test_one_step_weighted_three_crossed_factors():
    _, _, res = small_fit("hr_ratings_weighted_reml")
    dense = Dense(res)
    frame = res.get_influence(subset=[7, 1234]).summary_frame()
    assert_measures(frame, [dense.one_step([i]) for i in (7, 1234)], "hr obs")
    for group, labels in [("employee", ["E0150"]), ("manager", ["M013"]),
                          ("department", ["Finance"])]:
        term = next(t for t in res.reterms if t.group == group)
        frame = res.get_influence(level=group, subset=labels).summary_frame()
        want = [dense.one_step(np.nonzero(term.codes == term.levels.get_loc(lab))[0])
                for lab in labels]
        assert_measures(frame, want, f"hr {group}")


@pytest.mark.parametrize("case_name", ["sleepstudy_slope_reml", "penicillin_reml"])
def test_factorization_paths_agree(case_name):
    frames = {}
    for kind in ("blocked", "cholmod"):
        _, _, res = small_fit(case_name, kind)
        group = res.reterms[-1].group
        frames[kind] = pd.concat([res.get_influence().summary_frame(),
                                  res.get_influence(level=group).summary_frame()])
    assert_close(frames["cholmod"], frames["blocked"], rtol=1e-9, atol=1e-13)


def test_single_observation_formula_equals_the_set_formula():
    """The vectorized k = 1 closed forms against the general rank-k code."""
    _, _, res = small_fit("sleepstudy_slope_reml")
    ctx = context(res)
    from statsmodels_crossed.diagnostics import onestep
    vec = onestep.observation_measures(ctx)
    for i in (0, 17, 101):
        one = onestep.set_measures(ctx, np.array([i]))
        for m in MEASURES + ["dfbeta"]:
            assert_close(vec[m][i], one[m], rtol=1e-10)


# -- full refits -----------------------------------------------------------------------------
DELETIONS = [("sleepstudy_slope_reml", None, [5]),
             ("sleepstudy_slope_reml", "Subject", ["309"]),
             ("sleepstudy_uncorr_reml", "Subject", ["335"]),
             ("penicillin_reml", "plate", ["c"]),
             ("penicillin_ml", "sample", ["F"]),
             ("pastes_nested_reml", "batch", ["B"]),
             ("hr_ratings_weighted_reml", "manager", ["M007"])]


def _rows(res, level, labels):
    if level is None:
        return np.asarray(labels)
    term = next(t for t in res.reterms if t.group == level)
    return np.nonzero(np.isin(term.codes, term.levels.get_indexer(labels)))[0]


def _subset_model(case, res, rows):
    data = reference_data(case)
    keep = np.ones(len(data), bool)
    keep[rows] = False
    return smc.crossedlm(case["formula"], data.loc[keep], weights=case["weights"])


@pytest.fixture(scope="module", params=DELETIONS, ids=lambda d: f"{d[0]}-{d[1]}-{d[2][0]}")
def deletion(request):
    case_name, level, labels = request.param
    case, _, res = small_fit(case_name)
    rows = _rows(res, level, labels)
    ctx = context(res)
    obj = DeletedRowsObjective(ctx)
    fit = refit(obj, rows, ctx.theta, FitOptions(initial_step=WARM_START_STEP))
    return case, res, level, labels, rows, obj, fit, _subset_model(case, res, rows)


def test_deleted_rows_objective_is_the_subset_models(deletion):
    case, res, _, _, rows, obj, fit, sub = deletion
    subobj = sub.objective(reml=case["REML"])
    for theta in (res.theta, fit.theta, res.theta * 0.7 + 0.1):
        obj.delete(rows)
        assert_close(obj(theta), subobj(theta), rtol=1e-10)


def test_deleted_level_has_zero_random_effect(deletion):
    _, res, level, labels, rows, obj, fit, _ = deletion
    if level is None:
        return
    obj.delete(rows)
    obj(fit.theta)
    f = obj.factor
    for t, term in enumerate(obj.cp.terms):
        if term.group == level:
            u = f.u(f.beta())[t]
            assert np.abs(u[term.levels.get_indexer(labels)]).max() < 1e-12


def test_full_refit_measures_match_the_subset_model(deletion):
    case, res, _, _, _, _, fit, sub = deletion
    at = sub.results_at(fit.theta, reml=case["REML"])
    want = measures(np.asarray(res.fe_params), np.asarray(res.cov_params()),
                    np.asarray(at.fe_params), np.asarray(at.cov_params()))
    got = refit_measures(context(res), fit)
    for m in MEASURES + ["dfbeta"]:
        assert_close(got[m], want[m], rtol=1e-8, atol=1e-12, what=m)
    assert_close(got["rvc"], varcomps(at) / varcomps(res) - 1, rtol=1e-8, atol=1e-12)


def test_full_refit_reaches_the_subset_optimum(deletion):
    case, _, _, _, _, _, fit, sub = deletion
    fresh = sub.fit(reml=case["REML"])
    assert fit.objective <= -2 * fresh.llf + 1e-8 * abs(fresh.llf)
    assert_close(fit.theta, fresh.theta, rtol=1e-4, atol=1e-5)


def test_get_influence_full_reports_the_refit(deletion):
    _, res, level, labels, _, _, fit, _ = deletion
    subset = labels if level is not None else res.fittedvalues.index[labels]
    infl = res.get_influence(level=level, method="full", subset=subset, progress=False)
    want = refit_measures(context(res), fit)
    frame = infl.summary_frame()
    for m in MEASURES:
        assert_close(frame[m].iloc[0], want[m], rtol=1e-7, atol=1e-12)
    rvc = frame[[c for c in frame.columns if c.startswith("rvc_")]].iloc[0]
    assert list(rvc.index) == ["rvc_" + n for n in infl.rvc.columns]
    assert infl.rvc.columns[0] == "sigma2"
    assert_close(rvc, want["rvc"], rtol=1e-6, atol=1e-9)


def test_rvc_names_follow_varcorr():
    _, _, res = small_fit("sleepstudy_slope_reml")
    infl = res.get_influence(level="Subject", method="full", subset=["308"], progress=False)
    assert list(infl.rvc.columns) == ["sigma2", "Subject.Intercept", "Subject.Days.Intercept",
                                      "Subject.Days"]


def test_progress_line_goes_to_stderr(capsys):
    _, _, res = small_fit("dyestuff_ml")
    res.get_influence(level="Batch", method="full", progress=True)
    err = capsys.readouterr().err
    assert "full refits: 6/6 (100%)" in err and err.endswith("\n")


def test_not_estimable_deletion_gives_nan_and_warns():
    df = reference_data({"dataset": "sleepstudy.csv"}).copy()
    df["rare"] = 0.0
    df.loc[df.index[3], "rare"] = 1.0
    res = smc.crossedlm("Reaction ~ Days + rare + (1 | Subject)", df).fit()
    label = res.fittedvalues.index[3]
    with pytest.warns(RuntimeWarning, match="not estimable"):
        infl = res.get_influence(method="full", subset=[label], progress=False)
    assert infl.cooks_distance.isna().all()
    with pytest.warns(RuntimeWarning, match="not estimable"):
        one = res.get_influence(subset=[label])
    assert one.cooks_distance.loc[[label]].isna().all()
    with pytest.warns(RuntimeWarning, match="1 of 1 deletions"):
        grouped = res.get_influence(level="Subject", subset=["308"])
    assert grouped.cooks_distance.isna().all()
    assert_close(res.hatvalues().iloc[3], 1.0, rtol=1e-10)


# -- the object ----------------------------------------------------------------------------
def test_summary_frame_and_series():
    _, _, res = small_fit("sleepstudy_slope_reml")
    infl = res.get_influence()
    frame = infl.summary_frame()
    assert list(frame.columns) == (MEASURES + ["leverage_overall", "leverage_fixef",
                                               "leverage_ranef", "leverage_ranef_uc",
                                               "dfbeta_Intercept", "dfbeta_Days"])
    for attr, name in [("cooks_distance", "cooks_d"), ("mdffits", "mdffits"),
                       ("covtrace", "covtrace"), ("covratio", "covratio")]:
        s = getattr(infl, attr)
        assert isinstance(s, pd.Series) and s.name == name and s.index.equals(frame.index)
    assert infl.rvc is None
    assert_close(frame["leverage_overall"], res.hatvalues(), rtol=1e-14)


def test_subset_selects_rows_and_levels():
    _, _, res = small_fit("sleepstudy_slope_reml")
    full = res.get_influence(level="Subject").summary_frame()
    part = res.get_influence(level="Subject", subset=["352", "308"]).summary_frame()
    assert list(part.index) == ["352", "308"]
    assert_close(part, full.loc[["352", "308"]], rtol=1e-12)


def test_internal_cutoff_is_hlmdiags():
    """R: x <- 1:8; quantile(x, .75) + 3 * IQR(x) = 16.75; quantile(x, .25) - 3 * IQR(x) = -7.75."""
    assert internal_cutoff(np.arange(1, 9)) == pytest.approx(16.75)
    assert internal_cutoff(np.arange(1, 9), two_sided=True) == pytest.approx((-7.75, 16.75))


def test_cutoff_helpers():
    _, _, res = small_fit("sleepstudy_slope_reml")
    infl = res.get_influence()
    cd = infl.cooks_distance.to_numpy()
    q1, q3 = np.percentile(cd, [25, 75])
    assert infl.cutoff("cooks_d") == pytest.approx(q3 + 3 * (q3 - q1))
    assert infl.cutoff("cooks_distance") == infl.cutoff("cooks_d")
    assert len(infl.cutoff("covratio")) == 2
    flagged = infl.influential("cooks_d")
    assert list(flagged) == list(infl.cooks_distance.index[cd > infl.cutoff("cooks_d")])
    assert len(flagged) > 0
    assert list(infl.influential("cooks_d", cutoff=np.inf)) == []


def test_errors():
    _, _, res = small_fit("penicillin_reml")
    with pytest.raises(ValueError, match="method"):
        res.get_influence(method="approx")
    with pytest.raises(ValueError, match="plate"):
        res.get_influence(level="Plate")
    with pytest.raises(KeyError, match="zz"):
        res.get_influence(level="plate", subset=["a", "zz"])
    with pytest.raises(ValueError, match="unknown measure"):
        res.get_influence().cutoff("cook")
