"""Shared fixtures: the project root, small IDX datasets written on the fly, and the built site."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"           # Debian's package; Playwright's own browser download cannot work here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# Notebooks run with their own folder as the working directory, so a relative D2LITE_DATA must become absolute.
if os.environ.get("D2LITE_DATA"):
    os.environ["D2LITE_DATA"] = str(Path(os.environ["D2LITE_DATA"]).expanduser().absolute())


def write_idx(path: Path, array: torch.Tensor) -> None:
    """Write a uint8 tensor as an IDX file (big-endian int32 header: magic, then each dimension)."""
    magic = 0x0800 | array.dim()                      # 0x08 = unsigned byte data
    header = struct.pack(f">{1 + array.dim()}i", magic, *array.shape)
    path.write_bytes(header + array.to(torch.uint8).contiguous().numpy().tobytes())


def make_fashion_mnist(root: Path, n_train: int = 96, n_test: int = 40, seed: int = 0) -> dict[str, torch.Tensor]:
    """Write a tiny random Fashion-MNIST in torchvision's layout under root; return what was written."""
    g = torch.Generator().manual_seed(seed)
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8)
        labels = torch.randint(0, 10, (n,), generator=g, dtype=torch.uint8)
        write_idx(raw / f"{split}-images-idx3-ubyte", images)
        write_idx(raw / f"{split}-labels-idx1-ubyte", labels)
        out[split] = (images, labels.long())
    return out


@pytest.fixture
def tiny_data(tmp_path):
    """A tiny random Fashion-MNIST on disk: (root, {'train': (X, y), 't10k': (X, y)})."""
    return tmp_path, make_fashion_mnist(tmp_path)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The Fashion-MNIST folder the notebooks use ($D2LITE_DATA); skips if none is set."""
    if not os.environ.get("D2LITE_DATA"):
        pytest.skip("set D2LITE_DATA to a folder with FashionMNIST/raw (e.g. ../shared/data)")
    return Path(os.environ["D2LITE_DATA"])


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the whole book once (notebooks executed, warnings are errors); return the html folder."""
    out = tmp_path_factory.mktemp("book")
    env = dict(os.environ, D2LITE_PROFILE=os.environ.get("D2LITE_PROFILE", "smoke"))
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", "-W", "-n", "--keep-going", "--path-output", str(out), str(ROOT)],
                          capture_output=True, text=True, env=env, timeout=3000)
    if proc.returncode != 0:
        pytest.fail(f"jupyter-book build failed ({proc.returncode}):\n{proc.stdout[-6000:]}\n{proc.stderr[-4000:]}")
    return out / "_build" / "html"


@pytest.fixture(scope="session")
def site(request) -> Path:
    """The built html folder: $D2LITE_SITE if set (an already built site), else the book built by `built_site`."""
    if os.environ.get("D2LITE_SITE"):
        return Path(os.environ["D2LITE_SITE"]).absolute()
    return request.getfixturevalue("built_site")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the system package, driven by Playwright (one for the whole session)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (.ci/run does).")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
