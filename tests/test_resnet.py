"""d2lite.models.Residual and resnet18: shapes, the skip connection, parameter count and the shape table."""
import nbformat
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import d2lite
from chapters import ROOT
from tools.book import chapter_budget
from d2lite import models


@pytest.mark.parametrize("c_in, c_out, use_1x1conv, stride, out_side", [
    (3, 3, False, 1, 6), (3, 6, True, 2, 3), (4, 4, True, 1, 6), (2, 5, True, 1, 6), (4, 4, True, 2, 3)])
def test_residual_shapes(c_in, c_out, use_1x1conv, stride, out_side):
    block = models.Residual(c_in, c_out, use_1x1conv=use_1x1conv, stride=stride)
    assert block(torch.rand(4, c_in, 6, 6)).shape == (4, c_out, out_side, out_side)
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    assert [m.kernel_size for m in convs] == [(3, 3), (3, 3)] + [(1, 1)] * use_1x1conv
    assert convs[0].stride == (stride, stride) and convs[1].stride == (1, 1)


def test_residual_adds_its_input():
    block = models.Residual(3, 3)
    with torch.no_grad():
        block.conv2.weight.zero_(), block.conv2.bias.zero_()     # the residual branch now outputs 0 ...
    X = torch.rand(2, 3, 5, 5)
    assert torch.equal(block(X), X)                              # ... and the block passes X through (X >= 0)


def test_residual_explains_a_shape_change_without_1x1_conv():
    with pytest.raises(ValueError, match="use_1x1conv=True"):
        models.Residual(3, 6)
    with pytest.raises(ValueError, match="use_1x1conv=True"):
        models.Residual(3, 3, stride=2)
    with pytest.raises(TypeError):
        models.Residual(3, 6, True)                              # keyword-only, as in the chapter


def test_resnet18_parameters_and_shape_table():
    net = models.resnet18()
    assert models.num_params(net) == 11_178_378                  # "about 11.2 million"
    assert [(name, tuple(shape)) for name, shape in models.layer_shapes(net, (1, 1, 96, 96))] == [
        ("Sequential", (1, 64, 24, 24)), ("Sequential", (1, 64, 24, 24)), ("Sequential", (1, 128, 12, 12)),
        ("Sequential", (1, 256, 6, 6)), ("Sequential", (1, 512, 3, 3)), ("AdaptiveAvgPool2d", (1, 512, 1, 1)),
        ("Flatten", (1, 512)), ("Linear", (1, 10))]
    blocks = [m for m in net.modules() if isinstance(m, models.Residual)]
    assert len(blocks) == 8 and sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in net.modules()) == 1 + 16 + 3 + 1


def test_resnet18_options():
    small = models.resnet18(num_classes=5, in_channels=3, width_divisor=4)
    assert small(torch.rand(2, 3, 64, 64)).shape == (2, 5)
    assert small[0][0].out_channels == 16 and small[-1].in_features == 128
    with pytest.raises(ValueError, match="width_divisor"):
        models.resnet18(width_divisor=0)


def chapter_network():
    """Run the ResNet chapter's cells that write Residual, resnet_block and ResNet-18; return its `net`."""
    nb = nbformat.read(ROOT / "chapters" / "resnet.ipynb", as_version=4)
    wanted = ("class Residual(", "def resnet_block(")
    namespace = {"torch": torch, "nn": nn, "F": F, "d2lite": d2lite}
    for cell in nb.cells:
        if cell.cell_type == "code" and any(w in cell.source for w in wanted):
            exec(cell.source, namespace)
    return namespace["net"], namespace["Residual"]


def test_the_chapter_writes_the_same_resnet18_as_d2lite_models(capsys):
    net, Block = chapter_network()
    ours = models.resnet18()
    kinds = [type(m).__name__ for m in net.modules()]
    assert kinds == [type(m).__name__ for m in ours.modules()]
    assert [tuple(p.shape) for p in net.parameters()] == [tuple(p.shape) for p in ours.parameters()]
    assert models.layer_shapes(net, (1, 1, 96, 96)) == models.layer_shapes(ours, (1, 1, 96, 96))
    block = Block(3, 6, use_1x1conv=True, stride=2)
    reference = models.Residual(3, 6, use_1x1conv=True, stride=2)
    reference.load_state_dict(block.state_dict())
    X = torch.randn(2, 3, 8, 8)
    assert torch.equal(block(X), reference(X))


def test_resnet_budgets_are_book_scale_on_a_gpu_and_reduced_on_a_cpu():
    gpu, cpu = (chapter_budget("chapters/resnet", profile) for profile in ("gpu", "cpu"))
    assert (gpu.n_train, gpu.n_test, gpu.resize, gpu.num_epochs, gpu.width_divisor) == (None, None, 96, 10, 1)
    assert cpu.n_train is not None and cpu.width_divisor > 1 and cpu.resize == 96
    assert max(cpu.depths) >= 64 and min(cpu.depths) <= 4          # the depth slider covers shallow to very deep
