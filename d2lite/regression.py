"""Polynomial regression on synthetic data from a known function (model selection, underfitting/overfitting chapters).

The inputs x lie in [-1, 1], so every feature x**i also lies in [-1, 1], whatever the degree: that keeps the
features, the loss and the gradients on one scale, which is what "numerically sane" means here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

TRUE_COEFFS = (0.5, -2.0, 1.0, 3.0)   # the known cubic: 0.5 - 2x + x**2 + 3x**3


def true_cubic(x: torch.Tensor) -> torch.Tensor:
    """The function behind the data: 0.5 - 2x + x² + 3x³ (underfitting/overfitting chapter)."""
    return poly_features(x, 3) @ torch.tensor(TRUE_COEFFS, dtype=x.dtype)


def poly_features(x: torch.Tensor, degree: int) -> torch.Tensor:
    """Map (n,) inputs in [-1, 1] to (n, degree + 1) features [1, x, x², ..., x^degree] (underfitting chapter)."""
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 0:
        raise ValueError(f"degree must be a whole number >= 0, got {degree!r}.")
    if x.dim() != 1:
        raise ValueError(f"x must be a 1-D tensor of inputs, got shape {tuple(x.shape)}.")
    powers = torch.arange(degree + 1, dtype=x.dtype, device=x.device)
    return x.unsqueeze(1) ** powers                       # (n, 1) ** (degree + 1,) -> (n, degree + 1)


def regression_data(n: int, *, f: Callable[[torch.Tensor], torch.Tensor] = true_cubic, noise: float = 0.2,
                    seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw n examples x ~ U(-1, 1), y = f(x) + Gaussian noise of std `noise`, seeded (model selection chapter)."""
    if n < 1:
        raise ValueError(f"n must be a positive number of examples, got {n}.")
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, generator=g) * 2 - 1                # (n,) uniform in [-1, 1]
    y = f(x) + noise * torch.randn(n, generator=g)        # (n,)
    return x, y


@dataclass
class PolyFit:
    """A trained polynomial: its weights and the losses (mean squared error) recorded after every epoch."""
    degree: int
    w: torch.Tensor                                       # (degree + 1,) coefficients of 1, x, ..., x^degree
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)   # empty when no validation data was given

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The polynomial's values at the inputs x."""
        return poly_features(x, self.degree) @ self.w

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """Mean squared error on (x, y)."""
        return mse(self.predict(x), y)


def mse(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """Mean squared error as a Python float (underfitting/overfitting chapter)."""
    return float(((y_hat - y) ** 2).mean())


def fit_poly(x: torch.Tensor, y: torch.Tensor, degree: int, *, num_epochs: int, lr: float = 0.1,
             x_val: torch.Tensor | None = None, y_val: torch.Tensor | None = None,
             w_max: float | None = None) -> PolyFit:
    """Fit a degree-`degree` polynomial to (x, y) by full-batch gradient descent on the MSE (underfitting chapter).

    Each epoch is one step on all the training data, with Adam's per-weight step sizes (the powers of x differ a
    lot in how much they move the output, so one shared step size would leave the high powers nearly untrained).
    The gradient is written out instead of using autograd: for a problem this small that is several times faster.
    `w_max` limits the range of every weight to [-w_max, w_max] (clipped after each step). The weights start at zero,
    so every run gives the same result. The training (and, if given, validation) loss is recorded after every step.
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}.")
    if not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr}.")
    if w_max is not None and not w_max > 0:
        raise ValueError(f"w_max must be a positive number (or None for no limit), got {w_max}.")
    if (x_val is None) != (y_val is None):
        raise ValueError("give both x_val and y_val, or neither.")
    X = poly_features(x, degree)                          # (n, degree + 1)
    X_val = poly_features(x_val, degree) if x_val is not None else None
    w = torch.zeros(degree + 1, dtype=X.dtype)
    m, v = torch.zeros_like(w), torch.zeros_like(w)       # Adam's running mean of the gradient and of its square
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    fit = PolyFit(degree, w)
    for t in range(1, num_epochs + 1):
        grad = X.T @ (X @ w - y) * (2 / len(y))           # gradient of mean((Xw - y)^2) with respect to w
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad ** 2
        w = w - lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
        if w_max is not None:
            w = w.clamp(-w_max, w_max)
        fit.train_loss.append(mse(X @ w, y))
        if X_val is not None:
            fit.val_loss.append(mse(X_val @ w, y_val))
    fit.w = w
    return fit
