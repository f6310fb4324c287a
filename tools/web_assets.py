"""The JavaScript that the site and the slide decks load, from the npm registry, once.

`npm pack` fetches a package's tarball (the registry is reachable where the package
indexes are; no other network is needed); it is unpacked under data/web/<name>-<version>/
and reused. MathJax 2.7 is the version nbconvert's templates speak to (MathJax.Hub), and
Sphinx drives it too; its CommonHTML output needs only the TeX web fonts, so the image and
other font formats are not unpacked.
"""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "data" / "web"
MATHJAX = ("mathjax", "2.7.9")
MATHJAX_QUERY = "MathJax.js?config=TeX-AMS_CHTML-full,Safe"
SKIP = ("package/unpacked/", "/png/", "/eot/", "/otf/", "/svg/", "/test/", "/docs/")


def npm_package(name: str, version: str) -> Path:
    """The folder of the npm package `name@version` under data/web/, fetched if missing."""
    folder = WEB / f"{name}-{version}"
    if folder.exists():
        return folder
    WEB.mkdir(parents=True, exist_ok=True)
    packed = subprocess.run(["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(WEB)],
                            check=True, capture_output=True, text=True, cwd=WEB).stdout.split()[-1]
    staging = WEB / f".{name}-{version}"
    with tarfile.open(WEB / packed) as tar:
        members = [m for m in tar.getmembers() if not any(part in m.name for part in SKIP)]
        tar.extractall(staging, members=members, filter="data")
    (staging / "package").rename(folder)
    staging.rmdir()
    (WEB / packed).unlink()
    return folder
