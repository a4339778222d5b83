"""The checkers' machinery: run the student's code safely and turn every problem into one hint (all exercises).

A checker is a body that raises `Fail` (a wrong answer, the message is the hint) or `NotSolved` (the stub's
`return None`); the `checker` decorator turns it into a function that prints one line and returns True/False.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import os
import random
import signal
import sys
import threading
import warnings
from typing import Any, Callable, Iterator

import torch

TIME_LIMIT = 5.0     # seconds a whole check may take before it counts as an endless loop (AlexNet's takes ~1 s)


class Fail(Exception):
    """A wrong answer; the message is the hint shown to the student."""


class NotSolved(Exception):
    """The function returned None, as the unsolved stub does."""


class TooSlow(Fail):
    """The student's code ran past TIME_LIMIT."""


def short(error: BaseException) -> str:
    """An exception as 'TypeError: message', cut to a readable length."""
    try:
        text = f"{type(error).__name__}: {error}"
    except Exception:                       # an exception whose message itself fails
        text = type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def fmt(value: Any) -> str:
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


def call(fn: Callable, *args: Any, shown: str, first: bool = False) -> Any:
    """Run the student's fn(*args); `shown` is the call as the hint writes it, e.g. 'l2_penalty(w)'.

    An exception becomes a hint; None becomes "not solved yet" on a checker's first call (the stub's
    `return None`), and a hint about a missing `return` on later calls.
    """
    try:
        out = fn(*args)
    except (KeyboardInterrupt, Fail):
        raise
    except BaseException as error:          # anything the student's code does, SystemExit included
        raise Fail(f"{shown} raised {short(error)}") from None
    if out is None:
        if first:
            raise NotSolved(f"{shown} returned None. Replace `return None` in your function with your code, "
                            "run that cell, then run this one again.")
        raise Fail(f"{shown} returned None: does every branch of your function end with a `return`?")
    return out


def name_of(fn: Any, default: str) -> str:
    """The student's function name for hints (e.g. 'my_lenet'); `default` for lambdas and other objects."""
    name = getattr(fn, "__name__", "")
    return name if isinstance(name, str) and name.isidentifier() else default


def take(items: Any, limit: int, shown: str) -> list:
    """At most `limit` items of an iterable (bounded, so an endless generator cannot hang the check)."""
    try:
        return list(itertools.islice(iter(items), limit))
    except (KeyboardInterrupt, Fail):
        raise
    except TypeError:
        raise Fail(f"{shown} should be iterable, but it is a {type(items).__name__}: {fmt(items)}") from None
    except BaseException as error:
        raise Fail(f"iterating over {shown} raised {short(error)}") from None


def number(value: Any, shown: str) -> float:
    """A single number (int, float, 0-d or 1-element tensor or array) as a float, else a hint."""
    if isinstance(value, bool):
        raise Fail(f"{shown} should be a number, got the bool {value}")
    if isinstance(value, (int, float)):
        return float(value)
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    count = numel() if callable(numel) else numel
    if count == 1 and hasattr(value, "item"):
        return float(value.item())
    raise Fail(f"{shown} should be a single number, got {type(value).__name__} {fmt(value)}")


def _torch_settings() -> dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]]:
    """Global torch settings a student's function can change: name -> (read it, set it back)."""
    cudnn = torch.backends.cudnn
    settings = {
        "default dtype": (torch.get_default_dtype, torch.set_default_dtype),
        "grad mode": (torch.is_grad_enabled, torch.set_grad_enabled),
        "anomaly detection": (torch.is_anomaly_enabled, torch.set_anomaly_enabled),
        "deterministic algorithms": (
            lambda: (torch.are_deterministic_algorithms_enabled(),
                     torch.is_deterministic_algorithms_warn_only_enabled()),
            lambda v: torch.use_deterministic_algorithms(v[0], warn_only=v[1])),
        "threads": (torch.get_num_threads, torch.set_num_threads),
        "matmul precision": (torch.get_float32_matmul_precision, torch.set_float32_matmul_precision),
        "cudnn": (lambda: (cudnn.enabled, cudnn.benchmark, cudnn.deterministic),
                  lambda v: (setattr(cudnn, "enabled", v[0]), setattr(cudnn, "benchmark", v[1]),
                             setattr(cudnn, "deterministic", v[2]))),
        "tf32": (lambda: (torch.backends.cuda.matmul.allow_tf32, cudnn.allow_tf32),
                 lambda v: (setattr(torch.backends.cuda.matmul, "allow_tf32", v[0]),
                            setattr(cudnn, "allow_tf32", v[1]))),
    }
    if hasattr(torch, "get_default_device"):           # torch >= 2.3
        settings["default device"] = (torch.get_default_device,
                                      lambda d: torch.set_default_device(None if d.type == "cpu" else d))
    opts = getattr(getattr(torch, "_tensor_str", None), "PRINT_OPTS", None)
    if opts is not None:                               # torch.set_printoptions has no getter
        settings["print options"] = (lambda: dict(vars(opts)), lambda v: vars(opts).update(v))
    return settings


@contextlib.contextmanager
def keep_state() -> Iterator[None]:
    """Leave all global state as found: Python's, NumPy's and torch's random generators, torch's default dtype
    and device, grad mode, determinism, threads, cuDNN/TF32 flags, print options, warning filters and the cwd."""
    py_random, cwd = random.getstate(), os.getcwd()
    numpy = sys.modules.get("numpy")
    np_random = numpy.random.get_state() if numpy is not None else None
    settings = _torch_settings()
    before = {name: read() for name, (read, _) in settings.items()}
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    try:
        with torch.random.fork_rng(devices=cuda), warnings.catch_warnings():
            yield
    finally:
        random.setstate(py_random)
        if np_random is not None:
            numpy.random.set_state(np_random)
        for name, (read, restore) in settings.items():
            if read() != before[name]:
                restore(before[name])
        if os.getcwd() != cwd:
            os.chdir(cwd)


@contextlib.contextmanager
def time_limit(seconds: float, name: str) -> Iterator[None]:
    """Stop the check after `seconds` of CPU time (an endless loop burns CPU), so a busy machine is no reason to
    give up; only where SIGPROF exists (not Windows) and in the main thread."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TooSlow(f"checking your {name} took more than {seconds:g} s: is there an endless loop? "
                      "Interrupt it with the stop button if your own cell keeps running.")
    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.5)   # again every 0.5 s, should the code swallow the first
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def checker(success: str) -> Callable[[Callable[[Any], None]], Callable[[Any], bool]]:
    """Turn a body that raises Fail/NotSolved into a checker that prints one line and returns True/False."""
    def wrap(body: Callable[[Any], None]) -> Callable[[Any], bool]:
        @functools.wraps(body)
        def check(fn: Any) -> bool:
            try:
                if not callable(fn):
                    raise Fail(f"pass your function itself, e.g. check.{body.__name__}({body.__name__}), "
                               f"not its result; got {type(fn).__name__} {fmt(fn)}")
                with keep_state(), time_limit(TIME_LIMIT, body.__name__):
                    body(fn)
            except KeyboardInterrupt:
                raise
            except NotSolved as message:
                print(f"Not solved yet: {message}")
                return False
            except Fail as hint:
                print(f"✘ Not quite: {hint}")
                return False
            except BaseException as error:   # the student's object misbehaved somewhere unexpected
                print(f"✘ Not quite: checking your {body.__name__} failed with {short(error)}")
                return False
            print(f"✔ Correct: {success}")
            return True
        return check
    return wrap
