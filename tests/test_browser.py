"""The built website in a real browser (headless Chromium): every page loads offline, every slider moves.

Each page listed in _toc.yml is opened from disk with every non-file request blocked and recorded; the test fails on
such requests, on console errors and on missing local files. Then every `d2lite.widgets` slider on the page is moved
with the keyboard, dragged with the mouse and set by script, and the picture must change each time.

Options (environment variables):
  D2LITE_SITE=path/to/_build/html   test an already built site instead of building the book (conftest `built_site`)
  D2LITE_SCREENSHOTS=folder         keep the screenshots there (default: a pytest temporary folder)
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chapters import ROOT, toc_chapters

# Addresses (prefixes) a page may request from other hosts. Requests are blocked anyway, so the test runs offline;
# one listed here is just not reported. Empty: every page must work with no network at all.
ALLOWED_REMOTE: tuple[str, ...] = ()


def calls_slider(page: str) -> bool:
    """True if the page's notebook source calls the slider (so its built page must show one)."""
    source = ROOT / f"{page}.ipynb"
    if not source.exists():
        return False
    cells = json.loads(source.read_text())["cells"]
    return any("slider(" in "".join(c["source"]) for c in cells if c["cell_type"] == "code")


PAGES = ["intro"] + toc_chapters()          # the front page and every chapter, in course order


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: $D2LITE_SCREENSHOTS or a temporary folder (printed, so you can look at them)."""
    folder = Path(os.environ["D2LITE_SCREENSHOTS"]) if os.environ.get("D2LITE_SCREENSHOTS") else \
        tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


class OpenPage:
    """One page opened from disk with the network cut off; records what went wrong while it ran."""

    def __init__(self, browser, html: Path) -> None:
        self.blocked: list[str] = []        # requests to other hosts (aborted)
        self.missing: list[str] = []        # local files that failed to load
        self.errors: list[str] = []         # console errors and uncaught exceptions
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: r.url.startswith("file:") and self.missing.append(r.url))
        self.page.goto(html.as_uri(), wait_until="load")
        self.page.wait_for_timeout(300)     # let deferred scripts run

    def _console(self, message) -> None:
        # a failed request also logs "Failed to load resource"; it is reported above, with its address
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:", "about:")):
            route.continue_()
        else:
            if not url.startswith(ALLOWED_REMOTE):
                self.blocked.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_page(browser, site):
    """Open a built page by its toc name; close it after the test."""
    opened = []

    def _open(name: str) -> OpenPage:
        html = site / f"{name}.html"
        assert html.exists(), f"{name} is in _toc.yml but {html} was not built"
        opened.append(OpenPage(browser, html))
        return opened[-1]

    yield _open
    for page in opened:
        page.close()


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline(open_page, name, screenshots):
    """The page loads nothing from other hosts, finds all its local files, and logs no console errors."""
    opened = open_page(name)
    opened.page.screenshot(path=str(screenshots / f"{name.replace('/', '-')}.png"), full_page=False)
    assert not opened.blocked, f"{name} requests other hosts (fails offline): {sorted(set(opened.blocked))}"
    assert not opened.missing, f"{name} misses local files: {opened.missing}"
    assert not opened.errors, f"{name} logs errors: {opened.errors}"
    clipped = opened.page.evaluate("""() => {
        document.querySelectorAll('article details').forEach(d => d.open = true);   // the solutions too
        return [...document.querySelectorAll('article pre')]
            .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent.split('\\n')[0].slice(0, 60));
    }""")
    assert not clipped, f"{name}: code wider than the page column at 1280 px (it scrolls): {clipped}"


@pytest.mark.parametrize("name", PAGES)
def test_equations_fit_the_page_column(open_page, name):
    """Every displayed equation, as MathJax typesets it, fits the 1280 px page column (the theme hides the rest)."""
    page = open_page(name).page
    if not page.evaluate("() => document.querySelector('div.math') !== null"):
        pytest.skip(f"{name} has no displayed equation")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
    page.evaluate("() => MathJax.startup.promise")
    widths = page.evaluate("""() => [...document.querySelectorAll('div.math')].map(d => {
        const m = d.querySelector('mjx-math');
        return [m ? m.getBoundingClientRect().width : -1, d.clientWidth, d.textContent.trim().slice(0, 50)];
    })""")
    assert all(w >= 0 for w, _, _ in widths), f"{name}: MathJax did not typeset every equation"
    wide = [(round(w), text) for w, column, text in widths if w > column + 1]
    assert not wide, f"{name}: equations wider than the page column (their ends are cut off): {wide}"


def _state(root) -> dict:
    """Which frame a slider shows: its data-index, the visible frames, the label text and the image source."""
    return root.evaluate("""r => {
        const imgs = Array.from(r.querySelectorAll('img.d2lite-slider-frame'));
        const shown = imgs.filter(i => i.checkVisibility());
        return {index: Number(r.dataset.index), count: Number(r.dataset.count),
                shown: shown.map(i => Number(i.dataset.index)),
                src: shown.length ? shown[0].src : '',
                label: r.querySelector('.d2lite-slider-value').textContent,
                height: r.getBoundingClientRect().height};
    }""")


def _assert_moved(root, before: dict, expected_index: int, picture_before: bytes, how: str) -> tuple[dict, bytes]:
    """The slider now shows exactly frame `expected_index`, with a new label and a different picture."""
    after = _state(root)
    assert after["index"] == expected_index, f"{how}: slider at frame {after['index']}, expected {expected_index}"
    assert after["shown"] == [expected_index], f"{how}: visible frames {after['shown']}, expected [{expected_index}]"
    assert after["label"] != before["label"], f"{how}: the value label did not change ({after['label']!r})"
    assert after["src"] != before["src"], f"{how}: the same image is shown"
    picture = root.screenshot()
    assert picture != picture_before, f"{how}: the slider looks the same on screen"
    assert after["height"] == before["height"], f"{how}: the slider changed height (the page jumps)"
    return after, picture


@pytest.mark.parametrize("name", PAGES)
def test_sliders_move(open_page, name, screenshots):
    """Every slider on the page moves by keyboard, mouse drag and script, and each move changes the picture."""
    opened = open_page(name)
    page = opened.page
    roots = page.locator(".d2lite-slider")
    if calls_slider(name):
        assert roots.count() > 0, f"{name}'s notebook calls slider(...) but the built page shows no slider"
    elif roots.count() == 0:
        pytest.skip(f"{name} has no slider")
    slug = name.replace("/", "-")
    errors_at_load = len(opened.errors)             # load errors are test_page_loads_offline's business
    for k in range(roots.count()):
        root = roots.nth(k)
        root.scroll_into_view_if_needed()
        rng = root.locator("input[type=range]")
        state = _state(root)
        count = state["count"]
        assert count >= 2 and len(state["shown"]) == 1, f"slider {k} on {name} starts in a bad state: {state}"
        assert root.locator("img.d2lite-slider-frame").count() == count
        picture = root.screenshot(path=str(screenshots / f"{slug}-slider{k}-0-start.png"))

        # 1. keyboard: focus the slider and press an arrow key
        rng.focus()
        step = 1 if state["index"] < count - 1 else -1
        page.keyboard.press("ArrowRight" if step == 1 else "ArrowLeft")
        state, picture = _assert_moved(root, state, state["index"] + step, picture, f"slider {k} on {name}, arrow key")
        root.screenshot(path=str(screenshots / f"{slug}-slider{k}-1-key.png"))

        # 2. mouse: drag the thumb to the far end (the end it is not at)
        box = rng.bounding_box()
        y = box["y"] + box["height"] / 2
        x_now = box["x"] + box["width"] * (0.5 if count == 1 else state["index"] / (count - 1))
        to_end = state["index"] < (count - 1) / 2
        x_end = box["x"] + (box["width"] + 20 if to_end else -20)
        page.mouse.move(min(max(x_now, box["x"] + 4), box["x"] + box["width"] - 4), y)
        page.mouse.down()
        page.mouse.move(x_end, y, steps=8)
        page.mouse.up()
        state, picture = _assert_moved(root, state, count - 1 if to_end else 0, picture,
                                       f"slider {k} on {name}, mouse drag")
        root.screenshot(path=str(screenshots / f"{slug}-slider{k}-2-drag.png"))

        # 3. script: set the value and fire the input event, as assistive tools do
        target = count // 2 if state["index"] != count // 2 else 0
        rng.evaluate("(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input', {bubbles: true})); }",
                     target)
        _assert_moved(root, state, target, picture, f"slider {k} on {name}, set by script")
        root.screenshot(path=str(screenshots / f"{slug}-slider{k}-3-script.png"))
    assert not opened.errors[errors_at_load:], f"{name}: errors while moving sliders: {opened.errors[errors_at_load:]}"


def test_book_has_sliders(site):
    """Once a chapter calls slider(...), the built book shows at least one slider."""
    with_slider = [name for name in PAGES if calls_slider(name)]
    if not with_slider:
        pytest.skip("no chapter calls slider(...) yet")
    pages = {name: site / f"{name}.html" for name in with_slider}
    found = {name: html.read_text().count('class="d2lite-slider"') if html.exists() else "not built"
             for name, html in pages.items()}
    assert all(isinstance(n, int) and n > 0 for n in found.values()), f"sliders on pages that call slider(...): {found}"
