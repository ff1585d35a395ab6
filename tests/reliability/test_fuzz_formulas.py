"""Fuzzed formulas: every formula either fits with finite estimates or raises a
documented error with a message (contract.py); none hangs or crashes.

Three generators: formulas assembled from valid and broken pieces (random terms
with odd expressions, bars and groups, unbalanced parentheses), character-level
mutations of valid formulas, and short strings over the formula alphabet.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import statsmodels_crossed.api as smc
from statsmodels_crossed.exceptions import FormulaError
from tests.reliability.contract import outcome
from tests.reliability.generate import reliable


def _frame():
    rng = np.random.default_rng(11)
    n = 60
    g = np.arange(n) % 6
    return pd.DataFrame({
        "y": rng.normal(size=n) + g, "x": rng.normal(size=n), "z": rng.uniform(size=n),
        "g": g, "h": rng.permutation(np.arange(n) % 5).astype(str),
        "k": pd.Categorical(np.arange(n) % 3, categories=[0, 1, 2, 3]),
        "s": np.where(np.arange(n) % 2, "u", "v"), "nanc": np.nan, "const": 1.0,
        "obs": np.arange(n), "one": "a"})


DATA = _frame()
RESPONSES = ["y", "x", "s", "nanc", "const", "np.log(z)", "y + x", "", "undefined", "k"]
FIXED = ["x", "z", "C(h)", "x:z", "x*z", "np.exp(x)", "I(x**2)", "nanc", "const", "s",
         "-1", "0", "1", "undefined", "k", "(x", "x)", "g", "obs", "[x]", "'x'"]
EXPRS = ["1", "0", "x", "1 + x", "0 + x", "x + z", "C(h)", "", "nanc", "s", "-1",
         "x*z", "(1", "1)", "undefined", "k", "const", "x | z", "'1'"]
BARS = ["|", "||", "|||", "", " | ", "|:"]
GROUPS = ["g", "h", "k", "g:h", "g/h", "h/g", "g:h/k", "", "x", "nanc", "s", "undefined",
          "g h", "1", "obs", "one", "(g)", "g + h", "g:", "/g", "g//h", "lambda", "g.h"]


@st.composite
def assembled(draw):
    """``response ~ fixed + random`` from the pieces above, with optional damage."""
    def random_term():
        term = f"({draw(st.sampled_from(EXPRS))} {draw(st.sampled_from(BARS))} " \
               f"{draw(st.sampled_from(GROUPS))})"
        return draw(st.sampled_from([term, term, f"({term})", term[1:], term[:-1],
                                     f"x:{term}", f"{term} - 1"]))

    rhs = ([draw(st.sampled_from(FIXED)) for _ in range(draw(st.integers(0, 3)))]
           + [random_term() for _ in range(draw(st.integers(0, 3)))])
    rhs = draw(st.permutations(rhs)) if rhs else rhs
    tilde = draw(st.sampled_from(["~", "~", "~~", "", "=", "~ ~"]))
    return f"{draw(st.sampled_from(RESPONSES))} {tilde} {' + '.join(rhs)}"


VALID = ["y ~ x + (1 | g)", "y ~ x + (1 + x | g) + (1 | h)", "y ~ 1 + (x || g)",
         "y ~ x * z + (1 | g/h)", "y ~ C(h) + (0 + x | g) + (1 | g:h)"]
ALPHABET = "()|~+-*/:1 xyzgh,[]'\"\\0.{}"


@st.composite
def mutated(draw):
    """A valid formula with a few characters inserted, deleted or replaced."""
    text = list(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        ch = draw(st.sampled_from(ALPHABET))
        if op == "insert":
            text.insert(pos, ch)
        elif text and pos < len(text):
            if op == "delete":
                del text[pos]
            else:
                text[pos] = ch
    return "".join(text)


def fit_formula(formula):
    def call():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return smc.crossedlm(formula, DATA).fit(maxeval=400)
    return outcome(call)


@reliable(150)
@given(assembled())
def test_assembled_formulas(formula):
    fit_formula(formula)


@reliable(150)
@given(mutated())
def test_mutated_formulas(formula):
    fit_formula(formula)


@reliable(100)
@given(st.text(alphabet=ALPHABET, max_size=30))
def test_random_strings(formula):
    fit_formula(formula)


@pytest.mark.parametrize("formula", [
    "y ~ x + (1 | g", "y ~ x + 1 | g)", "y ~ x + ((1 | g)", "y ~ (x + (1 | g)",
    "y ~ x + (1 | g)) + (1 | h)", "y ~ x + [1 | g]", "y ~ x + (1 | g]",
    "y ~ x + (1 || || g)", "y ~ x + (| g)", "y ~ x + (1 |)", "y ~ x + (1 | g:)",
    "y ~ x + (1 | 'g')", "y ~ x + (1 | g) + ", "~ x + (1 | g)", "y ~", "",
    "y ~ x + (1 | g) ~ z", "y ~ x + (1 | g/)", "y ~ x + (1 | lambda)"])
def test_malformed_formulas_raise_formula_errors(formula):
    """Malformed syntax is a FormulaError (not a DataError or patsy's error)."""
    with pytest.raises(FormulaError) as info:
        smc.crossedlm(formula, DATA)
    assert str(info.value).strip()


def test_the_generators_reach_fits_and_errors():
    """The fuzzed inputs are not all rejected: valid pieces do fit."""
    kinds = {type(fit_formula(f)).__name__ for f in VALID + ["y ~ x + (1 + x | g)"]}
    assert "CrossedLMResultsWrapper" in kinds
    assert isinstance(fit_formula("y ~ x + (1 | g"), FormulaError)
