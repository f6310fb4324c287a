"""helpers.plotting: grids match make_grid, labels are drawn, bad input is refused."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torchvision.utils import make_grid

from helpers.plotting import plot_history, show_images


def test_show_images_draws_the_make_grid_picture_with_labels():
    images = torch.rand(6, 1, 28, 28)
    ax = show_images(images, torch.arange(6), nrow=3, title="six")
    shown = ax.get_images()[0].get_array()
    expected = make_grid(images, nrow=3, padding=9, pad_value=1.0)[0]
    assert torch.allclose(torch.as_tensor(shown.data), expected)
    assert [t.get_text() for t in ax.texts] == [str(i) for i in range(6)]
    assert ax.get_title() == "six"
    plt.close("all")


def test_show_images_accepts_nhw_and_rgb():
    show_images(torch.rand(4, 28, 28))
    show_images(torch.rand(4, 3, 8, 8), nrow=2)
    plt.close("all")


@pytest.mark.parametrize("bad, error, message", [
    (torch.rand(2, 2, 28, 28), ValueError, r"\[N,1,H,W\]"),
    (torch.rand(0, 1, 28, 28), ValueError, "N >= 1"),
    ([[0.0]], TypeError, "torch.Tensor"),
])
def test_show_images_rejects_bad_images(bad, error, message):
    with pytest.raises(error, match=message):
        show_images(bad)


def test_show_images_rejects_wrong_label_count():
    with pytest.raises(ValueError, match="labels has 2 entries for 3 images"):
        show_images(torch.rand(3, 1, 4, 4), [1, 2])


def test_plot_history():
    ax = plot_history({"train_loss": [1.0, 0.5], "valid_loss": [1.1, 0.7], "seconds": [1, 2]})
    assert [line.get_label() for line in ax.get_lines()] == ["train", "held-out"]
    assert list(ax.get_lines()[1].get_ydata()) == [1.1, 0.7]
    with pytest.raises(ValueError, match="history"):
        plot_history({})
    plt.close("all")


def test_draw_transposed_conv_marks_input_zeros_padding_and_taps():
    from helpers.plotting import draw_transposed_conv

    fig = draw_transposed_conv(3, 3, 2, 1)  # the lecture's figure: 3x3 -> 5x5
    left, right = fig.axes
    cells = left.get_images()[0].get_array()
    # zeros inserted: 5x5, padded by d(k-1)-p = 1 on each side: 7x7
    assert cells.shape == (7, 7)
    assert (cells == 2).sum() == 9 and (cells == 0).sum() == 49 - 25
    assert right.get_images()[0].get_array().shape == (5, 5)
    assert len(left.collections[0].get_offsets()) == 9  # the 3x3 kernel's taps
    plt.close("all")
    cropped = draw_transposed_conv(4, 2, 2, 2)  # d(k-1)-p = -1: cropping instead of padding
    assert cropped.axes[0].get_images()[0].get_array().shape == (5, 5)
    plt.close("all")


def test_show_images_takes_one_image_and_clips_a_little_overshoot():
    ax = show_images(torch.rand(1, 28, 28))  # one image [1, H, W]
    assert ax.get_images()[0].get_array().shape == (28, 28)  # make_grid adds no border to one image
    assert show_images(torch.rand(28, 28)).get_images()[0].get_array().shape == (28, 28)
    noisy = torch.rand(4, 1, 8, 8) * 3 - 1  # values from -1 to 2, as after adding noise
    shown = show_images(noisy, nrow=np.int64(2)).get_images()[0].get_array()
    assert shown.min() >= 0 and shown.max() <= 1
    show_images(torch.randint(0, 256, (2, 1, 8, 8), dtype=torch.uint8), vmax=255)
    plt.close("all")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"images": torch.rand(2, 1, 8, 8) * 255}, ValueError, "images hold values from .* divide by 255"),
    ({"images": torch.randint(0, 256, (2, 1, 8, 8), dtype=torch.uint8)}, ValueError, "divide by 255"),
    ({"labels": torch.eye(3)[[0, 1]]}, ValueError, "labels has shape .* one-hot"),
    ({"labels": 7}, TypeError, "labels must be a list"),
    ({"nrow": 2.0}, TypeError, "nrow must be an integer >= 1, got 2.0"),
    ({"vmin": 1.0, "vmax": 0.0}, ValueError, "vmin must be smaller than vmax"),
    ({"ax": [1, 2]}, TypeError, "ax must be a matplotlib Axes"),
    ({"title": 3}, TypeError, "title must be a string"),
    ({"scale": 0}, ValueError, "scale must be > 0"),
    ({"images": torch.rand(2, 1, 8, 8) > 0.5}, TypeError, "images must hold real numbers"),
])
def test_show_images_names_the_bad_argument(kwargs, error, message):
    kwargs = {"images": torch.rand(2, 1, 8, 8), **kwargs}
    with pytest.raises(error, match=message):
        show_images(**kwargs)


@pytest.mark.parametrize("history, kwargs, error, message", [
    ((object(), {"train_loss": [1.0]}), {}, TypeError, r"unpack it"),
    ([1.0, 0.5], {}, TypeError, "history must be the dict returned by fit"),
    ({"train_loss": []}, {}, ValueError, r"history\['train_loss'\] is empty"),
    ({"train_loss": [1.0, 0.5], "valid_loss": [1.0]}, {}, ValueError, "has 1 values but"),
    ({"train_loss": ["1.0"]}, {}, TypeError, "must be a list of numbers"),
    ({"train_loss": [1.0, -0.5]}, {}, ValueError, "logy=False"),
    ({"train_loss": [1.0]}, {"logy": "yes"}, TypeError, "logy must be True or False"),
    ({"train_loss": [1.0]}, {"ax": "left"}, TypeError, "ax must be a matplotlib Axes"),
])
def test_plot_history_names_the_bad_argument(history, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_history(history, **kwargs)


def test_plot_history_with_negative_losses_on_a_linear_scale():
    ax = plot_history({"train_loss": [1.0, -0.5]}, logy=False)
    assert ax.get_yscale() == "linear"
    plt.close("all")


def test_draw_transposed_conv_checks_its_arguments():
    from helpers.plotting import draw_transposed_conv

    fig = draw_transposed_conv(np.int64(3), torch.tensor(3), 2, 1)
    assert fig.axes[1].get_images()[0].get_array().shape == (5, 5)
    _, axes = plt.subplots(2, 2)
    draw_transposed_conv(2, 2, 2, axes=axes[:, 0])  # a column of a grid of panels
    with pytest.raises(TypeError, match="axes must be two matplotlib Axes"):
        draw_transposed_conv(2, 2, 2, axes=axes)
    with pytest.raises(TypeError, match="k must be an integer >= 1, got 3.0"):
        draw_transposed_conv(3, 3.0)
    with pytest.raises(ValueError, match="op .* must be smaller than max"):
        draw_transposed_conv(3, 3, 1, 0, 1)
    plt.close("all")


def _cells(ax):
    """The numbers written in an axes' cells, as {(row, col): value}."""
    return {(round(t.get_position()[1]), round(t.get_position()[0])): float(t.get_text())
            for t in ax.texts}


def test_draw_scatter_step_shows_the_stamp_and_the_running_sum():
    import torch.nn.functional as F

    from helpers.plotting import draw_scatter_step

    x, kernel = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.arange(1.0, 10.0).reshape(3, 3)
    full = F.conv_transpose2d(x[None, None], kernel[None, None], stride=2)[0, 0]
    for step in range(4):
        ax_in, ax_stamp, ax_out = draw_scatter_step(x, kernel, s=2, p=1, step=step).axes
        i, j = divmod(step, 2)
        stamp = _cells(ax_stamp)
        assert stamp == {(i * 2 + a, j * 2 + b): x[i, j].item() * kernel[a, b].item()
                         for a in range(3) for b in range(3)}
        assert f"stamp {step + 1} of 4" in ax_stamp.get_title()
        assert "INPUT" in ax_in.get_title() and "OUTPUT" in ax_out.get_title()
        plt.close("all")
    assert _cells(ax_out) == {(r, c): full[r, c].item() for r in range(5) for c in range(5)}
    assert "the 3×3 kept (p=1)" in ax_out.get_title()
    assert len(ax_out.patches) == 2  # the last stamp's outline and the dashed crop


def test_draw_direct_step_convolves_the_padded_input_with_the_flipped_kernel():
    import torch.nn.functional as F

    from helpers.plotting import draw_direct_step

    x, kernel = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.arange(1.0, 10.0).reshape(3, 3)
    ref = F.conv_transpose2d(x[None, None], kernel[None, None], stride=2, padding=1)[0, 0]
    ax_in, ax_kernel, ax_out = draw_direct_step(x, kernel, s=2, p=1, step=4).axes
    assert _cells(ax_kernel) == {(a, b): kernel[2 - a, 2 - b].item() for a in range(3) for b in range(3)}
    shown = _cells(ax_out)
    assert shown == {(r, c): ref[r, c].item() for r in range(3) for c in range(3) if r * 3 + c <= 4}
    assert len(_cells(ax_in)) == 25 and sum(_cells(ax_in).values()) == x.sum().item()
    assert "= 36" in ax_out.get_title() and "k−1−p = 1" in ax_in.get_title()
    plt.close("all")
    last = draw_direct_step(x, kernel, s=2, p=1).axes[2]  # step None: the whole output
    assert len(_cells(last)) == 9
    plt.close("all")


@pytest.mark.parametrize("fn", ["draw_scatter_step", "draw_direct_step"])
@pytest.mark.parametrize("kwargs, error, message", [
    (dict(x=torch.ones(2, 2), kernel=torch.ones(2, 3)), ValueError, "kernel must be square"),
    (dict(x=torch.ones(2, 2), kernel=torch.ones(3, 3), p=3), ValueError, "p=3 crops more"),
    (dict(x=torch.ones(2, 2), kernel=torch.ones(3, 3), step=99), ValueError, "step"),
    (dict(x=torch.ones(2, 2, 1), kernel=torch.ones(3, 3)), ValueError, "x must be a 2-D"),
    (dict(x=torch.ones(2, 2), kernel=torch.ones(3, 3), axes="left"), TypeError, "axes must be three"),
])
def test_step_drawings_name_the_bad_argument(fn, kwargs, error, message):
    import helpers.plotting as P

    with pytest.raises(error, match=message):
        getattr(P, fn)(**kwargs)
    plt.close("all")


def test_show_figure_displays_with_alt_text_and_closes(monkeypatch):
    import IPython.display

    from helpers.diagrams import draw_model
    from helpers.plotting import show_figure

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kwargs: shown.append((obj, kwargs)))
    fig, ax = plt.subplots()
    show_figure(fig, "A blank test figure.")
    assert shown == [(fig, {"metadata": {"image/png": {"alt": "A blank test figure."}}})]
    assert not plt.fignum_exists(fig.number), "closed, so the inline backend does not show it twice"
    diagram = draw_model(torch.nn.Conv2d(1, 2, 3), torch.zeros(1, 1, 8, 8), title="One conv")
    show_figure(diagram)  # a diagram's own sentence
    assert shown[-1][1]["metadata"]["image/png"]["alt"].startswith("One conv. Block diagram")
    with pytest.raises(ValueError, match="alt is missing"):
        show_figure(plt.figure())
    plt.close("all")


def test_draw_transposed_conv_marks_the_rows_output_padding_adds():
    from helpers.plotting import draw_transposed_conv

    left, right = draw_transposed_conv(3, 3, 2, 1, op=1).axes  # 8x8 direct-conv input, 6x6 output
    cells, out = left.get_images()[0].get_array(), right.get_images()[0].get_array()
    assert (cells == 3).sum() == 2 * 8 - 1 and (cells[-1] == 3).all() and (cells[:, -1] == 3).all()
    assert (out == 2).sum() == 2 * 6 - 1 and out[0, 0] == 1
    assert "output padding (op)" in [t.get_text() for t in left.get_legend().get_texts()]
    plt.close("all")
    no_op = draw_transposed_conv(3, 3, 1, 0).axes[0]
    assert "no zeros (s=1)" in no_op.get_title() and not (no_op.get_images()[0].get_array() == 3).any()
    plt.close("all")
