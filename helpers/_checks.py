"""Argument checks shared by every helpers module: one policy, one message format.

The policy (a student reads these messages):
- a wrong *type* raises ``TypeError``; a wrong *value*, range or shape raises ``ValueError``;
- every message names the argument, says what was given and what is valid, and where a
  common mistake is likely, what to do instead.
Integers are integers whatever their origin: ``3``, ``np.int64(3)`` and ``torch.tensor(3)``
are accepted wherever an int is; ``True`` and ``3.0`` are not.
"""

from __future__ import annotations

import inspect
import numbers
import operator
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

SEED_MAX = 2**63 - 1  # torch.manual_seed's largest non-negative seed


def describe(value) -> str:
    """A short description of `value` for error messages: shape for tensors, repr otherwise."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {list(value.shape)} and dtype {str(value.dtype).replace('torch.', '')}"
    if inspect.isclass(value):
        return f"the class {value.__name__}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _range_text(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"between {minimum} and {maximum}"
    if minimum is not None:
        return f">= {minimum}"
    if maximum is not None:
        return f"<= {maximum}"
    return ""


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return `value` as a Python int, or raise TypeError (not an integer) / ValueError (range)."""
    rule = f"{name} must be an integer {_range_text(minimum, maximum)}".rstrip()
    is_bool = isinstance(value, bool) or (isinstance(value, torch.Tensor) and value.dtype == torch.bool)
    is_int_tensor = (isinstance(value, torch.Tensor) and value.dim() == 0 and not is_bool
                     and not value.is_floating_point() and not value.is_complex())
    is_int_array = (isinstance(value, np.ndarray) and value.ndim == 0
                    and np.issubdtype(value.dtype, np.integer))
    if is_bool or not (isinstance(value, numbers.Integral) or is_int_tensor or is_int_array):
        raise TypeError(f"{rule}, got {describe(value)}")
    value = operator.index(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{rule}, got {name}={value}")
    return value


def check_float(name: str, value, minimum: float | None = None, maximum: float | None = None, *,
                open_low: bool = False, open_high: bool = False) -> float:
    """Return `value` as a float (ints accepted, bools not), checking an optional range."""
    if isinstance(value, torch.Tensor) and value.dim() == 0 and value.dtype != torch.bool:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    value = float(value)
    low_ok = minimum is None or (value > minimum if open_low else value >= minimum)
    high_ok = maximum is None or (value < maximum if open_high else value <= maximum)
    if value != value or not (low_ok and high_ok):  # NaN fails every comparison
        low = "" if minimum is None else f"{'>' if open_low else '>='} {minimum}"
        high = "" if maximum is None else f"{'<' if open_high else '<='} {maximum}"
        valid = " and ".join(part for part in (low, high) if part) or "a finite number"
        raise ValueError(f"{name} must be {valid}, got {name}={value!r}")
    return value


def check_bool(name: str, value) -> bool:
    """Return `value` if it is True or False, else raise TypeError."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return value


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """Return `value` if it is one of the strings `choices`."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(map(repr, choices))}; "
                        f"got {describe(value)}")
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def check_seed(name: str, value) -> int:
    """Return a seed for torch, NumPy and `random`: an integer from 0 to 2**63 - 1."""
    return check_int(name, value, 0, SEED_MAX)


def check_tensor(name: str, value, *, dims: int | Sequence[int] | None = None,
                 floating: bool = False, nonempty: bool = True) -> torch.Tensor:
    """Return `value` if it is a tensor with an allowed number of dimensions."""
    if not isinstance(value, torch.Tensor):
        hint = " (convert it with torch.as_tensor)" if hasattr(value, "__array__") else ""
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(value)}{hint}")
    allowed = (dims,) if isinstance(dims, int) else dims
    if allowed is not None and value.dim() not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be a {want} tensor, got {describe(value)}")
    if floating and not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point values, got {describe(value)}; "
                        f"convert it with .float()")
    if nonempty and value.numel() == 0:
        raise ValueError(f"{name} is empty ({describe(value)}); it needs at least one value")
    return value


def check_unit_range(name: str, images: torch.Tensor) -> torch.Tensor:
    """Raise ValueError unless every value of `images` lies in [0, 1] (not 0..255)."""
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 1.0:
        hint = "; divide by 255 first" if high > 1.0 and high <= 255.0 and low >= 0.0 else ""
        raise ValueError(f"{name} must hold values in [0, 1], got values from {low:g} to {high:g}{hint}")
    return images


def check_images(name: str, value, *, channels: Sequence[int] = (1,), size: tuple[int, int] | None = None,
                 minimum: int = 1, unit_range: bool = True) -> torch.Tensor:
    """Return images as [N, C, H, W]; a single image [C, H, W] becomes a batch of one.

    Checks the number of channels, the height and width (`size`), the number of images
    and (with `unit_range`) that the values lie in [0, 1].
    """
    check_tensor(name, value, dims=(3, 4), floating=True, nonempty=False)
    if value.dim() == 3:
        if value.shape[0] not in channels:  # [N, H, W] is ambiguous with [C, H, W]: refuse it
            raise ValueError(f"{name} must have shape [N, C, H, W] (or one image [C, H, W]) with "
                             f"C in {tuple(channels)}, got {describe(value)}; add the channel axis "
                             f"with .unsqueeze(1)")
        value = value.unsqueeze(0)
    n, c, h, w = value.shape
    if c not in channels:
        raise ValueError(f"{name} must have {' or '.join(map(str, channels))} channel(s) in "
                         f"[N, C, H, W], got {describe(value)}")
    if size is not None and (h, w) != tuple(size):
        raise ValueError(f"{name} must be {size[0]}x{size[1]} images [N, {c}, {size[0]}, {size[1]}], "
                         f"got {describe(value)}")
    if n < minimum:
        raise ValueError(f"{name} holds {n} image(s); at least {minimum} are needed")
    if unit_range and value.numel():
        check_unit_range(name, value.detach())
    return value


def check_module(name: str, value, *, need_parameters: bool = True) -> nn.Module:
    """Return `value` if it is an nn.Module instance (not the class itself), by default one
    with parameters."""
    if inspect.isclass(value):
        raise TypeError(f"{name} must be a model instance, got the class {value.__name__}; "
                        f"create one first: {value.__name__}(...)")
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {describe(value)}")
    if need_parameters and next(value.parameters(), None) is None:
        raise ValueError(f"{name} ({type(value).__name__}) has no parameters, so there is nothing "
                         f"to train and no device to follow; pass a model with learnable layers")
    return value


def check_callable(name: str, value) -> None:
    """Raise TypeError unless `value` is callable; name the fix when it is a loss class."""
    if inspect.isclass(value) and issubclass(value, nn.Module):
        raise TypeError(f"{name} must be a loss instance, got the class {value.__name__}; "
                        f"write {value.__name__}() with parentheses")
    if not callable(value):
        raise TypeError(f"{name} must be a function or a loss module, got {describe(value)}")


def model_device(model: nn.Module) -> torch.device:
    """The device of a model's parameters: helpers move their inputs there."""
    return next(check_module("model", model).parameters()).device
