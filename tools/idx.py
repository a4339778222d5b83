"""Fashion-MNIST in torchvision's IDX layout, written on the fly for tests and benchmarks (never committed)."""
from __future__ import annotations

import struct
from pathlib import Path

import torch


def write_idx(path: Path, array: torch.Tensor) -> None:
    """Write a uint8 tensor as an IDX file (big-endian int32 header: magic, then each dimension)."""
    magic = 0x0800 | array.dim()                      # 0x08 = unsigned byte data
    header = struct.pack(f">{1 + array.dim()}i", magic, *array.shape)
    Path(path).write_bytes(header + array.to(torch.uint8).contiguous().numpy().tobytes())


def write_fashion_mnist(root: Path, n_train: int = 96, n_test: int = 40,
                        seed: int = 0) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Write random 28x28 images and labels as root/FashionMNIST/raw/*-ubyte; return {'train'|'t10k': (X, y)}."""
    g = torch.Generator().manual_seed(seed)
    raw = Path(root) / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=g, dtype=torch.uint8)
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
        out[split] = (images, labels.long())
    return out
