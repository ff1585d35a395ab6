#!/usr/bin/env Rscript
## Reference results for statsmodels_crossed.inference beyond the lme4 reference
## cases (tests/results/): multi-df F tests (Satterthwaite and Kenward-Roger),
## type III tables with a 2-df interaction, LRT with different fixed effects,
## profile intervals on a crossed design, pbkrtest with prior weights.
##
## Usage (from the repository root):
##   Rscript tests/inference/results/generate_inference_results.R [OUT.json]
## Default output: tests/inference/results/inference_cases.json.
## Data: the bundled gzip CSVs in statsmodels_crossed/datasets/.
## Requires lme4, lmerTest, pbkrtest, jsonlite.  Tests never run this script.

suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(pbkrtest)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "tests/inference/results/inference_cases.json"
data_dir <- "statsmodels_crossed/datasets"

read_data <- function(name, factors) {
  d <- read.csv(gzfile(file.path(data_dir, paste0(name, ".csv.gz"))),
                colClasses = setNames(rep("character", length(factors)), factors))
  for (f in factors) d[[f]] <- factor(d[[f]], levels = sort(unique(d[[f]])))
  d
}

ctrl <- lmerControl(optimizer = "nloptwrap",
                    optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14, maxeval = 1e5))

named <- function(x) as.list(setNames(unname(x), names(x)))

coef_table <- function(m, ddf) {
  s <- summary(m, ddf = ddf)$coefficients
  list(names = I(rownames(s)), estimate = named(s[, "Estimate"]), se = named(s[, "Std. Error"]),
       df = named(s[, "df"]), t = named(s[, "t value"]), p = named(s[, "Pr(>|t|)"]))
}

anova_table <- function(m, ddf) {
  a <- anova(m, type = 3, ddf = ddf)
  list(terms = I(rownames(a)),
       rows = lapply(setNames(seq_len(nrow(a)), rownames(a)), function(i)
         list(sum_sq = a[i, "Sum Sq"], mean_sq = a[i, "Mean Sq"], num_df = a[i, "NumDF"],
              den_df = a[i, "DenDF"], F = a[i, "F value"], p = a[i, "Pr(>F)"])))
}

contest_md <- function(m, L, rhs, ddf) {
  x <- contestMD(m, L, rhs = rhs, ddf = ddf)
  list(L = unname(split(L, row(L))), rhs = rhs, F = x[["F value"]], num_df = x[["NumDF"]],
       den_df = x[["DenDF"]], p = x[["Pr(>F)"]], mean_sq = x[["Mean Sq"]])
}

fit_info <- function(m) {
  list(REML = isREML(m), theta = unname(getME(m, "theta")), fixef = named(fixef(m)),
       sigma = sigma(m), objective = unname(if (isREML(m)) REMLcrit(m) else deviance(m)),
       vcov = unname(split(as.matrix(vcov(m)), row(as.matrix(vcov(m))))))
}

profile_ci <- function(m) {
  ci <- confint(m, method = "profile", oldNames = FALSE)
  list(parameters = I(rownames(ci)), lower = named(ci[, 1]), upper = named(ci[, 2]))
}

cases <- list()

## A. crossed intercepts, a 3-level factor: 2-df tests, KR, LRT, profile
gt <- read_data("grouseticks", c("INDEX", "BROOD", "YEAR", "LOCATION"))
fA <- log(TICKS + 1) ~ YEAR + sHEIGHT + (1 | BROOD) + (1 | LOCATION)
mA <- lmer(fA, data = gt, REML = TRUE, control = ctrl)
L2 <- rbind(c(0, 1, 0, 0), c(0, 0, 1, 0))
Lrank <- rbind(c(0, 1, 0, 0), c(0, 0, 1, 0), c(0, 1, 1, 0))
vadj <- as.matrix(vcovAdj(mA))
mA_small <- lmer(log(TICKS + 1) ~ sHEIGHT + (1 | BROOD) + (1 | LOCATION), data = gt,
                 REML = TRUE, control = ctrl)
lrtA <- suppressMessages(anova(mA_small, mA))
cases$grouseticks_log_reml <- list(
  formula = "log(TICKS + 1) ~ YEAR + sHEIGHT + (1 | BROOD) + (1 | LOCATION)",
  dataset = "grouseticks", REML = TRUE, weights = NULL, fit = fit_info(mA),
  satterthwaite = list(coef = coef_table(mA, "Satterthwaite"),
                       anova = anova_table(mA, "Satterthwaite"),
                       contest = contest_md(mA, L2, c(0.1, -0.2), "Satterthwaite"),
                       contest_rank_deficient = contest_md(mA, Lrank, c(0, 0, 0), "Satterthwaite")),
  kenward_roger = list(coef = coef_table(mA, "Kenward-Roger"),
                       anova = anova_table(mA, "Kenward-Roger"),
                       contest = contest_md(mA, L2, c(0.1, -0.2), "Kenward-Roger"),
                       vcov_adj = unname(split(vadj, row(vadj)))),
  lrt = list(small_formula = "log(TICKS + 1) ~ sHEIGHT + (1 | BROOD) + (1 | LOCATION)",
             small_REML = TRUE,
             table = lapply(seq_len(nrow(lrtA)), function(i) as.list(lrtA[i, ]))),
  confint_profile = profile_ci(mA))

## A'. the same model by ML: Satterthwaite for ML fits
mAml <- lmer(fA, data = gt, REML = FALSE, control = ctrl)
cases$grouseticks_log_ml <- list(
  formula = "log(TICKS + 1) ~ YEAR + sHEIGHT + (1 | BROOD) + (1 | LOCATION)",
  dataset = "grouseticks", REML = FALSE, weights = NULL, fit = fit_info(mAml),
  satterthwaite = list(coef = coef_table(mAml, "Satterthwaite"),
                       anova = anova_table(mAml, "Satterthwaite")))

## B. a 2-df interaction under sum-to-zero contrasts (type III = the term's columns)
gt$high <- factor(ifelse(gt$HEIGHT >= 470, "hi", "lo"))
mC <- lmer(log(TICKS + 1) ~ YEAR * high + (1 | BROOD) + (1 | LOCATION), data = gt,
           REML = TRUE, control = ctrl, contrasts = list(YEAR = contr.sum, high = contr.sum))
cases$grouseticks_interaction_sum_reml <- list(
  formula = "log(TICKS + 1) ~ YEAR * high + (1 | BROOD) + (1 | LOCATION)",
  python_formula = "np.log(TICKS + 1) ~ C(YEAR, Sum) * C(high, Sum) + (1 | BROOD) + (1 | LOCATION)",
  high = "HEIGHT >= 470 -> 'hi', else 'lo'", contrasts = "contr.sum for YEAR and high",
  dataset = "grouseticks", REML = TRUE, weights = NULL, fit = fit_info(mC),
  satterthwaite = list(anova = anova_table(mC, "Satterthwaite")),
  kenward_roger = list(anova = anova_table(mC, "Kenward-Roger")))

## B'. the same with treatment contrasts: lmerTest's type III (SAS) hypotheses differ
##     from "the term's columns are zero" for YEAR and high here
mT <- lmer(log(TICKS + 1) ~ YEAR * high + (1 | BROOD) + (1 | LOCATION), data = gt,
           REML = TRUE, control = ctrl)
cases$grouseticks_interaction_treatment_reml <- list(
  formula = "log(TICKS + 1) ~ YEAR * high + (1 | BROOD) + (1 | LOCATION)",
  python_formula = "np.log(TICKS + 1) ~ YEAR * high + (1 | BROOD) + (1 | LOCATION)",
  high = "HEIGHT >= 470 -> 'hi', else 'lo'", contrasts = "contr.treatment (default)",
  dataset = "grouseticks", REML = TRUE, weights = NULL, fit = fit_info(mT),
  satterthwaite = list(anova = anova_table(mT, "Satterthwaite")),
  kenward_roger = list(anova = anova_table(mT, "Kenward-Roger")))

## C. prior weights with a 4-level factor: pbkrtest's Sigma ignores the weights
cb <- read_data("cbpp", c("herd", "period"))
mB <- lmer(I(incidence / size) ~ period + (1 | herd), data = cb, weights = size,
           REML = TRUE, control = ctrl)
vadjB <- as.matrix(vcovAdj(mB))
cases$cbpp_prop_weighted_reml <- list(
  formula = "I(incidence / size) ~ period + (1 | herd)", dataset = "cbpp", REML = TRUE,
  weights = "size", fit = fit_info(mB),
  satterthwaite = list(coef = coef_table(mB, "Satterthwaite"),
                       anova = anova_table(mB, "Satterthwaite")),
  kenward_roger = list(coef = coef_table(mB, "Kenward-Roger"),
                       anova = anova_table(mB, "Kenward-Roger"),
                       vcov_adj = unname(split(vadjB, row(vadjB)))))

versions <- lapply(c("R" = "base", lme4 = "lme4", lmerTest = "lmerTest", pbkrtest = "pbkrtest",
                     numDeriv = "numDeriv"),
                   function(p) if (p == "base") R.version.string else as.character(packageVersion(p)))
res <- list(generator = "tests/inference/results/generate_inference_results.R",
            versions = versions, cases = cases)
writeLines(toJSON(res, auto_unbox = TRUE, digits = 15, null = "null", na = "null",
                  pretty = TRUE), out)
cat("wrote", out, "\n")
