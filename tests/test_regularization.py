"""d2lite.regularization: the L2 penalty against PyTorch's weight decay, and dropout against nn.Dropout."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import d2lite
from d2lite.regularization import high_dim_linear_data


# ---------------------------------------------------------------- l2_penalty (weight decay chapter)

def test_l2_penalty_is_half_the_squared_norm():
    w = torch.tensor([[3.0, -4.0], [1.0, 0.0]])
    assert d2lite.l2_penalty(w).item() == pytest.approx((9 + 16 + 1) / 2)
    assert d2lite.l2_penalty(torch.zeros(5)).item() == 0.0


def test_l2_penalty_gradient_is_w():
    w = torch.randn(4, 3, requires_grad=True)
    d2lite.l2_penalty(w).backward()
    torch.testing.assert_close(w.grad, w.detach())


def _twin_linear_models(seed: int = 0) -> tuple[nn.Linear, nn.Linear]:
    torch.manual_seed(seed)
    a = nn.Linear(7, 1)
    nn.init.normal_(a.weight)
    nn.init.normal_(a.bias)                 # a non-zero bias, so decaying it by mistake would show
    b = nn.Linear(7, 1)
    b.load_state_dict(a.state_dict())
    return a, b


@pytest.mark.parametrize("lambd", [0.0, 0.01, 0.5, 3.0])
def test_penalty_in_the_loss_equals_optimizer_weight_decay_step_by_step(lambd):
    """loss + λ·l2_penalty(w) with plain SGD == SGD(weight_decay=λ) on the weights only, after every step."""
    lr = 0.05
    scratch, concise = _twin_linear_models()
    opt_scratch = torch.optim.SGD(scratch.parameters(), lr=lr)
    opt_concise = torch.optim.SGD([{"params": [concise.weight], "weight_decay": lambd},
                                   {"params": [concise.bias], "weight_decay": 0.0}], lr=lr)
    g = torch.Generator().manual_seed(1)
    for _ in range(10):
        X, y = torch.randn(5, 7, generator=g), torch.randn(5, 1, generator=g)
        w_before = scratch.weight.detach().clone()

        opt_scratch.zero_grad()
        data_loss = ((scratch(X) - y) ** 2 / 2).mean()
        (data_loss + lambd * d2lite.l2_penalty(scratch.weight)).backward()
        data_grad = torch.autograd.grad(((scratch(X) - y) ** 2 / 2).mean(), scratch.weight)[0]
        opt_scratch.step()

        opt_concise.zero_grad()
        ((concise(X) - y) ** 2 / 2).mean().backward()
        opt_concise.step()

        torch.testing.assert_close(scratch.weight, concise.weight)
        torch.testing.assert_close(scratch.bias, concise.bias)
        # and both equal the chapter's formula w ← (1 − ηλ)·w − η·∂ℓ/∂w
        torch.testing.assert_close(scratch.weight.detach(), (1 - lr * lambd) * w_before - lr * data_grad)


def test_decaying_the_bias_too_gives_a_different_bias():
    """The bias is left alone on purpose: SGD(weight_decay=λ) on all parameters does not match the penalty on w."""
    lr, lambd = 0.1, 1.0
    scratch, everything = _twin_linear_models()
    X, y = torch.randn(5, 7), torch.randn(5, 1)
    (((scratch(X) - y) ** 2 / 2).mean() + lambd * d2lite.l2_penalty(scratch.weight)).backward()
    torch.optim.SGD(scratch.parameters(), lr=lr).step()
    ((everything(X) - y) ** 2 / 2).mean().backward()
    torch.optim.SGD(everything.parameters(), lr=lr, weight_decay=lambd).step()
    torch.testing.assert_close(scratch.weight, everything.weight)
    assert not torch.allclose(scratch.bias, everything.bias)


def test_default_optimizer_decays_weights_only():
    """d2lite.train_classifier's default SGD puts weight decay on the weights, not on the biases."""
    from d2lite.training import default_optimizer

    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = default_optimizer(net, lr=0.1, weight_decay=0.01)
    decayed = {id(p) for group in opt.param_groups if group["weight_decay"] > 0 for p in group["params"]}
    assert decayed == {id(net[0].weight), id(net[2].weight)}


def test_high_dim_linear_data_shapes_and_seed():
    (X, y), (X_test, y_test) = high_dim_linear_data(20, 100, 200, seed=3)
    assert X.shape == (20, 200) and y.shape == (20, 1) and X_test.shape == (100, 200) and y_test.shape == (100, 1)
    (X2, _), _ = high_dim_linear_data(20, 100, 200, seed=3)
    assert torch.equal(X, X2)
    with pytest.raises(ValueError, match="positive"):
        high_dim_linear_data(0, 100, 200)


def _ridge(X, y, lambd):
    """The exact minimiser of mean(½(Xw + b − y)²) + (λ/2)‖w‖², the bias not penalized: (w, b)."""
    n, d = X.shape
    Xb = torch.cat([X, torch.ones(n, 1)], dim=1).double()
    D = torch.eye(d + 1, dtype=torch.float64)
    D[-1, -1] = 0
    v = torch.linalg.solve(Xb.T @ Xb / n + lambd * D, Xb.T @ y.double() / n)
    return v[:-1].float(), v[-1].float()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_data_has_signal_that_a_good_lambda_learns(seed):
    """The chapter's lesson rests on the defaults: a good λ learns much of the signal, a huge λ predicts the mean."""
    (X, y), (X_test, y_test) = high_dim_linear_data(seed=seed)
    assert X.shape == (80, 100) and X_test.shape == (1000, 100)
    mean_loss = ((y.mean() - y_test) ** 2 / 2).mean().item()
    true_norm = 0.01 * math.sqrt(100)

    def test_loss(lambd):
        w, b = _ridge(X, y, lambd)
        return ((X_test @ w + b - y_test) ** 2 / 2).mean().item(), w.norm().item()

    good, good_norm = test_loss(0.1)
    huge, huge_norm = test_loss(1e4)
    assert good < 0.5 * mean_loss                     # clearly better than predicting the mean
    assert 0.5 * true_norm < good_norm < 1.5 * true_norm
    assert huge == pytest.approx(mean_loss, rel=0.02) and huge_norm < 0.01 * true_norm


# ---------------------------------------------------------------- dropout_layer (dropout chapter)

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_is_unbiased_and_drops_a_fraction_p(p):
    torch.manual_seed(0)
    X = torch.rand(400, 500) + 0.5                      # 200,000 positive values, mean 1
    out = d2lite.dropout_layer(X, p)
    assert out.shape == X.shape and out.dtype == X.dtype
    dropped = out == 0
    assert dropped.float().mean().item() == pytest.approx(p, abs=0.01)
    torch.testing.assert_close(out[~dropped], X[~dropped] / (1 - p))   # survivors are scaled by 1/(1 − p)
    # E[x'] = x: the mean over many draws is close to X itself, elementwise
    mean = sum(d2lite.dropout_layer(X[:20], p) for _ in range(2000)) / 2000
    assert (mean - X[:20]).abs().mean().item() < 0.05
    assert out.mean().item() == pytest.approx(X.mean().item(), rel=0.02)


def test_dropout_edge_cases():
    X = torch.randn(3, 4)
    assert d2lite.dropout_layer(X, 0) is X
    assert d2lite.dropout_layer(X, 0.0) is X
    zeros = d2lite.dropout_layer(X, 1)
    assert torch.equal(zeros, torch.zeros_like(X))
    assert d2lite.dropout_layer(X, 1.0).shape == X.shape


@pytest.mark.parametrize("p", [-0.1, 1.5, math.nan, "0.5", None, True])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        d2lite.dropout_layer(torch.ones(2, 2), p)


def test_dropout_draws_a_new_mask_each_call_and_is_seeded():
    X = torch.ones(50, 50)
    torch.manual_seed(0)
    first, second = d2lite.dropout_layer(X, 0.5), d2lite.dropout_layer(X, 0.5)
    assert not torch.equal(first, second)
    torch.manual_seed(0)
    assert torch.equal(d2lite.dropout_layer(X, 0.5), first)


def test_dropped_units_get_zero_gradient():
    torch.manual_seed(0)
    H = torch.randn(8, 16, requires_grad=True)
    out = d2lite.dropout_layer(H, 0.5)
    out.sum().backward()
    dropped = out.detach() == 0
    assert dropped.any() and (~dropped).any()
    assert torch.all(H.grad[dropped] == 0)
    torch.testing.assert_close(H.grad[~dropped], torch.full_like(H.grad[~dropped], 2.0))


def test_nn_dropout_is_the_identity_in_eval_mode_and_matches_in_train_mode():
    X = torch.rand(200, 300) + 0.5
    layer = nn.Dropout(0.3)
    layer.eval()
    assert torch.equal(layer(X), X)
    assert torch.equal(layer(X), layer(X))              # deterministic at inference
    layer.train()
    ours, theirs = d2lite.dropout_layer(X, 0.3), layer(X)
    for out in (ours, theirs):
        kept = out != 0
        assert kept.float().mean().item() == pytest.approx(0.7, abs=0.02)
        torch.testing.assert_close(out[kept], X[kept] / 0.7)
