"""Batch normalization from scratch: the function and a layer built on it (batch normalization chapter).

`batch_norm` does what `nn.BatchNorm1d`/`nn.BatchNorm2d` do, written out: in training it normalizes with the
statistics of the batch and updates the moving averages; at inference it normalizes with the moving averages.
"""
from __future__ import annotations

import math

import torch
from torch import nn


def _axes_and_shape(X: torch.Tensor) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The axes the statistics are taken over, and the shape that broadcasts a per-channel (C,) tensor over X."""
    if X.dim() == 2:                        # (N, D): a fully connected layer's output, one statistic per feature
        return (0,), (1, -1)
    if X.dim() == 4:                        # (N, C, H, W): a convolution's output, one statistic per channel
        return (0, 2, 3), (1, -1, 1, 1)
    raise ValueError(f"batch_norm takes a (N, D) or a (N, C, H, W) tensor, got shape {tuple(X.shape)}: "
                     "flatten or reshape the input first.")


def batch_norm(X: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, moving_mean: torch.Tensor,
               moving_var: torch.Tensor, *, training: bool, eps: float = 1e-5,
               momentum: float = 0.1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Batch normalization of X (N, D) or (N, C, H, W); returns (Y, moving_mean, moving_var) (batch normalization chapter).

    `gamma`, `beta`, `moving_mean` and `moving_var` have one entry per feature or channel, shape (C,). In training
    X is normalized with the batch's mean and biased variance, and the moving averages move a fraction `momentum`
    towards the batch's mean and unbiased variance, as in PyTorch; at inference they normalize X and stay as they are.
    """
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum is the weight of the new batch in the moving averages, between 0 and 1 "
                         f"(PyTorch's default 0.1); got {momentum!r}.")
    axes, shape = _axes_and_shape(X)
    if X.dtype in (torch.float16, torch.bfloat16):               # mixed precision on a GPU: the statistics need
        X = X.float()                                             # float32, as in PyTorch's own batch norm
    channels = X.shape[1]
    for name, t in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean), ("moving_var", moving_var)):
        if t.numel() != channels:
            raise ValueError(f"{name} must hold one value per channel ({channels} for an input of shape "
                             f"{tuple(X.shape)}), got shape {tuple(t.shape)}.")
    if training:
        n = X.numel() // channels                                 # values per channel in this batch
        if n < 2:
            raise ValueError(f"batch normalization in training needs more than one value per channel, got an "
                             f"input of shape {tuple(X.shape)}: use a batch of at least 2 examples, or model.eval().")
        mean = X.mean(dim=axes)                                   # (C,)
        var = X.var(dim=axes, unbiased=False)                     # (C,): biased, 1/n, to normalize the batch
        with torch.no_grad():                                     # the moving averages are statistics, not weights
            moving_mean = (1 - momentum) * moving_mean + momentum * mean.reshape(moving_mean.shape)
            unbiased = var * n / (n - 1)                          # 1/(n - 1): the estimate of the data's variance
            moving_var = (1 - momentum) * moving_var + momentum * unbiased.reshape(moving_var.shape)
    else:
        mean, var = moving_mean, moving_var
    X_hat = (X - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * X_hat + beta.reshape(shape), moving_mean, moving_var


class BatchNorm(nn.Module):
    """A batch normalization layer on `batch_norm`, for (N, D) and (N, C, H, W) inputs (batch normalization chapter).

    Like nn.BatchNorm1d/2d: learnable scale `gamma` (starts at 1) and shift `beta` (starts at 0); the moving
    averages are buffers, saved with the model but not trained. `model.train()`/`model.eval()` pick the mode.
    """

    def __init__(self, num_features: int, *, eps: float = 1e-5, momentum: float = 0.1) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"num_features is the number of features or channels, a positive whole number; "
                             f"got {num_features!r}.")
        if not (isinstance(eps, (int, float)) and eps > 0 and math.isfinite(eps)):
            raise ValueError(f"eps must be a small positive number such as 1e-5, got {eps!r}.")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.gamma = nn.Parameter(torch.ones(num_features))
        self.beta = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("moving_mean", torch.zeros(num_features))
        self.register_buffer("moving_var", torch.ones(num_features))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var, training=self.training,
            eps=self.eps, momentum=self.momentum)
        return Y

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"
