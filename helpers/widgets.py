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
        ax.imshow(images[index, 0].detach().cpu().numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"#{index}{label}")
        ax.set_axis_off()
        picture.value = figure_png(fig)

    slider.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([slider, caption]), picture])


def _describe_transposed(i, k, s, p, op, d) -> str:
    from helpers.arithmetic import transposed_output_size

    o = transposed_output_size(i, k, s, p, op, d)
    z, q = (i - 1) * s + 1, d * (k - 1) - p
    return (f"output = (i-1)·s − 2p + d·(k-1) + op + 1 = {i - 1}·{s} − {2 * p} + {d * (k - 1)} "
            f"+ {op} + 1 = <b>{o}</b><br>as a direct convolution: insert zeros → {z}×{z}, pad by "
            f"d(k-1)−p = {q} (+{op} bottom/right) → {z + 2 * q + op}×{z + 2 * q + op}, "
            f"{k}×{k} kernel with dilation {d} → <b>{o}×{o}</b>")


def transposed_conv_explorer(i: int = 3, k: int = 3, s: int = 2, p: int = 1, op: int = 0,
                             d: int = 1) -> widgets.VBox:
    """Return sliders for i, k, s, p, op, d that redraw a transposed convolution (notebook 02)."""
    from helpers.arithmetic import transposed_output_size
    from helpers.plotting import draw_transposed_conv

    transposed_output_size(i, k, s, p, op, d)  # the starting point must be valid
    ranges = {"i": (i, 1, 8), "k": (k, 1, 5), "s": (s, 1, 4), "p": (p, 0, 4), "op": (op, 0, 3),
              "d": (d, 1, 3)}
    sliders = {name: widgets.IntSlider(value=v, min=lo, max=max(hi, v), description=name,
                                       continuous_update=False)
               for name, (v, lo, hi) in ranges.items()}
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def draw(change=None) -> None:
        values = {name: slider.value for name, slider in sliders.items()}
        try:
            summary.value = _describe_transposed(**values)
        except ValueError as err:  # an invalid combination: say why instead of drawing
            summary.value = f"<span style='color:#c44e52'>invalid: {err}</span>"
            picture.value = b""
            return
        fig = draw_transposed_conv(**values)
        fig.set_dpi(72)
        picture.value = figure_png(fig)

    for slider in sliders.values():
        slider.observe(draw, names="value")
    draw()
    controls = widgets.VBox(list(sliders.values()))
    return widgets.VBox([widgets.HBox([controls, picture]), summary])


def _describe_overlap(k: int, s: int) -> tuple[str, torch.Tensor]:
    """Return the text and overlap map that the overlap explorer shows for (k, s)."""
    import math

    from helpers.checkerboard import checkerboard_score, overlap_map

    m = overlap_map(k, s, n=2 * k + 4)
    inner = m[k:-k, k:-k]
    whole = (inner.shape[0] // s) * s  # crop to whole periods for the score
    score = checkerboard_score(inner[:whole, :whole], s)
    if k < s:
        ratio = f"holes: {int((inner == 0).sum())} interior pixels get no copy"
    else:
        ratio = (f"interior max/min = {float(inner.max() / inner.min()):g} = "
                 f"(⌈{k}/{s}⌉/⌊{k}/{s}⌋)² = ({math.ceil(k / s)}/{k // s})²")
    return f"k={k}, s={s}: {ratio}; checkerboard score {score:.4f}", m


def overlap_explorer(k: int = 3, s: int = 2) -> widgets.VBox:
    """Return sliders for kernel size k and stride s over a transposed conv's overlap map."""
    _describe_overlap(k, s)  # validates the starting point
    k_slider = widgets.IntSlider(value=k, min=1, max=max(8, k), description="k")
    s_slider = widgets.IntSlider(value=s, min=1, max=max(4, s), description="s")
    summary = widgets.HTML()
    picture = widgets.Image(format="png")

    def draw(change=None) -> None:
        text, m = _describe_overlap(k_slider.value, s_slider.value)
        summary.value = text
        fig, ax = plt.subplots(figsize=(3.2, 3.2), dpi=72)
        ax.imshow(m.numpy(), cmap="magma", vmin=0)
        ax.set_title(f"copies per pixel, k={k_slider.value}, s={s_slider.value}", fontsize=9)
        ax.set_axis_off()
        picture.value = figure_png(fig)

    k_slider.observe(draw, names="value")
    s_slider.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([widgets.VBox([k_slider, s_slider]), picture]), summary])


def _codec(model):
    """Return the (encode, decode) functions of an autoencoder, or say what is missing."""
    if hasattr(model, "encode") and hasattr(model, "decode"):
        return model.encode, model.decode
    if hasattr(model, "encoder") and hasattr(model, "decoder"):
        return model.encoder, model.decoder
    raise TypeError(f"model must have encode/decode methods or encoder/decoder modules, "
                    f"got {type(model).__name__}")


def image_png(image: torch.Tensor, zoom: int = 6) -> bytes:
    """Return a [H, W] image in [0, 1] as grayscale PNG bytes, enlarged `zoom` times."""
    from PIL import Image as PILImage

    pixels = (image.detach().cpu().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    picture = PILImage.fromarray(pixels, mode="L")
    picture = picture.resize((pixels.shape[1] * zoom, pixels.shape[0] * zoom), PILImage.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def interpolation_widget(model, images: torch.Tensor, labels: torch.Tensor | None = None):
    """Return sliders that decode (1-t)·z1 + t·z2 between two chosen images (notebook 04).

    Two index sliders pick the images; the t slider moves between their latent codes. The
    picture shows the first image, the decoded mixture and the second image; decoding one
    code and drawing 28x28 pixels takes about a millisecond, so updates are continuous.
    """
    _check_image_stack(images, minimum=2)
    _check_labels(labels, len(images))
    encode, decode = _codec(model)
    model.eval()
    with torch.no_grad():
        codes = encode(images)
    last = len(images) - 1
    first = widgets.IntSlider(value=0, min=0, max=last, description="from #")
    second = widgets.IntSlider(value=1, min=0, max=last, description="to #")
    t = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t",
                            readout_format=".2f")
    caption = widgets.HTML()
    picture = widgets.Image(format="png")

    def name(i: int) -> str:
        return f"#{i}" if labels is None else f"#{i} (digit {int(labels[i])})"

    def draw(change=None) -> None:
        a, b, w = first.value, second.value, t.value
        with torch.no_grad():
            mixed = decode(((1 - w) * codes[a] + w * codes[b]).unsqueeze(0))[0, 0]
        gap = torch.ones(images.shape[-2], 2)
        strip = torch.cat([images[a, 0].cpu(), gap, mixed.cpu(), gap, images[b, 0].cpu()], dim=1)
        picture.value = image_png(strip)
        caption.value = (f"left: {name(a)} · middle: decode({1 - w:.2f}·z₁ + {w:.2f}·z₂) · "
                         f"right: {name(b)}")

    for control in (first, second, t):
        control.observe(draw, names="value")
    draw()
    return widgets.VBox([widgets.HBox([first, second]), t, picture, caption])
