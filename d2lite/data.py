"""Fashion-MNIST kept in memory on the device, batched and resized there (LeNet chapter onward)."""
from __future__ import annotations

import math
import os
import socket
import textwrap
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import torch
import torch.nn.functional as F

from . import guards
from .config import device as best_device

TEXT_LABELS = ("t-shirt", "trouser", "pullover", "dress", "coat",
               "sandal", "shirt", "sneaker", "bag", "ankle boot")
FULL_SIZES = {"train": 60_000, "test": 10_000}


class DatasetNotFoundError(RuntimeError):
    """Raised when Fashion-MNIST is neither on disk nor downloadable; the message says what to do."""


class DatasetDamagedError(RuntimeError):
    """Raised when a Fashion-MNIST file on disk is damaged (truncated, not an IDX file); the message names it."""


class Batches:
    """One split as a uint8 tensor on the device, yielding float (B, 1, H, W) batches in [0, 1]."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, batch_size: int, *,
                 shuffle: bool, resize: int | tuple[int, int] | None = None, seed: int = 0,
                 source: str = "") -> None:
        if images.dtype != torch.uint8 or images.dim() != 3:
            raise ValueError(f"images must be a uint8 tensor of shape (N, H, W), got {images.dtype} {tuple(images.shape)}")
        batch_size = guards.whole_number("batch_size", batch_size, example=" (images per batch, e.g. 256)")
        self.images, self.labels = images, labels        # (N, H, W) uint8, (N,) int64
        self.batch_size, self.shuffle, self.source = batch_size, shuffle, source
        self.resize = guards.image_size("resize", resize)
        self._generator = torch.Generator()            # a new order each epoch, the same orders after each reseed
        self.reseed(seed)

    def reseed(self, seed: int) -> "Batches":
        """Start the shuffled orders over from `seed`, so the next epochs repeat a run's batches (all chapters)."""
        self._generator.manual_seed(guards.whole_number("seed", seed, minimum=0))
        return self

    @property
    def num_examples(self) -> int:
        """Number of images in this split."""
        return len(self.labels)

    @property
    def device(self) -> torch.device:
        """Where the images live, and so where every batch is made."""
        return self.images.device

    def __len__(self) -> int:
        return math.ceil(self.num_examples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n, b = self.num_examples, self.batch_size
        order = torch.randperm(n, generator=self._generator).to(self.device) if self.shuffle else None
        for start in range(0, n, b):
            if order is None:                                  # contiguous slices: no copy of the index
                X, y = self.images[start:start + b], self.labels[start:start + b]
            else:
                idx = order[start:start + b]
                X, y = self.images[idx], self.labels[idx]
            yield self.to_float(X), y

    def sample(self, n: int) -> torch.Tensor:
        """The first n images (all if fewer) as float (n, 1, H, W) in [0, 1] on the device, resized as the batches
        are; their labels are `labels[:n]` (AlexNet chapter onward)."""
        n = guards.whole_number("n", n, example=" (how many images, e.g. train_iter.sample(8))")
        return self.to_float(self.images[:n])

    def to_float(self, X: torch.Tensor) -> torch.Tensor:
        """Turn a uint8 (B, H, W) batch into float (B, 1, H', W') in [0, 1], resized on its device."""
        X = X.unsqueeze(1)                                    # (B, 1, H, W) uint8
        if self.resize is not None and tuple(X.shape[-2:]) != self.resize:
            # The CPU resizes uint8 directly (faster, and exactly PIL's pixels); CUDA kernels need floats.
            X = X if X.device.type == "cpu" else X.float()
            X = F.interpolate(X, size=self.resize, mode="bilinear", align_corners=False, antialias=True)
        return X.float().div_(255)

    def __repr__(self) -> str:
        size = f"{self.resize[0]}x{self.resize[1]}" if self.resize else "x".join(map(str, self.images.shape[1:]))
        return (f"Batches({self.num_examples:,} images {size}, batch_size={self.batch_size}, "
                f"{len(self)} batches, shuffle={self.shuffle}, device={self.device})")


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: `root`, else $D2LITE_DATA, else a per-user cache folder (never the current folder)."""
    if root is None:
        root = os.environ.get("D2LITE_DATA") or None
    if root is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(cache) / "d2lite" / "data"
    return Path(root).expanduser().absolute()


def _can_reach(url: str, timeout: float = 3.0) -> bool:
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((parsed.hostname, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def _idx_problem(path: Path, ndim: int) -> str:
    """Why `path` is not a valid uint8 IDX file of `ndim` dimensions ('' if it is)."""
    size = path.stat().st_size
    header = path.open("rb").read(4 + 4 * ndim)
    if len(header) < 4 + 4 * ndim:
        return f"it holds only {size} bytes, less than its header"
    if header[:3] != b"\x00\x00\x08" or header[3] != ndim:
        return "it does not start like an IDX file of bytes (a download page or another file saved under its name?)"
    dims = [int.from_bytes(header[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    expected = 4 + 4 * ndim + math.prod(dims)
    if size != expected:
        return f"its header promises {expected:,} bytes but it has {size:,} (cut off while downloading or copying?)"
    return ""


def _check_files(raw: Path, train: bool) -> None:
    """Raise DatasetDamagedError naming the first damaged file of a split that is on disk."""
    prefix = "train" if train else "t10k"
    files = [(raw / f"{prefix}-images-idx3-ubyte", 3), (raw / f"{prefix}-labels-idx1-ubyte", 1)]
    if not all(path.exists() for path, _ in files):
        return                                         # not there (yet): torchvision downloads it
    for path, ndim in files:
        problem = _idx_problem(path, ndim)
        if problem:
            raise DatasetDamagedError(f"The Fashion-MNIST file {path} is damaged: {problem}. Delete it and run this "
                                      "again: d2lite then downloads a fresh copy (or copy the file again from "
                                      "where you got it).")
    counts = [int.from_bytes(path.open("rb").read(8)[4:], "big") for path, _ in files]
    if counts[0] != counts[1]:
        raise DatasetDamagedError(f"The Fashion-MNIST files in {raw} do not match: {files[0][0].name} holds "
                                  f"{counts[0]:,} images but {files[1][0].name} {counts[1]:,} labels. Delete both "
                                  "and run this again to download a fresh copy.")


def _read_split(root: Path, train: bool, download: bool):
    from torchvision.datasets import FashionMNIST   # imported here so that `import d2lite` stays cheap

    raw = root / "FashionMNIST" / "raw"
    _check_files(raw, train)
    try:
        return FashionMNIST(str(root), train=train, download=False)
    except RuntimeError:
        pass                                           # not on disk yet
    advice = ("Either connect to the internet and run this again, or point the environment variable "
              "D2LITE_DATA (or the root= argument) at a folder that holds FashionMNIST/raw/ with the IDX files, "
              "e.g. D2LITE_DATA=../shared/data.")
    if not download:
        raise DatasetNotFoundError(f"Fashion-MNIST is not in {raw} and download=False. {advice}")
    if not any(_can_reach(m) for m in FashionMNIST.mirrors):
        raise DatasetNotFoundError(
            f"Fashion-MNIST is not in {raw}, and it cannot be downloaded: no network connection to "
            f"{', '.join(urlparse(m).hostname for m in FashionMNIST.mirrors)}. {advice}")
    print(f"Downloading Fashion-MNIST (30 MB) into {root} ...")
    try:
        return FashionMNIST(str(root), train=train, download=True)
    except Exception as err:                            # a broken download: say what to do, not a traceback
        raise DatasetNotFoundError(f"Downloading Fashion-MNIST into {root} failed ({err}). {advice}") from None


def fashion_mnist(batch_size: int, resize: int | tuple[int, int] | None = None, *,
                  root: str | os.PathLike | None = None, device: torch.device | str | None = None,
                  n_train: int | None = None, n_test: int | None = None, seed: int = 0,
                  download: bool = True, verbose: bool = True) -> tuple[Batches, Batches]:
    """Return (train_iter, test_iter) over Fashion-MNIST held on the device (LeNet chapter).

    `n_train`/`n_test` keep only the first images of each split (small budgets); `resize` happens
    per batch on the device. Data is read from `root`, else $D2LITE_DATA, else ~/.cache/d2lite/data.
    """
    guards.whole_number("batch_size", batch_size, example=" (images per batch, e.g. 256)")
    guards.image_size("resize", resize)
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if n is not None:
            guards.whole_number(name, n, example=f" (how many images to keep; {name}=None keeps them all)")
    root = data_root(root)
    device = guards.device(device) or best_device()
    splits = []
    for train, n_keep in ((True, n_train), (False, n_test)):
        ds = _read_split(root, train, download)
        images, labels = ds.data, ds.targets              # (N, 28, 28) uint8, (N,) int64
        if n_keep is not None:
            images, labels = images[:n_keep], labels[:n_keep]
        splits.append((images.to(device), labels.to(device), len(ds.targets)))
    (Xtr, ytr, full_tr), (Xte, yte, full_te) = splits
    mini = full_tr < FULL_SIZES["train"] or full_te < FULL_SIZES["test"]
    source = (f"Fashion-MNIST {'MINI SUBSET ' if mini else ''}from {root}: using {len(ytr):,} of {full_tr:,} "
              f"training and {len(yte):,} of {full_te:,} test images")
    if mini:
        source += " (accuracies are NOT comparable with published full Fashion-MNIST results)"
    if verbose:
        print(textwrap.fill(source, width=88, subsequent_indent="  ", break_long_words=False,
                            break_on_hyphens=False))
    train_iter = Batches(Xtr, ytr, batch_size, shuffle=True, resize=resize, seed=seed, source=source)
    test_iter = Batches(Xte, yte, batch_size, shuffle=False, resize=resize, source=source)
    return train_iter, test_iter


def text_labels(y: torch.Tensor | list[int]) -> list[str]:
    """Names of Fashion-MNIST classes for a tensor or list of label indices."""
    return [TEXT_LABELS[int(i)] for i in y]


def _whole_number(name: str, value) -> int:
    """`value` as an int, or a ValueError saying that `name` must be a whole number."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{name} must be a whole number, got {value!r}.")
    return value.__index__()


def k_fold(n: int, k: int, *, shuffle: bool = True,
           seed: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield (train_idx, val_idx) for K-fold cross-validation of n examples (model selection chapter).

    The indices 0..n-1 are split into k blocks of nearly equal size (shuffled first, with `seed`, unless
    shuffle=False). Fold i validates on block i and trains on all the others, so every index is validated
    exactly once. Both index tensors are int64 and sorted.
    """
    n, k = _whole_number("n", n), _whole_number("k", k)
    if k < 2:
        raise ValueError(f"k-fold cross-validation needs k >= 2 folds (k = 1 would leave no data to train on), "
                         f"got k={k}.")
    if k > n:
        raise ValueError(f"k={k} folds need at least k examples, but n={n}: use k <= n (k = n is leave-one-out).")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)) if shuffle else torch.arange(n)
    blocks = torch.tensor_split(order, k)                  # k blocks; the first n % k get one extra example
    return ((torch.cat(blocks[:i] + blocks[i + 1:]).sort().values, blocks[i].sort().values) for i in range(k))
