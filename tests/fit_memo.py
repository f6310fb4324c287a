"""A memo of `helpers.training.fit` for the test suite's notebook kernels.

The browser test reruns notebooks that nbval has just run; with this memo each of their
training runs is replayed instead of repeated. conftest.py installs it in every kernel of
the session through an IPython startup file. A run is known by all that determines its
result: the model's structure, code and initial weights, the data, the loss and metrics,
the optimiser's settings and fit's other arguments. A replay restores what the run left
behind: the weights, the optimiser's state and the global random state.
"""

import functools
import hashlib
import re
from pathlib import Path

import torch

from helpers import training


def install(folder: str) -> None:
    """Replace helpers.training.fit (which train_autoencoder calls too) by its memo."""
    training.fit = memo(training.fit, Path(folder))


def memo(fit, folder: Path):
    @functools.wraps(fit)
    def remembered(model, train, **kwargs):
        path = folder / f"{key(model, train, kwargs)}.pt"
        optimizer = kwargs.get("optimizer")
        if path.exists():
            saved = torch.load(path, weights_only=False)
            model.to(kwargs.get("device") or next(model.parameters()).device)
            model.load_state_dict(saved["model"])
            if optimizer is not None:
                optimizer.load_state_dict(saved["optimizer"])
            torch.set_rng_state(saved["rng"])
            if kwargs.get("progress", True):
                print(f"replayed: train loss {saved['history']['train_loss'][-1]:.4f}")
            return saved["history"]
        history = fit(model, train, **kwargs)
        folder.mkdir(parents=True, exist_ok=True)
        torch.save({"model": model.state_dict(), "history": history, "rng": torch.get_rng_state(),
                    "optimizer": optimizer.state_dict() if optimizer is not None else None}, path)
        return history

    return remembered


def key(model, train, kwargs) -> str:
    digest = hashlib.sha256()
    settings = {name: identity(value) for name, value in sorted(kwargs.items())
                if name not in ("optimizer", "valid", "metrics", "progress")}
    metrics = sorted((name, identity(m)) for name, m in (kwargs.get("metrics") or {}).items())
    optimizer = kwargs.get("optimizer")
    settings["optimizer"] = (type(optimizer).__name__, repr(getattr(optimizer, "defaults", None)))
    digest.update(repr(([identity(m) for m in model.modules()], settings, metrics)).encode())
    for tensor in [*model.state_dict().values(), *tensors(train), *tensors(kwargs.get("valid"))]:
        digest.update(repr((tensor.dtype, tuple(tensor.shape))).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:32]


def identity(obj) -> str:
    """What makes a module, loss or metric compute what it does: its repr, public attributes
    and, for code written in a notebook, the code itself (memory addresses left out)."""
    function = obj if hasattr(obj, "__code__") else getattr(type(obj), "forward", None)
    code = ()
    if hasattr(function, "__code__") and not getattr(function, "__module__", "").startswith("torch"):
        code = (function.__code__.co_code, repr(function.__code__.co_consts),
                [repr(cell.cell_contents) for cell in function.__closure__ or ()])
    attributes = sorted((k, repr(v)) for k, v in getattr(obj, "__dict__", {}).items()
                        if not k.startswith("_"))
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr((repr(obj), code, attributes)))


def tensors(data):
    if isinstance(data, torch.Tensor):
        yield data
    elif isinstance(data, (tuple, list)):
        for part in data:
            yield from tensors(part)
