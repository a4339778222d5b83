"""The batch normalization and ResNet checkers: right answers pass, the usual mistakes get their hint, and
broken code never raises."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from d2lite import check
from d2lite.models import Residual


def verdict(checker, fn, capsys) -> str:
    """Run a checker; return its one printed line (and make sure it returned the matching bool)."""
    ok = checker(fn)
    out = capsys.readouterr().out.strip()
    assert ok == out.startswith("✔ Correct"), out
    return out


# --- batch_norm: the reference solution, then one mistake at a time ------------------------------------------------

def make_batch_norm(*, unbiased_norm=False, batch_stats_at_inference=False, moving_stats_in_training=False,
                    axes=None, no_update=False, biased_moving_var=False, old_weight_momentum=False,
                    swap=False, no_eps=False, fixed_eps=False, fixed_momentum=False, no_detach=False,
                    no_reshape=False, update_at_inference=False):
    """A batch_norm with the mistakes asked for, else correct."""
    def batch_norm(X, gamma, beta, moving_mean, moving_var, *, training, eps=1e-5, momentum=0.1):
        eps = 1e-5 if fixed_eps else eps
        momentum = 0.1 if fixed_momentum else momentum
        dims = axes if axes and max(axes) < X.dim() else ((0,) if X.dim() == 2 else (0, 2, 3))
        shape = (1, -1) if X.dim() == 2 else (1, -1, 1, 1)
        if no_reshape:
            shape = (-1,)
        if training or batch_stats_at_inference:
            mean = X.mean(dim=dims, keepdim=True)
            var = X.var(dim=dims, unbiased=unbiased_norm, keepdim=True)
            if moving_stats_in_training:
                mean, var = moving_mean.reshape(shape), moving_var.reshape(shape)
        else:
            mean, var = moving_mean.reshape(shape), moving_var.reshape(shape)
        X_hat = (X - mean) / (torch.sqrt(var) if no_eps else torch.sqrt(var + eps))
        Y = (beta.reshape(shape) * X_hat + gamma.reshape(shape)) if swap else \
            gamma.reshape(shape) * X_hat + beta.reshape(shape)
        if (training or update_at_inference) and not no_update:
            stat_dims = (0,) if X.dim() == 2 else (0, 2, 3)
            batch_mean = X.mean(dim=stat_dims)
            batch_var = X.var(dim=stat_dims, unbiased=not biased_moving_var)
            if not no_detach:
                batch_mean, batch_var = batch_mean.detach(), batch_var.detach()
            if old_weight_momentum:
                moving_mean = momentum * moving_mean + (1 - momentum) * batch_mean
                moving_var = momentum * moving_var + (1 - momentum) * batch_var
            else:
                moving_mean = (1 - momentum) * moving_mean + momentum * batch_mean
                moving_var = (1 - momentum) * moving_var + momentum * batch_var
        return Y, moving_mean, moving_var
    return batch_norm


def test_batch_norm_accepts_the_reference_and_pytorchs_own(capsys):
    assert verdict(check.batch_norm, make_batch_norm(), capsys).startswith("✔ Correct")

    def with_pytorch(X, gamma, beta, moving_mean, moving_var, *, training, eps=1e-5, momentum=0.1):
        mean, var = moving_mean.clone(), moving_var.clone()
        Y = F.batch_norm(X, mean, var, gamma, beta, training=training, momentum=momentum, eps=eps)
        return Y, mean, var
    assert verdict(check.batch_norm, with_pytorch, capsys).startswith("✔ Correct")


@pytest.mark.parametrize("mistake, hint", [
    (dict(unbiased_norm=True), "normalized with the unbiased variance"),
    (dict(batch_stats_at_inference=True), "at inference (training=False) use the moving averages"),
    (dict(moving_stats_in_training=True), "in training (training=True) use the batch's own mean"),
    (dict(axes=(0, 1, 2, 3)), "one statistic for the whole tensor"),
    (dict(axes=(1,)), "each example's features (dim 1)"),
    (dict(no_update=True), "returned the moving averages unchanged"),
    (dict(biased_moving_var=True), "use the unbiased variance of the batch"),
    (dict(old_weight_momentum=True), "the other meaning of momentum"),
    (dict(swap=True), "gamma and beta are swapped"),
    (dict(no_eps=True), "add eps inside the square root"),
    (dict(fixed_eps=True), "instead of the eps argument"),
    (dict(fixed_momentum=True), "instead of the momentum argument"),
    (dict(no_detach=True), "carry gradients"),
    (dict(no_reshape=True), "reshape them (and your statistics) to (1, C, 1, 1)"),
    (dict(update_at_inference=True), "at inference (training=False) return them unchanged"),
])
def test_batch_norm_names_each_usual_mistake(mistake, hint, capsys):
    out = verdict(check.batch_norm, make_batch_norm(**mistake), capsys)
    assert out.startswith("✘ Not quite") and hint in out, out


def test_batch_norm_conv_axes_mistake(capsys):
    wrong = make_batch_norm()

    def per_pixel(X, *args, **kwargs):
        if X.dim() == 4:                                 # statistics over the batch only: one per pixel
            return make_batch_norm(axes=(0,))(X, *args, **kwargs)
        return wrong(X, *args, **kwargs)
    out = verdict(check.batch_norm, per_pixel, capsys)
    assert "the batch only (dim 0): one statistic per pixel" in out and "dims 0, 2, 3" in out


@pytest.mark.parametrize("broken, expected", [
    (lambda X, gamma, beta, mm, mv, *, training, eps=1e-5, momentum=0.1: None, "Not solved yet"),
    (lambda X, gamma, beta, mm, mv, *, training, eps=1e-5, momentum=0.1: 1 / 0, "ZeroDivisionError"),
    (lambda X, gamma, beta, mm, mv, training, eps, momentum: (X, mm), "should return three things"),
    (lambda X, gamma, beta, mm, mv: (X, mm, mv), "unexpected keyword argument"),
    (lambda X, gamma, beta, mm, mv, **kw: ("Y", mm, mv), "should be a tensor"),
    (lambda X, gamma, beta, mm, mv, **kw: (X[:1], mm, mv), "should have X's shape"),
    (lambda X, gamma, beta, mm, mv, **kw: (X.mul_(2), mm, mv), "changed X in place"),
    (lambda X, gamma, beta, mm, mv, **kw: (X, mm[:1], mv), "one value per channel"),
    ("not a function", "pass your function itself"),
])
def test_batch_norm_broken_code_never_raises(broken, expected, capsys):
    out = verdict(check.batch_norm, broken, capsys)
    assert expected in out, out


# --- residual: the chapter's block and the pre-activation block pass; the usual mistakes fail ---------------------

class PreActResidual(nn.Module):
    """The pre-activation order (BN, ReLU, conv twice, then the skip, no ReLU after the addition)."""
    def __init__(self, in_channels, out_channels, *, use_1x1conv=False, stride=1):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, stride=stride)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride) if use_1x1conv else None

    def forward(self, X):
        Y = self.conv2(F.relu(self.bn2(self.conv1(F.relu(self.bn1(X))))))
        return Y + (X if self.conv3 is None else self.conv3(X))


def broken_residual(kind: str):
    """The chapter's block with one mistake."""
    class Block(Residual):
        def __init__(self, in_channels, out_channels, *, use_1x1conv=False, stride=1):
            nn.Module.__init__(self)
            s1, s3 = (1, stride) if kind == "stride in the 1x1 only" else (stride, stride)
            pad = 0 if kind == "no padding" else 1
            self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=pad, stride=s1)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=pad)
            self.bn2 = nn.BatchNorm2d(out_channels)
            always = kind == "1x1 always"
            self.conv3 = nn.Conv2d(in_channels, out_channels, 1, stride=s3) if use_1x1conv or always else None

        def forward(self, X):
            Y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(X)))))
            if kind == "inplace":
                X = F.relu(X, inplace=True)
            shortcut = X if self.conv3 is None else self.conv3(X)
            if kind == "no skip":
                return F.relu(Y)
            if kind == "skip twice":
                return F.relu(Y + 2 * shortcut)
            if kind == "detached branch":
                return F.relu(Y.detach() + shortcut)
            if kind == "branch unused":
                return F.relu(shortcut)
            return F.relu(Y + shortcut)
    return Block


@pytest.mark.parametrize("block", [Residual, PreActResidual])
def test_residual_accepts_both_orders(block, capsys):
    assert verdict(check.residual, block, capsys).startswith("✔ Correct")


@pytest.mark.parametrize("kind, hint", [
    ("no skip", "is X added to the output"),
    ("skip twice", "adds X twice"),
    ("stride in the 1x1 only", "the first 3×3 convolution should have stride=2"),
    ("no padding", "need padding=1"),
    ("1x1 always", "should not have a 1×1 convolution"),
    ("detached branch", "no gradient reaches the weights of convolution 1"),
    ("branch unused", "returned its input (or its ReLU) unchanged"),
    ("inplace", "changed its input X in place"),
])
def test_residual_names_each_usual_mistake(kind, hint, capsys):
    out = verdict(check.residual, broken_residual(kind), capsys)
    assert out.startswith("✘ Not quite") and hint in out, out


class Unsolved(nn.Module):
    def __init__(self, in_channels, out_channels, *, use_1x1conv=False, stride=1):
        super().__init__()

    def forward(self, X):
        return None  # your code here


class Crashes(nn.Module):
    def __init__(self, in_channels, out_channels, *, use_1x1conv=False, stride=1):
        raise RuntimeError("boom")


class NotAModule:
    def __init__(self, in_channels, out_channels, *, use_1x1conv=False, stride=1):
        pass


@pytest.mark.parametrize("broken, expected", [
    (Unsolved, "Not solved yet"), (Crashes, "raised RuntimeError: boom"), (NotAModule, "should make an nn.Module"),
    (lambda c_in, c_out: nn.Identity(), "unexpected keyword argument"), (3, "pass your function itself"),
])
def test_residual_broken_code_never_raises(broken, expected, capsys):
    out = verdict(check.residual, broken, capsys)
    assert expected in out, out


def _exits(*args, **kwargs):
    raise SystemExit(1)


def _nan(X, *args, **kwargs):
    return torch.full_like(X, float("nan")), args[2], args[3]


@pytest.mark.parametrize("checker", [check.batch_norm, check.residual])
@pytest.mark.parametrize("fn", [_exits, _nan, lambda *a, **k: 42, print], ids=["sys.exit", "nan", "an int", "print"])
def test_misbehaving_code_is_judged_false_without_raising(checker, fn, capsys):
    out = verdict(checker, fn, capsys)
    assert out.startswith(("✘ Not quite: ", "Not solved yet: ")) and out.count("\n") == 0, out


def test_checking_leaves_the_thread_count_and_random_state_as_found(capsys):
    threads = torch.get_num_threads()
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    assert verdict(check.residual, Residual, capsys).startswith("✔ Correct")
    assert verdict(check.batch_norm, make_batch_norm(), capsys).startswith("✔ Correct")
    assert torch.get_num_threads() == threads and torch.equal(torch.rand(3), expected)
