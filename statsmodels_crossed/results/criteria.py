"""Information criteria shared by the LMM and GLMM results."""
import numpy as np


class InformationCriteria:
    """AIC and BIC from ``llf``, ``k_params_total`` and ``nobs`` (lme4's definitions:
    all fixed effects, theta and, where there is one, the scale count as parameters)."""

    @property
    def aic(self):
        return -2 * self.llf + 2 * self.k_params_total

    @property
    def bic(self):
        return -2 * self.llf + np.log(self.nobs) * self.k_params_total
