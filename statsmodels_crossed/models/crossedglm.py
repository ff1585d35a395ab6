"""CrossedGLM: generalized linear mixed models with crossed and nested random effects.

The pipeline is lme4's ``glmer``: the conditional modes by PIRLS on the LMM's
factorization (:mod:`statsmodels_crossed.deviance.pirls`), the Laplace or
adaptive-quadrature deviance (:mod:`statsmodels_crossed.deviance.laplace`), and two
optimization stages: theta with beta from PIRLS (nAGQ = 0), then theta and beta
together from there.
"""
import numpy as np
import pandas as pd

from statsmodels_crossed.deviance import glmm
from statsmodels_crossed.deviance.laplace import GLMMObjective, ProfiledGLMMObjective
from statsmodels_crossed.exceptions import DataError
from statsmodels_crossed.formula.frame import build_model_frame
from statsmodels_crossed.formula.parse import parse_formula
from statsmodels_crossed.linalg.threads import blas_threads_for
from statsmodels_crossed.models import validation as check
from statsmodels_crossed.models.crossedlm import CrossedLM, _namespace
from statsmodels_crossed.optim.glmm import fit_at, two_stage_fit
from statsmodels_crossed.optim.options import FitOptions, OptSummary


class CrossedGLM(CrossedLM):
    """Generalized linear mixed model ``g(E[y | b]) = offset + X beta + Z b``.

    ``b ~ N(0, Lambda Lambda')`` with one block per random-effects term, y | b
    in a statsmodels family; fitted by maximum likelihood with the Laplace
    approximation (or adaptive Gauss-Hermite quadrature), as lme4's ``glmer``.

    Parameters
    ----------
    endog : array_like (n,) or (n, 2)
        The response; for the binomial family 0/1 outcomes, proportions (with
        ``weights`` = numbers of trials) or two columns (successes, failures).
    exog, groups, exog_re, re_terms, missing
        As :class:`CrossedLM`.
    family : statsmodels.genmod.families.Family
        ``sm.families.Binomial()`` (logit, probit, cloglog links),
        ``sm.families.Poisson()``, ``sm.families.Gamma()``,
        ``sm.families.InverseGaussian()``, ``sm.families.NegativeBinomial(alpha=...)``.
    weights : array_like (n,), optional
        Prior weights; for the binomial family the numbers of trials.
    offset : array_like (n,), optional
        Added to the linear predictor.

    See Also
    --------
    CrossedGLM.from_formula : the same model from an lme4-style formula.
    """

    def _has_residual_scale(self):
        """Binomial and Poisson variances are fixed by the mean: an observation-level
        random effect is identifiable (overdispersion), as in glmer."""
        return not isinstance(self.family, glmm.FIXED_SCALE)

    def __init__(self, endog, exog, groups, exog_re=None, re_terms=None, family=None,
                 weights=None, offset=None, missing="none", **kwargs):
        self.family = glmm.check_family(family)
        self.offset_design_infos = kwargs.pop("offset_design_infos", None)
        if offset is not None:
            endog, exog, groups, exog_re, weights, offset, kwargs = _drop_missing_offset(
                endog, exog, groups, exog_re, weights, offset, missing, kwargs)
        # (CrossedLM runs the rank checks on X with one BLAS thread: OpenBLAS's idle
        # threads would spin ~0.1 s after them, a third of a VerbAgg-sized fit's CPU)
        super().__init__(endog, exog, groups, exog_re=exog_re, re_terms=re_terms,
                         weights=weights, missing=missing, **kwargs)
        #: an offset argument (not a formula offset(...) term): predict() needs it again
        self.offset_given = offset is not None
        y, w = glmm.response_and_weights(self.family, self.endog, self.weights,
                                         self.endog_names)
        self.response = glmm.GLMMResponse(self.family, y, w,
                                          glmm.check_offset(offset, len(y)))
        self._y = y

    @classmethod
    def from_formula(cls, formula, data, subset=None, drop_cols=None, *args, **kwargs):
        """Create a model from an lme4-style formula and a DataFrame.

        Parameters
        ----------
        formula : str
            As :meth:`CrossedLM.from_formula`, and: a binomial response as two
            columns ``successes + I(trials - successes) ~ ...`` (lme4's
            ``cbind(successes, failures)`` too); ``offset(expr)`` terms in the
            fixed part (``offset(log(exposure))``; ``log``, ``exp``, ``sqrt``
            and ``np`` are available).
        data : pandas.DataFrame
        family : statsmodels family
        weights : array_like or str, optional
            Prior weights (binomial: numbers of trials), or a column name.
        offset : array_like or str, optional
            Added to the formula's offsets; an array or a column name.
        subset, missing, eval_env
            As :meth:`CrossedLM.from_formula`.
        """
        if drop_cols is not None:
            raise NotImplementedError("drop_cols is not supported; edit the formula")
        eval_env = _namespace(kwargs.pop("eval_env", 0))
        if subset is not None:
            data = data.loc[subset]
        parsed = parse_formula(formula)
        offset_arg = kwargs.pop("offset", None)
        mf = build_model_frame(parsed, data,
                               weights=kwargs.pop("weights", None),
                               missing=kwargs.pop("missing", "drop"), eval_env=eval_env,
                               glm=True, offset=offset_arg)
        endog = mf.endog if mf.endog.shape[1] == 2 else mf.endog.iloc[:, 0]
        has_offset = bool(mf.offset_design_infos) or mf.offset.any()
        mod = cls(endog, mf.exog, mf.groups, exog_re=mf.exog_re, re_terms=mf.re_terms,
                  weights=mf.weights, offset=mf.offset if has_offset else None,
                  missing="none", formula=formula, model_spec=mf.model_spec,
                  re_design_infos=mf.re_design_infos, n_dropped=mf.n_dropped,
                  offset_design_infos=mf.offset_design_infos, _nan_free=mf.nan_free,
                  _reterms=mf.reterms, *args, **kwargs)
        mod.formula = formula
        mod.parsed_formula = parsed
        mod.data.frame = data
        mod.offset_given = offset_arg is not None
        return mod

    # -- the pipeline: response -> objective -> two stages -> results ------------------
    @property
    def crossprod(self):
        raise AttributeError("a GLMM has no fixed cross-product blocks: PIRLS reweights them "
                             "at every iteration; see model.objective()")

    @property
    def _X(self):
        return np.ascontiguousarray(np.asarray(self.exog, dtype=float)[:, self.kept_columns])

    def objective(self, nagq=1, factorization="auto", tol_pirls=1e-12, maxit_pirls=100):
        """The deviance as a function of the parameters (lme4's ``devFunOnly``).

        ``nagq >= 1``: a :class:`~statsmodels_crossed.deviance.laplace.GLMMObjective`,
        called as ``f(theta, beta)`` (``f(theta, beta, phi)`` for families with a
        dispersion) for -2 log-likelihood (Laplace or AGQ, all constants).
        ``nagq = 0``: a :class:`~statsmodels_crossed.deviance.laplace.ProfiledGLMMObjective`,
        ``f(theta)``, beta from PIRLS.
        """
        X = self._X
        if nagq == 0:
            return ProfiledGLMMObjective(self.response, self.reterms, X, factorization,
                                         tol_pirls, maxit_pirls)
        if nagq < 0 or int(nagq) != nagq:
            raise ValueError(f"nagq must be an integer >= 0, got {nagq!r}")
        return GLMMObjective(self.response, self.reterms, X, int(nagq), factorization,
                             tol_pirls, maxit_pirls)

    def loglike(self, params):
        raise NotImplementedError("the log-likelihood is a function of (theta, beta): use "
                                  "model.objective(nagq)(theta, beta) / -2")

    def _options(self, options, overrides):
        opts = options if options is not None else FitOptions()
        if overrides:
            unknown = [k for k in overrides if not hasattr(opts, k)]
            if unknown:
                raise TypeError(f"fit() got unknown option(s) {unknown}; see FitOptions")
            opts = FitOptions(**{**opts.__dict__, **overrides})
        return opts

    def fit(self, nagq=None, start_params=None, options=None, **option_overrides):
        """Maximum likelihood fit by Laplace (nagq=1, default) or adaptive quadrature.

        Parameters
        ----------
        nagq : int, optional
            1 Laplace; > 1 adaptive Gauss-Hermite quadrature with that many
            nodes (single scalar random-effects term only); 0 the first stage
            alone (beta from PIRLS), as lme4's nAGQ.  Default ``options.nagq``.
        start_params : array_like, optional
            Starting theta for stage 1, or (theta, beta) to start stage 2 there.
        options : FitOptions, optional
            Keyword arguments override its fields (``verbose=True``, ``tol_pirls``).

        Returns
        -------
        CrossedGLMResultsWrapper

        Notes
        -----
        Stage 1 (theta, beta from PIRLS) seeds stage 2 (theta and beta); stage 2
        ends with one Newton step on the finite-difference Hessian of the
        deviance, which also gives lme4's default covariance of beta
        (:mod:`statsmodels_crossed.optim.glmm`).  PIRLS converges to ``tol_pirls``
        (1e-12 on u), so the deviance is smooth in the parameters.
        """
        if nagq is not None:
            option_overrides["nagq"] = nagq
        opts = self._options(options, option_overrides)

        def stage(nagq):
            return self.objective(nagq, opts.factorization, opts.tol_pirls, opts.maxit_pirls)

        last = stage(max(opts.nagq, 1) if opts.nagq != 0 else 0)
        # one BLAS thread for small dense blocks from here on, stage 1's set-up included
        # (OpenBLAS's idle threads spin for ~0.1 s after any multi-threaded call)
        with blas_threads_for(last.pirls.factor):
            stage1, stage2 = (last, None) if opts.nagq == 0 else (stage(0), last)
            nth, p = stage1.theta_map.n_theta, stage1.p
            start = None if start_params is None else np.asarray(start_params, dtype=float)
            if start is not None and len(start) not in (nth, nth + p):
                raise ValueError(f"start_params has {len(start)} values; give theta ({nth}) "
                                 f"or theta and beta ({nth + p})")
            return self._results(two_stage_fit(stage1, stage2, opts, start, self.fe_names))

    def results_at(self, theta, beta, phi=None, nagq=1, factorization="auto"):
        """Results with (theta, beta [, phi]) held at the given values (no optimization).

        ``nagq >= 1`` (with nagq = 0 beta is not a parameter: see ``fit(nagq=0)``).
        """
        if nagq < 1:
            raise ValueError("results_at needs nagq >= 1: at nagq=0 beta comes from PIRLS")
        obj = self.objective(nagq, factorization)
        theta = np.asarray(theta, dtype=float)
        beta = np.asarray(beta, dtype=float)
        if theta.shape != (obj.theta_map.n_theta,) or beta.shape != (obj.p,):
            raise ValueError(f"theta must have {obj.theta_map.n_theta} values and beta {obj.p}")
        phi = 1.0 if phi is None else float(phi)
        summary = OptSummary(options=FitOptions(factorization=factorization, nagq=nagq),
                             theta0=theta, theta=theta, n_evals=1, converged=True,
                             message="evaluated at the given parameters", beta=beta)
        fit = fit_at(obj, theta, beta, phi, summary, factorization)
        summary.fmin = fit.devcomp.objective
        return self._results(fit)

    def _results(self, fit):
        from statsmodels_crossed.results.glmm import CrossedGLMResults, CrossedGLMResultsWrapper

        return CrossedGLMResultsWrapper(CrossedGLMResults(self, fit))


def _drop_missing_offset(endog, exog, groups, exog_re, weights, offset, missing, kwargs):
    """Rows with a missing offset (or anything else) dropped before CrossedLM sees them."""
    offset = np.asarray(offset, dtype=float).reshape(-1)
    gframe = check.as_frame(groups, "group")
    reframe = (check.as_frame(exog_re, "exog_re") if exog_re is not None
               else pd.DataFrame(index=gframe.index))
    if len(offset) != len(gframe):
        raise DataError(f"offset has {len(offset)} values for {len(gframe)} observations")
    if kwargs.get("_nan_free"):               # from_formula: the frame was checked
        mask, where = np.zeros(len(gframe), dtype=bool), {}
    else:
        mask, where = check.missing_rows(endog, exog, gframe, reframe, weights)
    if np.isnan(offset).any():
        where["offset"] = int(np.isnan(offset).sum())
        mask = mask | np.isnan(offset)
    check.handle_missing(mask, where, missing)
    if not mask.any():
        return endog, exog, groups, exog_re, weights, offset, kwargs
    keep = ~mask

    def take(a):
        if a is None:
            return None
        return a.iloc[keep] if hasattr(a, "iloc") else np.asarray(a)[keep]

    kwargs = {**kwargs, "n_dropped": kwargs.get("n_dropped", 0) + int(mask.sum()),
              "_reterms": None}                # terms of the frame's rows: rebuilt
    return (take(endog), take(exog), take(gframe), take(exog_re), take(weights),
            offset[keep], kwargs)
