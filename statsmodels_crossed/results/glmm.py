"""Results of a CrossedGLM fit."""
import warnings

import numpy as np
import pandas as pd
import statsmodels.base.wrapper as wrap
from scipy import stats
from statsmodels.base.model import LikelihoodModelResults
from statsmodels.tools.sm_exceptions import HessianInversionWarning, PerfectSeparationWarning

from statsmodels_crossed.deviance.glmm import family_name
from statsmodels_crossed.deviance.pirls import joint_factor
from statsmodels_crossed.exceptions import ConvergenceWarning, SingularFitWarning
from statsmodels_crossed.formula.frame import offset_for_newdata
from statsmodels_crossed.results import varcorr as vc
from statsmodels_crossed.results.criteria import InformationCriteria
from statsmodels_crossed.results.lmm import (CrossedLMResults, CrossedLMResultsWrapper, _by_group,
                                             _theta_names)
from statsmodels_crossed.results.summary import build_summary, formula_cell


class CrossedGLMResults(InformationCriteria, LikelihoodModelResults):
    """Results of :meth:`CrossedGLM.fit`.

    ``params`` are the fixed effects; their covariance ``cov_params()`` is
    lme4's default: ``2 H^{-1}`` restricted to beta, H the finite-difference
    Hessian of the deviance in (theta, beta); ``cov_params(method="rx")`` is
    ``(R_X' R_X)^{-1}`` from the PIRLS system (lme4's ``use.hessian=FALSE``).
    statsmodels' Wald machinery (``bse``, ``tvalues`` (z), ``pvalues``,
    ``conf_int``, ``t_test``, ``wald_test``) applies unchanged.

    Attributes
    ----------
    fe_params : pandas.Series
    theta : ndarray
        Relative covariance factors (lme4's order, ``theta_names``); the
        covariance of term t is ``lambda_t lambda_t'`` (no residual scale).
    scale : float
        The dispersion phi (1 for the binomial and Poisson families).
    cov_re, variance_components, random_effects, random_effects_cov
        As :class:`CrossedLMResults`; ``random_effects`` are the conditional
        modes b = Lambda u, ``random_effects_cov`` their conditional variances
        (Laplace approximation).
    llf : float
        Log-likelihood (Laplace or AGQ) with all constants.  For nAGQ > 1 lme4
        reports ``llf + saturated_constant / 2``.
    deviance : float
        lme4's ``deviance()``: the sum of squared deviance residuals at the modes.
    fittedvalues : conditional means mu;  ``linear_predictor``: eta (offsets included).

    Notes
    -----
    As lme4, the Laplace approximation uses the expected (Fisher) information
    ``Lambda' Z' W Z Lambda + I`` at the conditional modes; for canonical links
    it is the observed one.  For non-canonical links (probit, cloglog, Gamma or
    inverse Gaussian with a log link) glmmTMB uses the observed information, so
    its estimates differ slightly (both are approximations of the same
    likelihood).  Families with a dispersion phi (Gamma, inverse Gaussian)
    estimate it with theta and beta by maximizing the approximate likelihood
    (as glmmTMB; lme4 treats the scale differently), and ``cov_re`` is the
    covariance of b itself, not relative to phi.
    """

    def __init__(self, model, fit):
        obj, comp, resp = fit.objective, fit.devcomp, model.response
        self.phi = float(fit.phi)
        self.nagq = int(fit.summary.options.nagq)
        self.theta = np.asarray(fit.theta, dtype=float)
        beta = np.asarray(fit.beta, dtype=float)
        terms = obj.terms
        lambdas = obj.theta_map.lambdas(self.theta)
        state = obj.state
        joint = joint_factor(resp, terms, obj.pirls.X, lambdas, state, self.phi,
                             fit.summary.options.factorization)
        RXinv = np.linalg.inv(joint.RX())
        self.cov_rx = RXinv @ RXinv.T
        self.hessian = fit.hessian
        cov = self.cov_rx if fit.cov_hessian is None else fit.cov_hessian
        if fit.hessian is not None and fit.cov_hessian is None:
            warnings.warn("the Hessian of the deviance is not positive definite; "
                          "standard errors use R_X (cov_params(method='rx'))",
                          HessianInversionWarning, stacklevel=3)
        self.cov_method = "rx" if fit.cov_hessian is None else "hessian"
        super().__init__(model, beta, normalized_cov_params=cov / self.phi, scale=self.phi)
        self.use_t = False
        self.nobs = int(model.nobs)
        self.family = model.family
        self.devcomp = comp
        self.optsummary = fit.summary
        self.optsummary_stage1 = fit.stage1
        self.factorization = joint.describe()
        self.has_dispersion = resp.has_dispersion
        self.k_params_total = len(beta) + len(self.theta) + int(self.has_dispersion)
        self.df_model = len(beta)
        self.df_resid = self.nobs - self.k_params_total
        self.reterms = terms
        self.theta_names = _theta_names(terms)
        self.re_names = vc.varcorr_names(terms)
        self._covs = vc.term_covariances(lambdas, 1.0)
        self.cov_re = {name: pd.DataFrame(c, index=t.columns, columns=t.columns)
                       for name, t, c in zip(self.re_names, terms, self._covs)}
        self.variance_components = {name: float(c[0, 0]) for name, t, c
                                    in zip(self.re_names, terms, self._covs) if t.k == 1}
        self.fe_params = pd.Series(beta, index=model.fe_names, name="fe_params")
        self.b = obj.pirls.b(state.u, lambdas)
        self.condvar_b = [np.matmul(np.matmul(lam, cv), lam.T)
                          for cv, lam in zip(joint.condvar_u(), lambdas)]
        self.random_effects = _by_group(terms, self.b)
        self.random_effects_cov = _by_group(
            terms, [np.diagonal(c, axis1=1, axis2=2) for c in self.condvar_b])
        self.ngroups = {}
        for t in terms:
            self.ngroups.setdefault(t.group, t.n_levels)
        self._eta, self._mu = state.eta, state.mu
        # X_c beta_c where the fit has it: X beta cancels for a covariate far from zero
        self._marginal_eta = resp.offset + (
            obj.pirls.fixed_part(fit.beta_c, centred=True) if fit.beta_c is not None
            else obj.pirls.fixed_part(beta))
        self.fittedvalues = self._wrap_rows(self._mu)
        self.linear_predictor = self._wrap_rows(self._eta)
        diag = obj.theta_map.is_diagonal()
        singular_tol = fit.summary.options.singular_tol
        self.is_singular = bool((self.theta[diag] < singular_tol).any())
        stages = [s for s in (fit.stage1, fit.summary) if s is not None]
        self.converged = all(s.converged for s in stages) and state.converged
        self._warn(resp)

    def _warn(self, resp):
        if self.is_singular:
            warnings.warn("singular fit: a random-effects variance is (nearly) zero or the "
                          "correlations are +-1; see res.is_singular and res.varcorr()",
                          SingularFitWarning, stacklevel=4)
        mu = self._mu
        if resp.binomial:
            edge = (mu < 1e-10) | (mu > 1 - 1e-10)
            what = "fitted probabilities numerically 0 or 1"
        else:
            edge = mu < 1e-10
            what = "fitted means numerically 0"
        if edge.any():
            warnings.warn(f"{what} occurred: "
                          "the data may be (quasi-)separated by a fixed effect; the "
                          "estimates of the affected coefficients are not meaningful",
                          PerfectSeparationWarning, stacklevel=4)
        if not self.converged:
            warnings.warn("the fit did not converge (see res.optsummary)", ConvergenceWarning,
                          stacklevel=4)

    # -- covariance of the fixed effects ---------------------------------------------------
    def cov_params(self, r_matrix=None, column=None, scale=None, cov_p=None, other=None,
                   method=None):
        """Covariance of the fixed effects (statsmodels' signature), plus ``method``:
        ``"hessian"`` (lme4's default, if available) or ``"rx"`` (``(R_X'R_X)^{-1}``)."""
        if method == "rx":
            cov_p = self.cov_rx
        elif method not in (None, "hessian"):
            raise ValueError(f"method must be 'hessian' or 'rx', not {method!r}")
        return super().cov_params(r_matrix=r_matrix, column=column, scale=scale,
                                  cov_p=cov_p, other=other)

    @property
    def bse_rx(self):
        """Standard errors from R_X (lme4's ``vcov(use.hessian=FALSE)``)."""
        return np.sqrt(np.diag(self.cov_rx))

    # -- likelihood-based criteria -------------------------------------------------------------
    @property
    def llf(self):
        """Log-likelihood (Laplace / AGQ) at the optimum, all constants included."""
        return -0.5 * self.devcomp.objective

    @property
    def saturated_constant(self):
        """``-2 sum log f(y_i; mu_i = y_i)``: lme4 leaves it out of -2 logLik for nAGQ > 1."""
        return self.devcomp.saturated_constant

    @property
    def deviance(self):
        """Sum of squared deviance residuals at the conditional modes (lme4's ``deviance()``)."""
        return self.devcomp.drsum

    def compare_lr_test(self, restricted):
        """Likelihood-ratio test against a nested GLMM fit on the same data.

        Returns ``(chi2, p_value, df_diff)`` with ``chi2 = 2 (llf_big - llf_small)``
        on ``df_diff`` = the difference in numbers of parameters (lme4's ``anova``).
        """
        if not isinstance(restricted, (CrossedGLMResults, CrossedGLMResultsWrapper)):
            raise TypeError("compare_lr_test needs another CrossedGLM fit")
        if restricted.nobs != self.nobs:
            raise ValueError(f"the fits have different numbers of observations "
                             f"({self.nobs} and {restricted.nobs}): not nested")
        if restricted.nagq != self.nagq:
            raise ValueError(f"compare fits with the same nagq ({self.nagq} and "
                             f"{restricted.nagq}): the likelihood approximations differ")
        big, small = ((self, restricted) if self.k_params_total >= restricted.k_params_total
                      else (restricted, self))
        df = big.k_params_total - small.k_params_total
        if df == 0:
            raise ValueError("the fits have the same number of parameters: not nested")
        chi2 = 2 * (big.llf - small.llf)
        return chi2, float(stats.chi2.sf(chi2, df)), df

    # -- residuals ----------------------------------------------------------------------------
    def _resid(self, kind):
        return self._wrap_rows(self.model.response.residuals(self._mu, kind, self.phi))

    @property
    def resid_response(self):
        """``y - mu`` (y the proportion for the binomial family)."""
        return self._resid("response")

    @property
    def resid_pearson(self):
        """``(y - mu) sqrt(w / V(mu))`` (lme4's pearson residuals)."""
        return self._resid("pearson")

    @property
    def resid_deviance(self):
        """Signed square roots of the deviance contributions (lme4's default residuals)."""
        return self._resid("deviance")

    @property
    def resid_working(self):
        """``(y - mu) g'(mu)``."""
        return self._resid("working")

    @property
    def resid(self):
        """Deviance residuals, as lme4's ``residuals()``."""
        return self.resid_deviance

    # -- variance components and prediction ---------------------------------------------------
    def varcorr(self):
        """Variances, SDs and correlations (lme4's ``as.data.frame(VarCorr(m))``);
        a ``Residual`` row (the dispersion) only for families with a dispersion."""
        return vc.varcorr_frame(self.re_names, self.reterms, self._covs, self.phi,
                                residual=self.has_dispersion)

    def predict(self, exog=None, include_re=True, which="mean", newdata=None, offset=None,
                transform=True):
        """Predictions on the response (``which="mean"``) or link (``"linear"``) scale.

        Parameters
        ----------
        exog : DataFrame, optional
            New data with the model's variables (formula models).  Default:
            the fitted data.  Levels not seen in the fit contribute 0.
        include_re : bool
            Conditional (X beta + Z b + offset) or marginal (X beta + offset).
        which : {"mean", "linear"}
        newdata : DataFrame
            Alias of ``exog``.
        offset : array_like, optional
            Added to the linear predictor of new data, besides the formula's
            ``offset(...)`` terms (evaluated on the new data).
        """
        if which not in ("mean", "linear"):
            raise ValueError(f"which must be 'mean' or 'linear', not {which!r}")
        if newdata is not None:
            if exog is not None:
                raise ValueError("give exog or newdata, not both")
            exog = newdata
        if exog is None:
            eta = self._eta if include_re else self._marginal_eta
            index = None
        else:
            if not hasattr(self.model, "formula"):
                raise ValueError("predict with new data needs a model created by from_formula")
            if self.model.offset_given and offset is None:
                warnings.warn("the model has an offset given as an argument: pass offset= "
                              "for the new data (0 is used)", UserWarning, stacklevel=2)
            X, index = self._transform_predict_exog(exog, transform=transform)
            eta = X[:, self.model.kept_columns] @ np.asarray(self.fe_params)
            eta = eta + offset_for_newdata(self.model.offset_design_infos, exog)
            if offset is not None:
                eta = eta + np.asarray(offset, dtype=float)
            if include_re:
                eta = eta + self._re_contribution(exog)
        out = eta if which == "linear" else self.model.response.mu(eta)
        if index is not None:
            return pd.Series(out, index=index)
        return self._wrap_rows(out) if exog is None else out

    # shared with the LMM results (they read model, reterms, b, conf_int, bse, tvalues)
    _re_contribution = CrossedLMResults._re_contribution
    _term_for = CrossedLMResults._term_for
    _wrap_rows = CrossedLMResults._wrap_rows
    _fixed_effects_table = CrossedLMResults._fixed_effects_table

    # -- intervals ----------------------------------------------------------------------------
    def profile(self):
        """The profiled -2 log-likelihood of every parameter (lme4's ``profile`` of a
        glmer fit): a ``GLMMProfile`` whose ``conf_int(alpha)`` gives the intervals of
        the random-effect SDs and correlations and of the fixed effects."""
        from statsmodels_crossed.inference.profile_glmm import GLMMProfile
        return GLMMProfile(self)

    def conf_int(self, alpha=0.05, method="wald", **kwargs):
        """Confidence intervals.  ``method="wald"`` (default): Wald intervals of the
        fixed effects; ``"profile"`` (:meth:`profile`, kwarg ``names``): profile
        intervals of all parameters, as lme4's ``confint(m, method="profile")``."""
        if method == "wald":
            return self.model.data.wrap_output(super().conf_int(alpha=alpha), how="columns")
        if method == "profile":
            return self.profile().conf_int(alpha=alpha, names=kwargs.pop("names", None))
        raise ValueError(f"method must be 'wald' or 'profile' for a GLMM, not {method!r}")

    # -- summary ------------------------------------------------------------------------------
    def summary(self, alpha=0.05, title=None):
        """Model information, fixed effects (Wald z) and random effects."""
        return build_summary(self, alpha=alpha, title=title or
                             "Generalized linear mixed model with crossed random effects",
                             info=_model_info(self))


def _method(res):
    if res.nagq == 0:
        return "PIRLS beta, Laplace theta (nAGQ = 0)"
    if res.nagq == 1:
        return "Laplace approximation"
    return f"adaptive Gauss-Hermite quadrature (nAGQ = {res.nagq})"


def _model_info(res):
    model = res.model
    info = {
        "Model:": "CrossedGLM",
        "Family:": family_name(res.family),
        "Formula:": formula_cell(model),
        "Method:": _method(res),
        "Dependent variable:": str(model.endog_names),
        "No. observations:": str(res.nobs),
    }
    if model.n_dropped:
        info["Dropped (missing):"] = str(model.n_dropped)
    for g, n in res.ngroups.items():
        info[f"No. groups {g}:"] = str(n)
    info["-2 logLik:"] = f"{-2 * res.llf:.4f}"
    info["Log-likelihood:"] = f"{res.llf:.4f}"
    info["AIC:"] = f"{res.aic:.4f}"
    info["BIC:"] = f"{res.bic:.4f}"
    info["Deviance:"] = f"{res.deviance:.4f}"
    if res.has_dispersion:
        info["Dispersion:"] = f"{res.phi:.4f}"
    info["Std. errors:"] = "Hessian" if res.cov_method == "hessian" else "R_X"
    info["Converged:"] = "Yes" if res.converged else "No"
    if res.is_singular:
        info["Singular fit:"] = "Yes (a variance is on the boundary)"
    return info


class CrossedGLMResultsWrapper(CrossedLMResultsWrapper):
    """The LMM results' wrapper (conf_int labels its own output: profile rows are all
    parameters), with the GLMM's ``conf_int`` documentation."""

    def conf_int(self, *args, **kwargs):
        return CrossedLMResultsWrapper.conf_int(self, *args, **kwargs)

    conf_int.__doc__ = CrossedGLMResults.conf_int.__doc__


wrap.populate_wrapper(CrossedGLMResultsWrapper, CrossedGLMResults)
