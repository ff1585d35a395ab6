"""Diagnostics of CrossedLM fits: residuals, leverage, influence, plots.

The same functions back the results methods (``res.residuals()``,
``res.hatvalues()``, ``res.leverage()``, ``res.get_influence()``,
``res.plot_*()``).  GLMM diagnostics are not here yet.
"""
from statsmodels_crossed.diagnostics.influence import CrossedLMInfluence, internal_cutoff
from statsmodels_crossed.diagnostics.leverage import hatvalues, leverage
from statsmodels_crossed.diagnostics.residuals import residuals

__all__ = ["CrossedLMInfluence", "hatvalues", "internal_cutoff", "leverage", "residuals"]
