"""Interactive widgets of the series.

Only API present in both ipywidgets 7.7 (Google Colab) and 8.x (JupyterLab 4) is used:
`IntSlider`, `FloatSlider`, `Dropdown`, `HTML`, `Image`, `HBox`/`VBox` and `observe`.
Pictures are drawn by matplotlib into PNG bytes shown by an `Image` widget, rather than
captured by an `Output` widget: the update is one message, it never stacks plots in
Colab, and the first picture is not routed by the front end (which nbval does not do).
Each widget is paired in its notebook with a static figure of the same idea.
"""

from __future__ import annotations

import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch


def _check_image_stack(images: torch.Tensor, name: str = "images", minimum: int = 1) -> None:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(images).__name__}")
    if images.dim() != 4 or images.shape[1] != 1:
        raise ValueError(f"{name} must have shape [N,1,H,W], got {list(images.shape)}")
    if len(images) < minimum:
        raise ValueError(f"{name} holds {len(images)} image(s); at least {minimum} are needed")


def _check_labels(labels, n: int) -> None:
    if labels is not None and len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} images; give one per image")


def figure_png(fig) -> bytes:
    """Return a matplotlib figure as PNG bytes and close it (it is shown by an Image widget)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    plt.close(fig)
    return buffer.getvalue()


def digit_browser(images: torch.Tensor, labels: torch.Tensor | None = None) -> widgets.VBox:
    """Return a slider that picks an image by index and draws it with its label (notebook 00)."""
    _check_image_stack(images)
    _check_labels(labels, len(images))
    slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="index",
                               continuous_update=True)
    caption = widgets.HTML()
    picture = widgets.Image(format="png")

    def draw(change=None) -> None:
        index = slider.value
        label = "" if labels is None else f": digit {int(labels[index])}"
        caption.value = f"<b>image {index}{label}</b>"
        fig, ax = plt.subplots(figsize=(2.2, 2.2), dpi=72)
        ax.imshow(images[index, 0].detach().cpu(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"#{index}{label}")
        ax.set_axis_off()
        picture.value = figure_png(fig)

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([slider, caption]), picture])
