"""What a reader sees: section references resolve, stored outputs show final states.

- Every numbered section reference in the prose ("notebook 02, §6", "01 §8", "§3–5",
  "§4" for the notebook's own section 4) names a section that exists: a heading
  "## 6. ..." in that notebook.
- The stored outputs, which GitHub and any viewer without a kernel show, hold no progress
  bar frozen at 0 % and no raw widget text such as "VBox(children=...)".
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
