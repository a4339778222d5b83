"""The course's networks as nn.Sequential, and tools to inspect them (shape tables, parameter counts)."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


def lenet(activation: type[nn.Module] = nn.Sigmoid, pool: type[nn.Module] = nn.AvgPool2d,
          num_classes: int = 10) -> nn.Sequential:
    """LeNet-5 as in the notes (sigmoid, average pooling); pass nn.ReLU, nn.MaxPool2d for the modern variant (LeNet chapter)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(),    # (B, 6, 28, 28)
        pool(kernel_size=2, stride=2),                              # (B, 6, 14, 14)
        nn.Conv2d(6, 16, kernel_size=5), activation(),              # (B, 16, 10, 10)
        pool(kernel_size=2, stride=2),                              # (B, 16, 5, 5)
        nn.Flatten(),                                               # (B, 400)
        nn.Linear(16 * 5 * 5, 120), activation(),                   # (B, 120)
        nn.Linear(120, 84), activation(),                           # (B, 84)
        nn.Linear(84, num_classes),                                 # (B, 10): logits, no activation
    )


def layer_shapes(net: nn.Sequential, input_shape: Sequence[int]) -> list[tuple[str, torch.Size]]:
    """Run a random input of `input_shape` through each layer; return (layer name, output shape) pairs."""
    X = torch.rand(*input_shape, device=next(net.parameters()).device)
    rows = []
    was_training = net.training
    net.eval()
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            rows.append((layer.__class__.__name__, X.shape))
    net.train(was_training)
    return rows


def shape_table(net: nn.Sequential, input_shape: Sequence[int]) -> str:
    """The per-layer output-shape table, one 'Name output shape: torch.Size([...])' line per layer."""
    return "\n".join(f"{name} output shape: {shape}" for name, shape in layer_shapes(net, input_shape))


def print_shapes(net: nn.Sequential, input_shape: Sequence[int] = (1, 1, 28, 28)) -> None:
    """Print the per-layer output-shape table, as in the notes (LeNet chapter onward)."""
    print(shape_table(net, input_shape))


def num_params(module: nn.Module) -> int:
    """Number of trainable parameters in a module."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def param_table(net: nn.Sequential) -> list[tuple[str, int]]:
    """(layer name, trainable parameters) for each top-level layer that has parameters."""
    return [(f"{i}: {layer.__class__.__name__}", num_params(layer))
            for i, layer in enumerate(net) if num_params(layer)]
