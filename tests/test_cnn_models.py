"""AlexNet, VGG and NiN: shape tables against the notes, parameter counts, and the width/size arguments."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from d2lite import models

INPUT = (1, 1, 224, 224)
VGG_ARCH = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))

# The notes' AlexNet table, as printed there. The course's net differs in its last layer only (see below).
NOTES_ALEXNET = """\
Conv2d output shape: torch.Size([1, 96, 55, 55])
ReLU output shape: torch.Size([1, 96, 55, 55])
MaxPool2d output shape: torch.Size([1, 96, 27, 27])
Conv2d output shape: torch.Size([1, 256, 27, 27])
ReLU output shape: torch.Size([1, 256, 27, 27])
MaxPool2d output shape: torch.Size([1, 256, 13, 13])
Conv2d output shape: torch.Size([1, 384, 13, 13])
ReLU output shape: torch.Size([1, 384, 13, 13])
Conv2d output shape: torch.Size([1, 384, 13, 13])
ReLU output shape: torch.Size([1, 384, 13, 13])
Conv2d output shape: torch.Size([1, 256, 13, 13])
ReLU output shape: torch.Size([1, 256, 13, 13])
MaxPool2d output shape: torch.Size([1, 256, 6, 6])
Flatten output shape: torch.Size([1, 9216])
Linear output shape: torch.Size([1, 4096])
ReLU output shape: torch.Size([1, 4096])
Dropout output shape: torch.Size([1, 4096])
Linear output shape: torch.Size([1, 4096])
ReLU output shape: torch.Size([1, 4096])
Dropout output shape: torch.Size([1, 4096])
Linear output shape: torch.Size([1, 1000])
ReLU output shape: torch.Size([1, 1000])"""

NOTES_VGG = """\
Sequential output shape: torch.Size([1, 64, 112, 112])
Sequential output shape: torch.Size([1, 128, 56, 56])
Sequential output shape: torch.Size([1, 256, 28, 28])
Sequential output shape: torch.Size([1, 512, 14, 14])
Sequential output shape: torch.Size([1, 512, 7, 7])
Flatten output shape: torch.Size([1, 25088])
Linear output shape: torch.Size([1, 4096])
ReLU output shape: torch.Size([1, 4096])
Dropout output shape: torch.Size([1, 4096])
Linear output shape: torch.Size([1, 4096])
ReLU output shape: torch.Size([1, 4096])
Dropout output shape: torch.Size([1, 4096])
Linear output shape: torch.Size([1, 10])"""


def conv_linear_params(c_in: int, c_out: int, k: int = 1) -> int:
    """Weights plus biases of a k x k convolution (k = 1 and c_in = fan-in also gives a Linear layer)."""
    return c_in * c_out * k * k + c_out


def test_alexnet_shape_table_is_the_notes_but_10_logits_without_relu():
    notes = NOTES_ALEXNET.splitlines()
    expected = notes[:-2] + ["Linear output shape: torch.Size([1, 10])"]     # 1000 -> 10 classes, final ReLU gone
    assert models.shape_table(models.alexnet(), INPUT).splitlines() == expected
    assert notes[:-2] == expected[:-1]                                        # everything else is the notes, exactly


def test_alexnet_logits_can_be_negative():
    torch.manual_seed(0)
    net = models.alexnet(width_divisor=8, hidden=64, image_size=96).eval()
    assert not isinstance(net[-1], nn.ReLU)
    with torch.no_grad():
        assert (net(torch.rand(4, 1, 96, 96)) < 0).any()


def test_vgg_shape_table_matches_the_notes_exactly():
    assert models.shape_table(models.vgg(VGG_ARCH), INPUT) == NOTES_VGG


def test_vgg_block_layers():
    block = models.vgg_block(2, 3, 8)
    kinds = [type(layer) for layer in block]
    assert kinds == [nn.Conv2d, nn.ReLU, nn.Conv2d, nn.ReLU, nn.MaxPool2d]
    assert block[0].kernel_size == (3, 3) and block[0].padding == (1, 1) and block[2].in_channels == 8
    assert block(torch.rand(2, 3, 10, 10)).shape == (2, 8, 5, 5)


def test_nin_has_no_linear_and_ends_in_global_average_pooling_over_10_channels():
    net = models.nin()
    assert not any(isinstance(m, nn.Linear) for m in net.modules())
    rows = models.layer_shapes(net, INPUT)
    assert isinstance(net[-2], nn.AdaptiveAvgPool2d) and isinstance(net[-1], nn.Flatten)
    assert rows[-3][1] == (1, 10, 5, 5)          # the last NiN block: one channel per class
    assert rows[-2] == ("AdaptiveAvgPool2d", torch.Size([1, 10, 1, 1]))
    assert rows[-1] == ("Flatten", torch.Size([1, 10]))
    assert [tuple(shape) for _, shape in rows[:6]] == [(1, 96, 54, 54), (1, 96, 26, 26), (1, 256, 26, 26),
                                                       (1, 256, 12, 12), (1, 384, 12, 12), (1, 384, 5, 5)]


def test_nin_block_is_a_conv_then_two_1x1_convs_with_relus():
    block = models.nin_block(3, 16, kernel_size=5, strides=2, padding=1)
    kinds = [type(layer) for layer in block]
    assert kinds == [nn.Conv2d, nn.ReLU] * 3
    first, one, two = block[0], block[2], block[4]
    assert first.kernel_size == (5, 5) and first.stride == (2, 2) and first.padding == (1, 1)
    for conv in (one, two):
        assert conv.kernel_size == (1, 1) and conv.stride == (1, 1) and conv.padding == (0, 0)
    assert block(torch.rand(1, 3, 11, 11)).shape == (1, 16, 5, 5)


def test_nin_final_relu_is_optional():
    assert not isinstance(models.nin()[-3][-1], nn.ReLU)                 # default: logits free to be negative
    assert isinstance(models.nin(final_relu=True)[-3][-1], nn.ReLU)     # the classic NiN


def test_parameter_counts():
    alex = models.alexnet()
    expected_alex = (conv_linear_params(1, 96, 11) + conv_linear_params(96, 256, 5) + conv_linear_params(256, 384, 3)
                     + conv_linear_params(384, 384, 3) + conv_linear_params(384, 256, 3)
                     + conv_linear_params(9216, 4096) + conv_linear_params(4096, 4096) + conv_linear_params(4096, 10))
    assert models.num_params(alex) == expected_alex == 58_299_082
    assert dict(models.param_table(alex))["14: Linear"] == 9216 * 4096 + 4096

    vgg = models.vgg(VGG_ARCH)
    convs = [(1, 64), (64, 128), (128, 256), (256, 256), (256, 512), (512, 512), (512, 512), (512, 512)]
    expected_vgg = (sum(conv_linear_params(i, o, 3) for i, o in convs)
                    + conv_linear_params(25088, 4096) + conv_linear_params(4096, 4096) + conv_linear_params(4096, 10))
    assert models.num_params(vgg) == expected_vgg

    def nin_block_params(c_in, c_out, k):
        return conv_linear_params(c_in, c_out, k) + 2 * conv_linear_params(c_out, c_out)
    expected_nin = (nin_block_params(1, 96, 11) + nin_block_params(96, 256, 5) + nin_block_params(256, 384, 3)
                    + nin_block_params(384, 10, 3))
    assert models.num_params(models.nin()) == expected_nin
    assert models.num_params(models.nin(final_relu=True)) == expected_nin        # a ReLU has no parameters
    assert expected_nin < conv_linear_params(9216, 4096) / 10                   # NiN's point: all of it < 1/10 of one FC


@pytest.mark.parametrize("divisor", [2, 4, 8])
def test_width_divisor_variants(divisor):
    vgg = models.vgg(VGG_ARCH, width_divisor=divisor, hidden=128)
    shapes = [tuple(s) for _, s in models.layer_shapes(vgg, INPUT)]
    assert shapes[:6] == [(1, 64 // divisor, 112, 112), (1, 128 // divisor, 56, 56), (1, 256 // divisor, 28, 28),
                          (1, 512 // divisor, 14, 14), (1, 512 // divisor, 7, 7), (1, 512 // divisor * 49,)]
    assert shapes[6] == (1, 128) and shapes[-1] == (1, 10)

    alex = models.alexnet(width_divisor=divisor, hidden=64)
    shapes = [tuple(s) for _, s in models.layer_shapes(alex, INPUT)]
    assert shapes[0] == (1, 96 // divisor, 55, 55) and shapes[3] == (1, 256 // divisor, 27, 27)
    assert shapes[6] == (1, 384 // divisor, 13, 13) and shapes[13] == (1, 256 // divisor * 36,)
    assert shapes[14] == (1, 64) and shapes[-1] == (1, 10)

    nin = models.nin(width_divisor=divisor)
    shapes = [tuple(s) for _, s in models.layer_shapes(nin, INPUT)]
    assert shapes[0] == (1, 96 // divisor, 54, 54) and shapes[4] == (1, 384 // divisor, 12, 12)
    assert shapes[-1] == (1, 10)


@pytest.mark.parametrize("size", [64, 96, 112])
def test_smaller_inputs_give_a_matching_fully_connected_layer(size):
    for net in (models.alexnet(width_divisor=8, hidden=32, image_size=size),
                models.vgg(VGG_ARCH, width_divisor=16, hidden=32, image_size=size)):
        assert net(torch.rand(2, 1, size, size)).shape == (2, 10)
    if size >= 67:                              # NiN's three poolings need at least 67x67 inputs
        assert models.nin(width_divisor=8)(torch.rand(2, 1, size, size)).shape == (2, 10)


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ValueError, match="too small"):
        models.alexnet(image_size=32)
    with pytest.raises(ValueError, match="too small"):
        models.vgg(VGG_ARCH, image_size=16)
    with pytest.raises(ValueError, match="width_divisor"):
        models.vgg(VGG_ARCH, width_divisor=0)


# The budgets: gpu is the book scale (all of Fashion-MNIST, 224x224 inputs, 10 epochs); cpu is reduced.
GPU_WIDTH_DIVISOR = {"alexnet": 1, "vgg": 4, "nin": 1}


@pytest.mark.parametrize("chapter", sorted(GPU_WIDTH_DIVISOR))
def test_cnn_chapter_budgets_are_book_scale_on_a_gpu_and_reduced_on_a_cpu(chapter, monkeypatch):
    """Run the chapter's budget cell under each profile and check the sizes it hands to the rest of the chapter."""
    from tools.book import chapter_budget
    gpu, cpu = (chapter_budget(f"chapters/{chapter}", profile) for profile in ("gpu", "cpu"))
    assert (gpu.n_train, gpu.n_test, gpu.resize, gpu.num_epochs) == (None, None, 224, 10)
    assert gpu.width_divisor == GPU_WIDTH_DIVISOR[chapter]
    assert cpu.resize < 224 and cpu.width_divisor > gpu.width_divisor and cpu.n_train is not None
