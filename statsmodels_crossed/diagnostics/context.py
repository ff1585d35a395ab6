"""What every diagnostic needs from one CrossedLM fit, computed once per results.

The factorization is rebuilt at the fitted theta (one evaluation of the
criterion, nothing per observation), and the hat-matrix pieces of every
observation are computed on first use and kept.  Contexts live in a weak
mapping beside the results (not in them), so results pickle as before and a
context goes away with its results.
"""
import weakref
from functools import cached_property

import numpy as np
import pandas as pd

from statsmodels_crossed.design.theta import ThetaMap
from statsmodels_crossed.diagnostics.hat import hat_pieces


def unwrap(results):
    """The results object behind a statsmodels ResultsWrapper."""
    return getattr(results, "_results", results)


_CONTEXTS = weakref.WeakKeyDictionary()


def context(results):
    """The :class:`DiagnosticsContext` of ``results`` (created once, then cached)."""
    res = unwrap(results)
    ctx = _CONTEXTS.get(res)
    if ctx is None:
        ctx = _CONTEXTS[res] = DiagnosticsContext(res)
    return ctx


class DiagnosticsContext:
    """Data, factor and hat-matrix pieces of one fit.

    Holds no reference to the results (see the module docstring).

    Attributes
    ----------
    model : CrossedLM
    cp : CrossProducts
        The model's cross-product blocks (terms in lme4's order).
    X, y : ndarray
        Fixed-effects design (estimable columns) and response.
    weights : ndarray or None
        Prior weights.
    lambdas : list of ndarray
        Relative covariance factors at the fitted theta.
    factor : factorization updated at the fitted theta.
    RX : ndarray (p, p)
        Upper triangular, ``R_X' R_X = X'V^{-1}X`` (V relative to sigma^2).
    sigma2 : float
    index : pandas.Index
        Row labels of the observations.
    """

    def __init__(self, results):
        model = results.model
        self.model = model
        self.reml = results.reml
        self.options = results.optsummary.options
        self.fitted = np.asarray(results.fittedvalues, dtype=float)
        self.cp = model.crossprod
        self.X = np.ascontiguousarray(np.asarray(model.exog, dtype=float)[:, model.kept_columns])
        self.y = np.asarray(model._y, dtype=float)
        self.weights = None if model.weights is None else np.asarray(model.weights, dtype=float)
        self.sqrtw = np.ones(len(self.y)) if self.weights is None else np.sqrt(self.weights)
        self.theta = np.asarray(results.theta, dtype=float)
        self.theta_map = ThetaMap(self.cp.ks)
        self.lambdas = self.theta_map.lambdas(self.theta)
        self.factorization = self.options.factorization
        obj = model.objective(reml=self.reml, factorization=self.factorization)
        if not np.isfinite(obj(self.theta)):
            raise ValueError("the penalized system is not positive definite at the fitted theta")
        self.factor = obj.factor
        self.RX = self.factor.RX()
        self.beta = np.asarray(results.fe_params, dtype=float)
        self.sigma2 = float(results.scale)
        self.n, self.p = self.X.shape
        labels = getattr(model.data, "row_labels", None)
        self.index = pd.RangeIndex(self.n) if labels is None else pd.Index(labels)

    @cached_property
    def hat(self):
        """The :class:`~statsmodels_crossed.diagnostics.hat.HatPieces` of the fit."""
        return hat_pieces(self.cp, self.factor, self.lambdas, self.X, self.weights)

    @cached_property
    def observation_pieces(self):
        """``(h, NX)``: the hat diagonal (n,) and the X part of ``L^{-1} g_i`` (n, p)."""
        return self.hat.observations()

    @cached_property
    def resid_conditional(self):
        """``y - X beta - Z b`` as an array."""
        return self.y - self.fitted

    @cached_property
    def zlz(self):
        """``|Lambda' z_i|^2``: the diagonal of ``Z Lambda Lambda' Z'``."""
        out = np.zeros(self.n)
        for term, lam in zip(self.cp.terms, self.lambdas):
            out += ((term.X @ lam) ** 2).sum(1)
        return out

    def grouping(self, level):
        """``(codes, levels)`` of the grouping factor named ``level``."""
        for term in self.cp.terms:
            if term.group == level:
                return term.codes.astype(np.int64), term.levels
        names = list(dict.fromkeys(t.group for t in self.cp.terms))
        raise ValueError(f"level must be None (single observations) or a grouping factor "
                         f"of the model, one of {names}; got {level!r}")

    def groups(self, level):
        """``(levels, list of row arrays)``: the rows of each level of ``level``."""
        codes, levels = self.grouping(level)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(levels) + 1))
        return levels, [order[bounds[j]:bounds[j + 1]] for j in range(len(levels))]
