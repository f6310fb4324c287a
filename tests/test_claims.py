"""claim() and exercise(): the one-line checks the notebooks print."""

from __future__ import annotations

import pytest
import torch

from helpers.claims import claim, exercise


def test_a_claim_that_holds_prints_its_numbers(capsys):
    claim("the first skip helps most", True, [0.18, 0.0812], torch.tensor(0.05), {"a": 2})
    assert capsys.readouterr().out == "✓ the first skip helps most (0.18, 0.0812, 0.05, a 2)\n"


def test_a_claim_that_fails_raises_with_its_numbers():
    with pytest.raises(AssertionError, match=r"✗ halves \(0.7\)"):
        claim("halves", 0.7 < 0.5, 0.7)


def test_a_claim_reads_a_one_element_tensor_as_its_truth():
    with pytest.raises(AssertionError):
        claim("positive", torch.tensor(-1.0) > 0)


def is_four(answer):
    return answer == 4, f"{answer} is not the number of taps"


def test_an_exercise_says_right_wrong_or_not_answered(capsys):
    exercise(1, 4, is_four)
    exercise(1, 3, is_four)
    exercise(1, None, is_four)
    out = capsys.readouterr().out.splitlines()
    assert out == ["✓ Exercise 1: correct.", "✗ Exercise 1: not yet: 3 is not the number of taps",
                   "Exercise 1: not answered yet (replace the None above)."]


def test_an_answer_of_the_wrong_kind_is_a_hint_not_a_crash(capsys):
    exercise(2, "four", lambda a: a + 1 == 5)
    assert "TypeError" in capsys.readouterr().out


def test_a_solution_that_fails_its_check_raises():
    with pytest.raises(AssertionError, match="Exercise 1: not yet"):
        exercise(1, 3, is_four, solution=True)
    with pytest.raises(AssertionError, match="gives no answer"):
        exercise(1, None, is_four, solution=True)
    with pytest.raises(TypeError):
        exercise(2, "four", lambda a: a + 1 == 5, solution=True)
