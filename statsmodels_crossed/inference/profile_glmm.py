"""Profile-likelihood intervals of a GLMM (lme4's ``profile`` of a ``glmer`` fit).

The criterion is the fit's -2 log-likelihood (Laplace or adaptive
Gauss-Hermite) as a function of ``(theta, beta)``, lme4's stage-2 ``devfun``
(:meth:`CrossedGLM.objective`).  The parameters are the SDs and correlations
of the random effects (``sd_<col>|<group>``, ``cor_<a>.<b>|<group>``: the
relative factors need no sigma here) and the fixed effects.  The profile of
one of them at v minimizes the criterion over all the others (BOBYQA, warm
started); intervals as :class:`~.profile_base.ProfileBase`.  Families with a
dispersion parameter (Gamma, inverse Gaussian) are not profiled.
"""
import numpy as np
import pandas as pd

from statsmodels_crossed.inference import sdcor
from statsmodels_crossed.inference.bounded import bobyqa
from statsmodels_crossed.inference.profile_base import ProfileBase


class GLMMProfile(ProfileBase):
    """Profiled -2 log-likelihood of a GLMM fit, evaluated on demand.

    Parameters
    ----------
    results : CrossedGLMResults
    """

    def __init__(self, results):
        super().__init__()
        if getattr(results, "has_dispersion", False):
            raise NotImplementedError("profiling a GLMM with a dispersion parameter is not "
                                      "supported; use conf_int(method='bootstrap') or Wald")
        opts = results.optsummary.options
        self.obj = results.model.objective(max(int(results.nagq), 1), opts.factorization,
                                           opts.tol_pirls, opts.maxit_pirls)
        terms = self.obj.terms
        self.ks = [t.k for t in terms]
        self.var_names = sdcor.sdcor_names(terms)[:-1]
        self.fe_names = list(results.model.fe_names)
        self.names = self.var_names + self.fe_names
        self._sd_mask = sdcor.is_sd(terms)[:-1]
        self.nv = len(self.var_names)
        theta = np.asarray(results.theta, dtype=float)
        beta = np.asarray(results.params, dtype=float)
        self.se = np.asarray(results.bse, dtype=float)
        x_hat = np.r_[sdcor.to_sdcor(self.ks, theta, 1.0)[:-1], beta]
        self.estimates = pd.Series(x_hat, index=self.names)
        self.dev_min = self._dev(x_hat)
        lower = np.r_[np.where(self._sd_mask, 0.0, -1.0), np.full(len(beta), -np.inf)]
        upper = np.r_[np.where(self._sd_mask, np.inf, 1.0), np.full(len(beta), np.inf)]
        self._lower, self._upper = lower, upper

    def _dev(self, x):
        theta, _ = sdcor.to_theta(self.ks, np.r_[x[:self.nv], 1.0])
        if theta is None:
            return np.inf
        return self.obj(theta, x[self.nv:])

    def _point(self, k, v):
        """Minimized criterion with parameter k fixed at v, and all parameters there."""
        free = np.arange(len(self.names)) != k
        x_hat = self.estimates.to_numpy()
        x0 = self._warm.get(k, x_hat[free])
        scale = np.r_[np.where(self._sd_mask, np.maximum(np.abs(x_hat[:self.nv]), 0.1), 0.5),
                      self.se]
        step = 0.1 * scale[free]

        def full(x):
            out = np.empty(len(self.names))
            out[free], out[k] = x, v
            return out

        x, dev = bobyqa(lambda x: self._dev(full(x)), x0, self._lower[free],
                        self._upper[free], step)
        self._warm[k] = x
        return dev, full(x)

    def _initial_step(self, name):
        k = self.names.index(name)
        if k >= self.nv:
            return float(self.se[k - self.nv])
        if name.startswith("cor_"):
            return 0.2
        est = self.estimates[name]
        return 0.2 * est if est > 0 else 0.1
