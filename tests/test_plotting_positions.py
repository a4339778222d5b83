"""sweep_frame with Panel(x=...): lists whose length changes with the slider value share one fixed x axis."""
import d2lite


def test_panel_x_positions_fix_the_axis_for_lists_of_every_length():
    results = {2: {"grads": [1.0, 2.0]}, 8: {"grads": [float(i) for i in range(1, 9)]}}
    relative = d2lite.Panel("‖∂ℓ/∂W‖", {"net": lambda r: r["grads"]}, xlabel="position of the layer", log=True,
                            x=lambda n: [i / (n - 1) for i in range(n)])
    frames = [d2lite.sweep_frame(v, results, [relative], label="depth") for v in (2, 8)]
    lines = [fig.axes[0].get_lines()[0] for fig in frames]
    assert [list(line.get_xdata()) for line in lines] == [[0.0, 1.0], [i / 7 for i in range(8)]]
    assert frames[0].axes[0].get_xlim() == frames[1].axes[0].get_xlim()            # the axis never jumps
    low, high = frames[0].axes[0].get_xlim()
    assert -0.1 < low < 0 and 1 < high < 1.1
    default = d2lite.Panel("loss", {"net": lambda r: r["grads"]})                   # without x: 1 ... n as before
    fig = d2lite.sweep_frame(8, results, [default], label="depth")
    assert list(fig.axes[0].get_lines()[0].get_xdata()) == list(range(1, 9))
    assert fig.axes[0].get_xlim() == (0.5, 8.5)
