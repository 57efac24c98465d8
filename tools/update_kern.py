"""Update the vendored copy of the KERN UX design system (`@kern-ux/native`, EUPL-1.2).

    .venv/bin/python -m tools.update_kern [VERSION]     (or: make kern)

Fetches the package with `npm pack` from the npm registry (npm is needed only here, never at
build or run time), and copies what our pages use into `src/smartcity/web/kern/`: the
minified stylesheet, the Fira Sans font faces it names with their WOFF2 files, the licence and
the version. The pages load these from `/static/kern/`; nothing is requested from elsewhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@kern-ux/native"
TARGET = Path(__file__).resolve().parent.parent / "src" / "smartcity" / "web" / "kern"
FONT_URL = re.compile(r'url\("\./(fira-sans/[A-Za-z-]+\.woff2)"\)')


def vendor(version: str = "latest") -> str:
    """Replace the vendored copy with `version` of the package; returns the version copied."""
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        subprocess.run(  # noqa: S603 - fixed arguments, the version is a package spec
            ["npm", "pack", f"{PACKAGE}@{version}", "--silent"],  # noqa: S607
            cwd=work,
            check=True,
            capture_output=True,
        )
        (tarball,) = work.glob("*.tgz")
        with tarfile.open(tarball) as archive:
            archive.extractall(work, filter="data")
        package = work / "package"
        copied = json.loads((package / "package.json").read_text())["version"]
        dist = package / "dist"
        if TARGET.exists():
            shutil.rmtree(TARGET)
        (TARGET / "fonts" / "fira-sans").mkdir(parents=True)
        shutil.copy(dist / "kern.min.css", TARGET / "kern.min.css")
        faces = (dist / "fonts" / "fira-sans.css").read_text()
        (TARGET / "fonts" / "fira-sans.css").write_text(faces)
        # Only the faces the stylesheet declares (10 of the 32 cuts the package ships).
        for name in sorted(set(FONT_URL.findall(faces))):
            shutil.copy(dist / "fonts" / name, TARGET / "fonts" / name)
        shutil.copy(package / "LICENSE.md", TARGET / "LICENSE.md")
        (TARGET / "VERSION").write_text(copied + "\n")
        return str(copied)


if __name__ == "__main__":
    print(f"{PACKAGE} {vendor(*sys.argv[1:2])} → {TARGET}")
