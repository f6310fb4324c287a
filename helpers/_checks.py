"""Argument checks shared by the helpers modules: one message format for every student."""

from __future__ import annotations


def check_int(name: str, value, minimum: int) -> None:
    """Raise ValueError naming the argument unless `value` is an integer >= `minimum`."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value}")
