"""The fixed part of a formula of bare numeric columns, without evaluating patsy.

``y ~ 1``, ``y ~ x + z`` and ``y ~ 0 + x``, with every name a numeric column
of the data, are most small models' fixed parts.  patsy spends milliseconds on
them (evaluating each factor on the data twice, sniffing its type, handling
missing values through pandas), which is most of a small model's set-up time.
Here the arrays come straight from the columns and the patsy ``DesignInfo``
that statsmodels keeps as the model's ``model_spec`` is assembled from patsy's
own parser and public classes, so that prediction with new data, contrasts and
type-3 tests see the object patsy would have built.

Any other fixed part (categoricals, strings, booleans, ``C()``, ``I()``,
interactions, transforms, names outside the data) or a formula engine other
than patsy goes through statsmodels' ``handle_formula_data`` as before.
"""
import functools
import keyword
import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula

#: numpy dtype kinds patsy reads as one numerical column: signed and unsigned
#: integers and real floats (booleans and complex numbers are left to patsy).
_NUMERIC_KINDS = "iuf"


#: Text a fixed part of bare names can hold (names, digits, '+', '-', '~', spaces):
#: anything else (calls, ':', '*', '**', quotes) is patsy's to read, not parsed here.
_PLAIN = re.compile(r"[\w\s+\-]*~[\w\s+\-]*")


@dataclass
class NumericFixed:
    """The fixed part's arrays on every row of the data, and its patsy spec.

    Attributes
    ----------
    y : ndarray (n,)
        The response, as float.
    X : ndarray (n, p)
        The fixed-effects columns, as float (the intercept a column of ones).
    ok : ndarray of bool (n,)
        Rows with no NaN in the response or a fixed-effects column.
    endog_name : str
    exog_names : list of str
    spec : patsy.DesignInfo
        The right-hand side's design info, as patsy would have built it.
    """

    y: np.ndarray
    X: np.ndarray
    ok: np.ndarray
    endog_name: str
    exog_names: list
    spec: patsy.DesignInfo

    def frames(self, rows, index, labels=None):
        """(endog, exog) DataFrames of ``rows`` labelled by ``index``, shaped as patsy's.

        ``rows=None`` keeps every row (and copies nothing); ``labels`` are the
        two frames' column labels (default: from the names, as patsy makes them).
        """
        y, X = (self.y, self.X) if rows is None else (self.y[rows], _take_rows(self.X, rows))
        y_labels, x_labels = labels or ([self.endog_name], self.exog_names)
        return (pd.DataFrame(y[:, None], columns=y_labels, index=index, copy=False),
                pd.DataFrame(X, columns=x_labels, index=index, copy=False))


def _take_rows(X, rows):
    """``X[rows]`` kept in column-major order (see :func:`numeric_fixed_part`)."""
    n = int(rows.sum()) if rows.dtype == bool else len(rows)
    out = np.empty((n, X.shape[1]), order="F")
    for j in range(X.shape[1]):
        out[:, j] = X[rows, j]
    return out


def numeric_fixed_part(fixed, frame, eval_env):
    """The fixed part ``fixed`` evaluated on ``frame``, or None when patsy must do it.

    Parameters
    ----------
    fixed : str
        ``"response ~ rhs"``, the formula's fixed part.
    frame : pandas.DataFrame
        The data, with a default (0, 1, ...) row index.
    eval_env : dict
        The names, other than columns, the formula may use.

    Returns
    -------
    NumericFixed or None
        None unless statsmodels' formula engine is patsy, ``eval_env`` a dict and
        the response and every right-hand side term one numeric column of
        ``frame`` (or the intercept).
    """
    if statsmodels.formula.options.formula_engine != "patsy" or not isinstance(eval_env, dict):
        return None
    parts = _simple_terms(fixed, frame)
    if parts is None:
        return None
    response, terms, values = parts
    y = values[response].astype(float)
    bad = np.isnan(y)
    # column-major, as the single block of patsy's DataFrame: the model's exog (a view
    # of the block) then has the layout it has through patsy, which later steps see
    X = np.ones((len(frame), len(terms)), order="F")
    for j, term in enumerate(terms):
        if term.factors:
            col = values[term.factors[0].code]
            X[:, j] = col
            if col.dtype.kind == "f":           # integer columns hold no NaN
                bad |= np.isnan(X[:, j])
    spec = _design_info(terms, eval_env)
    return NumericFixed(y, X, ~bad, response, list(spec.column_names), spec)


def _simple_terms(fixed, frame):
    """(response column, right-hand side terms in patsy's column order, values), or None.

    Only formulas whose response and terms are bare names (see
    :func:`_bare_names`) of numeric columns of ``frame`` qualify.  ``values``
    maps each column named to its numpy array.
    """
    if not isinstance(frame, pd.DataFrame) or not frame.columns.is_unique:
        return None
    names = _bare_names(fixed) if type(fixed) is str else None
    if names is None:
        return None
    response, terms = names
    values = {}
    for code in [response] + [t.factors[0].code for t in terms if t.factors]:
        if code not in values and not _numeric_column(code, frame, values):
            return None
    return response, terms, values


@functools.lru_cache(maxsize=256)
def _bare_names(fixed):
    """(response name, right-hand side terms in patsy's column order) of a fixed part
    whose response and terms are bare names (and the intercept), else None.

    patsy's own parser reads the formula, so ``+ 0``, ``- 1``, repeated and
    removed terms mean what they mean to patsy.  A pure function of the text,
    kept for the formula's next model (patsy's parser is a tenth of a small
    model's set-up); the terms are patsy's immutable ``Term`` objects.
    """
    if not _PLAIN.fullmatch(fixed):
        return None
    try:
        desc = patsy.ModelDesc.from_formula(fixed)
    except patsy.PatsyError:
        return None
    if len(desc.lhs_termlist) != 1:
        return None
    response = _bare_name(desc.lhs_termlist[0])
    terms = desc.rhs_termlist
    if response is None or any(t.factors and _bare_name(t) is None for t in terms):
        return None
    # patsy puts the intercept (the term with no numeric factor) first, then the
    # other terms in the parser's order; ModelDesc already lists them that way
    return response, tuple(sorted(terms, key=lambda t: len(t.factors) > 0))


def _bare_name(term):
    """The name of a one-factor term that is a bare (non-keyword) Python name, else None."""
    if len(term.factors) != 1 or not isinstance(term.factors[0], patsy.EvalFactor):
        return None
    code = term.factors[0].code
    return code if code.isidentifier() and not keyword.iskeyword(code) else None


def _numeric_column(code, frame, values):
    """Whether ``code`` names a numeric column of ``frame``; its numpy array is then
    added to ``values``."""
    if code not in frame.columns:
        return False
    col = frame[code]
    if not isinstance(col.dtype, np.dtype) or col.dtype.kind not in _NUMERIC_KINDS:
        return False
    values[code] = col.to_numpy()
    return True


def _design_info(terms, eval_env):
    """patsy's DesignInfo of ``terms`` (all numerical), built without any data.

    Each factor's state comes from patsy's factor protocol
    (``memorize_passes_needed``) with the environment statsmodels would have
    given patsy: a bare name needs no memorizing pass, so that state is the
    whole of what patsy's evaluation over the data would have kept.
    """
    env = patsy.EvalEnvironment([eval_env])
    factor_infos, codings, columns = {}, OrderedDict(), []
    for term in terms:
        for factor in term.factors:
            state = {}
            passes = factor.memorize_passes_needed(state, env)
            assert passes == 0, "a bare column name needs no memorizing pass"
            factor_infos[factor] = patsy.FactorInfo(factor, "numerical", state,
                                                    num_columns=1, categories=None)
        codings[term] = [patsy.SubtermInfo(list(term.factors), {}, 1)]
        columns.append(term.factors[0].code if term.factors else "Intercept")
    return patsy.DesignInfo(columns, factor_infos=factor_infos, term_codings=codings)


__all__ = ["NumericFixed", "numeric_fixed_part"]
