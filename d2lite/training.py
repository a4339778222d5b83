"""The course's training loop for classifiers: seeded, sync-free per batch, with a live plot (LeNet chapter onward)."""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterable

import torch
from torch import nn

from .config import device as best_device
from .plotting import TrainingPlot
from .precision import amp_dtype, autocast, grad_scaler

PROGRESS_EVERY_S = 2.0   # an epoch longer than this shows how far it has got


@dataclass
class History:
    """What a training run measured, one entry per completed epoch."""
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)   # seconds of training (no evaluation) per epoch
    examples_per_sec: float = 0.0                            # training throughput over all epochs
    total_time: float = 0.0                                  # wall-clock seconds, evaluation and plotting included
    diverged_at: int | None = None                           # the epoch whose loss became inf/NaN, if any
    device: str = ""

    @property
    def time(self) -> float:
        """Seconds spent training (all epochs, evaluation excluded)."""
        return sum(self.epoch_time)

    def summary(self) -> str:
        """One line: final loss and accuracies, speed, and divergence if any."""
        if not self.train_loss:
            return f"no epoch completed (diverged at epoch {self.diverged_at})"
        text = (f"train loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
                f"test acc {self.test_acc[-1]:.3f} | {self.examples_per_sec:,.0f} examples/s on {self.device}")
        if self.diverged_at is not None:
            text += f" | DIVERGED at epoch {self.diverged_at}"
        return text


def accuracy_counts(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of correct predictions, as a tensor on the device (no host sync)."""
    return (y_hat.argmax(dim=1) == y).sum()


def evaluate_accuracy(net: nn.Module, data_iter: Iterable, device: torch.device | str | None = None) -> float:
    """Accuracy of `net` over `data_iter`, in evaluation mode (dropout off) (LeNet chapter)."""
    device = torch.device(device) if device is not None else _data_device(data_iter)
    was_training = net.training
    net.eval()
    correct, n = torch.zeros((), device=device, dtype=torch.long), 0
    with torch.inference_mode(), autocast(device, amp_dtype(device)):
        for X, y in data_iter:
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            correct += accuracy_counts(net(X), y)
            n += y.numel()
    net.train(was_training)
    return correct.item() / max(n, 1)


def _data_device(data_iter) -> torch.device:
    return getattr(data_iter, "device", None) or best_device()


def default_optimizer(net: nn.Module, lr: float, weight_decay: float = 0.0,
                      momentum: float = 0.0) -> torch.optim.Optimizer:
    """Minibatch SGD (optionally with momentum) with weight decay on the weights only, never on biases (weight decay chapter)."""
    decay = [p for p in net.parameters() if p.requires_grad and p.dim() > 1]
    no_decay = [p for p in net.parameters() if p.requires_grad and p.dim() <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)


def train_classifier(net: nn.Module, train_iter: Iterable, test_iter: Iterable, num_epochs: int, lr: float, *,
                     optimizer: torch.optim.Optimizer | None = None, weight_decay: float = 0.0,
                     momentum: float = 0.0, device: torch.device | str | None = None, plot: bool = True,
                     seed: int | None = 0, loss: nn.Module | None = None, clip_grad_norm: float | None = None,
                     title: str = "", verbose: bool = True) -> History:
    """Train `net` with cross-entropy and return its History (LeNet chapter onward).

    Your weights are used as they are (never re-initialised). `optimizer` defaults to SGD(lr, momentum) with
    `weight_decay` on the weights only. `seed` seeds the run's randomness (dropout masks); pass None to
    leave it alone. If the loss becomes inf/NaN the run stops with a warning and returns what it has.
    On a GPU it trains in the precision `amp_dtype(device)` picks (bf16, or fp16 with loss scaling on 7.x GPUs).
    `verbose=False` shows and prints nothing.
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    if optimizer is not None and (weight_decay or momentum):
        raise ValueError("Pass weight_decay/momentum to your own optimizer (or drop optimizer= to use the default SGD).")
    if optimizer is None and not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr}")
    device = torch.device(device) if device is not None else _data_device(train_iter)
    if seed is not None:
        torch.manual_seed(seed)
    net.to(device)
    dtype = amp_dtype(device)
    scaler = grad_scaler(device, dtype)              # multiplies fp16 losses so small gradients do not underflow
    if dtype is not None and device.type == "cuda":
        net.to(memory_format=torch.channels_last)    # faster convolutions on tensor cores
    optimizer = optimizer or default_optimizer(net, lr, weight_decay, momentum)
    loss_fn = loss or nn.CrossEntropyLoss()
    plotter = TrainingPlot(num_epochs, title=title, live=plot, quiet=not verbose)
    history = History(device=str(device))
    try:
        num_batches = len(train_iter)
    except TypeError:
        num_batches = None
    start, seen = time.perf_counter(), 0
    for epoch in range(1, num_epochs + 1):
        net.train()
        loss_sum = torch.zeros((), device=device)                    # stays on the device: no sync per batch
        correct = torch.zeros((), device=device, dtype=torch.long)
        n, t0, shown = 0, time.perf_counter(), time.perf_counter()
        for i, (X, y) in enumerate(train_iter, 1):
            X, y = X.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with autocast(device, dtype):
                y_hat = net(X)
                batch_loss = loss_fn(y_hat, y)                        # mean over the batch
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(batch_loss).backward()
            if clip_grad_norm is not None:
                scaler.unscale_(optimizer)                            # clip the true gradients, not scaled ones
                nn.utils.clip_grad_norm_(net.parameters(), clip_grad_norm)
            scaler.step(optimizer)                                    # skipped if fp16 gradients overflowed
            scaler.update()
            loss_sum += batch_loss.detach().float() * y.numel()
            correct += accuracy_counts(y_hat.detach(), y)
            n += y.numel()
            if time.perf_counter() - shown > PROGRESS_EVERY_S:       # a sync only every few seconds
                shown = time.perf_counter()
                done = f"{i}/{num_batches} batches ({i / num_batches:.0%})" if num_batches else f"{i} batches"
                running = loss_sum.item() / n
                plotter.status(f"epoch {epoch}/{num_epochs}: {done}, running train loss {running:.3f}")
                if not math.isfinite(running):
                    break
        epoch_loss = loss_sum.item() / max(n, 1)                      # the one sync of the epoch
        epoch_seconds = time.perf_counter() - t0
        if not math.isfinite(epoch_loss):
            history.diverged_at = epoch
            warnings.warn(f"Training diverged at epoch {epoch}: the loss became {epoch_loss}. Stopped and returned "
                          f"the {epoch - 1} completed epoch(s). Try a smaller learning rate than lr={lr}, "
                          f"or gradient clipping (clip_grad_norm=1.0).", RuntimeWarning, stacklevel=2)
            plotter.epoch_end(history, f"epoch {epoch}/{num_epochs}: DIVERGED (loss {epoch_loss}), stopped")
            break
        seen += n
        history.epoch_time.append(epoch_seconds)
        history.train_loss.append(epoch_loss)
        history.train_acc.append(correct.item() / max(n, 1))
        history.test_acc.append(evaluate_accuracy(net, test_iter, device))
        history.examples_per_sec = seen / history.time
        plotter.epoch_end(history, f"epoch {epoch}/{num_epochs}: train loss {epoch_loss:.3f}, "
                                   f"train acc {history.train_acc[-1]:.3f}, test acc {history.test_acc[-1]:.3f} "
                                   f"({epoch_seconds:.1f} s, {n / epoch_seconds:,.0f} examples/s)")
    history.total_time = time.perf_counter() - start
    return history
