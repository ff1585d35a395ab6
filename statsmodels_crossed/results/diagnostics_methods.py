"""The diagnostics methods of the LMM results (statsmodels_crossed.diagnostics).

A mixin of :class:`~statsmodels_crossed.results.lmm.CrossedLMResults`: each
method hands the results to the diagnostics package.
"""


class DiagnosticsMethods:
    """Residual variants, leverage, influence and the diagnostic plots."""

    def residuals(self, type="raw", kind="conditional"):
        """Residuals: ``type`` "raw", "pearson" or "standardized", ``kind``
        "conditional" (y - X beta - Z b) or "marginal" (y - X beta); exact
        definitions in :mod:`statsmodels_crossed.diagnostics.residuals`."""
        from statsmodels_crossed.diagnostics.residuals import residuals
        return residuals(self, type=type, kind=kind)

    @property
    def resid_marginal(self):
        """Marginal residuals ``y - X beta``."""
        return self.residuals("raw", "marginal")

    @property
    def resid_pearson(self):
        """Conditional Pearson residuals ``sqrt(w) (y - X beta - Z b) / sigma``."""
        return self.residuals("pearson")

    @property
    def resid_standardized(self):
        """Conditional residuals over their exact SD, ``sigma sqrt((1 - h_i) / w_i)``."""
        return self.residuals("standardized")

    def hatvalues(self):
        """Diagonal of the hat matrix of the fit (lme4's ``hatvalues()``)."""
        from statsmodels_crossed.diagnostics.leverage import hatvalues
        return hatvalues(self)

    def leverage(self, level=None):
        """HLMdiag's leverage (overall, fixef, ranef, ranef_uc) by observation, or
        its mean by level of the grouping factor ``level``."""
        from statsmodels_crossed.diagnostics.leverage import leverage
        return leverage(self, level=level)

    def get_influence(self, level=None, method="one-step", subset=None, progress=None):
        """Deletion diagnostics (Cook's D, MDFFITS, COVTRACE, COVRATIO, RVC, leverage)
        of single observations (``level=None``) or of the levels of a grouping
        factor; see :class:`statsmodels_crossed.diagnostics.CrossedLMInfluence`."""
        from statsmodels_crossed.diagnostics.influence import CrossedLMInfluence
        return CrossedLMInfluence(self, level=level, method=method, subset=subset,
                                  progress=progress)

    def plot_resid_fitted(self, type="pearson", kind="conditional", ax=None):
        """Residuals against fitted values; returns the matplotlib Figure."""
        from statsmodels_crossed.diagnostics.plots import plot_resid_fitted
        return plot_resid_fitted(self, type=type, kind=kind, ax=ax)

    def plot_qq(self, type="pearson", kind="conditional", ax=None):
        """Normal QQ plot of the residuals; returns the Figure."""
        from statsmodels_crossed.diagnostics.plots import plot_qq
        return plot_qq(self, type=type, kind=kind, ax=ax)

    def plot_ranef_qq(self, group=None, standardize=False):
        """Normal QQ plots of the BLUPs, one panel per term column; returns the Figure."""
        from statsmodels_crossed.diagnostics.plots import plot_ranef_qq
        return plot_ranef_qq(self, group=group, standardize=standardize)

    def plot_caterpillar(self, group=None, alpha=0.05):
        """BLUPs sorted, with conditional-SD intervals, per grouping factor; returns the Figure."""
        from statsmodels_crossed.diagnostics.plots import plot_caterpillar
        return plot_caterpillar(self, group=group, alpha=alpha)
