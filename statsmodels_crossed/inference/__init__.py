"""Inference beyond Wald tests for linear mixed models.

* :mod:`.satterthwaite`, :mod:`.kenward_roger`, :mod:`.ddf` - denominator df
  of t and F tests (lmerTest, pbkrtest); :mod:`.type3` - type III F tables.
* :mod:`.lrt` - likelihood-ratio tests between nested fits (lme4's ``anova``).
* :mod:`.profile`, :mod:`.profile_glmm` - profile-likelihood intervals (lme4's
  ``profile``/``confint``) of LMM and GLMM fits.
* :mod:`.simulate`, :mod:`.bootstrap` - lme4's ``simulate`` and a parametric
  bootstrap reusing the model's structure.
* :mod:`.r2` - Nakagawa's marginal and conditional R^2.

The results classes expose these as methods (``t_test(..., df_method=)``,
``anova``, ``compare_lr_test``, ``conf_int(method=)``, ``profile``,
``bootstrap``, ``simulate``, ``r2_nakagawa``); this package holds the algorithms.
"""
from statsmodels_crossed.inference.bootstrap import BootstrapResults, parametric_bootstrap
from statsmodels_crossed.inference.kenward_roger import KenwardRoger
from statsmodels_crossed.inference.lrt import anova, compare_lr_test, lr_table
from statsmodels_crossed.inference.profile import Profile
from statsmodels_crossed.inference.profile_glmm import GLMMProfile
from statsmodels_crossed.inference.r2 import r2_nakagawa
from statsmodels_crossed.inference.satterthwaite import Satterthwaite
from statsmodels_crossed.inference.simulate import simulate

__all__ = ["Satterthwaite", "KenwardRoger", "anova", "lr_table", "compare_lr_test",
           "Profile", "GLMMProfile", "parametric_bootstrap", "BootstrapResults", "simulate",
           "r2_nakagawa"]
