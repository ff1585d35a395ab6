"""CrossedLM: linear mixed models with crossed and nested random effects."""
from functools import cached_property

import numpy as np
import pandas as pd
import patsy
from statsmodels.base import model as base

from statsmodels_crossed.deviance.lmm import LMMObjective
from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.reterms import float_columns, make_term
from statsmodels_crossed.exceptions import DataError
from statsmodels_crossed.formula.frame import build_model_frame
from statsmodels_crossed.formula.parse import parse_formula
from statsmodels_crossed.models import validation as check
from statsmodels_crossed.models.persistence import PicklableFormulaModel
from statsmodels_crossed.linalg.threads import blas_threads_for, one_blas_thread
from statsmodels_crossed.optim.bobyqa import minimize_theta
from statsmodels_crossed.optim.start import best_start
from statsmodels_crossed.optim.options import FitOptions, OptSummary


def _namespace(eval_env):
    """The caller's names (``eval_env`` frames above the caller of from_formula) as a dict."""
    if isinstance(eval_env, dict):
        return eval_env
    if not isinstance(eval_env, patsy.EvalEnvironment):
        eval_env = patsy.EvalEnvironment.capture(int(eval_env) + 2)
    names = {}
    for ns in reversed(eval_env._namespaces):
        names.update(ns)
    return names


class CrossedLM(PicklableFormulaModel, base.LikelihoodModel):
    """Linear mixed model ``y = X beta + Z b + e`` with crossed or nested random effects.

    ``b ~ N(0, sigma^2 Lambda Lambda')`` with one block per random-effects term,
    ``e ~ N(0, sigma^2 W^{-1})``; fitted by lme4's profiled REML or ML.

    Parameters
    ----------
    endog : array_like (n,)
        The response.
    exog : array_like (n, p) or None
        Fixed-effects design matrix (add the constant yourself).
    groups : array_like (n,) or (n, G), or DataFrame
        Grouping factors, one per column (labels of any type).
    exog_re : array_like (n, K) or DataFrame, optional
        Columns of the random-effects model matrices.  Default: a column of
        ones named ``"Intercept"`` (random intercepts).
    re_terms : list of (group, columns), optional
        The random-effects terms: ``group`` is a column name (or index) of
        ``groups``; ``columns`` the names (or indices) of the ``exog_re``
        columns of the term, which are correlated within the term.  Default:
        one term per grouping factor on all ``exog_re`` columns.
    weights : array_like (n,), optional
        Prior weights (positive): the residual variance of row i is sigma^2 / w_i.
    missing : {"none", "drop", "raise"}
        What to do with rows holding NaN/None.

    See Also
    --------
    CrossedLM.from_formula : the same model from an lme4-style formula.
    """

    def __init__(self, endog, exog, groups, exog_re=None, re_terms=None,
                 weights=None, missing="none", **kwargs):
        self.re_design_infos = kwargs.pop("re_design_infos", None)
        self.n_dropped = kwargs.pop("n_dropped", 0)
        nan_free = kwargs.pop("_nan_free", False)     # from_formula: the frame was checked
        reterms = kwargs.pop("_reterms", None)        # and its terms built (ModelFrame)
        check.unknown_keywords(kwargs, ("formula", "model_spec", "hasconst", "missing_idx"),
                               ("weights", "missing", "exog_re", "re_terms", "subset",
                                "eval_env"), type(self).__name__)
        groups = check.as_frame(groups, "group")
        n = len(groups)
        if n == 0:
            raise DataError("the model has no observations (groups has 0 rows)")
        if exog_re is None:
            exog_re = pd.DataFrame({"Intercept": np.ones(n)}, index=groups.index)
        exog_re = check.as_frame(exog_re, "exog_re")
        if len(exog_re) != n or check.n_rows(endog) != n:
            raise DataError(f"endog ({check.n_rows(endog)} rows), groups ({n}) and "
                            f"exog_re ({len(exog_re)}) must have the same number of rows")
        for name, arr in (("exog", exog), ("weights", weights)):
            if arr is not None and len(arr) != n:
                raise DataError(f"{name} has {len(arr)} rows; endog and groups have {n}")
        if exog is not None and np.ndim(exog) > 2:
            raise DataError(f"exog must be 1-D or 2-D, got {np.ndim(exog)} dimensions")
        mask, where = ((np.zeros(n, dtype=bool), {}) if nan_free
                       else check.missing_rows(endog, exog, groups, exog_re, weights))
        check.handle_missing(mask, where, missing)
        if mask.any():
            keep = ~mask
            endog = endog[keep] if not hasattr(endog, "iloc") else endog.iloc[keep]
            if exog is not None:
                exog = exog[keep] if not hasattr(exog, "iloc") else exog.iloc[keep]
            groups, exog_re = groups.iloc[keep], exog_re.iloc[keep]
            weights = None if weights is None else np.asarray(weights)[keep]
            self.n_dropped += int(mask.sum())
            reterms = None
            if not keep.any():
                raise DataError("no rows left after dropping rows with missing values")
        if exog is None:
            exog = np.zeros((len(groups), 0))
        # statsmodels' set-up and the rank checks on X with one BLAS thread: after a
        # multithreaded call OpenBLAS's idle threads spin for ~0.1 s, through the fit
        with one_blas_thread():
            self._set_up(endog, exog, groups, exog_re, re_terms, weights, kwargs, reterms)
        self.group_frame = groups

    def _set_up(self, endog, exog, groups, exog_re, re_terms, weights, kwargs, reterms):
        super().__init__(endog, exog, missing="none", **kwargs)
        self.weights = check.check_weights(weights, self.nobs)
        self._y = check.check_response(self.endog, self.endog_names)
        self.reterms = (self._make_terms(groups, exog_re, re_terms) if reterms is None
                        else reterms)
        check.check_terms(self.reterms, int(self.nobs), self._has_residual_scale())
        X = np.asarray(self.exog, dtype=float)
        if not np.isfinite(X).all():
            raise DataError("the fixed-effects design matrix has NaN or infinite values")
        check.check_magnitude(self._y, [self.endog_names], "the response")
        check.check_magnitude(X, self.exog_names, "fixed-effects column")
        for t in self.reterms:
            check.check_magnitude(t.X, t.columns, f"random-effects column (of {t.group})")
        if self.weights is not None:
            check.check_magnitude(self.weights, ["weights"], "prior")
        self.kept_columns = check.full_rank_columns(X, self.exog_names)
        if X.shape[1] and not len(self.kept_columns):
            raise DataError(f"every fixed-effects column ({', '.join(self.exog_names)}) is "
                            "zero; for a model without fixed effects write '0 +' alone")
        if len(self.kept_columns) < X.shape[1]:
            self.data.param_names = self.fe_names

    def initialize(self):
        self.nobs = float(self.endog.shape[0])
        self.k_constant = self.data.k_constant
        self.df_resid = self.nobs - np.linalg.matrix_rank(self.exog) if self.exog.size else self.nobs
        self.df_model = self.df_resid

    def _has_residual_scale(self):
        """A residual variance separate from the random effects (always, for LMMs)."""
        return True

    @staticmethod
    def _make_terms(groups, exog_re, re_terms):
        if re_terms is None:
            re_terms = [(g, list(exog_re.columns)) for g in groups.columns]
        terms = []
        for group, cols in re_terms:
            gname = groups.columns[group] if isinstance(group, (int, np.integer)) else group
            if gname not in groups.columns:
                raise DataError(f"random-effects term refers to grouping factor {gname!r}, "
                                f"which is not among groups {list(groups.columns)}")
            names = [exog_re.columns[c] if isinstance(c, (int, np.integer)) else c
                     for c in cols]
            unknown = [c for c in names if c not in exog_re.columns]
            if unknown:
                raise DataError(f"random-effects term on {gname!r}: column {unknown[0]!r} "
                                f"is not in exog_re {list(exog_re.columns)}")
            X = float_columns(exog_re, names)
            terms.append(make_term(str(gname), groups[gname], X, names))
        if not terms:
            raise DataError("the model has no random-effects term")
        return terms

    @classmethod
    def from_formula(cls, formula, data, subset=None, drop_cols=None, *args, **kwargs):
        """Create a model from an lme4-style formula and a DataFrame.

        Parameters
        ----------
        formula : str
            ``"y ~ fixed part + (expr | g) + ..."``: the fixed part in
            patsy/statsmodels syntax (``C()``, ``I()``, interactions,
            transforms), random-effects terms in lme4 syntax:

            * ``(1 | g)`` random intercept per level of ``g``
            * ``(1 + x | g)`` correlated random intercept and slope
            * ``(0 + x | g)`` random slope only
            * ``(x || g)`` uncorrelated intercept and slope
            * ``(1 | a:b)`` per combination of ``a`` and ``b``
            * ``(1 | a/b)`` nested: ``(1 | a) + (1 | a:b)``
        data : pandas.DataFrame
        subset : array_like, optional
            Rows of ``data`` to use (``data.loc[subset]``).
        weights : array_like or str, optional
            Prior weights, or the name of a column holding them.
        missing : {"drop", "raise", "none"}
            Rows with missing values in any variable of the model are dropped
            (default) or raise.
        eval_env : int or patsy.EvalEnvironment, optional
            Where non-column names are looked up (default: the caller).
        """
        if drop_cols is not None:
            raise NotImplementedError("drop_cols is not supported; edit the formula")
        if "groups" in kwargs or "re_formula" in kwargs or "vc_formula" in kwargs:
            raise TypeError("random effects are written in the formula, as in lme4: "
                            "'y ~ x + (1 + x | subject) + (1 | item)' (no groups=, "
                            "re_formula= or vc_formula= as in statsmodels' MixedLM)")
        eval_env = _namespace(kwargs.pop("eval_env", 0))
        if subset is not None:
            data = data.loc[subset]
        parsed = parse_formula(formula)
        mf = build_model_frame(parsed, data, weights=kwargs.pop("weights", None),
                               missing=kwargs.pop("missing", "drop"), eval_env=eval_env)
        mod = cls(mf.endog, mf.exog, mf.groups, exog_re=mf.exog_re, re_terms=mf.re_terms,
                  weights=mf.weights, missing="none", formula=formula,
                  model_spec=mf.model_spec, re_design_infos=mf.re_design_infos,
                  n_dropped=mf.n_dropped, _nan_free=mf.nan_free, _reterms=mf.reterms,
                  *args, **kwargs)
        mod.formula = formula
        mod.parsed_formula = parsed
        mod.data.frame = data
        return mod

    # -- the pipeline: cross products -> objective -> optimum -> results -------------
    @cached_property
    def crossprod(self):
        """The cross-product blocks of ``[Z X y]`` (built once, on first use)."""
        X = np.ascontiguousarray(np.asarray(self.exog, dtype=float)[:, self.kept_columns])
        cp = CrossProducts(self.reterms, X, self._y, self.weights)
        check.check_not_exact(X, self._y, cp.beta0, self.endog_names)
        return cp

    @property
    def fe_names(self):
        """Names of the fixed effects that are estimated (aliased columns dropped)."""
        return [self.exog_names[j] for j in self.kept_columns]

    def objective(self, reml=True, factorization="auto"):
        """The profiled criterion as a function of theta (lme4's ``devFunOnly``).

        Returns an :class:`~statsmodels_crossed.deviance.lmm.LMMObjective`:
        call it with theta (lme4's order: terms by decreasing number of levels,
        each factor's lower triangle column by column) for -2 (REML) log-likelihood.
        """
        return LMMObjective(self.crossprod, reml=reml, factorization=factorization)

    def loglike(self, params):
        raise NotImplementedError("the log-likelihood is a function of theta: use "
                                  "model.objective(reml)(theta) / -2")

    def fit(self, reml=True, start_params=None, options=None, **option_overrides):
        """Fit by profiled REML (default) or ML.

        Parameters
        ----------
        reml : bool
        start_params : array_like, optional
            Starting theta.  Default: lme4's identity start or an ANOVA-moment
            estimate, whichever has the lower criterion (:mod:`optim.start`).
        options : FitOptions, optional
            Optimizer settings; keyword arguments (``verbose=True``,
            ``factorization="cholmod"``, ``maxeval=...``) override its fields.

        Returns
        -------
        CrossedLMResultsWrapper
        """
        if not isinstance(reml, (bool, np.bool_)):
            raise TypeError(f"reml must be True (REML) or False (ML), not {reml!r}")
        opts = check.fit_options(options, option_overrides, FitOptions)
        obj = self.objective(reml=reml, factorization=opts.factorization)
        with blas_threads_for(obj.factor):
            theta0 = (best_start(obj, self.crossprod) if start_params is None
                      else np.asarray(start_params, dtype=float))
            if len(theta0) != obj.theta_map.n_theta:
                raise ValueError(f"start_params has {len(theta0)} values; theta has "
                                 f"{obj.theta_map.n_theta}")
            summary = minimize_theta(obj, theta0, obj.theta_map.lower_bounds(), opts)
            return self._results(obj, summary)

    def results_at(self, theta, reml=True, factorization="auto"):
        """Results with theta held at the given value (no optimization).

        Useful to compare with another program's estimates at its theta, and
        for profiling: beta, sigma^2 and the BLUPs are the profiled values at theta.
        """
        obj = self.objective(reml=reml, factorization=factorization)
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (obj.theta_map.n_theta,):
            raise ValueError(f"theta must have {obj.theta_map.n_theta} values")
        summary = OptSummary(options=FitOptions(factorization=factorization), theta0=theta,
                             theta=theta, fmin=obj(theta), n_evals=1, converged=True,
                             message="evaluated at the given theta")
        return self._results(obj, summary)

    def _results(self, obj, summary):
        from statsmodels_crossed.results.lmm import CrossedLMResults, CrossedLMResultsWrapper

        comp = obj.components(summary.theta)
        if comp is None or not np.isfinite(comp.objective):
            raise DataError("the criterion is not finite at theta = "
                            f"{np.array2string(np.asarray(summary.theta), precision=4)} "
                            "(the fixed-effects columns may be numerically collinear or "
                            "on very different scales); no estimates to report")
        return CrossedLMResultsWrapper(CrossedLMResults(self, obj, comp, summary))


def crossedlm(formula, data, weights=None, missing="drop", subset=None, eval_env=0, **kwargs):
    """A linear mixed model from an lme4-style formula (``smc.lmer`` is the same).

    Parameters
    ----------
    formula : str
        ``"response ~ fixed part + random terms"``.  The fixed part is
        statsmodels/patsy syntax (``C(x)``, ``I(x**2)``, ``a * b``,
        ``np.log(x)``, names from your namespace).  Random-effects terms are
        lme4's:

        ==================  =============================================
        ``(1 | g)``         a random intercept for each level of ``g``
        ``(1 + x | g)``     correlated random intercept and slope of ``x``
        ``(0 + x | g)``     a random slope only
        ``(x || g)``        uncorrelated intercept and slope (two terms)
        ``(1 | a:b)``       one effect per combination of ``a`` and ``b``
        ``(1 | a/b)``       ``b`` nested in ``a``: ``(1 | a) + (1 | a:b)``
        ==================  =============================================

        Any number of terms, crossed (``(1 | subject) + (1 | item)``) or
        nested.  Grouping columns may hold strings, integers or categoricals.
    data : pandas.DataFrame
        The response, covariates and grouping factors as named columns.
    weights : array_like or str, optional
        Prior weights (positive; the residual variance of row i is
        sigma^2 / w_i), or the name of a column holding them.
    missing : {"drop", "raise"}
        Rows with a missing value in any variable of the model are dropped
        (and counted in the summary) or raise ``MissingDataError``.
    subset : array_like, optional
        Rows of ``data`` to use (``data.loc[subset]``).
    eval_env : int or dict
        Where names in the formula that are not columns are looked up
        (default: your namespace).
    **kwargs
        Passed to :meth:`CrossedLM.from_formula` (unknown names are refused).

    Returns
    -------
    CrossedLM
        Call ``.fit()`` (REML) or ``.fit(reml=False)`` (ML) for the results.

    Examples
    --------
    >>> import statsmodels_crossed.api as smc
    >>> df = smc.datasets.load("penicillin")
    >>> res = smc.crossedlm("diameter ~ 1 + (1 | plate) + (1 | sample)", df).fit()
    >>> round(res.llf, 4)
    -165.4303
    """
    return CrossedLM.from_formula(formula, data, subset=subset, weights=weights,
                                  missing=missing, eval_env=_namespace(eval_env), **kwargs)
