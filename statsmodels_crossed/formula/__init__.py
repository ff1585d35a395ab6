"""Formula parsing: lme4's random-effects syntax on top of patsy's fixed part."""
from statsmodels_crossed.formula.parse import ParsedFormula, RandomTerm, parse_formula

__all__ = ["ParsedFormula", "RandomTerm", "parse_formula"]
