"""The inference methods of the LMM results (statsmodels_crossed.inference).

A mixin of :class:`~statsmodels_crossed.results.lmm.CrossedLMResults`, placed
before statsmodels' ``LikelihoodModelResults`` so that its ``t_test``,
``f_test`` and ``conf_int`` (with denominator degrees of freedom, profile and
bootstrap intervals) take precedence and reach statsmodels' own through ``super()``.
"""


class InferenceMethods:
    """t and F tests with df methods, type III anova, LR tests, intervals, simulation, R2."""

    def t_test(self, r_matrix, cov_p=None, use_t=None, df_method=None, **df_options):
        """statsmodels' Wald t test; with ``df_method`` ("satterthwaite" or
        "kenward-roger") t tests whose ``df_denom`` holds each row's denominator
        df (lmerTest; Kenward-Roger uses the adjusted covariance)."""
        if df_method is None:
            return super().t_test(r_matrix, cov_p=cov_p, use_t=use_t)
        from statsmodels_crossed.inference.ddf import t_test
        return t_test(self, r_matrix, df_method, **df_options)

    def f_test(self, r_matrix, cov_p=None, invcov=None, df_method=None, **df_options):
        """statsmodels' F test; with ``df_method`` lmerTest's Satterthwaite F or
        pbkrtest's scaled Kenward-Roger F, denominator df in ``df_denom``."""
        if df_method is None:
            return super().f_test(r_matrix, cov_p=cov_p, invcov=invcov)
        from statsmodels_crossed.inference.ddf import f_test
        return f_test(self, r_matrix, df_method, **df_options)

    def anova(self, df_method="satterthwaite", **df_options):
        """Type III F table of the fixed-effects terms (lmerTest's ``anova(m)``)."""
        from statsmodels_crossed.inference.type3 import anova_type3
        return anova_type3(self, df_method=df_method, **df_options)

    def compare_lr_test(self, restricted, refit=True):
        """LR test of the nested fit ``restricted``: ``(lr_stat, p_value, df_diff)``;
        REML fits are refitted by ML first unless ``refit=False`` (as lme4)."""
        from statsmodels_crossed.inference.lrt import compare_lr_test
        return compare_lr_test(self, restricted, refit=refit)

    def conf_int(self, alpha=0.05, method="wald", **kwargs):
        """Confidence intervals.  ``method="wald"`` (default): statsmodels' Wald
        intervals of the fixed effects.  ``"profile"`` (:meth:`profile`) and
        ``"bootstrap"`` (:meth:`bootstrap`, kwargs ``nrep``, ``seed``, ``kind``):
        all parameters (SDs, correlations, sigma, fixed effects)."""
        if method == "wald":
            return self.model.data.wrap_output(super().conf_int(alpha=alpha), how="columns")
        if method == "profile":
            names = kwargs.pop("names", None)
            return self.profile(**kwargs).conf_int(alpha=alpha, names=names)
        if method == "bootstrap":
            kind = kwargs.pop("kind", "percentile")
            return self.bootstrap(**kwargs).conf_int(alpha=alpha, kind=kind)
        raise ValueError(f"method must be 'wald', 'profile' or 'bootstrap', not {method!r}")

    def profile(self, reml=False):
        """The profiled ML deviance of every parameter (lme4's ``profile``; REML
        fits are refitted by ML, as lme4 does): a ``Profile`` whose
        ``conf_int(alpha)`` gives the intervals and ``zeta(name, value)`` the profile."""
        from statsmodels_crossed.inference.profile import Profile
        return Profile(self, reml=reml)

    def bootstrap(self, nrep=1000, seed=None, include_re=True, progress=None, options=None):
        """Parametric bootstrap (lme4's ``bootMer``): ``BootstrapResults`` with the
        replicates of every parameter and their intervals; reproducible with ``seed``."""
        from statsmodels_crossed.inference.bootstrap import parametric_bootstrap
        return parametric_bootstrap(self, nrep=nrep, seed=seed, include_re=include_re,
                                    progress=progress, options=options)

    def simulate(self, nsim=1, seed=None, include_re=True):
        """Responses simulated from the fit (lme4's ``simulate``): new random effects
        (``include_re=True``) or the BLUPs (False); DataFrame n x nsim."""
        from statsmodels_crossed.inference.simulate import simulate
        return simulate(self, nsim=nsim, seed=seed, include_re=include_re)

    def r2_nakagawa(self):
        """Nakagawa's marginal and conditional R^2 with the ICCs (Series)."""
        from statsmodels_crossed.inference.r2 import r2_nakagawa
        return r2_nakagawa(self)
