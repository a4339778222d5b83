"""The checkers of the CNN exercises on other input sizes: lenet32 and alexnet_128 (d2lite/check/cnn_sizes.py)."""
from __future__ import annotations

import pytest
from torch import nn

from d2lite import check


def lenet32(pad1=0, k2=5, act=nn.Sigmoid, head=400):
    """A LeNet for 32×32 inputs: by default the original LeNet-5 (no padding on the first convolution)."""
    return lambda: nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=pad1), act(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=k2), act(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(head, 120), act(), nn.Linear(120, 84), act(), nn.Linear(84, 10))


def alexnet_128(c_in=3, flat=1152, hidden=1024, last_relu=False):
    return lambda: nn.Sequential(
        nn.Conv2d(c_in, 48, kernel_size=11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(48, 128, kernel_size=5, padding=2), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(128, 192, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(192, 192, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(192, 128, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(hidden, 10),
        *([nn.ReLU()] if last_relu else []))


def run(capsys, name, fn):
    result = getattr(check, name)(fn)
    return result, capsys.readouterr().out


@pytest.mark.parametrize("name, fn", [("lenet32", lenet32()),                 # LeNet-5: no padding
                                      ("lenet32", lenet32(pad1=2, k2=7)),     # keep the padding, a 7×7 conv2
                                      ("alexnet_128", alexnet_128())])
def test_correct_answers_pass(capsys, name, fn):
    result, out = run(capsys, name, fn)
    assert result is True, out
    assert out.startswith("✔ Correct") and out.count("\n") == 1


@pytest.mark.parametrize("name, fn, hint", [
    ("lenet32", lenet32(pad1=2), "should output 16×5×5 (so that Flatten gives 400), yours outputs 16×6×6"),
    ("lenet32", lenet32(pad1=2, head=576), "yours has in_features=576"),
    ("lenet32", lenet32(act=nn.ReLU), "should be Sigmoid()"),
    ("lenet32", lenet32(pad1=0, k2=15), "cannot run on shape"),
    ("lenet32", lambda: None, "Not solved yet"),
    ("alexnet_128", alexnet_128(c_in=1), "in_channels=3"),
    ("alexnet_128", alexnet_128(flat=9216), "in_features=1152"),
    ("alexnet_128", alexnet_128(hidden=4096), "out_features=1024"),
    ("alexnet_128", alexnet_128(last_relu=True), "remove layer 21"),
    ("alexnet_128", lambda: 42, "should return an nn.Sequential"),
])
def test_wrong_answers_get_a_specific_hint(capsys, name, fn, hint):
    result, out = run(capsys, name, fn)
    assert result is False and out.count("\n") == 1, out
    assert hint in out, out
