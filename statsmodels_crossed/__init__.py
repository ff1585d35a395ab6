"""Linear and generalized linear mixed models with crossed random effects."""
from statsmodels_crossed._version import __version__

__all__ = ["__version__"]
