"""The course's networks as nn.Sequential, and tools to inspect them (shape tables, parameter counts)."""
from __future__ import annotations

import contextlib
from typing import Iterator, Sequence

import torch
from torch import nn

from . import guards


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


@contextlib.contextmanager
def probing(net: nn.Module) -> Iterator[None]:
    """Evaluation mode without gradients for a look inside `net`; afterwards the mode it was in (even on errors)."""
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        net.train(was_training)


def probe_input(net: nn.Module, shape: Sequence[int]) -> torch.Tensor:
    """A random input of `shape` on the network's device, for a pass that measures shapes or costs."""
    param = next(net.parameters(), None)
    return torch.rand(*shape, device=param.device if param is not None else "cpu")


def layer_shapes(net: nn.Sequential, input_shape: Sequence[int]) -> list[tuple[str, torch.Size]]:
    """Run a random input of `input_shape` through each layer; return (layer name, output shape) pairs."""
    X = probe_input(net, guards.input_shape(net, input_shape))
    rows = []
    with probing(net):
        for layer in net:
            X = layer(X)
            rows.append((layer.__class__.__name__, X.shape))
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


def multiply_adds(net: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-adds of one forward pass of an input of `input_shape` through the Conv2d and Linear layers (NiN chapter)."""
    total = 0

    def count(layer: nn.Module, inputs: tuple, out: torch.Tensor) -> None:
        nonlocal total
        if isinstance(layer, nn.Conv2d):       # each output value: in_channels / groups x kh x kw products
            kh, kw = layer.kernel_size
            total += out.numel() * layer.in_channels // layer.groups * kh * kw
        elif isinstance(layer, nn.Linear):
            total += out.numel() * layer.in_features

    X = probe_input(net, guards.input_shape(net, input_shape))
    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with probing(net):
            net(X)
    finally:
        for hook in hooks:
            hook.remove()
    return total


def _conv_out(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Output height (or width) of a convolution or pooling window: floor((n + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel_size) // stride + 1


def _check_divisor(width_divisor: int, name: str) -> None:
    if not isinstance(width_divisor, int) or width_divisor < 1:
        raise ValueError(f"{name}: width_divisor must be a positive integer (1 = full width), got {width_divisor!r}")


def alexnet(num_classes: int = 10, *, in_channels: int = 1, width_divisor: int = 1, hidden: int = 4096,
            image_size: int = 224, dropout: float = 0.5) -> nn.Sequential:
    """AlexNet as in the notes, ending in `num_classes` logits without a ReLU (AlexNet chapter).

    `width_divisor` divides every convolution's channels, `hidden` is the width of the two hidden fully
    connected layers and `image_size` the input height/width, so small budgets get a smaller net.
    """
    _check_divisor(width_divisor, "alexnet")
    c1, c2, c3 = 96 // width_divisor, 256 // width_divisor, 384 // width_divisor
    side = _conv_out(image_size, 11, 4, 2)                  # conv1: 224 -> 55
    side = _conv_out(_conv_out(side, 3, 2), 3, 2)           # pool, (conv2 keeps it), pool: 55 -> 27 -> 13
    side = _conv_out(side, 3, 2)                            # conv3..conv5 keep it, pool: 13 -> 6
    if side < 1:
        raise ValueError(f"alexnet: image_size={image_size} is too small; AlexNet needs inputs of at least 63x63.")
    return nn.Sequential(
        nn.Conv2d(in_channels, c1, kernel_size=11, stride=4, padding=2), nn.ReLU(),   # (B, 96, 55, 55)
        nn.MaxPool2d(kernel_size=3, stride=2),                                       # (B, 96, 27, 27)
        nn.Conv2d(c1, c2, kernel_size=5, padding=2), nn.ReLU(),                      # (B, 256, 27, 27)
        nn.MaxPool2d(kernel_size=3, stride=2),                                       # (B, 256, 13, 13)
        nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(),                      # (B, 384, 13, 13)
        nn.Conv2d(c3, c3, kernel_size=3, padding=1), nn.ReLU(),                      # (B, 384, 13, 13)
        nn.Conv2d(c3, c2, kernel_size=3, padding=1), nn.ReLU(),                      # (B, 256, 13, 13)
        nn.MaxPool2d(kernel_size=3, stride=2),                                       # (B, 256, 6, 6)
        nn.Flatten(),                                                                # (B, 9216)
        nn.Linear(c2 * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),         # (B, 4096)
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),                   # (B, 4096)
        nn.Linear(hidden, num_classes),                                              # (B, 10): logits, no ReLU
    )


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """A VGG block: `num_convs` 3x3 convolutions (padding 1) with ReLU, then 2x2 max pooling (VGG chapter)."""
    layers: list[nn.Module] = []
    for _ in range(num_convs):
        layers += [nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1), nn.ReLU()]  # (B, C_out, H, W)
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))                                       # (B, C_out, H/2, W/2)
    return nn.Sequential(*layers)


def vgg(conv_arch: Sequence[tuple[int, int]], num_classes: int = 10, *, in_channels: int = 1,
        width_divisor: int = 1, hidden: int = 4096, image_size: int = 224, dropout: float = 0.5) -> nn.Sequential:
    """VGG: one vgg_block per (num_convs, out_channels) pair, then the notes' fully connected head (VGG chapter).

    `width_divisor` divides every block's channels (the book's GPU run uses 4), `hidden` is the width of the
    two hidden fully connected layers and `image_size` the input height/width.
    """
    _check_divisor(width_divisor, "vgg")
    side = image_size // 2 ** len(conv_arch)               # every block halves height and width: 224 -> 7
    if side < 1:
        raise ValueError(f"vgg: image_size={image_size} is too small for {len(conv_arch)} blocks; "
                         f"use at least {2 ** len(conv_arch)}.")
    blocks = []
    for num_convs, out_channels in conv_arch:
        out_channels = out_channels // width_divisor
        blocks.append(vgg_block(num_convs, in_channels, out_channels))   # (B, C_out, H/2, W/2)
        in_channels = out_channels
    return nn.Sequential(
        *blocks,                                                          # (B, 512, 7, 7)
        nn.Flatten(),                                                     # (B, 25088)
        nn.Linear(in_channels * side * side, hidden), nn.ReLU(), nn.Dropout(dropout),   # (B, 4096)
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),                      # (B, 4096)
        nn.Linear(hidden, num_classes),                                                 # (B, 10): logits
    )


def nin_block(in_channels: int, out_channels: int, kernel_size: int, strides: int, padding: int) -> nn.Sequential:
    """A NiN block: one convolution, then two 1x1 convolutions (per-pixel fully connected layers), each with ReLU (NiN chapter)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),   # (B, C_out, H', W')
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),                  # same shape
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),                  # same shape
    )


def nin(num_classes: int = 10, *, in_channels: int = 1, width_divisor: int = 1, dropout: float = 0.5,
        final_relu: bool = False) -> nn.Sequential:
    """NiN: NiN blocks and max pooling, then global average pooling over `num_classes` channels; no Linear (NiN chapter).

    `width_divisor` divides the channels of the first three blocks. The last block's final ReLU is left
    out by default (`final_relu=False`): the averaged values are logits, which must be free to be negative.
    """
    _check_divisor(width_divisor, "nin")
    c1, c2, c3 = 96 // width_divisor, 256 // width_divisor, 384 // width_divisor
    last = nin_block(c3, num_classes, kernel_size=3, strides=1, padding=1)   # (B, 10, 5, 5)
    if not final_relu:
        last = last[:-1]                                   # drop the ReLU after the last 1x1 convolution
    return nn.Sequential(
        nin_block(in_channels, c1, kernel_size=11, strides=4, padding=0),    # (B, 96, 54, 54)
        nn.MaxPool2d(kernel_size=3, stride=2),                               # (B, 96, 26, 26)
        nin_block(c1, c2, kernel_size=5, strides=1, padding=2),              # (B, 256, 26, 26)
        nn.MaxPool2d(kernel_size=3, stride=2),                               # (B, 256, 12, 12)
        nin_block(c2, c3, kernel_size=3, strides=1, padding=1),              # (B, 384, 12, 12)
        nn.MaxPool2d(kernel_size=3, stride=2),                               # (B, 384, 5, 5)
        nn.Dropout(dropout),
        last,                                                                # (B, 10, 5, 5)
        nn.AdaptiveAvgPool2d(1),                                             # (B, 10, 1, 1): global average
        nn.Flatten(),                                                        # (B, 10): logits
    )


from .resnet import Residual, resnet18, resnet_block  # noqa: E402,F401  (ResNet chapter: d2lite.models.resnet18)
