"""Exceptions and warnings raised by statsmodels-crossed.

Every error a user can provoke with bad input is one of these classes (or a
statsmodels / builtin class named below), with a message that names the
offending column, term or value.  Warnings reuse statsmodels' classes so that
``warnings.simplefilter`` filters written for statsmodels keep working.
"""
from statsmodels.tools.sm_exceptions import (  # noqa: F401  (re-exported)
    ConvergenceWarning,
    MissingDataError,
    ModelWarning,
    ValueWarning,
)


class CrossedError(ValueError):
    """Base class of the package's input errors."""


class FormulaError(CrossedError):
    """A formula, or one of its random-effects terms, is malformed."""


class DataError(CrossedError):
    """The data cannot define the model (unknown column, wrong type, bad weights...)."""


class SingularFitWarning(ModelWarning):
    """The fitted covariance of the random effects is singular (on the boundary)."""


class RankDeficiencyWarning(ModelWarning):
    """Fixed-effects columns were dropped because X is rank deficient."""
