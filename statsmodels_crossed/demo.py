"""Demo: a crossed random-effects model on a bundled data set.

Run ``python -m statsmodels_crossed.demo``.  Fits lme4's classic InstEval model
(73,421 course ratings; students x lecturers crossed, departments nested) by
REML and prints the summary.
"""
import time

import statsmodels_crossed.api as smc


def main():
    data = smc.datasets.load("insteval")
    formula = "y ~ service + (1 | s) + (1 | d) + (1 | dept:service)"
    start = time.perf_counter()
    res = smc.crossedlm(formula, data).fit(reml=True)
    seconds = time.perf_counter() - start
    print(res.summary())
    print(f"\nIntraclass correlations:\n{res.icc().to_string()}")
    print(f"\nFitted {int(res.nobs)} observations in {seconds:.2f} s "
          f"({res.optsummary.n_evals} evaluations of the REML criterion).")


if __name__ == "__main__":
    main()
