"""Each Cython kernel against its NumPy twin."""
import numpy as np
import pytest

from statsmodels_crossed.linalg import _assemble, _rank_update, numpy_twins


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    n = 500
    return {"a": rng.integers(0, 17, n).astype(np.int32),
            "b": rng.integers(0, 9, n).astype(np.int32),
            "Xa": rng.normal(size=(n, 2)), "Xb": rng.normal(size=(n, 3)),
            "w": rng.uniform(0.1, 3, n), "D": rng.normal(size=(n, 4))}


def test_pair_blocks_of_one_term_is_its_block_diagonal(rows):
    got = np.zeros((17, 2, 2))
    _assemble.pair_blocks(rows["a"].astype(np.int64), rows["Xa"], rows["Xa"], rows["w"], got)
    for lvl in range(17):
        X = rows["Xa"][rows["a"] == lvl]
        np.testing.assert_allclose(got[lvl], (X * rows["w"][rows["a"] == lvl, None]).T @ X,
                                   rtol=1e-12)


def test_dense_cross(rows):
    got, want = np.zeros((4, 17, 2)), np.zeros((4, 17, 2))
    _assemble.dense_cross(rows["a"], rows["Xa"], rows["w"], rows["D"], got)
    numpy_twins.dense_cross(rows["a"], rows["Xa"], rows["w"], rows["D"], want)
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_pair_pattern_and_blocks(rows):
    n = len(rows["a"])
    colptr, pair = np.empty(10, np.int64), np.empty(n, np.int64)
    order, work, rowidx = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int32)
    nnz = _assemble.pair_pattern(rows["a"], rows["b"], 17, 9, colptr, pair, order, work, rowidx)
    want_colptr, want_rowidx, want_pair = numpy_twins.pair_pattern(rows["a"], rows["b"], 17, 9)
    np.testing.assert_array_equal(colptr, want_colptr)
    np.testing.assert_array_equal(rowidx[:nnz], want_rowidx)
    np.testing.assert_array_equal(pair, want_pair)
    got, want = np.zeros((nnz, 2, 3)), np.zeros((nnz, 2, 3))
    _assemble.pair_blocks(pair, rows["Xa"], rows["Xb"], rows["w"], got)
    numpy_twins.pair_blocks(pair, rows["Xa"], rows["Xb"], rows["w"], want)
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("m, panel, threads", [(12, 64, 1), (70, 1, 1), (70, 8, 2), (70, 13, 2)])
def test_syrk_sub_csc(m, panel, threads):
    rng = np.random.default_rng(m + panel)
    ncol = 30
    dense = rng.normal(size=(m, ncol)) * (rng.uniform(size=(m, ncol)) < 0.3)
    colptr = np.concatenate([[0], np.cumsum((dense != 0).sum(0))]).astype(np.int64)
    rowidx = np.concatenate([np.flatnonzero(dense[:, j]) for j in range(ncol)]).astype(np.int32)
    data = np.concatenate([dense[dense[:, j] != 0, j] for j in range(ncol)])
    S0 = rng.normal(size=(m, m))
    got, want = np.asfortranarray(S0.copy()), S0.copy()
    _rank_update.syrk_sub_csc(colptr, rowidx, data, got, panel, threads)
    numpy_twins.syrk_sub_csc(colptr, rowidx, data, want)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    lower = np.tril_indices(m)
    np.testing.assert_allclose(got[lower], (S0 - dense @ dense.T)[lower], rtol=1e-12, atol=1e-12)
    upper = np.triu_indices(m, 1)
    np.testing.assert_array_equal(got[upper], S0[upper])


def test_syrk_sub_csc_checks_indices_before_writing():
    S = np.zeros((3, 3), order="F")
    colptr = np.array([0, 2], dtype=np.int64)
    with pytest.raises(ValueError, match="row index 3 outside 0..2"):
        _rank_update.syrk_sub_csc(colptr, np.array([0, 3], dtype=np.int32), np.ones(2), S)
    with pytest.raises(ValueError, match="one CSC matrix"):
        _rank_update.syrk_sub_csc(colptr, np.array([0], dtype=np.int32), np.ones(1), S)
    assert not S.any()


@pytest.mark.parametrize("ki, kj, with_right", [(1, 1, False), (1, 1, True), (2, 3, True),
                                                 (3, 2, False), (1, 2, True), (2, 2, True),
                                                 (2, 2, False)])
def test_scale_scatter(ki, kj, with_right):
    from statsmodels_crossed.linalg import _scale

    rng = np.random.default_rng(ki * 10 + kj)
    nb, nl = 40, 7
    values = rng.normal(size=(nb, ki, kj))
    lam_i, lam_j = np.tril(rng.normal(size=(ki, ki))), np.tril(rng.normal(size=(kj, kj)))
    right = rng.normal(size=(nl, kj, kj)) if with_right else np.zeros((0, 1, 1))
    which = rng.integers(0, nl, nb).astype(np.int64)
    dest = rng.permutation(3 * nb * ki * kj)[:nb * ki * kj].astype(np.int64)
    got, want = np.full(3 * nb * ki * kj, 7.0), np.full(3 * nb * ki * kj, 7.0)
    _scale.scale_scatter(values, lam_i, lam_j, right, which, dest, got)
    numpy_twins.scale_scatter(values, lam_i, lam_j, right, which, dest, want)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)


def test_factor_2x2():
    from statsmodels_crossed.linalg import _scale

    rng = np.random.default_rng(22)
    G = rng.normal(size=(30, 4, 2))
    blocks = np.einsum("eia,eib->eab", G, G)                 # symmetric, PSD
    blocks[0] = 0.0                                           # a level without data
    lam = np.array([[0.7, 0.0], [-1.3, 0.2]])
    L, Linv = np.full_like(blocks, 7.0), np.full_like(blocks, 7.0)
    _scale.factor_2x2(blocks, lam, L, Linv)
    want_L, want_inv = numpy_twins.factor_blocks(blocks, lam)
    np.testing.assert_allclose(L, want_L, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(Linv, want_inv, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="2 x 2"):
        _scale.factor_2x2(np.zeros((3, 3, 3)), np.eye(3), np.zeros((3, 3, 3)), np.zeros((3, 3, 3)))


def test_zero_lower():
    S = np.asfortranarray(np.arange(1.0, 26.0).reshape(5, 5))
    upper = np.triu(S, 1).copy()
    _rank_update.zero_lower(S)
    np.testing.assert_array_equal(S, upper)
    with pytest.raises(ValueError, match="square"):
        _rank_update.zero_lower(np.zeros((3, 2), order="F"))
