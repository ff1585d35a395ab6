"""The conditional distribution of a GLMM's response, y | u, in a statsmodels family.

With ``eta = offset + X beta + Z Lambda u``, ``mu = g^{-1}(eta)``, prior weights
``w_i`` (binomial: the number of trials, ``y_i`` the proportion of successes) and
the dispersion ``phi`` (1 for the binomial, Poisson and negative binomial
families)::

    -2 log f(y | u) = -2 sum_i loglike_obs(y_i; mu_i, w_i, phi)      (all constants)
    d_i             = squared deviance residual of y_i at mu_i (prior weight included)
    W_i             = w_i / (phi V(mu_i) g'(mu_i)^2)                 (working weights)
    z_i             = eta_i - offset_i + (y_i - mu_i) g'(mu_i)       (working response)

For a non-canonical link the observed information differs from W:
``W^obs_i = W_i - w_i (y_i - mu_i) / phi * (mu''/V - mu'^2 V'/V^2)`` (mu' = dmu/deta),
with working response ``eta_i - offset_i + s_i / W^obs_i``, s_i = w_i (y_i - mu_i) mu' / (phi V):
PIRLS takes these Newton steps (bounded below, see :meth:`GLMMResponse.working_observed`);
the Laplace factor uses W.

and ``-2 log f(y | u) = sum_i d_i / phi + C(phi)``, C the saturated constant
``-2 sum_i log f(y_i; mu_i = y_i)``.  Everything family-specific (variance, link
derivative, deviance residuals, log-likelihood) comes from the statsmodels family;
the binomial and Poisson deviance and the logit and log links' means and working
weights, which PIRLS evaluates at every iteration, from the same formulas in
NumPy (:mod:`.fast_family`).
"""
import copy
import warnings

import numpy as np
from statsmodels.genmod import families

from statsmodels_crossed.deviance.fast_family import FastFamily
from statsmodels_crossed.exceptions import DataError, ValueWarning

#: Families whose dispersion is fixed at 1.
FIXED_SCALE = (families.Binomial, families.Poisson, families.NegativeBinomial)
#: Families whose mean must be positive.
POSITIVE_MEAN = (families.Poisson, families.NegativeBinomial, families.Gamma,
                 families.InverseGaussian, families.Tweedie)


def family_name(family):
    """``"Binomial(logit)"``-style label of a statsmodels family."""
    return f"{type(family).__name__}({type(family.link).__name__.lower()})"


class GLMMResponse:
    """Response, prior weights, offset and family of a GLMM (see the module docstring).

    Parameters
    ----------
    family : statsmodels.genmod.families.Family
    y : ndarray (n,)
        The response; binomial: proportions of successes.
    weights : ndarray (n,)
        Prior weights; binomial: numbers of trials.
    offset : ndarray (n,)
    """

    def __init__(self, family, y, weights, offset):
        self.y = np.asarray(y, dtype=float)
        self.weights = np.asarray(weights, dtype=float)
        self.offset = np.asarray(offset, dtype=float)
        self.binomial = isinstance(family, families.Binomial)
        self.glm_family = family
        if self.binomial:
            # statsmodels' Binomial reads the trials from ``family.n``, as its GLM
            # sets them for a two-column response; keep the caller's object intact.
            family = copy.copy(family)
            family.n = self.weights
            self._var_weights = 1.0
        else:
            self._var_weights = self.weights
        self.family = family
        self.link = family.link
        self.has_dispersion = not isinstance(family, FIXED_SCALE)
        self.positive_mean = isinstance(family, POSITIVE_MEAN)
        self.canonical = _is_canonical(self.glm_family)
        self.newton_exact = self.canonical   # were the last working weights Newton's?
        self._fast = FastFamily(self)

    @property
    def n(self):
        return len(self.y)

    def mu(self, eta):
        """Conditional mean ``g^{-1}(eta)``."""
        with np.errstate(over="ignore"):
            if self._fast.has_mu:
                return self._fast.mu(eta)
            return self.link.inverse(eta)

    def glm_beta(self, X, maxit=100, tol=1e-8):
        """beta of the GLM without random effects: PIRLS's cold start.

        Fisher scoring (IRLS) from the family's starting means, as statsmodels'
        GLM, until ``|dev - dev_old| <= tol (1 + |dev|)``; zeros where it fails
        (non-finite values, a singular X'WX).
        """
        p = X.shape[1]
        if p == 0:
            return np.zeros(0)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            mu = self.glm_family.starting_mu(self.y)
            eta = self.link(mu)
            dev, beta = np.inf, np.zeros(p)
            for _ in range(maxit):
                W, z = self.working(eta, mu)
                XtW = X.T * W
                try:
                    beta = np.linalg.solve(XtW @ X, XtW @ z)
                except np.linalg.LinAlgError:
                    return np.zeros(p)
                eta = X @ beta + self.offset
                mu = self.mu(eta)
                new = self.deviance(mu)
                if not (np.isfinite(new) and np.isfinite(beta).all()):
                    return np.zeros(p)
                if abs(new - dev) <= tol * (1.0 + abs(new)):
                    break
                dev = new
        return beta

    def dev_resid2(self, mu):
        """Squared deviance residuals d_i (prior weights included, phi = 1)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            r = self.family.resid_dev(self.y, mu, var_weights=self._var_weights)
        return r * r

    def valid(self, mu):
        """Whether every mean is inside the family's range (the inverse link of
        Gamma's canonical link, say, gives negative means for negative eta, where
        statsmodels' deviance clips instead of failing)."""
        if not np.isfinite(mu).all():
            return False
        if self.binomial:
            return bool(((mu >= 0) & (mu <= 1)).all())
        return not self.positive_mean or bool((mu > 0).all())

    def deviance(self, mu):
        """``sum_i d_i`` (phi = 1); inf where a mean is invalid."""
        if self._fast.has_deviance:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                dev = self._fast.deviance(mu)
            # a NaN or an infinite mean makes the sum non-finite; the range needs no
            # check when the inverse link cannot leave it (logit, log)
            if not np.isfinite(dev) or (not self._fast.in_range and not self.valid(mu)):
                return np.inf
            return dev
        if not self.valid(mu):
            return np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(self.family.deviance(self.y, mu, var_weights=self._var_weights))

    def minus2ll(self, mu, phi=1.0):
        """``-2 loglike_obs`` per observation, with all constants."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return -2.0 * self.family.loglike_obs(self.y, mu, var_weights=self._var_weights,
                                                  scale=phi)

    def working(self, eta, mu, phi=1.0):
        """Working weights W and working response ``z - offset`` at ``(eta, mu)``."""
        if self._fast.has_working:
            with np.errstate(divide="ignore", invalid="ignore"):
                W, z = self._fast.working(eta, mu)
            if phi != 1.0:
                W /= phi
            return W, z
        gprime = self.link.deriv(mu)
        W = self.weights / (phi * self.family.variance(mu) * gprime * gprime)
        return W, eta - self.offset + (self.y - mu) * gprime

    def working_observed(self, eta, mu, phi=1.0):
        """Newton weights ``max(W^obs, W / 100)`` and the matching working response.

        Where the observed information is positive these are Newton's steps;
        elsewhere the bound keeps the system positive definite (the factor also
        holds the working response, whose pivot needs positive weights) and
        above the observed Hessian, so the steps are too short, never too long.
        """
        V = self.family.variance(mu)
        mup = self.link.inverse_deriv(eta)
        mupp = self.link.inverse_deriv2(eta)
        wr = self.weights * (self.y - mu) / phi
        W = self.weights * mup * mup / (phi * V)
        Wo = W - wr * (mupp / V - mup * mup * self.family.variance.deriv(mu) / (V * V))
        clipped = not (Wo >= 1e-2 * W).all()
        Wo = np.maximum(Wo, 1e-2 * W)
        self.newton_exact = not clipped
        return Wo, eta - self.offset + wr * mup / V / Wo

    def saturated_constant(self, mu, phi=1.0):
        """``C = -2 sum log f(y_i; mu_i = y_i)``, computed as
        ``sum(-2 loglike_obs - d_i / phi)`` at any valid ``mu``."""
        return float(np.sum(self.minus2ll(mu, phi) - self.dev_resid2(mu) / phi))

    def pearson_dispersion(self, mu, df):
        """Moment estimate of phi: ``sum w_i (y_i - mu_i)^2 / V(mu_i) / df``."""
        return float(np.sum(self.weights * (self.y - mu) ** 2 / self.family.variance(mu)) / df)

    # -- residuals (lme4's types) -------------------------------------------------------
    def residuals(self, mu, kind, phi=1.0):
        """Residuals of ``kind`` in {"response", "pearson", "deviance", "working"}."""
        if kind == "response":
            return self.y - mu
        if kind == "pearson":
            return (self.y - mu) * np.sqrt(self.weights / self.family.variance(mu))
        if kind == "deviance":
            return np.sign(self.y - mu) * np.sqrt(self.dev_resid2(mu))
        if kind == "working":
            return (self.y - mu) * self.link.deriv(mu)
        raise ValueError(f"unknown residual type {kind!r}; use 'response', 'pearson', "
                         "'deviance' or 'working'")


def _is_canonical(family):
    """Whether the link is the family's default (canonical) one: then W is the
    observed information and Fisher scoring is Newton's method."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = type(family)().link
    return type(family.link) is type(default) and not isinstance(
        family, families.NegativeBinomial)


# -- input checks ---------------------------------------------------------------------------
def check_family(family):
    """The family must be a statsmodels family instance."""
    if family is None:
        raise TypeError("CrossedGLM needs a family, e.g. family=sm.families.Binomial() "
                        "or sm.families.Poisson(); for a normal response use CrossedLM")
    if isinstance(family, type) and issubclass(family, families.Family):
        raise TypeError(f"family must be an instance: {family.__name__}(), not the class")
    if not isinstance(family, families.Family):
        raise TypeError("family must be a statsmodels family (statsmodels.api.families), "
                        f"got {type(family).__name__}")
    if isinstance(family, families.Gaussian) and isinstance(family.link,
                                                           families.links.Identity):
        warnings.warn("a Gaussian family with the identity link is a linear mixed model: "
                      "CrossedLM fits it exactly (with REML)", ValueWarning, stacklevel=4)
    return family


def response_and_weights(family, endog, weights, name):
    """Validated ``(y, prior weights)`` for ``family`` from the model's endog.

    Binomial: a two-column (successes, failures) endog, or 0/1 outcomes or
    proportions in [0, 1] (with ``weights`` = numbers of trials).  Counts
    (Poisson, negative binomial) must be >= 0; Gamma and inverse Gaussian
    responses > 0.  Non-integer counts only warn (as R does).
    """
    endog = np.asarray(endog)
    if endog.dtype == bool:
        endog = endog.astype(float)
    if not np.issubdtype(endog.dtype, np.number):
        raise DataError(f"the response {name!r} is not numeric (dtype {endog.dtype})")
    endog = endog.astype(float)
    w = np.ones(len(endog)) if weights is None else np.asarray(weights, dtype=float)
    if not np.isfinite(endog).all():
        raise DataError(f"the response {name!r} has infinite values")
    if endog.ndim == 2 and endog.shape[1] == 2:
        if not isinstance(family, families.Binomial):
            raise DataError(f"a two-column response ({name}) is a binomial (successes, "
                            f"failures) response; the family is {type(family).__name__}")
        return _binomial_counts(endog, w, name)
    if endog.ndim == 2 and endog.shape[1] == 1:
        endog = endog[:, 0]
    if endog.ndim != 1:
        raise DataError(f"the response must be one column, or two (successes, failures) "
                        f"for the binomial family; got shape {endog.shape}")
    if isinstance(family, families.Binomial):
        bad = (endog < 0) | (endog > 1)
        if bad.any():
            raise DataError(f"binomial response {name!r} must be in [0, 1] (0/1 outcomes, "
                            f"or proportions with weights = trials); {int(bad.sum())} values "
                            f"are outside, e.g. {endog[bad][0]:g}. For counts of successes use "
                            "a two-column response: successes + I(trials - successes) ~ ...")
        _warn_non_integer(endog * w, "number of successes (response x weights)")
    elif isinstance(family, (families.Poisson, families.NegativeBinomial)):
        if (endog < 0).any():
            raise DataError(f"{type(family).__name__} response {name!r} must be counts >= 0; "
                            f"{int((endog < 0).sum())} values are negative, e.g. "
                            f"{endog[endog < 0][0]:g}")
        _warn_non_integer(endog, f"counts in {name!r}")
    elif isinstance(family, (families.Gamma, families.InverseGaussian)):
        if (endog <= 0).any():
            raise DataError(f"{type(family).__name__} response {name!r} must be > 0; "
                            f"{int((endog <= 0).sum())} values are <= 0")
    return endog, w


def _binomial_counts(endog, w, name):
    succ, fail = endog[:, 0], endog[:, 1]
    for what, col in (("successes (first column)", succ), ("failures (second column)", fail)):
        if (col < 0).any():
            hint = " (more successes than trials?)" if "failures" in what else ""
            raise DataError(f"binomial response {name}: {int((col < 0).sum())} {what} are "
                            f"negative{hint}")
    trials = succ + fail
    if (trials == 0).any():
        raise DataError(f"binomial response {name}: {int((trials == 0).sum())} rows have no "
                        "trials (successes + failures = 0); drop them, they carry no "
                        "information")
    _warn_non_integer(endog, "numbers of successes or failures")
    return succ / trials, trials * w


def _warn_non_integer(values, what):
    if not np.allclose(values, np.round(values), rtol=0, atol=1e-8):
        warnings.warn(f"non-integer {what}: the likelihood's constants treat them as "
                      "counts", ValueWarning, stacklevel=5)


def check_offset(offset, n):
    """Offset as a float array of n finite values (zeros if None)."""
    if offset is None:
        return np.zeros(n)
    off = np.asarray(offset, dtype=float).reshape(-1)
    if len(off) != n:
        raise DataError(f"offset has {len(off)} values for {n} observations")
    if not np.isfinite(off).all():
        raise DataError(f"offset has {int((~np.isfinite(off)).sum())} NaN or infinite values "
                        "(log of a zero exposure?)")
    return off
