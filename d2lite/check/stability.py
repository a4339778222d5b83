"""Checker for the numerical stability chapter: xavier_std(n_in, n_out)."""
from __future__ import annotations

import math
from typing import Any, Callable

from .harness import Fail, call, checker, fmt, name_of, number


@checker("Xavier's standard deviation is sqrt(2 / (n_in + n_out)).")
def xavier_std(fn: Callable[[int, int], Any]) -> None:
    """Check fn(n_in, n_out) = sqrt(2 / (n_in + n_out)), Xavier's standard deviation (numerical stability chapter)."""
    for case, (n_in, n_out) in enumerate([(100, 300), (784, 256), (1, 1)]):
        shown = f"{name_of(fn, 'xavier_std')}({n_in}, {n_out})"
        got = number(call(fn, n_in, n_out, shown=shown, first=case == 0), shown)
        want = math.sqrt(2 / (n_in + n_out))
        if math.isclose(got, want, rel_tol=1e-4):
            continue
        mistakes = {2 / (n_in + n_out): "that is the variance σ²; return its square root",
                    math.sqrt(2 / n_in): "you used n_in only; Xavier averages fan-in and fan-out",
                    math.sqrt(1 / n_in): "you used n_in only; Xavier averages fan-in and fan-out",
                    math.sqrt(2 / n_out): "you used n_out only; Xavier averages fan-in and fan-out",
                    math.sqrt(6 / (n_in + n_out)): "that is the bound a of Xavier's uniform U(−a, a), not the std",
                    math.sqrt(1 / (n_in + n_out)): "the numerator is 2: σ² = 2 / (n_in + n_out)"}
        why = next((m for value, m in mistakes.items() if math.isclose(got, value, rel_tol=1e-4)), "")
        raise Fail(f"{shown} should be sqrt(2 / {n_in + n_out}) = {want:.4g}, got {fmt(got)}"
                    + (f": {why}" if why else ""))
