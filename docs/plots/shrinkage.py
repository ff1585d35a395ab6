"""Shrinkage of BLUPs (concepts page): InstEval's lecturers, y ~ service + (1 | d)."""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

import statsmodels_crossed.api as smc

ie = smc.datasets.load("insteval")
res = smc.crossedlm("y ~ service + (1 | d)", ie).fit()

# Per lecturer: number of ratings, mean of y - X beta, BLUP.
by_lecturer = (ie["y"] - res.fitted_marginal).groupby(ie["d"], observed=True)
n, raw = by_lecturer.size(), by_lecturer.mean()
blup = res.random_effects["d"].loc[raw.index]

fig, ax = plt.subplots(figsize=(6.0, 4.5))
points = ax.scatter(raw, blup, c=n, s=8, cmap="viridis", norm=LogNorm())
lim = np.array([raw.min(), raw.max()])
ax.plot(lim, lim, "k--", lw=1, label="no shrinkage (BLUP = mean)")
ax.axhline(0, color="grey", lw=0.5)
ax.axvline(0, color="grey", lw=0.5)
ax.set_xlabel("mean of y - X beta over the lecturer's ratings")
ax.set_ylabel("BLUP of the lecturer's intercept")
ax.set_title("InstEval: 1,128 lecturers")
fig.colorbar(points, ax=ax, label="number of ratings")
ax.legend(loc="upper left", frameon=False)
fig.tight_layout()
