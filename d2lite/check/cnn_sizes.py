"""Checkers for the CNN chapters' exercises on other input sizes: lenet32() and alexnet_128()."""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from .harness import Fail, call, checker, name_of
from .layers import Layer, check_network, compare_layers, conv, flat_layers, linear, pool

# LeNet for 32×32 inputs: the notes' layers, any kernel/padding in the encoder, the dense block unchanged.
_LENET32 = [(nn.Conv2d, dict(in_channels=1, out_channels=6)), (nn.Sigmoid, {}), (nn.AvgPool2d, {}),
            (nn.Conv2d, dict(in_channels=6, out_channels=16)), (nn.Sigmoid, {}), (nn.AvgPool2d, {}),
            (nn.Flatten, {}), linear(400, 120), (nn.Sigmoid, {}), linear(120, 84), (nn.Sigmoid, {}),
            linear(84, 10)]


@checker("a 1×32×32 image reaches Flatten as 16×5×5 = 400 values, so the notes' dense block fits unchanged.")
def lenet32(fn: Callable[[], Any]) -> None:
    """Check fn() returns a LeNet for 1×32×32 inputs whose dense block is the notes' (LeNet chapter)."""
    shown = f"{name_of(fn, 'lenet32')}()"
    net = call(fn, shown=shown, first=True)
    layers = flat_layers(net, shown)
    compare_layers(layers, _LENET32, shown)
    X = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        for i, layer in enumerate(layers[:7]):
            try:
                X = layer(X)
            except Exception as error:
                raise Fail(f"for a 1×32×32 input, layer {i} of {shown} ({type(layer).__name__}) cannot run on "
                           f"shape {tuple(X.shape)}: {str(error).splitlines()[0]}") from None
            if i == 5 and tuple(X.shape) != (1, 16, 5, 5):
                raise Fail(f"for a 1×32×32 input the second pooling layer should output 16×5×5 (so that Flatten "
                           f"gives 400), yours outputs {'×'.join(map(str, X.shape[1:]))}: work out each layer's "
                           "side with floor((n + 2p - k) / s) + 1")


_ALEXNET_128 = [conv(3, 48, 11, 4, 2), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
                conv(48, 128, 5, padding=2), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
                conv(128, 192, 3, padding=1), (nn.ReLU, {}), conv(192, 192, 3, padding=1), (nn.ReLU, {}),
                conv(192, 128, 3, padding=1), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2), (nn.Flatten, {}),
                linear(1152, 1024), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)),
                linear(1024, 1024), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)), linear(1024, 10)]


def _table(layers: list[Layer], shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
    """The shape table of the expected layers, computed by building them (the expected answer, not the student's)."""
    X, rows = torch.zeros(shape), []
    for kind, attrs in layers:
        if kind is nn.Conv2d:
            layer = nn.Conv2d(attrs["in_channels"], attrs["out_channels"], attrs["kernel_size"], attrs["stride"],
                              attrs["padding"])
        elif kind is nn.Linear:
            layer = nn.Linear(attrs["in_features"], attrs["out_features"])
        elif kind is nn.MaxPool2d:
            layer = nn.MaxPool2d(attrs["kernel_size"], attrs["stride"])
        else:
            layer = kind(**attrs)
        with torch.no_grad():
            X = layer(X)
        rows.append((kind.__name__, tuple(X.shape)))
    return rows


@checker("every layer and shape match AlexNet for 3×128×128 colour images at half width: Flatten gives "
         "128×3×3 = 1152 values.")
def alexnet_128(fn: Callable[[], Any]) -> None:
    """Check fn() returns AlexNet for 3×128×128 inputs, half the channels, hidden width 1024 (AlexNet chapter)."""
    check_network(fn, _ALEXNET_128, _table(_ALEXNET_128, (1, 3, 128, 128)), (1, 3, 128, 128),
                  f"{name_of(fn, 'alexnet_128')}()")
