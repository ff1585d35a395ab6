"""The benchmark cases of issue 3: model, data, and time limits per package.

A case is plain data; runners read ``formula`` (lme4 syntax, used verbatim by ours,
lme4 and mixedlm) and the structured ``fixed`` / ``random`` parts for packages that
take the two halves separately (interlace, statsmodels).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import data


@dataclass(frozen=True)
class RandomTerm:
    """One ``(expr | group)`` term: ``slope`` is the covariate of ``(1 + slope | g)``."""

    group: str               # a column, or "a:b" for an interaction factor
    slope: str | None = None

    @property
    def lme4(self) -> str:
        return f"(1 + {self.slope} | {self.group})" if self.slope else f"(1 | {self.group})"


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    response: str
    fixed: str                          # right-hand side, "1" or "x + z"
    random: tuple[RandomTerm, ...]
    load: Callable[[], object]          # -> pandas.DataFrame
    timeout: float = 600.0              # seconds, per package
    timeouts: dict = field(default_factory=dict)   # per-package overrides
    smoke_load: Callable[[], object] | None = None  # tiny version for --smoke
    kind: str = "fit"                   # "fit", or "scaling" (ours only)
    sizes: tuple[int, ...] = ()         # scaling: rows per size

    @property
    def formula(self) -> str:
        """The whole model in lme4 syntax, e.g. ``y ~ x + (1 | A) + (1 | B)``."""
        return " + ".join([f"{self.response} ~ {self.fixed}"] + [t.lme4 for t in self.random])

    def timeout_for(self, package: str) -> float:
        return self.timeouts.get(package, self.timeout)


AB = (RandomTerm("A"), RandomTerm("B"))

CASES = {
    c.name: c
    for c in [
        Case("penicillin",
             "Penicillin (lme4): 144 rows, 24 plates x 6 samples fully crossed; "
             "fixed overhead, formula to results.",
             "diameter", "1", (RandomTerm("plate"), RandomTerm("sample")),
             data.load_penicillin, timeout=60),
        Case("slopes",
             "Simulated 100 subjects x 80 items (8,000 rows), correlated random "
             "intercepts and slopes on both crossed factors.",
             "rt", "cond", (RandomTerm("subj", "cond"), RandomTerm("item", "cond")),
             data.load_slopes, timeout=120),
        Case("insteval",
             "InstEval (lme4): 73,421 ratings, 2,972 students x 1,128 lecturers "
             "x 28 dept:service.",
             "y", "service", (RandomTerm("s"), RandomTerm("d"), RandomTerm("dept:service")),
             data.load_insteval, timeout=300,
             timeouts={"interlace": 150, "statsmodels_mixedlm": 120}),
        Case("sparse_crossed",
             "First 20,000 rows of big_crossed: most levels seen a few times, "
             "a large but sparse Schur complement.",
             "y", "x", AB, lambda: data.load_big_crossed(1_000_000, 20_000), timeout=600,
             smoke_load=lambda: data.load_big_crossed(20_000, 2_000)),
        Case("big_crossed",
             "Simulated 1,000,000 rows, A 6,000 x B 4,000 levels, Zipf-like "
             "popularity (~155 distinct B per A level).",
             "y", "x", AB, lambda: data.load_big_crossed(1_000_000), timeout=600,
             smoke_load=lambda: data.load_big_crossed(5_000)),
        Case("scaling",
             "big_crossed's design at n = 100k, 1M, 4M: setup time and time per "
             "objective evaluation (ours only).",
             "y", "x", AB, lambda: None, timeout=900, kind="scaling",
             sizes=(100_000, 1_000_000, 4_000_000)),
    ]
}

#: smoke mode (CI): tiny sizes, no insteval
SMOKE_SCALING_SIZES = (2_000, 5_000)
SMOKE_CASES = ("penicillin", "slopes", "sparse_crossed", "big_crossed", "scaling")
