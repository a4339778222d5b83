"""The slider in real notebook clients: JupyterLab and Jupyter Notebook 7, driven in headless Chromium.

For each client a server is started from this environment (localhost, a free port, a token, its own config and
settings folders) on a temporary copy of one chapter with a slider, run under the smoke budget. The kernel inherits
PYTHONPATH, so it imports this checkout's d2lite. The test runs all cells, then moves the slider with the arrow keys
(the range input focused) and with the mouse, checking that the shown frame changes each time, and types a value that
is not on the slider into the live box: its status line must report it and the slider must gain that value. Last, the
notes of the slider's hint line: in JupyterLab an untrusted copy of the saved notebook (no scripts run) shows the
note for an inert slider; in Notebook 7 the saved notebook reopened with a new kernel, where Jupyter shows "Error
displaying widget" instead of the live box, shows the note that says to rerun the cell.

Options (environment variables):
  D2LITE_SCREENSHOTS=folder   keep the screenshots there (default: a pytest temporary folder)
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chapters import ROOT
from test_browser import screenshots  # noqa: F401  (the fixture: $D2LITE_SCREENSHOTS or a temporary folder)

CHAPTER = "underfitting_overfitting"      # the quickest chapter with a slider under `smoke`
CLIENTS = {                               # client -> (module that starts its server, the notebook's address)
    "jupyterlab": ("jupyterlab", "/lab/tree/{name}"),
    "notebook7": ("notebook", "/notebooks/{name}"),
}
RUN_TIMEOUT_MS = 150_000                  # generous: the machine running the tests may be busy
# JupyterLab settings for a quiet, offline test: no news or update checks (it asks about them in a pop-up that
# covers the notebook, and they go online).
SETTINGS = {"jupyterlab": {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                           {"fetchNews": "false", "checkForUpdates": False}}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Jupyter server (JupyterLab or Notebook 7) on localhost, isolated from the user's Jupyter folders."""

    def __init__(self, module: str, home: Path, notebooks: Path) -> None:
        self.port, self.token = free_port(), "d2lite-test-token"
        self.url = f"http://127.0.0.1:{self.port}"
        folders = {name: home / name.lower() for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
                                                          "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
                                                          "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR")}
        for path in folders.values():
            path.mkdir(parents=True, exist_ok=True)
        for name, settings in SETTINGS.get(module, {}).items():
            file = folders["JUPYTERLAB_SETTINGS_DIR"] / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(settings))
        env = dict(os.environ, **{k: str(v) for k, v in folders.items()}, D2LITE_PROFILE="smoke",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
        self.log = (home / "server.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
             "--port-retries=0", f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={notebooks}",
             "--allow-root", "--LabApp.extension_manager=readonly"],        # root: in CI containers
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=notebooks)
        self.module, self.notebooks, self.log_path = module, notebooks, home / "server.log"

    def wait_until_up(self, timeout: float = 90) -> None:
        """Wait until the server answers."""
        deadline = time.monotonic() + timeout
        while not self.api("status"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the {self.module} server did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.5)

    def api(self, path: str, method: str = "GET"):
        """A call to the server's REST API; None if it does not answer (yet)."""
        request = urllib.request.Request(f"{self.url}/api/{path}?token={self.token}", method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                body = response.read()
                return json.loads(body) if body else {}
        except OSError:
            return None

    def wait_for_kernel(self, name: str, timeout: float = 90) -> None:
        """Wait until the notebook's kernel has started, is connected to the page, and is idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kernels = [s["kernel"] for s in self.api("sessions") or [] if s.get("path", "").endswith(name)]
            if any(k.get("execution_state") == "idle" and k.get("connections", 0) > 0 for k in kernels):
                return
            time.sleep(0.5)
        pytest.fail(f"no idle kernel for {name} after {timeout} s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        """Shut the server and its kernels down (kill it if it does not stop in 20 s)."""
        if self.process.poll() is None:
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> dict[str, Server]:
    """Both clients' servers, started together (each on its own copy of the chapter), shut down together."""
    started = {}
    for client, (module, _) in CLIENTS.items():
        if importlib.util.find_spec(module) is None:
            continue                            # the test for that client skips
        home = tmp_path_factory.mktemp(client)
        (home / "notebooks").mkdir()
        shutil.copy(ROOT / "chapters" / f"{CHAPTER}.ipynb", home / "notebooks")
        started[client] = Server(module, home, home / "notebooks")
    yield started
    for server in started.values():
        server.api("shutdown", method="POST")
    for server in started.values():
        server.stop()


def slider_state(page) -> dict:
    """The (first) slider's state: which frame it shows, how many it has, the label text and the picture."""
    return page.locator(".d2lite-slider").first.evaluate("""r => {
        const shown = Array.from(r.querySelectorAll('img.d2lite-slider-frame')).filter(i => i.checkVisibility());
        const note = r.querySelector('.d2lite-slider-nojs');
        return {index: Number(r.dataset.index), count: Number(r.dataset.count), value: r.dataset.value,
                shown: shown.map(i => Number(i.dataset.index)), src: shown.length ? shown[0].src : '',
                label: r.querySelector('.d2lite-slider-value').textContent,
                nojs_note: note ? note.checkVisibility() : false};
    }""")


def assert_moved(page, before: dict, how: str) -> dict:
    """The slider shows exactly one frame, another one than before, with its own label and picture."""
    after = slider_state(page)
    assert after["shown"] == [after["index"]], f"{how}: visible frames {after['shown']}, index {after['index']}"
    assert after["index"] != before["index"], f"{how}: the slider did not move (frame {after['index']})"
    assert after["label"] != before["label"] and after["src"] != before["src"], f"{how}: the picture did not change"
    return after


def run_all_cells(page, server: Server, name: str, client: str, shots: Path) -> None:
    """Run every cell from the Run menu and wait until each code cell has its execution count."""
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    server.wait_for_kernel(name)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    done = """() => {
        const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
            .map(p => p.textContent.trim());
        const errors = document.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .jp-RenderedText pre');
        const failed = Array.from(errors).some(e => /Traceback|Error:/.test(e.textContent));
        return failed ? 'failed' : (prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:?$/.test(t)));
    }"""
    try:
        result = page.wait_for_function(done, timeout=RUN_TIMEOUT_MS, polling=500).json_value()
    except Exception:
        page.screenshot(path=str(shots / f"{client}-run-timeout.png"), full_page=False)
        raise
    if result == "failed":
        page.screenshot(path=str(shots / f"{client}-run-failed.png"), full_page=False)
        text = page.locator(".jp-OutputArea-output").all_inner_texts()
        pytest.fail(f"{client}: a cell failed:\n" + "\n".join(t for t in text if "Error" in t)[-3000:])


def save(page, path: Path) -> None:
    """Save the notebook from the toolbar (the focused slider keeps Ctrl+S away) and wait for it on disk."""
    page.locator('[data-command="docmanager:save"]').first.click()
    deadline = time.monotonic() + 30
    while "d2lite-slider-nojs" not in path.read_text():
        assert time.monotonic() < deadline, f"{path.name} was not saved with its outputs"
        time.sleep(0.3)


def check_untrusted(page, server: Server, notebooks: Path, name: str, address: str) -> None:
    """A copy whose signature no longer matches (as a downloaded one): no script runs, the note says what to do."""
    notebook = json.loads((notebooks / name).read_text())
    notebook["metadata"]["d2lite_test"] = "edited elsewhere, so not trusted"
    (notebooks / f"untrusted-{name}").write_text(json.dumps(notebook))
    # ?reset: JupyterLab would otherwise restore the other notebook's tab too, and show it first
    page.goto(server.url + address.format(name=f"untrusted-{name}") + f"?reset&token={server.token}",
              wait_until="load")
    root = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .d2lite-slider").first
    root.wait_for(state="attached", timeout=60_000)
    root.evaluate("r => r.scrollIntoView()")
    seen = root.evaluate("""r => ({
        frames: Array.from(r.querySelectorAll('img.d2lite-slider-frame')).filter(i => i.checkVisibility()).length,
        nojs: r.querySelector('.d2lite-slider-nojs').checkVisibility(),
        hint: r.querySelector('.d2lite-slider-hint').checkVisibility(),
        rerun: r.querySelector('.d2lite-slider-rerun').checkVisibility()})""")
    assert seen == {"frames": 1, "nojs": True, "hint": False, "rerun": False}, f"untrusted notebook: {seen}"


def check_reopened(page, server: Server, name: str, address: str) -> None:
    """Reopened with a new kernel, the live box is an error: the slider (trusted, so its script runs) says to rerun."""
    for session in server.api("sessions") or []:
        server.api(f"sessions/{session['id']}", method="DELETE")      # shuts its kernel down
    page.goto(server.url + address.format(name=name) + f"?token={server.token}", wait_until="load")
    server.wait_for_kernel(name)
    rerun = page.locator(".d2lite-slider-rerun").first
    rerun.wait_for(state="visible", timeout=60_000)
    rerun.scroll_into_view_if_needed()
    assert page.get_by_text("Error displaying widget").count() > 0
    assert not page.locator(".d2lite-slider-nojs").first.is_visible()


def record_error(errors: list[str], error) -> None:
    """Keep an uncaught page error unless it was raised in the client's own code (its bundles under /static/):
    Notebook 7.6 raises one of its own while it loads its settings."""
    stack = getattr(error, "stack", "") or ""
    frames = [line.strip() for line in stack.splitlines() if line.strip().startswith("at ")]
    if frames and "/static/" in frames[0]:
        print(f"\nignored, the client's own error: {error}")
        return
    errors.append(f"{error}\n{stack}")


@pytest.mark.parametrize("client", CLIENTS)
def test_slider_in_client(browser, servers, client, screenshots):
    """Run the chapter in the client; the slider moves by arrow keys and mouse, and the live box adds a value.
    Then, in JupyterLab, an untrusted copy shows the note for an inert slider; in Notebook 7, the notebook
    reopened with a new kernel shows the note that brings the live box back."""
    module, address = CLIENTS[client]
    if client not in servers:
        pytest.skip(f"pip install {module} (requirements-test.txt)")
    server, name = servers[client], f"{CHAPTER}.ipynb"
    notebooks = server.notebooks
    started = time.monotonic()
    server.wait_until_up()
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: record_error(errors, e))
    shot = lambda step: page.screenshot(path=str(screenshots / f"{client}-{step}.png"))  # noqa: E731
    times = {"server up": time.monotonic() - started}
    try:
        page.goto(server.url + address.format(name=name) + f"?token={server.token}", wait_until="load")
        server.wait_for_kernel(name)
        times["open"] = time.monotonic() - started
        run_all_cells(page, server, name, client, screenshots)
        times["run all"] = time.monotonic() - started
        root = page.locator(".d2lite-slider").first
        root.scroll_into_view_if_needed()
        rng = root.locator("input[type=range]")
        state = slider_state(page)
        assert state["count"] >= 2 and state["shown"] == [state["index"]], f"{client}: bad start {state}"
        assert not state["nojs_note"], f"{client}: the slider's script did not run (the 'not trusted' note shows)"
        shot("1-ran")

        # 1. the arrow keys, on the focused range input (Notebook 7 takes them for its shortcuts unless suppressed)
        rng.focus()
        key = "ArrowRight" if state["index"] < state["count"] - 1 else "ArrowLeft"
        page.keyboard.press(key)
        state = assert_moved(page, state, f"{client}, {key}")
        page.keyboard.press("End")
        state = assert_moved(page, state, f"{client}, End")
        assert state["index"] == state["count"] - 1, f"{client}: End went to frame {state['index']}"
        shot("2-keys")

        # 2. the mouse: click near the start of the track
        box = rng.bounding_box()
        page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)
        state = assert_moved(page, state, f"{client}, mouse click")
        assert state["index"] == 0, f"{client}: a click at the track's start went to frame {state['index']}"
        shot("3-mouse")

        # 3. the live box: type a degree that is not on the slider and press Compute
        label, values = root.evaluate("r => [r.dataset.label, Array.from(r.querySelectorAll('img'), "
                                      "i => Number(i.dataset.value))]")
        new = str(next((d for d in range(min(values), max(values)) if d not in values), max(values) + 1))
        live = page.locator(".widget-hbox").filter(has=page.get_by_role("button", name="Compute"))
        live.scroll_into_view_if_needed()
        status = live.locator("div.widget-label")          # the Label widget (the text box has a label too)
        assert f"Try another {label}: type it and press Compute" in status.inner_text()
        live.locator("input").fill(new)
        live.locator("input").press("Enter")
        live.get_by_role("button", name="Compute").click()
        expected = f"showing {label} = {new} (computed, now on the slider)"
        page.wait_for_function("([el, text]) => el.textContent.includes(text)",
                               arg=[status.element_handle(), expected], timeout=60_000)
        page.wait_for_function(f"() => document.querySelector('.d2lite-slider').dataset.count == {state['count'] + 1}",
                               timeout=30_000)
        after = slider_state(page)
        assert after["value"] == new and after["label"] == f"{label} = {new}", after
        assert after["shown"] == [after["index"]]
        shot("4-live")
        # the new value is a step on the slider like any other: the keys move away from it
        page.locator(".d2lite-slider input[type=range]").first.focus()
        page.keyboard.press("ArrowLeft" if after["index"] > 0 else "ArrowRight")
        assert_moved(page, after, f"{client}, arrow key after the live value")
        assert not errors, f"{client}: errors in the page: {errors}"
        times["slider"] = time.monotonic() - started

        # 4. the notes of the hint line, where the slider cannot work by itself
        save(page, notebooks / name)
        if client == "jupyterlab":
            check_untrusted(page, server, notebooks, name, address)
            shot("5-untrusted")
        else:
            check_reopened(page, server, name, address)
            shot("5-reopened")
        times["notes"] = time.monotonic() - started
    finally:
        context.close()
        print(f"\n{client}: " + ", ".join(f"{step} done at {t:.0f} s" for step, t in times.items()))
