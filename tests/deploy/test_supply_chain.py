"""requirements.lock pins every runtime dependency that pyproject.toml declares, within its
range and with hashes, so the image and `pip install --require-hashes` install what CI tested."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
RELOCK = (
    "run: .venv/bin/uv pip compile pyproject.toml --universal --python-version 3.11 "
    "--generate-hashes -o requirements.lock"
)


def locked() -> dict[str, tuple[str, list[str]]]:
    """Name → (version, hashes) of every pin in the lock file."""
    pins: dict[str, tuple[str, list[str]]] = {}
    text = (ROOT / "requirements.lock").read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.strip().splitlines()[0] if block.strip() else ""
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", first)
        if match:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            pins[canonicalize_name(match.group(1))] = (match.group(2), hashes)
    return pins


def test_every_dependency_is_pinned_in_range_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = locked()
    assert len(pins) > len(project["dependencies"])
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock; {RELOCK}"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} is outside {requirement.specifier}; {RELOCK}"
        )
    unhashed = [name for name, (_, hashes) in pins.items() if not hashes]
    assert unhashed == [], f"pins without hashes: {unhashed}"


def test_accepted_risks_name_a_reason_and_an_end() -> None:
    lines = (ROOT / "deploy" / "supply-chain" / "accepted-risks.txt").read_text().splitlines()
    for line in lines:
        if line.strip() and not line.startswith("#"):
            advisory, _, reason = line.partition(" ")
            assert re.match(r"^(PYSEC|GHSA|CVE)-", advisory), line
            assert re.search(r"\d{4}-\d{2}-\d{2}", reason), f"no end date: {line}"
