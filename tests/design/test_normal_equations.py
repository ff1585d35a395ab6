"""The least-squares residual sum of squares on [X, Z] from the cross-product blocks."""
import numpy as np
import pytest

from statsmodels_crossed.design.crossprod import CrossProducts
from statsmodels_crossed.design.normal_equations import residual_sum_of_squares
from tests.linalg.dense_reference import dense_Z, random_problem


def dense_rss(terms, X, y, w):
    """Weighted least squares of y on [X Z] by a dense (rank-revealing) solver."""
    M = np.column_stack([X, dense_Z(terms)])
    sw = np.sqrt(np.ones(len(y)) if w is None else w)
    b = np.linalg.lstsq(M * sw[:, None], y * sw, rcond=None)[0]
    return float((((y - M @ b) * sw) ** 2).sum())


@pytest.mark.parametrize("seed, weights", [(0, True), (1, False), (2, True)])
def test_equals_the_dense_least_squares_fit_with_aliased_columns(seed, weights):
    # every term has an intercept column: N is singular (aliased with X's intercept)
    terms, X, y, w = random_problem(seed, weights=weights)
    cp = CrossProducts(terms, X, y, w)
    expected = dense_rss(terms, X, y, w)
    assert residual_sum_of_squares(cp) == pytest.approx(expected, rel=1e-8)


def test_independent_of_the_shift_of_y_and_the_centring_of_x():
    terms, X, y, w = random_problem(3, p=2)
    X = X + np.array([0.0, 1e4])              # a covariate far from zero
    cp = CrossProducts(terms, X, y + 1e3, w)
    assert residual_sum_of_squares(cp) == pytest.approx(dense_rss(terms, X, y + 1e3, w),
                                                        rel=1e-7)


def test_none_when_conjugate_gradients_do_not_converge():
    terms, X, y, w = random_problem(4)
    cp = CrossProducts(terms, X, y, w)
    assert residual_sum_of_squares(cp, maxiter=1) is None


def test_y_in_the_column_space_leaves_no_residual():
    terms, X, _, w = random_problem(5, p=2)
    y = X @ np.array([2.0, -1.0]) + dense_Z(terms)[:, 3]
    cp = CrossProducts(terms, X, y, w)
    assert residual_sum_of_squares(cp) == pytest.approx(0.0, abs=1e-8 * (y ** 2).sum())
