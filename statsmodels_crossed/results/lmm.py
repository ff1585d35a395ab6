"""Results of a CrossedLM fit."""
import warnings
from functools import cached_property

import numpy as np
import pandas as pd
import patsy
import statsmodels.base.wrapper as wrap
from statsmodels.base.model import LikelihoodResultsWrapper
from statsmodels.base.model import LikelihoodModelResults
from scipy import stats

from statsmodels_crossed.exceptions import DataError, SingularFitWarning
from statsmodels_crossed.results import varcorr as vc
from statsmodels_crossed.results.criteria import InformationCriteria
from statsmodels_crossed.results.diagnostics_methods import DiagnosticsMethods
from statsmodels_crossed.results.inference_methods import InferenceMethods
from statsmodels_crossed.results.summary import build_summary


class CrossedLMResults(InformationCriteria, DiagnosticsMethods, InferenceMethods,
                       LikelihoodModelResults):
    """Results of :meth:`CrossedLM.fit`.

    ``params`` are the fixed effects, ``normalized_cov_params * scale`` their
    covariance ``sigma^2 (R_X' R_X)^{-1}``, so statsmodels' Wald machinery
    (``bse``, ``tvalues``, ``pvalues``, ``conf_int``, ``t_test``, ``wald_test``,
    ``f_test``, ``wald_test_terms``) applies unchanged (normal reference
    distribution).  Variance parameters live in their own attributes.

    Attributes
    ----------
    fe_params : pandas.Series
    theta : ndarray
        Relative covariance factors at the optimum (lme4's order, see ``theta_names``).
    scale : float
        Residual variance sigma^2.
    cov_re : dict
        {VarCorr name: covariance matrix (DataFrame)} of each random-effects term.
    variance_components : dict
        {name: variance} of each scalar random-intercept term.
    random_effects : dict
        {grouping factor: Series (one term) or DataFrame (levels x columns)} of BLUPs.
    random_effects_cov : dict
        The conditional variances of the BLUPs, shaped as ``random_effects``.
    llf : float
        Log-likelihood (the REML log-likelihood for REML fits, as lme4's logLik).
    """

    def __init__(self, model, objective, devcomp, optsummary):
        factor = objective.factor
        beta = factor.beta()
        RXinv = np.linalg.inv(factor.RX())
        super().__init__(model, beta, normalized_cov_params=RXinv @ RXinv.T,
                         scale=devcomp.sigma2)
        self.use_t = False
        self.nobs = int(model.nobs)
        self.df_resid = model.nobs - len(beta)
        self.df_model = len(beta)
        self.reml = objective.reml
        self.devcomp = devcomp
        self.optsummary = optsummary
        self.factorization = factor.describe()
        self.theta = np.asarray(optsummary.theta)
        terms = objective.cp.terms
        self.reterms = terms
        lambdas = objective.theta_map.lambdas(self.theta)
        self.theta_names = _theta_names(terms)
        self.sigma = float(np.sqrt(self.scale))
        self.re_names = vc.varcorr_names(terms)
        covs = vc.term_covariances(lambdas, self.scale)
        self.variance_components = {name: float(c[0, 0]) for name, t, c
                                    in zip(self.re_names, terms, covs) if t.k == 1}
        self._covs = covs
        self.fe_params = pd.Series(beta, index=model.fe_names, name="fe_params")
        self.k_params_total = len(beta) + len(self.theta) + 1
        diag = objective.theta_map.is_diagonal()
        self.converged = bool(optsummary.converged)
        small = diag & (self.theta < optsummary.options.singular_tol)
        self.is_singular = bool(small.any())
        if self.is_singular:
            where = ", ".join(n for n, s in zip(self.theta_names, small) if s)
            warnings.warn(f"singular fit: the relative covariance factor is (nearly) singular at "
                          f"{where} (a variance near zero, or correlations near +-1); see "
                          "res.varcorr() and consider dropping that term",
                          SingularFitWarning, stacklevel=4)
        u = factor.u(beta)
        self.b = [ut @ lam.T for ut, lam in zip(u, lambdas)]
        self._objective, self._lambdas = objective, lambdas
        self.ngroups = {}
        for t in terms:
            self.ngroups.setdefault(t.group, t.n_levels)
        X = np.asarray(model.exog, dtype=float)[:, model.kept_columns]
        self._marginal = X @ beta
        self._zb = sum(_term_contribution(t.X, t.codes, b) for t, b in zip(terms, self.b))
        self.fittedvalues = self._wrap_rows(self._marginal + self._zb)
        self.resid = self._wrap_rows(model._y - self._marginal - self._zb)

    @cached_property
    def cov_re(self):
        """Covariance matrix of each term's random effects (DataFrames keyed by the
        VarCorr names): ``sigma^2 Lambda_t Lambda_t'``."""
        return {name: pd.DataFrame(c, index=t.columns, columns=t.columns)
                for name, t, c in zip(self.re_names, self.reterms, self._covs)}

    @cached_property
    def random_effects(self):
        """The BLUPs (conditional modes) per grouping factor, one DataFrame each
        (levels by the term's columns; a factor with several terms joins them)."""
        return GroupDict(_by_group(self.reterms, self.b))

    @cached_property
    def condvar_b(self):
        """Conditional covariances of the BLUPs, one (l_t, k_t, k_t) stack per term:
        ``sigma^2 lambda_t [(Lambda'Z'WZ Lambda + I)^{-1}]_ll lambda_t'`` (lme4's
        ``condVar``).  Computed on first use: it costs more than the fit on large models."""
        factor = self._objective.factor
        factor.update(self._lambdas)
        return [self.scale * np.matmul(np.matmul(lam, cv), lam.T)
                for cv, lam in zip(factor.condvar_u(), self._lambdas)]

    @cached_property
    def random_effects_cov(self):
        """Conditional variances of the BLUPs, shaped as ``random_effects``."""
        return GroupDict(_by_group(self.reterms,
                                   [np.diagonal(c, axis1=1, axis2=2) for c in self.condvar_b]))

    # -- persistence (issue 8): pickle, save/load, remove_data -------------------------
    @property
    def _objective(self):
        """The fitted criterion (its factorization at ``theta``): the one of the fit,
        or, after unpickling, rebuilt from the model's data on first use."""
        obj = self.__dict__.get("_fitted_objective")
        if obj is None:
            if getattr(self.model, "exog", None) is None:
                raise ValueError("this quantity needs the model's data, which remove_data() "
                                 "dropped; compute it before calling remove_data()")
            obj = self.model.objective(self.reml, self.optsummary.options.factorization)
            obj(self.theta)
            self.__dict__["_fitted_objective"] = obj
        return obj

    @_objective.setter
    def _objective(self, obj):
        self.__dict__["_fitted_objective"] = obj

    def __getstate__(self):
        """Pickle state without the fitted criterion (its factorization can be large
        and CHOLMOD's does not pickle); :attr:`_objective` rebuilds it on demand."""
        state = self.__dict__.copy()
        state.pop("_fitted_objective", None)
        return state

    def remove_data(self):
        """Drop every array with one entry per observation, from the results and the model.

        statsmodels' ``remove_data`` (``exog``, ``endog``), and: fitted values and
        residuals, the response, weights and grouping columns kept by the model,
        the level codes and model matrices of the random-effects terms (their
        levels and column names stay), the cross-product blocks, the fitted
        factorization and the data's ``orig_endog`` / ``orig_exog``.  Estimates, ``summary()``, ``predict(newdata)`` (formula
        models: ``data.frame`` is kept, as statsmodels keeps it, to rebuild the
        formula's design on unpickling) and ``random_effects`` keep working;
        conditional variances, diagnostics and refits need the data: compute them first.
        """
        super().remove_data()
        self.fittedvalues = self.resid = self._marginal = self._zb = None
        self.__dict__.pop("_fitted_objective", None)
        model = self.model
        model.__dict__.pop("crossprod", None)
        model._y = model.group_frame = model.weights = None
        model.data.orig_endog = model.data.orig_exog = None   # statsmodels keeps them for
        empty = np.zeros(0, dtype=int)                        # formulas; we rebuild from frame
        stripped = {id(t): t.subset(empty) for t in model.reterms}
        model.reterms = [stripped[id(t)] for t in model.reterms]
        self.reterms = [stripped.get(id(t), t.subset(empty)) for t in self.reterms]

    # -- likelihood-based criteria ---------------------------------------------------
    @property
    def llf(self):
        """Log-likelihood at the optimum; the REML log-likelihood for REML fits."""
        return float(-0.5 * self.devcomp.objective)

    @property
    def deviance(self):
        """-2 log-likelihood (for REML fits: the REML criterion)."""
        return -2 * self.llf

    @property
    def fitted_marginal(self):
        """Marginal fitted values X beta (random effects at zero)."""
        return self._wrap_rows(self._marginal)

    def icc(self):
        """Intraclass correlation of each scalar random-intercept term:
        variance / (sum of those variances + sigma^2)."""
        total = sum(self.variance_components.values()) + self.scale
        return pd.Series({k: v / total for k, v in self.variance_components.items()},
                         name="ICC", dtype=float)

    def varcorr(self):
        """Variances, SDs and correlations as a tidy DataFrame (lme4's
        ``as.data.frame(VarCorr(m))``): group, var1, var2, vcov, sdcor."""
        return vc.varcorr_frame(self.re_names, self.reterms, self._covs, self.scale)

    # -- prediction -------------------------------------------------------------------
    def predict(self, exog=None, include_re=True, newdata=None, transform=True):
        """Predicted means.

        Parameters
        ----------
        exog : DataFrame, optional
            New data with the model's variables (for a formula model) or a
            fixed-effects design matrix together with the model's
            ``groups`` columns.  Default: the fitted data.
        include_re : bool
            Conditional prediction (X beta + Z b, default) or marginal (X beta).
            Levels not seen in the fit contribute 0.
        newdata : DataFrame
            Alias of ``exog``.
        """
        if newdata is not None:
            if exog is not None:
                raise ValueError("give exog or newdata, not both")
            exog = newdata
        if exog is None:
            return self.fittedvalues if include_re else self.fitted_marginal
        if not hasattr(self.model, "formula"):
            raise ValueError("predict with new data needs a model created by from_formula")
        if getattr(self.model, "re_design_infos", None) is None:
            raise ValueError("predict with new data needs the formula's design, which could "
                             "not be rebuilt after unpickling (the formula uses names from "
                             "the namespace it was created in, or data.frame is gone)")
        X, index = self._transform_predict_exog(exog, transform=transform)
        pred = X[:, self.model.kept_columns] @ np.asarray(self.fe_params)
        if include_re:
            pred = pred + self._re_contribution(exog)
        return pd.Series(pred, index=index) if index is not None else pred

    def _re_contribution(self, frame):
        frame = pd.DataFrame(frame)
        out = np.zeros(len(frame))
        for rterm, info in zip(self.model.parsed_formula.random, self.model.re_design_infos):
            term = self._term_for(rterm.group_name, info)
            if term is None:
                continue
            t, b = term
            Xt = np.asarray(patsy.build_design_matrices([info], frame, NA_action="raise")[0])
            missing = [f for f in rterm.factors if f not in frame.columns]
            if missing:
                raise DataError(f"new data lacks column {missing[0]!r}, the grouping factor of "
                                f"({rterm.expr} | {rterm.group_name}); add it (levels not seen "
                                "in the fit contribute 0) or predict with include_re=False")
            codes = _level_codes(t.levels, _group_labels(frame, rterm.factors))
            seen = codes >= 0
            contrib = np.zeros(len(frame))
            contrib[seen] = (Xt[seen] * b[codes[seen]]).sum(1)
            out += contrib
        return out

    def _term_for(self, group, design_info):
        cols = tuple(design_info.column_names)
        for t, b in zip(self.reterms, self.b):
            if t.group == group and t.columns == cols:
                return t, b
        return None

    def _wrap_rows(self, values):
        idx = getattr(self.model.data, "row_labels", None)
        return pd.Series(values, index=idx) if idx is not None else values

    # -- tables -------------------------------------------------------------------------
    def _fixed_effects_table(self, alpha=0.05, df_method=None):
        if df_method is not None:
            from statsmodels_crossed.inference.ddf import fixed_effects_table
            return fixed_effects_table(self, alpha=alpha, df_method=df_method)
        ci = np.asarray(self.conf_int(alpha))
        z = np.asarray(self.tvalues)
        table = pd.DataFrame({"Coef.": np.asarray(self.params), "Std.Err.": np.asarray(self.bse),
                              "z": z, "P>|z|": 2 * stats.norm.sf(np.abs(z)),
                              f"[{alpha / 2:g}": ci[:, 0], f"{1 - alpha / 2:g}]": ci[:, 1]},
                             index=self.model.fe_names)
        return table

    def summary(self, alpha=0.05, title=None, df_method=None):
        """Model information, fixed effects (Wald z) and random effects.

        ``df_method="satterthwaite"`` or ``"kenward-roger"``: the fixed effects
        as t tests with that method's df (lmerTest's summary; Kenward-Roger
        shows the adjusted standard errors)."""
        return build_summary(self, alpha=alpha, title=title, df_method=df_method)


def _theta_names(terms):
    names = []
    for t in terms:
        for j in range(t.k):
            for i in range(j, t.k):
                names.append(f"{t.group}.{t.columns[i]}" if i == j
                             else f"{t.group}.{t.columns[i]}.{t.columns[j]}")
    return names


def _term_contribution(X, codes, b):
    """Row-wise Z_t b_t: sum_c X[i, c] b[codes[i], c]."""
    return np.einsum("ik,ik->i", X, b[codes])


class GroupDict(dict):
    """A dict keyed by grouping factor whose KeyError lists the grouping factors."""

    def __missing__(self, key):
        raise KeyError(f"{key!r} is not a grouping factor of the model; they are "
                       f"{list(self)}")


def _by_group(terms, values):
    """{grouping factor: Series (one scalar term) or DataFrame (levels x columns)}."""
    out = {}
    for t, v in zip(terms, values):
        frame = pd.DataFrame(v, index=t.levels, columns=list(t.columns))
        out[t.group] = frame if t.group not in out else pd.concat([out[t.group], frame], axis=1)
    return {g: (f.iloc[:, 0].rename(g) if f.shape[1] == 1 else f) for g, f in out.items()}


def _level_codes(levels, labels):
    """Codes of ``labels`` among the fitted ``levels``, -1 for levels not seen in the fit.

    Labels are matched as they are, then as strings, so that a column read as
    integers matches levels fitted from strings ("308" and 308) and vice versa.
    """
    codes = levels.get_indexer(labels)
    miss = codes < 0
    as_str = pd.Index(levels.astype(str))
    if miss.any() and as_str.is_unique:
        codes[miss] = as_str.get_indexer(pd.Index(labels[miss]).astype(str))
    return codes


def _group_labels(frame, factors):
    if len(factors) == 1:
        return pd.Index(frame[factors[0]])
    return pd.Index([":".join(map(str, r)) for r in zip(*(frame[f] for f in factors))])


class CrossedLMResultsWrapper(LikelihoodResultsWrapper):
    _attrs = {}
    _wrap_attrs = wrap.union_dicts(LikelihoodResultsWrapper._wrap_attrs, _attrs)
    _methods = {}
    _wrap_methods = wrap.union_dicts(LikelihoodResultsWrapper._wrap_methods, _methods)
    # -- inference: conf_int labels its own output (profile/bootstrap rows are all parameters)
    _wrap_methods = {k: v for k, v in _wrap_methods.items() if k != "conf_int"}

    def conf_int(self, *args, **kwargs):
        return object.__getattribute__(self, "_results").conf_int(*args, **kwargs)

    conf_int.__doc__ = CrossedLMResults.conf_int.__doc__


wrap.populate_wrapper(CrossedLMResultsWrapper, CrossedLMResults)
