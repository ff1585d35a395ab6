"""Caterpillar plot of the BLUPs (diagnostics page): sleepstudy, (Days | Subject)."""
import statsmodels_crossed.api as smc

sleep = smc.datasets.load("sleepstudy")
res = smc.lmer("Reaction ~ Days + (Days | Subject)", sleep).fit()

fig = res.plot_caterpillar(alpha=0.05)         # BLUP +- 1.96 conditional SD, sorted
fig.set_size_inches(8.0, 4.0)
fig.tight_layout()
