"""Shared test setup: a non-interactive matplotlib backend, the offline MNIST subset,
the browser test last (it replays what the notebook runs trained), and a table of each
notebook's time at the end."""

import os
import shutil
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("UPCONV_MNIST_SOURCE", "subset")

ROOT = Path(__file__).resolve().parent.parent
# Every notebook kernel of this session (nbval's, then the browser test's JupyterLab)
# starts with tests/fit_memo.py installed, through an IPython startup file in a session's
# own IPYTHONDIR: fit stores each run under FIT_CACHE and replays one it has already made.
# The unit tests run in this process, without it: they test training itself.
SESSION = ROOT / "data" / "cache" / f"session-{os.getpid()}"
FIT_CACHE = SESSION / "fit"


def pytest_configure(config):
    startup = SESSION / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-fit-memo.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        f"import fit_memo\nfit_memo.install({str(FIT_CACHE)!r})\n")
    os.environ["IPYTHONDIR"] = str(SESSION / "ipython")


def pytest_unconfigure(config):
    shutil.rmtree(SESSION, ignore_errors=True)


def pytest_collection_modifyitems(session, config, items):
    # the browser test reruns notebooks: after nbval has trained their models, it replays them
    items.sort(key=lambda item: "test_browser.py" in item.nodeid)


def pytest_terminal_summary(terminalreporter):
    # read from the reports themselves: a hook in this conftest sees only tests/'s items
    seconds: dict[str, float] = defaultdict(float)
    for reports in terminalreporter.stats.values():
        for report in reports:
            if ".ipynb" in getattr(report, "nodeid", ""):
                seconds[report.nodeid.split("::")[0]] += getattr(report, "duration", 0.0)
    if seconds:
        terminalreporter.section("notebook times (nbval, all cells)")
        for name, total in sorted(seconds.items()):
            terminalreporter.write_line(f"{total:7.1f} s  {name}")
        terminalreporter.write_line(f"{sum(seconds.values()):7.1f} s  in all")
