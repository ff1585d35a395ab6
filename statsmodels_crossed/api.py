"""statsmodels-style entry points.

>>> import statsmodels_crossed.api as smc
>>> df = smc.datasets.load("rt_experiment")
>>> res = smc.crossedlm("rt ~ cond + (1 + cond | subj) + (1 | item)", data=df).fit()
"""
from statsmodels_crossed import datasets
from statsmodels_crossed.models.crossedlm import CrossedLM, crossedlm
from statsmodels_crossed.optim.options import FitOptions
from statsmodels_crossed.results.lmm import CrossedLMResults
# -- GLMM (issue 5) --
from statsmodels_crossed.models.crossedglm import CrossedGLM
from statsmodels_crossed.results.glmm import CrossedGLMResults
# -- inference (issue 4) --
from statsmodels_crossed.inference.lrt import anova
from statsmodels_crossed.batch import fit_many

lmer = crossedlm
crossedglm = CrossedGLM.from_formula
glmer = crossedglm

__all__ = ["CrossedLM", "CrossedLMResults", "FitOptions", "crossedlm", "lmer", "datasets",
           "CrossedGLM", "CrossedGLMResults", "crossedglm", "glmer"]
__all__ += ["anova"]  # inference (issue 4)
__all__ += ["fit_many"]  # many fits in a process pool
