"""Write a reveal.js deck of each notebook's core, from its committed outputs: `make slides`.

The slide boundaries are the cells' ``slideshow.slide_type`` (stamped by
tools/sync_notebooks.py: a "##" heading starts a slide, other text a subslide below it; the
exercises and the optional part are left out). nbconvert writes the decks to data/slides/;
reveal.js, jQuery, RequireJS and MathJax come from the npm registry once
(tools/web_assets.py, kept in data/web/), so a deck served from data/ needs no network.
Present with the arrow keys (down for a section's subslides), `f` for full screen, `s` for
the speaker view.

Usage: python tools/build_slides.py [NB ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from web_assets import MATHJAX, MATHJAX_QUERY, npm_package  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS, OUT = ROOT / "notebooks", ROOT / "data" / "slides"
PACKAGES = {"reveal.js": "4.6.1", "jquery": "3.7.1", "requirejs": "2.3.7"}


def exporter() -> SlidesExporter:
    def url(name: str, version: str, path: str = "") -> str:
        """`path` inside the npm package, relative to the decks (they sit in data/slides/)."""
        return f"../web/{npm_package(name, version).name}{path}"

    return SlidesExporter(
        reveal_url_prefix=url("reveal.js", PACKAGES["reveal.js"]),
        jquery_url=url("jquery", PACKAGES["jquery"], "/dist/jquery.min.js"),
        require_js_url=url("requirejs", PACKAGES["requirejs"], "/require.js"),
        mathjax_url=url(*MATHJAX, "/" + MATHJAX_QUERY),
        reveal_scroll=True, reveal_transition="none", reveal_number="c/t",
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    args = parser.parse_args(argv)
    paths = [NOTEBOOKS / Path(name).name for name in args.notebooks]
    paths = paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    OUT.mkdir(parents=True, exist_ok=True)
    slides = exporter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        html, _ = slides.from_notebook_node(nb)
        target = OUT / f"{path.stem}.slides.html"
        target.write_text(html)
        kinds = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
        count = sum(kind in ("slide", "subslide") for kind in kinds)
        print(f"{target.relative_to(ROOT)}: {count} slides, {len(html) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
