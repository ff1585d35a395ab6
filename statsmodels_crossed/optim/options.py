"""All tuning of a fit in one place, and the record of what the optimizer did."""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class FitOptions:
    """Settings of the optimization over theta.

    Attributes
    ----------
    optimizer : str
        ``"bobyqa"`` (NLopt's BOBYQA, as lme4's default ``nloptwrap``).
    ftol_abs, ftol_rel, xtol_abs : float
        Stopping tolerances on the criterion and on theta.  Tighter than
        lme4's defaults: an evaluation costs nothing per observation.
    maxeval : int
        Maximum number of criterion evaluations.
    initial_step : float or None
        Initial trust-region radius on theta.  None: a quarter of each
        starting value (off-diagonal entries: of the largest diagonal one),
        clipped to [0.01, 0.25].
    polish : bool
        With at most three theta parameters (:data:`optim.polish.MAX_PARAMS`):
        BOBYQA only to ``polish_ftol_rel``, then Newton steps on a quadratic
        fitted to its evaluations nearest the best one (one evaluation each)
        until the decrease is below ``ftol_abs`` / ``ftol_rel`` (or the
        criterion's rounding noise); BOBYQA resumes if the quadratic model is
        unusable.  Reaches the same optimum with a third fewer evaluations with
        one or two parameters, a quarter to a half fewer with three.
    polish_ftol_rel : float
        Relative tolerance of the BOBYQA phase before polishing.
    restart_edge : bool
        Restart once when the optimum has a variance on the boundary and a
        small step off the boundary improves the criterion (as lme4).
    singular_tol : float
        A diagonal theta entry below this marks the fit singular (lme4: 1e-4).
    factorization : {"auto", "blocked", "cholmod"}
    verbose : bool
        Print every evaluation.
    nagq : int
        GLMM only: 1 Laplace approximation, > 1 adaptive Gauss-Hermite
        quadrature with that many nodes (one scalar random-effects term), 0
        stage 1 alone (theta optimized with beta from PIRLS), as lme4's nAGQ.
    tol_pirls : float
        GLMM only: PIRLS stops when no conditional mode (or beta) moves by more
        than this (absolute on u, relative on beta).
    maxit_pirls : int
        GLMM only: maximum PIRLS iterations per evaluation.
    """

    optimizer: str = "bobyqa"
    ftol_abs: float = 1e-12
    ftol_rel: float = 1e-14
    xtol_abs: float = 1e-9
    maxeval: int = 20000
    initial_step: float = None
    polish: bool = True
    polish_ftol_rel: float = 1e-9
    restart_edge: bool = True
    singular_tol: float = 1e-4
    factorization: str = "auto"
    verbose: bool = False
    nagq: int = 1
    tol_pirls: float = 1e-12
    maxit_pirls: int = 100


@dataclass
class OptSummary:
    """What one optimization did: start, optimum, counts, messages and the log."""

    options: FitOptions
    theta0: np.ndarray
    theta: np.ndarray = None
    fmin: float = np.inf
    n_evals: int = 0
    converged: bool = False
    message: str = ""
    seconds: float = 0.0
    log: list = field(default_factory=list, repr=False)
    beta: np.ndarray = None       # GLMM stage 2: the fixed effects optimized with theta
