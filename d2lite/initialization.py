"""Weight initialization and per-layer statistics: how big are the signals and gradients? (numerical stability chapter)"""
from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass
from typing import Iterable

import torch
from torch import nn

from . import guards
from .training import History, train_classifier

INIT_METHODS = ("normal", "xavier", "kaiming")
_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)   # the layers whose weights an initialization sets


def xavier_std(n_in: int, n_out: int) -> float:
    """Xavier (Glorot) standard deviation sqrt(2 / (n_in + n_out)) for a layer with n_in inputs, n_out outputs (numerical stability chapter)."""
    for name, n in (("n_in", n_in), ("n_out", n_out)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} must be a positive whole number (a layer's fan-in or fan-out), got {n!r}")
    return math.sqrt(2 / (n_in + n_out))


def fans(weight: torch.Tensor) -> tuple[int, int]:
    """(n_in, n_out) of a Linear weight (out, in) or a Conv weight (out, in, *kernel): inputs and outputs per unit."""
    if weight.dim() < 2:
        raise ValueError(f"fans need a weight with at least 2 dimensions, got shape {tuple(weight.shape)}")
    kernel = math.prod(weight.shape[2:])                     # 1 for Linear, kh*kw for Conv2d
    return weight.shape[1] * kernel, weight.shape[0] * kernel


def init_std(weight: torch.Tensor, method: str = "xavier", std: float | None = None) -> float:
    """The standard deviation `method` gives this weight: 'normal' uses `std`, 'xavier' 2/(n_in+n_out), 'kaiming' 2/n_in."""
    if method not in INIT_METHODS:
        raise ValueError(f"unknown initialization method {method!r}; use one of {', '.join(INIT_METHODS)}")
    if method == "normal":
        if std is None or not (isinstance(std, (int, float)) and math.isfinite(std) and std >= 0):
            raise ValueError(f"method='normal' needs std=, a non-negative number such as std=0.01 (got {std!r})")
        return float(std)
    if std is not None:
        raise ValueError(f"method={method!r} computes its own std from the layer sizes; drop std={std!r} "
                         "(or use method='normal', std=...)")
    n_in, n_out = fans(weight)
    return xavier_std(n_in, n_out) if method == "xavier" else math.sqrt(2 / n_in)


def init_weights(net: nn.Module, method: str = "xavier", std: float | None = None, bias: float = 0.0) -> nn.Module:
    """Set every Linear/Conv weight of `net` to N(0, σ²) with σ from `method`, biases to `bias`; return net (numerical stability chapter).

    method='normal' with std=σ (e.g. 0.01 or 1), 'xavier' (σ² = 2/(n_in + n_out)) or 'kaiming' (σ² = 2/n_in, for
    ReLU). Uses torch's random generator, so call d2lite.seed(...) first to get the same weights every run.
    """
    if sys._getframe(1).f_globals.get("__name__") == "torch.nn.modules.module":    # called by net.apply(...)
        raise TypeError("d2lite.init_weights initializes a whole network itself: call d2lite.init_weights(net) "
                        "(or d2lite.init_weights(net, 'kaiming')) instead of net.apply(d2lite.init_weights)")
    if not isinstance(net, nn.Module):
        raise TypeError(f"init_weights needs a network (an nn.Module), got {type(net).__name__}: "
                        "call d2lite.init_weights(net)")
    layers = [m for m in net.modules() if isinstance(m, _LAYERS)]
    if not layers:
        raise ValueError("init_weights found no nn.Linear or nn.Conv layer in this network: nothing to initialize.")
    with torch.no_grad():
        for layer in layers:
            layer.weight.normal_(0.0, init_std(layer.weight, method, std))
            if layer.bias is not None:
                layer.bias.fill_(bias)
    return net


@dataclass
class LayerStats:
    """Per Linear/Conv layer, bottom to top: its output's std (forward), the std of the loss gradient with respect to
    that output (backward), and the norm of the loss gradient of its weight (what the optimizer uses)."""
    names: list[str]
    activation_std: list[float]
    output_grad_std: list[float]
    grad_norm: list[float]

    def table(self) -> str:
        """The statistics as a small text table, one line per layer."""
        lines = [f"{'layer':<14}{'output std':>12}{'grad std (output)':>19}{'grad norm (weight)':>20}"]
        lines += [f"{n:<14}{a:>12.3g}{b:>19.3g}{g:>20.3g}"
                  for n, a, b, g in zip(self.names, self.activation_std, self.output_grad_std, self.grad_norm)]
        return "\n".join(lines)


def layer_stats(net: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: nn.Module | None = None) -> LayerStats:
    """Run one batch forward and backward; return each Linear/Conv layer's LayerStats (numerical stability chapter).

    The network's own `.grad` fields are left untouched, so this can be called at any time, even mid-training.
    """
    layers = [m for m in net.modules() if isinstance(m, _LAYERS)]
    if not layers:
        raise ValueError("layer_stats found no nn.Linear or nn.Conv layer in this network.")
    outputs: dict[nn.Module, torch.Tensor] = {}

    def keep(module: nn.Module, _inputs, output: torch.Tensor) -> None:
        outputs[module] = output

    hooks = [layer.register_forward_hook(keep) for layer in layers]
    try:
        loss_fn = guards.loss_function(loss) if loss is not None else nn.CrossEntropyLoss()
        loss_value = guards.loss_value(loss_fn(net(X), y))
    finally:
        for hook in hooks:
            hook.remove()
    used = [layer for layer in layers if layer in outputs]
    if len(used) < len(layers):
        raise ValueError("layer_stats: some Linear/Conv layers were not used in the forward pass; "
                         "pass a network whose layers all run on X.")
    wanted = [outputs[layer] for layer in layers] + [layer.weight for layer in layers]
    grads = torch.autograd.grad(loss_value, wanted)
    n = len(layers)
    return LayerStats(names=[f"{i}: {type(layer).__name__}" for i, layer in enumerate(layers, 1)],
                      activation_std=[outputs[layer].detach().double().std().item() for layer in layers],
                      output_grad_std=[g.double().std().item() for g in grads[:n]],
                      grad_norm=[g.double().norm().item() for g in grads[n:]])


def total_grad_norm(net: nn.Module) -> float:
    """The L2 norm of all of `net`'s current gradients taken together, as gradient clipping measures it (numerical stability chapter)."""
    norms = [p.grad.detach().float().norm() for p in net.parameters() if p.grad is not None]
    return torch.stack(norms).norm().item() if norms else 0.0


def train_quietly(net: nn.Module, train_iter: Iterable, test_iter: Iterable, num_epochs: int, lr: float,
                  **kwargs) -> History:
    """train_classifier without the live plot, printing or warnings: a divergence is only recorded in
    History.diverged_at, for sweeps over many settings (numerical stability chapter)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Training diverged", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="The training loss exploded", category=RuntimeWarning)
        return train_classifier(net, train_iter, test_iter, num_epochs, lr, plot=False, verbose=False, **kwargs)
