"""The live training figure: loss and accuracy per epoch, redrawn in place in notebooks (LeNet chapter onward)."""
from __future__ import annotations

import io
import math
import sys

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image as PILImage

from ..config import in_notebook
from . import _show_png, new_figure


class TrainingPlot:
    """Loss and accuracy per epoch: in notebooks one figure updated in place, elsewhere one line per epoch.

    Redrawing a whole figure (axes, ticks, text) costs tens of milliseconds, a noticeable part of a short epoch.
    So the figure is drawn in full only when its axes change; otherwise `png` pastes a cached picture of the axes
    and draws just the curves on it ("blitting"), a few milliseconds.
    """

    def __init__(self, num_epochs: int, title: str = "", live: bool = True, quiet: bool = False) -> None:
        self.num_epochs, self.title, self.quiet = num_epochs, title, quiet
        self.notebook = live and in_notebook()
        self._figure_handle = self._status_handle = None
        self._fig, self._lines, self._legends = None, {}, []
        self._canvas = self._background = self._background_key = None

    def status(self, text: str) -> None:
        """Show a one-line status (progress within an epoch), replacing the previous one."""
        if self.quiet:
            return
        if self.notebook:
            from IPython.display import Markdown, display
            shown = Markdown(text)                     # plain text: a long line wraps between words
            if self._status_handle is None:
                self._status_handle = display(shown, display_id=True)
            else:
                self._status_handle.update(shown)
        elif sys.stdout.isatty():
            print(f"\r{text}", end="", flush=True)

    def epoch_end(self, history, line: str) -> None:
        """Record the end of an epoch: redraw the figure in notebooks, print a line elsewhere."""
        if self.quiet:
            return
        if self.notebook:
            self.status(line)
            self._figure_handle = _show_png(self.png(history), self._figure_handle)
        else:
            print(("\r" if sys.stdout.isatty() else "") + line, flush=True)

    def draw(self, history) -> Figure:
        """Draw the history's curves on fixed axes (epochs 1..num_epochs); the figure is made once and reused."""
        if self._fig is None:
            self._fig, (ax_loss, ax_acc) = new_figure(1, 2, figsize=(8.0, 3.0))
            self._fig.set_dpi(110)
            self._lines = {
                "train_loss": ax_loss.plot([], [], "o-", color="C0", label="train loss", ms=3)[0],
                "train_acc": ax_acc.plot([], [], "o--", color="C1", label="train acc", ms=3)[0],
                "test_acc": ax_acc.plot([], [], "s-", color="C2", label="test acc", ms=3)[0],
            }
            ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", ylim=(0, 1), xlim=(0.5, self.num_epochs + 0.5))
            ax_acc.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1), xlim=(0.5, self.num_epochs + 0.5))
            for ax in (ax_loss, ax_acc):
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.grid(alpha=0.3)
                self._legends.append(ax.legend(loc="best", fontsize=8))   # placed away from the curves each draw
            if self.title:
                self._fig.suptitle(self.title, fontsize=10)
        for name, line in self._lines.items():
            values = getattr(history, name)
            line.set_data(range(1, len(values) + 1), values)
        ax_loss = self._lines["train_loss"].axes
        finite = [v for v in history.train_loss if math.isfinite(v)]
        top = max(finite, default=1.0) * 1.1             # the loss axis starts at 0 and grows only if it must
        if top > ax_loss.get_ylim()[1]:
            ax_loss.set_ylim(0, top)
        if history.diverged_at is not None:
            ax_loss.set_title(f"diverged at epoch {history.diverged_at}: loss became inf/NaN", color="red",
                              fontsize=9)
        return self._fig

    def png(self, history) -> bytes:
        """The figure for `history` as PNG bytes, redrawing only the curves when the axes have not changed."""
        fig = self.draw(history)
        ax_loss = self._lines["train_loss"].axes
        key = (ax_loss.get_ylim(), ax_loss.get_title())
        if self._canvas is None:
            self._canvas = FigureCanvasAgg(fig)
        if key != self._background_key:                  # axes changed: draw them in full, without the curves
            foreground = [*self._lines.values(), *self._legends]
            for artist in foreground:
                artist.set_visible(False)
            fig.set_layout_engine("constrained")         # lay out the text (a title may have appeared) ...
            self._canvas.draw()
            fig.set_layout_engine("none")                # ... and keep that layout while only curves change
            for artist in foreground:
                artist.set_visible(True)
            self._background, self._background_key = self._canvas.copy_from_bbox(fig.bbox), key
        self._canvas.restore_region(self._background)
        for artist in [*self._lines.values(), *self._legends]:
            artist.axes.draw_artist(artist)
        image = PILImage.frombuffer("RGBA", self._canvas.get_width_height(), self._canvas.buffer_rgba(),
                                    "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="png", compress_level=1)   # level 1: several times faster, about as small
        return buf.getvalue()
