"""helpers.widgets: widgets build, react to their sliders, and refuse bad input."""

import io

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from helpers.widgets import digit_browser


def find(widget, kind):
    """All descendants of `widget` of type `kind`."""
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()):
        found += find(child, kind)
    return found


def test_digit_browser_follows_the_slider():
    images, labels = torch.rand(5, 1, 28, 28), torch.tensor([3, 1, 4, 1, 5])
    box = digit_browser(images, labels)
    slider, = find(box, widgets.IntSlider)
    caption, = find(box, widgets.HTML)
    assert (slider.min, slider.max) == (0, 4)
    picture, = find(box, widgets.Image)
    assert caption.value == "<b>image 0: digit 3</b>"
    first = bytes(picture.value)
    assert first.startswith(b"\x89PNG")
    slider.value = 4
    assert caption.value == "<b>image 4: digit 5</b>"
    assert bytes(picture.value).startswith(b"\x89PNG") and bytes(picture.value) != first


def test_digit_browser_without_labels():
    box = digit_browser(torch.rand(2, 1, 8, 8))
    slider, = find(box, widgets.IntSlider)
    slider.value = 1
    assert find(box, widgets.HTML)[0].value == "<b>image 1</b>"


@pytest.mark.parametrize("images, message", [
    (torch.rand(3, 28, 28), r"\[N,1,H,W\]"),
    (torch.rand(0, 1, 28, 28), "at least 1"),
])
def test_digit_browser_rejects_bad_images(images, message):
    with pytest.raises(ValueError, match=message):
        digit_browser(images)


def test_digit_browser_rejects_wrong_label_count():
    with pytest.raises(ValueError, match="labels has 1 entries for 2 images"):
        digit_browser(torch.rand(2, 1, 8, 8), torch.tensor([1]))


def test_transposed_conv_explorer_updates_sizes_and_refuses_invalid_settings():
    from helpers.widgets import transposed_conv_explorer

    box = transposed_conv_explorer()
    sliders = {s.description: s for s in find(box, widgets.IntSlider)}
    summary, = find(box, widgets.HTML)
    picture, = find(box, widgets.Image)
    assert set(sliders) == {"i", "k", "s", "p", "op", "d"}
    assert "<b>5×5</b>" in summary.value  # the lecture's 3x3 -> 5x5 figure
    first = bytes(picture.value)
    sliders["op"].value = 1
    assert "<b>6×6</b>" in summary.value and bytes(picture.value) != first
    sliders["op"].value = 3  # op >= max(s, d): refused with the reason
    assert "invalid" in summary.value and "max(s, d) = 2" in summary.value
    assert bytes(picture.value) == b""
    sliders["op"].value = 0
    sliders["i"].value = 8
    assert "<b>15×15</b>" in summary.value and bytes(picture.value).startswith(b"\x89PNG")


def test_transposed_conv_explorer_rejects_an_invalid_start():
    from helpers.widgets import transposed_conv_explorer

    with pytest.raises(ValueError, match="op"):
        transposed_conv_explorer(op=2)


def test_overlap_explorer_reports_ratio_score_and_holes():
    from helpers.widgets import overlap_explorer

    box = overlap_explorer(k=3, s=2)
    sliders = {s.description: s for s in find(box, widgets.IntSlider)}
    summary, = find(box, widgets.HTML)
    picture, = find(box, widgets.Image)
    assert "max/min = 4" in summary.value and "score 0.2346" in summary.value
    first = bytes(picture.value)
    sliders["k"].value = 4
    assert "max/min = 1 " in summary.value and "score 0.0000" in summary.value
    assert bytes(picture.value) != first
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
    picture, = find(box, widgets.Image)
    caption, = find(box, widgets.HTML)
    assert "#0 (digit 7)" in caption.value and "#1 (digit 2)" in caption.value
    seen = set()
    for value in (0.0, 0.5, 1.0):
        t_slider.value = value
        seen.add(bytes(picture.value))
        assert f"{1 - value:.2f}·z₁" in caption.value
    assert len(seen) == 3  # every t decodes to a different picture
    # the middle panel is the decoder's output for the mixed code
    with torch.no_grad():
        z = model.encode(images)
        expected = model.decode((0.5 * z[0] + 0.5 * z[3]).unsqueeze(0))[0, 0]
    t_slider.value = 0.5
    index_sliders[1].value = 3
    shown = torch.from_numpy(np.asarray(PILImage.open(io.BytesIO(bytes(picture.value))),
                                        dtype=np.float32))[::6, ::6]
    middle = shown[:, 30:58] / 255
    assert torch.allclose(middle, expected, atol=1 / 255 + 1e-6)


def test_interpolation_widget_works_with_encode_decode_models():
    from helpers.models import Autoencoder
    from helpers.widgets import interpolation_widget

    box = interpolation_widget(Autoencoder(latent_dim=8, width=8), torch.rand(2, 1, 28, 28))
    assert "#0" in find(box, widgets.HTML)[0].value


@pytest.mark.parametrize("images, message", [
    (torch.rand(1, 1, 28, 28), "at least 2"),
    (torch.rand(3, 28, 28), r"\[N,1,H,W\]"),
])
def test_interpolation_widget_rejects_bad_images(images, message):
    from helpers.models import LectureAutoencoder
    from helpers.widgets import interpolation_widget

    with pytest.raises(ValueError, match=message):
        interpolation_widget(LectureAutoencoder(), images)


def test_interpolation_widget_rejects_a_model_without_a_latent():
    from helpers.widgets import interpolation_widget

    with pytest.raises(TypeError, match="encode/decode"):
        interpolation_widget(torch.nn.Identity(), torch.rand(2, 1, 28, 28))
