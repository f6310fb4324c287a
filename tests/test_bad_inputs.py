"""The calls students make, with the mistakes students make: one table.

Each row is `(error, argument, call)`: the call must raise `error` (TypeError for a wrong type,
ValueError for a wrong value or shape) from helpers/ itself, with a message that names the
argument. Functions that only notebooks' own code calls do not re-check their arguments.
The last test keeps helpers/ free of public names that no notebook uses.
"""

import inspect
import json
import pkgutil
import re
from importlib import import_module
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

import helpers
from helpers.arithmetic import conv_output_size, transposed_output_size
from helpers.checkerboard import checkerboard_score, overlap_map
from helpers.data import digit_canvases, load_mnist
from helpers.diagrams import draw_model
from helpers.models import Autoencoder, upsample
from helpers.plotting import plot_history, show_figure, show_images
from helpers.training import Recipe, evaluate, fit, set_seed, train_autoencoder
from helpers.widgets import (
    digit_browser,
    interpolation_widget,
    latent_map_widget,
    step_player,
    transposed_conv_explorer,
)

ROOT = Path(__file__).resolve().parent.parent
IMAGES, LINEAR = torch.rand(3, 1, 28, 28), nn.Linear(2, 2)
POINTS, CLASSES = torch.rand(8, 2), torch.arange(8) % 2
MODEL = Autoencoder(latent_dim=4, width=4)


def fit_linear(**kwargs):
    settings = {"epochs": 1, "loss_fn": nn.CrossEntropyLoss(), "progress": False} | kwargs
    return fit(settings.pop("model", LINEAR), settings.pop("train", (POINTS, CLASSES)), **settings)


ROWS = [
    # data
    (TypeError, "train", lambda: load_mnist(train="yes")),
    (ValueError, "source", lambda: load_mnist(source="kaggle")),
    (TypeError, "root", lambda: load_mnist(root=3)),
    (ValueError, "n", lambda: digit_canvases(0)),
    (TypeError, "n", lambda: digit_canvases(2.0)),
    (ValueError, "size", lambda: digit_canvases(2, size=20)),
    (ValueError, "threshold", lambda: digit_canvases(2, threshold=1.5)),
    # training
    (ValueError, "seed", lambda: set_seed(-1)),
    (TypeError, "seed", lambda: set_seed(1.5)),
    (TypeError, "model", lambda: fit_linear(model=nn.Linear)),
    (ValueError, "model", lambda: fit_linear(model=nn.ReLU())),
    (TypeError, "loss_fn", lambda: fit_linear(loss_fn=nn.CrossEntropyLoss)),
    (ValueError, "epochs", lambda: fit_linear(epochs=0)),
    (TypeError, "epochs", lambda: fit_linear(epochs=2.0)),
    (ValueError, "lr", lambda: fit_linear(lr=0)),
    (ValueError, "train", lambda: fit_linear(train=(POINTS, nn.functional.one_hot(CLASSES)))),
    (ValueError, "train", lambda: fit_linear(train=(POINTS, CLASSES[:5]))),
    (TypeError, "train", lambda: fit_linear(train=[1, 2, 3])),
    (TypeError, "optimizer", lambda: fit_linear(optimizer=torch.optim.Adam)),
    (ValueError, "optimizer", lambda: fit_linear(optimizer=torch.optim.SGD(nn.Linear(2, 2).parameters()))),
    (ValueError, "valid", lambda: fit_linear(metrics={"accuracy": nn.CrossEntropyLoss()})),
    (ValueError, "device", lambda: fit_linear(device="gpu")),
    (TypeError, "loss_fn", lambda: evaluate(LINEAR, (POINTS, CLASSES), 3)),
    (ValueError, "recipe", lambda: train_autoencoder("fast", IMAGES)),
    (ValueError, "train", lambda: train_autoencoder("lecture", IMAGES * 255)),
    (ValueError, "train", lambda: train_autoencoder("lecture", torch.rand(3, 1, 32, 32))),
    (ValueError, "loss", lambda: Recipe(loss="l1")),
    # models
    (ValueError, "kind", lambda: upsample("transposed", 1, 1)),
    (ValueError, "scale", lambda: upsample("deconv3", 1, 1, scale=3)),
    (ValueError, "upsampling", lambda: Autoencoder(upsampling="magic")),
    (TypeError, "width", lambda: Autoencoder(width=8.0)),
    (ValueError, "x", lambda: MODEL(torch.rand(5, 28, 28))),
    (TypeError, "x", lambda: MODEL([[0.0]])),
    (ValueError, "z", lambda: MODEL.decode(torch.rand(2, 3))),
    # arithmetic and checkerboard
    (TypeError, "i", lambda: conv_output_size(5.0, 3)),
    (ValueError, "k", lambda: conv_output_size(2, 3)),
    (ValueError, "op", lambda: transposed_output_size(3, 3, 2, 1, 2)),
    (ValueError, "k", lambda: overlap_map(0, 2, 4)),
    (TypeError, "y", lambda: checkerboard_score([[1.0]], 2)),
    (ValueError, "y", lambda: checkerboard_score(torch.ones(5, 4), 2)),
    # plotting and diagrams
    (ValueError, "images", lambda: show_images(torch.rand(5, 28, 28))),
    (ValueError, "images", lambda: show_images(IMAGES * 255)),
    (ValueError, "labels", lambda: show_images(IMAGES, labels=[1])),
    (TypeError, "history", lambda: plot_history((MODEL, {"train_loss": [1.0]}))),
    (ValueError, "alt", lambda: show_figure(plt.figure(), "a plot")),
    (TypeError, "model", lambda: draw_model(nn.Linear, torch.zeros(1, 2))),
    (TypeError, "example", lambda: draw_model(LINEAR, [[0.0, 0.0]])),
    (ValueError, "blocks", lambda: draw_model(MODEL, torch.zeros(1, 1, 28, 28), blocks=["decoder.9"])),
    # widgets
    (TypeError, "draw_step", lambda: step_player("draw", 3, "steps")),
    (ValueError, "what", lambda: step_player(lambda step: plt.figure(), 3, "x" * 44)),
    (ValueError, "images", lambda: digit_browser(torch.rand(3, 28, 28))),
    (ValueError, "op", lambda: transposed_conv_explorer(op=2)),
    (TypeError, "model", lambda: interpolation_widget(nn.Linear(2, 2), IMAGES)),
    (ValueError, "images", lambda: interpolation_widget(MODEL, IMAGES[:1])),
    (ValueError, "model", lambda: latent_map_widget(MODEL)),  # a latent of 4, not 2
]


@pytest.mark.parametrize("error, argument, call", ROWS,
                         ids=[f"{argument}-{number}" for number, (_, argument, _) in enumerate(ROWS)])
def test_a_mistake_raises_the_right_error_naming_the_argument(error, argument, call):
    with pytest.raises(error) as raised:
        call()
    plt.close("all")
    assert re.search(rf"(?<![\w.]){re.escape(argument)}(?!\w)", str(raised.value)), str(raised.value)
    assert Path(raised.traceback[-1].path).parent.name == "helpers", "raised by helpers/ itself"


def notebook_code() -> str:
    cells = [cell for path in sorted((ROOT / "notebooks").glob("*.ipynb"))
             for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def test_every_public_helper_is_used_by_a_notebook():
    code, unused = notebook_code(), []
    for info in pkgutil.iter_modules(helpers.__path__):
        module = import_module(f"helpers.{info.name}")
        for name, value in vars(module).items():
            public = not name.startswith("_") and not info.name.startswith("_")
            defined_here = getattr(value, "__module__", None) == module.__name__
            if (public and defined_here and (inspect.isfunction(value) or inspect.isclass(value))
                    and not re.search(rf"\b{name}\b", code)):
                unused.append(f"{info.name}.{name}")
    # the notebooks use Recipe's instances (RECIPES["recommended"]) and change them with
    # dataclasses.replace; the class itself is the type of those
    assert unused == ["training.Recipe"], unused
