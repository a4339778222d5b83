"""d2lite.plotting.compare: slider frames that show the spread of several runs (dropout chapter)."""
from __future__ import annotations

import pytest

import d2lite


def test_sweep_frame_spread_draws_the_mean_and_shades_min_to_max():
    """With spread=True a series gives one run per seed: the line is their mean, the band their range."""
    results = {p: {"acc": [[0.5 + p, 0.6 + p], [0.7 + p, 0.8 + p], [0.6 + p, 1.0 + p]]} for p in (0.0, 0.5)}
    panels = [d2lite.Panel("accuracy", {"test": lambda r: r["acc"]}, spread=True),
              d2lite.Panel("final", {"test": lambda r: r["acc"]}, final=True, spread=True)]
    fig = d2lite.sweep_frame(0.5, results, panels, label="p")
    curve, final = fig.axes
    assert list(curve.lines[0].get_ydata()) == pytest.approx([1.1, 1.3])       # means per epoch at p = 0.5
    assert list(final.lines[0].get_ydata()) == pytest.approx([0.8, 1.3])       # final means, every p
    band = curve.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(1.0) and band.max() == pytest.approx(1.5)   # p = 0.5: min 1.0, max 1.5
    low, high = curve.get_ylim()
    assert low <= 0.5 and high >= 1.5                   # the axes hold every run of every p, not only the means


def test_sweep_frame_without_spread_is_unchanged():
    results = {v: {"loss": [1.0, 0.5 / (v + 1)]} for v in (0, 1)}
    fig = d2lite.sweep_frame(1, results, [d2lite.Panel("loss", {"train": lambda r: r["loss"]})], label="λ")
    assert list(fig.axes[0].lines[0].get_ydata()) == [1.0, 0.25]
    assert not fig.axes[0].collections                  # no band


def test_final_panel_limits_come_from_the_final_numbers_only():
    """A final panel given whole curves plots their last entries, and its axis fits those, not epoch 1's."""
    results = {p: {"loss": [[5.0, 1.0 + p], [4.0, 1.2 + p]]} for p in (0.0, 0.5)}
    panel = d2lite.Panel("final loss", {"test": lambda r: r["loss"]}, final=True, spread=True)
    low, high = d2lite.sweep_frame(0.0, results, [panel], label="p").axes[0].get_ylim()
    assert high < 2.0 and low > 0.5


def test_sweep_frame_fills_rows_and_places_or_drops_legends():
    """Two panels a row by default, a lone last panel spanning its row; legend=None draws none, a loc stays put."""
    results = {v: {"loss": [2.0, 1.0 + v]} for v in (0, 1)}
    series = {"train": lambda r: r["loss"]}
    panels = [d2lite.Panel("loss", series, legend="lower left"), d2lite.Panel("loss", series, legend=None),
              d2lite.Panel("final loss", series, final=True)]
    fig = d2lite.sweep_frame(0, results, panels, label="v", fontsize=9)
    assert len(fig.axes) == 3
    first, second, final = fig.axes
    fig.canvas.draw()                                                               # the layout engine places them
    assert first.get_position().y0 > final.get_position().y1 - 1e-6                 # a second row
    assert final.get_position().x0 <= first.get_position().x0 + 1e-6
    assert final.get_position().x1 >= second.get_position().x1 - 1e-6              # as wide as the row above
    one_row = d2lite.sweep_frame(0, results, panels, label="v", ncols=3).axes
    assert len({round(ax.get_position().y0, 6) for ax in one_row}) == 1
    assert first.get_legend()._loc == 3 and first.get_legend().get_texts()[0].get_fontsize() == 9
    assert second.get_legend() is None and final.get_legend() is not None


def test_compare_histories_styles_set_colour_and_line_style_per_run():
    """styles= gives runs their own colour and dashes (batch normalization chapter); the others keep C0, C1, ..."""
    from types import SimpleNamespace
    from d2lite.plotting import histories_figure

    run = SimpleNamespace(train_loss=[2.0, 1.0], test_acc=[0.5, 0.7], train_acc=[0.5, 0.8])
    fig = histories_figure({"a": run, "b": run}, train_acc=False, styles={"b": dict(color="C3", ls="--")})
    ax_loss, ax_acc = fig.axes
    lines = {line.get_label(): line for line in ax_loss.lines}
    assert lines["a"].get_linestyle() == "-" and lines["a"].get_color() == "C0"
    assert lines["b"].get_linestyle() == "--" and lines["b"].get_color() == "C3"
    assert [line.get_linestyle() for line in ax_acc.lines] == ["-", "--"]             # test accuracy follows
    # Without train curves a "test: solid" key would contradict the dashed runs: the axis label says it instead.
    assert ax_acc.get_legend() is None and ax_acc.get_ylabel() == "test accuracy"
    with_train = histories_figure({"a": run}).axes[1]
    assert [t.get_text() for t in with_train.get_legend().get_texts()] == ["test", "train"]
    diverged = SimpleNamespace(train_loss=[], test_acc=[], train_acc=[], diverged_at=1)
    empty = histories_figure({"lr = 3": diverged}).axes[1]                     # no key for lines that are not there
    assert empty.get_legend() is None and "no epoch completed" in empty.texts[0].get_text()


def test_log_panel_keeps_curves_off_the_frame_on_a_wide_axis():
    """Curves spanning 40 decades end over a decade inside the frame, not on it (numerical stability's σ slider)."""
    results = {s: {"std": [s ** 20 * 1e-1, s ** 10, s ** 0.5]} for s in (0.01, 1e2)}
    panel = d2lite.Panel("std", {"this": lambda r: r["std"]}, log=True)
    low, high = d2lite.sweep_frame(0.01, results, [panel], label="σ").axes[0].get_ylim()
    assert low < 1e-41 / 10 and high > 1e39 * 10
    narrow = {v: {"std": [v, 2 * v]} for v in (1.0, 2.0)}
    low, high = d2lite.sweep_frame(1.0, narrow, [panel], label="σ").axes[0].get_ylim()
    assert low == pytest.approx(1 / 1.6) and high == pytest.approx(4 * 1.6)   # narrow axes: unchanged
