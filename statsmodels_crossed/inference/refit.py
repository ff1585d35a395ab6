"""Refitting a REML fit by maximum likelihood (lme4's ``refitML``)."""
import numpy as np


def ml_fit(results):
    """The ML fit of the same model, started at the REML theta; ``results`` itself
    if it is already an ML fit.  Computed once and cached on ``results``."""
    if not getattr(results, "reml", False):
        return results
    cached = results.__dict__.get("_ml_refit")
    if cached is None:
        opts = results.optsummary.options
        wrapped = results.model.fit(reml=False, start_params=np.asarray(results.theta),
                                    options=opts)
        cached = getattr(wrapped, "_results", wrapped)
        results.__dict__["_ml_refit"] = cached
    return cached
