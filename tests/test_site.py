"""The built site (make site) and the slide decks (make slides), opened in headless Chromium.

Both are built from the committed notebooks into data/ and served on a loopback port, as
a reader without a kernel would get them: every site page loads with no error of its own
(requests to other hosts, such as the Colab badge, fail offline and are not the page's
fault), typesets its mathematics from the site's own MathJax, gives every figure an alt
text, and lets the kernel-free players be moved with the keyboard; a deck steps forward
and down with the arrow keys. Screenshots go to data/screenshots/.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "data" / "screenshots"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"]

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing: .ci/run must install Debian's `chromium` package", pytrace=False)
    pytest.skip("the site test needs Debian's `chromium` package", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


def tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def served():
    """Build the site and the decks, serve data/ on a free loopback port; yield its address."""
    site, slides = tool("build_site"), tool("build_slides")
    assert site.main() == 0, "make site failed"
    assert slides.main([]) == 0, "make slides failed"
    handler = functools.partial(QuietHandler, directory=str(ROOT / "data"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def own(url: str, base: str) -> bool:
    """A resource of the page itself: from the local server, and not the browser's own
    request for /favicon.ico."""
    return url.startswith(base) and not url.endswith("/favicon.ico")


def open_page(browser, url: str, base: str):
    """Open `url`; return the page and the list its errors are collected in."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("console", lambda msg: errors.append(f"console: {msg.text} ({msg.location.get('url')})")
            if msg.type == "error" and own(msg.location.get("url", ""), base) else None)
    page.on("requestfailed", lambda request: errors.append(f"failed to load {request.url}")
            if own(request.url, base) else None)
    page.goto(url, wait_until="load")
    return page, errors


PAGES = ["index"] + [p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_of_the_site_loads_with_its_math_and_alt_texts(browser, served, name):
    page, errors = open_page(browser, f"{served}/site/{name}.html", served)
    if name != "index":
        page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
                               " && document.querySelectorAll('.mjx-chtml').length > 0", timeout=60_000)
    page.screenshot(path=str(SHOTS / f"site-{name}.png"))
    assert not errors, "\n".join(errors)
    alts = page.eval_on_selector_all(".cell_output img", "imgs => imgs.map(i => i.getAttribute('alt') || '')")
    unnamed = [alt for alt in alts if not alt.strip() or alt.endswith(".png")]
    assert not unnamed, f"{name}: {len(unnamed)} of {len(alts)} figures have no alt text"
    links = page.eval_on_selector_all("a[href*='colab.research.google.com']", "links => links.length")
    assert name == "index" or links >= 1, f"{name} has no Colab link"
    page.close()


def test_a_deck_steps_forward_and_down_with_the_keyboard(browser, served):
    page, errors = open_page(browser, f"{served}/slides/02_transposed_convolution.slides.html", served)
    page.wait_for_selector(".reveal.ready", timeout=30_000)
    total = page.eval_on_selector_all(".reveal .slides > section", "s => s.length")
    assert total >= 5, f"the deck has only {total} slides"
    seen = [page.evaluate("location.hash")]
    for key in ("ArrowRight", "ArrowRight", "ArrowDown"):
        page.keyboard.press(key)
        page.wait_for_timeout(300)
        seen.append(page.evaluate("location.hash"))
    page.screenshot(path=str(SHOTS / "slides-02.png"))
    # reveal.js writes the slide's place in the address: #/h or #/h/v
    assert seen == ["#/", "#/1", "#/2", "#/2/1"], f"the arrow keys moved the deck to {seen}"
    assert page.eval_on_selector_all(".mjx-chtml", "m => m.length") > 0, "no typeset maths in the deck"
    assert not errors, "\n".join(errors)
    page.close()


def step_with_the_keyboard(page) -> list[str]:
    """Focus the page's first kernel-free player, press → twice; return the step labels seen."""
    slider = page.locator(".upconv-player input[type=range]").first
    slider.scroll_into_view_if_needed()
    slider.focus()
    seen = [page.locator(".upconv-player .upconv-step").first.inner_text()]
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        seen.append(page.locator(".upconv-player .upconv-step").first.inner_text())
    return seen


def visible_frame(page) -> list[bool]:
    return page.evaluate("""() => Array.from(document.querySelector('.upconv-player')
        .querySelectorAll('.upconv-frame')).map(f => f.style.display !== 'none')""")


@pytest.mark.parametrize("name", ["02_transposed_convolution", "04_autoencoders"])
def test_a_player_on_a_site_page_moves_with_the_keyboard(browser, served, name):
    page, errors = open_page(browser, f"{served}/site/{name}.html", served)
    before = visible_frame(page)
    seen = step_with_the_keyboard(page)
    after = visible_frame(page)
    page.screenshot(path=str(SHOTS / f"site-{name}-player.png"))
    assert before.count(True) == 1 and after.count(True) == 1, "a player shows one frame at a time"
    assert before.index(True) == 0 and after.index(True) == 2, (before, after)
    assert [label.split(" / ")[0] for label in seen] == ["1", "2", "3"], seen
    assert not errors, "\n".join(errors)


def test_nbconvert_html_of_a_committed_notebook_plays_its_player(browser, served, tmp_path):
    """What nbviewer shows: nbconvert's HTML of the committed 02, with no kernel."""
    import nbconvert
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "02_transposed_convolution.ipynb", as_version=4)
    html, _ = nbconvert.HTMLExporter().from_notebook_node(nb)
    target = ROOT / "data" / "site" / "nbconvert-02.html"
    target.write_text(html)
    page, _ = open_page(browser, f"{served}/site/{target.name}", served)
    assert step_with_the_keyboard(page)[-1].startswith("3 / ")
    assert visible_frame(page).index(True) == 2
    page.close()
