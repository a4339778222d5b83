"""Checkers for the batch normalization and ResNet chapters: batch_norm(...) and a residual block class."""
from __future__ import annotations

import functools
from typing import Any, Callable

import torch
from torch import nn

from .harness import Fail, NotSolved, call, checker, fmt, name_of, short

# --- Batch normalization ------------------------------------------------------------------------------------------

def _norm(X: torch.Tensor, mean: torch.Tensor, var: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor,
          eps: float) -> torch.Tensor:
    """gamma * (X - mean) / sqrt(var + eps) + beta, with (C,) statistics broadcast over X's channel axis."""
    shape = (1, -1) + (1,) * (X.dim() - 2)
    return gamma.reshape(shape) * (X - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps) \
        + beta.reshape(shape)


def _stats(X: torch.Tensor, axes: tuple[int, ...], unbiased: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance over `axes`, one per channel (C,)."""
    return X.mean(dim=axes).flatten(), X.var(dim=axes, unbiased=unbiased).flatten()


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=1e-4, atol=1e-5))


def _bn_outputs(out: Any, X: torch.Tensor, shown: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The student's (Y, moving_mean, moving_var) as detached float tensors: Y of X's shape, (C,) statistics."""
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise Fail(f"{shown} should return three things, (Y, moving_mean, moving_var); got {fmt(out)}")
    Y, mean, var = out
    for name, value in (("Y", Y), ("moving_mean", mean), ("moving_var", var)):
        if not isinstance(value, torch.Tensor):
            raise Fail(f"the {name} returned by {shown} should be a tensor, got {type(value).__name__} {fmt(value)}")
    if Y.shape != X.shape:
        raise Fail(f"the Y returned by {shown} should have X's shape {tuple(X.shape)}, got {tuple(Y.shape)}")
    for name, value in (("moving_mean", mean), ("moving_var", var)):
        if value.numel() != X.shape[1]:
            raise Fail(f"the {name} returned by {shown} should hold one value per channel ({X.shape[1]}), "
                       f"got shape {tuple(value.shape)}")
    return Y.detach().double(), mean.detach().double().flatten(), var.detach().double().flatten()


def _run_bn(fn: Callable, X: torch.Tensor, params: tuple[torch.Tensor, ...], training: bool, eps: float,
            momentum: float, first: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, str]:
    """Call the student's fn on copies of the inputs; check it changed none of them in place."""
    kind = "(N, D)" if X.dim() == 2 else "(N, C, H, W)"
    shown = (f"{name_of(fn, 'batch_norm')}(X, gamma, beta, moving_mean, moving_var, training={training}, "
             f"eps={eps:g}, momentum={momentum:g}) with a {kind} X of shape {tuple(X.shape)}")
    X_in = X.clone()
    args = [X_in] + [p.clone() for p in params]
    try:
        out = call(functools.partial(fn, training=training, eps=eps, momentum=momentum), *args, shown=shown,
                   first=first)
    except Fail as hint:
        if X.dim() == 4 and "must match the size" in str(hint):
            raise Fail(f"{hint}. gamma, beta and the moving averages have shape (C,): reshape them (and your "
                       "statistics) to (1, C, 1, 1) so that they broadcast over a (N, C, H, W) input") from None
        raise
    if not torch.equal(X_in, X):
        raise Fail(f"{shown} changed X in place; compute a new tensor instead")
    return (*_bn_outputs(out, X, shown), shown)


def _explain_y(Y: torch.Tensor, X: torch.Tensor, params: tuple[torch.Tensor, ...], training: bool, eps: float,
               shown: str) -> None:
    """Compare Y with the right answer; if it differs, name the mistake it matches."""
    gamma, beta, moving_mean, moving_var = params
    axes = (0,) if X.dim() == 2 else (0, 2, 3)
    batch = _stats(X, axes, unbiased=False)
    used = batch if training else (moving_mean, moving_var)          # the statistics this mode must use
    want = _norm(X, *used, gamma, beta, eps)
    if _close(Y, want):
        return
    if torch.isnan(Y).any() and not torch.isnan(want).any():
        raise Fail(f"{shown} returned nan where no value is undefined: a channel whose values are all equal has "
                   "variance 0, so add eps inside the square root, sqrt(var + eps)")
    guesses = [
        (_norm(X, *_stats(X, axes, unbiased=True), gamma, beta, eps), "you normalized with the unbiased variance "
         "(dividing by n − 1); normalize with the batch's biased variance (unbiased=False, dividing by n). PyTorch "
         "uses the unbiased variance only for the moving average"),
        (_norm(X, moving_mean, moving_var, gamma, beta, eps), "you normalized with the moving averages; in "
         "training (training=True) use the batch's own mean and variance"),
        (_norm(X, *batch, gamma, beta, eps), "you normalized with the batch's statistics; at inference "
         "(training=False) use the moving averages, so that a prediction does not depend on the other examples"),
        (_norm(X, *used, beta, gamma, eps), "gamma and beta are swapped: Y = gamma * X_hat + beta"),
        (_norm(X, *used, torch.ones_like(gamma), torch.zeros_like(beta), eps),
         "you normalized but did not scale by gamma and shift by beta: Y = gamma * X_hat + beta"),
        (_norm(X, *used, gamma, beta, 1e-5), f"you used eps = 1e-5 instead of the eps argument ({eps:g})"),
        (_norm(X, used[0], used[1].sqrt(), gamma, beta, eps),
         "you divided by the variance's square root twice, or by the variance itself; divide by sqrt(var + eps)"),
    ]
    right = "the batch, height and width (dims 0, 2, 3)" if X.dim() == 4 else "the batch (dim 0)"
    wrong_axes = ([((0,), "the batch only (dim 0): one statistic per pixel"),
                   ((0, 1, 2, 3), "every axis: one statistic for the whole tensor"),
                   ((1, 2, 3), "each example's channels and pixels (dims 1, 2, 3)"),
                   ((2, 3), "each example's height and width only (dims 2, 3)")] if X.dim() == 4 else
                  [((1,), "each example's features (dim 1)"), ((0, 1), "every axis")])
    shape = (1, -1) + (1,) * (X.dim() - 2)
    for dims, what in wrong_axes:
        mean, var = X.mean(dim=dims, keepdim=True), X.var(dim=dims, unbiased=False, keepdim=True)
        guess = gamma.reshape(shape) * (X - mean) / torch.sqrt(var + eps) + beta.reshape(shape)
        guesses.append((guess, f"you took the statistics over {what}; take them over {right}, one mean and one "
                               "variance per channel"))
    why = next((m for guess, m in guesses if _close(Y, guess)), "")
    mode = "in training" if training else "at inference"
    raise Fail(f"{shown}: Y is wrong {mode}" + (f": {why}" if why else
                                                 f" (largest difference {(Y - want).abs().max().item():.3g})"))


def _explain_moving(mean: torch.Tensor, var: torch.Tensor, X: torch.Tensor, params: tuple[torch.Tensor, ...],
                    training: bool, momentum: float, shown: str) -> None:
    """The moving averages: updated PyTorch's way in training, unchanged at inference."""
    _, _, old_mean, old_var = params
    if not training:
        if not (_close(mean, old_mean) and _close(var, old_var)):
            raise Fail(f"{shown} changed the moving averages; at inference (training=False) return them unchanged: "
                       "only training updates them")
        return
    if _close(mean, old_mean) and _close(var, old_var):
        raise Fail(f"{shown} returned the moving averages unchanged; in training move them towards the batch's "
                   "statistics: moving = (1 − momentum) · moving + momentum · batch statistic")
    axes = (0,) if X.dim() == 2 else (0, 2, 3)
    batch_mean, biased = _stats(X, axes, unbiased=False)
    unbiased = _stats(X, axes, unbiased=True)[1]
    for name, got, old, new, other in (("moving_mean", mean, old_mean, batch_mean, None),
                                       ("moving_var", var, old_var, unbiased, biased)):
        if _close(got, (1 - momentum) * old + momentum * new):
            continue
        guesses = [(momentum * old + (1 - momentum) * new, "that is the other meaning of momentum (the weight of "
                    "the old value); in PyTorch momentum is the weight of the new batch"),
                   (0.9 * old + 0.1 * new, f"you used momentum 0.1 instead of the momentum argument ({momentum:g})")]
        if other is not None:
            guesses.insert(0, ((1 - momentum) * old + momentum * other, "use the unbiased variance of the batch "
                               "(dividing by n − 1) for the moving average, as PyTorch does; normalizing uses the "
                               "biased one"))
        why = next((m for guess, m in guesses if _close(got, guess)), "")
        raise Fail(f"{shown}: the new {name} is wrong: " + (why or f"{name} = (1 − momentum) · {name} + momentum · "
                                                             f"(the batch's {name[7:]})"))


def _bn_case(fn: Callable, X: torch.Tensor, training: bool, eps: float = 1e-5, momentum: float = 0.1,
             first: bool = False) -> None:
    """One call: Y and the moving averages against the written-out answers, with a hint for a known mistake."""
    g = torch.Generator().manual_seed(X.shape[1])
    C = X.shape[1]
    params = (torch.rand(C, generator=g, dtype=X.dtype) + 0.5, torch.rand(C, generator=g, dtype=X.dtype) - 0.5,
              torch.rand(C, generator=g, dtype=X.dtype) * 2 - 1, torch.rand(C, generator=g, dtype=X.dtype) + 0.5)
    Y, mean, var, shown = _run_bn(fn, X, params, training, eps, momentum, first)
    Xd, pd = X.double(), tuple(p.double() for p in params)
    _explain_y(Y, Xd, pd, training, eps, shown)
    _explain_moving(mean, var, Xd, pd, training, momentum, shown)


@checker("batch statistics in training, moving averages at inference, PyTorch's momentum and variances.")
def batch_norm(fn: Callable[..., Any]) -> None:
    """Check fn(X, gamma, beta, moving_mean, moving_var, *, training, eps, momentum) -> (Y, moving_mean,
    moving_var) against nn.BatchNorm1d/2d's rules, for (N, D) and (N, C, H, W) inputs (batch normalization chapter)."""
    torch.set_num_threads(1)             # tiny tensors: more threads only wait on each other (keep_state restores)
    g = torch.Generator().manual_seed(0)
    X2 = torch.randn(8, 3, generator=g) * torch.tensor([2.0, 0.5, 1.0]) + torch.tensor([1.0, -2.0, 0.0])
    X4 = torch.randn(4, 3, 5, 6, generator=g) * 1.5 + 0.5
    _bn_case(fn, X2, training=True, first=True)
    _bn_case(fn, X2, training=False)
    _bn_case(fn, X4, training=True)
    _bn_case(fn, X4, training=False)
    constant = X2.clone()
    constant[:, 1] = 0.7                                            # a feature with variance 0: eps matters
    _bn_case(fn, constant, training=True)
    _bn_case(fn, X2, training=True, momentum=0.5, eps=1e-3)        # momentum and eps are the arguments
    _bn_case(fn, X4[:1], training=False)                            # one image at inference is fine
    X_grad = X4.clone().requires_grad_()
    out = call(functools.partial(fn, training=True, eps=1e-5, momentum=0.1), X_grad, torch.ones(3),
               torch.zeros(3), torch.zeros(3), torch.ones(3), shown="batch_norm with an X that requires grad")
    if isinstance(out, (tuple, list)) and len(out) == 3 and any(
            isinstance(t, torch.Tensor) and t.requires_grad for t in out[1:]):
        raise Fail("the moving averages you return carry gradients (requires_grad=True), so every training step "
                   "would add to one ever-growing graph: compute them under `with torch.no_grad():` or from "
                   "mean.detach() and var.detach()")


# --- ResNet: a residual block ----------------------------------------------------------------------------------------

def _make(cls: Any, c_in: int, c_out: int, use_1x1conv: bool, stride: int) -> tuple[nn.Module, str]:
    shown = f"{name_of(cls, 'Residual')}({c_in}, {c_out}, use_1x1conv={use_1x1conv}, stride={stride})"
    block = call(functools.partial(cls, c_in, c_out, use_1x1conv=use_1x1conv, stride=stride), shown=shown)
    if not isinstance(block, nn.Module):
        raise Fail(f"{shown} should make an nn.Module (class {name_of(cls, 'Residual')}(nn.Module)), "
                   f"got {type(block).__name__}")
    return block, shown


def _forward(block: nn.Module, X: torch.Tensor, shown: str, first: bool = False) -> torch.Tensor:
    X_in = X.clone()
    out = call(block, X_in, shown=f"{shown} applied to an input of shape {tuple(X.shape)}", first=first)
    if not isinstance(out, torch.Tensor):
        raise Fail(f"{shown} applied to an input returned {type(out).__name__}, not a tensor")
    if not torch.equal(X_in, X):
        raise Fail(f"{shown} changed its input X in place (an in-place ReLU on X?); the skip connection needs X "
                   "unchanged: use F.relu(...) or nn.ReLU() without inplace=True on X")
    return out


def _convs(block: nn.Module, c_in: int, c_out: int, use_1x1conv: bool, stride: int, shown: str) -> list[nn.Conv2d]:
    """Two 3x3 convolutions (c_in -> c_out, c_out -> c_out, one of them with the stride), a 1x1 one iff asked."""
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    three = [m for m in convs if m.kernel_size == (3, 3)]
    ones = [m for m in convs if m.kernel_size == (1, 1)]
    if len(three) != 2 or len(convs) != len(three) + len(ones):
        raise Fail(f"{shown} should have two 3×3 convolutions (plus one 1×1 convolution when use_1x1conv=True), "
                   f"it has {len(three)} 3×3 and {len(convs) - len(three)} other convolutions")
    pairs = sorted((m.in_channels, m.out_channels) for m in three)
    if pairs != sorted([(c_in, c_out), (c_out, c_out)]):
        raise Fail(f"the 3×3 convolutions of {shown} should map {c_in} → {c_out} and then {c_out} → {c_out} "
                   f"channels; yours map {', '.join(f'{a} → {b}' for a, b in pairs)}")
    if any(m.padding != (1, 1) for m in three):
        raise Fail(f"the 3×3 convolutions of {shown} need padding=1, so that they keep height and width")
    if sorted(m.stride for m in three) != sorted([(stride, stride), (1, 1)]):
        raise Fail(f"in {shown} the first 3×3 convolution should have stride={stride} and the second stride=1; "
                   f"yours have strides {[m.stride[0] for m in three]}")
    if use_1x1conv != bool(ones):
        raise Fail(f"{shown} should {'have' if use_1x1conv else 'not have'} a 1×1 convolution on the skip "
                   f"connection: it is there only when use_1x1conv=True")
    if ones and (ones[0].in_channels, ones[0].out_channels, ones[0].stride) != (c_in, c_out, (stride, stride)):
        raise Fail(f"the 1×1 convolution of {shown} should map {c_in} → {c_out} channels with stride={stride}, "
                   f"so that X takes the output's shape")
    if sum(isinstance(m, nn.BatchNorm2d) for m in block.modules()) != 2:
        raise Fail(f"{shown} should have two nn.BatchNorm2d layers, one for each 3×3 convolution")
    return three + ones


def _check_skip(block: nn.Module, convs: list[nn.Conv2d], X: torch.Tensor, shown: str) -> None:
    """With the 3x3 convolutions zeroed the residual branch is 0, so the block returns X (mapped by the 1x1 conv)."""
    with torch.no_grad():
        for conv in convs[:2]:
            conv.weight.zero_()
            if conv.bias is not None:
                conv.bias.zero_()
        skip = convs[2](X) if len(convs) == 3 else X
    out = _forward(block.train(), X, shown).detach()     # training mode: batch norm of zeros is beta = 0
    if _close(out, skip) or _close(out, torch.relu(skip)):
        return
    if _close(out, 2 * skip) or _close(out, torch.relu(2 * skip)):
        raise Fail(f"{shown} adds X twice: with its 3×3 convolutions set to zero it returned 2·X")
    raise Fail(f"with the 3×3 convolutions of {shown} set to zero the residual branch gives 0, so the block should "
               f"return {'X mapped by the 1×1 convolution' if len(convs) == 3 else 'its input X'} (or its ReLU); "
               "it did not: is X added to the output of the two convolutions (the skip connection)?")


def _residual_case(cls: Any, c_in: int, c_out: int, use_1x1conv: bool, stride: int, side: int,
                   first: bool = False) -> None:
    block, shown = _make(cls, c_in, c_out, use_1x1conv, stride)
    X = torch.randn(2, c_in, side, side, generator=torch.Generator().manual_seed(side))
    try:
        out = _forward(block.train(), X, shown, first=first)
    except Fail as hint:
        if isinstance(hint, NotSolved):
            raise
        _convs(block, c_in, c_out, use_1x1conv, stride, shown)    # a more precise hint, if the layers say why
        if "must match the size" in str(hint):
            raise Fail(f"{hint}. The output of the convolutions and X (through the 1×1 convolution when there is "
                       "one) must have the same shape to be added: check the strides and paddings") from None
        raise
    out_side = (side - 1) // stride + 1
    if tuple(out.shape) != (2, c_out, out_side, out_side):
        raise Fail(f"{shown} should map an input of shape {tuple(X.shape)} to {(2, c_out, out_side, out_side)}, "
                   f"got {tuple(out.shape)}")
    convs = _convs(block, c_in, c_out, use_1x1conv, stride, shown)
    if not use_1x1conv and (_close(out.detach(), torch.relu(X)) or _close(out.detach(), X)):
        raise Fail(f"{shown} returned its input (or its ReLU) unchanged: add the output of the two convolutions "
                   "to X")
    weights = torch.rand(out.shape, generator=torch.Generator().manual_seed(0))
    if out.requires_grad:                                      # random weights: a plain sum of BN outputs is flat
        try:
            (out.float() * weights).sum().backward()
        except Exception as error:
            raise Fail(f"backpropagating through {shown} raised {short(error)}") from None
    missing = [i for i, conv in enumerate(convs) if conv.weight.grad is None or not conv.weight.grad.abs().sum() > 0]
    if missing:
        raise Fail(f"in {shown} no gradient reaches the weights of convolution {missing[0] + 1} of {len(convs)}: "
                   "is its output used (and not detached) in forward?")
    _check_skip(block, convs, X, shown)


@checker("the shapes, strides, 1×1 convolution and skip connection of a residual block.")
def residual(cls: Callable[..., Any]) -> None:
    """Check a residual block class cls(in_channels, out_channels, *, use_1x1conv=False, stride=1): shapes, the
    convolutions and batch norms, gradients to every convolution, and Y = f(X) + X (post- or pre-activation)
    (ResNet chapter)."""
    torch.set_num_threads(1)             # tiny tensors: more threads only wait on each other (keep_state restores)
    _residual_case(cls, 4, 4, False, 1, 6, first=True)
    _residual_case(cls, 3, 6, True, 2, 8)
    _residual_case(cls, 4, 4, True, 1, 5)
    _residual_case(cls, 3, 5, True, 2, 7)
    _residual_case(cls, 2, 2, False, 1, 3)
