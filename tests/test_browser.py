"""The notebooks in a real JupyterLab, driven in headless Chromium as a student would.

A JupyterLab from this environment serves a temporary copy of notebooks/ on a free
loopback port with a random token. Playwright drives Debian's Chromium
(/usr/bin/chromium): it opens a notebook, clears it, runs all cells, waits until
JupyterLab's own notebook model says every code cell has run, checks that no cell shows
an error, then moves a slider with the keyboard and checks that what the widget shows
changes. Screenshots go to data/screenshots/.

Without Chromium the test is skipped on a laptop (install Debian's `chromium` package);
in CI (CI=true) a missing Chromium is a failure: .ci/run installs it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "data" / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing: .ci/run must install Debian's `chromium` package",
                    pytrace=False)
    pytest.skip("browser test needs Debian's `chromium` package (/usr/bin/chromium)",
                allow_module_level=True)

playwright_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Start JupyterLab on a copy of notebooks/; yield (base_url, token)."""
    served = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(ROOT / "notebooks", served)
    # JupyterLab starts a notebook's preferred kernel itself instead of asking in a
    # "Select Kernel" dialog: with the dialog open, Run All would run with no kernel
    tracker = served.parent / "settings" / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"autoStartDefaultKernel": True}))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "UPCONV_MNIST_SOURCE": "subset", "CUDA_VISIBLE_DEVICES": ""}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
           "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
           "--ServerApp.open_browser=False", "--LabApp.news_url=",
           # window.jupyterapp: the test reads the notebook's state from JupyterLab's model
           "--LabApp.expose_app_in_browser=True",
           # a clean, private workspace and settings: nothing restored from earlier runs
           f"--LabApp.workspaces_dir={served.parent / 'workspaces'}",
           f"--LabApp.user_settings_dir={served.parent / 'settings'}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp_path_factory.mktemp("log") / "lab.log", "w")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=served)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail(f"JupyterLab did not start: see {log.name}")
            time.sleep(0.5)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     headless=True)
        yield chromium
        chromium.close()


def api(lab, method: str, path: str, body: dict | None = None) -> dict:
    """Call the Jupyter server's REST API with the lab's token; return the decoded JSON."""
    base, token = lab
    request = urllib.request.Request(
        f"{base}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def start_kernel_for(lab, name: str) -> str:
    """Create the notebook's session (and its python3 kernel) through the REST API, so that
    the page joins a running kernel and never has to ask for one. Return the kernel's id.
    (The server reports the kernel as "starting" until a client connects: the page's own
    indicator says when it is idle.)"""
    session = api(lab, "POST", "/api/sessions",
                  {"path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"}})
    kernel_id = session["kernel"]["id"]
    assert kernel_id in {k["id"] for k in api(lab, "GET", "/api/kernels")}, session
    return kernel_id


# The notebook's state is read from JupyterLab's own document model (exposed to the page
# with --LabApp.expose_app_in_browser), never from the cells attached to the page so far:
# JupyterLab attaches a long notebook's cells progressively, so a check over the page's
# prompts could pass before the last cells exist.
PANEL_JS = """(name) => {
    const app = window.jupyterapp;
    if (!app) return null;
    return [...app.shell.widgets('main')].find(w => w.context && w.context.path === name) || null;
}"""
STATE_JS = f"""(name) => {{
    const panel = ({PANEL_JS})(name);
    if (!panel || !panel.context.isReady || !panel.content.model) return null;
    const cells = [...panel.content.model.cells].filter(c => c.type === 'code');
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return {{code: cells.length,
             counted: cells.filter(c => c.executionCount !== null).length,
             outputs: cells.reduce((n, c) => n + c.outputs.length, 0),
             errors: cells.flatMap(c => [...Array(c.outputs.length).keys()]
                                          .map(i => c.outputs.get(i).toJSON()))
                          .filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
             kernel: kernel ? kernel.status : null,
             dialog: document.querySelector('.jp-Dialog') !== null,
             current: window.jupyterapp.shell.currentWidget === panel}};
}}"""


def notebook_state(page, name: str) -> dict | None:
    """The open notebook as JupyterLab's model sees it: code cells, how many have an execution
    count, total outputs, the error outputs ('ename: evalue'), the kernel's status, whether a
    dialog is open, whether it is current."""
    return page.evaluate(STATE_JS, name)


def wait_for_state(page, name: str, condition: str, timeout_s: float, what: str) -> dict:
    """Wait until `condition` (JavaScript over the state `s`) holds; fail naming `what` and the
    last state seen, with a screenshot."""
    try:
        page.wait_for_function(
            f"(name) => {{ const s = ({STATE_JS})(name); return s !== null && ({condition}); }}",
            arg=name, timeout=timeout_s * 1000, polling=500)
    except playwright_api.TimeoutError:
        page.screenshot(path=str(SHOTS / f"{Path(name).stem}-timeout.png"), full_page=False)
        pytest.fail(f"{name}: {what} within {timeout_s:.0f} s; last state {notebook_state(page, name)}",
                    pytrace=False)
    return notebook_state(page, name)


def wait_for_kernel_ready(page, name: str) -> None:
    """Wait until the notebook's kernel is idle (or a dialog opened). A kernel dialog ("Select
    Kernel") is a failure that names the dialog: the page did not join the kernel we started."""
    wait_for_state(page, name, "s.dialog || s.kernel === 'idle'", 90, "the kernel did not become idle")
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        page.screenshot(path=str(SHOTS / f"{Path(name).stem}-dialog.png"), full_page=False)
        pytest.fail(f"{name}: JupyterLab showed a dialog instead of joining the running kernel: "
                    f"{' '.join(dialog.first.inner_text().split())!r}")


def run_command(page, name: str, command: str) -> None:
    """Make the notebook the current widget, then start a JupyterLab command (what its menu
    entry runs) on it. Returns at once; the caller waits for the state it expects."""
    page.evaluate(f"""([name, command]) => {{
        const panel = ({PANEL_JS})(name);
        window.jupyterapp.shell.activateById(panel.id);
        window.jupyterapp.commands.execute(command);
    }}""", [name, command])


def open_and_run_all(browser, lab, name: str, timeout_s: float):
    """Open a notebook, clear it, run all cells, wait until all have run; return the page."""
    base, token = lab
    start_kernel_for(lab, name)
    code_cells = sum(c["cell_type"] == "code"
                     for c in json.loads((ROOT / "notebooks" / name).read_text())["cells"])
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    # a workspace of its own per notebook, so no tab of an earlier test is restored
    page.goto(f"{base}/lab/workspaces/{Path(name).stem}/tree/{name}?token={token}&reset",
              timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached", timeout=60_000)
    wait_for_kernel_ready(page, name)
    state = notebook_state(page, name)
    assert state["code"] == code_cells, f"{name}: JupyterLab's model {state}; file: {code_cells} code cells"
    # clear the committed outputs and execution counts first: a count then means "ran now"
    run_command(page, name, "notebook:clear-all-cell-outputs")
    wait_for_state(page, name, "s.counted === 0 && s.outputs === 0", 30, "the outputs were not cleared")
    start = time.monotonic()
    run_command(page, name, "notebook:run-all-cells")
    # cells run in order and a failing cell stops the rest: when every code cell has an
    # execution count and the kernel is idle, all have run (an error ends the wait early)
    done = f"(s.counted === {code_cells} || s.errors.length) && s.kernel === 'idle'"
    state = wait_for_state(page, name, done, timeout_s, f"its {code_cells} code cells did not all run")
    elapsed = time.monotonic() - start
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    tracebacks = [t for t in stderr.all_text_contents() if "Traceback" in t or "Error" in t]
    page.screenshot(path=str(SHOTS / f"{Path(name).stem}-ran.png"), full_page=False)
    assert not state["errors"], f"{name}: error output after Run All: {state['errors']}"
    assert not tracebacks, f"{name}: error output after Run All:\n{tracebacks[0][:2000]}"
    return page, elapsed


def press_on_slider(page, widget, presses: int) -> None:
    """Focus a widget slider's handle and press the right arrow key `presses` times."""
    handle = widget.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        handle.press("ArrowRight")
        page.wait_for_timeout(150)


def wait_for_text_change(page, locator, before: str) -> str:
    """Wait until an element's text differs from `before` (a widget redrew); return it."""
    page.wait_for_function("([el, text]) => el.textContent !== text",
                           arg=[locator.element_handle(), before], timeout=15_000)
    return locator.text_content()


def widget_view(page, css: str, text: str | None = None):
    """The first rendered widget view that contains an element matching `css` (and `text`)."""
    inner = page.locator(css) if text is None else page.locator(css, has_text=text)
    view = page.locator(".jp-OutputArea-output > .widget-vbox", has=inner).first
    view.wait_for(state="attached", timeout=30_000)
    view.scroll_into_view_if_needed(timeout=30_000)  # JupyterLab hides cells out of view
    view.wait_for(state="visible", timeout=30_000)
    return view


def test_autoencoder_notebook_runs_and_its_interpolation_slider_redraws(browser, lab):
    page, seconds = open_and_run_all(browser, lab, "04_autoencoders.ipynb", timeout_s=600)
    view = widget_view(page, ".widget-readout")  # the interpolation widget (sliders + image)
    slider_t = view.locator(".widget-slider").nth(2)  # from #, to #, then t
    image = view.locator("img").first
    image.scroll_into_view_if_needed()
    before_src = image.get_attribute("src")
    before_shot = image.screenshot(path=str(SHOTS / "04-slider-before.png"))
    press_on_slider(page, slider_t, 6)
    page.wait_for_function("([el, src]) => el.getAttribute('src') !== src",
                           arg=[image.element_handle(), before_src], timeout=10_000)
    after_shot = image.screenshot(path=str(SHOTS / "04-slider-after.png"))
    assert after_shot != before_shot, "moving t did not change the decoded picture"
    print(f"04_autoencoders.ipynb: Run All took {seconds:.0f} s in the browser")
    page.close()


def test_05_vae_notebook_runs_and_its_latent_sliders_redraw(browser, lab):
    page, seconds = open_and_run_all(browser, lab, "05_variational_autoencoders.ipynb", timeout_s=600)
    digit_css = "img[alt^='the digit decoded at']"
    view = widget_view(page, digit_css)  # the latent map widget: z1, z2, the digit and the map
    # locators are re-resolved on every read: a redraw replaces the <img> elements
    digit, plane = view.locator(digit_css).first, view.locator("img[alt^='the latent map']").first
    before_alt, before_map = digit.get_attribute("alt"), plane.get_attribute("src")
    assert before_alt.endswith("z = (0.00, 0.00)"), before_alt
    before_shot = digit.screenshot(path=str(SHOTS / "05-latent-before.png"))
    for index in (0, 1):  # z1, then z2
        shown = digit.get_attribute("alt")
        press_on_slider(page, view.locator(".widget-slider").nth(index), 10)
        playwright_api.expect(digit).not_to_have_attribute("alt", shown, timeout=15_000)
    playwright_api.expect(plane).not_to_have_attribute("src", before_map, timeout=15_000)
    after_alt = digit.get_attribute("alt")
    assert "0.00" not in after_alt, f"both sliders should have moved: {after_alt}"
    after_shot = digit.screenshot(path=str(SHOTS / "05-latent-after.png"))
    assert after_shot != before_shot, "moving z1 and z2 did not change the decoded digit"
    view.screenshot(path=str(SHOTS / "05-latent-map-after.png"))
    print(f"05_variational_autoencoders.ipynb: Run All took {seconds:.0f} s in the browser")
    page.close()


def test_start_here_digit_slider_changes_the_digit(browser, lab):
    page, _ = open_and_run_all(browser, lab, "00_start_here.ipynb", timeout_s=180)
    view = widget_view(page, "img")
    caption = view.locator(".widget-html").first
    before_text = caption.text_content()
    before_shot = view.locator("img").first.screenshot()
    press_on_slider(page, view.locator(".widget-slider").first, 3)
    assert "image 3" in wait_for_text_change(page, caption, before_text)
    assert view.locator("img").first.screenshot(path=str(SHOTS / "00-slider-after.png")) != before_shot
    page.close()


def test_transposed_convolution_step_player_plays_and_explorer_updates_its_sizes(browser, lab):
    page, _ = open_and_run_all(browser, lab, "02_transposed_convolution.ipynb", timeout_s=180)
    # the stamps' step player: the play button moves the step slider in the browser (jslink),
    # and the kernel redraws the picture for each step
    player = widget_view(page, ".widget-play")
    alt = player.locator(".widget-html img").first  # re-resolved on every read: a redraw replaces the <img>
    assert alt.get_attribute("alt").endswith("step 1 of 4"), alt.get_attribute("alt")
    player.locator(".widget-play button").first.click()  # play: one step a second
    deadline = time.monotonic() + 20
    while not alt.get_attribute("alt").endswith("step 4 of 4"):
        assert time.monotonic() < deadline, f"playing did not reach the last step: {alt.get_attribute('alt')}"
        page.wait_for_timeout(200)
    player.screenshot(path=str(SHOTS / "02-player-after.png"))
    view = widget_view(page, ".widget-html", text="output = (i-1)")  # the explorer
    summary = view.locator(".widget-html").last  # the picture first, then the size summary
    before = summary.text_content()
    assert "5×5" in before  # the lecture's figure: 3x3 -> 5x5
    press_on_slider(page, view.locator(".widget-slider").first, 1)  # i: 3 -> 4
    after = wait_for_text_change(page, summary, before)
    assert "7×7" in after, after
    view.screenshot(path=str(SHOTS / "02-explorer-after.png"))
    page.close()


def test_06_latent_diffusion_notebook_runs_and_its_guidance_slider_redraws(browser, lab):
    page, seconds = open_and_run_all(browser, lab, "06_latent_diffusion.ipynb", timeout_s=600)
    picture_css = "img[alt^='the guidance scale']"
    view = widget_view(page, picture_css)  # the guidance player: play button, step slider, samples
    picture = view.locator(picture_css).first  # re-resolved on every read: a redraw replaces the <img>
    assert picture.get_attribute("alt").endswith("step 1 of 7"), picture.get_attribute("alt")
    before_shot = picture.screenshot(path=str(SHOTS / "06-guidance-before.png"))
    press_on_slider(page, view.locator(".widget-slider").first, 4)  # w = 0 -> w = 2
    playwright_api.expect(picture).to_have_attribute("alt", re.compile("step 5 of 7$"), timeout=15_000)
    assert picture.screenshot(path=str(SHOTS / "06-guidance-after.png")) != before_shot
    print(f"06_latent_diffusion.ipynb: Run All took {seconds:.0f} s in the browser")
    page.close()
