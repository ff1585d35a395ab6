"""From a formula and a DataFrame to the arrays the model constructor takes.

The fixed part goes through statsmodels' own formula machinery (patsy or
formulaic, whichever statsmodels selects); each random term's model matrix is
built by patsy, and its grouping factor (or interaction of factors) from the
data's columns.  Rows with a missing value in any part are dropped together
(``missing="drop"``) or reported (``missing="raise"``).
"""
import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
from statsmodels.formula.formulatools import handle_formula_data

from statsmodels_crossed.exceptions import DataError, FormulaError, MissingDataError
from statsmodels_crossed.formula.first_use import check_grouping_factors
from statsmodels_crossed.formula.numeric_fixed import numeric_fixed_part
from statsmodels_crossed.formula.rows import (RandomPart, any_nan, fixed_rows, float_frame,
                                              numeric_rows, random_part, random_rows,
                                              random_terms, shared_labels)


@dataclass
class ModelFrame:
    """Everything ``CrossedLM.__init__`` needs, aligned row by row."""

    endog: pd.DataFrame
    exog: pd.DataFrame
    groups: pd.DataFrame          # one column per grouping factor (interactions included)
    exog_re: pd.DataFrame         # the random terms' model-matrix columns, deduplicated
    re_terms: list                # (group name, [exog_re column names]) per term
    re_design_infos: list         # patsy DesignInfo per term, for prediction
    weights: np.ndarray
    model_spec: object
    rows: np.ndarray              # positions in the caller's data of the rows used
    n_dropped: int
    # -- GLMM frames only (build_model_frame(..., glm=True)) --
    offset: np.ndarray = None     # formula offset(...) terms plus the offset argument
    offset_design_infos: list = None   # patsy DesignInfo per offset(...) term, for prediction
    #: no NaN/None left in endog, exog, groups, exog_re or weights (verified here, so
    #: the model constructor need not scan them again); False when not known
    nan_free: bool = False
    #: the model's RandomEffectTerm objects, built from the arrays here (None: the
    #: model builds them from groups and exog_re)
    reterms: list = None


def _explain(exc, frame):
    """patsy's message, with 'did you mean' for a name that is not a column."""
    message = exc.message
    found = re.search(r"name '([^']+)' is not defined", message)
    if found:
        name = found.group(1)
        close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        avail = ", ".join(map(str, list(frame.columns)[:20]))
        return f"{name!r} is not a column of the data{hint} (available columns: {avail})"
    return message


def _check_columns(data, names, what):
    missing = [c for c in names if c not in data.columns]
    if missing:
        avail = ", ".join(map(str, list(data.columns)[:20]))
        close = difflib.get_close_matches(missing[0], [str(c) for c in data.columns], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise DataError(f"{what}: column {missing[0]!r} is not in the data{hint} "
                        f"(available columns: {avail})")


def _syntax(exc):
    """Message of the SyntaxError patsy lets through for a term that is not Python
    (``0y``, ``x y``)."""
    return f"'{(exc.text or '').strip()}' is not a valid expression ({exc.msg})"


#: patsy's design info of an intercept-only model matrix (the ``1`` of ``(1 | g)``).
_INTERCEPT_INFO = patsy.dmatrix("1", pd.DataFrame({"x": [0.0]})).design_info


def _random_parts(parsed, frame, eval_env):
    """A :class:`~statsmodels_crossed.formula.rows.RandomPart` per random term;
    patsy drops NA rows."""
    parts = []
    for term in parsed.random:
        _check_columns(frame, term.factors,
                       f"grouping factor of ({term.expr} | {term.group_name})")
        if term.expr == "1":                 # the common case, without patsy's overhead
            parts.append(RandomPart(["Intercept"], np.ones((len(frame), 1)), None,
                                    _INTERCEPT_INFO))
            continue
        try:
            mat = patsy.dmatrix(term.expr, frame, eval_env=patsy.EvalEnvironment([eval_env]),
                                NA_action="drop", return_type="dataframe")
        except patsy.PatsyError as exc:
            raise DataError(f"random-effects term ({term.expr} | {term.group_name}): "
                            f"{_explain(exc, frame)}") from None
        except SyntaxError as exc:
            raise FormulaError(f"random-effects term ({term.expr} | {term.group_name}): "
                               f"{_syntax(exc)}") from None
        parts.append(random_part(mat, len(frame)))
    return parts


def _fixed_part(fixed, frame, eval_env, two_columns=False):
    try:
        (endog, exog), _, spec = handle_formula_data(frame, None, fixed,
                                                     depth=eval_env, missing="drop")
    except patsy.PatsyError as exc:
        raise DataError(f"fixed part {fixed!r}: {_explain(exc, frame)}") from None
    except SyntaxError as exc:
        raise FormulaError(f"fixed part {fixed!r}: {_syntax(exc)}") from None
    if endog.ndim > 1 and endog.shape[1] > 1 and not (two_columns and endog.shape[1] == 2):
        raise DataError(f"the response {fixed.split('~')[0].strip()!r} is not numeric "
                        f"(it expands to columns {list(endog.columns)}); convert it to "
                        "numbers first")
    return endog, exog, spec


def _as_data(data):
    """``data`` as a DataFrame, refusing what cannot be one with the right columns."""
    if isinstance(data, pd.Series) or (not isinstance(data, (pd.DataFrame, dict))
                                        and np.ndim(data) == 1):
        raise DataError("data must be a DataFrame with named columns (the response, the "
                        "covariates and the grouping factors); got a "
                        f"{type(data).__name__}. Pass the whole DataFrame: "
                        "crossedlm('y ~ x + (1 | g)', df)")
    if not isinstance(data, pd.DataFrame):
        try:
            data = pd.DataFrame(data)
        except Exception:
            raise DataError("data must be a pandas DataFrame (or convertible to one)") from None
    return data


def build_model_frame(parsed, data, weights=None, missing="drop", eval_env=0, glm=False,
                      offset=None):
    """Evaluate a parsed formula on ``data``.

    Parameters
    ----------
    parsed : ParsedFormula
    data : pandas.DataFrame
    weights : array-like, str or None
        Prior weights, or the name of a column holding them.
    missing : {"drop", "raise", "none"}
        "none" behaves as "raise": formulas never pass NaN to the fit.
    eval_env : dict
        Names (other than columns) the formula may use, e.g. the caller's namespace.
    glm : bool
        GLMM frame: see :func:`glm_fixed_part` (two-column binomial response,
        ``offset(expr)`` terms); ``offset`` (array-like or column name) is added
        to the formula's offsets and its missing values drop rows like the rest.
    """
    data = _as_data(data)
    if missing not in ("drop", "raise", "none"):
        raise ValueError(f"missing must be 'drop', 'raise' or 'none', not {missing!r}")
    frame = _default_index(data)
    n_all = len(frame)
    if n_all == 0:
        raise DataError("the data have no rows")
    parts = _random_parts(parsed, frame, eval_env)
    fixed, offset_exprs, two_columns = (glm_fixed_part(parsed.fixed) if glm
                                        else (parsed.fixed, (), False))
    numeric = numeric_fixed_part(fixed, frame, eval_env)
    if numeric is None:
        endog, exog, spec = _fixed_part(fixed, _categorical_strings(frame, parsed), eval_env,
                                        two_columns)
        keep = np.zeros(n_all, dtype=bool)
        keep[endog.index.to_numpy()] = True
    else:
        spec, keep = numeric.spec, numeric.ok.copy()
    reasons = {"the response or a fixed-effects variable": ~keep.copy()}
    factor_columns = {}
    for term, part in zip(parsed.random, parts):
        ok = np.ones(n_all, dtype=bool) if part.ok is None else part.ok.copy()
        for col in term.factors:
            if col not in factor_columns:
                factor_columns[col] = frame[col]
            ok &= ~pd.isna(factor_columns[col].array)
        reasons[f"({term.expr} | {term.group_name})"] = ~ok
        keep &= ok
    w = _weights_column(weights, frame)
    if w is not None:
        ok = ~np.isnan(w)
        reasons["the weights"] = ~ok
        keep &= ok
    if glm:
        off, off_infos, ok = _offset_values(offset_exprs, offset, frame, eval_env)
        reasons["the offset"] = ~ok
        keep &= ok
    if not keep.all() and missing in ("raise", "none"):
        where = "; ".join(f"{int(bad.sum())} in {what}" for what, bad in reasons.items()
                          if bad.any())
        raise MissingDataError(f"missing values (NaN/None) in the data: {where}. "
                               "Use missing='drop' to drop those rows.")
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        raise DataError("no rows left after dropping rows with missing values")
    all_rows = len(rows) == n_all
    sub = {c: col if all_rows else col.iloc[rows] for c, col in factor_columns.items()}
    groups, exog_re, re_terms, re_nan = random_rows(parsed, parts, sub, rows, all_rows)
    if numeric is not None:
        *fixed_labels, re_labels = shared_labels([numeric.endog_name], numeric.exog_names,
                                                 list(exog_re))
        endog, exog = numeric_rows(numeric, rows, data, frame, fixed_labels)
    else:
        endog, exog = fixed_rows(endog, exog, rows, data)
        re_labels, = shared_labels(list(exog_re))
    check_grouping_factors(parsed, sub, len(rows), list(exog.columns), re_terms)
    groups_frame = pd.DataFrame(groups, index=endog.index)
    return ModelFrame(endog, exog, groups_frame,
                      float_frame(list(exog_re.values()), re_labels, endog.index), re_terms,
                      [part.info for part in parts],
                      None if w is None else np.asarray(w, dtype=float)[rows],
                      spec, rows, n_all - len(rows),
                      *((off[rows], off_infos) if glm else (None, None)),
                      nan_free=not re_nan and (numeric is not None
                                               or not any_nan(endog, exog)),
                      reterms=random_terms(re_terms, groups, groups_frame, exog_re))


def _default_index(data):
    """``data`` with the row index 0, 1, ... (the positions patsy's frames are labelled by).

    ``data`` itself when that is its index already (a copy costs a tenth of a
    small model's frame); nothing here writes to the frame.
    """
    index = data.index
    if (type(index) is pd.RangeIndex and index.start == 0 and index.step == 1
            and index.name is None):
        return data
    return data.reset_index(drop=True)


def _categorical_strings(data, parsed):
    """``data`` with the fixed part's all-string columns as sorted pandas Categoricals.

    patsy gives both the same levels (sorted) and columns, but sniffs a column of
    strings value by value in Python (a third of a VerbAgg-sized GLMM fit) and reads
    a Categorical's codes at once.  Grouping factors, columns with missing values or
    non-string values, and other inputs are left as they are.
    """
    if not isinstance(data, pd.DataFrame) or not data.columns.is_unique:
        return data
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", parsed.fixed.split("~", 1)[-1]))
    grouping = {f for term in parsed.random for f in term.factors}
    cols = [c for c in data.columns if c in names and c not in grouping
            and _all_strings(data[c])]
    if not cols:
        return data
    out = data.copy(deep=False)
    for c in cols:
        out[c] = pd.Categorical(data[c])
    return out


def _all_strings(col):
    if not (col.dtype == object or isinstance(col.dtype, pd.StringDtype)):
        return False
    return pd.api.types.infer_dtype(col, skipna=False) == "string" and not col.isna().any()


def _weights_column(weights, frame):
    if weights is None:
        return None
    if isinstance(weights, str):
        _check_columns(frame, [weights], "weights")
        weights = frame[weights]
    w = np.asarray(weights)
    if w.ndim != 1 or len(w) != len(frame):
        raise DataError(f"weights must be one value per row of the data ({len(frame)}), "
                        f"got shape {w.shape}")
    if not np.issubdtype(w.dtype, np.number):
        raise DataError("weights must be numeric")
    return w.astype(float)


# -- GLMM additions: two-column binomial response, offset(...) terms -------------------
#: Names an ``offset(...)`` expression may use besides the data and the caller's names
#: (lme4 users write ``offset(log(exposure))``).
_OFFSET_FUNCTIONS = {"log": np.log, "exp": np.exp, "sqrt": np.sqrt, "np": np}


def glm_fixed_part(fixed):
    """Split a GLMM's fixed part into (patsy formula, offset expressions, two columns).

    ``offset(expr)`` summands of the right-hand side are removed and returned;
    lme4's ``cbind(s, f)`` response becomes patsy's two-column ``I(s) + I(f)``;
    a left side of two summands (``s + I(n - s)``) is a (successes, failures) response.
    """
    from statsmodels_crossed.formula.parse import _split

    (lhs, rhs), _ = _split(fixed, "~")
    lhs, kept, offsets = lhs.strip(), [], []
    for summand in map(str.strip, _split(rhs, "+")[0]):
        if summand.startswith("offset(") and summand.endswith(")"):
            offsets.append(summand[len("offset("):-1].strip())
        elif "offset(" in summand:
            raise FormulaError(f"'{summand}': write an offset as a term of its own, "
                               "added with '+': y ~ x + offset(log(t)) + (1 | g)")
        else:
            kept.append(summand)
    if lhs.startswith("cbind(") and lhs.endswith(")"):
        args = [a.strip() for a in _split(lhs[len("cbind("):-1], ",")[0]]
        if len(args) != 2:
            raise FormulaError(f"response '{lhs}': cbind() takes two columns, "
                               "(successes, failures)")
        lhs = " + ".join(a if a.isidentifier() else f"I({a})" for a in args)
    two = len(_split(lhs, "+")[0]) == 2
    return f"{lhs} ~ {' + '.join(kept) or '1'}", tuple(offsets), two


def _offset_values(exprs, offset, frame, eval_env):
    """Sum of the offset expressions and the offset argument; NaN rows marked not ok."""
    total = np.zeros(len(frame))
    names = {**_OFFSET_FUNCTIONS, **eval_env}
    infos = []
    for expr in exprs:
        try:
            mat = patsy.dmatrix(f"0 + I({expr})", frame, NA_action="drop",
                                eval_env=patsy.EvalEnvironment([names]),
                                return_type="dataframe")
        except patsy.PatsyError as exc:
            raise DataError(f"offset({expr}): {exc.message}") from None
        except SyntaxError as exc:
            raise FormulaError(f"offset({expr}): {_syntax(exc)}") from None
        if mat.shape[1] != 1:
            raise DataError(f"offset({expr}) must be numeric (one value per row)")
        col = np.full(len(frame), np.nan)
        col[mat.index.to_numpy()] = mat.iloc[:, 0].to_numpy(dtype=float)
        total += col
        infos.append(mat.design_info)
    if offset is not None:
        if isinstance(offset, str):
            _check_columns(frame, [offset], "offset")
            offset = frame[offset]
        arr = np.asarray(offset, dtype=float)
        if arr.ndim != 1 or len(arr) != len(frame):
            raise DataError(f"offset must be one value per row of the data ({len(frame)}), "
                            f"got shape {arr.shape}")
        total += arr
    return total, infos, ~np.isnan(total)


def offset_for_newdata(design_infos, newdata):
    """The formula offsets evaluated on new data (0 when there are none)."""
    total = np.zeros(len(newdata))
    for info in design_infos or ():
        total += np.asarray(patsy.build_design_matrices([info], newdata,
                                                        NA_action="raise")[0])[:, 0]
    return total


__all__ = ["ModelFrame", "build_model_frame", "FormulaError", "glm_fixed_part",
           "offset_for_newdata"]
