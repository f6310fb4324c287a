"""Seeds, device and one small training loop for every notebook (written out in notebook 00).

`fit` slices tensors already in memory, one permutation per epoch: no DataLoader and no
per-sample Python, seconds instead of minutes on a 2-core CPU. `Recipe` names all that
defines how an autoencoder is trained: ``dataclasses.replace(RECOMMENDED, loss="mse")`` (04).
"""

from __future__ import annotations

import dataclasses
import os
import random
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from helpers._checks import (
    check_callable,
    check_choice,
    check_float,
    check_images,
    check_int,
    check_module,
    describe,
)

Data = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch so a run can be repeated, adding ``UPCONV_SEED`` to `seed`:
    ``UPCONV_SEED=1 make test-portable`` reruns the notebooks with other initial weights."""
    offset = os.environ.get("UPCONV_SEED", "0")
    if not offset.strip().isdigit():
        raise ValueError(f"UPCONV_SEED must be a non-negative integer, got {offset!r}")
    seed = check_int("seed", seed, 0) + int(offset)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def get_device() -> torch.device:
    """Return the CUDA device when one is available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _split(data: Data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (inputs, targets); a lone tensor is its own target (autoencoders)."""
    pair = data if isinstance(data, (tuple, list)) else (data, data)
    if len(pair) != 2 or not all(isinstance(part, torch.Tensor) for part in pair):
        raise TypeError(f"{name} must be a tensor (autoencoder: target = input) or a pair of "
                        f"tensors (inputs, targets), got {describe(data)}")
    inputs, targets = pair
    if inputs.dim() == 0 or len(inputs) == 0 or targets.dim() == 0 or len(inputs) != len(targets):
        raise ValueError(f"{name} needs one target per input and at least one input, got "
                         f"inputs {list(inputs.shape)} and targets {list(targets.shape)}")
    if targets.dim() == 2 and not targets.is_floating_point():
        raise ValueError(f"{name}'s targets have shape {list(targets.shape)}: they look one-hot; "
                         f"losses such as CrossEntropyLoss want class indices [N]: use targets.argmax(1)")
    return inputs, targets


def _device(device, model: nn.Module) -> torch.device:
    """The device to train on: the argument, else the model's."""
    try:
        return torch.device(device) if device is not None else next(model.parameters()).device
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device={device!r} is not a device; use 'cpu', 'cuda' or the notebook's "
                         f"`device`") from err


class _Progress:
    """A line of progress: in a notebook a display rewritten in place (plain text, so Colab and GitHub
    show the last line, never a bar frozen at 0 %), elsewhere one printed line at the end."""

    def __init__(self, enabled: bool):
        self.enabled, self.handle, self.last = enabled, None, 0.0
        shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
        if enabled and getattr(shell, "kernel", None) is not None:
            self.handle = sys.modules["IPython"].display.display({"text/plain": "starting..."}, raw=True,
                                                                  display_id=True)

    def update(self, text: str, *, final: bool = False) -> None:
        now = time.perf_counter()
        if self.enabled and self.handle is None and final:
            print(text, flush=True)
        elif self.handle is not None and (final or now - self.last > 0.5):  # two redraws a second
            self.handle.update({"text/plain": text}, raw=True)
            self.last = now


@torch.no_grad()
def evaluate(model: nn.Module, data: Data, loss_fn: Callable, *, batch_size: int = 512,
             device: torch.device | str | None = None) -> float:
    """Return the mean of `loss_fn` over `data`, weighted by batch size, in eval mode."""
    check_module("model", model)
    check_callable("loss_fn", loss_fn)
    inputs, targets = _split(data, "data")
    device, was_training = _device(device, model), model.training
    model.eval()
    try:
        total = sum(float(loss_fn(model(inputs[i:i + batch_size].to(device)),
                                  targets[i:i + batch_size].to(device))) * len(inputs[i:i + batch_size])
                    for i in range(0, len(inputs), batch_size))
    finally:
        model.train(was_training)
    return total / len(inputs)


def _check_fit(model, optimizer, lr, loss_fn, metrics, valid) -> torch.optim.Optimizer:
    """Catch the mistakes students make when they call `fit`; return the optimiser (default Adam)."""
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=check_float("lr", lr, positive=True))
    check_callable("loss_fn", loss_fn)
    for name, metric in metrics.items():
        check_callable(f"metrics[{name!r}]", metric)
    if metrics and valid is None:
        raise ValueError("metrics are computed on the held-out data: pass valid=... as well")
    if valid is not None:
        _split(valid, "valid")
    if isinstance(optimizer, type) or not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be an optimiser instance such as "
                        f"torch.optim.Adam(model.parameters(), lr=...), got {describe(optimizer)}")
    own = {id(p) for p in model.parameters()}
    if any(id(p) not in own for group in optimizer.param_groups for p in group["params"]):
        raise ValueError("optimizer holds parameters that are not this model's (was it built for another "
                         "model?); build it from this one: torch.optim.Adam(model.parameters(), lr=...)")
    return optimizer


def fit(model: nn.Module, train: Data, *, epochs: int, loss_fn: Callable,
        optimizer: torch.optim.Optimizer | None = None, lr: float = 1e-3,
        one_cycle: bool = False, warmup: float = 0.3, batch_size: int = 64, valid: Data | None = None,
        metrics: dict[str, Callable] | None = None, device: torch.device | str | None = None,
        progress: bool = True, seed: int | None = None) -> dict[str, list[float]]:
    """Train `model` on in-memory tensors; return the per-epoch history.

    `optimizer` defaults to Adam with `lr`; `one_cycle` warms the rate up over the first `warmup`
    of the steps, then anneals. Batches move to `device` (default: the model's) one at a time.
    `history` holds ``train_loss``, ``valid_loss`` and ``valid_<metric>`` (with `valid`), and
    ``seconds``: the training time so far, evaluations left out.
    """
    inputs, targets = _split(train, "train")
    metrics = dict(metrics or {})
    epochs, batch_size = check_int("epochs", epochs, 1), check_int("batch_size", batch_size, 1)
    warmup = check_float("warmup", warmup, 0.0, 1.0, positive=True)
    device = _device(device, check_module("model", model))
    model.to(device)
    optimizer = _check_fit(model, optimizer, lr, loss_fn, metrics, valid)
    steps = -(-len(inputs) // batch_size)
    schedule = _one_cycle(optimizer, warmup, epochs * steps) if one_cycle else None
    generator = torch.Generator().manual_seed(check_int("seed", seed, 0)) if seed is not None else None
    report = _Progress(progress)
    held_out = ["loss", *metrics] if valid is not None else []
    history = {"train_loss": [], "seconds": []} | {f"valid_{name}": [] for name in held_out}
    elapsed = 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        order, total = torch.randperm(len(inputs), generator=generator), 0.0
        for step, begin in enumerate(range(0, len(inputs), batch_size)):
            idx = order[begin:begin + batch_size]
            x, y = inputs[idx].to(device), targets[idx].to(device)
            total += _step(model, optimizer, schedule, loss_fn, x, y)
            report.update(f"epoch {epoch + 1}/{epochs}, batch {step + 1}/{steps}, "
                          f"train loss {total / (begin + len(idx)):.4f}")
        elapsed += time.perf_counter() - start
        history["train_loss"].append(total / len(inputs))
        history["seconds"].append(elapsed)
        line = (f"epoch {epoch + 1}/{epochs}: train loss {history['train_loss'][-1]:.4f}"
                f"{_held_out(model, valid, {'loss': loss_fn} | metrics, device, history)}"
                f" ({elapsed:.1f} s training on {device.type})")
        report.update(line, final=epoch == epochs - 1)
    return history


def _held_out(model, valid, metrics, device, history) -> str:
    """Append each metric on `valid` to the history; return the progress line's words for them."""
    words = ""
    for name, metric in metrics.items() if valid is not None else ():
        history[f"valid_{name}"].append(evaluate(model, valid, metric, device=device))
        words += f", held-out {name} {history[f'valid_{name}'][-1]:.4f}"
    return words


def _one_cycle(optimizer, warmup: float, total_steps: int):
    """Warm up to each group's learning rate over the first `warmup` of the steps, then anneal."""
    peaks = [group["lr"] for group in optimizer.param_groups]
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=peaks, pct_start=warmup,
                                               total_steps=total_steps)


def _step(model, optimizer, schedule, loss_fn, x, y) -> float:
    """One optimiser step on the batch (x, y); return its summed loss."""
    loss = loss_fn(model(x), y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    if schedule is not None:
        schedule.step()
    return loss.item() * len(x)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How an autoencoder is built and trained (04): `model` "lecture" (`LectureAutoencoder`, which
    ignores the next three fields) or "autoencoder"; `loss` "mse" or "bce"; Adam with `lr` and
    `weight_decay`, `lr` the peak of a one-cycle schedule with `one_cycle`."""

    model: str = "autoencoder"
    upsampling: str = "subpixel_icnr"
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
        check_choice("model", self.model, ("lecture", "autoencoder"))
        check_choice("loss", self.loss, ("mse", "bce"))

    def build_model(self) -> nn.Module:
        """Return a freshly initialised model of this recipe (seed first for repeatability)."""
        from helpers import models

        if self.model == "lecture":
            return models.LectureAutoencoder()
        return models.Autoencoder(self.latent_dim, self.upsampling, self.width)


# APS360's worked example: MSE, Adam lr 1e-3 with weight decay 1e-5, batch 64, 20 epochs.
LECTURE = Recipe(model="lecture", upsampling="deconv3", loss="mse", weight_decay=1e-5)
# Notebook 04's: the lecture's recipe with four changes, measured one at a time there
# (model, upsampling, loss, then a one-cycle schedule peaking at 1e-2 after a 10% warm-up).
RECOMMENDED = Recipe(loss="bce", lr=1e-2, weight_decay=1e-5, one_cycle=True, warmup=0.1)
RECIPES = {"lecture": LECTURE, "recommended": RECOMMENDED}


def train_autoencoder(recipe: Recipe | str, train: Data, *, valid: Data | None = None,
                      metrics: dict[str, Callable] | None = None, seed: int = 0,
                      device: torch.device | str | None = None,
                      progress: bool = True) -> tuple[nn.Module, dict[str, list[float]]]:
    """Build (after `set_seed(seed)`) and train an autoencoder by a `Recipe` or its name in RECIPES on
    images [N, 1, 28, 28] or pairs (inputs, targets) such as (noisy, clean); return (model, history)."""
    recipe = RECIPES[check_choice("recipe", recipe, RECIPES)] if not isinstance(recipe, Recipe) else recipe
    for name, data in (("train", train), ("valid", valid)):
        for part in _split(data, name) if data is not None else ():
            check_images(name, part, size=(28, 28))
    set_seed(seed)
    model = recipe.build_model().to(_device(device or "cpu", None))
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    history = fit(model, train, epochs=recipe.epochs, optimizer=optimizer, one_cycle=recipe.one_cycle,
                  loss_fn=nn.MSELoss() if recipe.loss == "mse" else nn.BCELoss(), warmup=recipe.warmup,
                  batch_size=recipe.batch_size, valid=valid, metrics=metrics, progress=progress, seed=seed)
    return model.eval(), history
