"""Architecture pictures drawn from the network itself, so they can never disagree with the code (LeNet chapter onward).

`architecture_blocks(net, input_shape)` runs one random input through an `nn.Sequential` (nested Sequentials such
as a VGG block included) and records every layer's kind, settings and output shape. `draw_architecture` draws them
as a column of blocks, input at the top, coloured by kind (convolution, pooling, fully connected), activations,
dropout and flatten drawn thin; a nested Sequential is a frame around its layers, or one block with
`expand=False`. `draw_architectures` puts several networks side by side on one vertical scale, so a deeper network
is a longer column.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

from ..models import probe_input, probing
from . import new_figure, show

COLORS = {"conv": "#9ecae1", "pool": "#fdd0a2", "linear": "#c7b9e2", "thin": "#eeeeee", "block": "#c7e9c0",
          "input": "#ffffff", "other": "#dddddd"}
FULL, THIN, GAP, HEADER = 1.0, 0.55, 0.18, 0.6   # heights of blocks, gaps and frame titles, in "rows"
INCH_PER_ROW = 0.30                        # vertical scale of a figure


@dataclass
class Block:
    """One drawn block: a layer (or a collapsed nested Sequential), its settings and its output shape."""
    name: str                 # the layer's class name, as in the shape table ("Conv2d", "ReLU", "Sequential")
    detail: str               # its settings in short ("5×5, pad 2", "p=0.5"); "" if the shape says it all
    shape: torch.Size         # its output shape, batch dimension included, as d2lite.models.layer_shapes gives it
    kind: str                 # "conv", "pool", "linear", "thin" (activation, dropout, flatten), "block", "other"
    depth: int = 0            # how many Sequentials it sits in below the top level
    group: int | None = None  # index of the Frame it belongs to (innermost), if any

    @property
    def head(self) -> str:
        """The block's left text: kind and settings, e.g. 'Conv2d 5×5, pad 2'."""
        return f"{self.name} {self.detail}".strip()

    @property
    def dims(self) -> str:
        """The block's right text: the output shape without the batch dimension, e.g. '6×28×28'."""
        return _dims(self.shape)


@dataclass
class Frame:
    """A nested Sequential drawn expanded: the blocks from `first` to `last` (inclusive) and its output shape."""
    first: int
    last: int
    shape: torch.Size
    depth: int
    title: str = "net"       # where it sits in the network, e.g. "net[0]"


def _dims(shape: Sequence[int]) -> str:
    return "×".join(str(d) for d in shape[1:])


def _size(value) -> str:
    """A stride or padding as text: 2 or (2, 2) -> '2', (1, 2) -> '1×2'."""
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    return f"{a}" if a == b else f"{a}×{b}"


def _square(value) -> str:
    """A window size as 'k×k' (or 'a×b')."""
    a, b = (value, value) if isinstance(value, int) else tuple(value)
    return f"{a}×{b}"


def _describe(layer: nn.Module) -> tuple[str, str]:
    """(kind, settings) of one layer, e.g. ("conv", "5×5, pad 2"); output channels show in the shape."""
    if isinstance(layer, nn.Conv2d):
        text = _square(layer.kernel_size)
        if layer.stride != (1, 1):
            text += f", stride {_size(layer.stride)}"
        if layer.padding not in ((0, 0), "valid"):
            text += f", pad {layer.padding if isinstance(layer.padding, str) else _size(layer.padding)}"
        return "conv", text
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        return "pool", f"{_square(layer.kernel_size)}, stride {_size(layer.stride)}"
    if isinstance(layer, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        return "pool", f"to {layer.output_size}"
    if isinstance(layer, nn.Linear):
        return "linear", ""
    if isinstance(layer, nn.Dropout):
        return "thin", f"p={layer.p:g}"
    if isinstance(layer, (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.GELU, nn.Flatten, nn.Identity,
                          nn.Softmax, nn.BatchNorm2d, nn.BatchNorm1d)):
        return "thin", ""
    return "other", ""


def _summary(block: nn.Sequential) -> str:
    """A collapsed Sequential's settings: its layer kinds in short, e.g. '(2× Conv2d, MaxPool2d)'."""
    counts: dict[str, int] = {}
    for layer in block.modules():
        if layer is not block and not isinstance(layer, (nn.Sequential, nn.ReLU, nn.Sigmoid, nn.Tanh)):
            counts[type(layer).__name__] = counts.get(type(layer).__name__, 0) + 1
    return "(" + ", ".join(f"{n}× {name}" if n > 1 else name for name, n in counts.items()) + ")"


def architecture_blocks(net: nn.Sequential, input_shape: Sequence[int], *,
                        expand: bool = True) -> tuple[list[Block], list[Frame]]:
    """Run a random input of `input_shape` (batch first) through `net`; return its blocks and frames (LeNet chapter).

    With `expand=True` every layer of a nested Sequential is a block and the Sequential a Frame around them;
    with `expand=False` a nested Sequential is one block of kind "block".
    """
    if not isinstance(net, nn.Sequential):
        raise TypeError(f"draw_architecture needs an nn.Sequential (its layers in order), got "
                        f"{type(net).__name__}: wrap your layers in nn.Sequential(...).")
    if len(input_shape) < 2 or not all(isinstance(d, int) and d > 0 for d in input_shape):
        raise ValueError(f"input_shape must be a batch shape such as (1, 1, 28, 28), got {tuple(input_shape)!r}")
    X = probe_input(net, input_shape)
    blocks: list[Block] = []
    frames: list[Frame] = []

    def walk(seq: nn.Sequential, X: torch.Tensor, depth: int, group: int | None, path: str) -> torch.Tensor:
        for i, layer in enumerate(seq):
            where = f"{path}[{i}]"
            if isinstance(layer, nn.Sequential) and expand and len(layer):
                frames.append(Frame(len(blocks), -1, torch.Size(), depth + 1, f"net{where}"))
                index = len(frames) - 1
                X = walk(layer, X, depth + 1, index, where)
                frames[index].last, frames[index].shape = len(blocks) - 1, X.shape
                continue
            try:
                X = layer(X)
            except RuntimeError as error:
                raise ValueError(f"draw_architecture: layer net{where} ({layer}) cannot take an input of shape "
                                 f"{tuple(X.shape)} (from input_shape={tuple(input_shape)}): check input_shape "
                                 f"and the layer sizes. PyTorch said: {str(error).splitlines()[0]}") from None
            if isinstance(layer, nn.Sequential):
                kind, detail = "block", _summary(layer)
            else:
                kind, detail = _describe(layer)
            blocks.append(Block(type(layer).__name__, detail, X.shape, kind, depth, group))
        return X

    with probing(net):
        walk(net, X, 0, None, "")
    return blocks, frames


def _height(block: Block) -> float:
    return THIN if block.kind == "thin" else FULL


def _layout(blocks: Sequence[Block], frames: Sequence[Frame]) -> tuple[list[float], list[tuple[float, float]], float]:
    """Depth below the column's top of every block's top, every frame's (top, bottom), and the column's height."""
    tops, spans, y = [], [(0.0, 0.0)] * len(frames), THIN + GAP            # the input block comes first
    for i, block in enumerate(blocks):
        for f in sorted((f for f in range(len(frames)) if frames[f].first == i), key=lambda f: frames[f].depth):
            spans[f] = (y, 0.0)
            y += HEADER
        tops.append(y)
        y += _height(block) + GAP
        for f in sorted((f for f in range(len(frames)) if frames[f].last == i), key=lambda f: -frames[f].depth):
            spans[f] = (spans[f][0], y - GAP / 2)
            y += GAP / 2
    return tops, spans, y


def _draw_column(ax, blocks: list[Block], frames: list[Frame], input_shape: Sequence[int], rows: float,
                 title: str) -> None:
    """Draw one network's column on `ax`, input at the top; `rows` fixes the vertical extent (shared scale)."""
    tops, spans, _ = _layout(blocks, frames)
    indent = 0.03

    def box(top: float, height: float, depth: int, color: str, head: str, dims: str, thin: bool) -> None:
        left, right = 0.02 + indent * depth, 0.98 - indent * depth
        ax.add_patch(Rectangle((left, rows - top - height), right - left, height, facecolor=color,
                               edgecolor="#666666", lw=0.5 if thin else 0.9))
        style = dict(va="center", fontsize=7 if thin else 8.5, color="#555555" if thin else "black")
        ax.text(left + 0.025, rows - top - height / 2, head, ha="left", **style)
        ax.text(right - 0.025, rows - top - height / 2, dims, ha="right", **style)

    box(0.0, THIN, 0, COLORS["input"], "input", _dims(input_shape), True)
    for block, top in zip(blocks, tops):
        box(top, _height(block), block.depth, COLORS.get(block.kind, COLORS["other"]), block.head, block.dims,
            block.kind == "thin")
    for frame, (top, bottom) in zip(frames, spans):
        left, right = 0.02 + indent * (frame.depth - 1) + 0.008, 0.98 - indent * (frame.depth - 1) - 0.008
        ax.add_patch(Rectangle((left, rows - bottom), right - left, bottom - top, facecolor=COLORS["block"],
                               alpha=0.35, edgecolor="#2b8a3e", lw=1.0, ls="--", zorder=0))
        ax.text(left + 0.015, rows - top - HEADER / 2, f"{frame.title}: Sequential", ha="left", va="center",
                fontsize=7.5, color="#2b8a3e")
        ax.text(right - 0.015, rows - top - HEADER / 2, _dims(frame.shape), ha="right", va="center",
                fontsize=7.5, color="#2b8a3e")
    ax.set(xlim=(0, 1), ylim=(0, rows))
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)


def draw_architectures(nets: Mapping[str, nn.Sequential],
                       input_shape: Sequence[int] | Mapping[str, Sequence[int]], *, title: str = "",
                       expand: bool = True, width: float = 3.3, display: bool = True) -> Figure:
    """Draw several networks side by side on one vertical scale (a deeper net is a longer column) (AlexNet chapter).

    `input_shape` is one batch shape for all, or one per name, e.g. {"LeNet": (1, 1, 28, 28), ...}.
    The figure is shown in a notebook unless `display=False`, and returned.
    """
    if not nets:
        raise ValueError("draw_architectures needs at least one network, e.g. {'LeNet': net}.")
    shapes = input_shape if isinstance(input_shape, Mapping) else {name: input_shape for name in nets}
    missing = [name for name in nets if name not in shapes]
    if missing:
        raise ValueError(f"draw_architectures: no input shape for {', '.join(missing)}; "
                         f"give input_shape one entry per network name.")
    drawn = {name: architecture_blocks(net, shapes[name], expand=expand) for name, net in nets.items()}
    rows = max(_layout(blocks, frames)[2] for blocks, frames in drawn.values())
    fig, axes = new_figure(1, len(nets), figsize=(width * len(nets), 0.5 + rows * INCH_PER_ROW))
    axes = [axes] if len(nets) == 1 else list(axes)
    for ax, (name, (blocks, frames)) in zip(axes, drawn.items()):
        _draw_column(ax, blocks, frames, shapes[name], rows, name)
    if title:
        fig.suptitle(title, fontsize=11)
    if display:
        show(fig)
    return fig


def draw_architecture(net: nn.Sequential, input_shape: Sequence[int], *, title: str = "", expand: bool = True,
                      width: float = 3.3, display: bool = True) -> Figure:
    """Draw one network as a column of blocks, each labelled with its kind and output shape (LeNet chapter)."""
    return draw_architectures({title: net}, input_shape, expand=expand, width=width, display=display)
