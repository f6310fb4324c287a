"""Seeds, device and one small training loop for every notebook.

`fit` iterates over tensors that are already in memory: one random permutation per
epoch and slicing, no DataLoader and no per-sample Python, which on a 2-core CPU is
the difference between seconds and minutes for MNIST-sized data. It trains
autoencoders (give only inputs: the target is the input) as well as classifiers and
segmenters (give inputs and labels), on the device the model is on. Notebook 00 writes
the loop out by hand first and checks that `fit` matches it.

`Recipe` names everything that defines how an autoencoder is trained (model, upsampling,
latent size, loss, optimiser settings, schedule), so that a variant is one line:
``dataclasses.replace(RECOMMENDED, loss="mse")`` (notebook 04).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from helpers._checks import (
    SEED_MAX,
    check_bool,
    check_callable,
    check_choice,
    check_float,
    check_images,
    check_int,
    check_module,
    check_seed,
    describe,
    model_device,
)

Data = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def seed_offset() -> int:
    """Return the integer in ``UPCONV_SEED`` (default 0), which `set_seed` adds to every seed.

    ``UPCONV_SEED=1 make test-portable`` reruns every notebook with other initial weights,
    so that a claim which holds for one seed only fails there.
    """
    text = os.environ.get("UPCONV_SEED", "0")
    if not text.strip().isdigit():
        raise ValueError(f"UPCONV_SEED must be a non-negative integer, got {text!r}")
    return int(text)


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so a run can be repeated.

    The seed used is `seed` plus ``UPCONV_SEED`` (see `seed_offset`).
    """
    seed = (check_seed("seed", seed) + seed_offset()) % (SEED_MAX + 1)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def get_device() -> torch.device:
    """Return the CUDA device when one is available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _device(device, model: nn.Module) -> torch.device:
    """The device to train on: the argument, else the model's."""
    if device is None:
        return model_device(model)
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a string such as 'cpu' or 'cuda', or a torch.device; "
                        f"got {describe(device)}")
    try:
        return torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"device={device!r} is not a device; use 'cpu', 'cuda' or the "
                         f"notebook's `device`") from err


def _split(data: Data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (inputs, targets); a lone tensor is its own target (autoencoders)."""
    if isinstance(data, torch.Tensor):
        inputs, targets = data, data
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        inputs, targets = data
        if not isinstance(inputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
            raise TypeError(f"{name} must hold two tensors (inputs, targets), got "
                            f"{describe(inputs)} and {describe(targets)}")
    else:
        raise TypeError(f"{name} must be a tensor (autoencoder: target = input) or a pair "
                        f"(inputs, targets), got {describe(data)}")
    if inputs.dim() == 0 or len(inputs) == 0:
        raise ValueError(f"{name} is empty ({describe(inputs)}): it needs at least one example")
    if targets.dim() == 0 or len(inputs) != len(targets):
        raise ValueError(f"{name} has {len(inputs)} inputs but targets of shape "
                         f"{list(targets.shape)}; give one target per input")
    return inputs, targets


def _check_targets(loss_fn: Callable, targets: torch.Tensor, name: str) -> None:
    """Catch one-hot labels given to a loss that wants class indices."""
    if (isinstance(loss_fn, nn.CrossEntropyLoss) and targets.dim() == 2
            and not targets.is_floating_point()):
        raise ValueError(f"{name}'s targets have shape {list(targets.shape)}: they look one-hot. "
                         f"CrossEntropyLoss wants class indices [N]: use targets.argmax(1)")


def _check_optimizer(optimizer, model: nn.Module) -> None:
    """The optimiser must update this model's parameters, not another model's."""
    if isinstance(optimizer, type):
        raise TypeError(f"optimizer must be an optimiser instance, got the class {optimizer.__name__}; "
                        f"write {optimizer.__name__}(model.parameters(), lr=...)")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {describe(optimizer)}")
    own = {id(p) for p in model.parameters()}
    held = [p for group in optimizer.param_groups for p in group["params"]]
    if not held or any(id(p) not in own for p in held):
        raise ValueError("optimizer holds parameters that are not this model's (was it built for "
                         "another model?); build it from this one: "
                         "torch.optim.Adam(model.parameters(), lr=...)")


class _Progress:
    """A one-line progress report that rewrites itself in place and keeps its final state.

    In a notebook it is one display whose text is updated (`display_id`): plain JSON
    messages, so Colab and a static viewer (GitHub) both show the last line, never a bar
    frozen at 0 %. Outside a notebook it prints one line per epoch.
    """

    def __init__(self, enabled: bool):
        self.enabled, self.handle, self.last = enabled, None, 0.0
        shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
        if enabled and getattr(shell, "kernel", None) is not None:  # a notebook's kernel
            from IPython.display import display

            self.handle = display({"text/plain": "starting..."}, raw=True, display_id=True)

    def update(self, text: str, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.handle is None:
            if final:
                print(text, flush=True)
        elif final or now - self.last > 0.5:  # at most two redraws a second
            self.handle.update({"text/plain": text}, raw=True)
            self.last = now


@torch.no_grad()
def evaluate(model: nn.Module, data: Data, loss_fn: Callable, *, batch_size: int = 512,
             device: torch.device | str | None = None) -> float:
    """Return the mean of `loss_fn` over `data`, weighted by batch size, in eval mode."""
    check_module("model", model)
    inputs, targets = _split(data, "data")
    check_callable("loss_fn", loss_fn)
    batch_size = check_int("batch_size", batch_size, 1)
    device = _device(device, model)
    _check_targets(loss_fn, targets, "data")
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        for start in range(0, len(inputs), batch_size):
            x = inputs[start:start + batch_size].to(device)
            y = targets[start:start + batch_size].to(device)
            total += float(loss_fn(model(x), y)) * len(x)
    finally:
        model.train(was_training)
    return total / len(inputs)


def fit(model: nn.Module, train: Data, *, epochs: int, loss_fn: Callable,
        optimizer: torch.optim.Optimizer | None = None, lr: float = 1e-3,
        one_cycle: bool = False, warmup: float = 0.3, batch_size: int = 64, valid: Data | None = None,
        metrics: dict[str, Callable] | None = None, device: torch.device | str | None = None,
        progress: bool = True, seed: int | None = None) -> dict[str, list[float]]:
    """Train `model` on in-memory tensors; return the per-epoch history of losses and time.

    `optimizer` defaults to Adam with learning rate `lr`. With `one_cycle`, the learning
    rate follows a one-cycle schedule (warm up to the optimiser's rate over the first
    `warmup` fraction of the steps, then anneal), stepped once per batch over exactly this
    run's `epochs * ceil(N / batch_size)` steps.
    The model is trained on `device` (default: where its parameters are); batches move
    there one at a time, so the data can stay on the CPU.

    `history` holds, per epoch: ``train_loss`` (running mean over the epoch),
    ``valid_loss`` (when `valid` is given), ``valid_<name>`` for each of `metrics` (on
    `valid`), and ``seconds``: cumulative training time, not counting the evaluations.
    """
    check_module("model", model)
    inputs, targets = _split(train, "train")
    check_callable("loss_fn", loss_fn)
    _check_targets(loss_fn, targets, "train")
    if valid is not None:
        _check_targets(loss_fn, _split(valid, "valid")[1], "valid")
    epochs = check_int("epochs", epochs, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    lr = check_float("lr", lr, 0.0, open_low=True)
    check_bool("one_cycle", one_cycle)
    warmup = check_float("warmup", warmup, 0.0, 1.0, open_low=True, open_high=True)
    check_bool("progress", progress)
    metrics = dict(metrics or {})
    for name, metric in metrics.items():
        check_callable(f"metrics[{name!r}]", metric)
    if metrics and valid is None:
        raise ValueError("metrics are computed on the held-out data: pass valid=... as well")
    generator = torch.Generator().manual_seed(check_seed("seed", seed)) if seed is not None else None
    device = _device(device, model)
    model.to(device)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    _check_optimizer(optimizer, model)
    n = len(inputs)
    steps_per_epoch = -(-n // batch_size)
    scheduler = None
    if one_cycle:
        peaks = [group["lr"] for group in optimizer.param_groups]
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks, pct_start=warmup,
                                                        total_steps=epochs * steps_per_epoch)
    history: dict[str, list[float]] = {"train_loss": [], "seconds": []}
    if valid is not None:
        history["valid_loss"] = []
        history.update({f"valid_{name}": [] for name in metrics})
    report = _Progress(progress)
    replay = _Replay(model, optimizer, (inputs, targets, valid), loss_fn, metrics,
                     (epochs, batch_size, one_cycle, warmup, seed, device.type))
    if replay.load():
        report.update(replay.line, final=True)
        return replay.history
    trained = 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for step, begin in enumerate(range(0, n, batch_size)):
            idx = order[begin:begin + batch_size]
            x, y = inputs[idx].to(device), targets[idx].to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item() * len(idx)
            report.update(f"epoch {epoch + 1}/{epochs}, batch {step + 1}/{steps_per_epoch}, "
                          f"train loss {total / (begin + len(idx)):.4f}")
        trained += time.perf_counter() - start
        history["train_loss"].append(total / n)
        history["seconds"].append(trained)
        line = f"epoch {epoch + 1}/{epochs}: train loss {total / n:.4f}"
        if valid is not None:
            history["valid_loss"].append(evaluate(model, valid, loss_fn, device=device))
            line += f", held-out loss {history['valid_loss'][-1]:.4f}"
            for name, metric in metrics.items():
                history[f"valid_{name}"].append(evaluate(model, valid, metric, device=device))
                line += f", held-out {name} {history[f'valid_{name}'][-1]:.4f}"
        report.update(f"{line} ({trained:.1f} s training on {device.type})",
                      final=epoch == epochs - 1)
    replay.save(history, f"{line} ({trained:.1f} s training on {device.type})")
    return history


class _Replay:
    """Test-suite memo for `fit`: replays a run already made in this test session.

    Off unless ``UPCONV_FIT_CACHE`` names a folder (`make test` sets a fresh one under
    data/ per session), so that the browser test, which reruns notebooks that nbval has
    just run, replays each training run instead of repeating it. A run is identified by
    everything that determines its result: the model's structure and initial weights,
    the data, the loss (its repr and attributes), the optimiser's settings and the
    schedule. A replay restores what the run left behind: the weights, the optimiser's
    state, the global random state and the history.
    """

    def __init__(self, model, optimizer, tensors, loss_fn, metrics, settings):
        folder = os.environ.get("UPCONV_FIT_CACHE")
        self.model, self.optimizer, self.path = model, optimizer, None
        if not folder:
            return
        digest = hashlib.sha256()
        for part in (_structure(model), type(optimizer).__name__, repr(optimizer.defaults),
                     _identity(loss_fn), sorted((k, _identity(m)) for k, m in metrics.items()), settings):
            digest.update(repr(part).encode())
        for tensor in [*model.state_dict().values(), *_tensors(tensors)]:
            digest.update(repr((tensor.dtype, tuple(tensor.shape))).encode())
            digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        self.path = Path(folder) / f"{digest.hexdigest()[:32]}.pt"

    def load(self) -> bool:
        if self.path is None or not self.path.exists():
            return False
        saved = torch.load(self.path, weights_only=False)
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        torch.set_rng_state(saved["rng"])
        self.history, self.line = saved["history"], saved["line"] + " (replayed)"
        return True

    def save(self, history, line) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            torch.save({"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                        "rng": torch.get_rng_state(), "history": history, "line": line}, self.path)


def _code(function) -> tuple:
    code = function.__code__
    cells = [repr(c.cell_contents) for c in (function.__closure__ or ())]
    return function.__qualname__, code.co_code, repr(code.co_consts), repr(function.__defaults__), cells


def _identity(obj) -> str:
    """What makes a loss or metric compute what it does: its code, or its repr and attributes."""
    if hasattr(obj, "__code__"):
        return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(_code(obj)))
    forward = getattr(type(obj), "forward", None)
    written = hasattr(forward, "__code__") and not type(obj).__module__.startswith("torch")
    attributes = sorted((k, repr(v)) for k, v in getattr(obj, "__dict__", {}).items()
                        if not k.startswith("_"))
    # memory addresses differ between processes, the rest of a repr does not
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr((repr(obj), _code(forward) if written else (), attributes)))


def _structure(model: nn.Module) -> list[str]:
    """Every submodule's identity: a forward written in a notebook counts with its code."""
    return [f"{name}: {_identity(module)}" for name, module in model.named_modules()]


def _tensors(parts):
    for part in parts:
        if isinstance(part, torch.Tensor):
            yield part
        elif isinstance(part, (tuple, list)):
            yield from _tensors(part)


# ---------------------------------------------------------------------------------------
# Autoencoder recipes (notebook 04 and `make bench`)

MODELS = ("lecture", "autoencoder")
LOSSES = ("mse", "bce")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """Everything that defines how an autoencoder is built and trained (notebook 04).

    `model` is "lecture" (`LectureAutoencoder`, which ignores `upsample`, `latent_dim` and
    `width`) or "autoencoder" (`Autoencoder`). `loss` is "mse" or "bce".
    The optimiser is Adam with `lr` and `weight_decay`; `one_cycle` makes `lr` the peak of
    a one-cycle schedule that warms up over the first `warmup` fraction of the steps.
    Change one field with ``dataclasses.replace(recipe, field=value)``.
    """

    model: str = "autoencoder"
    upsample: str = "subpixel_icnr"
    latent_dim: int = 64
    width: int = 32
    loss: str = "mse"
    lr: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 20
    one_cycle: bool = False
    warmup: float = 0.3

    def __post_init__(self):
        from helpers.models import UPSAMPLE_KINDS

        check_choice("model", self.model, MODELS)
        check_choice("upsample", self.upsample, UPSAMPLE_KINDS)
        check_choice("loss", self.loss, LOSSES)
        for name, minimum in (("latent_dim", 1), ("width", 2), ("batch_size", 1), ("epochs", 1)):
            object.__setattr__(self, name, check_int(name, getattr(self, name), minimum))
        object.__setattr__(self, "lr", check_float("lr", self.lr, 0.0, open_low=True))
        object.__setattr__(self, "weight_decay", check_float("weight_decay", self.weight_decay, 0.0))
        check_bool("one_cycle", self.one_cycle)
        object.__setattr__(self, "warmup", check_float("warmup", self.warmup, 0.0, 1.0,
                                                       open_low=True, open_high=True))

    def build_model(self) -> nn.Module:
        """Return a freshly initialised model of this recipe (seed first for repeatability)."""
        from helpers import models

        if self.model == "lecture":
            return models.LectureAutoencoder()
        return models.Autoencoder(self.latent_dim, self.upsample, self.width)

    def loss_fn(self) -> nn.Module:
        """Return the recipe's training loss."""
        return nn.MSELoss() if self.loss == "mse" else nn.BCELoss()


# APS360's worked example: MSE, Adam lr 1e-3 with weight decay 1e-5, batch 64, 20 epochs.
LECTURE = Recipe(model="lecture", upsample="deconv3", loss="mse", lr=1e-3, weight_decay=1e-5,
                 batch_size=64, epochs=20)
# Notebook 04's: the lecture's recipe with four changes, measured one at a time there
# (model, upsampling, loss, then a one-cycle schedule peaking at 1e-2 after a 10% warm-up).
RECOMMENDED = Recipe(model="autoencoder", upsample="subpixel_icnr", latent_dim=64, width=32,
                     loss="bce", lr=1e-2, weight_decay=1e-5, batch_size=64, epochs=20,
                     one_cycle=True, warmup=0.1)
RECIPES = {"lecture": LECTURE, "recommended": RECOMMENDED}


def get_recipe(recipe: Recipe | str) -> Recipe:
    """Return a Recipe given itself or its name ("lecture" or "recommended")."""
    if isinstance(recipe, Recipe):
        return recipe
    if not isinstance(recipe, str):
        raise TypeError(f"recipe must be a Recipe or one of {', '.join(map(repr, RECIPES))}, "
                        f"got {describe(recipe)}")
    if recipe not in RECIPES:
        raise ValueError(f"recipe={recipe!r} is not a known recipe; use one of "
                         f"{', '.join(map(repr, RECIPES))} or a Recipe(...)")
    return RECIPES[recipe]


def train_autoencoder(recipe: Recipe | str, train: Data, *, valid: Data | None = None,
                      metrics: dict[str, Callable] | None = None, seed: int = 0,
                      device: torch.device | str | None = None,
                      progress: bool = True) -> tuple[nn.Module, dict[str, list[float]]]:
    """Build and train an autoencoder by a recipe (a `Recipe`, "lecture" or "recommended").

    `train` is the images [N, 1, 28, 28] in [0, 1] (the target is the input) or a pair
    (inputs, targets), e.g. (noisy, clean) for a denoising autoencoder. The model is built
    after `set_seed(seed)` and trained on `device` (default: the CPU). Returns (model in
    eval mode, history). The held-out loss in the history is the recipe's own loss; pass
    ``metrics={"mse": nn.MSELoss()}`` to follow the MSE as well.
    """
    recipe = get_recipe(recipe)
    inputs, targets = _split(train, "train")
    check_images("train", inputs, size=(28, 28))
    check_images("train targets", targets, size=(28, 28))
    if valid is not None:
        for part, name in zip(_split(valid, "valid"), ("valid", "valid targets")):
            check_images(name, part, size=(28, 28))
    set_seed(seed)
    model = recipe.build_model()
    if device is not None:
        model.to(_device(device, model))
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    history = fit(model, (inputs, targets), epochs=recipe.epochs, loss_fn=recipe.loss_fn(),
                  optimizer=optimizer, one_cycle=recipe.one_cycle, warmup=recipe.warmup,
                  batch_size=recipe.batch_size,
                  valid=valid, metrics=metrics, progress=progress, seed=seed)
    return model.eval(), history
