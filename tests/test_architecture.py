"""The architecture drawing: one block per layer, labelled with the kind and output shape of the shape table."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lite import models
from d2lite.plotting import architecture_blocks, draw_architecture, draw_architectures, figure_png

VGG_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))


def leaves(net: nn.Module) -> list[nn.Module]:
    """The layers of a network with nested Sequentials flattened, in order."""
    return [m for m in net.modules() if not isinstance(m, nn.Sequential)]


def drawn_labels(fig) -> list[tuple[str, str]]:
    """(left text, right text) of every block and frame title of every column, top to bottom, as drawn."""
    labels = []
    for ax in fig.axes:
        texts = sorted(ax.texts, key=lambda t: (-t.get_position()[1], t.get_position()[0]))
        labels += [(texts[i].get_text(), texts[i + 1].get_text()) for i in range(0, len(texts), 2)]
    return labels


def dims(shape: torch.Size) -> str:
    return "×".join(str(d) for d in shape[1:])


@pytest.mark.parametrize("net, shape", [(models.lenet(), (1, 1, 28, 28)),
                                        (models.alexnet(), (1, 1, 224, 224)),
                                        (models.alexnet(width_divisor=8, hidden=256, image_size=96),
                                         (1, 1, 96, 96))])
def test_one_block_per_layer_with_the_shape_table_labels(net, shape):
    blocks, frames = architecture_blocks(net, shape)
    assert frames == []
    assert [(b.name, b.shape) for b in blocks] == models.layer_shapes(net, shape)
    fig = draw_architecture(net, shape, display=False)
    expected = [("input", dims(torch.Size(shape)))] + [(b.head, dims(b.shape)) for b in blocks]
    assert drawn_labels(fig) == expected
    assert [label.split()[0] for label, _ in expected[1:]] == [type(m).__name__ for m in net]


def test_nested_sequentials_are_frames_around_their_layers_and_agree_with_the_top_level_table():
    net, shape = models.vgg(VGG_ARCH), (1, 1, 224, 224)
    blocks, frames = architecture_blocks(net, shape)
    assert [b.name for b in blocks] == [type(m).__name__ for m in leaves(net)]
    table = models.layer_shapes(net, shape)
    assert [(f.title, f.shape) for f in frames] == [(f"net[{i}]", table[i][1]) for i in range(len(VGG_ARCH))]
    for frame in frames:                      # a frame ends where its block's output is: the pooling layer
        assert blocks[frame.last].name == "MaxPool2d" and blocks[frame.last].shape == frame.shape
    assert [(b.name, b.shape) for b in blocks if b.group is None] == table[len(VGG_ARCH):]
    labels = drawn_labels(draw_architecture(net, shape, display=False))
    assert len(labels) == 1 + len(blocks) + len(frames)
    assert ("net[2]: Sequential", "256×28×28") in labels


def test_collapsed_blocks_are_the_top_level_shape_table():
    net, shape = models.vgg(VGG_ARCH), (1, 1, 224, 224)
    blocks, frames = architecture_blocks(net, shape, expand=False)
    assert frames == [] and [(b.name, b.shape) for b in blocks] == models.layer_shapes(net, shape)
    assert blocks[2].kind == "block" and blocks[2].detail == "(2× Conv2d, MaxPool2d)"


def test_side_by_side_columns_share_one_scale_and_render():
    lenet, alexnet = models.lenet(), models.alexnet(width_divisor=8, hidden=256, image_size=96)
    fig = draw_architectures({"LeNet": lenet, "AlexNet": alexnet}, {"LeNet": (1, 1, 28, 28),
                                                                    "AlexNet": (1, 1, 96, 96)}, display=False)
    left, right = fig.axes
    assert (left.get_title(), right.get_title()) == ("LeNet", "AlexNet")
    assert left.get_ylim() == right.get_ylim()                       # one vertical scale: AlexNet is longer
    assert len(left.patches) == 1 + len(lenet) and len(right.patches) == 1 + len(alexnet)
    assert min(p.get_y() for p in left.patches) > min(p.get_y() for p in right.patches)
    assert figure_png(fig)[:4] == b"\x89PNG"


def test_layer_kinds_are_coloured_and_activations_thin():
    blocks, _ = architecture_blocks(models.lenet(), (1, 1, 28, 28))
    kinds = {b.name: b.kind for b in blocks}
    assert kinds == {"Conv2d": "conv", "Sigmoid": "thin", "AvgPool2d": "pool", "Flatten": "thin", "Linear": "linear"}
    assert blocks[0].head == "Conv2d 5×5, pad 2" and blocks[2].head == "AvgPool2d 2×2, stride 2"


def test_mistakes_give_one_clear_message():
    with pytest.raises(TypeError, match="nn.Sequential"):
        draw_architecture(nn.Linear(3, 2), (1, 3), display=False)
    with pytest.raises(ValueError, match=r"net\[7\].*input_shape"):
        draw_architecture(models.lenet(), (1, 1, 32, 32), display=False)      # 16*6*6 values reach Linear(400, .)
    with pytest.raises(ValueError, match="batch shape"):
        draw_architecture(models.lenet(), (28,), display=False)
    with pytest.raises(ValueError, match="no input shape for AlexNet"):
        draw_architectures({"LeNet": models.lenet(), "AlexNet": models.alexnet()}, {"LeNet": (1, 1, 28, 28)},
                           display=False)


def test_drawing_leaves_the_network_in_training_mode():
    net = models.alexnet(width_divisor=8, hidden=64, image_size=96)
    draw_architecture(net, (1, 1, 96, 96), display=False)
    assert net.training
