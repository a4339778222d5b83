"""d2lite.widgets.slider: frames, the embedded HTML, the cache, live mode and clear errors (no browser here)."""
from __future__ import annotations

import base64
import re
import struct

import pytest

import d2lite
from d2lite.widgets import Slider, SliderError, slider


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
    assert status.value.startswith("compute failed for p = 2:")             # names the value it was given


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


def tag(html: str, name: str, css_class: str = "") -> str:
    """The first opening tag `<name ...>` (with `css_class`, if given) in the html."""
    pattern = rf'<{name}\b[^>]*class="{css_class}"[^>]*>' if css_class else rf"<{name}\b[^>]*>"
    found = re.search(pattern, html)
    assert found, f"no <{name} class={css_class!r}> in the slider's html"
    return found.group(0)


def test_range_input_itself_suppresses_notebook_shortcuts():
    html = slider(Counting(), [0, 1], draw, label="λ").html()
    rng = tag(html, "input")
    assert 'type="range"' in rng
    # Notebook 7 handles shortcuts at the document level: only the focused element's own attribute keeps its keys
    assert 'data-lm-suppress-shortcuts="true"' in rng


def test_notes_for_an_inert_slider_and_a_lost_live_box():
    html = slider(Counting(), [0, 1], draw, label="λ").html()
    script = html[html.index("<script>"):]
    # without JavaScript (a notebook that is not trusted) the note shows and says what to do ...
    nojs = tag(html, "div", "d2lite-slider-nojs")
    assert "display:none" not in nojs
    note = re.search(r'class="d2lite-slider-nojs"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "not trusted" in note and "run this cell again" in note and "Trust Notebook" in note
    # ... and the script swaps it for the usage hint as soon as it runs, so the website never shows the note
    assert '.d2lite-slider-nojs").style.display = "none"' in script
    assert "display:none" in tag(html, "span", "d2lite-slider-hint")
    assert '.d2lite-slider-hint").style.display = ""' in script
    # the note for a reopened notebook starts hidden; the script shows it when Jupyter reports a missing widget
    assert "display:none" in tag(html, "div", "d2lite-slider-rerun")
    assert 'rerun.style.display = broken ? "" : "none"' in script
    # the phrase it looks for is never in the slider's own html, so the slider cannot trigger its own note
    assert "Error displaying widget" not in html


@pytest.mark.parametrize("label, name, words", [
    ("lr", None, "learning rate"),              # a known abbreviation reads as words
    ("λ", None, "λ"),
    ("λ", "weight decay λ", "weight decay λ"),
    ("degree", None, "degree"),
])
def test_live_box_sentence_reads_naturally(label, name, words):
    view = slider(Counting(), [0.1, 1], draw, label=label, name=name)
    assert view.name == words and f'aria-label="{words}"' in view.html()
    assert view.text(0.1) == f"{label} = 0.1"                  # the value label keeps the short symbol
    pytest.importorskip("ipywidgets")
    box, button, status = view.live_controls().children
    assert status.value == f"Try another {words}: type it and press Compute."
    assert button.description == "Compute" and box.description == f"{label} ="


def test_name_must_be_words():
    with pytest.raises(ValueError, match="name="):
        slider(Counting(), [0, 1], draw, label="lr", name="")


def test_failing_compute_names_the_value():
    def fragile(value):
        if value == 0.3:
            raise ValueError("loss is nan")
        return [value] * 3

    with pytest.raises(SliderError, match=r"^compute failed for lr = 0\.3: ValueError: loss is nan") as info:
        slider(fragile, [0.1, 0.3, 1], draw, label="lr")
    assert isinstance(info.value.__cause__, ValueError)     # the traceback still leads into the student's compute


def test_failing_draw_names_the_value():
    def fragile_draw(value, result, results):
        if value == 1:
            raise KeyError("train_loss")
        return draw(value, result, results)

    with pytest.raises(SliderError, match=r"^draw failed for p = 1: KeyError: 'train_loss'"):
        slider(Counting(), [0, 0.5, 1], fragile_draw, label="p")


def test_live_draw_failure_is_shown_with_its_value():
    pytest.importorskip("ipywidgets")

    def fragile_draw(value, result, results):
        if value == 0.25:
            raise ValueError("cannot draw")
        return draw(value, result, results)

    view = slider(Counting(), [0.0, 1.0], fragile_draw, label="p")
    box, button, status = view.live_controls().children
    box.value = 0.25
    button.click()
    assert status.value.startswith("draw failed for p = 0.25: ValueError: cannot draw")
    assert view.values == [0.0, 1.0]                         # nothing half-added to the slider


def test_pyplot_figures_of_draw_are_closed():
    plt = pytest.importorskip("matplotlib.pyplot")
    mine = plt.figure()                                          # a figure the student opened before: left alone

    def pyplot_draw(value, result, results):
        plt.figure()                                             # a stray extra figure
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot(result)
        ax.set(ylim=(0, 5), title=f"value {value}")
        return fig

    try:
        before = plt.get_fignums()
        view = slider(Counting(), [0, 1, 2], pyplot_draw, label="k")
        assert plt.get_fignums() == before                       # Jupyter will not show them again under the slider
        assert len(set(view.frames.values())) == 3               # the frames were drawn before the figures closed
        assert plt.fignum_exists(mine.number)

        def failing_draw(value, result, results):
            plt.subplots()
            raise ValueError("oops")

        with pytest.raises(SliderError):
            slider(Counting(), [0, 1], failing_draw, label="k")
        assert plt.get_fignums() == before                       # closed on failure too
    finally:
        plt.close(mine)
