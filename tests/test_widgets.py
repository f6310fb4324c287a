"""helpers.widgets: widgets build, react to their sliders, carry no binary state, refuse bad input."""

import base64
import io
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from helpers.widgets import digit_browser, image_png, png_html


def find(widget, kind):
    """All descendants of `widget` of type `kind`."""
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()):
        found += find(child, kind)
    return found


def binary_values(widget) -> list[str]:
    """Paths of every bytes/bytearray/memoryview in the state of `widget` and its children."""
    found = []

    def walk(value, path):
        if isinstance(value, (bytes, bytearray, memoryview)):
            found.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    def visit(w, path):
        walk(w.get_state(), f"{path}<{type(w).__name__}>")
        for i, child in enumerate(getattr(w, "children", ())):
            visit(child, f"{path}/{i}")

    visit(widget, "")
    return found


def shown_image(html: str) -> np.ndarray:
    """Decode the PNG inside an HTML widget's <img src='data:image/png;base64,...'>."""
    match = re.search(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)
    assert match, f"no inline PNG in {html[:120]!r}"
    picture = PILImage.open(io.BytesIO(base64.b64decode(match.group(1))))
    return np.asarray(picture.convert("RGB") if picture.mode == "P" else picture)  # the map is palette PNG


def stamps_player():
    """notebook 02's step-through of a transposed convolution's stamps."""
    from functools import partial

    from helpers.plotting import draw_scatter_step
    from helpers.widgets import step_player

    x, kernel = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.arange(1.0, 10.0).reshape(3, 3)
    return step_player(partial(draw_scatter_step, x, kernel, 2, 1), 4, "the stamps")


class TinyConditional(torch.nn.Module):
    """A stand-in conditional VAE decoder: decode(z, labels) -> [N, 1, 28, 28] (notebook 05's interface)."""

    def __init__(self, latent_dim: int = 2, n_classes: int = 10):
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.net = torch.nn.Sequential(torch.nn.Linear(latent_dim + n_classes, 784), torch.nn.Sigmoid())

    def decode(self, z, labels):
        one_hot = torch.nn.functional.one_hot(labels, self.n_classes).float()
        return self.net(torch.cat([z, one_hot], dim=1)).reshape(-1, 1, 28, 28)


def every_widget():
    """One instance of every widget of the series, with the slider to move in each."""
    from helpers.models import Autoencoder, LectureAutoencoder
    from helpers.widgets import (
        conditional_widget,
        interpolation_widget,
        latent_map_widget,
        overlap_explorer,
        transposed_conv_explorer,
    )

    torch.manual_seed(0)
    images, labels = torch.rand(5, 1, 28, 28), torch.tensor([3, 1, 4, 1, 5])
    images[1] = 0.0  # so that even an untrained autoencoder decodes #0 and #1 differently
    yield digit_browser(images, labels), widgets.IntSlider
    yield transposed_conv_explorer(), widgets.IntSlider
    yield overlap_explorer(), widgets.IntSlider
    yield stamps_player(), widgets.IntSlider
    for model in (LectureAutoencoder(), Autoencoder(latent_dim=8, width=8)):
        yield interpolation_widget(model, images, labels), widgets.FloatSlider
    plane = Autoencoder(latent_dim=2, width=8)
    yield latent_map_widget(plane, torch.randn(5, 2), labels), widgets.FloatSlider
    yield conditional_widget(TinyConditional()), widgets.IntSlider


def test_no_widget_state_holds_binary_data_before_or_after_a_slider_moves():
    for box, slider_kind in every_widget():
        assert binary_values(box) == [], type(box)
        pictures_before = [h.value for h in find(box, widgets.HTML) if "<img" in h.value]
        assert pictures_before, "every widget shows a picture"
        slider = find(box, slider_kind)[0]
        slider.value = slider.max if slider.value != slider.max else slider.min
        assert binary_values(box) == []
        assert [h.value for h in find(box, widgets.HTML) if "<img" in h.value] != pictures_before
        assert not find(box, widgets.Image)


def test_widgets_describe_themselves_where_they_cannot_run():
    for box, _ in every_widget():
        text = repr(box)
        assert text.startswith("[Widget: ") and text.endswith(". Run the notebook to use it.]"), text
        # ipywidgets cuts a widget's plain-text form at 110 characters
        assert len(text) <= 110, text


def test_png_html_embeds_the_bytes_and_escapes_the_alt_text():
    png = image_png(torch.rand(4, 5), zoom=2)
    html = png_html(png, "a <b> 'digit'", pixelated=True)
    assert shown_image(html).shape == (8, 10)
    assert "alt='a &lt;b> &#39;digit&#39;'" in html and "pixelated" in html
    with pytest.raises(TypeError, match="png must be the bytes of a PNG"):
        png_html(b"GIF89a")


def test_image_png_takes_one_image_with_or_without_its_channel_axis():
    image = torch.rand(1, 6, 7)
    assert np.array_equal(shown_image(png_html(image_png(image, zoom=3))),
                          shown_image(png_html(image_png(image[0], zoom=3))))
    with pytest.raises(ValueError, match=r"\[H, W\] or \[1, H, W\]"):
        image_png(torch.rand(3, 6, 7))
    with pytest.raises(TypeError, match="image must be a torch.Tensor"):
        image_png(np.zeros((6, 7)))


def test_digit_browser_follows_the_slider():
    images, labels = torch.rand(5, 1, 28, 28), torch.tensor([3, 1, 4, 1, 5])
    box = digit_browser(images, labels)
    slider, = find(box, widgets.IntSlider)
    caption, picture = find(box, widgets.HTML)
    assert (slider.min, slider.max) == (0, 4)
    assert caption.value == "<b>image 0: digit 3</b>"
    first = shown_image(picture.value)
    assert first.shape == (168, 168)  # 28 x 28 enlarged 6 times, nearest neighbour
    assert np.array_equal(first[::6, ::6], (images[0, 0] * 255).round().to(torch.uint8).numpy())
    slider.value = 4
    assert caption.value == "<b>image 4: digit 5</b>"
    assert not np.array_equal(shown_image(picture.value), first)


def test_digit_browser_without_labels_and_with_one_image():
    box = digit_browser(torch.rand(2, 1, 8, 8))
    slider, = find(box, widgets.IntSlider)
    slider.value = 1
    assert find(box, widgets.HTML)[0].value == "<b>image 1</b>"
    assert find(digit_browser(torch.rand(1, 8, 8)), widgets.IntSlider)[0].max == 0  # [1, H, W]


@pytest.mark.parametrize("images, error, message", [
    (torch.rand(3, 28, 28), ValueError, r"\[N, C, H, W\]"),
    (torch.rand(0, 1, 28, 28), ValueError, "at least 1"),
    (torch.rand(2, 1, 28, 28) * 255, ValueError, "divide by 255"),
    (np.zeros((2, 1, 28, 28)), TypeError, "images must be a torch.Tensor"),
])
def test_digit_browser_rejects_bad_images(images, error, message):
    with pytest.raises(error, match=message):
        digit_browser(images)


@pytest.mark.parametrize("labels, error, message", [
    (torch.tensor([1]), ValueError, "labels has 1 entries for 2 images"),
    (torch.eye(10)[[1, 2]].long(), ValueError, "one-hot"),
    (torch.tensor([1.0, 2.0]), TypeError, "integer class indices"),
    ("12", TypeError, "labels must be a 1-D tensor or a list"),
])
def test_digit_browser_rejects_bad_labels(labels, error, message):
    with pytest.raises(error, match=message):
        digit_browser(torch.rand(2, 1, 8, 8), labels)


def test_transposed_conv_explorer_updates_sizes_and_refuses_invalid_settings():
    from helpers.widgets import transposed_conv_explorer

    box = transposed_conv_explorer()
    sliders = {s.description: s for s in find(box, widgets.IntSlider)}
    picture, summary = find(box, widgets.HTML)
    assert set(sliders) == {"i", "k", "s", "p", "op", "d"}
    assert "<b>5×5</b>" in summary.value  # the lecture's 3x3 -> 5x5 figure
    first = picture.value
    sliders["op"].value = 1
    assert "<b>6×6</b>" in summary.value and picture.value != first
    sliders["op"].value = 3  # op >= max(s, d): refused with the reason
    assert "invalid" in summary.value and "max(s, d) = 2" in summary.value
    assert picture.value == ""
    sliders["op"].value = 0
    sliders["i"].value = 8
    assert "<b>15×15</b>" in summary.value and shown_image(picture.value).ndim == 3


def test_transposed_conv_explorer_rejects_an_invalid_start():
    from helpers.widgets import transposed_conv_explorer

    with pytest.raises(ValueError, match="op"):
        transposed_conv_explorer(op=2)


def test_overlap_explorer_reports_ratio_score_and_holes():
    from helpers.widgets import overlap_explorer

    box = overlap_explorer(k=3, s=2)
    sliders = {s.description: s for s in find(box, widgets.IntSlider)}
    picture, summary = find(box, widgets.HTML)
    assert "max/min = 4" in summary.value and "checkerboard score" in summary.value
    first = picture.value
    sliders["k"].value = 4
    assert "max/min = 1 " in summary.value and "score 0.0000" in summary.value
    assert picture.value != first
    sliders["k"].value = 1
    assert "holes" in summary.value
    sliders["s"].value = 1
    assert "max/min = 1 " in summary.value


def test_interpolation_widget_decodes_the_mixture():
    from helpers.models import LectureAutoencoder
    from helpers.widgets import interpolation_widget

    torch.manual_seed(0)
    model = LectureAutoencoder()
    images, labels = torch.rand(4, 1, 28, 28), torch.tensor([7, 2, 1, 0])
    box = interpolation_widget(model, images, labels)
    t_slider, = find(box, widgets.FloatSlider)
    index_sliders = find(box, widgets.IntSlider)
    picture, caption = find(box, widgets.HTML)
    assert "#0 (digit 7)" in caption.value and "#1 (digit 2)" in caption.value
    seen = set()
    for value in (0.0, 0.5, 1.0):
        t_slider.value = value
        seen.add(picture.value)
        assert f"{1 - value:.2f}·z₁" in caption.value
    assert len(seen) == 3  # every t decodes to a different picture
    # the middle panel is the decoder's output for the mixed code
    with torch.no_grad():
        z = model.encode(images)
        expected = model.decode((0.5 * z[0] + 0.5 * z[3]).unsqueeze(0))[0, 0]
    t_slider.value = 0.5
    index_sliders[1].value = 3
    shown = torch.from_numpy(shown_image(picture.value).astype(np.float32))[::6, ::6]
    middle = shown[:, 30:58] / 255
    assert torch.allclose(middle, expected, atol=1 / 255 + 1e-6)


class DeviceRecorder(torch.nn.Module):
    """Wraps an autoencoder and records the device of every tensor it encodes or decodes."""

    def __init__(self, model):
        super().__init__()
        self.model, self.seen = model, set()

    def encode(self, x):
        self.seen.add(x.device.type)
        return self.model.encode(x)

    def decode(self, z):
        self.seen.add(z.device.type)
        return self.model.decode(z)


@pytest.mark.parametrize("device", ["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
def test_interpolation_widget_follows_the_models_device(device):
    from helpers.models import Autoencoder
    from helpers.widgets import interpolation_widget

    model = DeviceRecorder(Autoencoder(latent_dim=8, width=8)).to(device)
    box = interpolation_widget(model, torch.rand(3, 1, 28, 28))  # images stay on the CPU
    find(box, widgets.FloatSlider)[0].value = 0.9
    assert model.seen == {device}


def test_interpolation_widget_moves_images_to_the_models_device_meta():
    """The meta device stands in for a GPU: images left on the CPU would fail to encode."""
    from helpers.models import Autoencoder
    from helpers.widgets import interpolation_widget

    model = DeviceRecorder(Autoencoder(latent_dim=8, width=8)).to("meta")
    with pytest.raises((NotImplementedError, RuntimeError), match="meta|Cannot"):
        interpolation_widget(model, torch.rand(3, 1, 28, 28))
    assert model.seen == {"meta"}


def test_interpolation_widget_works_with_encode_decode_models():
    from helpers.models import Autoencoder
    from helpers.widgets import interpolation_widget

    box = interpolation_widget(Autoencoder(latent_dim=8, width=8), torch.rand(2, 1, 28, 28))
    assert "#0" in find(box, widgets.HTML)[1].value


@pytest.mark.parametrize("images, message", [
    (torch.rand(1, 1, 28, 28), "at least 2"),
    (torch.rand(3, 28, 28), r"\[N, C, H, W\]"),
])
def test_interpolation_widget_rejects_bad_images(images, message):
    from helpers.models import LectureAutoencoder
    from helpers.widgets import interpolation_widget

    with pytest.raises(ValueError, match=message):
        interpolation_widget(LectureAutoencoder(), images)


def test_interpolation_widget_rejects_a_model_without_a_latent_or_a_class():
    from helpers.models import Autoencoder
    from helpers.widgets import interpolation_widget

    with pytest.raises(TypeError, match="encode/decode"):
        interpolation_widget(torch.nn.Linear(2, 2), torch.rand(2, 1, 28, 28))
    with pytest.raises(TypeError, match="got the class Autoencoder.*Autoencoder\\(\\.\\.\\.\\)"):
        interpolation_widget(Autoencoder, torch.rand(2, 1, 28, 28))


def test_step_player_draws_each_step_once_and_links_play_to_the_slider():
    from helpers.widgets import step_player

    calls = []

    def draw_step(step):
        calls.append(step)
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.imshow(np.full((2, 2), step), vmin=0, vmax=3)
        return fig

    box = step_player(draw_step, 4, "a test process", interval=200)
    (play,), (slider,) = find(box, widgets.Play), find(box, widgets.IntSlider)
    assert (play.min, play.max, play.interval, slider.min, slider.max) == (1, 4, 200, 1, 4)
    picture = [h for h in find(box, widgets.HTML) if "<img" in h.value][0]
    first = picture.value
    assert "alt='a test process, step 1 of 4'" in first
    slider.value = 3
    assert picture.value != first and "step 3 of 4" in picture.value
    slider.value = 1
    assert picture.value == first
    assert calls == [0, 1, 2, 3], "each step is drawn once, and then reused"
    assert box.play_link.source == (play, "value") and box.play_link.target == (slider, "value")
    assert "steps through a test process" in repr(box)


def displayed(box) -> dict:
    """The bundle a front end receives when `box` is displayed."""
    from IPython.core.interactiveshell import InteractiveShell

    bundles = []
    shell = InteractiveShell.instance()
    shell.display_pub.publish = lambda data, metadata=None, **kwargs: bundles.append(data)
    box._ipython_display_()
    return bundles[-1]


def test_a_player_that_needs_no_kernel_stands_beside_the_widget():
    from helpers.widgets import step_player

    def draw_step(step):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.imshow(np.full((2, 2), step), vmin=0, vmax=3)
        return fig

    box = step_player(draw_step, 3, "a test process")
    data = displayed(box)
    assert data["text/plain"] == repr(box) and "model_id" in data["application/vnd.jupyter.widget-view+json"]
    html = data["text/html"]
    frames = [shown_image(part) for part in html.split("<div class='upconv-frame'>")[1:]]
    assert [int(f.mean()) for f in frames] != [int(frames[0].mean())] * 3, "the frames differ"
    assert len(frames) == 3 and "type='range' min='0' max='2'" in html and "<script>" in html
    assert "aria-label='a test process'" in html


def test_step_player_says_when_draw_step_returns_no_figure():
    from helpers.widgets import step_player

    with pytest.raises(TypeError, match=r"draw_step\(0\) must return a matplotlib Figure"):
        step_player(lambda step: None, 3, "nothing")


def latent_map_parts(box):
    """The z1 and z2 sliders, the digit's and the map's <img> tags, and the caption."""
    z1, z2 = find(box, widgets.FloatSlider)
    picture, caption = find(box, widgets.HTML)
    digit, plane = re.findall(r"<img [^>]*>", picture.value)
    return z1, z2, digit, plane, caption


def test_latent_map_widget_decodes_the_sliders_point_and_moves_the_ring():
    from helpers.models import Autoencoder
    from helpers.widgets import latent_map_widget

    torch.manual_seed(0)
    model = Autoencoder(latent_dim=2, width=8).eval()
    box = latent_map_widget(model, torch.randn(20, 2), torch.arange(20) % 10, limit=2.5, n=6)
    z1, z2, _, first_map, caption = latent_map_parts(box)
    assert (z1.min, z1.max, z2.min, z2.max, z1.value, z2.value) == (-2.5, 2.5, -2.5, 2.5, 0.0, 0.0)
    assert shown_image(first_map).shape[:2] == (6 * 28 + 16, 6 * 28)  # the grid, then the colour key
    z1.value, z2.value = 1.5, -0.5
    _, _, digit, plane, caption = latent_map_parts(box)
    assert "z = (1.50, -0.50)" in digit and "z = (1.50, -0.50)" in caption.value and plane != first_map
    codes = torch.randn(20, 2)
    beyond = int((codes.abs() > 2.5).any(dim=1).sum())
    assert f"{beyond} of the 20 codes lie outside the map" in latent_map_parts(latent_map_widget(
        model, codes, limit=2.5, n=6))[4].value
    with torch.no_grad():
        expected = model.decode(torch.tensor([[1.5, -0.5]]))[0, 0]
    shown = torch.from_numpy(shown_image(digit).astype(np.float32))[::6, ::6] / 255
    assert torch.allclose(shown, expected, atol=1 / 255 + 1e-6)
    # the ring is drawn where (z1, z2) lies on the map: x = (1.5 + 2.5) / 5 of the width
    ring = np.argwhere((shown_image(plane)[..., :3] == (255, 0, 255)).all(-1))
    assert abs(ring[:, 1].mean() - 0.8 * 6 * 28) < 2 and abs(ring[:, 0].mean() - 0.6 * 6 * 28) < 2


def test_latent_map_widget_without_codes_and_its_refusals():
    from helpers.models import Autoencoder
    from helpers.widgets import latent_map_widget

    box = latent_map_widget(Autoencoder(latent_dim=2, width=8))
    assert shown_image(latent_map_parts(box)[3]).shape[:2] == (12 * 28, 12 * 28)  # no key without labels
    with pytest.raises(ValueError, match="2-D codes"):
        latent_map_widget(Autoencoder(latent_dim=3, width=8))
    with pytest.raises(ValueError, match=r"codes must be 2-D latent codes \[N, 2\]"):
        latent_map_widget(Autoencoder(latent_dim=2, width=8), torch.rand(4, 3))
    with pytest.raises(ValueError, match="pass codes=... as well"):
        latent_map_widget(Autoencoder(latent_dim=2, width=8), labels=torch.tensor([1]))


@pytest.mark.parametrize("device", ["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
def test_latent_map_widget_follows_the_models_device(device):
    from helpers.models import Autoencoder
    from helpers.widgets import latent_map_widget

    model = DeviceRecorder(Autoencoder(latent_dim=2, width=8)).to(device)
    box = latent_map_widget(model, torch.randn(3, 2))  # codes stay on the CPU
    find(box, widgets.FloatSlider)[0].value = 1.0
    assert model.seen == {device}


def test_conditional_widget_draws_the_chosen_class_in_the_chosen_style():
    from helpers.widgets import conditional_widget

    torch.manual_seed(0)
    model = TinyConditional(latent_dim=3)
    box = conditional_widget(model)
    digit, = find(box, widgets.IntSlider)
    styles = find(box, widgets.FloatSlider)
    picture, caption = find(box, widgets.HTML)
    assert (digit.min, digit.max, digit.value, len(styles)) == (0, 9, 7, 3)
    assert [s.description for s in styles] == ["z₁", "z₂", "z₃"]  # as the latent map widget's
    before = picture.value
    digit.value = 3
    styles[1].value = 1.25
    assert picture.value != before and "class 3" in caption.value and "0.00, 1.25, 0.00" in caption.value
    with torch.no_grad():
        expected = model.decode(torch.tensor([[0.0, 1.25, 0.0]]), torch.tensor([3]))[0, 0]
    shown = torch.from_numpy(shown_image(picture.value).astype(np.float32))[::6, ::6] / 255
    assert torch.allclose(shown, expected, atol=1 / 255 + 1e-6)
    strip = re.findall(r"<img [^>]*>", picture.value)[1]
    assert shown_image(strip).shape == (2 * 28, 2 * 10 * 29)  # ten classes, zoom 2


def test_conditional_widget_refuses_models_it_cannot_drive():
    from helpers.models import Autoencoder
    from helpers.widgets import conditional_widget

    with pytest.raises(ValueError, match=r"decode\(z, labels\) refused"):
        conditional_widget(Autoencoder(latent_dim=2, width=8))  # decode takes no labels
    with pytest.raises(ValueError, match="between 1 and 8"):
        conditional_widget(TinyConditional(latent_dim=9))
    with pytest.raises(ValueError, match="is n_classes=12 right"):
        conditional_widget(TinyConditional(), n_classes=12)
    with pytest.raises(TypeError, match=r"decode\(z, labels\) method"):
        conditional_widget(torch.nn.Linear(2, 2))
