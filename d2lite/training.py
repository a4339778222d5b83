"""The course's training loop for classifiers: seeded, sync-free per batch, with a live plot (LeNet chapter onward)."""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from . import guards
from .config import device as best_device
from .plotting import TrainingPlot
from .precision import amp_dtype, autocast, grad_scaler

PROGRESS_EVERY_S = 2.0   # an epoch longer than this shows how far it has got
EXPLODED_LOSS = 100.0    # a cross-entropy this large (and 10x the first batch's) means the run is blowing up


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
    interrupted_at: int | None = None                        # the epoch stopped by Ctrl-C / the stop button, if any
    device: str = ""

    @property
    def time(self) -> float:
        """Seconds spent training (all epochs, evaluation excluded)."""
        return sum(self.epoch_time)

    def summary(self) -> str:
        """One line: final loss and accuracies, speed, and a divergence or interruption if any."""
        stop = (f"diverged at epoch {self.diverged_at}" if self.diverged_at is not None else
                f"interrupted in epoch {self.interrupted_at}" if self.interrupted_at is not None else "")
        if not self.train_loss:
            return f"no epoch completed ({stop or 'not trained'})"
        text = (f"train loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, "
                f"test acc {self.test_acc[-1]:.3f} | {self.examples_per_sec:,.0f} examples/s over all epochs on "
                f"{self.device}")
        return text + (f" | {stop.split()[0].upper()} {' '.join(stop.split()[1:])}" if stop else "")


def accuracy_counts(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Number of correct predictions, as a tensor on the device (no host sync)."""
    return (y_hat.argmax(dim=1) == y).sum()


def evaluate_accuracy(net: nn.Module, data_iter: Iterable, device: torch.device | str | None = None) -> float:
    """Accuracy of `net` over `data_iter`, in evaluation mode (dropout off) (LeNet chapter)."""
    guards.module(net)
    guards.data("data_iter", data_iter, num_epochs=1)
    return _accuracy(net, data_iter, guards.device(device) or _data_device(data_iter), "data_iter")


def _accuracy(net: nn.Module, data_iter: Iterable, device: torch.device, name: str) -> float:
    """evaluate_accuracy without the argument checks; `name` is how messages call data_iter."""
    was_training = net.training
    net.eval()
    correct, n = torch.zeros((), device=device, dtype=torch.long), 0
    try:
        with torch.inference_mode(), autocast(device, amp_dtype(device)):
            for i, batch in enumerate(data_iter):
                if i == 0:
                    X, y, y_hat = guards.first_batch(net, batch, name, device)
                else:
                    X, y = batch[0].to(device, non_blocking=True), batch[1].to(device, non_blocking=True)
                    y_hat = net(X)
                correct += accuracy_counts(y_hat, y)
                n += y.numel()
    finally:
        net.train(was_training)
    if n == 0:
        raise guards.no_batches(name, 1)
    return correct.item() / n


def _data_device(data_iter) -> torch.device:
    return getattr(data_iter, "device", None) or best_device()


def default_optimizer(net: nn.Module, lr: float, weight_decay: float = 0.0,
                      momentum: float = 0.0) -> torch.optim.Optimizer:
    """Minibatch SGD (optionally with momentum) with weight decay on the weights only, never on biases (weight decay chapter)."""
    decay = [p for p in net.parameters() if p.requires_grad and p.dim() > 1]
    no_decay = [p for p in net.parameters() if p.requires_grad and p.dim() <= 1]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)


def _check_arguments(net, train_iter, test_iter, num_epochs, lr, optimizer, weight_decay, momentum,
                     clip_grad_norm, seed) -> int:
    """Every argument of train_classifier, before any work starts; returns num_epochs as an int."""
    guards.module(net)
    num_epochs = guards.whole_number("num_epochs", num_epochs, example=" (the number of passes over the data)")
    if optimizer is not None:
        guards.optimizer(optimizer, net)
        if weight_decay or momentum:
            raise ValueError("Pass weight_decay/momentum to your own optimizer (or drop optimizer= to use the "
                             "default SGD).")
    else:
        guards.number("lr", lr, positive=True, example=" (the learning rate, e.g. lr=0.1)")
        guards.number("weight_decay", weight_decay, positive=False, example=" (e.g. weight_decay=1e-3)")
        if guards.number("momentum", momentum, positive=False) >= 1:
            raise ValueError(f"momentum must be below 1 (e.g. 0.9), got {momentum}: with 1 or more every old "
                             "gradient counts forever and training diverges")
    if clip_grad_norm is not None:
        guards.number("clip_grad_norm", clip_grad_norm, positive=True, example=" (e.g. clip_grad_norm=1.0)")
    if seed is not None:
        guards.whole_number("seed", seed, minimum=0, example=" (or None to leave the random generators alone)")
    guards.trainable(net)
    guards.data("train_iter", train_iter, num_epochs)
    guards.data("test_iter", test_iter, num_epochs)
    return num_epochs


def train_classifier(net: nn.Module, train_iter: Iterable, test_iter: Iterable, num_epochs: int, lr: float, *,
                     optimizer: torch.optim.Optimizer | None = None, weight_decay: float = 0.0,
                     momentum: float = 0.0, device: torch.device | str | None = None, plot: bool = True,
                     seed: int | None = 0, clip_grad_norm: float | None = None,
                     title: str = "", verbose: bool = True) -> History:
    """Train `net` with cross-entropy and return its History (LeNet chapter onward).

    Your weights are used as they are (never re-initialised). `optimizer` defaults to SGD(lr, momentum) with
    `weight_decay` on the weights only. `seed` seeds the run's randomness (dropout masks, and the batch order of
    d2lite's Batches), so rerunning a cell repeats its numbers; pass None to leave both alone. If the loss becomes
    inf/NaN the run stops with a warning and returns what it has; so does an interrupt (the stop button, Ctrl-C),
    keeping what the weights have learned.
    On a GPU it trains in the precision `amp_dtype(device)` picks (bf16, or fp16 with loss scaling on 7.x GPUs).
    `verbose=False` shows and prints nothing.
    """
    num_epochs = _check_arguments(net, train_iter, test_iter, num_epochs, lr, optimizer, weight_decay, momentum,
                                  clip_grad_norm, seed)
    device = guards.device(device) or _data_device(train_iter)
    if seed is not None:                              # the same seed, the same run: dropout masks and batch order
        torch.manual_seed(seed)
        if callable(getattr(train_iter, "reseed", None)):
            train_iter.reseed(seed)
    net.to(device)
    train_iter = guards.materialize(net, train_iter, device)     # lazy layers (nn.LazyLinear) get their weights
    dtype = amp_dtype(device)
    if dtype is not None and device.type == "cuda":
        net.to(memory_format=torch.channels_last)    # faster convolutions on tensor cores
    step = _Step(net, optimizer or default_optimizer(net, lr, weight_decay, momentum), device, dtype,
                 grad_scaler(device, dtype), clip_grad_norm)
    plotter = TrainingPlot(num_epochs, title=title, live=plot, quiet=not verbose)
    history = History(device=str(device))
    start, seen, epoch = time.perf_counter(), 0, 0
    try:
        for epoch in range(1, num_epochs + 1):
            t0 = time.perf_counter()
            loss_sum, correct, n = _train_epoch(step, train_iter, epoch, num_epochs, plotter)
            epoch_loss = loss_sum.item() / n                              # the one sync of the epoch
            epoch_seconds = time.perf_counter() - t0
            if not math.isfinite(epoch_loss):
                history.diverged_at = epoch
                warnings.warn(f"Training diverged at epoch {epoch}: the loss became {epoch_loss}. Stopped and "
                              f"returned the {epoch - 1} completed epoch(s). Try a smaller learning rate than "
                              f"lr={lr}, or gradient clipping (clip_grad_norm=1.0).", RuntimeWarning, stacklevel=2)
                plotter.epoch_end(history, f"epoch {epoch}/{num_epochs}: DIVERGED (loss {epoch_loss}), stopped")
                break
            _warn_if_exploding(step, epoch, epoch_loss)
            seen += n
            history.epoch_time.append(epoch_seconds)
            history.train_loss.append(epoch_loss)
            history.train_acc.append(correct.item() / n)
            history.test_acc.append(_accuracy(net, test_iter, device, "test_iter"))
            history.examples_per_sec = seen / history.time
            plotter.epoch_end(history, f"epoch {epoch}/{num_epochs}: train loss {epoch_loss:.3f}, "
                                       f"train acc {history.train_acc[-1]:.3f}, test acc {history.test_acc[-1]:.3f} "
                                       f"(this epoch: {epoch_seconds:.1f} s, {n / epoch_seconds:,.0f} examples/s)")
    except KeyboardInterrupt:                        # the stop button or Ctrl-C: keep what was learned
        del history.epoch_time[len(history.test_acc):], history.train_loss[len(history.test_acc):]
        del history.train_acc[len(history.test_acc):]
        history.interrupted_at = epoch
        warnings.warn(f"Interrupted in epoch {epoch}: returned the History of the {len(history.test_acc)} finished "
                      "epoch(s). The network keeps the weights it has learned so far (call train_classifier again "
                      "to continue from them).", RuntimeWarning, stacklevel=2)
    history.total_time = time.perf_counter() - start
    return history


@dataclass
class _Step:
    """What one training step needs: the network, its optimizer and where and in what precision it runs."""
    net: nn.Module
    optimizer: torch.optim.Optimizer
    device: torch.device
    dtype: torch.dtype | None
    scaler: torch.amp.GradScaler
    clip_grad_norm: float | None
    first_loss: float | None = None                  # the very first batch's loss: what "exploding" compares with
    warned: bool = False


def _train_epoch(step: _Step, train_iter: Iterable, epoch: int, num_epochs: int,
                 plotter: TrainingPlot) -> tuple[torch.Tensor, torch.Tensor, int]:
    """One pass over train_iter; returns the summed loss and correct count (on the device) and the examples seen."""
    net, device = step.net, step.device
    net.train()
    loss_sum = torch.zeros((), device=device)                        # stays on the device: no sync per batch
    correct = torch.zeros((), device=device, dtype=torch.long)
    n, shown = 0, time.perf_counter()
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    for i, batch in enumerate(train_iter, 1):
        with autocast(device, step.dtype):
            if step.first_loss is None:                                # the first batch of the run: check it
                X, y, y_hat = guards.first_batch(net, batch, "train_iter", device)
            else:
                X, y = batch[0].to(device, non_blocking=True), batch[1].to(device, non_blocking=True)
                y_hat = net(X)
            batch_loss = F.cross_entropy(y_hat, y)                     # mean over the batch
        if step.first_loss is None:
            step.first_loss = batch_loss.item()
        step.optimizer.zero_grad(set_to_none=True)
        step.scaler.scale(batch_loss).backward()
        if step.clip_grad_norm is not None:
            step.scaler.unscale_(step.optimizer)                       # clip the true gradients, not scaled ones
            nn.utils.clip_grad_norm_(net.parameters(), step.clip_grad_norm)
        step.scaler.step(step.optimizer)                               # skipped if fp16 gradients overflowed
        step.scaler.update()
        loss_sum += batch_loss.detach().float() * y.numel()
        correct += accuracy_counts(y_hat.detach(), y)
        n += y.numel()
        if time.perf_counter() - shown > PROGRESS_EVERY_S:             # a sync only every few seconds
            shown = time.perf_counter()
            done = f"{i}/{num_batches} batches ({i / num_batches:.0%})" if num_batches else f"{i} batches"
            running = loss_sum.item() / n
            plotter.status(f"epoch {epoch}/{num_epochs}: {done}, running train loss {running:.3f}")
            if not math.isfinite(running):
                break
    if n == 0:
        raise guards.no_batches("train_iter", epoch)
    return loss_sum, correct, n


def _warn_if_exploding(step: _Step, epoch: int, epoch_loss: float) -> None:
    """Warn once when the loss grows huge without becoming inf/NaN (a learning rate far too large)."""
    if step.warned or epoch_loss <= max(EXPLODED_LOSS, 10 * step.first_loss):
        return
    step.warned = True
    lr = step.optimizer.param_groups[0]["lr"]
    warnings.warn(f"The training loss exploded to {epoch_loss:.3g} in epoch {epoch} (it started at "
                  f"{step.first_loss:.3g}): the learning rate lr={lr} is probably far too large. Try a smaller "
                  "one, or gradient clipping (clip_grad_norm=1.0).", RuntimeWarning, stacklevel=3)
