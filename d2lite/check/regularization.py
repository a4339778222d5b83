"""Checkers for the weight decay and dropout chapters: l2_penalty(w), dropout_layer(X, p)."""
from __future__ import annotations

import math
from typing import Any, Callable

import torch

from .harness import Fail, call, checker, fmt, name_of, number


@checker("the penalty is ‖w‖²/2, a tensor whose gradient is w.")
def l2_penalty(fn: Callable[[torch.Tensor], Any]) -> None:
    """Check fn(w) = ‖w‖²/2 = sum of w² over all entries, halved (weight decay chapter)."""
    name = name_of(fn, "l2_penalty")
    w = torch.tensor([1.0, -2.0, 3.0])
    got = number(call(fn, w.clone(), shown=f"{name}(w)", first=True), f"{name}(w)")
    squares = float((w ** 2).sum())                       # 14
    mistakes = {squares: "you forgot the ½", float(w.abs().sum()): "that is the L1 norm ∑|wᵢ|; square the entries",
                float(w.abs().sum()) / 2: "that is half the L1 norm; square the entries instead of taking |wᵢ|",
                math.sqrt(squares): "that is ‖w‖ itself; the penalty uses its square, halved",
                math.sqrt(squares) / 2: "that is ‖w‖/2; the penalty uses the square of the norm"}
    if not math.isclose(got, squares / 2, rel_tol=1e-5):
        why = next((m for value, m in mistakes.items() if math.isclose(got, value, rel_tol=1e-5)), "")
        raise Fail(f"for w = [1, -2, 3] expected (1 + 4 + 9)/2 = 7, got {fmt(got)}" + (f": {why}" if why else ""))
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = call(fn, W, shown=f"{name}(W)")
    got = number(out, f"{name}(W) for a 2×2 matrix W (the sum over all its entries)")
    if not math.isclose(got, 15.0, rel_tol=1e-5):
        raise Fail(f"for the matrix W = [[1, 2], [3, 4]] expected (1 + 4 + 9 + 16)/2 = 15, got {fmt(got)}: "
                    "sum the squares of all entries, whatever the shape")
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        raise Fail(f"{name}(W) returned {type(out).__name__} {fmt(out)}, which autograd cannot differentiate: "
                    "return a tensor computed from w (no .item(), float() or numpy)")
    out.reshape(()).backward()
    if W.grad is None or not torch.allclose(W.grad, W.detach()):
        raise Fail(f"the gradient of ‖W‖²/2 with respect to W should be W itself = [[1, 2], [3, 4]], "
                    f"got {fmt(W.grad)}")


# --- Dropout -------------------------------------------------------------------------------------------------------

def _dropout_out(fn: Callable, X: torch.Tensor, p: float, first: bool = False) -> torch.Tensor:
    """fn(X, p) as a float tensor of X's shape, else a hint."""
    shown = f"{name_of(fn, 'dropout_layer')}(X, {p})"
    out = call(fn, X, p, shown=shown, first=first)
    if not isinstance(out, torch.Tensor):
        raise Fail(f"{shown} should return a tensor like X, got {type(out).__name__} {fmt(out)}")
    if out.shape != X.shape:
        raise Fail(f"{shown} should return a tensor of X's shape {tuple(X.shape)}, got shape {tuple(out.shape)}")
    return out.detach().to(torch.float32)


@checker("elements are zeroed with probability p and the rest scaled by 1/(1 − p); the mean is kept.")
def dropout_layer(fn: Callable[[torch.Tensor, float], Any]) -> None:
    """Check fn(X, p): each element is 0 with probability p, else x/(1 − p), a new mask per call (dropout chapter)."""
    X = torch.linspace(0.5, 1.5, 1000).reshape(10, 100)
    before = X.clone()
    _dropout_out(fn, X, 0.5, first=True)
    if not torch.equal(X, before):
        raise Fail(f"{name_of(fn, 'dropout_layer')}(X, 0.5) changed X in place; build a new tensor instead, "
                    "e.g. mask * X / (1 - p)")

    p = 0.2
    out = _dropout_out(fn, X, p)
    kept = out != 0
    wrong = ~torch.isclose(out[kept], X[kept] / (1 - p), rtol=1e-4)
    if wrong.any():
        x, y = X[kept][wrong][0].item(), out[kept][wrong][0].item()
        why = (": you kept the value without rescaling by 1/(1 − p)" if math.isclose(x, y, rel_tol=1e-4) else "")
        raise Fail(f"with p = {p} every element x must become 0 or x/(1 − p); x = {x:.4g} became {y:.4g}, "
                    f"expected 0 or {x / (1 - p):.4g}{why}")

    ones = torch.ones(200, 500)
    for p in (0.2, 0.7):
        out = _dropout_out(fn, ones, p)
        zeroed = (out == 0).float().mean().item()
        if abs(zeroed - p) > 0.02:
            flipped = abs(zeroed - (1 - p)) < 0.02
            why = ": did you keep elements with probability p instead of 1 − p?" if flipped else ""
            raise Fail(f"with p = {p} about {p:.0%} of the elements should be zero, but {zeroed:.1%} of "
                        f"100,000 were{why}")
        mean = out.mean().item()
        if not abs(mean - 1) < 0.03:
            raise Fail(f"dropout must be unbiased, E[dropout(x)] = x: on 100,000 ones with p = {p} the mean "
                        f"should be about 1, got {mean:.4g}")

    out = _dropout_out(fn, X, 0.0)
    if not torch.allclose(out, X):
        raise Fail(f"with p = 0 nothing is dropped, so the output must equal X; instead "
                    f"{(~torch.isclose(out, X)).float().mean().item():.0%} of the elements changed")
    out = _dropout_out(fn, X, 1.0)
    if not torch.equal(out, torch.zeros_like(out)):
        bad = out[out != 0][0].item()
        hint = " (dividing by 1 − p = 0 gives nan/inf: handle p = 1 separately)" if not math.isfinite(bad) else ""
        raise Fail(f"with p = 1 every element is dropped, so the output must be all zeros; got {bad:.4g}{hint}")

    masks = [_dropout_out(fn, ones[:10], 0.5) == 0 for _ in range(2)]
    if torch.equal(*masks):
        raise Fail(f"two calls of {name_of(fn, 'dropout_layer')}(X, 0.5) dropped exactly the same elements: draw a new "
                    "random mask on every call (do not fix a seed inside the function)")
