"""Profile-likelihood intervals for every parameter (lme4's ``profile`` + ``confint``).

With beta profiled out at theta (``beta_hat(theta)``, ``V(theta) = (R_X'R_X)^-1``),
the ML deviance as a function of ``(theta, sigma)`` and of one fixed effect
``beta_j = b`` is

    dev(theta, sigma; b) = ldL2 + (pwrss + (b - beta_hat_j)^2 / V_jj) / sigma^2
                           + n log(2 pi sigma^2) - sum(log w)

(the other fixed effects at their conditional optimum).  The profile of a
parameter psi (an SD, a correlation, sigma, or a fixed effect) is
``dev_psi(v) = min { dev : psi = v }``; its signed root

    zeta(v) = sign(v - psi_hat) sqrt(dev_psi(v) - dev_min)

is approximately standard normal, and the level-(1 - alpha) interval is
``{v : |zeta(v)| <= z_{1 - alpha/2}}``.  Variance parameters are profiled on
lme4's SD / correlation scale (``sd_<col>|<group>``, ``cor_<a>.<b>|<group>``,
``sigma``), optimizing over the other SDs, correlations and sigma; fixed
effects and sigma are profiled over theta with the rest in closed form.

As lme4, REML fits are profiled on the **ML** deviance (the fit is refitted by
ML first), so the intervals are those of ``confint(m, method="profile")``.
``reml=True`` profiles the REML criterion instead (variance parameters only).
lme4 interpolates its profile with splines; here each interval end is the
root of ``zeta(v) = +-z`` found by Brent's method, so it is exact up to the
optimizer's tolerance.  When the profile stays inside the cut-off up to a
boundary (SD 0, correlation +-1), that boundary is the interval's end, as in lme4.
"""
import numpy as np
import pandas as pd

from statsmodels_crossed.inference import sdcor
from statsmodels_crossed.inference.bounded import bobyqa
from statsmodels_crossed.inference.profile_base import ProfileBase
from statsmodels_crossed.inference.refit import ml_fit


class Profile(ProfileBase):
    """Profiled deviance of one fit, evaluated on demand.

    Parameters
    ----------
    results : CrossedLMResults
    reml : bool
        Profile the REML criterion (variance parameters only) instead of the
        ML deviance (default, as lme4).

    Attributes
    ----------
    names : list of str
        Parameters: SDs and correlations per term, ``sigma``, fixed effects.
    estimates : pandas.Series
        The parameters at the optimum of the profiled criterion.
    traces : dict
        {name: DataFrame} of every point evaluated: ``.zeta`` and all parameters.
    """

    def __init__(self, results, reml=False):
        super().__init__()
        if reml and not results.reml:
            raise ValueError("reml=True profiles a REML fit; this is an ML fit")
        base = results if reml else ml_fit(results)
        self.reml = bool(reml)
        self.model = base.model
        self.obj = base.model.objective(reml=reml,
                                        factorization=base.optsummary.options.factorization)
        cp = self.obj.cp
        self.n, self.p, self.sum_log_w = cp.n, cp.p, cp.sum_log_w
        self.ks = cp.ks
        self.theta_lower = self.obj.theta_map.lower_bounds()
        self.theta_hat = np.asarray(base.theta, dtype=float)
        self.sigma_hat = float(base.sigma)
        self.fe_names = list(self.model.fe_names)
        self.var_names = sdcor.sdcor_names(cp.terms)
        self.names = self.var_names + ([] if reml else self.fe_names)
        self._sd_mask = sdcor.is_sd(cp.terms)
        self.dev_min = self._dev_sigma_profiled(self.theta_hat)
        est = sdcor.to_sdcor(self.ks, self.theta_hat, self.sigma_hat)
        beta = self._state(self.theta_hat)[1]
        self.estimates = pd.Series(np.r_[est, [] if reml else beta], index=self.names)

    # -- the criterion at theta ----------------------------------------------------------
    def _state(self, theta):
        comp = self.obj.components(theta)
        if comp is None:
            return None, None, None
        factor = self.obj.factor
        if self.p:
            RXinv = np.linalg.inv(factor.RX())
            return comp, factor.beta(), RXinv @ RXinv.T
        return comp, np.zeros(0), np.zeros((0, 0))

    def _dev(self, comp, sigma2, extra=0.0):
        """Unprofiled criterion at sigma^2 (module docstring); ``extra`` adds to pwrss."""
        if self.reml:
            m = self.n - self.p
            return (comp.ldL2 + comp.ldRX2 + comp.pwrss / sigma2
                    + m * np.log(2 * np.pi * sigma2) - self.sum_log_w)
        return (comp.ldL2 + (comp.pwrss + extra) / sigma2 + self.n * np.log(2 * np.pi * sigma2)
                - self.sum_log_w)

    def _dev_sigma_profiled(self, theta, j=None, b=None):
        comp, beta, V = self._state(theta)
        if comp is None:
            return np.inf
        extra = 0.0 if j is None else (b - beta[j]) ** 2 / V[j, j]
        m = self.n - self.p if self.reml else self.n
        return self._dev(comp, (comp.pwrss + extra) / m, extra)

    def _dev_sdcor(self, phi):
        theta, sigma = sdcor.to_theta(self.ks, phi)
        if theta is None or not sigma > 0:
            return np.inf
        comp = self._state(theta)[0]
        return np.inf if comp is None else self._dev(comp, sigma ** 2)

    # -- one profile point ---------------------------------------------------------------
    def _point(self, k, v):
        """Minimized criterion with parameter k fixed at v, and all parameters there."""
        nv = len(self.var_names)
        if k == nv - 1:
            return self._point_theta(k, v, None)
        if k >= nv:
            return self._point_theta(k, v, k - nv)
        return self._point_sdcor(k, v)

    def _point_theta(self, k, v, j):
        """sigma = v (j None) or beta_j = v: minimize over theta, the rest in closed form."""
        x0 = self._warm.get(k, self.theta_hat)

        def f(theta):
            if j is not None:
                return self._dev_sigma_profiled(theta, j, v)
            comp = self._state(theta)[0]
            return np.inf if comp is None else self._dev(comp, v ** 2)

        theta, dev = bobyqa(f, x0, self.theta_lower, np.full(len(x0), np.inf),
                            np.maximum(0.05 * np.abs(x0), 0.01))
        self._warm[k] = theta
        comp, beta, V = self._state(theta)
        sigma = v
        if j is not None:
            extra = (v - beta[j]) ** 2 / V[j, j]
            beta = beta + V[:, j] / V[j, j] * (v - beta[j])
            sigma = np.sqrt((comp.pwrss + extra) / self.n)
        phi = sdcor.to_sdcor(self.ks, theta, sigma)
        return dev, (phi if self.reml else np.r_[phi, beta])

    def _point_sdcor(self, k, v):
        """An SD or correlation = v: minimize over the other SDs, correlations and sigma."""
        nv = len(self.var_names)
        free = np.arange(nv) != k
        x0 = self._warm.get(k, self.estimates.to_numpy()[:nv][free])
        is_sd = self._sd_mask[free]
        lower = np.where(is_sd, 0.0, -1.0)
        upper = np.where(is_sd, np.inf, 1.0)
        step = np.where(is_sd, np.maximum(0.05 * np.abs(x0), 1e-3 * self.sigma_hat), 0.05)

        def full(x):
            phi = np.empty(nv)
            phi[free], phi[k] = x, v
            return phi

        x, dev = bobyqa(lambda x: self._dev_sdcor(full(x)), np.clip(x0, lower, upper),
                        lower, upper, step)
        self._warm[k] = x
        phi = full(x)
        if self.reml:
            return dev, phi
        theta, _ = sdcor.to_theta(self.ks, phi)
        return dev, np.r_[phi, self._state(theta)[1]]

    def _initial_step(self, name):
        est = self.estimates[name]
        if name.startswith("cor_"):
            return 0.2
        if name.startswith("sd_") or name == "sigma":
            return 0.2 * est if est > 0 else 0.1 * self.sigma_hat
        j = self.fe_names.index(name)
        V = self._state(self.theta_hat)[2]
        return float(np.sqrt(V[j, j]) * self.sigma_hat)
