"""Checkers for the coding exercises: `d2lite.check.NAME(your_function)` (every chapter's Exercises section).

Each checker runs your function on a few concrete inputs and prints one line:
  "✔ Correct: ..."           when every test passes (it returns True);
  "✘ Not quite: ..."         with one hint, what was expected and what came back, on a concrete input (False);
  "Not solved yet: ..."      when your function still returns None, as the stub does (False).
A checker never raises, whatever your code does, and leaves the random generators as it found them.
The expected answers are written out here, independent of the rest of d2lite.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import math
import operator
import random
import signal
import threading
from typing import Any, Callable, Iterator

import torch
from torch import nn

__all__ = ["alexnet", "dropout_layer", "k_fold", "l2_penalty", "lenet", "nin_block", "vgg_block", "xavier_std"]

TIME_LIMIT = 60.0     # seconds a whole check may take before it counts as an endless loop


# --- The machinery: run the student's code safely, turn every problem into one hint --------------------------------

class _Fail(Exception):
    """A wrong answer; the message is the hint shown to the student."""


class _NotSolved(Exception):
    """The function returned None, as the unsolved stub does."""


def _short(error: BaseException) -> str:
    """An exception as 'TypeError: message', cut to a readable length."""
    try:
        text = f"{type(error).__name__}: {error}"
    except Exception:                       # an exception whose message itself fails
        text = type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _fmt(value: Any) -> str:
    """A value as it reads in a hint: floats with 4 significant digits, tensors by shape when large."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, torch.Tensor):
        if value.numel() == 1:
            return f"tensor({value.item():.4g})"
        if value.numel() > 8:
            return f"a tensor of shape {tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _call(fn: Callable, *args: Any, shown: str, first: bool = False) -> Any:
    """Run the student's fn(*args); `shown` is the call as the hint writes it, e.g. 'l2_penalty(w)'.

    An exception becomes a hint; None becomes "not solved yet" on a checker's first call (the stub's
    `return None`), and a hint about a missing `return` on later calls.
    """
    try:
        out = fn(*args)
    except (KeyboardInterrupt, _Fail):
        raise
    except BaseException as error:          # anything the student's code does, SystemExit included
        raise _Fail(f"{shown} raised {_short(error)}") from None
    if out is None:
        if first:
            raise _NotSolved(f"{shown} returned None. Replace `return None` in your function with your code, "
                             "run that cell, then run this one again.")
        raise _Fail(f"{shown} returned None: does every branch of your function end with a `return`?")
    return out


def _name(fn: Any, default: str) -> str:
    """The student's function name for hints (e.g. 'my_lenet'); `default` for lambdas and other objects."""
    name = getattr(fn, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else default


def _take(items: Any, limit: int, shown: str) -> list:
    """At most `limit` items of an iterable (bounded, so an endless generator cannot hang the check)."""
    try:
        return list(itertools.islice(iter(items), limit))
    except (KeyboardInterrupt, _Fail):
        raise
    except TypeError:
        raise _Fail(f"{shown} should be iterable, but it is a {type(items).__name__}: {_fmt(items)}") from None
    except BaseException as error:
        raise _Fail(f"iterating over {shown} raised {_short(error)}") from None


def _number(value: Any, shown: str) -> float:
    """A single number (int, float, 0-d or 1-element tensor or array) as a float, else a hint."""
    if isinstance(value, bool):
        raise _Fail(f"{shown} should be a number, got the bool {value}")
    if isinstance(value, (int, float)):
        return float(value)
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    count = numel() if callable(numel) else numel
    if count == 1 and hasattr(value, "item"):
        return float(value.item())
    raise _Fail(f"{shown} should be a single number, got {type(value).__name__} {_fmt(value)}")


@contextlib.contextmanager
def _keep_random_state() -> Iterator[None]:
    """Restore torch's and Python's random generators afterwards, so checking does not change later results."""
    state = random.getstate()
    with torch.random.fork_rng(devices=[]):
        try:
            yield
        finally:
            random.setstate(state)


class _TooSlow(_Fail):
    """The student's code ran past TIME_LIMIT."""


@contextlib.contextmanager
def _time_limit(seconds: float, name: str) -> Iterator[None]:
    """Stop the check after `seconds` (an endless loop); only where SIGALRM exists and in the main thread."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise _TooSlow(f"checking your {name} took more than {seconds:.0f} s: is there an endless loop?")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _checker(success: str) -> Callable[[Callable[[Any], None]], Callable[[Any], bool]]:
    """Turn a body that raises _Fail/_NotSolved into a checker that prints one line and returns True/False."""
    def wrap(body: Callable[[Any], None]) -> Callable[[Any], bool]:
        @functools.wraps(body)
        def check(fn: Any) -> bool:
            try:
                if not callable(fn):
                    raise _Fail(f"pass your function itself, e.g. check.{body.__name__}({body.__name__}), "
                                f"not its result; got {type(fn).__name__} {_fmt(fn)}")
                with _keep_random_state(), _time_limit(TIME_LIMIT, body.__name__):
                    body(fn)
            except KeyboardInterrupt:
                raise
            except _NotSolved as message:
                print(f"Not solved yet: {message}")
                return False
            except _Fail as hint:
                print(f"✘ Not quite: {hint}")
                return False
            except BaseException as error:   # the student's object misbehaved somewhere unexpected
                print(f"✘ Not quite: checking your {body.__name__} failed with {_short(error)}")
                return False
            print(f"✔ Correct: {success}")
            return True
        return check
    return wrap


# --- Model selection: k-fold cross-validation ----------------------------------------------------------------------

def _indices(obj: Any, n: int, shown: str) -> list[int]:
    """Indices given as a list, range, slice, tensor or array (a boolean mask of length n also works)."""
    if isinstance(obj, slice):
        return list(range(*obj.indices(n)))
    dtype = str(getattr(obj, "dtype", ""))
    if "bool" in dtype and hasattr(obj, "tolist"):
        mask = obj.tolist()
        if len(mask) != n:
            raise _Fail(f"{shown} is a boolean mask of length {len(mask)}; expected length n = {n}")
        return [i for i, keep in enumerate(mask) if keep]
    if hasattr(obj, "tolist"):
        obj = obj.tolist()
        obj = obj if isinstance(obj, list) else [obj]
    items = _take(obj, n + 1, shown)
    try:
        indices = [operator.index(i) for i in items]
    except TypeError:
        raise _Fail(f"{shown} should hold integer indices, got {_fmt(items)}") from None
    if len(indices) > n:
        raise _Fail(f"{shown} has more than n = {n} indices")
    return indices


@_checker("every example is validated exactly once, and each fold trains on all the others.")
def k_fold(fn: Callable[[int, int], Any]) -> None:
    """Check fn(n, k), which yields k pairs (train_idx, val_idx) partitioning range(n) (model selection chapter)."""
    name = _name(fn, "k_fold")
    for case, (n, k) in enumerate([(10, 5), (7, 3), (12, 4)]):
        shown = f"{name}({n}, {k})"
        folds = _take(_call(fn, n, k, shown=shown, first=case == 0), k + 1, shown)
        if len(folds) != k:
            more = " or more" if len(folds) > k else ""
            raise _Fail(f"{shown} should yield k = {k} (train_idx, val_idx) pairs, it yielded {len(folds)}{more}")
        times_validated, sizes = [0] * n, []
        for i, fold in enumerate(folds):
            where = f"fold {i} of {shown}"
            if not isinstance(fold, (tuple, list)) or len(fold) != 2:
                raise _Fail(f"{where} should be a pair (train_idx, val_idx), got {_fmt(fold)}")
            train, val = (_indices(part, n, f"{label} of {where}")
                          for part, label in zip(fold, ("train_idx", "val_idx")))
            for label, idx in (("train_idx", train), ("val_idx", val)):
                outside = [j for j in idx if not 0 <= j < n]
                if outside:
                    raise _Fail(f"{label} of {where} contains {outside[0]}, outside range({n})")
                if len(set(idx)) != len(idx):
                    raise _Fail(f"{label} of {where} lists an index twice: {_fmt(idx)}")
            if not val:
                raise _Fail(f"val_idx of {where} is empty: each of the k blocks must hold some examples")
            both = sorted(set(train) & set(val))
            if both:
                raise _Fail(f"in {where} index {both[0]} is in both train_idx and val_idx: the validation block "
                            "must be held out of training")
            missing = sorted(set(range(n)) - set(train) - set(val))
            if missing:
                raise _Fail(f"in {where} index {missing[0]} is in neither train_idx nor val_idx: train on every "
                            "example outside the validation block")
            for j in val:
                times_validated[j] += 1
            sizes.append(len(val))
        for j, times in enumerate(times_validated):
            if times != 1:
                raise _Fail(f"with {shown}, example {j} is validated {times} times; each example must be in exactly "
                            f"one validation block" + (" (the last block takes the leftover examples when k does "
                                                       "not divide n)" if times == 0 and n % k else ""))
        if n % k == 0 and set(sizes) != {n // k}:
            raise _Fail(f"{shown}: the {k} validation blocks should each hold n / k = {n // k} examples, "
                        f"got sizes {sizes}")


# --- Weight decay: the L2 penalty ----------------------------------------------------------------------------------

@_checker("the penalty is ‖w‖²/2, a tensor whose gradient is w.")
def l2_penalty(fn: Callable[[torch.Tensor], Any]) -> None:
    """Check fn(w) = ‖w‖²/2 = sum of w² over all entries, halved (weight decay chapter)."""
    name = _name(fn, "l2_penalty")
    w = torch.tensor([1.0, -2.0, 3.0])
    got = _number(_call(fn, w.clone(), shown=f"{name}(w)", first=True), f"{name}(w)")
    squares = float((w ** 2).sum())                       # 14
    mistakes = {squares: "you forgot the ½", float(w.abs().sum()): "that is the L1 norm ∑|wᵢ|; square the entries",
                float(w.abs().sum()) / 2: "that is half the L1 norm; square the entries instead of taking |wᵢ|",
                math.sqrt(squares): "that is ‖w‖ itself; the penalty uses its square, halved",
                math.sqrt(squares) / 2: "that is ‖w‖/2; the penalty uses the square of the norm"}
    if not math.isclose(got, squares / 2, rel_tol=1e-5):
        why = next((m for value, m in mistakes.items() if math.isclose(got, value, rel_tol=1e-5)), "")
        raise _Fail(f"for w = [1, -2, 3] expected (1 + 4 + 9)/2 = 7, got {_fmt(got)}" + (f": {why}" if why else ""))
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = _call(fn, W, shown=f"{name}(W)")
    got = _number(out, f"{name}(W) for a 2×2 matrix W (the sum over all its entries)")
    if not math.isclose(got, 15.0, rel_tol=1e-5):
        raise _Fail(f"for the matrix W = [[1, 2], [3, 4]] expected (1 + 4 + 9 + 16)/2 = 15, got {_fmt(got)}: "
                    "sum the squares of all entries, whatever the shape")
    if not isinstance(out, torch.Tensor) or out.grad_fn is None:
        raise _Fail(f"{name}(W) returned {type(out).__name__} {_fmt(out)}, which autograd cannot differentiate: "
                    "return a tensor computed from w (no .item(), float() or numpy)")
    out.reshape(()).backward()
    if W.grad is None or not torch.allclose(W.grad, W.detach()):
        raise _Fail(f"the gradient of ‖W‖²/2 with respect to W should be W itself = [[1, 2], [3, 4]], "
                    f"got {_fmt(W.grad)}")


# --- Dropout -------------------------------------------------------------------------------------------------------

def _dropout_out(fn: Callable, X: torch.Tensor, p: float, first: bool = False) -> torch.Tensor:
    """fn(X, p) as a float tensor of X's shape, else a hint."""
    shown = f"{_name(fn, 'dropout_layer')}(X, {p})"
    out = _call(fn, X, p, shown=shown, first=first)
    if not isinstance(out, torch.Tensor):
        raise _Fail(f"{shown} should return a tensor like X, got {type(out).__name__} {_fmt(out)}")
    if out.shape != X.shape:
        raise _Fail(f"{shown} should return a tensor of X's shape {tuple(X.shape)}, got shape {tuple(out.shape)}")
    return out.detach().to(torch.float32)


@_checker("elements are zeroed with probability p and the rest scaled by 1/(1 − p); the mean is kept.")
def dropout_layer(fn: Callable[[torch.Tensor, float], Any]) -> None:
    """Check fn(X, p): each element is 0 with probability p, else x/(1 − p), a new mask per call (dropout chapter)."""
    X = torch.linspace(0.5, 1.5, 1000).reshape(10, 100)
    before = X.clone()
    _dropout_out(fn, X, 0.5, first=True)
    if not torch.equal(X, before):
        raise _Fail(f"{_name(fn, 'dropout_layer')}(X, 0.5) changed X in place; build a new tensor instead, "
                    "e.g. mask * X / (1 - p)")

    p = 0.2
    out = _dropout_out(fn, X, p)
    kept = out != 0
    wrong = ~torch.isclose(out[kept], X[kept] / (1 - p), rtol=1e-4)
    if wrong.any():
        x, y = X[kept][wrong][0].item(), out[kept][wrong][0].item()
        why = (": you kept the value without rescaling by 1/(1 − p)" if math.isclose(x, y, rel_tol=1e-4) else "")
        raise _Fail(f"with p = {p} every element x must become 0 or x/(1 − p); x = {x:.4g} became {y:.4g}, "
                    f"expected 0 or {x / (1 - p):.4g}{why}")

    ones = torch.ones(200, 500)
    for p in (0.2, 0.7):
        out = _dropout_out(fn, ones, p)
        zeroed = (out == 0).float().mean().item()
        if abs(zeroed - p) > 0.02:
            flipped = abs(zeroed - (1 - p)) < 0.02
            why = ": did you keep elements with probability p instead of 1 − p?" if flipped else ""
            raise _Fail(f"with p = {p} about {p:.0%} of the elements should be zero, but {zeroed:.1%} of "
                        f"100,000 were{why}")
        mean = out.mean().item()
        if not abs(mean - 1) < 0.03:
            raise _Fail(f"dropout must be unbiased, E[dropout(x)] = x: on 100,000 ones with p = {p} the mean "
                        f"should be about 1, got {mean:.4g}")

    out = _dropout_out(fn, X, 0.0)
    if not torch.allclose(out, X):
        raise _Fail(f"with p = 0 nothing is dropped, so the output must equal X; instead "
                    f"{(~torch.isclose(out, X)).float().mean().item():.0%} of the elements changed")
    out = _dropout_out(fn, X, 1.0)
    if not torch.equal(out, torch.zeros_like(out)):
        bad = out[out != 0][0].item()
        hint = " (dividing by 1 − p = 0 gives nan/inf: handle p = 1 separately)" if not math.isfinite(bad) else ""
        raise _Fail(f"with p = 1 every element is dropped, so the output must be all zeros; got {bad:.4g}{hint}")

    masks = [_dropout_out(fn, ones[:10], 0.5) == 0 for _ in range(2)]
    if torch.equal(*masks):
        raise _Fail(f"two calls of {_name(fn, 'dropout_layer')}(X, 0.5) dropped exactly the same elements: draw a new "
                    "random mask on every call (do not fix a seed inside the function)")


# --- Numerical stability and initialization: Xavier ---------------------------------------------------------------

@_checker("Xavier's standard deviation is sqrt(2 / (n_in + n_out)).")
def xavier_std(fn: Callable[[int, int], Any]) -> None:
    """Check fn(n_in, n_out) = sqrt(2 / (n_in + n_out)), Xavier's standard deviation (numerical stability chapter)."""
    for case, (n_in, n_out) in enumerate([(100, 300), (784, 256), (1, 1)]):
        shown = f"{_name(fn, 'xavier_std')}({n_in}, {n_out})"
        got = _number(_call(fn, n_in, n_out, shown=shown, first=case == 0), shown)
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
        raise _Fail(f"{shown} should be sqrt(2 / {n_in + n_out}) = {want:.4g}, got {_fmt(got)}"
                    + (f": {why}" if why else ""))


# --- Networks: compare layers with the notes' layer lists, and output shapes ----------------------------------------

_Layer = tuple[type, dict[str, Any]]      # (nn class, attributes that must match), e.g. (nn.ReLU, {})


def _conv(c_in: int, c_out: int, k: int, stride: int = 1, padding: int = 0) -> _Layer:
    return nn.Conv2d, dict(in_channels=c_in, out_channels=c_out, kernel_size=(k, k), stride=(stride, stride),
                           padding=(padding, padding))


def _pool(kind: type, k: int, stride: int) -> _Layer:
    return kind, dict(kernel_size=(k, k), stride=(stride, stride))


def _linear(n_in: int, n_out: int) -> _Layer:
    return nn.Linear, dict(in_features=n_in, out_features=n_out)


def _plain(value: Any) -> Any:
    """A pair of equal numbers as one number, as nn layers are usually written: (3, 3) -> 3."""
    return value[0] if isinstance(value, tuple) and len(value) > 0 and len(set(value)) == 1 else value


def _describe(layer: _Layer) -> str:
    """How a layer reads in a hint: 'Conv2d(in_channels=3, out_channels=8, kernel_size=3, ...)'."""
    kind, attrs = layer
    return f"{kind.__name__}(" + ", ".join(f"{name}={_plain(value)}" for name, value in attrs.items()) + ")"


def _attribute(module: nn.Module, name: str) -> Any:
    """A layer's attribute, ints made pairs (2 -> (2, 2)) and padding 'same'/'valid' made numbers."""
    value = getattr(module, name, None)
    if name == "padding" and value == "valid":
        value = 0
    if name == "padding" and value == "same":
        value = tuple(k // 2 for k in _attribute(module, "kernel_size"))
    if name in ("kernel_size", "stride", "padding") and isinstance(value, int):
        value = (value, value)
    return value


def _flat_layers(net: Any, shown: str) -> list[nn.Module]:
    """The layers of a (possibly nested) nn.Sequential in the order they run, else a hint."""
    if not isinstance(net, nn.Module):
        raise _Fail(f"{shown} should return an nn.Sequential, got {type(net).__name__} {_fmt(net)}")
    if not isinstance(net, nn.Sequential):
        raise _Fail(f"{shown} returned a {type(net).__name__}; return an nn.Sequential so its layers can be listed "
                    "and checked one by one")
    return [leaf for layer in net for leaf in (_flat_layers(layer, shown) if isinstance(layer, nn.Sequential)
                                               else [layer])]


def _compare_layers(layers: list[nn.Module], expected: list[_Layer], shown: str) -> None:
    """Each layer must be of the expected kind with the expected attributes; the first difference is the hint."""
    for i, (layer, (kind, attrs)) in enumerate(zip(layers, expected)):
        if not isinstance(layer, kind):
            raise _Fail(f"layer {i} of {shown} should be {_describe((kind, attrs))}, got {layer!r}")
        for name, want in attrs.items():
            have = _attribute(layer, name)
            same = math.isclose(have, want) if isinstance(want, float) and isinstance(have, float) else have == want
            if not same:
                raise _Fail(f"layer {i} of {shown} should be {_describe((kind, attrs))}; "
                            f"yours has {name}={_plain(have)}")
    if len(layers) < len(expected):
        raise _Fail(f"{shown} has {len(layers)} layers, {len(expected)} expected: layer {len(layers)} should be "
                    f"{_describe(expected[len(layers)])}")
    if len(layers) > len(expected):
        raise _Fail(f"{shown} has {len(layers)} layers, {len(expected)} expected: remove layer {len(expected)}, "
                    f"{layers[len(expected)]!r}")


def _input_for(net: nn.Module, shape: tuple[int, ...]) -> torch.Tensor:
    """A random input of `shape` on the device of the network's parameters."""
    param = next(net.parameters(), None)
    return torch.rand(*shape, device=param.device if param is not None else "cpu")


def _forward(net: nn.Module, shape: tuple[int, ...], shown: str) -> torch.Tensor:
    """Run net on a random input of `shape`; a failure becomes a hint naming the input shape."""
    try:
        with torch.no_grad():
            out = net(_input_for(net, shape))
    except (KeyboardInterrupt, _Fail):
        raise
    except BaseException as error:
        raise _Fail(f"running {shown} on an input of shape {shape} raised {_short(error)}") from None
    if not isinstance(out, torch.Tensor):
        raise _Fail(f"{shown} applied to an input of shape {shape} returned {type(out).__name__}, not a tensor")
    return out


def _check_shape_table(layers: list[nn.Module], table: list[tuple[str, tuple[int, ...]]], shape: tuple[int, ...],
                       shown: str) -> None:
    """Run the layers one at a time on a random input and compare each output shape with the notes' table."""
    X = _input_for(nn.ModuleList(layers), shape)
    with torch.no_grad():
        for i, (layer, (name, want)) in enumerate(zip(layers, table)):
            try:
                X = layer(X)
            except (KeyboardInterrupt, _Fail):
                raise
            except BaseException as error:
                raise _Fail(f"layer {i} of {shown} ({name}) raised {_short(error)}") from None
            if tuple(X.shape) != want:
                raise _Fail(f"for a {'×'.join(map(str, shape))} input, layer {i} of {shown} ({name}) should output "
                            f"shape {want}, got {tuple(X.shape)}")


def _check_block(block: Any, expected: list[_Layer], shape: tuple[int, ...], want: tuple[int, ...],
                 shown: str) -> None:
    """A block: a Sequential with exactly the expected layers, mapping an input of `shape` to `want`."""
    _compare_layers(_flat_layers(block, shown), expected, shown)
    got = tuple(_forward(block, shape, shown).shape)
    if got != want:
        raise _Fail(f"{shown} should map an input of shape {shape} to {want}, yours gave {got}")


@_checker("3×3 convolutions with padding 1 and ReLUs, then 2×2 max pooling with stride 2.")
def vgg_block(fn: Callable[[int, int, int], Any]) -> None:
    """Check fn(num_convs, in_channels, out_channels) builds a VGG block (VGG chapter)."""
    for case, (num_convs, c_in, c_out, side) in enumerate([(2, 3, 8, 16), (1, 1, 4, 8), (3, 4, 4, 6)]):
        shown = f"{_name(fn, 'vgg_block')}({num_convs}, {c_in}, {c_out})"
        block = _call(fn, num_convs, c_in, c_out, shown=shown, first=case == 0)
        expected: list[_Layer] = []
        for i in range(num_convs):
            expected += [_conv(c_in if i == 0 else c_out, c_out, 3, padding=1), (nn.ReLU, {})]
        expected.append(_pool(nn.MaxPool2d, 2, 2))
        _check_block(block, expected, (2, c_in, side, side), (2, c_out, side // 2, side // 2), shown)


@_checker("the convolution you asked for, then two 1×1 convolutions, each followed by a ReLU.")
def nin_block(fn: Callable[[int, int, int, int, int], Any]) -> None:
    """Check fn(in_channels, out_channels, kernel_size, strides, padding) builds a NiN block (NiN chapter)."""
    cases = [(3, 8, 5, 2, 1, 17), (1, 4, 3, 1, 1, 8), (2, 6, 11, 4, 0, 40)]
    for case, (c_in, c_out, k, s, p, side) in enumerate(cases):
        shown = f"{_name(fn, 'nin_block')}({c_in}, {c_out}, {k}, {s}, {p})"
        block = _call(fn, c_in, c_out, k, s, p, shown=shown, first=case == 0)
        expected = [_conv(c_in, c_out, k, s, p), (nn.ReLU, {}), _conv(c_out, c_out, 1), (nn.ReLU, {}),
                    _conv(c_out, c_out, 1), (nn.ReLU, {})]
        out = (side + 2 * p - k) // s + 1                 # the first convolution's output side; 1×1 ones keep it
        _check_block(block, expected, (2, c_in, side, side), (2, c_out, out, out), shown)


# --- Whole networks as in the notes: LeNet and AlexNet ------------------------------------------------------------

def _check_network(fn: Any, expected: list[_Layer], table: list[tuple[str, tuple[int, ...]]],
                   shape: tuple[int, ...], shown: str) -> None:
    """fn() (or the network itself) must have exactly the expected layers and the notes' shape table."""
    net = fn if isinstance(fn, nn.Module) else _call(fn, shown=shown, first=True)
    layers = _flat_layers(net, shown)
    _compare_layers(layers, expected, shown)
    _check_shape_table(layers, table, shape, shown)


_LENET = [_conv(1, 6, 5, padding=2), (nn.Sigmoid, {}), _pool(nn.AvgPool2d, 2, 2),
          _conv(6, 16, 5), (nn.Sigmoid, {}), _pool(nn.AvgPool2d, 2, 2), (nn.Flatten, {}),
          _linear(400, 120), (nn.Sigmoid, {}), _linear(120, 84), (nn.Sigmoid, {}), _linear(84, 10)]
_LENET_TABLE = [("Conv2d", (1, 6, 28, 28)), ("Sigmoid", (1, 6, 28, 28)), ("AvgPool2d", (1, 6, 14, 14)),
                ("Conv2d", (1, 16, 10, 10)), ("Sigmoid", (1, 16, 10, 10)), ("AvgPool2d", (1, 16, 5, 5)),
                ("Flatten", (1, 400)), ("Linear", (1, 120)), ("Sigmoid", (1, 120)), ("Linear", (1, 84)),
                ("Sigmoid", (1, 84)), ("Linear", (1, 10))]


@_checker("every layer and every output shape match the notes' LeNet.")
def lenet(fn: Callable[[], Any]) -> None:
    """Check fn() returns the notes' LeNet (sigmoid, average pooling) with its 1×1×28×28 shape table (LeNet chapter)."""
    _check_network(fn, _LENET, _LENET_TABLE, (1, 1, 28, 28), f"{_name(fn, 'lenet')}()")


_ALEXNET = [_conv(1, 96, 11, 4, 2), (nn.ReLU, {}), _pool(nn.MaxPool2d, 3, 2),
            _conv(96, 256, 5, padding=2), (nn.ReLU, {}), _pool(nn.MaxPool2d, 3, 2),
            _conv(256, 384, 3, padding=1), (nn.ReLU, {}), _conv(384, 384, 3, padding=1), (nn.ReLU, {}),
            _conv(384, 256, 3, padding=1), (nn.ReLU, {}), _pool(nn.MaxPool2d, 3, 2), (nn.Flatten, {}),
            _linear(9216, 4096), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)),
            _linear(4096, 4096), (nn.ReLU, {}), (nn.Dropout, dict(p=0.5)), _linear(4096, 10)]
_ALEXNET_TABLE = [("Conv2d", (1, 96, 55, 55)), ("ReLU", (1, 96, 55, 55)), ("MaxPool2d", (1, 96, 27, 27)),
                  ("Conv2d", (1, 256, 27, 27)), ("ReLU", (1, 256, 27, 27)), ("MaxPool2d", (1, 256, 13, 13)),
                  ("Conv2d", (1, 384, 13, 13)), ("ReLU", (1, 384, 13, 13)), ("Conv2d", (1, 384, 13, 13)),
                  ("ReLU", (1, 384, 13, 13)), ("Conv2d", (1, 256, 13, 13)), ("ReLU", (1, 256, 13, 13)),
                  ("MaxPool2d", (1, 256, 6, 6)), ("Flatten", (1, 9216)), ("Linear", (1, 4096)),
                  ("ReLU", (1, 4096)), ("Dropout", (1, 4096)), ("Linear", (1, 4096)), ("ReLU", (1, 4096)),
                  ("Dropout", (1, 4096)), ("Linear", (1, 10))]


@_checker("every layer and every output shape match the notes' AlexNet, with 10 logits and no final ReLU.")
def alexnet(fn: Callable[[], Any]) -> None:
    """Check fn() returns the notes' AlexNet for 1×224×224 inputs, ending in 10 logits, no ReLU (AlexNet chapter)."""
    _check_network(fn, _ALEXNET, _ALEXNET_TABLE, (1, 1, 224, 224), f"{_name(fn, 'alexnet')}()")
