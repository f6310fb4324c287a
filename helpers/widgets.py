"""Widgets of notebooks 00 and 02-06, in API that ipywidgets 7.7 (Colab) and 8 share. Pictures are PNGs in
data: URIs of `HTML` widgets, as Colab drops binary buffers (googlecolab/colabtools #587, #60), drawn by
PIL in a millisecond to follow a drag. Without a kernel a widget shows a sentence and a frame player."""

import base64
import io
import math
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import display
from PIL import Image, ImageDraw
from torchvision.utils import make_grid

from helpers._checks import check_float, check_images, check_int, check_module, check_tensor, describe
from helpers.arithmetic import transposed_output_size
from helpers.plotting import _check_labels, draw_transposed_conv


class _Panel(widgets.VBox):
    """A VBox that shows, where widgets cannot run, a sentence and any kernel-free player."""

    def __init__(self, children, what: str, player: str = ""):
        super().__init__(children)
        self._text, self._player = f"[Widget: {what}. Run the notebook to use it.]", player

    def __repr__(self) -> str:
        return self._text

    def _ipython_display_(self, **kwargs) -> None:
        # ipywidgets' own bundle plus the player as text/html, which front ends without a kernel show
        data = {"text/plain": self._text, "application/vnd.jupyter.widget-view+json":
                {"version_major": 2, "version_minor": 0, "model_id": self._model_id}}
        display({**data, "text/html": self._player} if self._player else data, raw=True)


# The player's script, its box's last child, finds the box, shows one frame at a time and moves with the
# range input (keyboard too) or the play button; without scripts (GitHub strips them) every frame shows.
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
})(document.currentScript.parentElement);</script></div>"""
_ROW = "<div style='display: flex; gap: 8px; align-items: flex-start'>"  # pictures side by side
_TAB10 = [tuple(round(255 * v) for v in rgb) for rgb in plt.get_cmap("tab10").colors]  # digits' colours
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", "'": "&#39;"})  # for text inside '...' attributes


def _player(frames: list[str], what: str, interval: int) -> str:
    """A player of precomputed frames (HTML each) with a play button and a range input."""
    what = what.translate(_ESCAPE)
    controls = (f"<div class='upconv-controls' style='display: none'><button type='button'>play</button> "
                f"<input type='range' min='0' max='{len(frames) - 1}' value='0' aria-label='{what}'> "
                f"<span class='upconv-step'></span> {what}</div>")
    shown = "".join(f"<div class='upconv-frame'>{frame}</div>" for frame in frames)
    return f"<div class='upconv-player'>{controls}{shown}" + _PLAYER_SCRIPT.replace("INTERVAL", str(interval))


def _img(picture, alt: str, pixelated: bool = False) -> str:
    """An <img> holding a PIL image or a matplotlib figure (72 dpi, then closed) as an inline PNG."""
    buffer = io.BytesIO()
    if isinstance(picture, plt.Figure):
        picture.savefig(buffer, format="png", bbox_inches="tight", dpi=72)
        plt.close(picture)
    else:
        picture.save(buffer, format="PNG", optimize=True)
    style = " style='image-rendering: pixelated'" if pixelated else ""
    return (f"<img src='data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}' "
            f"alt='{alt.translate(_ESCAPE)}'{style}>")


def _digits(images: torch.Tensor, alt: str, zoom: int = 6, nrow: int = 8, padding: int = 0) -> str:
    """Images [N, 1, H, W] tiled by make_grid with white gaps, enlarged `zoom` times, as an <img>."""
    grid = make_grid(images.detach().cpu().clamp(0, 1), nrow=nrow, padding=padding, pad_value=1.0)[0]
    picture = Image.fromarray((grid * 255).round().to(torch.uint8).numpy())
    return _img(picture.resize((picture.width * zoom, picture.height * zoom), Image.NEAREST), alt, True)


def _live(draw: Callable[[], None], *controls) -> None:
    """Call `draw` now and whenever one of `controls` changes."""
    for control in controls:
        control.observe(lambda change: draw(), names="value")
    draw()


def digit_browser(images: torch.Tensor, labels: torch.Tensor | None = None) -> widgets.VBox:
    """Return a slider that picks an image by index and draws it with its label (notebook 00)."""
    images = check_images("images", images)
    labels = _check_labels(labels, len(images))
    slider = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="index")
    caption, picture = widgets.HTML(), widgets.HTML()

    def draw() -> None:
        index = slider.value
        name = f"image {index}" + ("" if labels is None else f": digit {labels[index]}")
        caption.value, picture.value = f"<b>{name}</b>", _digits(images[index:index + 1], name)

    _live(draw, slider)
    return _Panel([widgets.HBox([slider, caption]), picture], "a slider that browses the digits")


def transposed_conv_explorer(i: int = 3, k: int = 3, s: int = 2, p: int = 1, op: int = 0,
                             d: int = 1) -> widgets.VBox:
    """Return sliders for i, k, s, p, op, d that redraw a transposed convolution (notebook 02)."""
    transposed_output_size(i, k, s, p, op, d)  # the starting point must be valid
    ranges = dict(i=(i, 1, 8), k=(k, 1, 5), s=(s, 1, 4), p=(p, 0, 4), op=(op, 0, 3), d=(d, 1, 3))
    sliders = [widgets.IntSlider(value=int(v), min=low, max=max(high, int(v)), description=name,
                                 continuous_update=False) for name, (v, low, high) in ranges.items()]
    summary, picture = widgets.HTML(), widgets.HTML()

    def draw() -> None:
        i, k, s, p, op, d = values = [slider.value for slider in sliders]
        try:
            o = transposed_output_size(*values)
        except ValueError as err:  # an invalid combination: say why instead of drawing
            summary.value, picture.value = f"<span style='color:#c44e52'>invalid: {err}</span>", ""
            return
        summary.value = (f"output = (i-1)·s − 2p + d·(k-1) + op + 1 = {i - 1}·{s} − {2 * p} + "
                         f"{d * (k - 1)} + {op} + 1 = <b>{o}</b>: a {i}×{i} input, a <b>{o}×{o}</b> output")
        picture.value = _img(draw_transposed_conv(*values), "the transposed convolution as a direct one")

    _live(draw, *sliders)
    return _Panel([widgets.HBox([widgets.VBox(sliders), picture]), summary],
                  "sliders for i, k, s, p, op and d that redraw a transposed convolution")


def step_player(draw_step: Callable[[int], plt.Figure], n_steps: int, what: str) -> widgets.VBox:
    """Return a play button and a slider over the figures draw_step(0 ... n_steps-1) (notebook 02)."""
    if not callable(draw_step):
        raise TypeError(f"draw_step must be a function from a step to a figure, got {describe(draw_step)}")
    n_steps = check_int("n_steps", n_steps, 1, 400)
    if not isinstance(what, str):
        raise TypeError(f"what must be a string naming what is drawn, got {describe(what)}")
    if not what.strip() or len(what) > 43:  # the sentence shown without a kernel: 110 characters at most
        raise ValueError(f"what must name what is drawn in 1 to 43 characters, got {what!r}")
    frames = []  # each step drawn once: replaying is instant, and the frames make the kernel-free player
    for step in range(n_steps):
        fig = draw_step(step)
        if not isinstance(fig, plt.Figure):
            raise TypeError(f"draw_step({step}) must return a matplotlib Figure, got {describe(fig)}")
        frames.append(_img(fig, f"{what}, step {step + 1} of {n_steps}"))
    play = widgets.Play(value=1, min=1, max=n_steps, interval=1000, description="play")
    slider = widgets.IntSlider(value=1, min=1, max=n_steps, description="step")  # from 1, as the titles
    widgets.jslink((play, "value"), (slider, "value"))  # the button moves the slider in the browser
    picture = widgets.HTML()
    _live(lambda: setattr(picture, "value", frames[slider.value - 1]), slider)
    return _Panel([widgets.HBox([play, slider]), picture], f"a player that steps through {what}",
                  _player(frames, what, interval=1000))


def _device(model, methods: tuple[str, ...], what: str) -> torch.device:
    """Check that `model` is a model instance with `methods`; switch it to eval mode; return its device."""
    check_module("model", model)
    if not all(callable(getattr(model, name, None)) for name in methods):
        raise TypeError(f"model must have {what}, got {type(model).__name__}")
    return next(model.eval().parameters()).device


def _decoded(decode: Callable[[], torch.Tensor], what: str) -> torch.Tensor:
    """Run `decode` without gradients; if the model refuses, say what it must do."""
    try:
        with torch.no_grad():
            images = decode()
    except (RuntimeError, ValueError, IndexError, TypeError) as err:
        raise ValueError(f"model must {what}; it refused: {str(err).splitlines()[0]}") from err
    return images.cpu()


def interpolation_widget(model, images: torch.Tensor, labels: torch.Tensor | None = None) -> widgets.VBox:
    """Return sliders that decode (1-t)·z₁ + t·z₂ between two images' codes (notebooks 04, 05)."""
    device = _device(model, ("encode", "decode"), "encode(x) and decode(z) methods (an autoencoder)")
    images = check_images("images", images)
    if len(images) < 2:
        raise ValueError(f"images must hold at least 2 images to interpolate between, got {describe(images)}")
    labels = _check_labels(labels, len(images))
    with torch.no_grad():
        codes = torch.cat([model.encode(batch.to(device)) for batch in images.split(512)])
    first = widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="from #")
    second = widgets.IntSlider(value=1, min=0, max=len(images) - 1, description="to #")
    t = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="t", readout_format=".2f")
    caption, picture = widgets.HTML(), widgets.HTML()
    name = [f"#{i}" + ("" if labels is None else f" (digit {labels[i]})") for i in range(len(images))]

    def strip(a: int, b: int, w: float) -> str:
        mixed = _decoded(lambda: model.decode((1 - w) * codes[a:a + 1] + w * codes[b:b + 1]), "decode(z)")
        return _digits(torch.cat([images[a:a + 1].cpu(), mixed, images[b:b + 1].cpu()]),
                       f"{name[a]}, the decoded mixture at t = {w:.2f}, {name[b]}", nrow=3, padding=2)

    def draw() -> None:
        a, b, w = first.value, second.value, t.value
        picture.value = strip(a, b, w)
        caption.value = (f"left: {name[a]} · middle: decode({1 - w:.2f}·z₁ + {w:.2f}·z₂) · "
                         f"right: {name[b]}")

    _live(draw, first, second, t)
    return _Panel([widgets.HBox([first, second]), t, picture, caption],
                  "sliders that interpolate between two digits' latent codes",
                  _player([strip(0, 1, step / 10) for step in range(11)],
                          f"t from 0 to 1 between {name[0]} and {name[1]}", interval=400))


def _latent_map(model, device, codes, labels, limit: float, n: int) -> tuple[Image.Image, Callable]:
    """The decoded n x n grid over [-limit, limit]², dark strokes on white light enough for the `codes`
    drawn as dots coloured by `labels`, with a key of the colours under it; and the pixel of a code."""
    centres = torch.linspace(-limit, limit, 2 * n + 1)[1::2]  # the centres of n equal cells
    grid = torch.stack(torch.meshgrid(centres, centres.flip(0), indexing="xy"), dim=-1).reshape(-1, 2)
    tiles = _decoded(lambda: model.decode(grid.to(device)), "decode codes [N, 2] (a VAE of latent size 2)")
    mosaic = make_grid(tiles.clamp(0, 1), nrow=n, padding=0)[0]
    side = mosaic.shape[-1]

    def pixel(z1: float, z2: float) -> tuple[float, float]:  # where a code lies on the map
        return (z1 + limit) / (2 * limit) * side, (limit - z2) / (2 * limit) * side
    background = Image.new("RGB", (side, side + (16 if labels is not None else 0)), "white")
    background.paste(Image.fromarray((255 - 150 * mosaic).round().to(torch.uint8).numpy()))
    pen = ImageDraw.Draw(background)
    points = [] if codes is None else codes.tolist()
    for (z1, z2), label in zip(points, labels or [None] * len(points)):
        x, y = pixel(z1, z2)
        if abs(z1) <= limit and abs(z2) <= limit:
            pen.ellipse((x - 2, y - 2, x + 2, y + 2), fill="#000000" if label is None else _TAB10[label])
    for digit in range(10 if labels is not None else 0):
        left = 4 + digit * side / 10
        pen.rectangle((left, side + 4, left + 8, side + 12), fill=_TAB10[digit])
        pen.text((left + 11, side + 2), str(digit), fill="black")
    return background, pixel


def latent_map_widget(model, codes: torch.Tensor | None = None, labels: torch.Tensor | None = None,
                      limit: float = 3.0, n: int = 12) -> widgets.VBox:
    """Return sliders z₁, z₂ that decode a point ringed on a map of a 2-D latent plane (notebook 05)."""
    device = _device(model, ("decode",), "a decode(z) method (a VAE)")
    limit, n = check_float("limit", limit, 0.05, 10.0), check_int("n", n, 2, 25)  # 0.05: a slider step
    if codes is None and labels is not None:
        raise ValueError("labels colour the codes' dots: pass codes=... as well (or no labels)")
    if codes is not None:
        if check_tensor("codes", codes, dims=2).shape[1] != 2:
            raise ValueError(f"codes must be 2-D latent codes [N, 2], got {describe(codes)}")
        codes, labels = codes.detach().cpu(), _check_labels(labels, len(codes))
        if labels and not all(0 <= label < 10 for label in labels):
            raise ValueError(f"labels must be digits 0 to 9 (a colour each), got {sorted(set(labels))}")
    background, pixel = _latent_map(model, device, codes, labels, limit, n)
    z1, z2 = (widgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.05, readout_format=".2f",
                                  description=name) for name in ("z₁", "z₂"))
    picture = widgets.HTML()
    caption = widgets.HTML(f"left: decode(z) · right: z on the decoded grid over [{-limit:g}, {limit:g}]²")

    def frame(a: float, b: float) -> str:  # the digit decoded at (a, b) beside the map, ringed there
        digit = _decoded(lambda: model.decode(torch.tensor([[a, b]], device=device)), "decode(z)")
        marked, where = background.copy(), f"z = ({a:.2f}, {b:.2f})"
        pen, (x, y) = ImageDraw.Draw(marked), pixel(a, b)
        pen.ellipse((x - 9, y - 9, x + 9, y + 9), outline="black", width=5)
        pen.ellipse((x - 8, y - 8, x + 8, y + 8), outline="#ff00ff", width=3)
        return (_ROW + _digits(digit, f"the digit decoded at {where}")  # 32 colours: a quarter of the bytes
                + _img(marked.quantize(32), f"the latent map, ring at {where}") + "</div>")

    _live(lambda: setattr(picture, "value", frame(z1.value, z2.value)), z1, z2)
    radius = limit / 2  # the player's walk: twelve frames around a circle
    walk = [frame(radius * math.cos(math.pi * k / 6), radius * math.sin(math.pi * k / 6)) for k in range(12)]
    return _Panel([widgets.HBox([z1, z2]), picture, caption], "sliders z₁, z₂ that decode a point of the "
                  "2-D latent plane", _player(walk, f"a walk around the circle of radius {radius:g}", 300))
