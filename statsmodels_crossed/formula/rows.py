"""The rows a model uses, taken from a formula evaluated on every row of the data.

:func:`statsmodels_crossed.formula.frame.build_model_frame` evaluates each part
of a formula on all rows, finds the rows with no missing value, then takes
those rows here: numpy arrays where it can, so that a small model's set-up is
not spent in pandas indexing, and DataFrames shaped as patsy makes them where
the model needs DataFrames.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from statsmodels_crossed.design.reterms import interaction_groups, make_term


@dataclass
class RandomPart:
    """One random term's model matrix on every row of the data.

    Rows patsy dropped for a missing value are NaN in ``values`` and False in
    ``ok`` (None when no row was dropped); numpy arrays rather than patsy's
    DataFrame, so that taking the rows the model uses costs no pandas indexing.
    """

    columns: list
    values: np.ndarray            # (n, k) float
    ok: np.ndarray
    info: object                  # patsy DesignInfo


def random_part(mat, n_all):
    """A :class:`RandomPart` of patsy's DataFrame ``mat`` of a term, evaluated on
    data of ``n_all`` rows (its index holds the positions of the rows kept)."""
    kept = mat.index.to_numpy()
    values = np.full((n_all, mat.shape[1]), np.nan)
    values[kept] = mat.to_numpy(dtype=float)
    ok = np.zeros(n_all, dtype=bool)
    ok[kept] = True
    return RandomPart(list(mat.columns), values, ok, mat.design_info)


def random_rows(parsed, parts, columns, rows, all_rows):
    """Grouping factors and random-effects columns on ``rows``.

    Parameters
    ----------
    parsed : ParsedFormula
    parts : list of RandomPart
        One per random term of ``parsed``.
    columns : dict
        Each grouping column's values (a Series) on ``rows``.
    rows : ndarray of int
        Positions in the data of the rows used.
    all_rows : bool
        Whether ``rows`` are all the data's rows (then nothing is copied).

    Returns
    -------
    groups : dict
        Grouping factor name -> values (interactions as Categoricals).
    exog_re : dict
        Model-matrix column name -> values; a column shared by terms is kept once.
    re_terms : list of (str, list of str)
    re_nan : bool
        Whether a model-matrix column still holds a NaN (patsy checks each
        variable, not products such as ``inf * 0`` in an interaction).
    """
    groups, exog_re, re_terms, re_nan = {}, {}, [], False
    for term, part in zip(parsed.random, parts):
        name = term.group_name
        if name not in groups:
            groups[name] = group_column(columns, term.factors, name)
        values = part.values if all_rows else part.values[rows]
        if part.ok is not None:
            re_nan = re_nan or bool(np.isnan(values).any())
        for j, c in enumerate(part.columns):
            exog_re.setdefault(c, values[:, j])
        re_terms.append((name, list(part.columns)))
    return groups, exog_re, re_terms, re_nan


def random_terms(re_terms, groups, groups_frame, exog_re):
    """The model's random-effects terms, built from the frame's arrays, or None.

    The terms ``CrossedLM._make_terms(groups_frame, exog_re frame, re_terms)``
    would build, without reading the columns back out of the DataFrames (for a
    small model, a tenth of its set-up).  None when a model matrix is not all
    finite or a term cannot be built (labels pandas cannot factorize): the
    model then builds the terms itself, its checks running in their order and
    giving their messages.

    Parameters
    ----------
    re_terms : list of (str, list of str)
    groups : dict
        Grouping factor name -> values, as given to ``groups_frame``.
    groups_frame : pandas.DataFrame
        The grouping factors, as the model receives them.
    exog_re : dict
        Model-matrix column name -> float values (the random-effects columns).
    """
    terms = []
    for name, columns in re_terms:
        X = np.column_stack([exog_re[c] for c in columns])
        if not np.isfinite(X).all():
            return None
        values = groups[name]
        if not isinstance(values, pd.Categorical):   # as the frame holds it (pandas may
            values = groups_frame[name]              # infer another dtype for labels)
        try:
            terms.append(make_term(name, values, X, columns))
        except Exception:   # noqa: BLE001 -- raised again, in its turn, by the model
            return None
    return terms


def group_column(columns, factors, name):
    """A grouping factor as a Categorical; the interaction of several columns labelled 'a:b'.

    ``columns`` maps each factor's name to its column (a Series) on the rows used.
    """
    if len(factors) == 1:
        col = columns[factors[0]]
        return col.to_numpy() if not isinstance(col.dtype, pd.CategoricalDtype) else col.array
    codes, labels = interaction_groups([columns[f] for f in factors], name)
    return pd.Categorical.from_codes(codes, categories=labels)


def shared_labels(*name_lists):
    """Column labels for several DataFrames, as pandas would make them from the lists.

    pandas infers the type of the labels each time it makes an Index from a
    list (most of the cost of a small DataFrame); when every name is a ``str``,
    one Index of all the names, sliced, holds the same labels of the same type.
    An empty list, or names that are not all strings, stay lists for pandas.
    """
    flat = [name for names in name_lists for name in names]
    if not flat or not all(type(name) is str for name in flat):
        return [list(names) for names in name_lists]
    every, out, start = pd.Index(flat), [], 0
    for names in name_lists:
        out.append(every[start:start + len(names)] if names else list(names))
        start += len(names)
    return out


def float_frame(columns, labels, index):
    """A DataFrame of the float columns ``columns`` (a list of 1-D arrays) as one block."""
    values = (np.column_stack(columns) if columns
              else np.zeros((len(index), 0)))
    return pd.DataFrame(values, columns=labels, index=index, copy=False)


def any_nan(*frames):
    """Whether a float DataFrame holds a NaN (True when it is not all float)."""
    for df in frames:
        values = df.to_numpy()
        if values.dtype.kind != "f" or np.isnan(values).any():
            return True
    return False


def fixed_rows(endog, exog, rows, data):
    """patsy's endog and exog on ``rows``, labelled by the caller's row labels
    when these are unique (else by positions in the data)."""
    endog = endog.loc[rows]
    exog = exog.loc[rows]
    if data.index.is_unique:                  # results keep the caller's row labels
        endog.index = exog.index = data.index[rows]
    return endog, exog


def numeric_rows(numeric, rows, data, frame, labels):
    """:func:`fixed_rows` of the frames patsy would have given for ``numeric``
    (a :class:`~statsmodels_crossed.formula.numeric_fixed.NumericFixed`).

    With unique row labels the frames are built on ``rows`` directly (on all
    rows without a copy when none was dropped), with column ``labels`` from
    :func:`shared_labels`; otherwise through the same steps as patsy's frames,
    whose row labels then depend on pandas' indexing.
    """
    if data.index.is_unique:
        index = data.index[rows]
        return numeric.frames(None if len(rows) == len(frame) else rows, index, labels)
    endog, exog = numeric.frames(numeric.ok, frame.index[numeric.ok])
    return fixed_rows(endog, exog, rows, data)
