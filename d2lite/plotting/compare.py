"""Figures that compare: several training runs side by side, and the frames of a slider (all chapters).

`compare_histories` shows runs of `train_classifier` together (loss, train and test accuracy per epoch).
`sweep_frame` draws one frame of a slider: curves of the current value and the final numbers of every value,
on axes fixed from all the values, so that moving the slider changes the curves and never the axes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from . import new_figure, show

GUESSING_LOSS = math.log(10)     # cross-entropy of a uniform guess over 10 classes


def loss_limit(histories: Sequence, floor: float = GUESSING_LOSS * 1.2, cap: float = 5.0) -> float:
    """An upper limit for a shared loss axis: above every finite loss (and the guessing loss), at most `cap`."""
    losses = [v for h in histories for v in h.train_loss if math.isfinite(v)]
    return min(cap, max([floor] + losses) * 1.1)


def draw_histories(ax_loss, ax_acc, histories: Mapping[str, Any], *, loss_top: float | None = None,
                   num_epochs: int | None = None, train_acc: bool = True,
                   styles: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Draw runs on two axes: training loss per epoch, and test (solid) and train (dashed) accuracy per epoch.

    One colour per run, named in the loss panel's legend; the accuracy panel's legend says which line is which.
    `styles` gives some runs their own colour and line style, e.g. ``{"BN, lr 0.1": dict(color="C1", ls="--")}``,
    for the loss and test-accuracy lines (train-accuracy lines stay thin and dashed: pair it with train_acc=False).

    A loss above `loss_top` sits on the top edge with a triangle; a run that diverged gets a red cross and a note.
    """
    loss_top = loss_top or loss_limit(list(histories.values()))
    num_epochs = num_epochs or max([len(h.train_loss) for h in histories.values()] + [1])
    ax_loss.axhline(GUESSING_LOSS, color="gray", ls=":", lw=1, label="ln 10: guessing")
    has_above = False
    for i, (name, h) in enumerate(histories.items()):
        style = {"color": f"C{i}", "ls": "-", **(styles or {}).get(name, {})}
        color, epochs = style["color"], range(1, len(h.train_loss) + 1)
        shown = [min(v, 0.97 * loss_top) if math.isfinite(v) else 0.97 * loss_top for v in h.train_loss]
        ax_loss.plot(epochs, shown, marker="o", ms=3, label=name, **style)
        above = [(e, s) for e, s, v in zip(epochs, shown, h.train_loss) if not v <= s]
        if above:
            ax_loss.plot(*zip(*above), "^", color=color, ms=8,
                         label=None if has_above else "loss above the axis")
            has_above = True
        ax_acc.plot(epochs, h.test_acc, marker="o", ms=3, **style)
        if train_acc:
            ax_acc.plot(epochs, h.train_acc, "--", color=color, lw=1, alpha=0.8)
        if getattr(h, "diverged_at", None) is not None:
            ax_loss.plot([h.diverged_at], [0.93 * loss_top], "x", color="red", ms=11, mew=3)
            right = h.diverged_at > (num_epochs + 1) / 2
            ax_loss.annotate(f"{name}: diverged in epoch {h.diverged_at}\n(loss became inf/NaN), stopped",
                             xy=(h.diverged_at, 0.93 * loss_top), xytext=(-8 if right else 8, -6),
                             textcoords="offset points", color="red", fontsize=8, va="top",
                             ha="right" if right else "left")
    ax_loss.set(xlabel="epoch", ylabel="training loss", xlim=(0.5, num_epochs + 0.5), ylim=(0, loss_top))
    ax_acc.set(xlabel="epoch", ylabel="accuracy" if train_acc else "test accuracy",
               xlim=(0.5, num_epochs + 0.5), ylim=(0, 1))
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.grid(alpha=0.3)
    ax_loss.legend(fontsize=7, loc="best", handlelength=3.5)  # the runs; long handles show their dashes
    if not any(h.test_acc for h in histories.values()):  # e.g. diverged in the first epoch: say why it is empty
        ax_acc.text(0.5, 0.5, "no epoch completed:\nno accuracy to show", transform=ax_acc.transAxes,
                    ha="center", va="center", color="gray")
    elif train_acc:                                     # the accuracy panel says which line is which
        ax_acc.legend(handles=[Line2D([], [], color="black", marker="o", ms=3, label="test"),
                               Line2D([], [], color="black", ls="--", lw=1, label="train")],
                      fontsize=7, loc="best")


def histories_figure(histories: Mapping[str, Any], *, title: str = "", loss_top: float | None = None,
                     num_epochs: int | None = None, train_acc: bool = True,
                     styles: Mapping[str, Mapping[str, Any]] | None = None) -> Figure:
    """A figure comparing training runs (`draw_histories` on two panels), not shown: for slider frames."""
    fig, (ax_loss, ax_acc) = new_figure(1, 2, figsize=(10.0, 3.4))
    draw_histories(ax_loss, ax_acc, histories, loss_top=loss_top, num_epochs=num_epochs, train_acc=train_acc,
                   styles=styles)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def compare_histories(histories: Mapping[str, Any], *, title: str = "", loss_top: float | None = None,
                      num_epochs: int | None = None, train_acc: bool = True,
                      styles: Mapping[str, Mapping[str, Any]] | None = None) -> None:
    """Show training runs side by side: loss, test and train accuracy per epoch, one colour per run (all chapters)."""
    show(histories_figure(histories, title=title, loss_top=loss_top, num_epochs=num_epochs, train_acc=train_acc,
                          styles=styles))


@dataclass
class Panel:
    """One panel of a slider frame: named series, each a function of one value's result (see `sweep_frame`).

    A series returns a list (one number per epoch, or per layer: `xlabel` says which) or, for `final=True`
    panels, a number (a list's last entry is used). `final=True` plots every slider value's number, the current
    value marked; otherwise the current value's list. `lines` are horizontal reference lines, named in the legend.
    `spread=True`: each series returns one such entry per run (e.g. per seed); the mean is drawn, and the
    band from the smallest to the largest run is shaded, so the eye sees how far the seed noise goes.
    `x(n)` gives the x positions of a list of n numbers (default 1 ... n), e.g. 0 ... 1 for lists whose length
    changes with the slider value, such as one number per layer of networks of different depths.
    `legend` is the legend's place (a matplotlib `loc`; fixed, so it stays put from frame to frame), or None for
    no legend, where another panel's legend already names the same series.
    """
    ylabel: str
    series: Mapping[str, Callable[[Any], Any]]
    xlabel: str = "epoch"
    log: bool = False
    final: bool = False
    lines: Mapping[str, float] = field(default_factory=dict)
    ylim: tuple[float, float] | None = None
    title: str = ""
    spread: bool = False
    x: Callable[[int], Sequence[float]] | None = None
    legend: str | None = "best"


def _numbers(value: Any) -> list[float]:
    return [float(v) for v in value] if hasattr(value, "__len__") else [float(value)]


def _runs(panel: Panel, value: Any) -> list[list[float]]:
    """A series' numbers for one slider value: one list per run (a single run unless `panel.spread`)."""
    return [_numbers(v) for v in value] if panel.spread else [_numbers(value)]


def _band(groups) -> tuple[list[float], list[float], list[float]]:
    """Mean, smallest and largest of each group of numbers (a group: the runs' numbers at one x)."""
    groups = [list(g) for g in groups]
    return [sum(g) / len(g) for g in groups], [min(g) for g in groups], [max(g) for g in groups]


def _limits(values: list[float], log: bool) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    if not finite:
        return (1e-3, 1.0) if log else (0.0, 1.0)
    low, high = min(finite), max(finite)
    if log:                         # a factor 1.6, or 5% of the decades shown on a wide axis
        pad = max(1.6, (high / low) ** 0.05)
        return low / pad, high * pad
    pad = (high - low) * 0.06 or abs(high) * 0.1 or 0.1
    return (0.0 if low >= 0 and low - pad < 0 else low - pad), high + pad


def sweep_frame(value: Any, results: Mapping[Any, Any], panels: Sequence[Panel], *, label: str,
                fmt: str = "{:g}", title: str = "", width: float = 3.8, ncols: int | None = None,
                fontsize: float = 7) -> Figure:
    """One slider frame: a panel per `Panel`, axes fixed from all `results` so only the curves move (all chapters).

    Use it as a slider's draw: ``slider(train, values, lambda v, r, rs: sweep_frame(v, rs, panels, label="λ"))``.
    The panels fill rows of `ncols` (default 2), each `width` inches wide, a lone last panel spanning its row;
    `fontsize` is the legends'.
    """
    values = sorted(results)
    ncols = ncols or min(len(panels), 2)     # two a row: still legible when the page shrinks the frame to its column
    nrows = -(-len(panels) // ncols)
    fig, axes = new_figure(nrows, ncols, figsize=(width * ncols, 3.3 * nrows))
    axes = list(getattr(axes, "flat", [axes]))
    if len(panels) % ncols == 1 and ncols > 1:                    # a lone last panel gets the whole last row
        grid = axes[0].get_subplotspec().get_gridspec()
        for ax in axes[len(panels) - 1:]:
            ax.remove()
        axes = axes[:len(panels) - 1] + [fig.add_subplot(grid[nrows - 1, :])]
    for ax in axes[len(panels):]:                                 # any other last row that is not full
        ax.set_axis_off()
    for ax, panel in zip(axes, panels):
        everything = [v for r in results.values() for fn in panel.series.values()
                      for run in _runs(panel, fn(r)) for v in (run[-1:] if panel.final else run)]
        ylim = panel.ylim or _limits(everything + list(panel.lines.values()), panel.log)
        for i, (name, fn) in enumerate(panel.series.items()):
            style = dict(color=f"C{i}", ls=("-", "--", ":", "-.")[i % 4], label=name)
            if panel.final:
                xs = range(len(values))
                ys, low, high = _band([run[-1] for run in _runs(panel, fn(results[v]))] for v in values)
                ax.plot(xs, ys, marker="os^D"[i % 4], ms=4, **style)
            else:
                ys, low, high = _band(zip(*_runs(panel, fn(results[value]))))   # per epoch
                xs = panel.x(len(ys)) if panel.x else range(1, len(ys) + 1)
                ax.plot(xs, ys, **style)
            if panel.spread:
                ax.fill_between(xs, low, high, color=style["color"], alpha=0.2, lw=0)
        for j, (name, y) in enumerate(panel.lines.items()):      # in the legend, so no label sits on a curve
            ax.axhline(y, color=("gray", "dimgray", "darkgray")[j % 3], ls=(":", "-.", "--")[j % 3], lw=1.2,
                       label=name)
        if panel.final:
            ax.axvline(values.index(value), color="C3", alpha=0.5, lw=3)
            ax.set_xticks(range(len(values)), [fmt.format(v) for v in values], fontsize=fontsize, rotation=45)
            ax.set(xlabel=label, title=panel.title or f"after training, every {label}")
        elif panel.x:
            xs = [x for r in results.values() for fn in panel.series.values()
                  for run in _runs(panel, fn(r)) for x in panel.x(len(run))]
            pad = (max(xs) - min(xs)) * 0.03 or 0.5
            ax.set(xlabel=panel.xlabel, xlim=(min(xs) - pad, max(xs) + pad), title=panel.title)
        else:
            longest = max(len(run) for r in results.values() for fn in panel.series.values()
                          for run in _runs(panel, fn(r)))
            ax.set(xlabel=panel.xlabel, xlim=(0.5, longest + 0.5), title=panel.title)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        if panel.log:
            ax.set_yscale("log")
        ax.set(ylabel=panel.ylabel, ylim=ylim)
        ax.grid(alpha=0.3)
        if panel.legend is not None:
            ax.legend(fontsize=fontsize, loc=panel.legend)
    fig.suptitle(title or f"{label} = {fmt.format(value)}", fontsize=10)
    return fig
