"""theta <-> Lambda in lme4's order."""
import numpy as np

from statsmodels_crossed.design.theta import ThetaMap


def test_lower_triangle_column_by_column():
    tmap = ThetaMap([2, 1, 3])
    lams = tmap.lambdas(np.arange(1.0, 11.0))
    np.testing.assert_array_equal(lams[0], [[1, 0], [2, 3]])
    np.testing.assert_array_equal(lams[1], [[4]])
    np.testing.assert_array_equal(lams[2], [[5, 0, 0], [6, 8, 0], [7, 9, 10]])
    np.testing.assert_array_equal(tmap.theta_from_lambdas(lams), np.arange(1.0, 11.0))


def test_start_bounds_and_diagonal_mask():
    tmap = ThetaMap([2, 1])
    np.testing.assert_array_equal(tmap.start(), [1, 0, 1, 1])
    np.testing.assert_array_equal(tmap.lower_bounds(), [0, -np.inf, 0, 0])
    np.testing.assert_array_equal(tmap.is_diagonal(), [True, False, True, True])
    assert tmap.n_theta == 4
