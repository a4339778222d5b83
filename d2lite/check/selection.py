"""Checkers for the model selection and underfitting chapters: k_fold(n, k), min_training_mse(x, y, degree)."""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import torch

from .harness import Fail, call, checker, fmt, name_of, number, take


def _indices(obj: Any, n: int, shown: str) -> list[int]:
    """Indices given as a list, range, slice, tensor or array (a boolean mask of length n also works)."""
    if isinstance(obj, slice):
        return list(range(*obj.indices(n)))
    dtype = str(getattr(obj, "dtype", ""))
    if "bool" in dtype and hasattr(obj, "tolist"):
        mask = obj.tolist()
        if len(mask) != n:
            raise Fail(f"{shown} is a boolean mask of length {len(mask)}; expected length n = {n}")
        return [i for i, keep in enumerate(mask) if keep]
    if hasattr(obj, "tolist"):
        obj = obj.tolist()
        obj = obj if isinstance(obj, list) else [obj]
    items = take(obj, n + 1, shown)
    try:
        indices = [operator.index(i) for i in items]
    except TypeError:
        raise Fail(f"{shown} should hold integer indices, got {fmt(items)}") from None
    if len(indices) > n:
        raise Fail(f"{shown} has more than n = {n} indices")
    return indices


@checker("every example is validated exactly once, and each fold trains on all the others.")
def k_fold(fn: Callable[[int, int], Any]) -> None:
    """Check fn(n, k), which yields k pairs (train_idx, val_idx) partitioning range(n) (model selection chapter)."""
    name = name_of(fn, "k_fold")
    for case, (n, k) in enumerate([(10, 5), (7, 3), (12, 4)]):
        shown = f"{name}({n}, {k})"
        folds = take(call(fn, n, k, shown=shown, first=case == 0), k + 1, shown)
        if len(folds) != k:
            more = " or more" if len(folds) > k else ""
            raise Fail(f"{shown} should yield k = {k} (train_idx, val_idx) pairs, it yielded {len(folds)}{more}")
        times_validated, sizes = [0] * n, []
        for i, fold in enumerate(folds):
            where = f"fold {i} of {shown}"
            if not isinstance(fold, (tuple, list)) or len(fold) != 2:
                raise Fail(f"{where} should be a pair (train_idx, val_idx), got {fmt(fold)}")
            train, val = (_indices(part, n, f"{label} of {where}")
                          for part, label in zip(fold, ("train_idx", "val_idx")))
            for label, idx in (("train_idx", train), ("val_idx", val)):
                outside = [j for j in idx if not 0 <= j < n]
                if outside:
                    raise Fail(f"{label} of {where} contains {outside[0]}, outside range({n})")
                if len(set(idx)) != len(idx):
                    raise Fail(f"{label} of {where} lists an index twice: {fmt(idx)}")
            if not val:
                raise Fail(f"val_idx of {where} is empty: each of the k blocks must hold some examples")
            both = sorted(set(train) & set(val))
            if both:
                raise Fail(f"in {where} index {both[0]} is in both train_idx and val_idx: the validation block "
                            "must be held out of training")
            missing = sorted(set(range(n)) - set(train) - set(val))
            if missing:
                raise Fail(f"in {where} index {missing[0]} is in neither train_idx nor val_idx: train on every "
                            "example outside the validation block")
            for j in val:
                times_validated[j] += 1
            sizes.append(len(val))
        for j, times in enumerate(times_validated):
            if times != 1:
                raise Fail(f"with {shown}, example {j} is validated {times} times; each example must be in exactly "
                            f"one validation block" + (" (the last block takes the leftover examples when k does "
                                                       "not divide n)" if times == 0 and n % k else ""))
        if n % k == 0 and set(sizes) != {n // k}:
            raise Fail(f"{shown}: the {k} validation blocks should each hold n / k = {n // k} examples, "
                        f"got sizes {sizes}")


def _lowest_mse(x: torch.Tensor, y: torch.Tensor, powers: range) -> float:
    """The smallest mean squared error of a fit by the given powers of x, in float64 (the expected answer)."""
    X = torch.stack([x.double() ** i for i in powers], dim=1)
    w = torch.linalg.lstsq(X, y.double().unsqueeze(1)).solution
    return float(((X @ w).squeeze(1) - y.double()).pow(2).mean())


@checker("the least-squares weights reach the smallest training MSE, 0 once the polynomial can interpolate.")
def min_training_mse(fn: Callable[[torch.Tensor, torch.Tensor, int], Any]) -> None:
    """Check fn(x, y, degree) = the smallest training MSE of a degree-`degree` polynomial (underfitting chapter)."""
    name = name_of(fn, "min_training_mse")
    x = torch.linspace(-1, 1, 9)
    y = torch.tensor([0.3, -0.5, 0.8, 0.1, -0.2, 0.9, 0.4, -0.7, 0.6])
    for case, degree in enumerate([2, 0, 8]):
        shown = f"{name}(x, y, {degree})"
        out = call(fn, x.clone(), y.clone(), degree, shown=shown, first=case == 0)
        if isinstance(out, torch.Tensor) and out.numel() == degree + 1 > 1:
            raise Fail(f"{shown} returned {degree + 1} numbers, the weights it seems; return the training MSE "
                       "they reach, one number")
        got = number(out, shown)
        want = _lowest_mse(x, y, range(degree + 1))
        if degree == 8:
            if not abs(got) < 1e-6:
                raise Fail(f"with 9 examples a degree-8 polynomial passes through every one, so {shown} should be "
                           f"0 (up to rounding), got {fmt(got)}: solve with torch.linalg.lstsq, in float64 if "
                           "rounding is the problem")
            continue
        if math.isclose(got, want, rel_tol=1e-4):
            continue
        mistakes = {len(y) * want: "that is the sum of the squared errors; take their mean",
                    want / 2: "that is half the mean squared error; drop the ½",
                    math.sqrt(want): "that is the root of the mean squared error; do not take the square root"}
        if degree > 0:
            mistakes[_lowest_mse(x, y, range(1, degree + 1))] = "the features start at x¹: include x⁰ = 1 too"
            mistakes[_lowest_mse(x, y, range(degree))] = (f"a degree-{degree} polynomial has {degree + 1} "
                                                          f"weights, for x⁰ up to x^{degree}")
        why = next((m for value, m in mistakes.items() if math.isclose(got, value, rel_tol=1e-4)), "")
        raise Fail(f"for 9 examples and degree {degree} the smallest training MSE is {want:.4g}, got {fmt(got)}"
                   + (f": {why}" if why else ""))
