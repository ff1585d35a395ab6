#!/usr/bin/env Rscript
## Regenerate the lme4 reference results of statsmodels-crossed.
##
## Fits every reference case with lme4 (plus lmerTest / pbkrtest inference and,
## for GLMMs, an independent exact Laplace / AGQ evaluation) and writes one JSON
## file per case, index.json and datasets.json. Schema: tests/results/README.md
## and the reference README it points to. Tests never run this script.
##
## Usage (from the repository root):
##   Rscript tests/results/generate_lme4_results.R [OUTDIR] [options]
##
##   OUTDIR / --out=DIR   output directory (default tests/results/generated/);
##                        refuses to write into tests/results/ itself unless
##                        --overwrite is given
##   --data=DIR           directory with <Name>.csv or <Name>.csv.gz
##                        (default: statsmodels_crossed/datasets/, the bundled
##                        gzip copies of the reference CSVs)
##   --cases=a,b,...      only these cases (default: all)
##   --skip=x,y           skip parts: kr, satterthwaite, profile, lrt, exact,
##                        glmmTMB, default_fit, datasets
##   --kr-max-nobs=N      skip Kenward-Roger when nobs > N (default 3500)
##
## Kenward-Roger: cases marked kr_lmerTest = FALSE (pbkrtest::vcovAdj takes
## > 60 s there) do not rerun vcovAdj inside lmerTest; their KR se/df come from
## the one vcovAdj with pbkrtest::Lb_ddf, which is lmerTest's own computation.
##
## Requires lme4, lmerTest, pbkrtest, minqa, jsonlite (glmmTMB optional).
## The script restarts itself with OPENBLAS_NUM_THREADS=1 unless that is set.

script_path <- function() {
  arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(arg)) normalizePath(sub("^--file=", "", arg[1])) else NA_character_
}

## Run with a single-threaded BLAS: multi-threaded OpenBLAS changes summation
## orders, which moves the flat optima (theta) by ~1e-7 between runs and
## machines. The thread count is fixed when R starts, so restart once.
if (sys.nframe() == 0L && !nzchar(Sys.getenv("OPENBLAS_NUM_THREADS")) &&
    !is.na(script_path())) {
  Sys.setenv(OPENBLAS_NUM_THREADS = "1", OMP_NUM_THREADS = "1", MKL_NUM_THREADS = "1")
  status <- system2(file.path(R.home("bin"), "Rscript"),
                    shQuote(c(script_path(), commandArgs(trailingOnly = TRUE))))
  quit(save = "no", status = status)
}

suppressPackageStartupMessages({
  library(lme4)
  library(jsonlite)
})
invisible(Sys.setlocale("LC_COLLATE", "C"))  # factor levels in C-locale order

## ---------------------------------------------------------------------------
## Command line
## ---------------------------------------------------------------------------

parse_args <- function(args) {
  here <- script_path()
  root <- if (is.na(here)) getwd() else dirname(dirname(dirname(here)))
  opt <- list(
    out = file.path(root, "tests", "results", "generated"),
    data = file.path(root, "statsmodels_crossed", "datasets"),
    cases = NULL, skip = character(), overwrite = FALSE,
    kr_max_nobs = 3500, root = root
  )
  for (a in args) {
    kv <- regmatches(a, regexec("^--([^=]+)(=(.*))?$", a))[[1]]
    if (!length(kv)) { opt$out <- a; next }
    key <- kv[2]; val <- kv[4]
    switch(key,
      out = opt$out <- val,
      data = opt$data <- val,
      cases = opt$cases <- strsplit(val, ",", fixed = TRUE)[[1]],
      skip = opt$skip <- strsplit(val, ",", fixed = TRUE)[[1]],
      overwrite = opt$overwrite <- TRUE,
      "kr-max-nobs" = opt$kr_max_nobs <- as.numeric(val),
      stop("unknown option --", key)
    )
  }
  checked_in <- normalizePath(file.path(root, "tests", "results"), mustWork = FALSE)
  if (!opt$overwrite &&
      normalizePath(opt$out, mustWork = FALSE) == checked_in)
    stop("refusing to overwrite the checked-in results in ", checked_in,
         " (use --overwrite)")
  opt
}

## ---------------------------------------------------------------------------
## Data sets and cases
## ---------------------------------------------------------------------------

DG72 <- "(Davies & Goldsmith 1972)"

DATASETS <- list(
  Dyestuff = list(
    source = paste("lme4::Dyestuff", DG72),
    description = "Yield of dyestuff (grams of standard colour) from 6 batches of intermediate product, 5 preparations each; 30 rows.",
    factor_columns = "Batch"),
  Penicillin = list(
    source = paste("lme4::Penicillin", DG72),
    description = "Diameter (mm) of growth-inhibition zone; 24 plates x 6 penicillin samples, fully crossed; 144 rows.",
    factor_columns = c("plate", "sample")),
  Pastes = list(
    source = paste("lme4::Pastes", DG72),
    description = "Paste strength; 10 batches, 3 casks within each batch (cask labels a,b,c reused across batches), 2 assays each; 60 rows. sample = batch:cask label.",
    factor_columns = c("batch", "cask", "sample")),
  sleepstudy = list(
    source = "lme4::sleepstudy (Belenky et al. 2003)",
    description = "Average reaction time (ms) of 18 subjects on days 0-9 of sleep deprivation; 180 rows.",
    factor_columns = "Subject"),
  InstEval = list(
    source = "lme4::InstEval (ETH Zurich lecture evaluations)",
    description = "73421 ratings (y, 1-5) of lecturers d (1128) by students s (2972); service: lecture is a service course (0/1); dept: 14 departments. studage and lectage are ORDERED factors in lme4 (polynomial contrasts if used as fixed effects); here they are written as plain labels and read back as unordered factors. The reference fits do not use them as fixed effects.",
    factor_columns = c("s", "d", "studage", "lectage", "service", "dept")),
  rt_experiment = list(
    source = "simulated (set.seed(20240311) in R; the generator is not distributed)",
    description = "Reaction-time experiment: 60 subjects x 40 items, condition congruent/incongruent counterbalanced (Latin square, each subject sees each item once); ~3% error trials removed (unbalanced); rt in ms (integer). Subject and item random intercepts and condition slopes.",
    factor_columns = c("subj", "item", "cond")),
  hr_ratings = list(
    source = "simulated (set.seed(20240312) in R; the generator is not distributed)",
    description = "Performance reviews: 300 employees rated by 60 managers (8 departments, matrix organisation: ~15% of reviews by a manager of another department) over up to 16 half-year cycles; department = the rating manager's department; tenure in years; rating = mean of n_items competency items (residual variance ~ 1/n_items, so n_items serves as prior weight); ~4% of reviews missing.",
    factor_columns = c("employee", "manager", "department", "home_department", "cycle")),
  cbpp = list(
    source = "lme4::cbpp (Lesnoff et al. 2004)",
    description = "Contagious bovine pleuropneumonia: new serological cases (incidence) out of herd size, 15 herds x up to 4 periods; 56 rows.",
    factor_columns = c("herd", "period")),
  grouseticks = list(
    source = "lme4::grouseticks (Elston et al. 2001)",
    description = "Ticks counted on red grouse chicks: 403 chicks, 118 broods, 63 locations, 3 years. cHEIGHT = HEIGHT centred (as shipped with lme4); sHEIGHT = (HEIGHT - mean)/sd(HEIGHT), i.e. R's scale(HEIGHT), written to 15 significant digits and used as read back from the CSV.",
    factor_columns = c("INDEX", "BROOD", "YEAR", "LOCATION"))
)

## One entry per case. Optional: weights, nAGQ, lrt_small (formula of the
## smaller model of anova(small, big)), profile (profile confidence intervals),
## kr_lmerTest (FALSE: KR from one vcovAdj via Lb_ddf, see the header).
lmm_case <- function(case, dataset, formula, REML, description, notes = character(),
                     weights = NULL, lrt_small = NULL, profile = FALSE,
                     kr_lmerTest = TRUE)
  list(case = case, dataset = dataset, model_type = "LMM", formula = formula,
       REML = REML, family = "gaussian", link = "identity", nAGQ = NULL,
       weights = weights, description = description, notes = notes,
       lrt_small = lrt_small, profile = profile, kr_lmerTest = kr_lmerTest)

glmm_case <- function(case, dataset, formula, family, link, nAGQ, description,
                      notes = character(), lrt_small = NULL, profile = FALSE)
  list(case = case, dataset = dataset, model_type = "GLMM", formula = formula,
       REML = FALSE, family = family, link = link, nAGQ = nAGQ, weights = NULL,
       description = description, notes = notes, lrt_small = lrt_small,
       profile = profile)

SS_SLOPE <- "Reaction ~ Days + (Days | Subject)"
HR <- "rating ~ tenure + (1 | employee) + (1 | manager) + (1 | department)"
CBPP <- "cbind(incidence, size - incidence) ~ period + (1 | herd)"

CASES <- list(
  lmm_case("dyestuff_reml", "Dyestuff", "Yield ~ 1 + (1 | Batch)", TRUE,
           "Single random intercept, balanced, REML. Classic: sigma ~ 49.51, Batch sd ~ 42.00.",
           profile = TRUE),
  lmm_case("dyestuff_ml", "Dyestuff", "Yield ~ 1 + (1 | Batch)", FALSE,
           "Single random intercept, ML fit (deviance ~ 327.33).", profile = TRUE),
  lmm_case("penicillin_reml", "Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", TRUE,
           "Two fully crossed random intercepts, REML."),
  lmm_case("penicillin_ml", "Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", FALSE,
           "Two fully crossed random intercepts, ML."),
  lmm_case("pastes_nested_reml", "Pastes", "strength ~ 1 + (1 | batch/cask)", TRUE,
           "Nested random intercepts via the '/' operator, REML.",
           notes = "lme4 expands (1 | batch/cask) to (1 | cask:batch) + (1 | batch); the interaction factor's level labels are '<cask>:<batch>', e.g. 'a:A'."),
  lmm_case("sleepstudy_slope_reml", "sleepstudy", SS_SLOPE, TRUE,
           "Correlated random intercept and slope, REML (fixef Days ~ 10.467). LRT against the uncorrelated model: lme4 refits both with ML.",
           lrt_small = "Reaction ~ Days + (Days || Subject)", profile = TRUE),
  lmm_case("sleepstudy_slope_ml", "sleepstudy", SS_SLOPE, FALSE,
           "Correlated random intercept and slope, ML; LRT against the random-intercept ML fit (no refit).",
           lrt_small = "Reaction ~ Days + (1 | Subject)"),
  lmm_case("sleepstudy_uncorr_reml", "sleepstudy", "Reaction ~ Days + (Days || Subject)", TRUE,
           "Uncorrelated random intercept and slope (double-bar), REML.",
           notes = "'||' expands to (1 | Subject) + (0 + Days | Subject): two terms on one grouping factor; VarCorr names them 'Subject' and 'Subject.1'."),
  lmm_case("sleepstudy_intercept_ml", "sleepstudy", "Reaction ~ Days + (1 | Subject)", FALSE,
           "Random intercept, ML (the small model of the LRT in sleepstudy_slope_ml)."),
  lmm_case("insteval_reml", "InstEval", "y ~ service + (1 | s) + (1 | d) + (1 | dept:service)", TRUE,
           "Large crossed random intercepts plus an interaction grouping factor, REML; Kenward-Roger skipped (n too large).",
           notes = "Large crossed design (73421 rows; s 2972 x d 1128 levels). service is a 0/1 factor (fixef 'service1'). Level labels of dept:service are '<dept>:<service>'."),
  lmm_case("rt_experiment_reml", "rt_experiment", "rt ~ cond + (1 + cond | subj) + (1 + cond | item)", TRUE,
           "Maximal crossed random-effects structure of a subjects x items experiment (two 2x2 covariance blocks), REML."),
  lmm_case("hr_ratings_reml", "hr_ratings", HR, TRUE,
           "Three partially crossed random intercepts (employees x managers x departments), unbalanced, REML.",
           kr_lmerTest = FALSE),
  lmm_case("hr_ratings_weighted_reml", "hr_ratings", HR, TRUE,
           "Weighted LMM (prior weights = number of items averaged), REML.",
           notes = "Prior weights: residual variance of row i is sigma^2 / n_items[i]; the criterion includes -sum(log(w)). residuals_pearson = sqrt(w) * residuals_response (lme4 convention, not divided by sigma).",
           weights = "n_items", kr_lmerTest = FALSE),
  glmm_case("cbpp_binomial_laplace", "cbpp", CBPP, "binomial", "logit", 1L,
            "Binomial GLMM with two-column response, Laplace; LRT for period.",
            lrt_small = "cbind(incidence, size - incidence) ~ 1 + (1 | herd)", profile = TRUE),
  glmm_case("cbpp_binomial_agq10", "cbpp", CBPP, "binomial", "logit", 10L,
            "Binomial GLMM, adaptive Gauss-Hermite quadrature with 10 nodes."),
  glmm_case("grouseticks_poisson_laplace", "grouseticks",
            "TICKS ~ YEAR + sHEIGHT + (1 | BROOD) + (1 | LOCATION)", "poisson", "log", 1L,
            "Poisson GLMM with two crossed random intercepts, Laplace.",
            notes = "sHEIGHT = scale(HEIGHT) precomputed in the CSV (the brief's scale(HEIGHT)); YEAR is a factor (95 reference).")
)
names(CASES) <- vapply(CASES, `[[`, "", "case")

## Optimizer settings of the reference fits (tight) and lme4's defaults.
LMM_CONTROL <- list(
  optimizer = "nloptwrap",
  optCtrl = list(algorithm = "NLOPT_LN_BOBYQA", xtol_abs = 1e-12, ftol_abs = 1e-14,
                 xtol_rel = 0, ftol_rel = 0, maxeval = 100000L),
  R = "lmerControl(optimizer='nloptwrap', optCtrl=list(algorithm='NLOPT_LN_BOBYQA', xtol_abs=1e-12, ftol_abs=1e-14, xtol_rel=0, ftol_rel=0, maxeval=1e5))")
GLMM_CONTROL <- list(
  optimizer = I(c("bobyqa", "bobyqa")),
  optCtrl = list(rhoend = 1e-12, maxfun = 100000L),
  tolPwrss = 1e-10,
  R = "glmerControl(optimizer='bobyqa', optCtrl=list(rhoend=1e-12, maxfun=1e5), tolPwrss=1e-10)")

reference_control <- function(cs) {
  if (cs$model_type == "LMM")
    lmerControl(optimizer = "nloptwrap", optCtrl = LMM_CONTROL$optCtrl)
  else
    glmerControl(optimizer = "bobyqa", optCtrl = GLMM_CONTROL$optCtrl,
                 tolPwrss = GLMM_CONTROL$tolPwrss)
}

default_control_record <- function(cs) {
  tag <- sprintf("(lme4 %s default)", packageDescription("lme4")$Version)
  if (cs$model_type == "LMM")
    list(optimizer = "nloptwrap",
         optCtrl = list(algorithm = "NLOPT_LN_BOBYQA", xtol_abs = 1e-08,
                        ftol_abs = 1e-08, maxeval = 100000L),
         R = paste("lmerControl() ", tag))
  else
    list(optimizer = I(c("bobyqa", "Nelder_Mead")), tolPwrss = 1e-07,
         R = paste("glmerControl() ", tag))
}

## ---------------------------------------------------------------------------
## Small helpers
## ---------------------------------------------------------------------------

arr <- function(x) I(unname(as.vector(x)))          # always a JSON array
obj <- function(x) as.list(x)                        # named vector -> object
mat <- function(x) unname(as.matrix(x))              # row-major list of rows
na_null <- function(x) if (length(x) == 1 && is.na(x)) NULL else x
rel_diff <- function(a, b) max(abs(a - b) / pmax(abs(b), .Machine$double.xmin))

## Evaluate f(), collecting warnings and messages; elapsed seconds.
captured <- function(f) {
  warns <- character(); msgs <- character()
  t0 <- proc.time()[["elapsed"]]
  value <- withCallingHandlers(f(),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning")
    },
    message = function(m) {
      msgs <<- c(msgs, sub("\n$", "", conditionMessage(m))); invokeRestart("muffleMessage")
    })
  list(value = value, seconds = round(proc.time()[["elapsed"]] - t0, 3),
       warnings = warns, messages = msgs)
}

versions <- function() {
  pv <- function(p) if (requireNamespace(p, quietly = TRUE))
    as.character(packageVersion(p)) else NULL
  v <- list(R = R.version.string)
  for (p in c("lme4", "Matrix", "lmerTest", "pbkrtest", "nloptr", "minqa",
              "glmmTMB", "jsonlite")) v[[p]] <- pv(p)
  v$BLAS <- sessionInfo()$BLAS
  v[!vapply(v, is.null, TRUE)]
}

write_json_file <- function(x, path) {
  txt <- toJSON(x, auto_unbox = TRUE, digits = I(15), null = "null", na = "null",
                pretty = TRUE)
  writeLines(txt, path, useBytes = TRUE)
  file.size(path)
}

## ---------------------------------------------------------------------------
## Reading data
## ---------------------------------------------------------------------------

dataset_file <- function(data_dir, name) {
  for (f in file.path(data_dir, paste0(name, c(".csv", ".csv.gz"))))
    if (file.exists(f)) return(f)
  stop("no ", name, ".csv(.gz) in ", data_dir)
}

## The CSV as R reads it back: factor columns as strings, then factors whose
## levels are the sorted labels (C locale).
read_dataset <- function(data_dir, name) {
  fc <- DATASETS[[name]]$factor_columns
  d <- read.csv(dataset_file(data_dir, name),
                colClasses = setNames(rep("character", length(fc)), fc))
  for (col in fc) d[[col]] <- factor(d[[col]], levels = sort(unique(d[[col]][!is.na(d[[col]])]),
                                                          method = "radix"))
  d
}

csv_bytes <- function(path) {
  if (!grepl("\\.gz$", path)) return(file.size(path))
  con <- gzfile(path, "rb"); on.exit(close(con))
  n <- 0
  repeat { chunk <- readBin(con, "raw", 1e6); if (!length(chunk)) break; n <- n + length(chunk) }
  n
}

dataset_record <- function(data_dir, name) {
  d <- read_dataset(data_dir, name)
  columns <- lapply(names(d), function(col) {
    x <- d[[col]]
    type <- if (is.factor(x)) "factor" else if (is.integer(x)) "integer"
            else if (is.numeric(x)) "numeric" else class(x)[1]
    list(name = col, type = type, n_missing = sum(is.na(x)),
         n_levels = if (is.factor(x)) nlevels(x) else NULL)
  })
  c(list(name = name, file = paste0(name, ".csv"), nrow = nrow(d), ncol = ncol(d)),
    DATASETS[[name]][c("source", "description")],
    list(factor_columns = arr(DATASETS[[name]]$factor_columns), columns = columns,
         bytes = csv_bytes(dataset_file(data_dir, name))))
}

## ---------------------------------------------------------------------------
## Fitting
## ---------------------------------------------------------------------------

r_call <- function(cs, formula = cs$formula, REML = cs$REML) {
  if (cs$model_type == "LMM")
    sprintf("lmer(%s, data = %s, REML = %s, control = control%s)", formula,
            cs$dataset, REML,
            if (is.null(cs$weights)) "" else paste0(", weights = ", cs$weights))
  else
    sprintf("glmer(%s, data = %s, family = %s(link = \"%s\"), nAGQ = %dL, control = control)",
            formula, cs$dataset, cs$family, cs$link, cs$nAGQ)
}

## Fit by evaluating the call text in an environment holding the data and the
## control: the model's formula environment then finds both again, which
## update(), lmerTest and profile() rely on.
fit_call <- function(call_text, data, data_name, control) {
  env <- new.env(parent = globalenv())
  assign(data_name, data, envir = env)
  assign("control", control, envir = env)
  captured(function() eval(parse(text = call_text)[[1]], envir = env))
}

fit_objective <- function(m) {
  if (!is(m, "lmerMod")) return(-2 * as.numeric(logLik(m)))
  if (isREML(m)) REMLcrit(m) else deviance(m)
}

theta_start <- function(m) ifelse(getME(m, "lower") == 0, 1, 0)

## ---------------------------------------------------------------------------
## Parts of a case record
## ---------------------------------------------------------------------------

data_part <- function(m, d, cs) {
  na <- attr(model.frame(m), "na.action")
  fc <- DATASETS[[cs$dataset]]$factor_columns
  list(nrow_csv = nrow(d), nobs = nobs(m), n_dropped = length(na),
       dropped_rows = arr(if (length(na)) as.integer(na) - 1L else integer()),
       factor_levels = setNames(lapply(fc, function(f) arr(levels(d[[f]]))), fc))
}

fixef_part <- function(m, cs) {
  cf <- coef(summary(m))
  beta <- fixef(m)
  glmm <- cs$model_type == "GLMM"
  list(fixef_names = arr(names(beta)),
       fixef = obj(beta),
       se = obj(setNames(cf[, "Std. Error"], names(beta))),
       stat_name = if (glmm) "z" else "t",
       stat = obj(setNames(cf[, 3], names(beta))),
       p_wald = if (glmm) obj(setNames(cf[, 4], names(beta))) else NULL,
       vcov = mat(vcov(m)),
       ## lme4 warns that the two differ (they do, see README): expected
       vcov_rx = if (glmm) mat(suppressWarnings(vcov(m, use.hessian = FALSE))) else NULL)
}

covariance_part <- function(m) {
  vc <- VarCorr(m)
  cnms <- getME(m, "cnms")
  flist <- getME(m, "flist")
  asgn <- attr(flist, "assign")
  varcorr <- lapply(seq_along(vc), function(i) {
    v <- vc[[i]]
    list(name = names(vc)[i], group = names(cnms)[i], terms = arr(cnms[[i]]),
         variance = mat(unclass(v)[seq_len(nrow(v)), seq_len(ncol(v)), drop = FALSE]),
         sd = arr(attr(v, "stddev")), corr = mat(attr(v, "correlation")))
  })
  theta <- getME(m, "theta")
  lower <- getME(m, "lower")
  re_terms <- lapply(seq_along(cnms), function(i) {
    k <- length(cnms[[i]])
    list(group = names(cnms)[i], terms = arr(cnms[[i]]),
         n_levels = nlevels(flist[[asgn[i]]]), n_theta = k * (k + 1) / 2)
  })
  list(varcorr = varcorr, sigma = sigma(m), sigma2 = sigma(m)^2,
       use_scale = getME(m, "devcomp")$dims[["useSc"]] == 1,
       theta_names = arr(names(theta)), theta = arr(theta),
       theta_lower = arr(ifelse(is.finite(lower), lower, NA)),
       re_terms = re_terms)
}

criterion_part <- function(m, cs) {
  reml <- isREML(m)
  glmm <- cs$model_type == "GLMM"
  ll <- logLik(m)
  dc <- getME(m, "devcomp")
  cmp <- lapply(as.list(dc$cmp), na_null)
  list(REML = reml, objective = fit_objective(m),
       REMLcrit = if (reml) REMLcrit(m) else NULL,
       deviance = if (reml) NULL else deviance(m),
       ml_deviance_at_reml_theta = if (reml) deviance(m, REML = FALSE) else NULL,
       logLik = as.numeric(ll), logLik_is_REML = reml,
       minus2logLik = -2 * as.numeric(ll), df = attr(ll, "df"),
       AIC = AIC(m), BIC = BIC(m), df_residual = df.residual(m),
       devcomp_cmp = cmp, devcomp_dims = as.list(dc$dims))
}

ranef_part <- function(m) {
  re <- ranef(m, condVar = TRUE)
  tab <- as.data.frame(re)
  out <- list()
  for (g in names(re)) {
    levs <- rownames(re[[g]])
    terms <- colnames(re[[g]])
    pick <- function(col) setNames(lapply(terms, function(t) {
      rows <- tab[tab$grpvar == g & tab$term == t, ]
      obj(setNames(rows[[col]], as.character(rows$grp))[levs])
    }), terms)
    out[[g]] <- list(n_levels = length(levs), levels = arr(levs), terms = arr(terms),
                     condval = pick("condval"), condsd = pick("condsd"))
  }
  out
}

optinfo_part <- function(fit) {
  oi <- fit$value@optinfo
  grad <- oi$derivs$gradient
  list(optimizer = arr(oi$optimizer), feval = oi$feval, message = oi$message,
       conv_lme4 = arr(as.character(unlist(oi$conv$lme4$messages))),
       max_abs_grad = if (is.null(grad)) NULL else max(abs(grad)),
       fit_warnings = arr(fit$warnings), fit_messages = arr(fit$messages))
}

default_fit_part <- function(m, cs, d) {
  ctrl <- if (cs$model_type == "LMM") lmerControl() else glmerControl()
  fit <- fit_call(r_call(cs), d, cs$dataset, ctrl)
  m2 <- fit$value
  list(control = default_control_record(cs),
       objective = fit_objective(m2), theta = arr(getME(m2, "theta")),
       fixef = obj(fixef(m2)), sigma = sigma(m2),
       se = obj(setNames(sqrt(diag(as.matrix(vcov(m2)))), names(fixef(m2)))),
       fit_seconds = fit$seconds, feval = m2@optinfo$feval,
       conv_lme4 = arr(as.character(unlist(m2@optinfo$conv$lme4$messages))),
       fit_warnings = arr(fit$warnings),
       objective_minus_oracle = fit_objective(m2) - fit_objective(m),
       max_rel_diff_fixef = rel_diff(fixef(m2), fixef(m)),
       max_abs_diff_theta = max(abs(getME(m2, "theta") - getME(m, "theta"))))
}

head_part <- function(m, cs) {
  rows <- as.integer(rownames(model.frame(m))) - 1L
  k <- seq_len(min(20L, length(rows)))
  h <- function(x) arr(unname(x)[k])
  out <- list(row_index = arr(rows[k]))
  if (cs$model_type == "LMM") {
    out$fitted <- h(fitted(m))
    out$residuals_response <- h(residuals(m, type = "response"))
    out$residuals_pearson <- h(residuals(m, type = "pearson"))
    out$hatvalues <- h(hatvalues(m))
  } else {
    out$fitted_response <- h(fitted(m))
    out$linear_predictor <- h(predict(m, type = "link"))
    for (type in c("response", "pearson", "deviance", "working"))
      out[[paste0("residuals_", type)]] <- h(residuals(m, type = type))
  }
  list(head = out,
       sums = list(sum_fitted = sum(fitted(m)),
                   sum_sq_residuals_response = sum(residuals(m, type = "response")^2)))
}

## Rows 1, 2, n %/% 2 and n of the fit; then one row per grouping variable set to
## an unseen label (copy of row 1); then all grouping variables unseen (copy of
## row 2). A grouping variable that is also a fixed-effect variable stays.
predict_part <- function(m, cs, d) {
  rows <- as.integer(rownames(model.frame(m)))
  n <- length(rows)
  fixed_vars <- all.vars(delete.response(terms(m, fixed.only = TRUE)))
  group_vars <- unique(unlist(strsplit(names(getME(m, "flist")), ":", fixed = TRUE)))
  group_vars <- setdiff(group_vars, fixed_vars)
  vars <- c(fixed_vars, group_vars)
  src <- c(rows[c(1, 2, n %/% 2, n)], rep(rows[1], length(group_vars)), rows[2])
  nd <- d[src, vars, drop = FALSE]
  for (v in vars) if (is.factor(nd[[v]])) nd[[v]] <- as.character(nd[[v]])
  for (j in seq_along(group_vars)) nd[4 + j, group_vars[j]] <- paste0("NEW_", group_vars[j])
  nd[nrow(nd), group_vars] <- paste0("NEW_", group_vars)
  rownames(nd) <- NULL
  records <- lapply(seq_len(nrow(nd)), function(i) as.list(nd[i, , drop = FALSE]))
  out <- list(grouping_variables = arr(group_vars), source_rows = arr(src - 1L),
              newdata = records,
              note = "rows 1-4 copy existing rows; then one row per grouping variable with that variable set to 'NEW_<var>' (unseen level); last row: all grouping variables unseen. allow.new.levels=TRUE: unseen levels get random effect 0",
              conditional = arr(predict(m, newdata = nd, allow.new.levels = TRUE)),
              marginal = arr(predict(m, newdata = nd, re.form = NA)))
  if (cs$model_type == "GLMM") {
    out$scale <- "link (conditional, marginal); response (conditional_response, marginal_response)"
    out$conditional_response <- arr(predict(m, newdata = nd, allow.new.levels = TRUE,
                                            type = "response"))
    out$marginal_response <- arr(predict(m, newdata = nd, re.form = NA, type = "response"))
  }
  out
}

confint_wald_part <- function(m) {
  ci <- confint(m, method = "Wald", level = 0.95)[names(fixef(m)), , drop = FALSE]
  list(level = 0.95, lower = obj(setNames(ci[, 1], rownames(ci))),
       upper = obj(setNames(ci[, 2], rownames(ci))))
}

lmm_objective_at <- function(m) {
  devfun <- update(m, devFunOnly = TRUE)
  theta <- getME(m, "theta")
  pts <- list(optimum = theta, start = theta_start(m), perturbed = 1.25 * theta + 0.1)
  what <- if (isREML(m))
    "lmer profiled REML criterion (-2 REML log-lik) as a function of theta"
  else "lmer profiled deviance (-2 ML log-lik) as a function of theta"
  list(what = what, points = lapply(names(pts), function(l)
    list(label = l, theta = arr(pts[[l]]), value = devfun(unname(pts[[l]])))))
}

## ---------------------------------------------------------------------------
## GLMM: exact Laplace / AGQ evaluation, independent of lme4's PIRLS tolerance
## ---------------------------------------------------------------------------

glmm_pieces <- function(m) {
  fam <- family(m)
  list(X = getME(m, "X"), Zt = getME(m, "Zt"), Lambdat = getME(m, "Lambdat"),
       Lind = getME(m, "Lind"), y = m@resp$y, wt = m@resp$weights,
       offset = m@resp$offset, fam = fam, nAGQ = getME(m, "devcomp")$dims[["nAGQ"]],
       flist = getME(m, "flist"), p = ncol(getME(m, "X")), nth = length(getME(m, "theta")),
       u = numeric(nrow(getME(m, "Zt"))))
}

## -2 log f(y | mu) of the family with prior weights (R's family$aic without 2p).
minus2_loglik_cond <- function(P, mu) P$fam$aic(P$y, P$wt, mu, P$wt, 0)

## Conditional modes u of the penalised deviance sum(devres) + |u|^2 at
## (theta, beta) by Fisher-scoring Newton steps with step halving, to
## max |du| < tol. Returns u, mu, the Cholesky factor of
## Lambda'Z'WZ Lambda + I and the pieces needed by Laplace / AGQ.
conditional_modes <- function(P, theta, beta, u = P$u, tol = 1e-11, maxit = 200) {
  Lt <- P$Lambdat
  Lt@x <- theta[P$Lind]
  ZL <- Matrix::t(Lt %*% P$Zt)
  eta0 <- as.vector(P$X %*% beta) + P$offset
  fam <- P$fam
  pdev <- function(u) {
    mu <- fam$linkinv(eta0 + as.vector(ZL %*% u))
    sum(fam$dev.resids(P$y, mu, P$wt)) + sum(u^2)
  }
  q <- length(u)
  I_q <- Matrix::Diagonal(q)
  converged <- FALSE
  for (it in seq_len(maxit)) {
    eta <- eta0 + as.vector(ZL %*% u)
    mu <- fam$linkinv(eta)
    mu_eta <- fam$mu.eta(eta)
    v <- fam$variance(mu)
    w <- P$wt * mu_eta^2 / v
    grad <- as.vector(Matrix::crossprod(ZL, P$wt * (P$y - mu) * mu_eta / v)) - u
    H <- Matrix::forceSymmetric(Matrix::crossprod(ZL, w * ZL) + I_q)
    du <- as.vector(Matrix::solve(H, grad))
    old <- pdev(u)
    step <- 1
    while (pdev(u + step * du) > old + 1e-13 * abs(old) && step > 1e-8) step <- step / 2
    u <- u + step * du
    if (max(abs(step * du)) < tol) { converged <- TRUE; break }
  }
  eta <- eta0 + as.vector(ZL %*% u)
  mu <- fam$linkinv(eta)
  w <- P$wt * fam$mu.eta(eta)^2 / fam$variance(mu)
  H <- Matrix::forceSymmetric(Matrix::crossprod(ZL, w * ZL) + I_q)
  R <- chol(as.matrix(H))
  list(u = u, mu = mu, eta0 = eta0, ZL = ZL, R = R, ldL2 = 2 * sum(log(diag(R))),
       converged = converged, iterations = it)
}

## Exact criterion at (theta, beta) on lme4's scale: nAGQ = 1: full -2 log-lik
## (Laplace); nAGQ > 1 (one scalar random-effect term): adaptive Gauss-Hermite
## -2 log-lik minus the saturated constant, as lme4 reports it.
glmm_exact <- function(P, theta, beta) {
  cm <- conditional_modes(P, theta, beta)
  P$u <- cm$u
  if (P$nAGQ <= 1)
    return(list(value = minus2_loglik_cond(P, cm$mu) + sum(cm$u^2) + cm$ldL2, u = cm$u))
  stopifnot(length(P$flist) == 1, length(theta) == 1)
  grp <- as.integer(P$flist[[1]])
  fam <- P$fam
  dev_by_group <- function(u) {
    mu <- fam$linkinv(cm$eta0 + as.vector(cm$ZL %*% u))
    as.vector(rowsum(fam$dev.resids(P$y, mu, P$wt), grp, reorder = TRUE)) + u^2
  }
  dev0 <- dev_by_group(cm$u)
  sd <- 1 / diag(cm$R)   # Lambda'Z'WZ Lambda + I is diagonal here
  gh <- GHrule(P$nAGQ)
  acc <- numeric(length(dev0))
  for (k in seq_len(nrow(gh)))
    acc <- acc + gh[k, "w"] *
      exp(-0.5 * (dev_by_group(cm$u + gh[k, "z"] * sd) - dev0) + 0.5 * gh[k, "z"]^2)
  list(value = sum(dev0) + cm$ldL2 - 2 * sum(log(acc)), u = cm$u)
}

saturated_constant <- function(P) minus2_loglik_cond(P, P$y)

glmm_exact_part <- function(m) {
  P <- glmm_pieces(m)
  theta <- getME(m, "theta"); beta <- fixef(m)
  lower <- c(getME(m, "lower"), rep(-Inf, P$p))
  t0 <- proc.time()[["elapsed"]]
  at_lme4 <- glmm_exact(P, theta, beta)
  P$u <- at_lme4$u
  feval <- 0
  f <- function(par) {
    feval <<- feval + 1
    r <- glmm_exact(P, par[seq_len(P$nth)], par[-seq_len(P$nth)])
    P$u <<- r$u
    r$value
  }
  opt <- minqa::bobyqa(c(theta, beta), f, lower = lower,
                       control = list(rhoend = 1e-10, maxfun = 10000))
  ex_theta <- opt$par[seq_len(P$nth)]
  ex_beta <- setNames(opt$par[-seq_len(P$nth)], names(beta))
  C <- saturated_constant(P)
  agq <- P$nAGQ > 1
  method <- if (agq)
    sprintf("independent R evaluation: conditional modes by Newton to |du| < 1e-11, adaptive Gauss-Hermite with %d nodes (lme4::GHrule); minimized over c(theta, beta) by minqa::bobyqa (rhoend 1e-10) from the lme4 optimum", P$nAGQ)
  else "independent R evaluation: conditional modes by Newton to |du| < 1e-11, Laplace; minimized over c(theta, beta) by minqa::bobyqa (rhoend 1e-10) from the lme4 optimum"
  lme4_obj <- fit_objective(m)
  list(method = method, objective = opt$fval,
       objective_full_constants = opt$fval + if (agq) C else 0,
       saturated_constant = C,
       objective_convention = if (agq)
         "lme4's nAGQ>1 convention: full -2 log-lik minus saturated_constant (lme4 drops the saturated log-likelihood -2*sum(log f(y; mu=y)) for nAGQ>1)"
       else "full -2 log-likelihood (Laplace), as lme4 reports for nAGQ=1",
       theta = arr(ex_theta), fixef = obj(ex_beta),
       exact_objective_at_lme4_optimum = at_lme4$value,
       lme4_objective_minus_exact_at_lme4_optimum = lme4_obj - at_lme4$value,
       lme4_objective_minus_exact_optimum = lme4_obj - opt$fval,
       max_rel_diff_fixef_lme4_vs_exact = rel_diff(beta, ex_beta),
       max_abs_diff_theta_lme4_vs_exact = max(abs(theta - ex_theta)),
       feval = feval, seconds = round(proc.time()[["elapsed"]] - t0, 3))
}

glmm_objective_at <- function(m, exact = TRUE) {
  P <- glmm_pieces(m)
  devfun <- update(m, devFunOnly = TRUE)
  theta <- getME(m, "theta"); beta <- unname(fixef(m))
  pts <- list(optimum = list(theta, beta),
              perturbed = list(1.25 * theta + 0.1, beta + 0.05),
              start = list(theta_start(m), beta))
  list(what = sprintf("GLMM objective (nAGQ=%d) at c(theta, beta): -2 log-likelihood (Laplace/AGQ) with full constants. value = exact evaluation (conditional modes converged, see laplace_exact); value_lme4_devfun = lme4's stage-2 devfun with tolPwrss=%g (its PIRLS tolerance makes it slightly high)",
                      P$nAGQ, GLMM_CONTROL$tolPwrss),
       points = lapply(names(pts), function(l) {
         th <- unname(pts[[l]][[1]]); b <- pts[[l]][[2]]
         list(label = l, theta = arr(th), beta = arr(b),
              value = if (exact) glmm_exact(P, th, b)$value else NULL,
              value_lme4_devfun = devfun(c(th, b)))
       }))
}

glmmTMB_part <- function(m, cs, d) {
  if (cs$nAGQ > 1) return(NULL)   # glmmTMB fits by Laplace only
  if (!requireNamespace("glmmTMB", quietly = TRUE))
    return(list(available = FALSE, reason = "glmmTMB is not installed"))
  env <- new.env(parent = globalenv()); assign(cs$dataset, d, envir = env)
  call_text <- sprintf("glmmTMB::glmmTMB(%s, data = %s, family = %s(link = \"%s\"))",
                       cs$formula, cs$dataset, cs$family, cs$link)
  fit <- captured(function() eval(parse(text = call_text)[[1]], envir = env))
  tm <- fit$value
  ll <- -2 * as.numeric(logLik(tm))
  list(minus2logLik = ll, fixef = obj(glmmTMB::fixef(tm)$cond), seconds = fit$seconds,
       note = "independent Laplace fit by glmmTMB (TMB, exact inner optimization): sanity check of the oracle optimum, not itself a reference")
}

## ---------------------------------------------------------------------------
## lmerTest (Satterthwaite, Kenward-Roger), LRT, profile intervals
## ---------------------------------------------------------------------------

coef_block <- function(tab) {
  nm <- rownames(tab)
  col <- function(j) obj(setNames(tab[, j], nm))
  list(names = arr(nm), estimate = col("Estimate"), se = col("Std. Error"),
       df = col("df"), t = col("t value"), p = col("Pr(>|t|)"))
}

anova_block <- function(a) {
  if (is.null(a) || nrow(a) == 0) return(NULL)
  rows <- lapply(rownames(a), function(r)
    list(sum_sq = a[r, "Sum Sq"], mean_sq = a[r, "Mean Sq"], num_df = a[r, "NumDF"],
         den_df = a[r, "DenDF"], F = a[r, "F value"], p = a[r, "Pr(>F)"]))
  list(terms = arr(rownames(a)), rows = setNames(rows, rownames(a)))
}

lmertest_part <- function(m, cs, opt) {
  out <- list()
  mt <- lmerTest::as_lmerModLmerTest(m)
  if (!"satterthwaite" %in% opt$skip) {
    r <- captured(function() list(s = summary(mt)$coefficients, a = anova(mt, type = 3)))
    out$satterthwaite <- c(coef_block(r$value$s),
                           list(anova_type3 = anova_block(r$value$a), seconds = r$seconds))
  }
  if (!"kr" %in% opt$skip) out$kenward_roger <- kr_part(m, mt, cs, opt)
  out
}

kr_part <- function(m, mt, cs, opt) {
  if (!isREML(m))
    return(list(available = FALSE, reason = "KR is defined for REML fits only (pbkrtest/lmerTest)"))
  if (nobs(m) > opt$kr_max_nobs)
    return(list(available = FALSE, reason = sprintf(
      "skipped: nobs = %d > %d (pbkrtest forms dense n x n matrices; would not finish in 60 s)",
      nobs(m), opt$kr_max_nobs)))
  va <- captured(function() pbkrtest::vcovAdj(m))  # keeps the P, W attributes Lb_ddf needs
  V <- as.matrix(vcov(m))
  beta <- fixef(m)
  p <- length(beta)
  lb_df <- vapply(seq_len(p), function(j) {
    L <- matrix(0, 1, p); L[j] <- 1
    pbkrtest::Lb_ddf(L, V, va$value)
  }, 0)
  if (cs$kr_lmerTest) {
    r <- captured(function() list(
      s = summary(mt, ddf = "Kenward-Roger")$coefficients,
      a = anova(mt, type = 3, ddf = "Kenward-Roger")))
    blk <- coef_block(r$value$s)
    c(list(available = TRUE), blk[1],
      list(method = "lmerTest summary(ddf='Kenward-Roger') / anova(type=3, ddf='Kenward-Roger')"),
      blk[-1],
      list(anova_type3 = anova_block(r$value$a),
           check_max_abs_diff_df_Lb_ddf = max(abs(r$value$s[, "df"] - lb_df)),
           seconds = r$seconds, vcov_adj = mat(as.matrix(va$value)), seconds_vcovAdj = va$seconds))
  } else {
    se <- sqrt(diag(as.matrix(va$value)))
    tval <- beta / se
    nm <- names(beta)
    list(available = TRUE, names = arr(nm),
         method = sprintf("pbkrtest::vcovAdj took %.0f s (> 60 s on the reference machine), so lmerTest was not rerun; se = sqrt(diag(vcov_adj)), df = pbkrtest::Lb_ddf(e_j, vcov, vcov_adj), t = estimate/se, p = 2*pt(-|t|, df): identical to lmerTest's KR computation for single coefficients",
                          va$seconds),
         estimate = obj(beta), se = obj(setNames(se, nm)), df = obj(setNames(lb_df, nm)),
         t = obj(tval), p = obj(setNames(2 * pt(-abs(tval), lb_df), nm)),
         anova_type3 = NULL, vcov_adj = mat(as.matrix(va$value)), seconds_vcovAdj = va$seconds)
  }
}

lrt_part <- function(m, cs, d) {
  small <- fit_call(r_call(cs, formula = cs$lrt_small), d, cs$dataset, reference_control(cs))
  ms <- small$value
  refit <- isREML(ms) || isREML(m)
  a <- captured(function() anova(ms, m))
  tab <- a$value
  formulas <- c(cs$lrt_small, cs$formula)
  rows <- lapply(1:2, function(i) {
    g <- function(col) na_null(unname(tab[i, col]))
    list(model = c("small", "big")[i], formula = formulas[i], npar = g("npar"),
         AIC = g("AIC"), BIC = g("BIC"), logLik = g("logLik"), deviance = g("deviance"),
         Chisq = g("Chisq"), Df = g("Df"), p = g("Pr(>Chisq)"))
  })
  list(small_formula = cs$lrt_small, small_REML = isREML(ms), big_formula = cs$formula,
       refit_ML = refit,
       note = if (refit) "anova(m_small, m_big) refits REML fits with ML (lme4 default refit=TRUE); logLik/deviance in the table are ML values"
              else "both models are ML fits; no refit",
       small_fit = list(criterion = fit_objective(ms), theta = arr(getME(ms, "theta")),
                        fixef = obj(fixef(ms))),
       table = rows, messages = arr(a$messages))
}

profile_part <- function(m) {
  r <- captured(function() confint(m, method = "profile", level = 0.95, oldNames = FALSE))
  ci <- r$value
  list(level = 0.95, parameters = arr(rownames(ci)),
       lower = obj(setNames(ci[, 1], rownames(ci))),
       upper = obj(setNames(ci[, 2], rownames(ci))),
       note = "lme4 profile(): refits with ML first (profile of the ML deviance even for REML fits); variance parameters on the SD / correlation scale ('sd_(Intercept)|g', 'cor_A.B|g', 'sigma'); spline-interpolated, compare at ~1e-3 relative",
       warnings = arr(r$warnings), seconds = r$seconds)
}

## ---------------------------------------------------------------------------
## One case
## ---------------------------------------------------------------------------

run_case <- function(cs, opt, vers) {
  d <- read_dataset(opt$data, cs$dataset)
  call_text <- r_call(cs)
  fit <- fit_call(call_text, d, cs$dataset, reference_control(cs))
  m <- fit$value
  glmm <- cs$model_type == "GLMM"
  skip <- opt$skip
  rec <- list(
    schema_version = 1L, set = "developer", case = cs$case,
    description = cs$description, dataset = paste0(cs$dataset, ".csv"),
    model_type = cs$model_type, lme4_function = if (glmm) "glmer" else "lmer",
    formula = cs$formula, family = cs$family, link = cs$link, REML = cs$REML,
    nAGQ = cs$nAGQ, weights = cs$weights, offset = NULL, na_action = "na.omit",
    notes = arr(cs$notes), R_call = call_text,
    control = if (glmm) GLMM_CONTROL else LMM_CONTROL,
    versions = vers, data = data_part(m, d, cs), nobs = nobs(m),
    ngroups = obj(vapply(getME(m, "flist"), nlevels, 1L)),
    grouping_factors = arr(names(getME(m, "flist"))))
  rec <- c(rec, fixef_part(m, cs), covariance_part(m))
  rec$criterion <- criterion_part(m, cs)
  rec$singular <- isSingular(m)
  rec$ranef <- ranef_part(m)
  rec$fit_seconds <- fit$seconds
  rec$optinfo <- optinfo_part(fit)
  if (!"default_fit" %in% skip) rec$default_control_fit <- default_fit_part(m, cs, d)
  rec <- c(rec, head_part(m, cs))
  rec$predict <- predict_part(m, cs, d)
  rec$confint_wald <- confint_wald_part(m)
  if (glmm) {
    if (!"exact" %in% skip) rec$laplace_exact <- glmm_exact_part(m)
    rec$objective_at <- glmm_objective_at(m, exact = !"exact" %in% skip)
  } else {
    rec$objective_at <- lmm_objective_at(m)
    if (!all(c("satterthwaite", "kr") %in% skip)) rec$lmerTest <- lmertest_part(m, cs, opt)
  }
  if (!is.null(cs$lrt_small) && !"lrt" %in% skip) rec$lrt <- lrt_part(m, cs, d)
  if (cs$profile && !"profile" %in% skip) rec$confint_profile <- profile_part(m)
  if (glmm && !"glmmTMB" %in% skip) rec["cross_check_glmmTMB"] <- list(glmmTMB_part(m, cs, d))
  rec
}

index_entry <- function(rec, bytes) {
  has <- character()
  if (!is.null(rec$lmerTest)) has <- c(has, "lmerTest")
  if (isTRUE(rec$lmerTest$kenward_roger$available)) has <- c(has, "kenward_roger")
  if (!is.null(rec$lrt)) has <- c(has, "lrt")
  if (!is.null(rec$confint_profile)) has <- c(has, "confint_profile")
  if (!is.null(rec$cross_check_glmmTMB$minus2logLik)) has <- c(has, "cross_check_glmmTMB")
  list(case = rec$case, dataset = rec$dataset, model_type = rec$model_type,
       formula = rec$formula, REML = rec$REML, family = rec$family, nAGQ = rec$nAGQ,
       weights = rec$weights, nobs = rec$nobs, ngroups = rec$ngroups,
       singular = rec$singular, objective = rec$criterion$objective,
       fit_seconds = rec$fit_seconds,
       default_fit_seconds = rec$default_control_fit$fit_seconds,
       has = arr(has), bytes = bytes)
}

## ---------------------------------------------------------------------------
## Main
## ---------------------------------------------------------------------------

main <- function(args = commandArgs(trailingOnly = TRUE)) {
  opt <- parse_args(args)
  cases <- if (is.null(opt$cases)) names(CASES) else opt$cases
  unknown <- setdiff(cases, names(CASES))
  if (length(unknown)) stop("unknown case(s): ", paste(unknown, collapse = ", "),
                            "; available: ", paste(names(CASES), collapse = ", "))
  dir.create(opt$out, recursive = TRUE, showWarnings = FALSE)
  vers <- versions()
  entries <- list()
  for (name in cases) {
    cat(sprintf("%-28s ", name)); flush.console()
    t0 <- proc.time()[["elapsed"]]
    rec <- run_case(CASES[[name]], opt, vers)
    bytes <- write_json_file(rec, file.path(opt$out, paste0(name, ".json")))
    entries[[name]] <- index_entry(rec, bytes)
    cat(sprintf("objective %.15g  (%.1f s)\n", rec$criterion$objective,
                proc.time()[["elapsed"]] - t0))
  }
  write_json_file(list(set = "developer",
                       generated = format(Sys.time(), "%Y-%m-%d %H:%M:%S UTC", tz = "UTC"),
                       versions = vers, cases = unname(entries)),
                  file.path(opt$out, "index.json"))
  if (!"datasets" %in% opt$skip)
    write_json_file(list(set = "developer", versions = vers,
                         datasets = unname(lapply(names(DATASETS), dataset_record,
                                                  data_dir = opt$data))),
                    file.path(opt$out, "datasets.json"))
  cat("wrote", length(entries), "case(s) to", normalizePath(opt$out), "\n")
}

if (sys.nframe() == 0L) main()
