"""Layer-by-layer comparison of a student's network with the notes' layer list and shape table (CNN chapters)."""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from .harness import Fail, call, fmt, short

Layer = tuple[type, dict[str, Any]]      # (nn class, attributes that must match), e.g. (nn.ReLU, {})
ShapeTable = list[tuple[str, tuple[int, ...]]]   # (layer kind, output shape) per layer, as the notes print it


def conv(c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0) -> Layer:
    """An expected nn.Conv2d with a square kernel, stride and padding."""
    return nn.Conv2d, dict(in_channels=c_in, out_channels=c_out, kernel_size=(k, k), stride=(stride, stride),
                           padding=(padding, padding))


def pool(kind: type, k: int, stride: int) -> Layer:
    """An expected pooling layer (nn.MaxPool2d or nn.AvgPool2d)."""
    return kind, dict(kernel_size=(k, k), stride=(stride, stride))


def linear(n_in: int, n_out: int) -> Layer:
    """An expected nn.Linear."""
    return nn.Linear, dict(in_features=n_in, out_features=n_out)


def _plain(value: Any) -> Any:
    """A pair of equal numbers as one number, as nn layers are usually written: (3, 3) -> 3."""
    return value[0] if isinstance(value, tuple) and len(value) > 0 and len(set(value)) == 1 else value


def describe(layer: Layer) -> str:
    """How a layer reads in a hint: 'Conv2d(in_channels=3, out_channels=8, kernel_size=3, ...)'."""
    kind, attrs = layer
    return f"{kind.__name__}(" + ", ".join(f"{name}={_plain(value)}" for name, value in attrs.items()) + ")"


def _attribute(module: nn.Module, name: str) -> Any:
    """A layer's attribute, ints made pairs (2 -> (2, 2)) and padding 'same'/'valid' made numbers."""
    value = getattr(module, name, None)
    if name == "padding" and value == "valid":
        value = 0
    if name == "padding" and value == "same":
        value = tuple(k // 2 for k in _attribute(module, "kernel_size"))
    if name in ("kernel_size", "stride", "padding") and isinstance(value, int):
        value = (value, value)
    return value


def flat_layers(net: Any, shown: str) -> list[nn.Module]:
    """The layers of a (possibly nested) nn.Sequential in the order they run, else a hint."""
    if not isinstance(net, nn.Module):
        raise Fail(f"{shown} should return an nn.Sequential, got {type(net).__name__} {fmt(net)}")
    if not isinstance(net, nn.Sequential):
        raise Fail(f"{shown} returned a {type(net).__name__}; return an nn.Sequential so its layers can be listed "
                   "and checked one by one")
    return [leaf for layer in net for leaf in (flat_layers(layer, shown) if isinstance(layer, nn.Sequential)
                                               else [layer])]


def compare_layers(layers: list[nn.Module], expected: list[Layer], shown: str) -> None:
    """Each layer must be of the expected kind with the expected attributes; the first difference is the hint."""
    for i, (layer, (kind, attrs)) in enumerate(zip(layers, expected)):
        if not isinstance(layer, kind):
            raise Fail(f"layer {i} of {shown} should be {describe((kind, attrs))}, got {layer!r}")
        for name, want in attrs.items():
            have = _attribute(layer, name)
            same = math.isclose(have, want) if isinstance(want, float) and isinstance(have, float) else have == want
            if not same:
                raise Fail(f"layer {i} of {shown} should be {describe((kind, attrs))}; "
                           f"yours has {name}={_plain(have)}")
    if len(layers) < len(expected):
        raise Fail(f"{shown} has {len(layers)} layers, {len(expected)} expected: layer {len(layers)} should be "
                   f"{describe(expected[len(layers)])}")
    if len(layers) > len(expected):
        raise Fail(f"{shown} has {len(layers)} layers, {len(expected)} expected: remove layer {len(expected)}, "
                   f"{layers[len(expected)]!r}")


def _input_for(net: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    """A random input of `shape` on the device of the network's parameters."""
    param = next(net.parameters(), None)
    return torch.rand(*shape, device=param.device if param is not None else "cpu")


def forward(net: nn.Module, shape: tuple[int, ...], shown: str) -> torch.Tensor:
    """Run net on a random input of `shape`; a failure becomes a hint naming the input shape."""
    try:
        with torch.no_grad():
            out = net(_input_for(net, shape))
    except (KeyboardInterrupt, Fail):
        raise
    except BaseException as error:
        raise Fail(f"running {shown} on an input of shape {shape} raised {short(error)}") from None
    if not isinstance(out, torch.Tensor):
        raise Fail(f"{shown} applied to an input of shape {shape} returned {type(out).__name__}, not a tensor")
    return out


def check_shape_table(layers: list[nn.Module], table: ShapeTable, shape: tuple[int, ...], shown: str) -> None:
    """Run the layers one at a time on a random input and compare each output shape with the notes' table."""
    X = _input_for(nn.ModuleList(layers), shape)
    with torch.no_grad():
        for i, (layer, (name, want)) in enumerate(zip(layers, table)):
            try:
                X = layer(X)
            except (KeyboardInterrupt, Fail):
                raise
            except BaseException as error:
                raise Fail(f"layer {i} of {shown} ({name}) raised {short(error)}") from None
            if tuple(X.shape) != want:
                raise Fail(f"for a {'×'.join(map(str, shape))} input, layer {i} of {shown} ({name}) should output "
                           f"shape {want}, got {tuple(X.shape)}")


def check_block(block: Any, expected: list[Layer], shape: tuple[int, ...], want: tuple[int, ...],
                shown: str) -> None:
    """A block: a Sequential with exactly the expected layers, mapping an input of `shape` to `want`."""
    compare_layers(flat_layers(block, shown), expected, shown)
    got = tuple(forward(block, shape, shown).shape)
    if got != want:
        raise Fail(f"{shown} should map an input of shape {shape} to {want}, yours gave {got}")


def check_network(fn: Any, expected: list[Layer], table: ShapeTable, shape: tuple[int, ...], shown: str) -> None:
    """fn() (or the network itself) must have exactly the expected layers and the notes' shape table."""
    net = fn if isinstance(fn, nn.Module) else call(fn, shown=shown, first=True)
    layers = flat_layers(net, shown)
    compare_layers(layers, expected, shown)
    check_shape_table(layers, table, shape, shown)
