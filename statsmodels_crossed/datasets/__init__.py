"""Small data sets bundled with statsmodels-crossed.

The files are gzip-compressed copies of the CSV files the lme4 reference results
(``tests/results/``) were computed from, byte for byte: what lme4 saw is what you
load. Factor columns are read as strings (several have numeric-looking labels such
as ``Subject`` "308" or ``period`` "1") and returned as ``pandas.Categorical`` with
**sorted** categories (C-locale order, i.e. Python's ``sorted()``), which is the
level order R uses. The first category is therefore the reference level of R's
treatment contrasts, and patsy's default ``Treatment`` coding reproduces lme4's
fixed-effect columns and names (``period2``, ``YEAR96``, ``service1``).

Examples
--------
>>> from statsmodels_crossed import datasets
>>> datasets.names()[:3]
['Dyestuff', 'Penicillin', 'Pastes']
>>> df = datasets.load("penicillin")          # name is case-insensitive
>>> df.shape
(144, 3)
>>> print(datasets.describe("penicillin"))    # doctest: +SKIP
"""
from importlib import resources

import pandas as pd

__all__ = ["load", "names", "describe", "factor_columns"]

_DAVIES_GOLDSMITH = (
    "Davies, O.L. and Goldsmith, P.L. (eds) (1972). Statistical Methods in "
    "Research and Production, 4th ed. Oliver and Boyd, section {section}. "
    "Distributed with the R package lme4 as `{name}`."
)

#: Metadata of the bundled data sets (lme4's data first, then the simulated
#: ones). ``columns`` maps each column, in file order, to its type: "factor"
#: (read as string, returned as a Categorical with sorted categories),
#: "integer" or "numeric".
DATASETS = {
    "Dyestuff": {
        "file": "Dyestuff.csv.gz",
        "source": _DAVIES_GOLDSMITH.format(section="6.4", name="Dyestuff"),
        "description": (
            "Yield of dyestuff (grams of standard colour) from 5 preparations "
            "from each of 6 batches of an intermediate product."
        ),
        "columns": {"Batch": "factor", "Yield": "integer"},
        "nrow": 30,
    },
    "Penicillin": {
        "file": "Penicillin.csv.gz",
        "source": _DAVIES_GOLDSMITH.format(section="6.6", name="Penicillin"),
        "description": (
            "Diameter (mm) of the zone of growth inhibition; 6 penicillin "
            "samples, each tested on each of 24 plates (fully crossed)."
        ),
        "columns": {"diameter": "integer", "plate": "factor", "sample": "factor"},
        "nrow": 144,
    },
    "Pastes": {
        "file": "Pastes.csv.gz",
        "source": _DAVIES_GOLDSMITH.format(section="6.5", name="Pastes"),
        "description": (
            "Strength of a chemical paste; 10 delivery batches, 3 casks sampled "
            "within each batch (cask labels a, b, c reused across batches), 2 "
            "assays per cask. sample is the 'batch:cask' label."
        ),
        "columns": {
            "strength": "numeric",
            "batch": "factor",
            "cask": "factor",
            "sample": "factor",
        },
        "nrow": 60,
    },
    "sleepstudy": {
        "file": "sleepstudy.csv.gz",
        "source": (
            "Belenky, G., Wesensten, N.J., Thorne, D.R., Thomas, M.L., Sing, "
            "H.C., Redmond, D.P., Russo, M.B. and Balkin, T.J. (2003). Patterns "
            "of performance degradation and restoration during sleep "
            "restriction and subsequent recovery: a sleep dose-response study. "
            "Journal of Sleep Research 12, 1-12. Distributed with the R package "
            "lme4 as `sleepstudy`."
        ),
        "description": (
            "Average reaction time (ms) of 18 subjects on days 0-9 of sleep "
            "restriction (3 hours time in bed per night)."
        ),
        "columns": {"Reaction": "numeric", "Days": "integer", "Subject": "factor"},
        "nrow": 180,
    },
    "InstEval": {
        "file": "InstEval.csv.gz",
        "source": (
            "University lecture evaluations by students at ETH Zurich, "
            "anonymized. Distributed with the R package lme4 as `InstEval`."
        ),
        "description": (
            "Ratings y (1-5) of lecturers d (1128) by students s (2972); "
            "service: the lecture is held for another department (0/1); dept: "
            "14 departments. studage and lectage are ordered factors in lme4 "
            "(polynomial contrasts as fixed effects); here they are plain "
            "unordered categoricals."
        ),
        "columns": {
            "s": "factor",
            "d": "factor",
            "studage": "factor",
            "lectage": "factor",
            "service": "factor",
            "dept": "factor",
            "y": "integer",
        },
        "nrow": 73421,
    },
    "cbpp": {
        "file": "cbpp.csv.gz",
        "source": (
            "Lesnoff, M., Laval, G., Bonnet, P., Abdicho, S., Workalemahu, A., "
            "Kifle, D., Peyraud, A., Lancelot, R. and Thiaucourt, F. (2004). "
            "Within-herd spread of contagious bovine pleuropneumonia in "
            "Ethiopian highlands. Preventive Veterinary Medicine 64, 27-40. "
            "Distributed with the R package lme4 as `cbpp`."
        ),
        "description": (
            "Contagious bovine pleuropneumonia: new serological cases "
            "(incidence) out of herd size, 15 herds in up to 4 periods."
        ),
        "columns": {
            "herd": "factor",
            "incidence": "integer",
            "size": "integer",
            "period": "factor",
        },
        "nrow": 56,
    },
    "grouseticks": {
        "file": "grouseticks.csv.gz",
        "source": (
            "Elston, D.A., Moss, R., Boulinier, T., Arrowsmith, C. and Lambin, "
            "X. (2001). Analysis of aggregation, a worked example: numbers of "
            "ticks on red grouse chicks. Parasitology 122, 563-569. Distributed "
            "with the R package lme4 as `grouseticks`."
        ),
        "description": (
            "Ticks counted on the heads of red grouse chicks: 403 chicks, 118 "
            "broods, 63 locations, 3 years. cHEIGHT is HEIGHT centred (as in "
            "lme4); sHEIGHT is R's scale(HEIGHT), to 15 significant digits."
        ),
        "columns": {
            "INDEX": "factor",
            "TICKS": "integer",
            "BROOD": "factor",
            "HEIGHT": "integer",
            "YEAR": "factor",
            "LOCATION": "factor",
            "cHEIGHT": "numeric",
            "sHEIGHT": "numeric",
        },
        "nrow": 403,
    },
    "hr_ratings": {
        "file": "hr_ratings.csv.gz",
        "source": (
            "Simulated for statsmodels-crossed (R, set.seed(20240312)); not "
            "real data."
        ),
        "description": (
            "Performance reviews: 300 employees rated by 60 managers of 8 "
            "departments (partially crossed; about 15% of reviews by a manager "
            "of another department) over up to 16 half-year cycles, about 4% "
            "of reviews missing. rating is the mean of n_items competency "
            "items, so n_items serves as a prior weight."
        ),
        "columns": {
            "employee": "factor",
            "manager": "factor",
            "department": "factor",
            "home_department": "factor",
            "cycle": "factor",
            "tenure": "numeric",
            "n_items": "integer",
            "rating": "numeric",
        },
        "nrow": 2985,
    },
    "rt_experiment": {
        "file": "rt_experiment.csv.gz",
        "source": (
            "Simulated for statsmodels-crossed (R, set.seed(20240311)); not "
            "real data."
        ),
        "description": (
            "Reaction-time experiment: 60 subjects x 40 items, condition "
            "congruent/incongruent counterbalanced (each subject sees each "
            "item once), about 3% error trials removed; rt in ms."
        ),
        "columns": {
            "subj": "factor",
            "item": "factor",
            "trial": "integer",
            "cond": "factor",
            "rt": "integer",
        },
        "nrow": 2323,
    },
}

_BY_LOWER = {name.lower(): name for name in DATASETS}


def names():
    """Names of the bundled data sets.

    Returns
    -------
    list of str
        The names, spelled as in lme4 (``"Dyestuff"``, ``"sleepstudy"``, ...).
        :func:`load` and :func:`describe` accept them in any case.
    """
    return list(DATASETS)


def _canonical(name):
    """Return the canonical spelling of ``name`` or raise ValueError."""
    key = str(name).lower()
    if key.endswith(".csv"):
        key = key[:-4]
    try:
        return _BY_LOWER[key]
    except KeyError:
        raise ValueError(
            f"unknown data set {name!r}; available: {', '.join(DATASETS)}"
        ) from None


def factor_columns(name):
    """Columns of data set ``name`` returned as sorted Categoricals."""
    meta = DATASETS[_canonical(name)]
    return [col for col, kind in meta["columns"].items() if kind == "factor"]


def load(name):
    """Load a bundled data set as a pandas DataFrame.

    Parameters
    ----------
    name : str
        Data set name, case-insensitive (see :func:`names`).

    Returns
    -------
    pandas.DataFrame
        Rows and columns in file order. Factor columns are
        ``pandas.Categorical`` whose categories are the sorted label strings
        (Python ``sorted()`` = R's C-locale level order); other columns are
        numeric. Missing values (``NA`` in the file) are NaN.

    Raises
    ------
    ValueError
        If ``name`` is not a bundled data set.
    """
    canonical = _canonical(name)
    meta = DATASETS[canonical]
    factors = [col for col, kind in meta["columns"].items() if kind == "factor"]
    ref = resources.files(__name__).joinpath(meta["file"])
    with ref.open("rb") as fh:
        frame = pd.read_csv(
            fh, compression="gzip", dtype={col: str for col in factors}
        )
    for col in factors:
        values = frame[col]
        categories = sorted(values.dropna().unique())
        frame[col] = pd.Categorical(values, categories=categories)
    return frame


def describe(name):
    """Short description of a bundled data set.

    Parameters
    ----------
    name : str
        Data set name, case-insensitive.

    Returns
    -------
    str
        Name, source (citation), description, number of rows and the columns
        with their types.
    """
    canonical = _canonical(name)
    meta = DATASETS[canonical]
    columns = ", ".join(f"{col} ({kind})" for col, kind in meta["columns"].items())
    return (
        f"{canonical}: {meta['description']}\n"
        f"Source: {meta['source']}\n"
        f"Rows: {meta['nrow']}\n"
        f"Columns: {columns}"
    )
