"""statsmodels-style entry points.

>>> import statsmodels_crossed.api as smc
>>> res = smc.crossedlm("rt ~ cond + (1 + cond | subj) + (1 | item)", data=df).fit()
"""
from statsmodels_crossed import datasets
from statsmodels_crossed.models.crossedlm import CrossedLM
from statsmodels_crossed.optim.options import FitOptions
from statsmodels_crossed.results.lmm import CrossedLMResults

crossedlm = CrossedLM.from_formula
lmer = crossedlm

__all__ = ["CrossedLM", "CrossedLMResults", "FitOptions", "crossedlm", "lmer", "datasets"]
