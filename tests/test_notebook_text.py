"""What a reader sees: section references resolve, stored outputs show final states.

- Every numbered section reference in the prose ("notebook 02, §6", "01 §8", "§3–5",
  "§4" for the notebook's own section 4) names a section that exists: a heading
  "## 6. ..." in that notebook.
- The stored outputs, which GitHub and any viewer without a kernel show, hold no progress
  bar frozen at 0 % and no raw widget text such as "VBox(children=...)".
- No cell holds a control character (a LaTeX backslash lost to a Python escape).
- No notebook or helper uses `ipywidgets.Image` (binary widget state; see helpers.widgets).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
HEADING = re.compile(r"^##\s+(\d+)\.\s+(.+)$", re.M)
# tokens: a notebook number (00-09 as a word), a section or range, or any other word
TOKEN = re.compile(r"§\s?(\d+)(?:\s?[–-]\s?(\d+))?|\b(0\d)\b|[A-Za-z]+|[^\sA-Za-z§]")
JOINERS = {"notebook", "notebooks", "and", ",", "(", ")", "in", "of", "see", "also"}


def sections() -> dict[str, set[int]]:
    """The numbered sections of each notebook: {"02": {1, 2, ...}}."""
    found = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        found[path.name[:2]] = {int(n) for n, _ in HEADING.findall(text)}
    return found


def references(text: str, own: str) -> list[tuple[str, int, str]]:
    """Every (notebook, section, quoted text) that `text` refers to; bare § means `own`."""
    refs, notebook, tokens = [], None, list(TOKEN.finditer(text))
    for i, token in enumerate(tokens):
        first, last, number = token.group(1), token.group(2), token.group(3)
        if number:
            notebook = number
        elif first:
            target = notebook
            # "§5 of notebook 02" / "§5 in notebook 02": the number comes after
            ahead = [t.group(0) for t in tokens[i + 1:i + 4]]
            if len(ahead) == 3 and ahead[0] in ("of", "in") and ahead[1] == "notebook" \
                    and re.fullmatch(r"0\d", ahead[2]):
                target = ahead[2]
            quote = text[max(0, token.start() - 25):token.end() + 5].replace("\n", " ")
            for section in range(int(first), int(last or first) + 1):
                refs.append((target or own, section, quote))
        elif token.group(0).lower() not in JOINERS:
            notebook = None
    return refs


def test_the_reference_parser_reads_the_forms_the_notebooks_use():
    text = ("see notebook 02, §6 and 01 §8; §3–5 here; 04, §2, §5; §4 of notebook 03; "
            "the score of §4")
    assert [(nb, s) for nb, s, _ in references(text, own="09")] == [
        ("02", 6), ("01", 8), ("09", 3), ("09", 4), ("09", 5), ("04", 2), ("04", 5), ("03", 4), ("09", 4)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_section_reference_names_a_section_that_exists(path):
    known = sections()
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    broken = [f"{quote!r} -> {target} §{section}" for target, section, quote in
              references(text, own=path.name[:2]) if section not in known.get(target, set())]
    assert not broken, f"{path.name} refers to sections that do not exist:\n" + "\n".join(broken)


def stored_texts(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") + output.get("data", {}).get("text/plain", ""))
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_reader_without_a_kernel_sees_final_states(path):
    for text in stored_texts(path):
        assert not re.search(r"\b0%\|", text), f"{path.name}: a progress bar frozen at 0%: {text[:80]!r}"
        assert "VBox(children" not in text and "HBox(children" not in text, \
            f"{path.name}: raw widget text {text[:80]!r}; give the widget a readable text form"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_holds_a_control_character(path):
    # "\\to" written inside a non-raw Python string becomes a tab and "o": broken LaTeX
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        bad = sorted({hex(ord(c)) for c in cell.source if ord(c) < 32 and c != "\n"})
        assert not bad, f"{path.name}, cell {i}: control characters {bad}; escape the backslash"


def test_nothing_uses_binary_image_widgets():
    sources = [p.read_text() for p in (ROOT / "helpers").glob("*.py")]
    sources += ["\n".join(c.source for c in nbformat.read(p, as_version=4).cells) for p in NOTEBOOKS]
    pattern = r"widgets\.Image\s*\(|from ipywidgets import[^\n]*\bImage\b"
    assert not any(re.search(pattern, s) for s in sources)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_training_output_is_never_compared_strictly(path):
    """A progress line ("... s training on cpu") comes from training: its numbers differ
    from machine to machine, so its cell must carry nbval-ignore-output."""
    nb = nbformat.read(path, as_version=4)
    def progress(cell):
        return any(" s training on " in output.get("text", "") + output.get("data", {}).get("text/plain", "")
                   for output in cell.get("outputs", []))

    strict = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and progress(cell)
              and "nbval-ignore-output" not in cell.metadata.get("tags", [])]
    assert not strict, f"{path.name}: cells {strict} print training progress but are compared strictly"


# A lecture a student finishes: its core (everything before "## Exercises") within a word
# budget, detours in an optional "## Going further" part after the exercises, and every
# exercise with a check cell and a hidden solution that passes it (nbval runs it).
CORE_WORDS = 2500
EXERCISE = re.compile(r"^###\s+Exercise\s+(\d+)\b", re.M)


def words(cells) -> int:
    return sum(len(re.findall(r"\S+", c.source)) for c in cells if c.cell_type == "markdown")


def heading_index(cells, pattern: str) -> int | None:
    found = [i for i, c in enumerate(cells)
             if c.cell_type == "markdown" and re.match(pattern, c.source, re.M)]
    return found[0] if found else None


def parts(path: Path):
    """(core, exercises, going further) cells of a notebook."""
    cells = nbformat.read(path, as_version=4).cells
    start = heading_index(cells, r"##\s+Exercises[ \t]*$")
    assert start is not None, f"{path.name} has no '## Exercises' heading cell"
    further = heading_index(cells, r"##\s+Going further")
    end = further if further is not None else len(cells)
    return cells[:start], cells[start:end], cells[end:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_core_of_each_notebook_is_short_enough_to_finish(path):
    core, _, further = parts(path)
    assert words(core) <= CORE_WORDS, \
        f"{path.name}: the core has {words(core)} words of prose (at most {CORE_WORDS})"
    if further:
        assert "optional" in further[0].source.splitlines()[0].lower(), \
            f"{path.name}: the Going further heading does not say the part is optional"
        assert not any(re.search(r"^##\s+Exercises", c.source, re.M) for c in further)


def is_solution(cell) -> bool:
    return "solution" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_has_a_check_and_a_hidden_solution_that_passes_it(path):
    _, exercises, _ = parts(path)
    numbers = [int(n) for c in exercises if c.cell_type == "markdown" for n in EXERCISE.findall(c.source)]
    assert numbers and numbers == list(range(1, len(numbers) + 1)), \
        f"{path.name}: exercises must be '### Exercise 1', '### Exercise 2', ... (found {numbers})"
    code = [c for c in exercises if c.cell_type == "code"]
    for n in numbers:
        call = re.compile(rf"\bexercise\(\s*{n}\s*,")
        checks = [c for c in code if call.search(c.source) and not is_solution(c)]
        solutions = [c for c in code if call.search(c.source) and is_solution(c)]
        assert checks and "solution=True" not in checks[0].source, \
            f"{path.name}: exercise {n} has no check cell a student runs (exercise({n}, answer, test))"
        assert len(solutions) == 1 and "solution=True" in solutions[0].source, \
            f"{path.name}: exercise {n} needs one solution cell, tagged 'solution', " \
            "calling exercise(..., solution=True)"
        solution = solutions[0]
        assert solution.source.startswith("# @title Solution"), \
            f"{path.name}: exercise {n}'s solution starts with '# @title Solution ...' (Colab hides it)"
        assert solution.metadata.get("jupyter", {}).get("source_hidden") is True, \
            f"{path.name}: exercise {n}'s solution is not collapsed (metadata.jupyter.source_hidden)"
        assert code.index(checks[0]) < code.index(solution), \
            f"{path.name}: exercise {n}'s solution comes before its check"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_says_which_mnist_its_numbers_came_from(path):
    cells = nbformat.read(path, as_version=4).cells
    if not any("load_mnist(" in c.source for c in cells if c.cell_type == "code"):
        pytest.skip("this notebook loads no MNIST")
    assert any("describe_source()" in c.source for c in cells if c.cell_type == "code"), \
        f"{path.name} loads MNIST but never prints describe_source()"
    prose = " ".join(c.source for c in cells if c.cell_type == "markdown")
    assert re.search(r"full MNIST", prose) and re.search(r"subset", prose), \
        f"{path.name}: the text does not say that its numbers came from the subset " \
        "and that the full MNIST prints its own"


def has_figure(cell) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_has_an_alt_text(path):
    """The site (make site) gives each figure the alt text of its cell: metadata.mystnb.image.alt."""
    cells = nbformat.read(path, as_version=4).cells
    missing = [i for i, c in enumerate(cells) if c.cell_type == "code" and has_figure(c)
               and not c.metadata.get("mystnb", {}).get("image", {}).get("alt", "").strip()]
    assert not missing, f"{path.name}: figure cells {missing} have no alt text (metadata.mystnb.image.alt)"
