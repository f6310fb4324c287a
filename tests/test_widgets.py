"""helpers.widgets: a redraw per slider move, JSON-only state, a sentence and a player without a kernel, the
model's device, named bad arguments. tests/test_colab_versions.py reruns the first two on ipywidgets 7.7.1."""

import base64
import io
import re

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

from helpers import widgets
from helpers.models import Autoencoder, LectureAutoencoder


def find(widget, kind) -> list:
    """All descendants of `widget` (itself included) of type `kind`, in display order."""
    return [widget] * isinstance(widget, kind) + [
        found for child in getattr(widget, "children", ()) for found in find(child, kind)]


def binary_values(widget) -> list[str]:
    """Paths of every bytes/bytearray/memoryview in the synced state of `widget` and its children."""
    found = []

    def walk(value, path):
        if isinstance(value, (bytes, bytearray, memoryview)):
            found.append(path)
        elif isinstance(value, (dict, list, tuple)):
            for key, item in value.items() if isinstance(value, dict) else enumerate(value):
                walk(item, f"{path}/{key}")

    for part in find(widget, ipywidgets.Widget):
        walk(part.get_state(), type(part).__name__)
    return found


def picture(html: str, index: int = 0) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(re.findall(r"base64,([A-Za-z0-9+/=]+)'", html)[index])))


def shows(html: str, image: torch.Tensor, index: int = 0, top: int = 0, left: int = 0) -> bool:
    """Whether picture `index` shows `image` [H, W] in [0, 1] from pixel (top, left), each pixel 6 x 6."""
    h, w = image.shape
    shown = np.asarray(picture(html, index).convert("L"))[6 * top::6, 6 * left::6][:h, :w]
    return torch.allclose(torch.from_numpy(shown / 255).float(), image, atol=1 / 255 + 1e-6)


def alts(html: str) -> list[str]:
    return re.findall(r"alt='([^']*)'", html)


def stamps_figure(step: int):
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.imshow(np.full((2, 2), step), vmin=0, vmax=3)
    return fig


def every_widget():
    """One of each widget of the series, with the kind of slider to move in it."""
    torch.manual_seed(0)
    images, labels, plane = torch.rand(5, 1, 28, 28), torch.tensor([3, 1, 4, 1, 5]), Autoencoder(2, width=8)
    images[1] = 0.0  # so that even an untrained autoencoder decodes #0 and #1 differently
    yield widgets.digit_browser(images, labels), ipywidgets.IntSlider
    yield widgets.transposed_conv_explorer(), ipywidgets.IntSlider
    yield widgets.step_player(stamps_figure, 4, "the stamps"), ipywidgets.IntSlider
    for model in (LectureAutoencoder(), Autoencoder(latent_dim=8, width=8)):
        yield widgets.interpolation_widget(model, images, labels), ipywidgets.FloatSlider
    yield widgets.latent_map_widget(plane, torch.randn(5, 2), labels), ipywidgets.FloatSlider


def test_no_widget_state_holds_binary_data_before_or_after_a_slider_moves():
    for box, slider_kind in every_widget():
        assert binary_values(box) == [], type(box)
        before = [html.value for html in find(box, ipywidgets.HTML) if "<img" in html.value]
        assert before, "every widget shows a picture"
        slider = find(box, slider_kind)[0]
        slider.value = slider.max if slider.value != slider.max else slider.min
        assert binary_values(box) == [] and not find(box, ipywidgets.Image)
        assert [html.value for html in find(box, ipywidgets.HTML) if "<img" in html.value] != before


def test_widgets_describe_themselves_where_they_cannot_run():
    for box, _ in every_widget():
        text = repr(box)
        assert re.fullmatch(r"\[Widget: .+\. Run the notebook to use it\.\]", text), text
        assert len(text) <= 110, text  # ipywidgets' limit for a widget's plain-text form


def displayed(box, monkeypatch) -> dict:
    bundles = []
    monkeypatch.setattr(widgets, "display", lambda bundle, raw: bundles.append(bundle) if raw else None)
    box._ipython_display_()
    return bundles[-1]


def test_step_player_draws_each_step_once_and_plays_with_or_without_a_kernel(monkeypatch):
    calls, links = [], []
    monkeypatch.setattr(ipywidgets, "jslink", lambda *pair: links.append(pair))
    box = widgets.step_player(lambda step: calls.append(step) or stamps_figure(step), 3, "a test's <process>")
    (play,), (slider,), (shown,) = [find(box, kind) for kind in (ipywidgets.Play, ipywidgets.IntSlider,
                                                                ipywidgets.HTML)]
    assert (play.min, play.max, slider.min, slider.max, slider.description) == (1, 3, 1, 3, "step")
    assert links == [((play, "value"), (slider, "value"))] and calls == [0, 1, 2]  # the browser plays
    first = shown.value
    slider.value = 3
    assert alts(first) == ["a test&#39;s &lt;process>, step 1 of 3"] and "step 3 of 3" in shown.value
    slider.value = 1
    assert shown.value == first and calls == [0, 1, 2]
    bundle = displayed(box, monkeypatch)
    assert bundle["text/plain"] == repr(box) and bundle["application/vnd.jupyter.widget-view+json"]
    html = bundle["text/html"]  # the markup tests/test_site.py and test_browser.py drive in Chromium
    assert html.startswith("<div class='upconv-player'><div class='upconv-controls' style='display: none'>")
    assert "<button type='button'>play</button>" in html and "<span class='upconv-step'></span>" in html
    assert "<input type='range' min='0' max='2' value='0' aria-label='a test&#39;s &lt;process>'>" in html
    assert "document.currentScript.parentElement" in html and html.endswith("</script></div>")
    frames = html.split("<div class='upconv-frame'>")[1:]
    assert len(frames) == 3 and len({np.asarray(picture(frame)).mean() for frame in frames}) == 3
    assert "text/html" not in displayed(widgets.digit_browser(torch.rand(2, 1, 8, 8)), monkeypatch)


def test_digit_browser_draws_the_chosen_digit_with_its_label():
    images = torch.rand(5, 1, 28, 28)
    box = widgets.digit_browser(images, torch.tensor([3, 1, 4, 1, 5]))
    (slider,), (caption, shown) = find(box, ipywidgets.IntSlider), find(box, ipywidgets.HTML)
    assert (slider.min, slider.max, slider.description) == (0, 4, "index")
    assert caption.value == "<b>image 0: digit 3</b>" and picture(shown.value).size == (168, 168)
    assert shows(shown.value, images[0, 0]) and not shows(shown.value, images[4, 0])
    slider.value = 4
    assert caption.value == "<b>image 4: digit 5</b>" and shows(shown.value, images[4, 0])
    one = widgets.digit_browser(torch.rand(1, 8, 8))  # one image [C, H, W], no labels
    (slider,), (caption, _) = find(one, ipywidgets.IntSlider), find(one, ipywidgets.HTML)
    assert slider.max == 0 and caption.value == "<b>image 0</b>"


def test_transposed_conv_explorer_updates_the_sizes_and_explains_an_invalid_setting():
    box = widgets.transposed_conv_explorer()
    sliders = {slider.description: slider for slider in find(box, ipywidgets.IntSlider)}
    shown, summary = find(box, ipywidgets.HTML)  # tests/test_browser.py reads the summary, the last
    assert [(name, s.min, s.max) for name, s in sliders.items()] == [
        ("i", 1, 8), ("k", 1, 5), ("s", 1, 4), ("p", 0, 4), ("op", 0, 3), ("d", 1, 3)]
    assert summary.value.startswith("output = (i-1)") and "<b>5×5</b>" in summary.value
    first = shown.value
    sliders["op"].value = 1
    assert "<b>6×6</b>" in summary.value and shown.value != first
    sliders["op"].value = 3  # op >= max(s, d): refused with PyTorch's rule
    assert "invalid" in summary.value and "max(s, d) = 2" in summary.value and shown.value == ""
    sliders["op"].value, sliders["i"].value = 0, 8
    assert "<b>15×15</b>" in summary.value and alts(shown.value)


def test_interpolation_widget_decodes_the_mixture_of_two_codes(monkeypatch):
    torch.manual_seed(0)
    model, images = LectureAutoencoder(), torch.rand(4, 1, 28, 28)
    box = widgets.interpolation_widget(model, images, torch.tensor([7, 2, 1, 0]))
    (first, second), (t,) = find(box, ipywidgets.IntSlider), find(box, ipywidgets.FloatSlider)
    shown, caption = find(box, ipywidgets.HTML)
    assert [s.description for s in (first, second, t)] == ["from #", "to #", "t"]  # test_browser moves t
    seen = set()
    for value in (0.0, 0.5, 1.0):
        t.value = value
        seen.add(shown.value)
        assert f"{1 - value:.2f}·z₁" in caption.value and "#0 (digit 7)" in caption.value
    second.value, t.value = 3, 0.5
    with torch.no_grad():
        codes = model.encode(images)
        mixture = model.decode((codes[0:1] + codes[3:4]) / 2)[0, 0]
    assert len(seen) == 3 and shows(shown.value, mixture, top=2, left=32)  # gaps of 2 pixels
    assert shows(shown.value, images[0, 0], top=2, left=2) and shows(shown.value, images[3, 0], 0, 2, 62)
    assert displayed(box, monkeypatch)["text/html"].count("<div class='upconv-frame'>") == 11


@pytest.mark.parametrize("make", [lambda model: widgets.interpolation_widget(model, torch.rand(3, 1, 28, 28)),
                                  lambda model: widgets.latent_map_widget(model, torch.randn(3, 2))])
def test_widgets_run_the_model_on_its_own_device(make):
    for device in ["meta"] + ["cuda"] * torch.cuda.is_available():  # meta stands in for a GPU
        model, seen = Autoencoder(latent_dim=2, width=8).to(device), set()
        for part in (model.encoder, model.decoder):
            part.register_forward_pre_hook(lambda module, inputs, seen=seen: seen.add(inputs[0].device.type))
        if device == "meta":
            with pytest.raises((NotImplementedError, RuntimeError, ValueError)):  # meta holds no pixels
                make(model)
        else:
            find(make(model), ipywidgets.FloatSlider)[0].value = 0.9
        assert seen == {device}


def test_latent_map_widget_decodes_the_sliders_point_and_rings_it_on_the_map(monkeypatch):
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=2, width=8).eval()
    box = widgets.latent_map_widget(model, torch.randn(20, 2), torch.arange(20) % 10, limit=2.5, n=6)
    (z1, z2), shown = find(box, ipywidgets.FloatSlider), find(box, ipywidgets.HTML)[0]
    assert [z1.description, z2.description, z1.min, z2.max, z1.value + z2.value] == ["z₁", "z₂", -2.5, 2.5, 0]
    assert alts(shown.value) == ["the digit decoded at z = (0.00, 0.00)",
                                "the latent map, ring at z = (0.00, 0.00)"]
    assert picture(shown.value, 1).size == (6 * 28, 6 * 28 + 16)  # the decoded grid, then the colour key
    z1.value, z2.value = 1.5, -0.5
    with torch.no_grad():
        assert shows(shown.value, model.decode(torch.tensor([[1.5, -0.5]]))[0, 0])
    assert alts(shown.value)[1] == "the latent map, ring at z = (1.50, -0.50)"
    ring = np.argwhere(np.abs(np.asarray(picture(shown.value, 1).convert("RGB")) - [255, 0, 255]).sum(-1) < 9)
    assert np.allclose(ring.mean(0), [0.6 * 168, 0.8 * 168], atol=2)  # (2.5 + 1.5) / 5 across, 3 / 5 down
    frames = displayed(box, monkeypatch)["text/html"].split("<div class='upconv-frame'>")[1:]
    walk = picture(frames[0], 1)
    assert len(frames) == 12 and walk.mode == "P" and len(walk.getcolors()) <= 32  # keeps 05 small
    assert picture(find(widgets.latent_map_widget(model), ipywidgets.HTML)[0].value, 1).size == (336, 336)


PLANE, IMAGES = Autoencoder(latent_dim=2, width=8), torch.rand(2, 1, 8, 8)  # a 2-D latent, as 05's map needs
BAD = [  # (call, error, what its message says) for the student-facing arguments of the widgets
    (lambda: widgets.step_player("draw", 3, "steps"), TypeError, "draw_step must be a function"),
    (lambda: widgets.step_player(stamps_figure, 3, None), TypeError, "what must be a string"),
    (lambda: widgets.step_player(stamps_figure, 3, "x" * 44), ValueError, "1 to 43 characters"),
    (lambda: widgets.step_player(lambda step: 0, 3, "steps"), TypeError, r"draw_step\(0\) must return a"),
    (lambda: widgets.digit_browser(torch.rand(3, 28, 28)), ValueError, r"unsqueeze\(1\)"),
    (lambda: widgets.digit_browser(IMAGES, torch.tensor([1.0, 2.0])), TypeError, r"labels\[0\] must be an"),
    (lambda: widgets.transposed_conv_explorer(op=2), ValueError, r"op \(output padding\) must be smaller"),
    (lambda: widgets.interpolation_widget(torch.nn.Linear(2, 2), IMAGES), TypeError, r"encode\(x\) and dec"),
    (lambda: widgets.interpolation_widget(Autoencoder, IMAGES), TypeError, "got the class Autoencoder"),
    (lambda: widgets.interpolation_widget(PLANE, IMAGES[:1]), ValueError, "at least 2 images"),
    (lambda: widgets.latent_map_widget(Autoencoder(3, width=8)), ValueError, r"must decode codes \[N, 2\]"),
    (lambda: widgets.latent_map_widget(torch.nn.Linear(2, 2)), TypeError, r"a decode\(z\) method"),
    (lambda: widgets.latent_map_widget(PLANE, torch.rand(4, 3)), ValueError, r"2-D latent codes \[N, 2\]"),
    (lambda: widgets.latent_map_widget(PLANE, labels=torch.tensor([1])), ValueError, "pass codes=..."),
    (lambda: widgets.latent_map_widget(PLANE, torch.rand(2, 2), [1, 12]), ValueError, "digits 0 to 9"),
]


@pytest.mark.parametrize("call, error, message", BAD, ids=[message for _, _, message in BAD])
def test_widgets_name_a_bad_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
    plt.close("all")
