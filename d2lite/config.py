"""Where the course runs: the compute budget ("profile"), the device, and seeding."""
from __future__ import annotations

import os
import random
import sys
import textwrap
from types import SimpleNamespace
from typing import Any

import torch

from .precision import summary as precision_summary

PROFILES = ("smoke", "cpu", "gpu")

_PROFILE_MEANING = {
    "smoke": "seconds per notebook, tiny data and models: numbers only show that the code runs",
    "cpu": "a few minutes per chapter on a 2-core laptop: reduced data, sizes and epochs",
    "gpu": "book scale on a GPU: the full dataset, full-size inputs and models",
}


def profile() -> str:
    """Return the compute budget: $D2LITE_PROFILE if set, else "gpu" with CUDA, else "cpu" (all chapters)."""
    chosen = os.environ.get("D2LITE_PROFILE", "").strip().lower()
    if chosen:
        if chosen not in PROFILES:
            raise ValueError(
                f"D2LITE_PROFILE={chosen!r} is not a profile; use one of {', '.join(PROFILES)} "
                "(or unset it to pick automatically)."
            )
        return chosen
    return "gpu" if torch.cuda.is_available() else "cpu"


def device() -> torch.device:
    """Return the best device here: CUDA, else Apple MPS, else the CPU (all chapters)."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def budget(*, smoke: dict[str, Any] | None = None, cpu: dict[str, Any] | None = None,
           gpu: dict[str, Any] | None = None, verbose: bool = True, **shared: Any) -> SimpleNamespace:
    """Pick a notebook's sizes for the active profile and print which budget runs (all chapters).

    Shared sizes are keyword arguments; `smoke`, `cpu` and `gpu` override some of them for one profile, so each
    size is written once: ``cfg = budget(num_epochs=10, lr=0.1, smoke=dict(num_epochs=1), cpu=dict(num_epochs=5))``
    then use ``cfg.num_epochs``. A name that is not shared must be set by all three profiles.
    """
    table = {"smoke": smoke or {}, "cpu": cpu or {}, "gpu": gpu or {}}
    for name, overrides in table.items():
        if not isinstance(overrides, dict):
            raise TypeError(f"budget({name}=...) must be a dict of sizes, e.g. {name}=dict(num_epochs=2), "
                            f"got {type(overrides).__name__}.")
    for key in sorted(set().union(*table.values()) - set(shared)):
        missing = [name for name, overrides in table.items() if key not in overrides]
        if missing:
            raise ValueError(f"budget: {key!r} is set for some profiles but not for {', '.join(missing)}: "
                             f"give it a shared value ({key}=...) or set it in every profile.")
    name = profile()
    sizes = {**shared, **table[name]}
    if verbose:
        how = "set by D2LITE_PROFILE" if os.environ.get("D2LITE_PROFILE") else "picked automatically"
        shown = textwrap.fill(", ".join(f"{k}={v}" for k, v in sizes.items()), width=86,
                              initial_indent="  ", subsequent_indent="  ", break_long_words=False)
        print(f"Budget: '{name}' ({how};\n  {_PROFILE_MEANING[name]}).\n{shown}")
    return SimpleNamespace(profile=name, **sizes)


def seed(value: int = 0) -> None:
    """Seed Python's and PyTorch's random generators so a rerun gives the same numbers (all chapters)."""
    random.seed(value)
    torch.manual_seed(value)


def in_notebook() -> bool:
    """True inside a Jupyter or Colab kernel, False in a plain Python script or terminal IPython."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def in_colab() -> bool:
    """True when running on Google Colab."""
    return "google.colab" in sys.modules


def hello() -> None:
    """Print the setup a notebook runs under, the GPU and its precision, how to get a GPU on Colab (all chapters)."""
    dev = device()
    print(f"d2lite ready | torch {torch.__version__} | device: {dev} | profile: {profile()}")
    print(f"  {precision_summary(dev)}")
    if in_colab() and dev.type != "cuda":
        print(
            "You are on a Colab CPU runtime: the CNN chapters will take many minutes.\n"
            "  Switch to a GPU: Runtime > Change runtime type > Hardware accelerator: GPU (e.g. T4) > Save,\n"
            "  then run this notebook again from the top."
        )
