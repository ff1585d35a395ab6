"""QQ plots of the standardized BLUPs (diagnostics page): sleepstudy, (Days | Subject)."""
import statsmodels_crossed.api as smc

sleep = smc.datasets.load("sleepstudy")
res = smc.lmer("Reaction ~ Days + (Days | Subject)", sleep).fit()

fig = res.plot_ranef_qq(standardize=True)      # one panel per column of each term
fig.set_size_inches(8.0, 3.5)
fig.tight_layout()
