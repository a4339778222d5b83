"""Sliders over a hyperparameter (weight decay, dropout, learning rate, polynomial degree chapters).

`slider(compute, values, draw, label=...)` runs `compute` once per value, draws one picture per value, and shows:

* a kernel-free slider: the pictures are embedded as PNG images and a few lines of plain JavaScript show one of them
  at a time. It works on the website (no kernel, no network), in JupyterLab/Notebook and in Colab;
* in a running notebook, also a live box (ipywidgets) to try a value that is not on the slider: it computes it on
  demand, caches it, and adds it to the slider.
"""
from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import numbers
import struct
import sys
import uuid
from typing import Any, Callable, Hashable, Sequence

from matplotlib.figure import Figure
from PIL import Image

from .config import in_notebook
from .plotting import figure_png

# Swaps the frames of one slider: runs once per rendered output, finds its slider by id (no libraries, no network).
_SCRIPT = """
(function () {
  var root = document.getElementById("SLIDER_ID");
  if (!root) { return; }
  var input = root.querySelector("input[type=range]");
  var shown = root.querySelector(".d2lite-slider-value");
  var frames = root.querySelectorAll("img.d2lite-slider-frame");
  function pick() {
    var i = Number(input.value);
    for (var k = 0; k < frames.length; k++) { frames[k].style.display = (k === i) ? "" : "none"; }
    var text = frames[i].getAttribute("data-text");
    shown.textContent = text;
    input.setAttribute("aria-valuetext", text);
    root.setAttribute("data-index", String(i));
    root.setAttribute("data-value", frames[i].getAttribute("data-value"));
  }
  input.addEventListener("input", pick);
  input.addEventListener("change", pick);
  // Handle the keys here: notebook front ends would otherwise take arrow keys for their own shortcuts.
  var steps = {ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, Home: -frames.length, End: frames.length};
  input.addEventListener("keydown", function (event) {
    if (!(event.key in steps)) { return; }
    input.value = String(Math.min(frames.length - 1, Math.max(0, Number(input.value) + steps[event.key])));
    pick();
    event.preventDefault();
    event.stopPropagation();
  });
  pick();
  // The script runs: the slider works, so show how to use it instead of the note for an inert slider.
  // A notebook reopened without running it shows an error ("Error displaying" + " widget") where the live box
  // was: then say how to get the box back.
  root.querySelector(".d2lite-slider-nojs").style.display = "none";
  root.querySelector(".d2lite-slider-hint").style.display = "";
  var rerun = root.querySelector(".d2lite-slider-rerun");
  var area = root.closest(".jp-OutputArea, .output_wrapper, .cell_output") || document.body;
  function check() {
    if (!root.isConnected) { watch.disconnect(); return; }
    var broken = area.textContent.replace(root.textContent, "").indexOf(["Error displaying", "widget"].join(" ")) >= 0;
    rerun.style.display = broken ? "" : "none";
  }
  var watch = new MutationObserver(check);
  watch.observe(area, {childList: true, subtree: true, characterData: true});
  check();
})();
"""

# The slider's HTML. data-* attributes say which frame is shown (the browser tests read them).
# data-lm-suppress-shortcuts on the range input itself keeps Jupyter's keyboard shortcuts (Notebook 7 handles
# them at the document level) away from its arrow keys. Without JavaScript (an untrusted notebook: JupyterLab then
# also strips the data-* attributes and disables the input) the start frame and the "nojs" note show; the script
# swaps that note for the usage hint as soon as it runs, so the website never shows it.
_TEMPLATE = """<div class="d2lite-slider" id="{id}" data-label="{label}" data-count="{count}" data-index="{index}"
 data-value="{value}" data-lm-suppress-shortcuts="true">
<div style="display:flex;flex-wrap:wrap;align-items:center;gap:0.8em;font-family:sans-serif">
<input type="range" min="0" max="{last}" step="1" value="{index}" aria-label="{name}"
 data-lm-suppress-shortcuts="true" style="width:18em">
<span class="d2lite-slider-value" style="font-weight:bold">{text}</span>
<span class="d2lite-slider-hint" style="color:#777;font-size:85%;display:none">(drag, or click and use the arrow
 keys)</span>
</div>
<div class="d2lite-slider-nojs" style="{note}">This slider needs its script, which has not run here. In Jupyter
 that means the notebook is not trusted: run this cell again, or trust the notebook (JupyterLab: Ctrl+Shift+C, then
 Trust Notebook; Notebook 7: File, Trust Notebook).</div>
<div class="d2lite-slider-rerun" style="{note};display:none">The box for other values (below) was lost when the
 notebook was closed: run this cell again to bring it back.</div>
{images}
<script>{script}</script>
</div>"""
_NOTE_STYLE = "color:#a33;font-size:85%;font-family:sans-serif;margin:0.2em 0"

# Readable names for labels that are abbreviations, used in the live box's sentences ("Try another learning rate").
_NAMES = {"lr": "learning rate"}


def _frame_png(fig: Figure) -> bytes:
    """A frame as a 256-colour PNG: it looks the same as matplotlib's and takes about a third of the bytes."""
    image = Image.open(io.BytesIO(figure_png(fig))).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


class SliderError(RuntimeError):
    """compute or draw failed for one of a slider's values; the message names the value (weight decay chapter)."""


class Slider:
    """Precomputed results and pictures for a list of values, shown as a slider (see `slider`)."""

    def __init__(self, compute: Callable[[Any], Any], values: Sequence, draw: Callable[[Any, Any, dict], Figure],
                 *, label: str, fmt: str = "{:g}", start=None, name: str | None = None) -> None:
        if not callable(compute) or not callable(draw):
            raise TypeError("slider(compute, values, draw, label=...): compute and draw must be functions, "
                            "compute(value) -> result and draw(value, result, results) -> Figure.")
        if not isinstance(label, str) or not label:
            raise ValueError("slider needs a label naming the value, e.g. label='λ'.")
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"name={name!r}: give the value's name in words, e.g. name='learning rate'.")
        values = list(values)
        if len(values) < 2:
            raise ValueError(f"a slider needs at least 2 values, got {values!r}.")
        bad = [v for v in values if not _is_number(v)]
        if bad:
            raise TypeError(f"slider values must be finite numbers, got {bad!r}.")
        if len(set(values)) != len(values):
            raise ValueError(f"slider values must all differ, got {values!r}.")
        try:
            fmt.format(values[0])
        except (ValueError, IndexError, KeyError, TypeError) as err:
            raise ValueError(f"fmt={fmt!r} cannot format the value {values[0]!r} ({err}); "
                             "use a format such as '{:g}' or '{:.2f}'.") from None
        self.compute, self.draw, self.label, self.fmt = compute, draw, label, fmt
        self.name: str = name or _NAMES.get(label, label)   # in words, for sentences: "Try another learning rate"
        self.values: list = sorted(values)            # the values the slider moves over (live values join it)
        self.grid: tuple = tuple(self.values)         # the precomputed values: they fix the axes of every frame
        self.results: dict[Hashable, Any] = {}        # value -> compute(value), the cache
        self.frames: dict[Hashable, bytes] = {}       # value -> PNG bytes of draw(...)
        self.integer = all(isinstance(v, numbers.Integral) for v in values)   # e.g. a polynomial degree
        self.start = self.values[0] if start is None else self._on_grid(start)
        if self.start is None:
            raise ValueError(f"start={start!r} is not one of the slider's values {self.values}.")
        self._handle = None                           # the display handle of the kernel-free slider, if shown
        self._size = None                             # every frame's size in inches: the first frame's
        for value in self.values:
            self.result(value)
        for value in self.values:
            self._draw_frame(value)

    def _on_grid(self, value):
        """The slider's value equal (or very close) to `value`, or None."""
        return next((v for v in self.values if math.isclose(v, value, rel_tol=1e-9, abs_tol=1e-12)), None)

    def text(self, value) -> str:
        """The label shown for a value, e.g. 'λ = 0.01'."""
        return f"{self.label} = {self.fmt.format(value)}"

    @contextlib.contextmanager
    def _calling(self, what: str, value):
        """Around one call of compute or draw: if it fails, say for which value; close the pyplot figures it opened
        (plt.subplots in a draw), so Jupyter does not show them again under the slider."""
        pyplot = sys.modules.get("matplotlib.pyplot")         # never imported here: no global state changes
        before = set(pyplot.get_fignums()) if pyplot else set()
        try:
            yield
        except Exception as err:
            raise SliderError(f"{what} failed for {self.text(value)}: {type(err).__name__}: {err} "
                              f"(fix {what}, or use another value)") from err
        finally:
            pyplot = sys.modules.get("matplotlib.pyplot")     # the call may have imported it
            opened = set(pyplot.get_fignums()) - before if pyplot else set()
            for number in opened:
                pyplot.close(number)

    def result(self, value):
        """compute(value), computed once per value and then taken from the cache."""
        if value not in self.results:
            with self._calling("compute", value):
                self.results[value] = self.compute(value)
        return self.results[value]

    def _draw_frame(self, value) -> None:
        """Draw one value's picture. `draw` sees the precomputed grid's results (plus this value's own), so the axes
        it fixes from them stay the same for every frame; a live value does not redraw the others."""
        shown = sorted(set(self.grid) | {value})
        with self._calling("draw", value):
            fig = self.draw(value, self.results[value], {v: self.results[v] for v in shown})
            if isinstance(fig, Figure):
                if self._size is None:
                    self._size = fig.get_size_inches()
                fig.set_size_inches(self._size)       # same pixel size for every frame, so nothing jumps
                self.frames[value] = _frame_png(fig)
        if not isinstance(fig, Figure):
            raise TypeError(f"draw must return a matplotlib Figure (make it with d2lite.new_figure), "
                            f"got {type(fig).__name__} for {self.text(value)}.")

    def add(self, value):
        """Live mode: compute `value` if it is new (cached), draw its frame, add it to the slider; return its result."""
        if not _is_number(value):
            raise ValueError(f"{self.label} must be a finite number, got {value!r}.")
        if self.integer:
            if value != int(value):
                raise ValueError(f"{self.label} takes whole numbers here, got {value!r}.")
            value = int(value)
        known = self._on_grid(value)
        if known is not None:
            value = known
        result = self.result(value)
        if known is None:
            self._draw_frame(value)                   # only the new frame: the others keep their fixed axes
            self.values = sorted(self.values + [value])
        self.start = value
        if self._handle is not None:
            from IPython.display import HTML
            self._handle.update(HTML(self.html()))
        return result

    def html(self) -> str:
        """The kernel-free slider: every frame as an embedded PNG, and a range input that shows one at a time."""
        index = self.values.index(self.start)
        images = []
        for i, value in enumerate(self.values):
            text = html.escape(self.text(value))
            hidden = "" if i == index else ";display:none"      # without JavaScript, the start frame still shows
            width, height = struct.unpack(">II", self.frames[value][16:24])   # from the PNG header: the page
            png = base64.b64encode(self.frames[value]).decode("ascii")      # keeps its layout while frames swap
            images.append(f'<img class="d2lite-slider-frame" data-index="{i}" data-value="{value}" data-text="{text}" '
                          f'alt="{text}" width="{width}" height="{height}" style="max-width:100%;height:auto{hidden}" '
                          f'src="data:image/png;base64,{png}">')
        uid = "d2lite-slider-" + uuid.uuid4().hex[:12]          # unique per output, so several sliders coexist
        count = len(self.values)
        return _TEMPLATE.format(id=uid, label=html.escape(self.label), name=html.escape(self.name), count=count,
                                last=count - 1, index=index, value=self.start, text=html.escape(self.text(self.start)),
                                note=_NOTE_STYLE, images="\n".join(images), script=_SCRIPT.replace("SLIDER_ID", uid))

    def _repr_html_(self) -> str:
        return self.html()

    def live_controls(self):
        """Live mode (a running kernel): a box to type a value, compute it on demand, and add it to the slider."""
        import ipywidgets as widgets

        text_box = widgets.IntText if self.integer else widgets.FloatText
        box = text_box(value=self.start, description=f"{self.label} =", layout=widgets.Layout(width="14em"))
        button = widgets.Button(description="Compute")
        status = widgets.Label(value=f"Try another {self.name}: type it and press Compute.")

        def on_click(_button) -> None:
            value = box.value
            status.value = f"computing {self.text(value)} ..."
            try:
                known = value in self.results
                self.add(value)
                how = "cached" if known else "computed, now on the slider"
                status.value = f"showing {self.text(value)} ({how})"
            except SliderError as err:                # shown to the student; a callback's traceback would be hidden
                status.value = str(err)
            except Exception as err:                  # e.g. not a whole number where the slider takes integers
                status.value = f"{self.text(value)} failed: {type(err).__name__}: {err}"

        button.on_click(on_click)
        return widgets.HBox([box, button, status])

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display
        self._handle = display(HTML(self.html()), display_id=True)
        if in_notebook():
            try:
                controls = self.live_controls()
            except ImportError:                       # no ipywidgets: the kernel-free slider still works
                return
            display(controls)


def slider(compute: Callable[[Any], Any], values: Sequence, draw: Callable[[Any, Any, dict], Figure], *,
           label: str, fmt: str = "{:g}", start=None, name: str | None = None) -> Slider:
    """Precompute `compute(v)` for every v in `values` and show `draw`'s pictures under a slider (weight decay chapter).

    `draw(value, result, results)` returns one frame (a Figure from d2lite.new_figure); `results` maps every
    precomputed value (and, for a live value, that value) to its result, in order, so draw can fix the axes.
    End a cell with the returned object to show it. If every value is an int (a polynomial degree, say), live mode
    accepts whole numbers only. `name` says the value in words where `label` is a symbol or an abbreviation
    (label='lr', name='learning rate'); the live box's sentences use it. A failing compute or draw raises a
    SliderError naming the value.
    """
    return Slider(compute, values, draw, label=label, fmt=fmt, start=start, name=name)
