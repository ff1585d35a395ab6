"""Profile machinery shared by linear and generalized linear mixed models.

A profile evaluates, for one parameter psi fixed at v, the minimum of the
criterion over all other parameters (``_point``, model specific), and its
signed root ``zeta(v) = sign(v - psi_hat) sqrt(dev_psi(v) - dev_min)``.
The interval ends solve ``zeta = -+ z_{1 - alpha/2}``: steps outward from the
estimate (extrapolating zeta linearly) until the cut-off is crossed, then
Brent's method; a boundary (SD 0, correlation +-1) where zeta stays inside the
cut-off is the end itself, as in lme4's ``confint.thpr``.
"""
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats


class ProfileBase:
    """Intervals and traces from a model-specific ``_point(k, v) -> (dev, params)``.

    Subclasses set ``names``, ``var_names``, ``fe_names``, ``estimates``
    (Series), ``dev_min`` and implement ``_point`` and ``_initial_step``.
    """

    def __init__(self):
        self.traces = {}
        self._limits = {}
        self._warm = {}

    def zeta(self, name, value):
        """Signed square root of the profiled deviance difference at ``name = value``."""
        k = self.names.index(name)
        dev, params = self._point(k, float(value))
        if dev < self.dev_min - 1e-6 * max(1.0, abs(self.dev_min)):
            warnings.warn(f"profiling {name} found a lower deviance ({dev:.6f} < "
                          f"{self.dev_min:.6f}): the fit had not converged", stacklevel=2)
        z = np.sign(value - self.estimates[name]) * np.sqrt(max(dev - self.dev_min, 0.0))
        row = pd.DataFrame([np.r_[z, params]], columns=[".zeta"] + self.names)
        self.traces[name] = (pd.concat([self.traces[name], row], ignore_index=True)
                             .sort_values(name, ignore_index=True)
                             if name in self.traces else row)
        return float(z)

    # -- intervals -----------------------------------------------------------------------
    def _bounds(self, name):
        if name.startswith("cor_"):
            return -1.0, 1.0
        if name.startswith("sd_") or name == "sigma":
            return 0.0, np.inf
        return -np.inf, np.inf

    def limit(self, name, z):
        """The value where ``zeta = z`` (z < 0: below the estimate), or the boundary."""
        est = float(self.estimates[name])
        lo, hi = self._bounds(name)
        bound = lo if z < 0 else hi
        sign = np.sign(z)
        self._warm.pop(self.names.index(name), None)
        step = self._initial_step(name)
        prev_v = est
        for _ in range(60):
            v = est + sign * step
            if (v - bound) * sign >= 0:
                v = bound
            zv = self.zeta(name, v)
            if abs(zv) >= abs(z):
                return optimize.brentq(lambda x: self.zeta(name, x) - z,
                                       min(prev_v, v), max(prev_v, v), xtol=1e-10,
                                       rtol=1e-10)
            if v == bound:
                return bound
            ratio = abs(z) / max(abs(zv), 1e-8)
            prev_v = v
            step *= min(max(1.1 * ratio, 1.3), 4.0)
        return np.nan

    def conf_int(self, alpha=0.05, names=None):
        """Profile intervals: DataFrame with columns 0 (lower) and 1 (upper).

        Parameters
        ----------
        alpha : float
            1 - level; the ends solve ``zeta = -+ z_{1-alpha/2}``.
        names : list of str, optional
            Parameters (default all; "theta_" = variance parameters, "beta_" =
            fixed effects, as lme4's ``parm``).
        """
        names = self._select(names)
        z = stats.norm.ppf(1 - alpha / 2)
        rows = []
        for name in names:
            key = (name, alpha)
            if key not in self._limits:
                self._limits[key] = (self.limit(name, -z), self.limit(name, z))
            rows.append(self._limits[key])
        return pd.DataFrame(rows, index=names, columns=[0, 1])

    def _select(self, names):
        if names is None:
            return list(self.names)
        if isinstance(names, str):
            if names == "theta_":
                return list(self.var_names)
            if names == "beta_":
                return list(self.fe_names)
            names = [names]
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown}; available: {self.names}")
        return list(names)
