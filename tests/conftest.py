"""Shared fixtures: the project root, small IDX datasets written on the fly, and the built site."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.idx import write_fashion_mnist, write_idx  # noqa: F401  (one IDX writer, shared with benchmarks/)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"           # Debian's package; Playwright's own browser download cannot work here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# Notebooks run with their own folder as the working directory, so a relative D2LITE_DATA must become absolute.
if os.environ.get("D2LITE_DATA"):
    os.environ["D2LITE_DATA"] = str(Path(os.environ["D2LITE_DATA"]).expanduser().absolute())


@pytest.fixture
def tiny_data(tmp_path):
    """A tiny random Fashion-MNIST on disk: (root, {'train': (X, y), 't10k': (X, y)})."""
    return tmp_path, write_fashion_mnist(tmp_path)


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
