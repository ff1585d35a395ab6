"""Random-effects terms: one grouping factor and the model matrix of one ``(expr | g)``.

A term t has a grouping factor with ``l`` levels and a model matrix ``X_t``
(n x k).  Its part of Z is never formed: row i of Z_t holds ``X_t[i]`` in the
columns of level ``codes[i]`` (level-major, ``q = l * k`` columns).
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd

from statsmodels_crossed.exceptions import DataError


@dataclass(frozen=True, eq=False)
class RandomEffectTerm:
    """One random-effects term.

    Attributes
    ----------
    group : str
        Name of the grouping factor (``"subj"``, ``"dept:service"``).
    levels : pandas.Index
        Level labels in code order, as they appear in the data.
    codes : ndarray of int32, shape (n,)
        Level code of each observation.
    X : ndarray of float64, shape (n, k), C-contiguous
        The term's model matrix.
    columns : tuple of str
        Names of the columns of ``X`` (``"(Intercept)"``, ``"Days"``).
    """

    group: str
    levels: pd.Index
    codes: np.ndarray
    X: np.ndarray
    columns: tuple

    @property
    def n_levels(self):
        return len(self.levels)

    @property
    def k(self):
        return self.X.shape[1]

    @property
    def q(self):
        """Number of random effects of the term, l * k."""
        return self.n_levels * self.k

    @property
    def n_theta(self):
        return self.k * (self.k + 1) // 2

    def subset(self, rows):
        """The term restricted to ``rows`` (levels kept, so codes stay valid)."""
        return RandomEffectTerm(self.group, self.levels, self.codes[rows],
                                self.X[rows], self.columns)


def factorize_groups(values, name):
    """Level codes and labels of one grouping factor.

    Categoricals keep their category order (unused categories dropped); other
    columns use sorted unique labels when they sort, order of appearance
    otherwise.  Missing labels must have been removed before.
    """
    if isinstance(values, pd.Categorical):
        return _categorical_codes(values, name)
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(series.dtype, pd.CategoricalDtype):
        return _categorical_codes(series.array, name)
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:
        codes, uniques = pd.factorize(series, sort=False)
    if (codes < 0).any():
        raise DataError(f"grouping factor {name!r} has missing values")
    return codes.astype(np.int32), pd.Index(uniques)


def _categorical_codes(cat, name):
    """Codes and labels of a pandas Categorical, its unused categories dropped.

    Read from the Categorical itself: through a Series' ``.cat`` accessor each
    read builds a Series, a tenth of a small model's set-up.
    """
    codes = cat.codes.astype(np.int32)
    if (codes < 0).any():
        raise DataError(f"grouping factor {name!r} has missing values")
    categories = cat.categories
    used = np.bincount(codes, minlength=len(categories)) > 0
    if used.all():
        return codes, pd.Index(categories)
    codes = (np.cumsum(used) - 1).astype(np.int32)[codes]   # drop unused, keep order
    return codes, pd.Index(categories[used])


def interaction_groups(columns, name):
    """Codes and labels of the interaction ``a:b:...`` of several grouping columns.

    Labels are ``"<a>:<b>"``, as lme4 names the levels of an interaction factor;
    only combinations present in the data become levels.
    """
    codes, labels = zip(*(factorize_groups(c, name) for c in columns))
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c, lab in zip(codes, labels):
        key = key * len(lab) + c
    combo, uniq = pd.factorize(key, sort=True)
    parts = []
    rest = uniq
    for lab in reversed(labels):
        parts.append(np.asarray(lab.astype(str))[rest % len(lab)])
        rest = rest // len(lab)
    names = [":".join(p) for p in zip(*reversed(parts))]
    return combo.astype(np.int32), pd.Index(names)


def float_columns(frame, names):
    """The columns ``names`` of a DataFrame, as floats, side by side (n, k).

    A frame whose values are all floats (the model frame's random-effects
    columns) is converted once: column by column, each pandas column costs
    more than the conversion.
    """
    labels = list(frame.columns)        # a new Index's first lookup costs ~0.1 ms
    if len(set(labels)) == len(labels) and all(c in labels for c in names):
        values = frame.to_numpy()
        if values.dtype == np.float64:
            return values[:, [labels.index(c) for c in names]]
    return np.column_stack([frame[c].to_numpy(dtype=float) for c in names])


def make_term(group, group_values, X, columns):
    """Build a :class:`RandomEffectTerm` with validated inputs.

    ``group_values`` is one array-like of labels, or a list of them for an
    interaction grouping factor.
    """
    if isinstance(group_values, list):
        codes, levels = interaction_groups(group_values, group)
    else:
        codes, levels = factorize_groups(group_values, group)
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] != codes.shape[0]:
        raise DataError(f"random-effects term on {group!r}: model matrix has "
                        f"{X.shape[0]} rows but the grouping factor {codes.shape[0]}")
    if not np.isfinite(X).all():
        raise DataError(f"random-effects term on {group!r}: its model matrix has "
                        "NaN or infinite values")
    return RandomEffectTerm(group, levels, codes, X, tuple(columns))
