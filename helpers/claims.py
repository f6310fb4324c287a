"""One-line checks: `claim` for the text's findings, `exercise` for a student's answers.

    claim("the first skip helps most", gains[0] > max(gains[1:]), gains)
    # ✓ the first skip helps most (0.18, 0.08, 0.05)

A claim that does not hold raises an AssertionError that shows its numbers, so a notebook
run stops where its text stops being true. `exercise` prints whether an answer is right
without revealing it; a notebook's solution cells call it with ``solution=True``, which
raises instead, so the tests prove that every solution passes its check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from ._checks import check_callable, check_int, describe


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
    if not isinstance(text, str) or not text.strip():
        raise TypeError(f"claim's text must be the sentence it checks, got {describe(text)}")
    shown = f"{text} ({', '.join(_number(n) for n in numbers)})" if numbers else text
    if not bool(holds):
        raise AssertionError(f"✗ {shown}: this does not hold for this run")
    print(f"✓ {shown}")


def exercise(number: int, answer, test: Callable, *, solution: bool = False) -> None:
    """Check exercise `number`'s `answer` with `test(answer)`, which returns ok or (ok, hint).

    Prints whether the answer is right (a wrong answer prints the hint and raises nothing, so
    a student's Run All goes on). With ``solution=True`` a wrong or missing answer raises.
    """
    number = check_int("number", number, 1)
    check_callable("test", test)
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
