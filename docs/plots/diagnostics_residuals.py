"""Residual plots (diagnostics page): sleepstudy, Reaction ~ Days + (Days | Subject)."""
import matplotlib.pyplot as plt

import statsmodels_crossed.api as smc

sleep = smc.datasets.load("sleepstudy")
res = smc.lmer("Reaction ~ Days + (Days | Subject)", sleep).fit()

fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8))
res.plot_resid_fitted(type="standardized", ax=left)
res.plot_qq(type="standardized", ax=right)

# Label the observations whose standardized residual exceeds 3 in absolute value
# (by fitted value, labels alternately above and below their point).
r = res.residuals("standardized")
large = res.fittedvalues[r.abs() > 3].sort_values().index
for k, i in enumerate(large):
    label = f"{sleep.loc[i, 'Subject']}, day {sleep.loc[i, 'Days']}"
    left.annotate(label, (res.fittedvalues[i], r[i]), textcoords="offset points",
                  xytext=(5, -9 if k % 2 else 5), fontsize=8)
left.margins(y=0.12)                           # room for the labels
left.set_title("Residuals against fitted values")
right.set_title("Normal QQ plot")
fig.tight_layout()
