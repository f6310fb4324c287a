"""Run the series on Google Colab's own stack: every notebook, then the widget tests.

.venv-colab (Python 3.13) holds exactly the pins of tools/colab-stack.txt, rebuilt when that file
changes. The package goes in as the Colab setup cell installs it (`pip install`, not editable, no
constraints), after a `--dry-run --report` that fails if pip would install or replace a pin; so do the
test tools. Each notebooks/NN_*.ipynb then runs in the venv's kernel (cwd notebooks/, MNIST subset,
CPU, Agg), in memory, and tests/test_widgets.py runs against the installed package. Writes only to
.venv-colab/ and data/colab/. Usage: `make test-colab [NB=04_autoencoders.ipynb]`.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS_FILE = ROOT / "tools" / "colab-stack.txt"
VENV = ROOT / ".venv-colab"
PY = VENV / "bin" / "python"
PIP = [PY, "-m", "pip", "--no-cache-dir", "--quiet"]
STAMP = VENV / ".colab-stack.sha256"
WORK = ROOT / "data" / "colab"
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT = 1800  # seconds
# $COLAB_PYTHON, else pyenv's 3.13 (its python3.13 shim on PATH refuses while 3.13 is not selected)
PYENV_313 = sorted(map(str, Path.home().glob(".pyenv/versions/3.13*/bin/python3.13")))
PYTHON313 = os.environ.get("COLAB_PYTHON") or (PYENV_313 or ["python3.13"])[-1]
NOT_COPIED = shutil.ignore_patterns(".git", ".venv*", "data", "build", "*.egg-info", "__pycache__", ".*cache")
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in kernel tracebacks
VERSIONS = ("import json, importlib.metadata as m;"
            "print(json.dumps({d.name: d.version for d in m.distributions()}))")


def fail(message: str):
    raise SystemExit(f"{message}\ncolab stack: FAILED before any notebook ran")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path = PINS_FILE) -> dict[str, str]:
    """Return {canonical name: version} from the `name==version` lines (comments, blanks skipped)."""
    pairs = (line.split("#")[0].strip().partition("==") for line in path.read_text().splitlines())
    return {canonical(name): version.strip() for name, _, version in pairs if name}


def colab_env() -> dict[str, str]:
    """This environment with the venv first, CPU only, the subset, and every config dir in data/colab/."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    for key in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR",
                "XDG_CACHE_HOME", "UPCONV_MNIST_ROOT", "TMPDIR"):  # TMPDIR: pip's builds, kernel files
        env[key] = str(WORK / key.lower())
    env.update(PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}", UPCONV_MNIST_SOURCE="subset",
               CUDA_VISIBLE_DEVICES="", MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def run(cmd: list, what: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run `cmd` in colab_env() with its output captured; given `what`, stop the run if it fails."""
    kwargs.setdefault("env", colab_env())
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if what and result.returncode:
        fail(f"{what} failed (exit {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")
    return result


def check_pins(after: str) -> None:
    """Fail naming every pinned package whose installed version (importlib.metadata) is not its pin."""
    versions = json.loads(run([PY, "-c", VERSIONS], "reading versions").stdout)
    have = {canonical(name): version for name, version in versions.items()}
    wrong = [f"{n} {have.get(n, 'missing')} (pinned {v})" for n, v in read_pins().items() if have.get(n) != v]
    if wrong:
        fail(f"after {after}, pinned packages changed: {', '.join(wrong)}")


def ensure_venv() -> None:
    """Build .venv-colab with exactly the pins, unless its stamp says it holds these already."""
    digest = hashlib.sha256(PINS_FILE.read_bytes()).hexdigest()
    if STAMP.is_file() and STAMP.read_text().strip() == digest:
        print(f"reusing {VENV.name}: {PINS_FILE.name} unchanged")
        return
    print(f"building {VENV.name} from {PINS_FILE.name} (torch is several GB: minutes)...", flush=True)
    start = time.perf_counter()
    shutil.rmtree(VENV, ignore_errors=True)
    run([PYTHON313, "-m", "venv", VENV], f"creating the venv with {PYTHON313} (set COLAB_PYTHON)")
    run([*PIP, "install", "-r", PINS_FILE], "installing the pins")
    check_pins("installing the pins")
    STAMP.write_text(digest + "\n")
    size = sum(f.stat().st_size for f in VENV.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"built {VENV.name} in {time.perf_counter() - start:.0f} s: {size / 2**30:.2f} GiB", flush=True)


def guarded_install(args: list, what: str) -> None:
    """Dry-run `pip install args`, fail if it would touch a pin, then install and check the pins."""
    report = WORK / "pip-report.json"
    run([*PIP, "install", "--dry-run", "--report", report, *args], f"resolving {what}")
    plan = {canonical(i["metadata"]["name"]): i["metadata"]["version"]
            for i in json.loads(report.read_text())["install"]}
    pins = read_pins()
    clashes = [f"{n} {pins[n]} -> {v}" for n, v in plan.items() if n in pins]
    if clashes:
        fail(f"installing {what} would replace Colab's pinned packages: {'; '.join(clashes)}")
    print(f"installing {what}: adds {', '.join(f'{n} {v}' for n, v in sorted(plan.items())) or 'nothing'}")
    run([*PIP, "install", *args], f"installing {what}")
    check_pins(f"installing {what}")


def install_package() -> None:
    """Install the package from a copy of the checkout (setuptools builds in-tree: in the copy)."""
    source = WORK / "source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT, source, ignore=NOT_COPIED)
    run([*PIP, "uninstall", "-y", "upconv-lectures"], "removing the last run's package")
    guarded_install([source], "upconv-lectures")
    guarded_install(["nbclient", "nbformat", "pytest"], "the test tools")


def execute(path: Path) -> int:
    """(In the venv) run every cell of `path`; print the first failing cell and return 1, else 0."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except Exception as error:  # a cell's error, a timeout or a dead kernel
                kind, value = getattr(error, "ename", type(error).__name__), getattr(error, "evalue", "")
                tail = [line for line in ANSI.sub("", str(error)).splitlines() if line.strip()][-10:]
                print(f"    {path.name} cell {index}: {kind}: {value}", *tail, sep="\n      ")
                return 1
    return 0


def run_notebooks(names: list[str]) -> list[str]:
    """Execute each notebook in its own venv process, printing a table of wall times; return the failed."""
    failed = []
    print(f"{'notebook':44} {'seconds':>8}  result", flush=True)
    for name in names:
        start = time.perf_counter()
        result = run([PY, Path(__file__).resolve(), "--execute", NOTEBOOKS / name], cwd=NOTEBOOKS)
        print(f"{name[:-6]:44} {time.perf_counter() - start:8.1f}  {'FAILED' if result.returncode else 'ok'}")
        if result.returncode:
            cell = re.search(r" (cell \d+):", result.stdout)
            failed.append(f"{name[:-6]} {cell[1]}" if cell else name[:-6])
            print(result.stdout.rstrip(), result.stderr[-2000:].rstrip(), sep="\n", flush=True)
    return failed


def widget_tests() -> bool:
    """Run tests/test_widgets.py in the venv (-P: helpers from the installed package, not the tree)."""
    cmd = [PY, "-P", "-m", "pytest", "tests/test_widgets.py", "-q", "-p", "no:cacheprovider"]
    result = run(cmd, cwd=ROOT, env={**colab_env(), "PYTHONDONTWRITEBYTECODE": "1"})  # no tests/__pycache__
    output = (result.stdout + result.stderr).strip()
    print(f"widget tests: {output[-3000:] if result.returncode else output.splitlines()[-1]}")
    return result.returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--execute", type=Path, help=argparse.SUPPRESS)  # the venv side of one notebook
    args = parser.parse_args(argv)
    if args.execute:
        return execute(args.execute)
    found = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    names = [Path(a).stem + ".ipynb" for a in args.notebooks] or found  # with or without .ipynb
    if set(names) - set(found):
        parser.error(f"no such notebook: {', '.join(sorted(set(names) - set(found)))} (have {found})")
    (WORK / "tmpdir").mkdir(parents=True, exist_ok=True)
    ensure_venv()
    install_package()
    failed = run_notebooks(names)
    widgets_ok = widget_tests()
    passed = f"{len(names) - len(failed)} of {len(names)}" if failed else f"{len(names)}"
    notebooks = f"{passed} notebooks passed" + (f" (failed: {', '.join(failed)})" if failed else "")
    print(f"colab stack: {notebooks}, widget tests {'passed' if widgets_ok else 'FAILED'}")
    return 0 if not failed and widgets_ok else 1


if __name__ == "__main__":
    sys.exit(main())
