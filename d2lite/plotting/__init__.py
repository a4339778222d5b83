"""Figures without global matplotlib state (all chapters).

The basics live here (`new_figure`, `show`, `show_images`); `live` holds the training figure updated in place,
`compare` the figures that put several runs or slider values side by side, `architecture` a network's layers
drawn from the network itself.
"""
from __future__ import annotations

import io
from typing import Sequence

import torch
from matplotlib.figure import Figure

from ..config import in_notebook


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (5.0, 3.2)):
    """Return (fig, axes) for a figure that pyplot never sees, so nothing global changes."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=True)


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def show(fig: Figure) -> None:
    """Show a figure in a notebook as a PNG (outside notebooks: nothing); returns None, so no handle is printed."""
    if in_notebook():
        _show_png(figure_png(fig))


def _show_png(png: bytes, handle=None):
    from IPython.display import Image, display
    image = Image(data=png, format="png")
    if handle is None:
        return display(image, display_id=True)
    handle.update(image)
    return handle


def show_images(images: torch.Tensor, titles: Sequence[str] | None = None, ncols: int = 8,
                scale: float = 1.3, colors: Sequence[str] | None = None) -> Figure:
    """Draw a grid of (N, 1, H, W) or (N, H, W) images with optional titles (and title colors); show it in notebooks."""
    images = images.detach().float().cpu().reshape(len(images), *images.shape[-2:])
    nrows = -(-len(images) // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(ncols * scale, nrows * scale * 1.15))
    for i, ax in enumerate(getattr(axes, "flat", [axes])):
        ax.set_axis_off()
        if i < len(images):
            ax.imshow(images[i], cmap="gray_r")
            if titles is not None:
                ax.set_title(titles[i], fontsize=8, color=colors[i] if colors else "black")
    show(fig)
    return fig


from .live import TrainingPlot  # noqa: E402,F401  (after the basics it uses)
from .compare import Panel, compare_histories, draw_histories, histories_figure, loss_limit, sweep_frame  # noqa: E402,F401
from .architecture import architecture_blocks, draw_architecture, draw_architectures  # noqa: E402,F401
