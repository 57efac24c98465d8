"""Virtual environments of the test setup for real clients that cannot live in the platform's
environment (their pins clash with ours): CKAN for tests/opendata, bovine for tests/channel.

Each is built once per version of its requirements file into
`~/.cache/smartcity/<name>-<first 12 hex digits of the file's SHA-256>` (or the directory an
environment variable names), under a file lock so that parallel test workers build it only
once. CI caches `~/.cache/smartcity` keyed by the files' hashes. Outside CI a test whose
environment cannot be built (no network) is skipped; in CI it fails."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

CACHE = Path.home() / ".cache" / "smartcity"


def venv_path(name: str, requirements: Path, variable: str) -> Path:
    """Where the environment of `requirements` lives: $variable, else the cache."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    return Path(os.environ.get(variable) or CACHE / f"{name}-{digest}")


def cached_python(
    name: str, requirements: Path, variable: str, label: str, timeout: float = 900
) -> Path:
    """The Python of the environment of `requirements`, built on first use."""
    venv = venv_path(name, requirements, variable)
    python = venv / "bin" / "python"
    if python.exists():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(venv) + ".lock", timeout=timeout + 120):
        if python.exists():  # another worker built it while this one waited
            return python
        building = venv.with_name(venv.name + ".building")
        try:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(building)], check=True)
            subprocess.run(
                [str(building / "bin" / "pip"), "install", "-q", "-r", str(requirements)],
                check=True,
                timeout=timeout,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            if os.environ.get("CI") == "true":
                raise
            pytest.skip(f"{label} could not be installed here: {exc}")
        if venv.exists():  # a broken earlier build without its python
            shutil.rmtree(venv)
        building.rename(venv)
    return python
