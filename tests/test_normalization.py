"""d2lite.batch_norm and d2lite.BatchNorm against PyTorch's own nn.BatchNorm1d/2d, the oracle, in both modes."""
import pytest
import torch
from torch import nn

import d2lite

SHAPES = [(8, 5), (3, 7), (4, 3, 5, 6), (1, 2, 3, 3), (16, 4, 1, 1)]


def oracle(shape):
    """PyTorch's layer for this input shape, in float64, with non-trivial scale and shift."""
    layer = (nn.BatchNorm1d if len(shape) == 2 else nn.BatchNorm2d)(shape[1], dtype=torch.float64)
    with torch.no_grad():
        layer.weight.uniform_(0.5, 2.0)
        layer.bias.uniform_(-1.0, 1.0)
        layer.running_mean.uniform_(-1.0, 1.0)
        layer.running_var.uniform_(0.5, 2.0)
    return layer


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.5, 0.01, 1.0])
def test_batch_norm_matches_pytorch_in_training_over_several_steps(shape, momentum):
    torch.manual_seed(0)
    ref = oracle(shape)
    ref.momentum = momentum
    mean, var = ref.running_mean.clone(), ref.running_var.clone()
    for step in range(3):                          # the moving averages follow PyTorch's step after step
        X = torch.randn(*shape, dtype=torch.float64) * 3 + step
        want = ref.train()(X)
        Y, mean, var = d2lite.batch_norm(X, ref.weight, ref.bias, mean, var, training=True, momentum=momentum)
        torch.testing.assert_close(Y, want)
        torch.testing.assert_close(mean, ref.running_mean)
        torch.testing.assert_close(var, ref.running_var)    # the unbiased variance goes into the estimate
    assert not mean.requires_grad and not var.requires_grad


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_matches_pytorch_at_inference_and_leaves_the_averages(shape):
    torch.manual_seed(1)
    ref = oracle(shape).eval()
    X = torch.randn(*shape, dtype=torch.float64)
    mean, var = ref.running_mean.clone(), ref.running_var.clone()
    Y, mean2, var2 = d2lite.batch_norm(X, ref.weight, ref.bias, mean, var, training=False, eps=1e-3)
    ref.eps = 1e-3
    torch.testing.assert_close(Y, ref(X))
    assert torch.equal(mean2, mean) and torch.equal(var2, var)


def test_batch_norm_gradients_match_pytorch():
    torch.manual_seed(2)
    ref = oracle((6, 3, 4, 4))
    X = torch.randn(6, 3, 4, 4, dtype=torch.float64, requires_grad=True)
    (ref.train()(X) ** 3).sum().backward()
    want = X.grad.clone(), ref.weight.grad.clone(), ref.bias.grad.clone()
    X.grad = None
    gamma, beta = ref.weight.detach().clone().requires_grad_(), ref.bias.detach().clone().requires_grad_()
    Y, _, _ = d2lite.batch_norm(X, gamma, beta, ref.running_mean, ref.running_var, training=True)
    (Y ** 3).sum().backward()
    for got, expected in zip((X.grad, gamma.grad, beta.grad), want):
        torch.testing.assert_close(got, expected)


def test_batch_norm_rejects_what_cannot_be_normalized():
    ones = torch.ones(4)
    with pytest.raises(ValueError, match="more than one value per channel"):
        d2lite.batch_norm(torch.randn(1, 4), ones, ones, ones, ones, training=True)
    with pytest.raises(ValueError, match=r"\(N, D\) or a \(N, C, H, W\)"):
        d2lite.batch_norm(torch.randn(2, 4, 5), ones, ones, ones, ones, training=True)
    with pytest.raises(ValueError, match="one value per channel"):
        d2lite.batch_norm(torch.randn(2, 3), ones, ones, ones, ones, training=True)
    with pytest.raises(ValueError, match="momentum"):
        d2lite.batch_norm(torch.randn(2, 4), ones, ones, ones, ones, training=True, momentum=10)
    Y, _, _ = d2lite.batch_norm(torch.randn(1, 4), ones, ones, ones, ones, training=False)   # one image: fine
    assert Y.shape == (1, 4)


@pytest.mark.parametrize("shape", [(10, 6), (5, 6, 4, 3)])
def test_batchnorm_layer_behaves_like_pytorchs(shape):
    torch.manual_seed(3)
    ours, ref = d2lite.BatchNorm(6, momentum=0.2), oracle(shape).float()
    ref.momentum = 0.2
    with torch.no_grad():
        ref.weight.fill_(1.0), ref.bias.fill_(0.0), ref.running_mean.zero_(), ref.running_var.fill_(1.0)
    for _ in range(3):
        X = torch.randn(*shape) * 2 + 1
        torch.testing.assert_close(ours.train()(X), ref.train()(X))
    torch.testing.assert_close(ours.moving_mean, ref.running_mean)
    torch.testing.assert_close(ours.moving_var, ref.running_var)
    X = torch.randn(*shape)
    torch.testing.assert_close(ours.eval()(X), ref.eval()(X))
    assert [n for n, _ in ours.named_parameters()] == ["gamma", "beta"]
    assert set(ours.state_dict()) == {"gamma", "beta", "moving_mean", "moving_var"}   # averages saved, not trained
    assert "6, eps=1e-05, momentum=0.2" in repr(ours)


def test_batchnorm_layer_checks_its_arguments():
    with pytest.raises(ValueError, match="num_features"):
        d2lite.BatchNorm(0)
    with pytest.raises(ValueError, match="eps"):
        d2lite.BatchNorm(3, eps=0)
