"""Regularization from scratch: the L2 penalty (weight decay chapter) and dropout (dropout chapter)."""
from __future__ import annotations

import math

import torch


def l2_penalty(w: torch.Tensor) -> torch.Tensor:
    """The L2 penalty ‖w‖²/2 of a weight tensor, a scalar tensor (weight decay chapter).

    Its gradient is w itself, so adding λ·l2_penalty(w) to the loss adds λ·w to the gradient.
    """
    return (w ** 2).sum() / 2


def dropout_layer(X: torch.Tensor, p: float) -> torch.Tensor:
    """Unbiased dropout: each element becomes 0 with probability p, else X/(1 − p) (dropout chapter).

    A new random mask is drawn on every call. p = 0 returns X itself, p = 1 returns zeros.
    """
    if isinstance(p, bool) or not isinstance(p, (int, float)) or math.isnan(p) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability p must be a number between 0 and 1 (inclusive), got {p!r}; "
                         f"p is the chance of zeroing each element, e.g. p=0.5.")
    if p == 0:
        return X
    if p == 1:
        return torch.zeros_like(X)
    keep = (torch.rand(X.shape, device=X.device) > p).to(X.dtype)   # 1 with probability 1 − p
    return keep * X / (1 - p)


def high_dim_linear_data(num_train: int = 80, num_test: int = 1000, num_inputs: int = 100, *,
                         noise: float = 0.02, seed: int = 0):
    """Data where linear regression overfits: y = 0.05 + 0.01·Σxᵢ + noise, few examples (weight decay chapter).

    The defaults (80 examples, 100 inputs) leave 20 directions that the training data never sees, yet enough
    examples that a well-regularized fit learns most of the signal. Returns ((X_train, y_train), (X_test, y_test))
    with X of shape (n, num_inputs) and y of shape (n, 1).
    """
    if num_train < 1 or num_test < 1 or num_inputs < 1:
        raise ValueError(f"num_train, num_test and num_inputs must be positive, got "
                         f"{num_train}, {num_test}, {num_inputs}")
    g = torch.Generator().manual_seed(seed)
    true_w, true_b = torch.full((num_inputs, 1), 0.01), 0.05
    X = torch.randn(num_train + num_test, num_inputs, generator=g)              # (n, d)
    y = X @ true_w + true_b + noise * torch.randn(num_train + num_test, 1, generator=g)   # (n, 1)
    return (X[:num_train], y[:num_train]), (X[num_train:], y[num_train:])
