"""Packaging: environment.yml installs the package (pyproject.toml is the one list), runtime
dependencies neither pin nor cap, CI runs the README's test command, Playwright is pinned."""

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
REQ_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:(>=|==)\s*([0-9][0-9.]*))?\s*(?:;(.*))?(?:#.*)?$")


def parse(requirement: str) -> tuple[str, str | None, str | None]:
    """Return (name, ">=1.2" or "==1.2" or None, marker or None)."""
    match = REQ_RE.match(requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name, op, version, marker = match.groups()
    bound = f"{op}{version}" if op else None
    return name.lower().replace("_", "-"), bound, (marker or "").strip() or None


def pyproject_requirements() -> dict[str, str | None]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    parsed = [parse(r) for r in reqs]
    # backports for old Pythons (tomli) have no place in a Python 3.11 conda environment
    return {name: bound for name, bound, marker in parsed if marker is None}


def test_environment_yml_installs_the_package_with_its_dev_extra():
    """pyproject.toml is the one list of dependencies: conda gives Python and pip, pip the rest."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert env["dependencies"] == ["python=3.11", "pip", {"pip": ["-e .[dev]"]}]


def test_runtime_dependencies_neither_pin_nor_cap():
    """Colab's own versions must stay (tests/test_colab_stack.py checks the bounds against them)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any("==" in r or "<" in r.split(";")[0] for r in meta["dependencies"]), \
        "runtime dependencies must not pin or cap versions"


def test_ci_runs_the_readme_test_command():
    run = (ROOT / ".ci" / "run").read_text()
    assert "make test" in run
    assert "make test" in (ROOT / "README.md").read_text()


def test_playwright_is_pinned_to_the_version_the_browser_test_was_written_against():
    """A new Playwright release pairs with a new Chromium; it must not arrive silently."""
    assert pyproject_requirements()["playwright"] == "==1.65.2"
    from importlib.metadata import version

    assert version("playwright") == "1.65.2", "reinstall the dev dependencies: make install"
