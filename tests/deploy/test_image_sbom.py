"""The OCI image's SBOM (tools/image_sbom.py, run by deploy/oci/build.sh after each build),
made here from real files of the image copied into tests/deploy/image_rootfs: part of its
dpkg status database, copyright files, os-release, and the `*.dist-info` metadata of two
Python distributions in its virtual environment. The OCI test checks the SBOM of a freshly
built image (tests/deploy/test_image.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from tools.image_sbom import SbomError, build_bom, dep5_to_spdx, main

ROOT = Path(__file__).resolve().parents[2]
ROOTFS = Path(__file__).parent / "image_rootfs"


def _document(tmp_path: Path) -> dict[str, Any]:
    output = tmp_path / "sbom.cdx.json"
    assert (
        main(
            [
                str(ROOTFS),
                "--name",
                "smartcity",
                "--version",
                "0.3.0",
                "--image-id",
                "sha256:" + "ab" * 32,
                "--repository",
                "localhost/smartcity",
                "--output",
                str(output),
            ]
        )
        == 0
    )
    document: dict[str, Any] = json.loads(output.read_text())
    return document


def _component(document: dict[str, Any], name: str) -> dict[str, Any]:
    found = [c for c in document["components"] if c["name"] == name]
    assert len(found) == 1, [c["name"] for c in document["components"]]
    component: dict[str, Any] = found[0]
    return component


def _licences(component: dict[str, Any]) -> list[str]:
    return [
        entry["license"].get("id") or entry["license"]["name"]
        for entry in component.get("licenses", [])
    ]


def test_the_sbom_lists_debian_and_python_packages_with_versions(tmp_path: Path) -> None:
    document = _document(tmp_path)
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"

    image = document["metadata"]["component"]
    assert image["type"] == "container"
    assert (image["name"], image["version"]) == ("smartcity", "0.3.0")
    assert image["purl"] == (
        "pkg:oci/smartcity@sha256:" + "ab" * 32 + "?repository_url=localhost/smartcity"
    )

    python3 = _component(document, "python3")
    assert python3["version"] == "3.11.2-1+b1"
    assert python3["purl"] == (
        "pkg:deb/debian/python3@3.11.2-1%2Bb1?arch=amd64&distro=debian-12"
        "&upstream=python3-defaults%403.11.2-1"
    )
    libc = _component(document, "libc6")
    assert libc["purl"].startswith("pkg:deb/debian/libc6@2.36-9")
    assert libc["purl"].endswith("&upstream=glibc")  # same version as its source package

    sqlalchemy = _component(document, "SQLAlchemy")
    assert sqlalchemy["version"] == "2.1.9"
    assert sqlalchemy["purl"] == "pkg:pypi/sqlalchemy@2.1.9"
    assert _licences(sqlalchemy) == ["MIT"]
    assert _component(document, "typing_extensions")["purl"] == "pkg:pypi/typing-extensions@4.16.0"

    debian = _component(document, "debian")
    assert (debian["type"], debian["version"]) == ("operating-system", "12")
    # Every Debian package of the status file, and nothing dpkg does not list as installed.
    debs = sorted(
        c["name"] for c in document["components"] if c.get("purl", "").startswith("pkg:deb/")
    )
    assert debs == sorted(
        [
            "libc6",
            "libncursesw6",
            "libssl3",
            "libtinfo6",
            "python3",
            "python3.11",
            "tzdata",
            "zlib1g",
        ]
    )


def test_licences_come_from_machine_readable_copyright_files(tmp_path: Path) -> None:
    document = _document(tmp_path)
    assert _licences(_component(document, "zlib1g")) == ["Zlib"]
    assert _licences(_component(document, "tzdata")) == ["public-domain"]
    assert "Apache-2.0" in _licences(_component(document, "libssl3"))
    # libncursesw6's documentation is a link to libtinfo6's: the same licences.
    assert _licences(_component(document, "libncursesw6")) == _licences(
        _component(document, "libtinfo6")
    )
    assert _licences(_component(document, "libtinfo6"))
    # python3's copyright file is free text: no licence is guessed from it.
    assert _licences(_component(document, "python3")) == []


def test_dependencies_follow_dpkg_and_the_python_metadata(tmp_path: Path) -> None:
    document = _document(tmp_path)
    refs = {c["bom-ref"]: c["name"] for c in document["components"]}
    needs = {
        refs.get(d["ref"], d["ref"]): sorted(refs[r] for r in d.get("dependsOn", []))
        for d in document["dependencies"]
    }
    assert "libc6" in needs["zlib1g"]
    assert "python3.11" in needs["python3"]
    assert needs["SQLAlchemy"] == ["typing_extensions"]  # greenlet only with an extra
    assert len(needs["image:smartcity@0.3.0"]) == len(document["components"])


def test_the_document_is_valid_cyclonedx(tmp_path: Path) -> None:
    _document(tmp_path)
    text = (tmp_path / "sbom.cdx.json").read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    broken = json.loads(text)
    broken["components"][0]["type"] = "no-such-type"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(broken)) is not None


def test_a_root_without_dpkg_status_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SbomError, match="no dpkg status database"):
        build_bom(tmp_path, name="smartcity", version="0.3.0")
    assert main([str(tmp_path), "--name", "x", "--version", "1", "-o", str(tmp_path / "o")]) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("dep5", "spdx"),
    [
        ("GPL-2", "GPL-2.0-only"),
        ("GPL-2+", "GPL-2.0-or-later"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("AGPL-3", "AGPL-3.0-only"),
        ("GFDL-1.3+", "GFDL-1.3-or-later"),
        ("Expat", "MIT"),
        ("BSD-3-clause", "BSD-3-Clause"),
        ("zlib", "Zlib"),
        ("public-domain", None),
        ("GPL-2+ with OpenSSL exception", None),
    ],
)
def test_debian_licence_names_become_spdx_identifiers(dep5: str, spdx: str | None) -> None:
    assert dep5_to_spdx(dep5) == spdx


def test_the_script_runs_as_the_build_calls_it(tmp_path: Path) -> None:
    """deploy/oci/build.sh runs the file with the dev environment's interpreter."""
    output = tmp_path / "image.cdx.json"
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "image_sbom.py"),
            str(ROOTFS),
            "--name",
            "smartcity",
            "--version",
            "0.3.0",
            "-o",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert "8 Debian packages, 2 Python distributions" in finished.stdout
    assert json.loads(output.read_text())["metadata"]["component"]["name"] == "smartcity"
