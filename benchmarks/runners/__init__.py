"""One small module per package: ``unsupported(case)``, ``fit(case, df)`` (or ``run``).

``fit`` goes from formula to results on an in-memory data frame and returns a dict
with ``objective`` (the REML criterion, -2 REML log-likelihood with all constants, as
lme4's ``REMLcrit``), ``fixef`` ({name: estimate}), ``theta`` (lme4's relative
covariance factor parameters, when the package exposes them) and optional ``info``.
A module may instead define ``run(case, df, policy)`` when it times itself (lme4).
"""

PACKAGES = ("ours", "lme4", "mixedlm", "interlace", "statsmodels_mixedlm")
