"""Checkers for the CNN chapters: lenet(), alexnet(), vgg_block(...), nin_block(...), vgg_any_size(...),
nin_one_1x1()."""
from __future__ import annotations

from typing import Any, Callable

from torch import nn

from .harness import Fail, call, checker, name_of
from .layers import (Layer, check_block, check_network, compare_layers, conv, flat_layers, forward, linear,
                     pool)


@checker("3×3 convolutions with padding 1 and ReLUs, then 2×2 max pooling with stride 2.")
def vgg_block(fn: Callable[[int, int, int], Any]) -> None:
    """Check fn(num_convs, in_channels, out_channels) builds a VGG block (VGG chapter)."""
    for case, (num_convs, c_in, c_out, side) in enumerate([(2, 3, 8, 16), (1, 1, 4, 8), (3, 4, 4, 6)]):
        shown = f"{name_of(fn, 'vgg_block')}({num_convs}, {c_in}, {c_out})"
        block = call(fn, num_convs, c_in, c_out, shown=shown, first=case == 0)
        expected: list[Layer] = []
        for i in range(num_convs):
            expected += [conv(c_in if i == 0 else c_out, c_out, 3, padding=1), (nn.ReLU, {})]
        expected.append(pool(nn.MaxPool2d, 2, 2))
        check_block(block, expected, (2, c_in, side, side), (2, c_out, side // 2, side // 2), shown)


@checker("the convolution you asked for, then two 1×1 convolutions, each followed by a ReLU.")
def nin_block(fn: Callable[[int, int, int, int, int], Any]) -> None:
    """Check fn(in_channels, out_channels, kernel_size, strides, padding) builds a NiN block (NiN chapter)."""
    cases = [(3, 8, 5, 2, 1, 17), (1, 4, 3, 1, 1, 8), (2, 6, 11, 4, 0, 40)]
    for case, (c_in, c_out, k, s, p, side) in enumerate(cases):
        shown = f"{name_of(fn, 'nin_block')}({c_in}, {c_out}, {k}, {s}, {p})"
        block = call(fn, c_in, c_out, k, s, p, shown=shown, first=case == 0)
        expected = [conv(c_in, c_out, k, s, p), (nn.ReLU, {}), conv(c_out, c_out, 1), (nn.ReLU, {}),
                    conv(c_out, c_out, 1), (nn.ReLU, {})]
        out = (side + 2 * p - k) // s + 1                 # the first convolution's output side; 1×1 ones keep it
        check_block(block, expected, (2, c_in, side, side), (2, c_out, out, out), shown)


# --- Whole networks as in the notes: LeNet and AlexNet ------------------------------------------------------------

_LENET = [conv(1, 6, 5, padding=2), (nn.Sigmoid, {}), pool(nn.AvgPool2d, 2, 2),
          conv(6, 16, 5), (nn.Sigmoid, {}), pool(nn.AvgPool2d, 2, 2), (nn.Flatten, {}),
          linear(400, 120), (nn.Sigmoid, {}), linear(120, 84), (nn.Sigmoid, {}), linear(84, 10)]
_LENET_TABLE = [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)), ("AvgPool2d", (1, 6, 14, 14)),
                ("Conv2d", (1, 16, 10, 10)), ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)),
                ("Flatten", (1, 400)), ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
                ("Sigmoid", (1, 84)), ("Linear", (1, 10))]


@checker("every layer and every output shape match the notes' LeNet.")
def lenet(fn: Callable[[], Any]) -> None:
    """Check fn() returns the notes' LeNet (sigmoid, average pooling) with its 1×1×28×28 shape table (LeNet chapter)."""
    check_network(fn, _LENET, _LENET_TABLE, (1, 1, 28, 28), f"{name_of(fn, 'lenet')}()")


_ALEXNET = [conv(1, 96, 11, 4, 2), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
            conv(96, 256, 5, padding=2), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
            conv(256, 384, 3, padding=1), (nn.ReLU, {}), conv(384, 384, 3, padding=1), (nn.ReLU, {}),
            conv(384, 256, 3, padding=1), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2), (nn.Flatten, {}),
            linear(9216, 4096), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)),
            linear(4096, 4096), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)), linear(4096, 10)]
_ALEXNET_TABLE = [("Conv2d", (1, 96, 55, 55)), ("ReLU", (1, 96, 55, 55)), ("MaxPool2d", (1, 96, 27, 27)),
                  ("Conv2d", (1, 256, 27, 27)), ("ReLU", (1, 256, 27, 27)), ("MaxPool2d", (1, 256, 13, 13)),
                  ("Conv2d", (1, 384, 13, 13)), ("ReLU", (1, 384, 13, 13)), ("Conv2d", (1, 384, 13, 13)),
                  ("ReLU", (1, 384, 13, 13)), ("Conv2d", (1, 256, 13, 13)), ("ReLU", (1, 256, 13, 13)),
                  ("MaxPool2d", (1, 256, 6, 6)), ("Flatten", (1, 9216)), ("Linear", (1, 4096)),
                  ("ReLU", (1, 4096)), ("Dropout", (1, 4096)), ("Linear", (1, 4096)), ("ReLU", (1, 4096)),
                  ("Dropout", (1, 4096)), ("Linear", (1, 10))]


@checker("every layer and every output shape match the notes' AlexNet, with 10 logits and no final ReLU.")
def alexnet(fn: Callable[[], Any]) -> None:
    """Check fn() returns the notes' AlexNet for 1×224×224 inputs, ending in 10 logits, no ReLU (AlexNet chapter)."""
    check_network(fn, _ALEXNET, _ALEXNET_TABLE, (1, 1, 224, 224), f"{name_of(fn, 'alexnet')}()")


# --- Variations of VGG and NiN (their chapters' exercises) ----------------------------------------------------------

def _vgg_blocks(conv_arch: tuple[tuple[int, int], ...]) -> tuple[list[Layer], int]:
    """The expected layers of VGG's blocks for `conv_arch`, and the last block's channels."""
    expected: list[Layer] = []
    channels = 1
    for num_convs, out_channels in conv_arch:
        for _ in range(num_convs):
            expected += [conv(channels, out_channels, 3, padding=1), (nn.ReLU, {})]
            channels = out_channels
        expected.append(pool(nn.MaxPool2d, 2, 2))
    return expected, channels


@checker("VGG's blocks, its head as 7×7 and 1×1 convolutions, and global average pooling: any input size works.")
def vgg_any_size(fn: Callable[[Any, int], Any]) -> None:
    """Check fn(conv_arch, hidden) builds VGG with its fully connected head as convolutions (VGG chapter)."""
    cases = [(((1, 4), (1, 8), (2, 8), (2, 16), (2, 16)), 32), (((2, 4), (1, 8), (1, 8), (1, 8), (1, 12)), 16)]
    for case, (conv_arch, hidden) in enumerate(cases):
        shown = f"{name_of(fn, 'vgg_any_size')}({conv_arch}, {hidden})"
        net = call(fn, conv_arch, hidden, shown=shown, first=case == 0)
        expected, channels = _vgg_blocks(conv_arch)
        expected += [conv(channels, hidden, 7), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)),
                     conv(hidden, hidden, 1), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)),
                     conv(hidden, 10, 1), (nn.AdaptiveAvgPool2d, {}), (nn.Flatten, {})]
        compare_layers(flat_layers(net, shown), expected, shown)
        for side in (224, 288):
            got = tuple(forward(net.eval(), (2, 1, side, side), shown).shape)
            if got != (2, 10):
                raise Fail(f"for a 2×1×{side}×{side} input {shown} should output (2, 10), one logit per class, "
                           f"got {got}: average each class's score map into one number")


_NIN_ONE = [conv(1, 96, 11, 4, 0), (nn.ReLU, {}), conv(96, 96, 1), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
            conv(96, 256, 5, 1, 2), (nn.ReLU, {}), conv(256, 256, 1), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
            conv(256, 384, 3, 1, 1), (nn.ReLU, {}), conv(384, 384, 1), (nn.ReLU, {}), pool(nn.MaxPool2d, 3, 2),
            (nn.Dropout, dict(p=0.5)), conv(384, 10, 3, 1, 1), (nn.ReLU, {}), conv(10, 10, 1),
            (nn.AdaptiveAvgPool2d, {}), (nn.Flatten, {})]
_NIN_ONE_TABLE = ([("Conv2d", (1, 96, 54, 54)), ("ReLU", (1, 96, 54, 54)), ("Conv2d", (1, 96, 54, 54)),
                   ("ReLU", (1, 96, 54, 54)), ("MaxPool2d", (1, 96, 26, 26))]
                  + [(name, (1, 256, 26, 26)) for name in ("Conv2d", "ReLU", "Conv2d", "ReLU")]
                  + [("MaxPool2d", (1, 256, 12, 12))]
                  + [(name, (1, 384, 12, 12)) for name in ("Conv2d", "ReLU", "Conv2d", "ReLU")]
                  + [("MaxPool2d", (1, 384, 5, 5)), ("Dropout", (1, 384, 5, 5)), ("Conv2d", (1, 10, 5, 5)),
                     ("ReLU", (1, 10, 5, 5)), ("Conv2d", (1, 10, 5, 5)), ("AdaptiveAvgPool2d", (1, 10, 1, 1)),
                     ("Flatten", (1, 10))])


@checker("NiN with one 1×1 convolution per block, no ReLU on the logits, and the same shapes as NiN.")
def nin_one_1x1(fn: Callable[[], Any]) -> None:
    """Check fn() returns the full-size NiN with one 1×1 convolution per block, no final ReLU (NiN chapter)."""
    shown = f"{name_of(fn, 'nin_one_1x1')}()"
    net = call(fn, shown=shown, first=True)
    layers = flat_layers(net, shown)
    if len(layers) == len(_NIN_ONE) + 1 and isinstance(layers[18], nn.Conv2d) and isinstance(layers[19], nn.ReLU):
        raise Fail(f"layer 19 of {shown} is a ReLU on the class score maps: remove it, the logits must be free to "
                   "be negative (the chapter's nin() leaves it out too)")
    check_network(net, _NIN_ONE, _NIN_ONE_TABLE, (1, 1, 224, 224), shown)
