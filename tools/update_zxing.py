"""Update the vendored QR code reader of the staff scanner page (`zxing-wasm`, MIT).

    .venv/bin/python -m tools.update_zxing [VERSION]     (or: make zxing)

Fetches the package with `npm pack` from the npm registry (npm is needed only here, never at
build or run time) and copies what the scanner page uses into
`src/smartcity/leisure/static/zxing-wasm/`: the reader's script (the IIFE build, which defines
`ZXingWASM`), its WebAssembly binary, the licence and the version. The page loads both from
`/static/leisure/zxing-wasm/`; our script points the library at that binary, so the default
address of a CDN compiled into the library is never asked (and the page's Content Security
Policy would refuse it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "zxing-wasm"
TARGET = (
    Path(__file__).resolve().parent.parent / "src" / "smartcity" / "leisure" / "static" / PACKAGE
)


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
        meta = json.loads((package / "package.json").read_text())
        copied = str(meta["version"])
        if meta.get("license") != "MIT":
            raise SystemExit(f"{PACKAGE} {copied} is no longer MIT licensed: check it first")
        dist = package / "dist"
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        shutil.copy(dist / "iife" / "reader" / "index.js", TARGET / "zxing-reader.js")
        shutil.copy(dist / "reader" / "zxing_reader.wasm", TARGET / "zxing_reader.wasm")
        shutil.copy(package / "LICENSE", TARGET / "LICENSE")
        (TARGET / "VERSION").write_text(copied + "\n")
        return copied


if __name__ == "__main__":
    print(f"{PACKAGE} {vendor(*sys.argv[1:2])} → {TARGET}")
