# Fit one lme4 model for the benchmarks: Rscript lme4_fit.R CSV FORMULA FACTORS REPEATS SHORT BUDGET
# FACTORS is a comma-separated list of columns read as strings and made factors with
# levels sorted in the C locale (lme4's reference levels, as in shared/reference).
# Prints one line of JSON: lmer() times, REMLcrit, fixef, theta, versions, peak RSS.
args <- commandArgs(trailingOnly = TRUE)
now <- function() as.numeric(Sys.time())
t_start <- now() - proc.time()[["elapsed"]]   # the process's start
csv <- args[1]; form <- as.formula(args[2])
factors <- if (nzchar(args[3])) strsplit(args[3], ",")[[1]] else character(0)
repeats <- as.integer(args[4]); short <- as.numeric(args[5]); budget <- as.numeric(args[6])
invisible(Sys.setlocale("LC_COLLATE", "C"))
suppressPackageStartupMessages(library(lme4))
cc <- setNames(rep("character", length(factors)), factors)
d <- read.csv(csv, colClasses = cc)
for (f in factors) d[[f]] <- factor(d[[f]], levels = sort(unique(d[[f]])))
load_s <- now() - t_start

times <- numeric(0)
repeat {
  gc(verbose = FALSE)
  t0 <- now()
  m <- lmer(form, data = d, REML = TRUE)
  times <- c(times, now() - t0)
  if (length(times) == 1) whole <- now() - t_start
  if (length(times) >= repeats || times[1] > short || sum(times) > budget) break
}

num <- function(x) if (length(x) == 0) "[]" else paste0("[", paste(sprintf("%.17g", x), collapse = ","), "]")
str <- function(x) paste0('"', gsub('"', "'", x), '"')
hwm <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
hwm_kb <- as.numeric(gsub("[^0-9]", "", hwm))
fe <- fixef(m)
conv <- m@optinfo$conv$lme4$messages
feval <- if (is.null(m@optinfo$feval)) -1L else as.integer(m@optinfo$feval)
cat(sprintf(paste0('{"times": %s, "whole_seconds": %.6f, "load_seconds": %.6f, ',
  '"objective": %.17g, "fixef_names": [%s], "fixef": %s, "theta": %s, "sigma": %.17g, ',
  '"evals": %d, "conv_messages": [%s], "peak_rss_mb": %.1f, "R": %s, "lme4": %s, ',
  '"BLAS": %s, "LAPACK": %s}\n'),
  num(times), whole, load_s, REMLcrit(m), paste(sapply(names(fe), str), collapse = ","),
  num(unname(fe)), num(getME(m, "theta")), sigma(m),
  feval, paste(sapply(as.character(conv), str), collapse = ","),
  hwm_kb / 1024, str(R.version.string), str(as.character(packageVersion("lme4"))),
  str(extSoftVersion()[["BLAS"]]), str(La_library())))
