"""The seeded VerbAgg-sized data of ``benchmarks/glmm.py`` (issue 5's speed target)."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "glmm.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_glmm", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_verbagg_like_design(bench):
    data = bench.verbagg_like()
    assert len(data) == 7584
    assert data["id"].nunique() == 316 and data["item"].nunique() == 24
    assert (data.groupby(["id", "item"]).size() == 1).all()          # fully crossed
    assert set(data["r2"]) == {0, 1} and 0.2 < data["r2"].mean() < 0.6
    again = bench.verbagg_like()
    assert data.equals(again)                                          # seeded
    assert not data.equals(bench.verbagg_like(seed=1))


def test_cases_and_table(bench):
    cases = bench.cases()
    assert set(cases) == {"grouseticks", "cbpp", "cbpp_agq10", "verbagg_like"}
    text = bench.markdown([{"case": "a", "x": 1}, {"case": "b", "y": 2}])
    assert text.splitlines()[0] == "| case | x | y |"
    assert text.splitlines()[3] == "| b |  | 2 |"
    theirs = {"names": ["(Intercept)", "GenderM"], "fixef": [1.0, 2.0]}
    ours = {"GenderM": 2.5, "(Intercept)": 0.9}
    assert bench.max_abs_diff(ours, theirs) == pytest.approx(0.5)
    assert np.isclose(bench.max_abs_diff({"(Intercept)": 1.0, "GenderM": 2.0}, theirs), 0)
