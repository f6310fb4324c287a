"""Interactive widgets of the series.

Only API present in both ipywidgets 7.7 (Google Colab) and 8.x (JupyterLab 4) is used:
`IntSlider`, `FloatSlider`, `Play`, `HTML`, `HBox`/`VBox`, `jslink` and `observe`.

Pictures travel as JSON, never as binary widget buffers: each picture is a PNG encoded
as a ``data:image/png;base64,...`` URI inside an ``<img>`` tag of an `HTML` widget.
Colab's front end has a history of dropping binary buffers (`ipywidgets.Image` hung or
disconnected runtimes: googlecolab/colabtools #587, #60), so the series never sends any.
Digits are enlarged with nearest-neighbour sampling (crisp pixels) and drawn with PIL,
which takes about a millisecond, so the pictures follow a dragged slider.

A widget's plain-text form, which a viewer without a kernel shows (GitHub, nbviewer), is
a sentence that says what runs there; each notebook pairs every widget with a static
figure of the same idea. Widgets that call a model follow the model's device.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from helpers._checks import (
    check_callable,
    check_float,
    check_images,
    check_int,
    check_module,
    check_tensor,
    describe,
    model_device,
)


class _Panel(widgets.VBox):
    """A VBox that shows, where widgets cannot run (GitHub, nbviewer, the built site), a
    sentence and, when it has one, a player of precomputed frames that needs no kernel."""

    def __init__(self, children, text: str, player: str = ""):
        super().__init__(children)
        self._text, self._player = text, player

    def __repr__(self) -> str:
        return self._text

    def _ipython_display_(self, **kwargs) -> None:
        # the same bundle as ipywidgets 7 and 8 display, plus the player as text/html: a
        # front end with a kernel draws the widget view, one without it the player
        data = {"text/plain": self._text, "application/vnd.jupyter.widget-view+json":
                {"version_major": 2, "version_minor": 0, "model_id": self._model_id}}
        if self._player:
            data["text/html"] = self._player
        from IPython.display import display

        display(data, raw=True)
        if hasattr(self, "_handle_displayed"):  # ipywidgets 7 (Colab)
            self._handle_displayed(**kwargs)


def _panel(children, what: str, player: str = "") -> _Panel:
    return _Panel(children, f"[Widget: {what}. Run the notebook to use it.]", player)


# The player's script finds its own box (the script is the box's last child), shows one
# frame at a time and moves with the range input (keyboard too) or the play button. Without
# scripts (GitHub strips them) every frame stays visible, one after the other.
_PLAYER_SCRIPT = """<script>(function (box) {
  var frames = box.querySelectorAll(".upconv-frame"), slider = box.querySelector("input"),
      label = box.querySelector(".upconv-step"), button = box.querySelector("button"), timer = null;
  function show(i) {
    frames.forEach(function (frame, k) { frame.style.display = k == i ? "" : "none"; });
    slider.value = i; label.textContent = (+i + 1) + " / " + frames.length;
  }
  slider.addEventListener("input", function () { show(slider.value); });
  button.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; button.textContent = "play"; return; }
    button.textContent = "pause";
    timer = setInterval(function () { show((+slider.value + 1) % frames.length); }, INTERVAL);
  });
  box.querySelector(".upconv-controls").style.display = "";
  show(0);
})(document.currentScript.parentElement);</script>"""


def _player_html(frames: list[str], what: str, interval: int = 800) -> str:
    """A player of precomputed frames (HTML each, e.g. png_html) that needs no kernel."""
    shown = "".join(f"<div class='upconv-frame'>{frame}</div>" for frame in frames)
    label = what.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&#39;")
    controls = (f"<div class='upconv-controls' style='display: none'><button type='button'>play</button> "
                f"<input type='range' min='0' max='{len(frames) - 1}' value='0' aria-label='{label}'> "
                f"<span class='upconv-step'></span> {label}</div>")
    return (f"<div class='upconv-player'>{controls}{shown}"
            + _PLAYER_SCRIPT.replace("INTERVAL", str(interval)) + "</div>")


def figure_png(fig) -> bytes:
    """Return a matplotlib figure as PNG bytes and close it."""
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (fig, ax = plt.subplots()), got {describe(fig)}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", dpi=fig.dpi)
    plt.close(fig)
    return buffer.getvalue()


def png_html(png: bytes, alt: str = "", pixelated: bool = False) -> str:
    """Return an <img> tag that holds PNG bytes inline (a data URI): JSON-only widget state."""
    if not isinstance(png, (bytes, bytearray)) or not bytes(png[:8]) == b"\x89PNG\r\n\x1a\n":
        raise TypeError(f"png must be the bytes of a PNG file, got {describe(png)}")
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a string, got {describe(alt)}")
    if not isinstance(pixelated, bool):
        raise TypeError(f"pixelated must be True or False, got {describe(pixelated)}")
    style = " style='image-rendering: pixelated'" if pixelated else ""
    text = alt.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;")
    return (f"<img src='data:image/png;base64,{base64.b64encode(bytes(png)).decode('ascii')}' "
            f"alt='{text}'{style}>")


def image_png(image: torch.Tensor, zoom: int = 6) -> bytes:
    """Return a grayscale image [H, W] or [1, H, W] in [0, 1] as PNG bytes, enlarged `zoom` times.

    Values slightly outside [0, 1] are clipped (a decoder's output can overshoot a little);
    values far outside (0..255 pixels) are an error.
    """
    from PIL import Image as PILImage

    check_tensor("image", image, dims=(2, 3), floating=True)
    if image.dim() == 3:
        if image.shape[0] != 1:
            raise ValueError(f"image must be one grayscale image [H, W] or [1, H, W], got "
                             f"{describe(image)}")
        image = image[0]
    if image.numel() and (image.min() < -0.5 or image.max() > 1.5):
        hint = "; divide by 255 first" if image.max() > 1.5 else ""
        raise ValueError(f"image must hold values in [0, 1], got values from {image.min().item():.3g} "
                         f"to {image.max().item():.3g}{hint}")
    zoom = check_int("zoom", zoom, 1, 32)
    pixels = (image.detach().cpu().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    picture = PILImage.fromarray(pixels, mode="L")
    picture = picture.resize((pixels.shape[1] * zoom, pixels.shape[0] * zoom), PILImage.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def _check_labels(labels, n: int) -> list[int] | None:
    """Return the labels as a list of ints, or say what is wrong with them."""
    if labels is None:
        return None
    if isinstance(labels, torch.Tensor):
        if labels.dim() == 2 and labels.shape[0] == n:
            raise ValueError(f"labels has shape {list(labels.shape)}: it looks one-hot; pass class "
                             f"indices [N] instead (labels.argmax(1))")
        check_tensor("labels", labels, dims=1, nonempty=False)
        if labels.is_floating_point():
            raise TypeError(f"labels must hold integer class indices, got {describe(labels)}")
        labels = labels.tolist()
    elif not isinstance(labels, (list, tuple)):
        raise TypeError(f"labels must be a 1-D tensor or a list of integers, got {describe(labels)}")
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} entries for {n} images; give one per image")
    return [check_int(f"labels[{i}]", label) for i, label in enumerate(labels)]


def digit_browser(images: torch.Tensor, labels: torch.Tensor | None = None) -> widgets.VBox:
    """Return a slider that picks an image by index and draws it with its label (notebook 00)."""
    images = check_images("images", images)
    labels = _check_labels(labels, len(images))
    images = images.detach().cpu()
    slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="index",
                               continuous_update=True)
    caption = widgets.HTML()
    picture = widgets.HTML()

    def draw(change=None) -> None:
        index = slider.value
        label = "" if labels is None else f": digit {labels[index]}"
        caption.value = f"<b>image {index}{label}</b>"
        picture.value = png_html(image_png(images[index, 0]), f"image {index}{label}", pixelated=True)

    slider.observe(draw, names="value")
    draw()
    return _panel([widgets.HBox([slider, caption]), picture], "a slider that browses the digits")


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
    picture = widgets.HTML()

    def draw(change=None) -> None:
        values = {name: slider.value for name, slider in sliders.items()}
        try:
            summary.value = _describe_transposed(**values)
        except ValueError as err:  # an invalid combination: say why instead of drawing
            summary.value = f"<span style='color:#c44e52'>invalid: {err}</span>"
            picture.value = ""
            return
        fig = draw_transposed_conv(**values)
        fig.set_dpi(72)
        picture.value = png_html(figure_png(fig), "the transposed convolution as a direct convolution")

    for slider in sliders.values():
        slider.observe(draw, names="value")
    draw()
    controls = widgets.VBox(list(sliders.values()))
    return _panel([widgets.HBox([controls, picture]), summary],
                  "sliders for i, k, s, p, op and d that redraw a transposed convolution")


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
    k, s = check_int("k", k, 1, 8), check_int("s", s, 1, 4)
    _describe_overlap(k, s)  # validates the starting point
    k_slider = widgets.IntSlider(value=k, min=1, max=8, description="k")
    s_slider = widgets.IntSlider(value=s, min=1, max=4, description="s")
    summary = widgets.HTML()
    picture = widgets.HTML()

    def draw(change=None) -> None:
        text, m = _describe_overlap(k_slider.value, s_slider.value)
        summary.value = text
        fig, ax = plt.subplots(figsize=(3.4, 3.2), dpi=72)
        shown = ax.imshow(m.numpy(), cmap="magma", vmin=0)
        fig.colorbar(shown, ax=ax, shrink=0.8, label="kernel copies")
        ax.set_title(f"copies per output pixel, k={k_slider.value}, s={s_slider.value}", fontsize=9)
        ax.set_axis_off()
        picture.value = png_html(figure_png(fig), "overlap map of the transposed convolution")

    k_slider.observe(draw, names="value")
    s_slider.observe(draw, names="value")
    draw()
    return _panel([widgets.HBox([widgets.VBox([k_slider, s_slider]), picture]), summary],
                  "sliders for the kernel size k and stride s of an overlap map")


def step_player(draw_step: Callable[[int], object], n_steps: int, what: str,
                interval: int = 1000) -> widgets.VBox:
    """Return a play button and a step slider that redraw `draw_step(step)` (notebook 02).

    `draw_step` takes a step from 0 to n_steps-1 and returns a matplotlib figure; the
    slider shows it counted from 1, as in "step 3 of 4". The
    play button animates the slider in the browser (`jslink`, no kernel round trip for
    the timing); every step's picture is drawn once, when the player is made, and reused,
    so replaying is instant; the same pictures make the player shown where no kernel runs.
    `what` names the process, for the alt texts. The returned box's `play_link` is the link
    between the play button and the slider.
    """
    check_callable("draw_step", draw_step)
    n_steps = check_int("n_steps", n_steps, 1, 400)
    if not isinstance(what, str):
        raise TypeError(f"what must be a string naming what is drawn, got {describe(what)}")
    if not what.strip():
        raise ValueError("what is empty; name what is drawn, e.g. 'the four stamps'")
    if len(what) > 44:
        raise ValueError(f"what has {len(what)} characters; name what is drawn in at most 44, so that "
                         "the sentence shown where widgets cannot run is not cut off")
    interval = check_int("interval", interval, 50, 10_000)
    # the slider counts from 1, as the pictures' titles do; draw_step counts from 0
    play = widgets.Play(value=1, min=1, max=n_steps, interval=interval, description="play")
    slider = widgets.IntSlider(value=1, min=1, max=n_steps, description="step",
                               continuous_update=True)
    link = widgets.jslink((play, "value"), (slider, "value"))
    picture = widgets.HTML()
    frames: dict[int, str] = {}

    def draw(change=None) -> None:
        step = slider.value - 1
        if step not in frames:
            fig = draw_step(step)
            from matplotlib.figure import Figure

            if not isinstance(fig, Figure):
                raise TypeError(f"draw_step({step}) must return a matplotlib Figure, got {describe(fig)}")
            fig.set_dpi(72)
            frames[step] = png_html(figure_png(fig), f"{what}, step {step + 1} of {n_steps}")
        picture.value = frames[step]

    slider.observe(draw, names="value")
    draw()
    for step in range(1, n_steps + 1):  # every frame, for the player that needs no kernel
        slider.value = step
    slider.value = 1
    box = _panel([widgets.HBox([play, slider]), picture], f"a player that steps through {what}",
                 _player_html([frames[step] for step in range(n_steps)], what, interval))
    box.play_link = link
    return box


def _codec(model) -> tuple[Callable, Callable]:
    """Return the (encode, decode) functions of an autoencoder, or say what is missing."""
    check_module("model", model)
    if hasattr(model, "encode") and hasattr(model, "decode"):
        return model.encode, model.decode
    if hasattr(model, "encoder") and hasattr(model, "decoder"):
        return model.encoder, model.decoder
    raise TypeError(f"model must have encode/decode methods or encoder/decoder modules, "
                    f"got {type(model).__name__}")


def interpolation_widget(model, images: torch.Tensor, labels: torch.Tensor | None = None):
    """Return sliders that decode (1-t)·z1 + t·z2 between two chosen images (notebook 04).

    Two index sliders pick the images; the t slider moves between their latent codes. The
    picture shows the first image, the decoded mixture and the second image; decoding one
    code and drawing 28x28 pixels takes about a millisecond, so updates are continuous.
    Where no kernel runs, a player steps t from 0 to 1 for the first two images. The model
    runs on its own device; the images may stay on the CPU.
    """
    encode, decode = _codec(model)
    images = check_images("images", images, minimum=2)
    labels = _check_labels(labels, len(images))
    device = model_device(model)
    model.eval()
    with torch.no_grad():
        codes = torch.cat([encode(batch.to(device)) for batch in images.split(512)])
    shown = images.detach().cpu()
    last = len(images) - 1
    first = widgets.IntSlider(value=0, min=0, max=last, description="from #")
    second = widgets.IntSlider(value=1, min=0, max=last, description="to #")
    t = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t",
                            readout_format=".2f")
    caption = widgets.HTML()
    picture = widgets.HTML()

    def name(i: int) -> str:
        return f"#{i}" if labels is None else f"#{i} (digit {labels[i]})"

    def strip(a: int, b: int, w: float) -> str:
        with torch.no_grad():
            mixed = decode(((1 - w) * codes[a] + w * codes[b]).unsqueeze(0))[0, 0].cpu()
        gap = torch.ones(shown.shape[-2], 2)
        pixels = torch.cat([shown[a, 0], gap, mixed, gap, shown[b, 0]], dim=1)
        return png_html(image_png(pixels), f"{name(a)}, the decoded mixture at t = {w:.2f}, {name(b)}",
                        pixelated=True)

    def draw(change=None) -> None:
        a, b, w = first.value, second.value, t.value
        picture.value = strip(a, b, w)
        caption.value = (f"left: {name(a)} · middle: decode({1 - w:.2f}·z₁ + {w:.2f}·z₂) · "
                         f"right: {name(b)}")

    for control in (first, second, t):
        control.observe(draw, names="value")
    draw()
    path = [strip(0, 1, step / 10) for step in range(11)]  # the default pair, for the player
    return _panel([widgets.HBox([first, second]), t, picture, caption],
                  "sliders that interpolate between two digits' latent codes",
                  _player_html(path, f"t from 0 to 1 between {name(0)} and {name(1)}", interval=400))


# ---------------------------------------------------------------------------------------
# Variational autoencoders (notebook 05)

_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf"]  # matplotlib's tab10, the colours of the notebooks' scatter plots


_ROW = "<div style='display: flex; gap: 8px; align-items: flex-start'>"  # pictures side by side, tops aligned


def _decoder(model) -> Callable:
    """Return the decode function of a (variational) autoencoder, or say what is missing."""
    check_module("model", model)
    if hasattr(model, "decode"):
        return model.decode
    if hasattr(model, "decoder"):
        return model.decoder
    raise TypeError(f"model must have a decode method or a decoder module, got {type(model).__name__}")


def _decoded_image(name: str, out, what: str) -> torch.Tensor:
    """Check that a decoder returned one batch of grayscale images [N, 1, H, W]; return it."""
    if not isinstance(out, torch.Tensor) or out.dim() != 4 or out.shape[1] != 1:
        raise ValueError(f"{name}'s decode must return images [N, 1, H, W] for {what}, got "
                         f"{describe(out)}")
    return out


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _latent_sliders(n: int, limit: float) -> list[widgets.FloatSlider]:
    """One slider per latent coordinate, z₁ to zₙ, over [-limit, limit] from 0, in steps of 0.05."""
    return [widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.05,
                                description="z" + str(i + 1).translate(_SUBSCRIPTS), readout_format=".2f")
            for i in range(n)]


def _check_limit(limit) -> float:
    return check_float("limit", limit, 0.0, 10.0, open_low=True)


def _latent_map(decode, device, codes, labels, limit: float, n: int):
    """The decoded n x n grid over [-limit, limit]² (PIL, dark strokes on white) with `codes`
    as dots coloured by `labels` and a key; the function from a code to its map pixel; and
    a note of how many codes lie outside the map."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    axis = torch.linspace(-limit, limit, 2 * n + 1)[1::2]  # the centres of n equal cells
    grid = torch.stack(torch.meshgrid(axis, axis.flip(0), indexing="xy"), dim=-1).reshape(-1, 2)
    try:
        with torch.no_grad():
            tiles = decode(grid.to(device)).cpu()
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"model must decode 2-D codes [N, 2] (a VAE with latent size 2); its "
                         f"decode refused them: {str(err).splitlines()[0]}") from err
    tiles = _decoded_image("model", tiles, "codes [N, 2]")
    size = tiles.shape[-1]
    side = n * size
    mosaic = tiles.clamp(0, 1).reshape(n, n, size, size).permute(0, 2, 1, 3).reshape(side, side)
    background = PILImage.new("RGB", (side, side + (16 if labels is not None else 0)), "white")
    background.paste(PILImage.fromarray((255 - 150 * mosaic).round().to(torch.uint8).numpy(), mode="L"))
    pen = ImageDraw.Draw(background)

    def pixel(z1: float, z2: float) -> tuple[float, float]:
        return (z1 + limit) / (2 * limit) * side, (limit - z2) / (2 * limit) * side

    if codes is None:
        return background, pixel, ""
    for i, (z1, z2) in enumerate(codes.tolist()):
        if abs(z1) <= limit and abs(z2) <= limit:
            x, y = pixel(z1, z2)
            pen.ellipse((x - 2, y - 2, x + 2, y + 2), fill="#000000" if labels is None else _TAB10[labels[i]])
    if labels is not None:  # a key: each digit in its colour, under the map
        for digit in range(10):
            left = 4 + digit * side / 10
            pen.rectangle((left, side + 4, left + 8, side + 12), fill=_TAB10[digit])
            pen.text((left + 11, side + 2), str(digit), fill="black")
    beyond = int((codes.abs() > limit).any(dim=1).sum())
    return background, pixel, f" · {beyond} of the {len(codes)} codes lie outside the map"


def _latent_frame(decode, device, background, pixel, z1: float, z2: float) -> str:
    """The digit decoded at (z1, z2) beside the map with a ring there, as HTML."""
    from PIL import ImageDraw

    with torch.no_grad():
        digit = decode(torch.tensor([[z1, z2]], device=device))[0, 0].cpu()
    marked = background.copy()
    ring = ImageDraw.Draw(marked)
    x, y = pixel(z1, z2)
    ring.ellipse((x - 9, y - 9, x + 9, y + 9), outline="black", width=5)
    ring.ellipse((x - 8, y - 8, x + 8, y + 8), outline="#ff00ff", width=3)
    buffer = io.BytesIO()
    marked.quantize(32).save(buffer, format="PNG", optimize=True)  # 32 colours: a quarter of the bytes
    where = f"z = ({z1:.2f}, {z2:.2f})"
    return (_ROW + png_html(image_png(digit), f"the digit decoded at {where}", pixelated=True)
            + png_html(buffer.getvalue(), f"the latent map, ring at {where}") + "</div>")


def latent_map_widget(model, codes: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                      limit: float = 3.0, n: int = 12) -> widgets.VBox:
    """Return sliders z₁, z₂ that decode a point of a 2-D latent plane live, marked on a map (notebook 05).

    The map is the decoded n x n grid over [-limit, limit]² (z₁ to the right, z₂ up), with
    `codes` [N, 2] (e.g. the held-out digits' means) as dots coloured by `labels`; a ring
    marks the sliders' point. The map is drawn once; each slider move decodes one code and
    redraws only the ring (PIL, about a millisecond), so the picture follows a drag. Where
    no kernel runs, a player walks the ring once around a circle of radius limit/2.
    """
    decode = _decoder(model)
    limit, n = _check_limit(limit), check_int("n", n, 2, 25)
    if codes is not None:
        check_tensor("codes", codes, dims=2, floating=True)
        if codes.shape[1] != 2:
            raise ValueError(f"codes must be 2-D latent codes [N, 2], got {describe(codes)}")
        codes = codes.detach().cpu()
    elif labels is not None:
        raise ValueError("labels colour the codes' dots: pass codes=... as well (or no labels)")
    labels = _check_labels(labels, len(codes)) if codes is not None else None
    if labels is not None and not all(0 <= label < len(_TAB10) for label in labels):
        raise ValueError(f"labels must be classes 0 to {len(_TAB10) - 1} (one colour each), got "
                         f"values from {min(labels)} to {max(labels)}")
    device = model_device(model)
    model.eval()
    background, pixel, outside = _latent_map(decode, device, codes, labels, limit, n)
    z1_slider, z2_slider = _latent_sliders(2, limit)
    picture, caption = widgets.HTML(), widgets.HTML()

    def draw(change=None) -> None:
        z1, z2 = z1_slider.value, z2_slider.value
        picture.value = _latent_frame(decode, device, background, pixel, z1, z2)
        where = f"z = ({z1:.2f}, {z2:.2f})"
        caption.value = (f"left: decode({where}) · right: the decoded grid over "
                         f"[{-limit:g}, {limit:g}]², the ring at {where}" + outside)

    z1_slider.observe(draw, names="value")
    z2_slider.observe(draw, names="value")
    draw()
    angles = [2 * math.pi * k / 12 for k in range(12)]
    walk = [_latent_frame(decode, device, background, pixel, limit / 2 * math.cos(a), limit / 2 * math.sin(a))
            for a in angles]
    return _panel([widgets.HBox([z1_slider, z2_slider]), picture, caption],
                  "sliders z₁, z₂ that decode a point of the 2-D latent plane",
                  _player_html(walk, f"a walk around the circle of radius {limit / 2:g}", interval=300))


def conditional_widget(model, n_classes: int = 10, limit: float = 3.0) -> widgets.VBox:
    """Return a class slider and one style slider per latent dimension for a conditional VAE (notebook 05).

    `model.decode(z, labels)` draws class `labels` [N] in the style `z` [N, latent_dim];
    `model.latent_dim` (1 to 8) sets the number of style sliders. The picture shows the
    chosen class large and, beside it, every class drawn in the same style.
    """
    check_module("model", model)
    if not hasattr(model, "decode"):
        raise TypeError(f"model must have a decode(z, labels) method (a conditional VAE), got "
                        f"{type(model).__name__}")
    latent_dim = getattr(model, "latent_dim", None)
    if not isinstance(latent_dim, int) or isinstance(latent_dim, bool):
        raise TypeError(f"model must have an integer attribute latent_dim (its latent size), got "
                        f"{describe(latent_dim)}")
    if not 1 <= latent_dim <= 8:
        raise ValueError(f"model.latent_dim must be between 1 and 8 (one slider each), got {latent_dim}")
    n_classes, limit = check_int("n_classes", n_classes, 2, 20), _check_limit(limit)
    device = model_device(model)
    model.eval()
    every_class = torch.arange(n_classes, device=device)
    try:
        with torch.no_grad():
            probe = model.decode(torch.zeros(n_classes, latent_dim, device=device), every_class)
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        raise ValueError(f"model.decode(z, labels) refused {n_classes} classes with codes "
                         f"[{n_classes}, {latent_dim}] (is n_classes={n_classes} right?): "
                         f"{str(err).splitlines()[0]}") from err
    _decoded_image("model", probe, f"{n_classes} codes")
    digit = widgets.IntSlider(value=min(7, n_classes - 1), min=0, max=n_classes - 1, description="class")
    styles = _latent_sliders(latent_dim, limit)
    picture = widgets.HTML()
    caption = widgets.HTML()

    def draw(change=None) -> None:
        style = torch.tensor([[s.value for s in styles]], dtype=probe.dtype, device=device)
        with torch.no_grad():
            row = model.decode(style.expand(n_classes, -1), every_class).cpu()[:, 0]
        gap = torch.ones(row.shape[-2], 1)
        strip = torch.cat([torch.cat([image, gap], dim=1) for image in row], dim=1)
        where = ", ".join(f"{s.value:.2f}" for s in styles)
        picture.value = (_ROW + png_html(image_png(row[digit.value]), f"class {digit.value} in the style "
                                         f"z = ({where})", pixelated=True)
                         + png_html(image_png(strip, zoom=2), f"every class in the style z = ({where})",
                                    pixelated=True) + "</div>")
        caption.value = (f"left: decode(z, class {digit.value}) · right: classes 0 to "
                         f"{n_classes - 1} in the same style z = ({where})")

    for control in (digit, *styles):
        control.observe(draw, names="value")
    draw()
    return _panel([digit, widgets.HBox(styles[:4]), *([widgets.HBox(styles[4:])] if latent_dim > 4 else []),
                   picture, caption],
                  "sliders for a digit's class and its style")
