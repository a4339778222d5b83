"""d2lite.initialization: weight init, per-layer statistics, clipping and learning-rate sweeps (numerical stability)."""
from __future__ import annotations

import math
import warnings

import pytest
import torch
from torch import nn

import d2lite
from d2lite.initialization import fans, init_weights, layer_stats, total_grad_norm, train_quietly, xavier_std


def mlp(depth: int, width: int, activation: type[nn.Module] = nn.ReLU, n_in: int = 784) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten()]
    for i in range(depth):
        layers += [nn.Linear(n_in if i == 0 else width, width), activation()]
    return nn.Sequential(*layers, nn.Linear(width, 10))


def test_xavier_std_is_the_formula():
    assert xavier_std(200, 300) == pytest.approx(math.sqrt(2 / 500))
    assert xavier_std(1, 1) == pytest.approx(1.0)
    for bad in ((0, 10), (10, -1), (2.5, 3), (True, 3)):
        with pytest.raises(ValueError, match="positive whole number"):
            xavier_std(*bad)


def test_fans_of_linear_and_conv_weights():
    assert fans(nn.Linear(30, 20).weight) == (30, 20)
    assert fans(nn.Conv2d(3, 8, kernel_size=5).weight) == (3 * 25, 8 * 25)


@pytest.mark.parametrize("method, std, expected", [
    ("normal", 0.5, lambda n_in, n_out: 0.5),
    ("normal", 0.01, lambda n_in, n_out: 0.01),
    ("xavier", None, lambda n_in, n_out: math.sqrt(2 / (n_in + n_out))),
    ("kaiming", None, lambda n_in, n_out: math.sqrt(2 / n_in)),
])
def test_init_weights_gives_the_intended_variance(method, std, expected):
    net = nn.Sequential(nn.Linear(400, 600), nn.ReLU(), nn.Conv1d(1, 1, 1), nn.Linear(600, 300))
    torch.manual_seed(0)
    assert init_weights(net, method, std=std, bias=0.25) is net
    for layer in (net[0], net[3]):
        n_in, n_out = layer.in_features, layer.out_features
        assert layer.weight.std().item() == pytest.approx(expected(n_in, n_out), rel=0.02)
        assert layer.weight.mean().item() == pytest.approx(0.0, abs=0.02 * expected(n_in, n_out))
        assert torch.all(layer.bias == 0.25)


def test_init_weights_conv_uses_kernel_fans():
    conv = nn.Sequential(nn.Conv2d(16, 32, kernel_size=3))
    torch.manual_seed(0)
    init_weights(conv, "xavier")
    assert conv[0].weight.std().item() == pytest.approx(math.sqrt(2 / (16 * 9 + 32 * 9)), rel=0.03)


def test_init_weights_is_seeded():
    nets = [mlp(2, 32), mlp(2, 32)]
    for net in nets:
        d2lite.seed(3)
        init_weights(net, "xavier")
    assert all(torch.equal(a, b) for a, b in zip(nets[0].parameters(), nets[1].parameters()))


def test_init_weights_clear_errors():
    with pytest.raises(ValueError, match="unknown initialization method 'glorot'"):
        init_weights(mlp(1, 8), "glorot")
    with pytest.raises(ValueError, match="needs std="):
        init_weights(mlp(1, 8), "normal")
    with pytest.raises(ValueError, match="computes its own std"):
        init_weights(mlp(1, 8), "xavier", std=0.1)
    with pytest.raises(ValueError, match="no nn.Linear or nn.Conv"):
        init_weights(nn.Sequential(nn.ReLU()), "xavier")


def test_train_classifier_keeps_the_students_initialization(tiny_data):
    root, _ = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(32, root=root, device="cpu", verbose=False)
    net = init_weights(mlp(2, 16), "normal", std=0.0123)
    before = [p.detach().clone() for p in net.parameters()]
    # lr=0: any change of the weights could only come from the loop re-initialising them
    d2lite.train_classifier(net, train_iter, test_iter, 1, lr=1.0, plot=False,
                            optimizer=torch.optim.SGD(net.parameters(), lr=0.0))
    assert all(torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_layer_stats_agree_with_pytorch_and_leave_grads_alone():
    torch.manual_seed(0)
    net = init_weights(mlp(3, 20, nn.Tanh, n_in=12), "xavier")
    X, y = torch.randn(64, 12), torch.randint(0, 10, (64,))
    stats = layer_stats(net, X, y)
    assert all(p.grad is None for p in net.parameters())
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert stats.names == [f"{i}: Linear" for i in range(1, 5)]
    # the oracle: PyTorch's own forward and backward
    outputs, h = [], X
    for layer in net:
        h = layer(h)
        if isinstance(layer, nn.Linear):
            h.retain_grad()
            outputs.append(h)
    nn.CrossEntropyLoss()(h, y).backward()
    for i, (layer, out) in enumerate(zip(linears, outputs)):
        assert stats.activation_std[i] == pytest.approx(out.std().item(), rel=1e-5)
        assert stats.output_grad_std[i] == pytest.approx(out.grad.std().item(), rel=1e-5)
        assert stats.grad_norm[i] == pytest.approx(layer.weight.grad.norm().item(), rel=1e-5)
    assert "output std" in stats.table() and len(stats.table().splitlines()) == 5


def test_layer_stats_show_vanishing_and_exploding_gradients():
    X, y = torch.rand(128, 784), torch.randint(0, 10, (128,))
    d2lite.seed(0)
    sigmoid = layer_stats(init_weights(mlp(10, 64, nn.Sigmoid), "xavier"), X, y)
    assert sigmoid.grad_norm[0] < 1e-3 * sigmoid.grad_norm[-1]          # the bottom layer hardly gets a gradient
    d2lite.seed(0)
    exploding = layer_stats(init_weights(mlp(10, 64), "normal", std=1.0), X, y)
    assert exploding.activation_std[-1] > 1e6 * exploding.activation_std[0]
    assert all(math.isfinite(g) for g in exploding.grad_norm)           # measured in float64: no overflow


class RecordingSGD(torch.optim.SGD):
    """SGD that records the total gradient norm it is asked to apply (after any clipping in the loop)."""

    def __init__(self, params, net: nn.Module, lr: float):
        super().__init__(params, lr=lr)
        self.net, self.norms = net, []

    def step(self, closure=None):
        self.norms.append(total_grad_norm(self.net))
        return super().step(closure)


@pytest.mark.parametrize("clip", [None, 1.0, 0.1])
def test_clipping_bounds_the_gradient_norm(tiny_data, clip):
    root, _ = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(16, root=root, device="cpu", verbose=False)
    d2lite.seed(0)
    net = init_weights(mlp(3, 32), "normal", std=0.3)                    # too large: big gradients
    optimizer = RecordingSGD(net.parameters(), net, lr=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d2lite.train_classifier(net, train_iter, test_iter, 2, lr=1e-4, optimizer=optimizer, plot=False,
                                clip_grad_norm=clip)
    assert len(optimizer.norms) == 2 * len(train_iter)
    if clip is None:
        assert max(optimizer.norms) > 10
    else:
        assert max(optimizer.norms) <= clip * (1 + 1e-4)


def test_total_grad_norm_matches_clip_grad_norm():
    torch.manual_seed(0)
    net = mlp(2, 16, n_in=12)
    assert total_grad_norm(net) == 0.0
    nn.CrossEntropyLoss()(net(torch.randn(8, 12)), torch.randint(0, 10, (8,))).backward()
    measured = total_grad_norm(net)
    assert measured == pytest.approx(nn.utils.clip_grad_norm_(net.parameters(), 1e-3).item(), rel=1e-5)
    assert total_grad_norm(net) == pytest.approx(1e-3, rel=1e-3)


def test_learning_rate_sweep_marks_diverged_runs_and_never_raises(tiny_data, capsys):
    root, _ = tiny_data
    train_iter, test_iter = d2lite.fashion_mnist(16, root=root, device="cpu", verbose=False)
    histories = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                   # nothing may escape to the notebook
        for lr in (1e-3, 0.1, 1e3, 1e6):
            d2lite.seed(0)
            net = init_weights(mlp(3, 64), "kaiming")
            histories[lr] = train_quietly(net, train_iter, test_iter, 3, lr)
    assert capsys.readouterr().out == ""
    for lr in (1e-3, 0.1):
        assert histories[lr].diverged_at is None
        assert len(histories[lr].train_loss) == 3 and all(map(math.isfinite, histories[lr].train_loss))
    for lr in (1e3, 1e6):
        h = histories[lr]
        assert h.diverged_at is not None, f"lr={lr} should diverge, got losses {h.train_loss}"
        assert len(h.train_loss) == h.diverged_at - 1
        assert "DIVERGED" in h.summary() or "no epoch completed" in h.summary()
