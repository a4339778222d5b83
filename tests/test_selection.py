"""Model selection and underfitting/overfitting helpers: d2lite.k_fold and d2lite.regression."""
import math

import pytest
import torch

import d2lite
from d2lite.regression import PolyFit, fit_poly, mse, poly_features, regression_data, true_cubic


# --- k_fold -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, k", [(10, 5), (7, 3), (12, 4), (5, 5), (2, 2), (101, 10)])
@pytest.mark.parametrize("shuffle", [True, False])
def test_k_fold_partitions_the_indices(n, k, shuffle):
    folds = list(d2lite.k_fold(n, k, shuffle=shuffle))
    assert len(folds) == k
    validated = []
    for train_idx, val_idx in folds:
        assert train_idx.dtype == val_idx.dtype == torch.int64
        train, val = train_idx.tolist(), val_idx.tolist()
        assert len(set(train)) == len(train) and len(set(val)) == len(val)
        assert not set(train) & set(val)                       # never train on what is validated
        assert set(train) | set(val) == set(range(n))          # ... and train on everything else
        validated += val
    assert sorted(validated) == list(range(n))                 # every index validated exactly once
    sizes = [len(v) for _, v in folds]
    assert max(sizes) - min(sizes) <= 1                        # blocks as equal as possible


def test_k_fold_without_shuffle_uses_contiguous_blocks():
    vals = [v.tolist() for _, v in d2lite.k_fold(7, 3, shuffle=False)]
    assert vals == [[0, 1, 2], [3, 4], [5, 6]]


def test_k_fold_is_seeded():
    def blocks(seed):
        return [v.tolist() for _, v in d2lite.k_fold(20, 4, seed=seed)]
    assert blocks(0) == blocks(0)
    assert blocks(0) != blocks(1)
    assert blocks(0) != [v.tolist() for _, v in d2lite.k_fold(20, 4, shuffle=False)]


def test_k_fold_accepts_integer_like_numbers():
    assert len(list(d2lite.k_fold(torch.tensor(6), 3))) == 3


@pytest.mark.parametrize("n, k, words", [(10, 1, "k >= 2"), (10, 0, "k >= 2"), (10, -3, "k >= 2"),
                                         (4, 5, "k <= n"), (0, 2, "k <= n"),
                                         (10, 2.5, "whole number"), (10.0, 2, "whole number"),
                                         (10, True, "whole number"), ("10", 2, "whole number")])
def test_k_fold_rejects_bad_arguments_when_called(n, k, words):
    with pytest.raises(ValueError, match=words):
        d2lite.k_fold(n, k)                                    # raised at the call, before any iteration


def test_k_fold_passes_the_exercise_checker(capsys):
    check = pytest.importorskip("d2lite.check")
    check.k_fold(d2lite.k_fold)
    assert "Correct" in capsys.readouterr().out


# --- polynomial regression ------------------------------------------------------------------------------------------

def test_poly_features_are_powers_of_x():
    x = torch.tensor([-1.0, 0.0, 0.5, 2.0])
    X = poly_features(x, 3)
    assert X.shape == (4, 4)
    assert torch.allclose(X, torch.stack([x ** 0, x, x ** 2, x ** 3], dim=1))


@pytest.mark.parametrize("degree", [-1, 2.0, True])
def test_poly_features_reject_bad_degrees(degree):
    with pytest.raises(ValueError, match="degree"):
        poly_features(torch.zeros(3), degree)


def test_features_stay_in_minus_one_one_for_inputs_there():
    x, y = regression_data(200, seed=3)
    assert x.abs().max() <= 1
    assert poly_features(x, 20).abs().max() <= 1


def test_regression_data_is_seeded_and_noisy_around_the_function():
    x, y = regression_data(2000, noise=0.2, seed=0)
    x2, y2 = regression_data(2000, noise=0.2, seed=0)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(x, regression_data(2000, noise=0.2, seed=1)[0])
    assert math.isclose(mse(true_cubic(x), y), 0.2 ** 2, rel_tol=0.15)   # the noise variance


def test_fit_poly_recovers_the_cubic_and_matches_least_squares():
    x, y = regression_data(200, noise=0.05, seed=0)
    fit = fit_poly(x, y, 3, num_epochs=1500, lr=0.1)
    exact = torch.linalg.lstsq(poly_features(x.double(), 3), y.double().unsqueeze(1)).solution.squeeze(1)
    assert torch.allclose(fit.w.double(), exact, atol=0.05)
    assert torch.allclose(fit.w, torch.tensor(d2lite.regression.TRUE_COEFFS), atol=0.1)
    assert len(fit.train_loss) == 1500 and fit.val_loss == []
    assert math.isclose(fit.train_loss[-1], fit.loss(x, y), rel_tol=1e-5)


def test_fit_poly_records_validation_loss_and_is_deterministic():
    x, y = regression_data(12, seed=1)
    xv, yv = regression_data(50, seed=2)
    a = fit_poly(x, y, 5, num_epochs=40, x_val=xv, y_val=yv)
    b = fit_poly(x, y, 5, num_epochs=40, x_val=xv, y_val=yv)
    assert isinstance(a, PolyFit) and len(a.val_loss) == 40
    assert a.val_loss == b.val_loss and torch.equal(a.w, b.w)
    assert a.train_loss[-1] < a.train_loss[0]
    assert math.isclose(a.val_loss[-1], a.loss(xv, yv), rel_tol=1e-5)


def test_high_degree_on_few_examples_overfits_and_the_cubic_does_not():
    x, y = regression_data(12, noise=0.2, seed=1)
    xv, yv = regression_data(500, noise=0.2, seed=2)
    fits = {d: fit_poly(x, y, d, num_epochs=500, lr=0.1, x_val=xv, y_val=yv) for d in (1, 3, 12)}
    assert fits[1].train_loss[-1] > fits[3].train_loss[-1] > fits[12].train_loss[-1]   # capacity fits training data
    assert fits[3].val_loss[-1] < fits[1].val_loss[-1] and fits[3].val_loss[-1] < fits[12].val_loss[-1]


def test_w_max_limits_the_range_of_the_weights():
    x, y = regression_data(12, seed=1)
    fit = fit_poly(x, y, 12, num_epochs=200, lr=0.1, w_max=0.5)
    assert fit.w.abs().max() <= 0.5
    assert fit_poly(x, y, 12, num_epochs=200, lr=0.1).w.abs().max() > 0.5


@pytest.mark.parametrize("kwargs, words", [(dict(num_epochs=0), "num_epochs"),
                                           (dict(num_epochs=5, lr=0.0), "lr must be a positive"),
                                           (dict(num_epochs=5, w_max=-1.0), "w_max must be a positive"),
                                           (dict(num_epochs=5, x_val=torch.zeros(3)), "both x_val and y_val")])
def test_fit_poly_rejects_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        fit_poly(torch.zeros(4), torch.zeros(4), 2, **kwargs)
