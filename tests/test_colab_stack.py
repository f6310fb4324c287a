"""tools/colab-stack.txt, the Colab pins `make test-colab` installs, against pyproject.toml.

Cheap (no venv, no network): a lower bound raised above Colab's version fails here, in
`make test`, before `make test-colab` would find pip replacing Colab's package.
"""

import importlib.util
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PINS_FILE = ROOT / "tools" / "colab-stack.txt"
COLAB_PYTHON = "3.13"  # the Python that tools/test_colab.py builds .venv-colab with


def pins() -> dict[str, Version]:
    """Every pin as {canonical name: version}, each line checked to be exactly `name==version`."""
    found = {}
    lines = (line.split("#")[0].strip() for line in PINS_FILE.read_text().splitlines())
    for line in filter(None, lines):
        requirement = Requirement(line)
        (spec,) = requirement.specifier
        assert spec.operator == "==" and not requirement.marker and not requirement.extras, line
        name = canonicalize_name(requirement.name)
        assert name not in found, f"{name} is pinned twice in {PINS_FILE.name}"
        found[name] = Version(spec.version)
    return found


def test_pins_file_parses_and_pins_the_packages_the_series_depends_on():
    pinned = pins()
    for name in ("torch", "torchvision", "ipywidgets", "ipython", "numpy", "matplotlib"):
        assert name in pinned, f"{PINS_FILE.name} must pin {name}"
    assert PINS_FILE.read_text().startswith("#"), "the header says where the pins come from"


def test_the_tool_reads_the_pins_as_packaging_does():
    spec = importlib.util.spec_from_file_location("test_colab_tool", ROOT / "tools" / "test_colab.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.read_pins() == {name: str(version) for name, version in pins().items()}


def test_pyproject_lower_bounds_are_satisfied_by_colabs_versions():
    """Installing the package on Colab must not replace a package Colab ships."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert SpecifierSet(meta["requires-python"]).contains(COLAB_PYTHON), meta["requires-python"]
    pinned = pins()
    for line in meta["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in pinned or (requirement.marker and not requirement.marker.evaluate(
                {"python_version": COLAB_PYTHON, "python_full_version": f"{COLAB_PYTHON}.0"})):
            continue
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"pyproject.toml asks for {line!r}, Colab ships {name} {pinned[name]}: pip would replace it")
