"""helpers.plotting: grids match make_grid, labels are drawn, bad input is refused."""

import matplotlib.pyplot as plt
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
