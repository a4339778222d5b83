"""Each CNN chapter's network, as the chapter writes it, equals d2lite.models' version: same layers, same shapes.

The chapters teach a network by writing it out (`nn.Sequential(...)` with shape comments); later chapters import
it from `d2lite.models`. This test runs the chapter's own code cells tagged `network` (and nothing else) in a fresh
namespace, builds the network, and compares it layer by layer with the `d2lite.models` call, so the two can never
drift apart. To cover a new chapter, add one row to NETWORKS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import nbformat
import pytest
import torch
from torch import nn

from chapters import ROOT
from d2lite import models
from d2lite.plotting import architecture_blocks

TAG = "network"
VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))   # the notes' VGG-11


@dataclass
class ChapterNetwork:
    chapter: str                        # chapters/<chapter>.ipynb
    build: str                          # an expression evaluated after the tagged cells, e.g. "net" or "vgg(arch)"
    reference: Callable[[], nn.Module]  # the d2lite.models call it must equal
    input_shape: tuple[int, ...]        # batch first


NETWORKS = [
    ChapterNetwork("lenet", "net", lambda: models.lenet(), (1, 1, 28, 28)),
    ChapterNetwork("alexnet", "net", lambda: models.alexnet(), (1, 1, 224, 224)),
    ChapterNetwork("vgg", "vgg_block(2, 64, 128)", lambda: models.vgg_block(2, 64, 128), (1, 64, 56, 56)),
    ChapterNetwork("vgg", "vgg(conv_arch)", lambda: models.vgg(VGG11), (1, 1, 224, 224)),
    ChapterNetwork("vgg", "vgg(tuple((n, c // 8) for n, c in conv_arch), image_size=32, hidden=256)",
                   lambda: models.vgg(VGG11, width_divisor=8, hidden=256, image_size=32), (1, 1, 32, 32)),
    ChapterNetwork("nin", "nin_block(96, 256, 5, 1, 2)", lambda: models.nin_block(96, 256, 5, 1, 2), (1, 96, 26, 26)),
    ChapterNetwork("nin", "nin()", lambda: models.nin(), (1, 1, 224, 224)),
    ChapterNetwork("nin", "nin(width_divisor=8)", lambda: models.nin(width_divisor=8), (1, 1, 68, 68)),
]


def network_cells(chapter: str) -> list[str]:
    """The sources of a chapter's code cells tagged `network`, in order."""
    nb = nbformat.read(ROOT / "chapters" / f"{chapter}.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and TAG in c.get("metadata", {}).get("tags", [])]


def chapter_network(entry: ChapterNetwork) -> nn.Module:
    """Run the chapter's `network` cells in a fresh namespace (torch and nn imported) and evaluate `entry.build`."""
    cells = network_cells(entry.chapter)
    assert cells, f"chapters/{entry.chapter}.ipynb has no code cell tagged {TAG!r}"
    namespace: dict = {"torch": torch, "nn": nn}
    for source in cells:
        exec(compile(source, f"{entry.chapter}.ipynb[{TAG}]", "exec"), namespace)
    return eval(entry.build, namespace)


def layers(net: nn.Module) -> list[str]:
    """Every layer (nested Sequentials flattened) with its settings, as PyTorch prints it."""
    return [repr(m) for m in net.modules() if not isinstance(m, nn.Sequential)]


@pytest.mark.parametrize("entry", NETWORKS, ids=[f"{e.chapter}: {e.build}" for e in NETWORKS])
def test_chapter_network_equals_d2lite_models(entry):
    torch.manual_seed(0)
    written, reference = chapter_network(entry), entry.reference()
    assert layers(written) == layers(reference)
    assert [type(m) for m in written] == [type(m) for m in reference]          # the same top-level structure
    assert models.layer_shapes(written, entry.input_shape) == models.layer_shapes(reference, entry.input_shape)
    shapes = [[(b.name, b.shape) for b in architecture_blocks(net, entry.input_shape)[0]]
              for net in (written, reference)]
    assert shapes[0] == shapes[1]                                              # every nested layer too
    assert models.num_params(written) == models.num_params(reference)


def test_a_changed_layer_is_caught():
    """The comparison is not vacuous: one changed padding or one missing activation is a difference."""
    notes = models.lenet()
    padded = models.lenet()
    padded[3] = nn.Conv2d(6, 16, kernel_size=5, padding=1)
    assert layers(padded) != layers(notes)
    shorter = nn.Sequential(*list(notes)[:-2], notes[-1])
    assert layers(shorter) != layers(notes)
