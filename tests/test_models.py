"""d2lite.models: LeNet is the notes' network, with the notes' shape table."""
import torch
from torch import nn

import d2lite

NOTES_LENET_TABLE = """\
Conv2d output shape: torch.Size([1, 6, 28, 28])
Sigmoid output shape: torch.Size([1, 6, 28, 28])
AvgPool2d output shape: torch.Size([1, 6, 14, 14])
Conv2d output shape: torch.Size([1, 16, 10, 10])
Sigmoid output shape: torch.Size([1, 16, 10, 10])
AvgPool2d output shape: torch.Size([1, 16, 5, 5])
Flatten output shape: torch.Size([1, 400])
Linear output shape: torch.Size([1, 120])
Sigmoid output shape: torch.Size([1, 120])
Linear output shape: torch.Size([1, 84])
Sigmoid output shape: torch.Size([1, 84])
Linear output shape: torch.Size([1, 10])"""


def test_lenet_shape_table_matches_the_notes(capsys):
    net = d2lite.models.lenet()
    assert isinstance(net, nn.Sequential)
    d2lite.models.print_shapes(net, (1, 1, 28, 28))
    assert capsys.readouterr().out.strip() == NOTES_LENET_TABLE


def test_lenet_is_the_notes_loop_friendly_sequential():
    X = torch.rand(1, 1, 28, 28)
    for layer in d2lite.models.lenet():
        X = layer(X)
    assert X.shape == (1, 10)


def test_modern_variant_and_parameter_counts():
    net = d2lite.models.lenet(nn.ReLU, nn.MaxPool2d)
    kinds = {type(m) for m in net}
    assert nn.ReLU in kinds and nn.MaxPool2d in kinds and nn.Sigmoid not in kinds
    # conv1 6*(25+1) + conv2 16*(6*25+1) + fc 400*120+120 + 120*84+84 + 84*10+10
    assert d2lite.models.num_params(net) == 156 + 2416 + 48120 + 10164 + 850 == 61706
    assert [n for _, n in d2lite.models.param_table(net)] == [156, 2416, 48120, 10164, 850]


def test_multiply_adds_counts_by_hand_and_on_meta():
    # conv1 6*28*28 outputs x 25, conv2 16*10*10 x 6*25, then 400*120 + 120*84 + 84*10
    by_hand = 6 * 28 * 28 * 25 + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10
    net = d2lite.models.lenet()
    net.train()
    assert d2lite.models.multiply_adds(net, (1, 1, 28, 28)) == by_hand == 416520
    assert net.training                                       # mode restored
    assert d2lite.models.multiply_adds(net, (2, 1, 28, 28)) == 2 * by_hand
    with torch.device("meta"):                                # no weights: shapes suffice
        vgg11 = d2lite.models.vgg(((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)))
    assert d2lite.models.multiply_adds(vgg11, (1, 1, 224, 224)) == 7_547_232_256
    assert not vgg11[0][0]._forward_hooks                     # hooks removed
