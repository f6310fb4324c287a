"""One-line checks: `claim` for the text's findings (``claim("the first skip helps most",
gains[0] > max(gains[1:]), gains)`` prints ``✓ the first skip helps most (0.18, 0.08, 0.05)``
or raises with the numbers), `exercise` for a student's answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch


def _number(value) -> str:
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {_number(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_number(item) for item in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def claim(text: str, holds, *numbers) -> None:
    """Print ✓ `text` with its `numbers` when `holds` is true; raise AssertionError if not."""
    shown = f"{text} ({', '.join(_number(n) for n in numbers)})" if numbers else text
    if not bool(holds):
        raise AssertionError(f"✗ {shown}: this does not hold for this run")
    print(f"✓ {shown}")


def exercise(number: int, answer, test: Callable, *, solution: bool = False) -> None:
    """Print whether `test(answer)` (ok, or (ok, hint)) passes, without raising, so that a student's
    Run All goes on; with ``solution=True`` (the notebooks' solution cells) a wrong answer raises."""
    if answer is None:
        if solution:
            raise AssertionError(f"✗ the solution to exercise {number} gives no answer")
        print(f"Exercise {number}: not answered yet (replace the None above).")
        return
    try:
        result = test(answer)
    except Exception as error:  # a student's answer of the wrong kind: say so, do not crash
        if solution:
            raise
        result = False, f"{type(error).__name__}: {error}"
    ok, hint = result if isinstance(result, tuple) else (result, "")
    if ok:
        print(f"✓ Exercise {number}: correct.")
        return
    message = f"✗ Exercise {number}: not yet" + (f": {hint}" if hint else ".")
    if solution:
        raise AssertionError(message)
    print(message)
