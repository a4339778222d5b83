"""One command for a GPU machine: speed in every precision, the same accuracy, every chapter at the `gpu` budget.

    python benchmarks/gpu_check.py              # on a CUDA GPU: at most ~8 minutes, prints Markdown tables
    python benchmarks/gpu_check.py --dry-run    # anywhere: the same code on the CPU at the smoke sizes (seconds)

1. Speed: one epoch of 60,000 synthetic 28x28 images (IDX files written to a temporary folder) through LeNet,
   AlexNet, VGG-11 and NiN at their chapter's `gpu` budget (input size, width, batch size), after a short warm-up
   (cuDNN autotuning), in every precision this GPU supports: float32; float16 with a GradScaler (compute
   capability >= 7.0); bfloat16 where the hardware has it (what `d2lite.amp_dtype` checks).
2. Accuracy: each CNN trained for a few epochs on the mini set ($D2LITE_DATA) in each precision from the same
   initial weights and seed; the final test accuracies must agree within --tolerance.
3. Chapters: every chapter in _toc.yml executed under D2LITE_PROFILE=gpu on the mini set, as a student's Run all.

Each part stops starting new work when --budget-s runs out (what was skipped is listed). Exit status: 0 when
everything ran and agreed, 1 when something failed or differed, 2 without CUDA (unless --dry-run).
To time a precision d2lite would not pick here, the script swaps `d2lite.training.amp_dtype` while it trains.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                     # this checkout's d2lite and tools/
import d2lite  # noqa: E402
from course_timing import execute  # noqa: E402  (benchmarks/course_timing.py, the chapter runner)
from tools.book import chapter_budget, chapter_notebooks  # noqa: E402
from tools.idx import write_fashion_mnist  # noqa: E402

VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
# network, its chapter, how the chapter builds it from its budget, its initialisation (None: PyTorch's default),
# and the learning rate when the budget has none (the LeNet chapter's is cfg.lr_sigmoid = 0.9)
CASES: list[tuple[str, str, Callable, str | None, float]] = [
    ("LeNet", "chapters/lenet", lambda cfg: d2lite.models.lenet(), "xavier", 0.9),
    ("AlexNet", "chapters/alexnet", lambda cfg: d2lite.models.alexnet(
        width_divisor=cfg.width_divisor, hidden=cfg.hidden, image_size=cfg.resize), "kaiming", 0.01),
    ("VGG-11", "chapters/vgg", lambda cfg: d2lite.models.vgg(
        VGG11, width_divisor=cfg.width_divisor, hidden=cfg.hidden, image_size=cfg.resize), "kaiming", 0.01),
    ("NiN", "chapters/nin", lambda cfg: d2lite.models.nin(width_divisor=cfg.width_divisor), "kaiming", 0.01),
    ("ResNet-18", "chapters/resnet",
     lambda cfg: d2lite.models.resnet18(width_divisor=cfg.width_divisor), None, 0.05),
]


def name(dtype: torch.dtype | None) -> str:
    return "float32" if dtype is None else str(dtype).removeprefix("torch.")


def precisions(device: torch.device) -> list[torch.dtype | None]:
    """float32, then every autocast dtype this device runs (on a GPU: what its hardware has)."""
    if device.type == "cuda":
        major, _ = torch.cuda.get_device_capability(device)
        found = [torch.float16] if major >= 7 else []
        return [None] + found + ([torch.bfloat16] if d2lite.amp_dtype(device) == torch.bfloat16 else [])
    found = []
    for dtype in (torch.float16, torch.bfloat16):       # the dry run: whatever CPU autocast supports
        try:
            with torch.autocast("cpu", dtype=dtype):
                nn.Linear(2, 2)(torch.ones(1, 2))
            found.append(dtype)
        except Exception:
            pass
    return [None] + found


@contextlib.contextmanager
def trained_in(dtype: torch.dtype | None):
    """Make train_classifier and evaluate_accuracy use `dtype` instead of d2lite's own choice."""
    original = d2lite.training.amp_dtype
    d2lite.training.amp_dtype = lambda device: dtype
    try:
        yield
    finally:
        d2lite.training.amp_dtype = original


def fresh_net(build: Callable, init: str | None, cfg, seed: int = 0) -> nn.Module:
    """The chapter's network with the chapter's initialisation, the same for every precision."""
    d2lite.seed(seed)
    net = build(cfg)
    return d2lite.init_weights(net, init) if init else net


def train(net: nn.Module, cfg, lr: float, train_iter, test_iter, num_epochs: int) -> d2lite.History:
    return d2lite.train_classifier(net, train_iter, test_iter, num_epochs, getattr(cfg, "lr", lr),
                                   momentum=getattr(cfg, "momentum", 0.0), plot=False, verbose=False,
                                   clip_grad_norm=getattr(cfg, "clip_grad_norm", None))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def free(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


class Run:
    """The state of the whole check: options, device, deadline, and whether anything failed."""

    def __init__(self, args: argparse.Namespace, device: torch.device) -> None:
        self.args, self.device, self.failed = args, device, False
        self.deadline = time.perf_counter() + args.budget_s
        self.profile = "smoke" if args.dry_run else "gpu"

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def cell(self, fn: Callable[[], str]) -> str:
        """One table cell: fn()'s text, SKIPPED when the time budget is spent, FAILED (and remembered) on error."""
        if self.left() <= 0:
            return "SKIPPED (time budget)"
        try:
            return fn()
        except Exception as err:                     # e.g. cuDNN "unable to find an engine" in one precision
            self.failed = True
            return f"FAILED: {type(err).__name__}: {str(err).splitlines()[0][:100] if str(err) else ''}"
        finally:
            free(self.device)


def speed(run: Run, dtypes: list) -> None:
    """Part 1: seconds per epoch of `--images` synthetic images, each CNN in each precision."""
    n = run.args.images
    print(f"\n## 1. One epoch of {n:,} synthetic images at the chapters' `{run.profile}` sizes (training only)\n")
    print("| network | input | batch | " + " | ".join(f"{name(d)} s/epoch" for d in dtypes) + " |")
    print("| --- | --- | ---: |" + " ---: |" * len(dtypes))
    with tempfile.TemporaryDirectory(prefix="d2lite-gpu-check-") as tmp:
        write_fashion_mnist(Path(tmp), n_train=n, n_test=256)
        for network, chapter, build, init, lr in CASES:
            cfg = chapter_budget(chapter, run.profile)
            resize = getattr(cfg, "resize", None)
            batches = dict(batch_size=cfg.batch_size, resize=resize, root=tmp, device=run.device, verbose=False)
            full, test_iter = d2lite.fashion_mnist(**batches)
            warm, _ = d2lite.fashion_mnist(**batches, n_train=min(n, cfg.batch_size * run.args.warmup_batches))

            def epoch(dtype) -> str:
                with trained_in(dtype):
                    net = fresh_net(build, init, cfg)
                    train(net, cfg, lr, warm, test_iter, 1)              # warm-up: cuDNN picks its kernels
                    sync(run.device)
                    history = train(net, cfg, lr, full, test_iter, 1)
                return f"{history.epoch_time[-1]:.2f}"

            cells = [run.cell(lambda d=d: epoch(d)) for d in dtypes]
            size = f"{resize}x{resize}" if resize else "28x28"
            print(f"| {network} | {size} | {cfg.batch_size} | " + " | ".join(cells) + " |", flush=True)


def accuracy(run: Run, dtypes: list) -> None:
    """Part 2: each CNN trained in each precision from the same weights; test accuracies must agree."""
    data = d2lite.data.data_root(run.args.data)
    print(f"\n## 2. Test accuracy in each precision, same initial weights and seed (data: {data})\n")
    print("| network | epochs | " + " | ".join(f"{name(d)} acc" for d in dtypes) + " | largest gap | status |")
    print("| --- | ---: |" + " ---: |" * len(dtypes) + " ---: | --- |")
    for network, chapter, build, init, lr in CASES:
        cfg = chapter_budget(chapter, run.profile)
        epochs = min(cfg.num_epochs, run.args.epochs)
        accs: list[float] = []

        def final_accuracy(dtype) -> str:
            train_iter, test_iter = d2lite.fashion_mnist(
                cfg.batch_size, getattr(cfg, "resize", None), root=data, device=run.device, download=False,
                n_train=cfg.n_train, n_test=cfg.n_test, verbose=False)
            with trained_in(dtype):
                history = train(fresh_net(build, init, cfg), cfg, lr, train_iter, test_iter, epochs)
            if history.diverged_at is not None:
                raise FloatingPointError(f"diverged at epoch {history.diverged_at}")
            accs.append(history.test_acc[-1])
            return f"{accs[-1]:.3f}"

        cells = [run.cell(lambda d=d: final_accuracy(d)) for d in dtypes]
        gap = max(accs) - min(accs) if len(accs) == len(dtypes) else None
        status = "incomplete" if gap is None else "same" if gap <= run.args.tolerance else "DIFFERS"
        run.failed |= status == "DIFFERS" and not run.args.dry_run   # a dry run's accuracies mean nothing
        shown = "-" if gap is None else f"{gap:.3f}"
        print(f"| {network} | {epochs} | " + " | ".join(cells) + f" | {shown} | {status} |", flush=True)


def chapters(run: Run) -> None:
    """Part 3: every chapter of the book executed under the budget's profile, as a student's Run all does."""
    notebooks = [p for p in chapter_notebooks(run.args.book) if run.args.only in str(p)]
    print(f"\n## 3. Every chapter under D2LITE_PROFILE={run.profile} (data: {os.environ.get('D2LITE_DATA')})\n")
    print("| chapter | seconds | status |")
    print("| --- | ---: | --- |")
    os.environ["D2LITE_PROFILE"] = run.profile            # the kernels inherit this process's environment
    for path in notebooks:
        label = str(path.relative_to(run.args.book).with_suffix(""))
        if run.left() <= 0:
            print(f"| {label} | - | SKIPPED (time budget) |")
            continue
        seconds, status, _ = execute(path, timeout=max(int(run.left()), 30))
        if status != "ok" and run.left() <= 0:
            status = "STOPPED: the time budget ran out while it ran"     # not the chapter's fault
        run.failed |= status.startswith("FAILED")
        print(f"| {label} | {seconds:.1f} | {status} |", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dry-run", action="store_true",
                   help="run on the CPU at the chapters' smoke sizes: checks the script, measures nothing")
    p.add_argument("--parts", default="speed,accuracy,chapters", help="which parts to run (default: all three)")
    p.add_argument("--images", type=int, default=None, help="synthetic images per epoch (60,000; dry run: 64)")
    p.add_argument("--warmup-batches", type=int, default=None, help="untimed batches first (20; dry run: 1)")
    p.add_argument("--epochs", type=int, default=3, help="epochs of the accuracy comparison (at most the budget's)")
    p.add_argument("--tolerance", type=float, default=0.03, help="largest accuracy gap between precisions")
    p.add_argument("--data", default=None, help="the mini set's folder (default: $D2LITE_DATA)")
    p.add_argument("--book", type=Path, default=ROOT, help="the book whose _toc.yml chapters part 3 executes")
    p.add_argument("-k", dest="only", default="", help="part 3: only chapters whose path contains this text")
    p.add_argument("--budget-s", type=float, default=450.0, help="stop starting new work after this many seconds")
    args = p.parse_args(argv)
    args.images = args.images or (64 if args.dry_run else 60_000)
    args.warmup_batches = args.warmup_batches or (1 if args.dry_run else 20)
    if args.data:
        os.environ["D2LITE_DATA"] = str(Path(args.data).expanduser().absolute())   # the chapters' kernels too
    args.book = args.book.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not torch.cuda.is_available() and not args.dry_run:
        print(f"gpu_check.py needs a CUDA GPU, and torch {torch.__version__} sees none here. Run it on a GPU "
              "machine, or add --dry-run to check the script itself on this CPU (it measures nothing).",
              file=sys.stderr)
        return 2
    device = torch.device("cpu") if args.dry_run else torch.device("cuda")
    run, dtypes = Run(args, device), precisions(device)
    print(f"# gpu_check, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
          + (" (DRY RUN on the CPU: the figures mean nothing)" if args.dry_run else ""))
    print(f"command: python {' '.join(sys.argv)}")
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}; {d2lite.precision.summary(device)}")
    print(f"precisions compared: {', '.join(name(d) for d in dtypes)}")
    parts = set(args.parts.split(","))
    started = time.perf_counter()
    if "speed" in parts:
        speed(run, dtypes)
    if "accuracy" in parts:
        accuracy(run, dtypes)
    if "chapters" in parts:
        chapters(run)
    print(f"\ntotal {time.perf_counter() - started:.0f} s; "
          f"{'something FAILED or DIFFERS (see above)' if run.failed else 'everything ran and agreed'}")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(main())
