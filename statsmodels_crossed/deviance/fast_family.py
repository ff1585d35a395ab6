"""The common family/link pairs of a GLMM in plain NumPy.

PIRLS evaluates the deviance, the mean and the working weights a few times per
evaluation of the objective; statsmodels' family methods compute the same
expressions with per-call overhead (argument checks, clipping through
``np.clip``, deviance residuals built and squared) that is a tenth of a
VerbAgg-sized fit.  :class:`FastFamily` holds the NumPy versions for the
binomial and Poisson families (their deviance for any link; mean and working
weights for the canonical logit and log links); :class:`GLMMResponse` uses
statsmodels for everything else.
"""
import numpy as np
from statsmodels.genmod import families
from statsmodels.genmod.families import links

FLOAT_EPS = np.finfo(float).eps


class FastFamily:
    """NumPy formulas for the common family/link pairs, the same expressions as
    statsmodels' (clipping included) without its per-call overhead.

    * binomial deviance, any link: ``2 sum_i w_i [y_i log(y_i / mu_i) + (1 - y_i)
      log((1 - y_i) / (1 - mu_i))]``; 0/1 responses take one log per observation;
    * Poisson deviance, any link: ``2 sum_i w_i [y_i log(y_i / mu_i) - (y_i - mu_i)]``;
    * logit and log links: ``mu = 1 / (1 + exp(-eta))``, ``exp(eta)``, and the
      working weights and response of the canonical pairs (W = w mu (1 - mu),
      W = w mu).

    ``has_deviance`` / ``has_mu`` / ``has_working`` say which apply (statsmodels
    does the rest); ``in_range``: the inverse link cannot leave the family's range.

    Parameters
    ----------
    resp : GLMMResponse
        Its y, prior weights, offset, family and link.
    """

    #: inverse links whose means always lie in the binomial family's range [0, 1]
    _UNIT_RANGE = (links.Logit, links.CDFLink, links.CLogLog, links.LogLog)

    def __init__(self, resp):
        y, w, link = resp.y, resp.weights, resp.link
        exact = type(resp.glm_family) in (families.Binomial, families.Poisson)
        self.family = (None if not exact else "binomial" if resp.binomial else "poisson")
        self.link = {links.Logit: "logit", links.Log: "log"}.get(type(link))
        if (self.family, self.link) not in (("binomial", "logit"), ("poisson", "log")):
            self.link = None
        self.has_deviance = self.family is not None
        self.has_mu = self.has_working = self.link is not None
        self.in_range = isinstance(link, self._UNIT_RANGE if resp.binomial else links.Log)
        self.y, self.offset, self.w = y, resp.offset, w
        self.twice_w = 2.0 * w
        self.success = y == 1
        self.binary = bool(((y == 0) | self.success).all())

    def deviance(self, mu):
        y = self.y
        if self.family == "poisson":
            r = y / mu
            r = y * np.log(np.maximum(r, FLOAT_EPS, out=r), out=r)
            r -= y
            r += mu
            return float(self.twice_w @ r)
        if self.binary:      # y log(y / (mu + 1e-20)) for y = 1, its mirror for y = 0
            sel = np.where(self.success, mu, 1.0 - mu)
            sel += 1e-20
            return float(-(self.twice_w @ np.log(sel, out=sel)))
        a = y / (mu + 1e-20)
        b = (1.0 - y) / (1.0 - mu + 1e-20)
        a = y * np.log(np.maximum(a, FLOAT_EPS, out=a), out=a)
        b = (1.0 - y) * np.log(np.maximum(b, FLOAT_EPS, out=b), out=b)
        return float(self.twice_w @ (a + b))

    def mu(self, eta):
        if self.link == "log":
            return np.exp(eta)
        t = np.exp(-eta)
        t += 1.0
        return np.reciprocal(t, out=t)

    def working(self, eta, mu):
        """(W, z - offset) of the canonical pair."""
        if self.link == "log":
            p = np.maximum(mu, FLOAT_EPS)          # 1 / g'(mu)
            V = np.abs(mu)
        else:
            p = np.clip(mu, FLOAT_EPS, 1.0 - FLOAT_EPS)
            p *= 1.0 - p                           # V(mu) = 1 / g'(mu)
            V = p
        z = self.y - mu
        z /= p
        z += eta
        z -= self.offset
        W = p * p
        W /= V                                     # 1 / (V(mu) g'(mu)^2)
        W *= self.w
        return W, z
