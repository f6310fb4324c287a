"""Checks for the calls students make: a wrong type raises TypeError, a wrong value ValueError,
and the message names the argument, the value given and the fix."""

from __future__ import annotations

import inspect
import numbers

import torch
from torch import nn


def describe(value) -> str:
    """A short description of `value` for an error message: shape for tensors, repr otherwise."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {list(value.shape)} and dtype {str(value.dtype)[6:]}"
    if inspect.isclass(value):
        return f"the class {value.__name__}"
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def check_int(name: str, value, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return `value` as an int (NumPy integers too; bools and floats are refused)."""
    bounds = [f">= {minimum}"] * (minimum is not None) + [f"<= {maximum}"] * (maximum is not None)
    rule = " ".join([f"{name} must be an integer", " and ".join(bounds)]).rstrip()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{rule}, got {describe(value)}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{rule}, got {name}={value}")
    return int(value)


def check_float(name: str, value, minimum: float | None = None, maximum: float | None = None,
                *, positive: bool = False) -> float:
    """Return `value` as a float within [minimum, maximum] (> 0 too with `positive`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {describe(value)}")
    value = float(value)
    if (value != value or (positive and value <= 0) or (minimum is not None and value < minimum)
            or (maximum is not None and value > maximum)):
        bounds = ["> 0"] * positive + [f">= {minimum}"] * (minimum is not None)
        bounds += [f"<= {maximum}"] * (maximum is not None)
        raise ValueError(f"{name} must be {' and '.join(bounds) or 'a number'}, got {name}={value!r}")
    return value


def check_choice(name: str, value, choices) -> str:
    """Return `value` if it is one of the strings `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not one of {', '.join(map(repr, choices))}")
    return value


def check_tensor(name: str, value, dims=None) -> torch.Tensor:
    """Return `value` if it is a non-empty floating-point tensor with `dims` (an int or a tuple)."""
    if not isinstance(value, torch.Tensor):
        hint = " (convert it with torch.as_tensor)" if hasattr(value, "__array__") else ""
        raise TypeError(f"{name} must be a torch.Tensor, got {describe(value)}{hint}")
    allowed = (dims,) if isinstance(dims, int) else dims
    if allowed is not None and value.dim() not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be a {want} tensor, got {describe(value)}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point values, got {describe(value)}; use .float()")
    if value.numel() == 0:
        raise ValueError(f"{name} is empty ({describe(value)})")
    return value


def check_images(name: str, value, channels=(1,), size: tuple[int, int] | None = None) -> torch.Tensor:
    """Return images in [0, 1] as [N, C, H, W]; one image [C, H, W] becomes a batch of one."""
    check_tensor(name, value, dims=(3, 4))
    if value.dim() == 3 and value.shape[0] not in channels:  # [N, H, W] or [C, H, W]? refuse
        raise ValueError(f"{name} must be [N, C, H, W] or one image [C, H, W] with C in "
                         f"{tuple(channels)}, got {describe(value)}; add the channel axis: .unsqueeze(1)")
    value = value[None] if value.dim() == 3 else value
    if value.shape[1] not in channels or (size is not None and tuple(value.shape[2:]) != tuple(size)):
        want = f"[N, {' or '.join(map(str, channels))}, {', '.join(map(str, size or ('H', 'W')))}]"
        raise ValueError(f"{name} must be images {want}, got {describe(value)}")
    low, high = float(value.min()), float(value.max())
    if low < 0 or high > 1:
        hint = "; divide by 255 first" if 1 < high <= 255 and low >= 0 else ""
        raise ValueError(f"{name} must hold values in [0, 1], got {low:g} to {high:g}{hint}")
    return value


def check_module(name: str, value) -> nn.Module:
    """Return `value` if it is a model instance with parameters (not the class itself)."""
    if inspect.isclass(value):
        raise TypeError(f"{name} must be a model instance, got the class {value.__name__}; "
                        f"create one first: {value.__name__}(...)")
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {describe(value)}")
    if next(value.parameters(), None) is None:
        raise ValueError(f"{name} ({type(value).__name__}) has no parameters to train")
    return value


def check_callable(name: str, value) -> None:
    """Raise TypeError unless `value` is callable; name the fix when it is a loss class."""
    if inspect.isclass(value) and issubclass(value, nn.Module):
        raise TypeError(f"{name} must be a loss instance, got the class {value.__name__}; "
                        f"write {value.__name__}() with parentheses")
    if not callable(value):
        raise TypeError(f"{name} must be a function or a loss module, got {describe(value)}")
