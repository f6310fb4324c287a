"""Seeds, device and one small training loop for every notebook.

`fit` iterates over tensors that are already in memory: one random permutation per
epoch and slicing, no DataLoader and no per-sample Python, which on a 2-core CPU is
the difference between seconds and minutes for MNIST-sized data. It trains
autoencoders (give only inputs: the target is the input) as well as classifiers and
segmenters (give inputs and labels). Taught in notebook 00.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from helpers._checks import check_int

Data = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def set_seed(seed: int = 0) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so a run can be repeated."""
    check_int("seed", seed, 0)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def get_device() -> torch.device:
    """Return the CUDA device when one is available, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _split(data: Data, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (inputs, targets); a lone tensor is its own target (autoencoders)."""
    if isinstance(data, torch.Tensor):
        inputs, targets = data, data
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        inputs, targets = data
        if not isinstance(inputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
            raise TypeError(f"{name} must hold tensors, got {type(inputs).__name__} and "
                            f"{type(targets).__name__}")
    else:
        raise TypeError(f"{name} must be a tensor (autoencoder: target = input) or a pair "
                        f"(inputs, targets), got {type(data).__name__}")
    if len(inputs) == 0:
        raise ValueError(f"{name} is empty: it needs at least one example")
    if len(inputs) != len(targets):
        raise ValueError(f"{name} has {len(inputs)} inputs but {len(targets)} targets; "
                         f"they must have the same length")
    return inputs, targets


@torch.no_grad()
def evaluate(model: nn.Module, data: Data, loss_fn: Callable, *, batch_size: int = 512,
             device: torch.device | str | None = None) -> float:
    """Return the mean of `loss_fn` over `data`, weighted by batch size, in eval mode."""
    inputs, targets = _split(data, "data")
    check_int("batch_size", batch_size, 1)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(inputs), batch_size):
        x = inputs[start:start + batch_size].to(device)
        y = targets[start:start + batch_size].to(device)
        total += float(loss_fn(model(x), y)) * len(x)
    model.train(was_training)
    return total / len(inputs)


def fit(model: nn.Module, train: Data, *, epochs: int, loss_fn: Callable,
        optimizer: torch.optim.Optimizer | None = None, batch_size: int = 64,
        valid: Data | None = None, scheduler=None, device: torch.device | str | None = None,
        progress: bool = True, seed: int | None = None) -> dict[str, list[float]]:
    """Train `model` on in-memory tensors; return the per-epoch history of losses and time.

    `optimizer` defaults to Adam with lr 1e-3. `scheduler`, when given, is stepped once
    per batch (OneCycleLR style). `history` has keys ``train_loss`` (running mean over
    each epoch), ``valid_loss`` (when `valid` is given) and ``seconds`` (cumulative).
    """
    inputs, targets = _split(train, "train")
    if valid is not None:
        _split(valid, "valid")
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.to(device)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    history: dict[str, list[float]] = {"train_loss": [], "seconds": []}
    if valid is not None:
        history["valid_loss"] = []

    from tqdm.auto import tqdm

    n = len(inputs)
    steps_per_epoch = (n + batch_size - 1) // batch_size
    # mininterval: at most two redraws a second. In a notebook each redraw is a widget
    # message, and a long cell that floods the kernel's output channel can make test
    # runners (nbval) and remote front ends (Colab) lose messages.
    bar = tqdm(total=epochs * steps_per_epoch, disable=not progress, unit="batch", mininterval=0.5)
    start_time = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            x, y = inputs[idx].to(device), targets[idx].to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total += loss.item() * len(idx)
            bar.update(1)
        history["train_loss"].append(total / n)
        postfix = {"epoch": epoch + 1, "train": f"{total / n:.4f}"}
        if valid is not None:
            history["valid_loss"].append(evaluate(model, valid, loss_fn, device=device))
            postfix["valid"] = f"{history['valid_loss'][-1]:.4f}"
        history["seconds"].append(time.perf_counter() - start_time)
        bar.set_postfix(postfix)
    bar.close()
    return history


# The two autoencoder recipes of notebook 04 and `make bench`, written down once.
AUTOENCODER_RECIPES = {
    # APS360's worked example: MSE, Adam lr 1e-3 with weight decay 1e-5, batch 64, 20 epochs.
    "lecture": {"model": "LectureAutoencoder", "loss": "mse", "lr": 1e-3, "weight_decay": 1e-5,
                "batch_size": 64, "epochs": 20, "one_cycle": False},
    # Notebook 04's: no checkerboard-prone upsampling (sub-pixel + ICNR, notebook 03), binary
    # cross-entropy for pixel targets in [0, 1], and a one-cycle learning-rate schedule.
    "recommended": {"model": "Autoencoder", "loss": "bce", "lr": 5e-3, "weight_decay": 0.0,
                    "batch_size": 64, "epochs": 20, "one_cycle": True},
}


def autoencoder_recipe(recipe: str, **model_kwargs) -> tuple[nn.Module, Callable, dict]:
    """Return (a freshly initialised model, the loss, the settings) of a named recipe."""
    from helpers import models

    if recipe not in AUTOENCODER_RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; use one of {', '.join(AUTOENCODER_RECIPES)}")
    spec = AUTOENCODER_RECIPES[recipe]
    if spec["model"] == "LectureAutoencoder":
        model = models.LectureAutoencoder(**model_kwargs)
    else:
        model = models.Autoencoder(**{"latent_dim": 64, "upsample": "subpixel_icnr", **model_kwargs})
    loss_fn = nn.MSELoss() if spec["loss"] == "mse" else nn.BCELoss()
    return model, loss_fn, spec


def train_autoencoder(recipe: str, train: Data, *, valid: Data | None = None,
                      epochs: int | None = None, seed: int = 0, progress: bool = True,
                      **model_kwargs) -> tuple[nn.Module, dict[str, list[float]]]:
    """Build and train an autoencoder by a named recipe ("lecture" or "recommended").

    `train` is the images (the target is the input) or a pair (inputs, targets), e.g.
    (noisy, clean) for a denoising autoencoder. Returns (model in eval mode, history).
    The held-out loss in the history is the recipe's own loss; compare recipes with
    `evaluate(model, images, nn.MSELoss())`.
    """
    set_seed(seed)
    model, loss_fn, spec = autoencoder_recipe(recipe, **model_kwargs)
    epochs = spec["epochs"] if epochs is None else epochs
    optimizer = torch.optim.Adam(model.parameters(), lr=spec["lr"], weight_decay=spec["weight_decay"])
    scheduler = None
    if spec["one_cycle"]:
        check_int("epochs", epochs, 1)
        steps = epochs * -(-len(_split(train, "train")[0]) // spec["batch_size"])
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=spec["lr"], total_steps=steps)
    history = fit(model, train, epochs=epochs, loss_fn=loss_fn, optimizer=optimizer,
                  scheduler=scheduler, batch_size=spec["batch_size"], valid=valid,
                  progress=progress, seed=seed)
    return model.eval(), history
