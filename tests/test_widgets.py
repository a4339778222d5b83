"""d2lite.widgets.slider: frames, the embedded HTML, the cache, live mode and clear errors (no browser here)."""
from __future__ import annotations

import base64
import re
import struct

import pytest

import d2lite
from d2lite.widgets import Slider, slider


class Counting:
    """compute(value) that records every call; its result is a small curve that depends on the value."""

    def __init__(self) -> None:
        self.calls: list = []

    def __call__(self, value):
        self.calls.append(value)
        return [value * x for x in range(5)]


def draw(value, result, results):
    """One frame with axes shared across all results, like the chapters draw them."""
    fig, ax = d2lite.new_figure(figsize=(3, 2))
    top = max(max(r) for r in results.values())
    ax.plot(result)
    ax.set(ylim=(0, top + 1), title=f"value {value}")
    return fig


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def embedded(html: str) -> list[bytes]:
    """The PNG frames embedded in a slider's HTML, in order."""
    return [base64.b64decode(s) for s in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def test_frames_cache_and_html():
    compute = Counting()
    view = slider(compute, [0.1, 0, 1, 0.01], draw, label="λ")
    assert compute.calls == [0, 0.01, 0.1, 1]                    # once per value, in slider order
    assert view.values == [0, 0.01, 0.1, 1] and len(view.frames) == 4
    html = view.html()
    assert 'class="d2lite-slider"' in html and 'data-count="4"' in html
    assert 'type="range"' in html and 'max="3"' in html
    assert embedded(html) == [view.frames[v] for v in view.values]     # every frame, in order
    assert len(set(embedded(html))) == 4                               # and they differ
    assert "λ = 0.01" in html and "<script>" in html
    assert "http://" not in html and "https://" not in html            # nothing to fetch: works offline
    assert view._repr_html_().count('<img class="d2lite-slider-frame"') == 4
    # two outputs of the same slider get different element ids, so their scripts never mix them up
    ids = re.findall(r'id="(d2lite-slider-[0-9a-f]+)"', html + view.html())
    assert len(ids) == 2 and ids[0] != ids[1]


def test_start_and_format():
    view = slider(Counting(), [1, 2, 3], draw, label="degree", fmt="{:d}", start=2)
    html = view.html()
    assert 'data-index="1"' in html and 'value="1"' in html and "degree = 2" in html
    shown = [tag for tag in re.findall(r"<img [^>]*>", html) if "display:none" not in tag]
    assert len(shown) == 1 and 'data-index="1"' in shown[0]     # without JavaScript the start frame shows


def test_frames_have_one_size_even_if_draw_changes_figsize():
    def uneven(value, result, results):
        fig, ax = d2lite.new_figure(figsize=(2 + value, 2))
        ax.plot(result)
        return fig

    view = slider(Counting(), [1, 2, 3], uneven, label="k")
    sizes = {png_size(png) for png in view.frames.values()}
    assert len(sizes) == 1
    width, height = sizes.pop()                 # the page reserves the frame's size before the image decodes
    assert view.html().count(f'width="{width}" height="{height}"') == 3


def test_live_value_is_computed_once_and_joins_the_slider():
    compute = Counting()
    view = slider(compute, [0.0, 1.0], draw, label="λ")

    class Handle:
        shown = None

        def update(self, obj):
            self.shown = obj.data

    view._handle = handle = Handle()
    view.add(0.5)
    assert compute.calls == [0, 1, 0.5] and view.values == [0, 0.5, 1]
    assert 'data-count="3"' in handle.shown and "λ = 0.5" in handle.shown   # the shown slider was replaced
    assert embedded(handle.shown) == [view.frames[v] for v in view.values]
    assert view.add(0.5) == [0.5 * x for x in range(5)]                    # cached result, no new call
    view.add(1.0)                                                          # on the grid already
    assert compute.calls == [0, 1, 0.5] and len(view.values) == 3
    # a live value draws one new frame (draw sees the grid plus that value) and leaves the others as they were
    old = dict(view.frames)
    view.add(3)
    assert compute.calls[-1] == 3 and 3 in view.frames
    assert all(view.frames[v] == old[v] for v in old)


def test_live_controls_button_computes_and_reports():
    pytest.importorskip("ipywidgets")
    compute = Counting()
    view = slider(compute, [0.0, 1.0], draw, label="p")
    box, button, status = view.live_controls().children
    box.value = 0.25
    button.click()
    assert compute.calls[-1] == 0.25 and 0.25 in view.values
    assert "computed" in status.value
    button.click()
    assert compute.calls.count(0.25) == 1 and "cached" in status.value


def test_live_errors_are_shown_not_raised():
    pytest.importorskip("ipywidgets")

    def fragile(value):
        if value > 1:
            raise ValueError("p must be at most 1")
        return [value] * 3

    view = slider(fragile, [0.0, 0.5], draw, label="p")
    box, button, status = view.live_controls().children
    box.value = 2.0
    button.click()
    assert "p must be at most 1" in status.value and view.values == [0.0, 0.5]


def test_integer_grid_takes_whole_numbers():
    view = slider(Counting(), [1, 3], draw, label="degree", fmt="{:d}")
    view.add(2.0)
    assert view.values == [1, 2, 3] and isinstance(view.values[1], int)
    with pytest.raises(ValueError, match="whole numbers"):
        view.add(2.5)
    pytest.importorskip("ipywidgets")
    assert type(view.live_controls().children[0]).__name__ == "IntText"


@pytest.mark.parametrize("values, kwargs, error, message", [
    ([0, 1], {"label": ""}, ValueError, "label"),
    ([0], {"label": "λ"}, ValueError, "at least 2 values"),
    ([0, 0, 1], {"label": "λ"}, ValueError, "differ"),
    (["a", "b"], {"label": "λ"}, TypeError, "finite numbers"),
    ([0, float("nan")], {"label": "λ"}, TypeError, "finite numbers"),
    ([0.5, 1], {"label": "λ", "fmt": "{:d}"}, ValueError, "fmt="),
    ([0, 1], {"label": "λ", "start": 5}, ValueError, "start=5"),
])
def test_bad_arguments_say_what_to_do(values, kwargs, error, message):
    with pytest.raises(error, match=message):
        slider(Counting(), values, draw, **kwargs)


def test_compute_and_draw_must_be_functions():
    with pytest.raises(TypeError, match="must be functions"):
        slider([1, 2], [0, 1], draw, label="λ")
    with pytest.raises(TypeError, match="matplotlib Figure"):
        slider(Counting(), [0, 1], lambda v, r, rs: r, label="λ")


def test_add_rejects_non_numbers():
    view = slider(Counting(), [0.0, 1.0], draw, label="λ")
    with pytest.raises(ValueError, match="finite number"):
        view.add(float("inf"))
    assert isinstance(view, Slider) and view.values == [0.0, 1.0]
