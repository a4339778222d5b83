"""Small measurements behind benchmarks/README.md's "What limits each path" (performance issue).

    python benchmarks/probes.py            # all probes, about a minute on 2 cores
    python benchmarks/probes.py spin       # one probe: spin, resize, plot, lenet, memory or noise
    python benchmarks/probes.py nin        # NiN's reliability over 3 seeds (about 4 minutes; not in the default run)

CPU seconds (time.process_time) where a busy machine would blur wall time; one torch thread unless a probe says.
"""
from __future__ import annotations

import contextlib
import io
import os
import resource
import subprocess
import sys
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

import d2lite
from d2lite.plotting import TrainingPlot, figure_png
from d2lite.training import History


def best_cpu_seconds(fn: Callable[[], object], repeats: int = 5) -> float:
    """The smallest CPU time of `repeats` calls, after one warm-up call."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def probe_spin() -> None:
    """The d2lite loader and a LeNet step under OpenMP's default spinning, passive waiting, and one thread."""
    code = ("import sys, time, contextlib, io, torch, d2lite\n"
            "torch.set_num_threads(int(sys.argv[1]))\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    train_iter, _ = d2lite.fashion_mnist(256, device='cpu')\n"
            "n, w, c = 0, time.perf_counter(), time.process_time()\n"
            "for _ in range(5):\n"
            "    for X, y in train_iter: X.sum(); n += len(X)\n"
            "w, c = time.perf_counter() - w, time.process_time() - c\n"
            "net, X, y = d2lite.models.lenet(), torch.rand(256, 1, 28, 28), torch.randint(0, 10, (256,))\n"
            "opt = torch.optim.SGD(net.parameters(), lr=0.9)\n"
            "def step():\n"
            "    opt.zero_grad(); torch.nn.functional.cross_entropy(net(X), y).backward(); opt.step()\n"
            "step(); sw, sc = time.perf_counter(), time.process_time()\n"
            "for _ in range(10): step()\n"
            "sw, sc = (time.perf_counter() - sw) / 10, (time.process_time() - sc) / 10\n"
            "print(f'loader {n / w:>9,.0f} img/s wall {n / c:>9,.0f} per CPU s | '\n"
            "      f'LeNet step {sw * 1e3:6.0f} ms wall {sc * 1e3:4.0f} ms CPU')\n")
    print(f"load average {os.getloadavg()[0]:.1f}; d2lite loader 28x28 (5 epochs) and a LeNet step (batch 256):")
    for name, threads, extra in (("2 threads, default", 2, {}), ("2 threads, OMP_WAIT_POLICY=PASSIVE", 2,
                                 {"OMP_WAIT_POLICY": "PASSIVE"}), ("1 thread", 1, {})):
        env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | extra
        out = subprocess.run([sys.executable, "-c", code, str(threads)], env=env, capture_output=True, text=True)
        print(f"  {name:<36} {out.stdout.strip() or out.stderr.strip()[-300:]}")


def probe_resize() -> None:
    """Resizing a batch to 224 on the CPU: float then bilinear (d2lite today) against uint8 first; page faults."""
    print("d2lite resize 28 -> 224 per batch, 1 thread:")
    for batch_size in (32, 64, 128, 256):
        X8 = torch.randint(0, 256, (batch_size, 1, 28, 28), dtype=torch.uint8)
        ways = {"float, then bilinear": lambda: F.interpolate(X8.float().div_(255), size=(224, 224),
                                                              mode="bilinear", align_corners=False).sum(),
                "uint8 bilinear, then float": lambda: F.interpolate(X8, size=(224, 224), mode="bilinear",
                                                                    align_corners=False, antialias=True
                                                                    ).float().div_(255).sum()}
        for name, fn in ways.items():
            fn()
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            seconds = best_cpu_seconds(fn, repeats=max(2, 1024 // batch_size))
            per_image = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / (
                batch_size * (max(2, 1024 // batch_size) + 1))
            print(f"  batch {batch_size:>3}, {name:<27} {batch_size / seconds:>8,.0f} img/s per CPU s, "
                  f"{per_image:5.1f} page faults per image")


def probe_plot() -> None:
    """What one epoch's live figure costs: d2lite's two panels against the classic one-panel plot."""
    sys.path.insert(0, os.path.dirname(__file__))
    from bench import ClassicAnimator
    history = History(train_loss=[2.3, 1.2, 0.9, 0.7, 0.6], train_acc=[.1, .5, .6, .7, .75],
                      test_acc=[.1, .5, .6, .7, .74], epoch_time=[1.0] * 5)
    plot = TrainingPlot(10, live=False)
    fig = plot.draw(history)
    fig.set_layout_engine("none")
    animator = ClassicAnimator(10)
    print("live figure per epoch, CPU ms:")
    plot.png(history)                                   # the first epoch's full draw, then the cached axes
    for name, fn in (("d2lite: new figure + draw + PNG", lambda: figure_png(plot.draw(history))),
                     ("d2lite figure reused, layout engine off", lambda: figure_png(fig)),
                     ("d2lite TrainingPlot.png (curves only)", lambda: plot.png(history)),
                     ("classic: clear, replot, PNG", lambda: animator.add(1, 1.0, 0.5, 0.5))):
        print(f"  {name:<42} {best_cpu_seconds(fn) * 1e3:6.0f}")


def probe_lenet() -> None:
    """One LeNet training step: CPU time (contiguous and channels_last) and torch.profiler's top operators."""
    X, y = torch.rand(256, 1, 28, 28), torch.randint(0, 10, (256,))
    for layout in (torch.contiguous_format, torch.channels_last):
        d2lite.seed(0)
        net = d2lite.models.lenet().to(memory_format=layout)
        opt = torch.optim.SGD(net.parameters(), lr=0.9)

        def step() -> None:
            opt.zero_grad()
            nn.functional.cross_entropy(net(X), y).backward()
            opt.step()
        seconds = best_cpu_seconds(step, repeats=10)
        print(f"LeNet step, batch 256, 1 thread, {str(layout).split('.')[-1]:<17} {seconds * 1e3:5.1f} ms CPU "
              f"({256 * 2.4e-3 / seconds:.0f} GFLOP/s at 2.4 MFLOP per image)")
    from torch.profiler import ProfilerActivity, profile
    with contextlib.redirect_stderr(io.StringIO()), profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            step()
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8))


def probe_memory() -> None:
    """What one core can move and compute: 64 MiB read, write, copy; a 1024x1024 float32 matmul."""
    a = torch.ones(16 * 2**20)
    b = torch.empty_like(a)
    read, write = best_cpu_seconds(lambda: a.sum()), best_cpu_seconds(lambda: b.fill_(2.0))
    x, w = torch.randn(1024, 1024), torch.randn(1024, 1024)
    matmul = best_cpu_seconds(lambda: x @ w)
    print(f"one core: read {a.nbytes / read / 1e9:.1f} GB/s, write {b.nbytes / write / 1e9:.1f} GB/s, "
          f"matmul {2 * 1024 ** 3 / matmul / 1e9:.0f} GFLOP/s (load average {os.getloadavg()[0]:.1f})")


def probe_noise() -> None:
    """The same d2lite LeNet run three times in a row (default threads): how much this machine's epochs vary."""
    torch.set_num_threads(os.cpu_count() or 1)
    with contextlib.redirect_stdout(io.StringIO()):
        train_iter, test_iter = d2lite.fashion_mnist(256, download=False)
    for run in range(1, 4):
        d2lite.seed(0)
        history = d2lite.train_classifier(d2lite.models.lenet(), train_iter, test_iter, 10, lr=0.9, verbose=False)
        print(f"run {run}: seconds per epoch (training only) {min(history.epoch_time):.2f} to "
              f"{max(history.epoch_time):.2f}, whole run {history.total_time / 10:.2f} per epoch")


def probe_nin() -> None:
    """NiN under the cpu budget (96x96, channels / 4, 8 epochs, mini set) for 3 seeds, without and with a final ReLU."""
    torch.set_num_threads(os.cpu_count() or 1)
    with contextlib.redirect_stdout(io.StringIO()):
        train_iter, test_iter = d2lite.fashion_mnist(64, resize=96, n_train=6000, n_test=2000, download=False)
    for final_relu in (False, True):
        for seed in (0, 1, 2):
            d2lite.seed(seed)
            net = d2lite.init_weights(d2lite.models.nin(width_divisor=4, final_relu=final_relu), "kaiming")
            history = d2lite.train_classifier(net, train_iter, test_iter, 8, 0.01, momentum=0.9, verbose=False,
                                              seed=seed)
            print(f"final_relu={final_relu} seed {seed}: test acc per epoch "
                  f"{[round(a, 2) for a in history.test_acc]}", flush=True)


PROBES = {"spin": probe_spin, "resize": probe_resize, "plot": probe_plot, "lenet": probe_lenet,
          "memory": probe_memory, "noise": probe_noise, "nin": probe_nin}
SLOW = {"nin"}                                     # minutes: run only when named


def main(argv: list[str]) -> None:
    torch.set_num_threads(1)
    for name in argv or [name for name in PROBES if name not in SLOW]:
        if name not in PROBES:
            raise SystemExit(f"unknown probe {name!r}; choose from {', '.join(PROBES)}")
        print(f"== {name}")
        PROBES[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
