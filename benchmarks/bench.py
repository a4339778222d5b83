"""The course's data pipeline and training loop, side by side with the classic per-sample pipeline (performance issue).

Everything runs in one process and ends with one table of ratios, so a noisy machine slows both sides alike.

    python benchmarks/bench.py                   # CPU: loader at 28x28 and 224, LeNet training, the λ slider
    python benchmarks/bench.py --device cuda     # adds LeNet, AlexNet, VGG (÷4) and NiN on 60,000 synthetic images
    python benchmarks/bench.py --quick           # tiny sizes, seconds: checks that everything runs (tests use it)

"Classic" is the pipeline the reference course (d2l) uses: torchvision's FashionMNIST dataset with per-sample PIL
`Resize`/`ToTensor` transforms and a DataLoader with worker processes, and a training loop that syncs with the host
on every batch (`.item()`) and redraws a live matplotlib plot: once per epoch as a PNG (the lean baseline), and
also as d2l's train_ch6 really does (4 workers, an SVG redrawn about 6 times per epoch). Both read the same files.
See benchmarks/README.md for the figures, the machine they come from and what limits each path.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import datetime
import io
import itertools
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

import torch
from matplotlib.figure import Figure
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                     # this checkout's d2lite and tools/ (the one IDX writer)
import d2lite  # noqa: E402
from d2lite.plotting import TrainingPlot, figure_png  # noqa: E402
from tools.idx import write_fashion_mnist  # noqa: E402
# One row of the final table: what, unit, classic, d2lite, ratio (how many times better d2lite is), target, note.
Row = dict


# ----------------------------------------------------------------------------------------------- shared helpers
def sync(device: torch.device) -> None:
    """Wait until the device has finished its queued work, so a clock reading means something."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def cpu_model() -> str:
    """The CPU's model name as lscpu prints it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def classic_loader(root: Path, train: bool, batch_size: int, resize: int | None, workers: int,
                   limit: int | None = None) -> DataLoader:
    """The classic pipeline: a torchvision dataset that converts (and resizes) one PIL image at a time."""
    steps = [transforms.ToTensor()]
    if resize:
        steps.insert(0, transforms.Resize(resize))
    dataset = datasets.FashionMNIST(str(root), train=train, transform=transforms.Compose(steps), download=False)
    if limit is not None:                                   # the first `limit` images, as d2lite's n_train/n_test
        dataset.data, dataset.targets = dataset.data[:limit], dataset.targets[:limit]
    return DataLoader(dataset, batch_size, shuffle=train, num_workers=workers)


def course_loader(root: Path, batch_size: int, resize: int | None, device: torch.device,
                  limit: int | None = None):
    """The course pipeline: d2lite.fashion_mnist (the first `limit` images of each split), silent."""
    with contextlib.redirect_stdout(io.StringIO()):
        return d2lite.fashion_mnist(batch_size, resize, root=root, device=device, download=False,
                                    n_train=limit, n_test=limit)


def timed(fn: Callable[[], object], device: torch.device) -> tuple[object, float]:
    """Run fn() and return (its result, seconds), with the device synchronised on both ends."""
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - t0


# ------------------------------------------------------------------------------------------------------- loader
def read_epochs(batches: Iterable, device: torch.device, min_seconds: float, min_epochs: int) -> float:
    """Images per second over whole epochs (at least min_epochs and min_seconds), touching every pixel."""
    def run() -> int:
        total, n, epochs, t0 = torch.zeros((), device=device), 0, 0, time.perf_counter()
        while epochs < min_epochs or time.perf_counter() - t0 < min_seconds:
            for X, _ in batches:
                total += X.to(device, non_blocking=True).sum()   # forces any lazy work (resize, copy) to happen
                n += len(X)
            epochs += 1
        total.item()
        return n

    for X, _ in itertools.islice(batches, 3):     # warm-up, untimed: allocator, first kernels, lazy imports
        X.to(device).sum().item()
    n, seconds = timed(run, device)
    return n / seconds


def bench_loader(args, device: torch.device, resize: int | None, batch_size: int) -> list[Row]:
    """Images per second of d2lite.fashion_mnist and of the classic DataLoader over the training split."""
    size = f"{resize}x{resize}" if resize else "28x28"
    (train_iter, _), setup_course = timed(lambda: course_loader(args.data, batch_size, resize, device, args.limit),
                                         device)
    classic, setup_classic = timed(
        lambda: classic_loader(args.data, True, batch_size, resize, args.workers, args.limit), device)
    course_rate = read_epochs(train_iter, device, args.loader_seconds, 2)
    classic_rate = read_epochs(classic, device, args.loader_seconds, 1)
    target = 20 if resize is None else 2
    return [
        dict(what=f"loader {size}" + ("" if batch_size == args.batch_size else f", batch {batch_size}"),
             unit="images/s", classic=classic_rate, course=course_rate,
             ratio=course_rate / classic_rate, target=f">= {target}x" if device.type == "cpu" else "",
             note=f"train split, batch {batch_size}, classic with {args.workers} workers"),
        dict(what=f"  setup {size}", unit="s", classic=setup_classic, course=setup_course,
             ratio=setup_classic / setup_course, target="", note="build the loader (d2lite reads the files here)"),
    ]


# ---------------------------------------------------------------------------------------------------- training
def classic_accuracy(net: nn.Module, loader: Iterable, device: torch.device) -> float:
    """Test accuracy as the classic loop computes it: one host sync per batch."""
    net.eval()
    correct = n = 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            correct += (net(X).argmax(dim=1) == y).sum().item()        # host sync per batch
            n += y.numel()
    return correct / n


class ClassicAnimator:
    """A live plot redrawn from scratch on every update, as d2l's Animator does, rendered as a notebook shows it."""

    def __init__(self, num_epochs: int, image_format: str = "png") -> None:
        self.fig = Figure(figsize=(3.5, 2.5))
        self.ax = self.fig.add_subplot()
        self.num_epochs, self.image_format = num_epochs, image_format
        self.xs, self.ys = [[], [], []], [[], [], []]

    def add(self, x: float, *values: float | None) -> None:
        for k, value in enumerate(values):
            if value is not None:                 # d2l adds None for the curves that have no new point
                self.xs[k].append(x)
                self.ys[k].append(value)
        self.ax.cla()
        for k, (label, style) in enumerate(zip(("train loss", "train acc", "test acc"), ("-", "m--", "g-."))):
            self.ax.plot(self.xs[k], self.ys[k], style, label=label)
        self.ax.set(xlabel="epoch", xlim=(1, self.num_epochs))
        self.ax.legend()
        self.ax.grid()
        if self.image_format == "svg":            # d2l calls use_svg_display(): every redraw is an SVG
            self.fig.savefig(io.StringIO(), format="svg")
        else:
            figure_png(self.fig)                  # what display(fig) costs with the inline PNG backend


def classic_train(net: nn.Module, train_loader: Iterable, test_loader: Iterable | None, num_epochs: int,
                  lr: float, device: torch.device, *, limit_batches: int | None = None,
                  clock_from_batch: int = 0, plot: str = "epoch") -> tuple[list[float], float]:
    """The classic training loop (d2l's train_ch6 without re-initialising); returns (test accuracies, seconds).

    `plot="epoch"` redraws a PNG once per epoch (the lean baseline); `plot="d2l"` redraws as d2l's train_ch6 does:
    an SVG every fifth of the batches and once more after testing.
    For timing a fixed number of batches: `limit_batches` ends each epoch early (then nothing is evaluated or
    plotted), and the clock starts at batch `clock_from_batch` of the first epoch (the earlier ones warm up).
    """
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = ClassicAnimator(num_epochs, "svg" if plot == "d2l" else "png")
    test_accs = []
    sync(device)
    t0 = time.perf_counter()                       # restarted below when the first batches only warm up
    for epoch in range(1, num_epochs + 1):
        net.train()
        loss_sum = correct = n = 0.0
        num_batches = len(train_loader)
        for i, (X, y) in enumerate(train_loader):
            if clock_from_batch and epoch == 1 and i == clock_from_batch:
                sync(device)
                t0 = time.perf_counter()
            if limit_batches is not None and i == limit_batches:
                break
            X, y = X.to(device), y.to(device)
            optimizer.zero_grad()
            y_hat = net(X)
            batch_loss = loss(y_hat, y)
            batch_loss.backward()
            optimizer.step()
            with torch.no_grad():
                loss_sum += batch_loss.item() * y.numel()                   # host sync per batch
                correct += (y_hat.argmax(dim=1) == y).sum().item()          # and another
                n += y.numel()
            if plot == "d2l" and limit_batches is None and (
                    (i + 1) % max(num_batches // 5, 1) == 0 or i == num_batches - 1):
                animator.add(epoch - 1 + (i + 1) / num_batches, loss_sum / n, correct / n, None)
        if limit_batches is None:
            test_accs.append(classic_accuracy(net, test_loader, device))
            if plot == "d2l":
                animator.add(epoch, None, None, test_accs[-1])
            else:
                animator.add(epoch, loss_sum / n, correct / n, test_accs[-1])
    sync(device)
    return test_accs, time.perf_counter() - t0


def course_train(net: nn.Module, train_iter, test_iter, num_epochs: int, lr: float, device: torch.device):
    """d2lite.train_classifier, silent; returns (history, wall seconds)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return timed(lambda: d2lite.train_classifier(net, train_iter, test_iter, num_epochs, lr, device=device),
                     device)


def notebook_plot_seconds(history, num_epochs: int) -> float:
    """Seconds d2lite's live figure costs per epoch in a notebook, measured here by replaying `history`.

    As in TrainingPlot.epoch_end: one PNG per epoch from TrainingPlot.png (a full draw at the first epoch and
    whenever the axes change, otherwise only the curves); the total is divided by the number of epochs.
    """
    plot = TrainingPlot(num_epochs, live=False)
    fields = ("train_loss", "train_acc", "test_acc")
    t0 = time.perf_counter()
    for epoch in range(1, len(history.train_loss) + 1):
        plot.png(d2lite.training.History(**{name: getattr(history, name)[:epoch] for name in fields}))
    return (time.perf_counter() - t0) / max(len(history.train_loss), 1)


def lenet(kind: str) -> nn.Sequential:
    """The notes' LeNet (sigmoid, average pooling) or its ReLU/max-pool variant, from d2lite.models."""
    return d2lite.models.lenet() if kind == "sigmoid" else d2lite.models.lenet(nn.ReLU, nn.MaxPool2d)


def bench_training(args, device: torch.device) -> list[Row]:
    """LeNet on Fashion-MNIST: seconds per epoch and final test accuracy, course loop against classic loops.

    The loops take turns, `args.repeats` rounds of (d2lite, lean classic, d2l's loop), all from the same initial
    weights; each ratio is the median over the rounds of (classic time / d2lite time in the same round), so a
    slow spell of the machine lands on one round rather than on one side.
    """
    d2lite.seed(args.seed)
    initial = lenet(args.lenet)                               # the same initial weights for every run
    train_iter, test_iter = course_loader(args.data, args.batch_size, None, device, args.limit)
    loops = [("lean", f"lean classic: {args.workers} workers, 1 PNG redraw/epoch", args.workers, "epoch")]
    if args.d2l_loop:
        loops.append(("d2l", "d2l's train_ch6 as published: 4 workers, SVG redrawn ~6x/epoch", 4, "d2l"))
    seconds = {"course": [], "course_no_plot": [], **{key: [] for key, *_ in loops}}
    accs = {}
    course_train(copy.deepcopy(initial), train_iter, test_iter, 1, args.lr, device)  # warm-up: oneDNN builds its
    # kernels on first use; untimed, and it serves every loop since they all run the same LeNet layers
    for _ in range(args.repeats):
        history, course_s = course_train(copy.deepcopy(initial), train_iter, test_iter, args.epochs, args.lr, device)
        plot_s = notebook_plot_seconds(history, args.epochs)
        seconds["course"].append(course_s / args.epochs + plot_s)   # as in a notebook: one figure per epoch
        seconds["course_no_plot"].append(course_s / args.epochs)
        accs["course"] = history.test_acc
        for key, _, workers, plot in loops:
            torch.manual_seed(args.seed)
            train_loader = classic_loader(args.data, True, args.batch_size, None, workers, args.limit)
            test_loader = classic_loader(args.data, False, args.batch_size, None, workers, args.limit)
            accs[key], classic_s = classic_train(copy.deepcopy(initial), train_loader, test_loader, args.epochs,
                                                 args.lr, device, plot=plot)
            seconds[key].append(classic_s / args.epochs)

    def median_ratio(key: str, course_key: str = "course") -> float:
        return statistics.median(c / d for c, d in zip(seconds[key], seconds[course_key]))

    course_epoch = statistics.median(seconds["course"])
    rounds = ", ".join(f"{c:.2f}" for c in seconds["course"])
    rows = []
    for key, label, _, _ in loops:
        # On small data the test accuracy jumps by several points from one epoch to the next: average the last 3.
        classic_acc, course_acc = (statistics.mean(a[-3:]) for a in (accs[key], accs["course"]))
        gap = 100 * (course_acc - classic_acc)
        rows += [
            dict(what=f"LeNet ({args.lenet}) training vs {label}", unit="s/epoch",
                 classic=statistics.median(seconds[key]), course=course_epoch, ratio=median_ratio(key),
                 target=">= 2.5x" if device.type == "cpu" else "",
                 note=f"{args.epochs} epochs, lr {args.lr}, batch {args.batch_size}, wall time incl. test and "
                      f"d2lite's notebook figure; median of {args.repeats} rounds (ratios "
                      f"{', '.join(f'{c / d:.1f}' for c, d in zip(seconds[key], seconds['course']))}; classic "
                      f"{', '.join(f'{c:.2f}' for c in seconds[key])}, d2lite {rounds} s/epoch); without the "
                      f"figure {median_ratio(key, 'course_no_plot'):.1f}x"),
            dict(what="  test acc, last 3 epochs", unit="acc", classic=classic_acc, course=course_acc, ratio=None,
                 target="|gap| <= 2 pts", note=f"gap {gap:+.1f} points ({'OK' if abs(gap) <= 2 else 'NOT MET'}); "
                 f"final epoch: classic {accs[key][-1]:.3f}, d2lite {accs['course'][-1]:.3f}"),
        ]
    classic_epoch, plot_s = rows[0]["classic"], course_epoch - statistics.median(seconds["course_no_plot"])
    if args.proposals and device.type == "cpu":
        # A change proposed for d2lite.training: channels_last on the CPU too (today only on CUDA).
        d2lite.seed(args.seed)
        net = lenet(args.lenet).to(memory_format=torch.channels_last)
        history, cl_s = course_train(net, train_iter, test_iter, args.epochs, args.lr, device)
        cl_epoch = cl_s / args.epochs + plot_s
        rows.append(dict(what="  proposed: channels_last", unit="s/epoch", classic=classic_epoch, course=cl_epoch,
                         ratio=classic_epoch / cl_epoch, target="", note=f"d2lite with the net in channels_last "
                         f"(a proposed change), test acc {history.test_acc[-1]:.3f}"))
    return rows


# ------------------------------------------------------------------------------------------------- GPU / CNNs
def cnn_cases(quick: bool) -> list[tuple[str, Callable[[], nn.Module] | None, int | None, int, float, str]]:
    """(name, builder or None if d2lite lacks it, resize, batch size, lr, target) as in the book's GPU runs."""
    models = d2lite.models
    vgg11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
    found = {name: getattr(models, name, None) for name in ("alexnet", "vgg", "nin")}
    # --quick (a code-path check, also on a CPU): narrow nets; the book-scale nets otherwise
    div, small = (16, dict(width_divisor=16, hidden=64)) if quick else (1, {})
    return [
        ("LeNet 28x28", models.lenet, None, 256, 0.9, "<= 0.5 s"),
        ("AlexNet 224", found["alexnet"] and (lambda: found["alexnet"](10, **small)), 224, 128, 0.01, "<= 3 s"),
        ("VGG-11 /4 224", found["vgg"] and (lambda: found["vgg"](vgg11, 10, **(small or dict(width_divisor=4)))),
         224, 128, 0.05, "<= 4 s"),
        ("NiN 224", found["nin"] and (lambda: found["nin"](10, width_divisor=div)), 224, 128, 0.1, "<= 4 s"),
    ]


def bench_cnns(args, device: torch.device) -> list[Row]:
    """Seconds per epoch of 60,000 synthetic images: train_classifier against the classic loop and pipeline."""
    n_train, n_test = (8, 4) if args.quick else (60_000, 10_000)
    rows = []
    with tempfile.TemporaryDirectory(prefix="d2lite-bench-") as tmp:
        root = Path(tmp)
        write_fashion_mnist(root, n_train, n_test)
        for name, build, resize, batch_size, lr, target in cnn_cases(args.quick):
            if build is None:
                rows.append(dict(what=name, unit="s/epoch", classic=None, course=None, ratio=None, target=target,
                                 note="SKIPPED: d2lite.models has no builder for it yet"))
                continue
            batch_size = min(batch_size, n_train // 2)
            d2lite.seed(args.seed)
            net = build()
            twin = copy.deepcopy(net)
            train_iter, test_iter = course_loader(root, batch_size, resize, device)
            epochs = 1 if args.quick else 2                                       # epoch 1 warms up (autotune)
            history, _ = course_train(net, train_iter, test_iter, epochs, lr, device)
            course_epoch = history.epoch_time[-1]                                 # training only, as the target

            loader = classic_loader(root, True, batch_size, resize, args.workers)
            per_epoch = len(loader)
            warm, clocked = (1, 1) if args.quick else (5, min(args.classic_batches, per_epoch - 5))
            _, classic_s = classic_train(twin, loader, None, 1, lr, device, limit_batches=warm + clocked,
                                         clock_from_batch=warm)
            classic_epoch = classic_s / clocked * per_epoch
            rows.append(dict(what=name, unit="s/epoch", classic=classic_epoch, course=course_epoch,
                             ratio=classic_epoch / course_epoch, target=f"{target}, >= 5x",
                             note=f"{n_train:,} synthetic images, batch {batch_size}; classic: "
                                  f"{clocked} batches extrapolated to {per_epoch}"))
            progress(rows[-1])
            del net, twin, train_iter, test_iter, loader
            if device.type == "cuda":
                torch.cuda.empty_cache()
    return rows


# ------------------------------------------------------------------------------------------------------ sliders
SLIDER_PROBE = """
import json, time
from d2lite.plotting import figure_png
_value = {value!r}
_t0 = time.perf_counter(); _r = {var}.compute(_value * 1.5); _compute = time.perf_counter() - _t0
_v0 = {var}.values[0]
_t0 = time.perf_counter(); figure_png({var}.draw(_v0, {var}.results[_v0], {var}.results))
_frame = time.perf_counter() - _t0
_t0 = time.perf_counter(); {var}.add(_value); _add = time.perf_counter() - _t0
print("SLIDER_TIMING " + json.dumps(dict(compute=_compute, frame=_frame, add=_add, frames=len({var}.values))))
"""


def bench_slider(args) -> list[Row]:
    """Live mode of the weight-decay chapter's λ slider: seconds from a new value to the updated slider.

    Runs the chapter's cells up to its `slider(...)` in a kernel (as a student would), then times
    `view.add(new value)`: the retraining (compute) and the redraw of the frames, which is what the live box does.
    """
    client_note = "precomputed-frame swap: client-side JS only, no kernel or network (instant; not timed here)"
    path = ROOT / "chapters" / f"{args.slider_chapter}.ipynb"
    row = dict(what=f"slider live, {args.slider_chapter}", unit="s/value", classic=None, course=None, ratio=None,
               target="<= 1 s", note=client_note)
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        return [dict(row, note="UNMEASURED: nbclient is not installed; " + client_note)]
    if not path.exists():
        return [dict(row, note=f"UNMEASURED: {path.relative_to(ROOT)} does not exist yet; " + client_note)]
    nb = nbformat.read(path, as_version=4)
    found = [(i, re.search(r"^(\w+) = (?:d2lite\.)?(?:widgets\.)?slider\(", c.source, re.M))
             for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    found = [(i, m.group(1)) for i, m in found if m]
    if not found:
        return [dict(row, note=f"UNMEASURED: no `name = slider(...)` cell in {path.name}; " + client_note)]
    last, var = found[0]
    nb.cells = [c for c in nb.cells[:last + 1] if c.cell_type == "code"]
    nb.cells.append(nbformat.v4.new_code_cell(SLIDER_PROBE.format(var=var, value=args.slider_value)))
    env_before = dict(os.environ)
    os.environ.update(D2LITE_PROFILE=os.environ.get("D2LITE_PROFILE", "cpu"), D2LITE_DATA=str(args.data))
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except Exception as err:                                  # the chapter is someone else's work in progress
        last_line = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in str(err).splitlines() if line.strip()][-1:] or [""]
        return [dict(row, note=f"UNMEASURED: running {path.name} failed ({type(err).__name__}: {last_line[0][:100]}); "
                     + client_note)]
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    timing = json.loads(text.split("SLIDER_TIMING ", 1)[1].splitlines()[0])
    return [dict(row, course=timing["add"],
                 note=f"{var}.add({args.slider_value:g}) in a kernel: retraining {timing['compute']:.2f} s, one "
                      f"frame drawn {timing['frame']:.2f} s (only the new one; {timing['frames']} frames now); "
                      + client_note)]


# -------------------------------------------------------------------------------------------------------- table
def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "images/s":
        return f"{value:,.0f}"
    if unit == "acc":
        return f"{value:.3f}"
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def progress(*rows: Row) -> None:
    """One line per finished measurement on stderr, so a long run shows where it is."""
    for r in rows:
        ratio = "" if r["ratio"] is None else f" -> {r['ratio']:.1f}x"
        print(f"[bench] {r['what'].strip()}: classic {fmt(r['classic'], r['unit'])}, d2lite "
              f"{fmt(r['course'], r['unit'])} {r['unit']}{ratio}", file=sys.stderr, flush=True)


def print_table(rows: list[Row]) -> None:
    """Print the rows as a Markdown table (paste-able into benchmarks/README.md)."""
    print("| what | unit | classic | d2lite | d2lite advantage | target | note |")
    print("| --- | --- | ---: | ---: | ---: | --- | --- |")
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        print(f"| {r['what']} | {r['unit']} | {fmt(r['classic'], r['unit'])} | {fmt(r['course'], r['unit'])} "
              f"| {ratio} | {r['target']} | {r['note']} |")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny sizes: check that everything runs (seconds)")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (d2lite.device()); default auto")
    p.add_argument("--data", type=Path, default=None,
                   help="folder with FashionMNIST/raw (default: $D2LITE_DATA, else d2lite's cache folder)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads in this process (default: torch's choice, one per core)")
    p.add_argument("--workers", type=int, default=None,
                   help="DataLoader workers of the classic pipeline (default: 2 on a CPU, 4 with CUDA as d2l uses)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--epochs", type=int, default=10, help="LeNet training epochs, both loops (default 10)")
    p.add_argument("--lenet", choices=("sigmoid", "relu"), default="sigmoid",
                   help="LeNet of the notes (sigmoid, average pooling) or the ReLU/max-pool variant")
    p.add_argument("--lr", type=float, default=0.9, help="LeNet learning rate, both loops (default 0.9, as d2l)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None,
                   help="use only the first N images of each split, both pipelines (default: all; --quick: 512)")
    p.add_argument("--loader-seconds", type=float, default=3.0, help="time each loader at least this long")
    p.add_argument("--classic-batches", type=int, default=50, help="batches timed per CNN in the classic loop")
    p.add_argument("--only", default="loader,train,cnn,slider",
                   help="comma-separated parts to run: loader, train, cnn, slider (default: all)")
    p.add_argument("--slider-chapter", default="weight_decay", help="chapter whose slider live mode is timed")
    p.add_argument("--slider-value", type=float, default=0.05, help="the new slider value to compute (default 0.05)")
    p.add_argument("--repeats", type=int, default=3,
                   help="rounds of LeNet training, the loops taking turns; ratios are medians (default 3)")
    p.add_argument("--no-d2l-loop", dest="d2l_loop", action="store_false",
                   help="skip the second classic run, d2l's train_ch6 as published (4 workers, SVG redraws)")
    p.add_argument("--proposals", action="store_true",
                   help="also time changes proposed for d2lite (see README), next to what d2lite does today")
    p.add_argument("--cnn-on-cpu", action="store_true",
                   help="run the CNN part without CUDA too (use with --quick: it checks the code path only)")
    args = p.parse_args(argv)
    args.data = d2lite.data.data_root(args.data)
    if args.quick:
        args.epochs, args.loader_seconds, args.batch_size, args.repeats = 2, 0.0, min(args.batch_size, 32), 1
        args.limit = args.limit or 512
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    device = d2lite.device() if args.device == "auto" else torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.workers is None:
        args.workers = 4 if device.type == "cuda" else 2
    parts = set(args.only.split(","))
    print(f"# d2lite benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__} ({torch.get_num_threads()} "
          f"threads), device {device}" + (f" ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else ""))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    policy = os.environ.get("OMP_WAIT_POLICY", "(unset)")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs, OMP_WAIT_POLICY={policy}")
    if load > (os.cpu_count() or 1) and not os.environ.get("OMP_WAIT_POLICY"):
        print("  the machine is busy: torch's OpenMP threads spin while they wait for each other and can run "
              "many times slower;\n  compare with OMP_WAIT_POLICY=PASSIVE or --threads 1 (see benchmarks/README.md)")
    sizes = [len(d.targets) for d in (datasets.FashionMNIST(str(args.data), train=t) for t in (True, False))]
    used = "" if args.limit is None else f", using the first {args.limit:,} of each"
    print(f"data: {args.data} ({sizes[0]:,} train / {sizes[1]:,} test images{used})\n", flush=True)

    rows: list[Row] = []
    if "loader" in parts:
        for resize, batch_size in ((None, args.batch_size), (224, args.batch_size), (224, 128)):
            if resize is None or batch_size == args.batch_size or args.batch_size > 128:
                rows += bench_loader(args, device, resize, batch_size)
                progress(rows[-2])
    if "train" in parts:
        new = bench_training(args, device)
        rows += new
        progress(*new)
    if "cnn" in parts:
        if device.type == "cuda" or args.cnn_on_cpu:
            rows += bench_cnns(args, device)
        else:
            rows.append(dict(what="CNNs on a GPU", unit="s/epoch", classic=None, course=None, ratio=None,
                             target="see README", note=f"UNMEASURED: no CUDA device (running on {device})"))
    if "slider" in parts:
        rows += bench_slider(args)
    print_table(rows)
    print("\nd2lite advantage = classic / d2lite for times, d2lite / classic for rates (higher is better for d2lite).")


if __name__ == "__main__":
    main()
