"""Formulas that run but are probably not what the user meant.

Warnings (statsmodels' ``SpecificationWarning``) about the grouping factors,
raised while the model frame is built: a continuous column used as a grouping
factor (``(1 | x)`` written for ``(x | g)``), and a grouping factor that also
has one fixed effect per level (the random effects are then not identified).
"""
import re
import warnings

import numpy as np
from statsmodels.tools.sm_exceptions import SpecificationWarning


def check_grouping_factors(parsed, columns, n_rows, fe_names, re_terms):
    """Warn about likely mistakes with the grouping factors:
    a float column as a grouping factor, a grouping factor also in the fixed part.

    ``columns`` maps each grouping column's name to its values (a Series) on the
    ``n_rows`` rows the model uses.
    """
    terms = [(f"({t.expr} | {t.group_name})", tuple(t.factors), cols)
             for t, (_, cols) in zip(parsed.random, re_terms)]
    seen = set()
    for term, factors, _ in terms:
        for col in factors:
            if col not in seen:
                seen.add(col)
                warn_float_grouping(columns[col], col, term, n_rows)
    warn_grouping_in_fixed(terms, fe_names)


#: A float grouping column with more distinct values than this fraction of the rows
#: (fewer than two observations per value) looks like a measurement, not an identifier.
MANY_LEVELS_FRACTION = 0.5


def warn_float_grouping(column, name, term, n_rows):
    """SpecificationWarning when the grouping column ``name`` holds non-integer floats.

    A random effect makes every distinct value of its grouping column a group,
    which is what an identifier is for and almost never what a continuous
    variable is for (``(1 | x)`` written for ``(x | g)``).  Integer-valued
    floats (identifiers read as float because of a missing value) and columns
    converted to ``category`` or ``str`` pass silently.  A column with as many
    distinct values as rows is left to :func:`statsmodels_crossed.models.validation.check_terms`, which refuses it.

    Parameters
    ----------
    column : pandas.Series
        The column, on the rows the model uses.
    name : str
        Its name in the data.
    term : str
        The random-effects term, as written (``"(1 | x)"``).
    n_rows : int
        Number of rows the model uses.
    """
    if column.dtype.kind != "f":
        return
    values = column.to_numpy()
    values = values[np.isfinite(values)]
    if not len(values) or np.all(values == np.round(values)):
        return
    distinct = np.unique(values)
    n_distinct = len(distinct)
    if n_distinct >= n_rows:
        return
    examples = ", ".join(f"{v:g}" for v in distinct[np.round(distinct) != distinct][:3])
    many = ""
    if n_distinct > MANY_LEVELS_FRACTION * n_rows:
        many = (f", more than half the {n_rows} rows: fewer than two observations per "
                "value, as a continuous variable gives and an identifier rarely does")
    warnings.warn(f"grouping factor {name!r} of {term} holds non-integer floats: "
                  f"{n_distinct} distinct values (e.g. {examples}){many}. A random effect "
                  f"treats the values of {name!r} as labels, each a group of its own. If "
                  f"{name!r} is a covariate you probably meant a random slope, ({name} | g) or "
                  f"(1 + {name} | g) with a grouping factor g; if it really is an identifier, "
                  f"convert it first: data[{name!r}] = data[{name!r}].astype('category') "
                  "(or .astype(str)).", SpecificationWarning, stacklevel=_user_level())


def _split_top(text, sep):
    """Split ``text`` at ``sep`` outside parentheses and brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
    parts.append(text[start:])
    return parts


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_STRING = re.compile(r"'[^']*'|\"[^\"]*\"")


def categorical_variables(part):
    """Names used by ``part``, one factor of a fixed-effects column name, if it is
    categorical (None if it is numeric).

    patsy and formulaic both name a dummy column ``<factor code>[<level>]``:
    ``"C(subj)[T.S02]"`` gives ``{"C", "subj"}`` (every identifier of the
    code outside string literals), ``"Days"`` gives None.
    """
    code = _split_top(part, "[")[0]              # the factor's code, before its level
    if len(code) == len(part) or not part.endswith("]"):
        return None
    return set(_IDENTIFIER.findall(_STRING.sub("", code)))


def per_level_columns(fe_names, factors):
    """Fixed-effects columns with one coefficient per level of the grouping factor
    ``factors`` (its columns), keyed by what they duplicate in a random term.

    A column (``:`` joins the factors of an interaction) is per level when its
    categorical factors use every column of ``factors``; its other factors
    name the random-effects column it duplicates (``"Subject[T.309]"`` the
    ``"Intercept"``, ``"Days:Subject[T.309]"`` the ``"Days"`` slope,
    ``"cond[T.b]:subj[T.S02]"`` the ``"cond[T.b]"`` slope).

    Returns
    -------
    dict
        random-effects column name -> list of fixed-effects column names.
    """
    out = {}
    wanted = set(factors)
    for column in map(str, fe_names):
        used, rest = set(), []
        for part in _split_top(column, ":"):
            names = categorical_variables(part)
            if names is not None and names & wanted:
                used |= names
            else:
                rest.append(part)
        if wanted <= used:
            out.setdefault(":".join(rest) or "Intercept", []).append(column)
    return out


def warn_grouping_in_fixed(terms, fe_names):
    """SpecificationWarning when a grouping factor also has per-level fixed effects.

    In ``y ~ subj + (1 | subj)`` the columns of Z lie in the span of X: the
    random intercepts cannot be told apart from the fixed ones.  The REML
    criterion is then flat in their variance (the estimate is wherever the
    optimizer started) and the ML estimate is 0 (a singular fit).  The same
    holds for random slopes next to fixed per-level slopes (``Days:subj``).
    See :func:`per_level_columns` for what counts as per level.

    Parameters
    ----------
    terms : list of (str, tuple of str, list of str)
        Per random term: the term as written, the columns of its grouping
        factor, its random-effects columns (``"Intercept"``, ``"Days"``).
    fe_names : list of str
        Column names of the fixed-effects design matrix.
    """
    for term, factors, re_columns in terms:
        found = per_level_columns(fe_names, factors)
        hit = [c for c in re_columns if c in found]
        if not hit:
            continue
        cols = [c for h in hit for c in found[h]]
        shown = ", ".join(repr(c) for c in cols[:3])
        if len(cols) > 3:
            shown += f" and {len(cols) - 3} more"
        what = " and ".join("intercepts" if h == "Intercept" else f"slopes of {h}" for h in hit)
        group = ":".join(factors)
        warnings.warn(f"grouping factor {group!r} of {term} is also in the fixed part, with "
                      f"one coefficient per level (columns {shown}): the random {what} in "
                      f"{term} duplicate these fixed per-level effects and are not "
                      "identified. The data say nothing about their variance, which REML "
                      "leaves at its starting value and ML sets to 0 (a singular fit). Keep "
                      f"one of the two: remove {group!r} from the fixed part to treat its "
                      f"levels as random, or remove the term to treat them as fixed.",
                      SpecificationWarning, stacklevel=_user_level())


def _user_level():
    """``stacklevel`` of the first frame outside the package (the user's call)."""
    import sys

    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
            "statsmodels_crossed"):
        frame, level = frame.f_back, level + 1
    return level
