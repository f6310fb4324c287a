"""helpers.plotting: grids are make_grid's, curves fit's history, and notebook 02's drawings show
the numbers PyTorch's own transposed convolution computes."""

import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F
from torchvision.utils import make_grid

from helpers import plotting
from helpers.diagrams import draw_model

X, K = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.arange(1.0, 10.0).reshape(3, 3)  # notebook 02's


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def shown(ax):
    return torch.as_tensor(ax.get_images()[0].get_array())


def test_show_images_draws_make_grids_picture_with_a_label_above_each_image():
    images = torch.rand(6, 1, 28, 28)
    ax = plotting.show_images(images, torch.arange(6), nrow=3, title="six")
    expected = make_grid(images, nrow=3, padding=28 // 3, pad_value=1.0)  # a third of a digit for the labels
    assert torch.allclose(shown(ax), expected.permute(1, 2, 0))
    assert [text.get_text() for text in ax.texts] == [str(i) for i in range(6)] and ax.get_title() == "six"
    assert ax.figure.get_size_inches() == pytest.approx([3 * 0.022 * 37, 2 * 0.022 * 37])  # 0.8 inch a digit
    assert shown(plotting.show_images(torch.rand(1, 28, 28))).shape == (28, 28, 3)  # one image [C, H, W]
    assert shown(plotting.show_images(torch.rand(4, 3, 8, 8), nrow=2)).shape == (22, 22, 3)  # RGB


@pytest.mark.parametrize("kwargs, error, message", [
    ({"images": torch.rand(5, 28, 28)}, ValueError, r"unsqueeze\(1\)"),
    ({"images": torch.rand(2, 1, 8, 8) * 255}, ValueError, "divide by 255"),
    ({"labels": torch.eye(3)[[0, 1]]}, ValueError, "one-hot"),
    ({"labels": [1]}, ValueError, r"labels must hold one integer per image \(2\), got \[1\]"),
    ({"labels": 7}, ValueError, r"labels must hold one integer per image \(2\), got 7"),
    ({"nrow": 0}, ValueError, "nrow must be an integer >= 1"),
    ({"ax": [1, 2]}, TypeError, r"ax must be one matplotlib Axes \(e.g. axes\[0\]\)"),
])
def test_show_images_names_a_bad_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        plotting.show_images(**{"images": torch.rand(2, 1, 8, 8), **kwargs})


def test_plot_history_draws_train_and_held_out_losses_per_epoch():
    ax = plotting.plot_history({"train_loss": [1.0, 0.5], "valid_loss": [1.1, 0.7], "time": [3]}, title="A")
    assert [(line.get_label(), list(line.get_ydata())) for line in ax.get_lines()] == [
        ("train", [1.0, 0.5]), ("held-out", [1.1, 0.7])]
    assert list(ax.get_lines()[0].get_xdata()) == [1, 2]
    assert (ax.get_yscale(), ax.get_title()) == ("log", "A")
    assert plotting.plot_history({"train_loss": [1.0, -0.5]}, logy=False).get_yscale() == "linear"
    for history, error, message in [((None, {"train_loss": [1.0]}), TypeError, "unpack it"),
                                    ({"loss": [1.0]}, ValueError, "'train_loss' per epoch"),
                                    ({"train_loss": []}, ValueError, "'train_loss' per epoch")]:
        with pytest.raises(error, match=message):
            plotting.plot_history(history)


def test_show_figure_displays_with_alt_text_and_closes(monkeypatch):
    alts = []
    monkeypatch.setattr(plotting, "display", lambda fig, metadata: alts.append(metadata["image/png"]["alt"]))
    fig = plt.figure()
    plotting.show_figure(fig, "A blank test figure.")
    assert alts == ["A blank test figure."] and not plt.fignum_exists(fig.number)
    plotting.show_figure(draw_model(torch.nn.Conv2d(1, 2, 3), torch.zeros(1, 1, 8, 8), title="One conv"))
    assert alts[-1].startswith("One conv. Block diagram")  # a diagram's own sentence
    for alt, error in [(None, ValueError), ("plot", ValueError), (3, TypeError)]:
        with pytest.raises(error, match="alt must be a sentence"):
            plotting.show_figure(plt.figure(), alt)


def test_draw_transposed_conv_marks_input_zeros_padding_output_padding_and_taps():
    left, right = plotting.draw_transposed_conv(3, 3, 2, 1).axes  # the lecture's figure: 3x3 -> 5x5
    cells = shown(left)
    assert cells.shape == (7, 7) and (cells == 2).sum() == 9 and (cells == 1).sum() == 16  # 5x5 zero-inserted
    assert shown(right).shape == (5, 5) and len(left.collections[0].get_offsets()) == 9  # 3x3 taps
    assert "output padding (op)" in [text.get_text() for text in left.get_legend().get_texts()]
    left, right = plotting.draw_transposed_conv(3, 3, 2, 1, op=1, legend=False).axes
    assert (shown(left) == 3).sum() == 2 * 8 - 1 and (shown(left)[-1] == 3).all() and shown(right)[0, 0] == 1
    assert (shown(right) == 2).sum() == 2 * 6 - 1 and "op adds" in right.get_xlabel() and not left.legend_
    assert shown(plotting.draw_transposed_conv(4, 2, 2, 2).axes[0]).shape == (5, 5)  # d(k-1)-p < 0 crops
    assert "no zeros (s=1)" in plotting.draw_transposed_conv(3, 3).axes[0].get_title()


def numbers(ax) -> dict:
    """The numbers written in an axes' cells, as {(row, col): value}."""
    return {(round(t.get_position()[1]), round(t.get_position()[0])): float(t.get_text()) for t in ax.texts}


def test_draw_scatter_step_shows_each_stamp_and_the_running_sum():
    full = F.conv_transpose2d(X[None, None], K[None, None], stride=2)[0, 0]
    for step in range(4):
        ax_in, ax_stamp, ax_out = plotting.draw_scatter_step(X, K, s=2, p=1, step=step).axes
        i, j = divmod(step, 2)
        assert numbers(ax_stamp) == {(2 * i + a, 2 * j + b): X[i, j].item() * K[a, b].item()
                                     for a in range(3) for b in range(3)}  # x[i, j]·K, s pixels further on
        assert f"stamp {step + 1} of 4" in ax_stamp.get_title() and numbers(ax_in)[i, j] == X[i, j]
    assert numbers(ax_out) == {(r, c): full[r, c].item() for r in range(5) for c in range(5)}
    assert "the 3×3 kept (p=1)" in ax_out.get_title() and len(ax_out.patches) == 2  # the stamp, the crop
    assert numbers(plotting.draw_scatter_step(X, K, 2, 1).axes[2]) == numbers(ax_out)  # None: the last step


def test_draw_direct_step_slides_the_flipped_kernel_over_the_zero_inserted_input():
    expected = F.conv_transpose2d(X[None, None], K[None, None], stride=2, padding=1)[0, 0]
    ax_in, ax_kernel, ax_out = plotting.draw_direct_step(X, K, s=2, p=1, step=4).axes
    assert numbers(ax_kernel) == {(a, b): K[2 - a, 2 - b].item() for a in range(3) for b in range(3)}
    assert numbers(ax_in) == {(r, c): X[r // 2, c // 2].item() if r in (1, 3) and c in (1, 3) else 0.0
                              for r in range(5) for c in range(5)}  # zeros inserted, padded by k-1-p = 1
    assert numbers(ax_out) == {divmod(n, 3): expected.flatten()[n].item() for n in range(5)}  # row by row
    assert "= 36" in ax_out.get_title() and "k−1−p = 1" in ax_in.get_title()
    assert len(numbers(plotting.draw_direct_step(X, K, 2, 1).axes[2])) == 9  # None: the whole output
