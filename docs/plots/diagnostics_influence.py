"""Index plots of influence measures with HLMdiag's internal cutoffs (diagnostics page).

Left: Cook's distance of deleting each item of rt_experiment (one-step).
Right: relative change of sigma^2 when each subject of sleepstudy is deleted (full refits).
"""
import matplotlib.pyplot as plt

import statsmodels_crossed.api as smc

rt = smc.datasets.load("rt_experiment")
res_rt = smc.crossedlm("rt ~ cond + (1 + cond | subj) + (1 + cond | item)", rt).fit()
by_item = res_rt.get_influence(level="item")

sleep = smc.datasets.load("sleepstudy")
res_sleep = smc.lmer("Reaction ~ Days + (Days | Subject)", sleep).fit()
by_subject = res_sleep.get_influence(level="Subject", method="full")

fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 4.0),
                                  gridspec_kw={"width_ratios": [1.7, 1]})
by_item.plot_index("cooks_d", ax=left)
by_subject.plot_index("rvc_sigma2", ax=right)
left.set_title("rt_experiment: Cook's distance by item", fontsize=10)
right.set_title("sleepstudy: relative change of sigma2", fontsize=10)
fig.tight_layout()
