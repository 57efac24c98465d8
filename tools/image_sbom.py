"""A CycloneDX SBOM of the OCI image, read from its root file system: the Debian packages of
the base (dpkg's status database; licences from the packages' copyright files where these
are machine-readable, DEP-5) and the Python distributions installed in the image (their
`*.dist-info` metadata). deploy/oci/build.sh extracts those files from the built image and
runs this next to it:

    python tools/image_sbom.py ROOTFS --name smartcity --version 0.3.0 \\
        [--image-id sha256:…] [--repository localhost/smartcity] -o sbom.cdx.json

Needs the CycloneDX library of the development environment (`pip install -e .[dev]`); the
document is checked against the CycloneDX 1.6 JSON schema before it is written.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import Distribution, distributions
from pathlib import Path

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.contrib.this.builders import this_component
from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseAcknowledgement
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.spdx import fixup_id
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

SCHEMA = SchemaVersion.V1_6
DPKG_STATUS = Path("var/lib/dpkg/status")
OS_RELEASE = (Path("etc/os-release"), Path("usr/lib/os-release"))
# Where the image keeps Python distributions of its own: the platform's virtual environment
# and, in the official python images, the interpreter's site-packages under /usr/local.
SITE_PACKAGES = ("opt/smartcity/lib/python3*/site-packages", "usr/local/lib/python3*/site-packages")
DEP5_FORMAT = re.compile(
    r"^Format:\s*https?://www\.debian\.org/doc/packaging-manuals/copyright-format/"
)
DECLARED = LicenseAcknowledgement.DECLARED


class SbomError(Exception):
    """The root file system cannot be read as an image's, or the document is not valid."""


@dataclass(frozen=True)
class DebPackage:
    name: str
    version: str
    architecture: str
    source: str
    source_version: str
    depends: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    licences: tuple[str, ...] = field(default=())


def paragraphs(text: str) -> Iterator[dict[str, str]]:
    """The stanzas of a Debian control file (dpkg's status, a DEP-5 copyright file): field
    name → value; continuation lines are kept, joined with newlines."""
    current: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.strip():
            if current:
                yield current
            current, last = {}, ""
        elif line[0] in " \t":
            if last:
                current[last] += "\n" + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            last = name.strip()
            current[last] = value.strip()
    if current:
        yield current


def _names(relations: str) -> tuple[str, ...]:
    """Package names in a Depends/Provides field: `libc6 (>= 2.34), a | b, python3:any`."""
    found: list[str] = []
    for group in relations.split(","):
        for alternative in group.split("|"):
            name = alternative.strip().split(" ", 1)[0].split("(", 1)[0].split(":", 1)[0]
            if name:
                found.append(name)
    return tuple(found)


def read_dpkg_status(rootfs: Path) -> list[DebPackage]:
    """The packages dpkg lists as installed, with the licences of their copyright files."""
    status = rootfs / DPKG_STATUS
    if not status.is_file():
        raise SbomError(f"no dpkg status database at {status}: is this a Debian-based image?")
    packages: list[DebPackage] = []
    for stanza in paragraphs(status.read_text(encoding="utf-8", errors="replace")):
        if not stanza.get("Status", "").endswith(" installed") or "Package" not in stanza:
            continue
        name, version = stanza["Package"], stanza.get("Version", "")
        source, _, source_version = stanza.get("Source", name).partition(" ")
        relations = ", ".join(stanza[key] for key in ("Pre-Depends", "Depends") if key in stanza)
        packages.append(
            DebPackage(
                name=name,
                version=version,
                architecture=stanza.get("Architecture", ""),
                source=source,
                source_version=source_version.strip("()") or version,
                depends=_names(relations),
                provides=_names(stanza.get("Provides", "")),
                licences=copyright_licences(rootfs / "usr/share/doc" / name / "copyright"),
            )
        )
    return packages


def copyright_licences(path: Path) -> tuple[str, ...]:
    """The licence short names of a machine-readable copyright file (DEP-5), in the order
    they appear; none for a file in free form (nothing can be read from it reliably)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    if not DEP5_FORMAT.match(text):
        return ()
    found: dict[str, None] = {}
    for stanza in paragraphs(text):
        if "License" in stanza and "Files" in stanza:
            short = stanza["License"].split("\n", 1)[0].strip()
            if short:
                found[short] = None
    return tuple(found)


# DEP-5 short names that differ from SPDX identifiers (copyright-format 1.0, "License
# specification"); the rest are SPDX identifiers already (Apache-2.0, Zlib, ISC, …) or stay
# names (public-domain, permissive, expressions with "or"/"with").
_DEP5_GNU = re.compile(r"^(A|L)?GPL-(\d)(\.\d)?(\+)?$|^GFDL-(\d\.\d)(\+)?$")
_DEP5_NAMES = {
    "expat": "MIT",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause",
    "psf-2": "PSF-2.0",
    "mpl-1.1": "MPL-1.1",
    "mpl-2.0": "MPL-2.0",
}


def dep5_to_spdx(short: str) -> str | None:
    """The SPDX identifier of a DEP-5 short name, or None if there is none."""
    gnu = _DEP5_GNU.match(short)
    if gnu:
        if gnu.group(5):
            return f"GFDL-{gnu.group(5)}-{'or-later' if gnu.group(6) else 'only'}"
        version = f"{gnu.group(2)}{gnu.group(3) or '.0'}"
        return f"{gnu.group(1) or ''}GPL-{version}-{'or-later' if gnu.group(4) else 'only'}"
    return _DEP5_NAMES.get(short.lower()) or fixup_id(short)


def _deb_licences(short_names: Iterable[str]) -> list[License]:
    licences: list[License] = []
    for short in short_names:
        spdx = dep5_to_spdx(short)
        if spdx is not None:
            licences.append(DisjunctiveLicense(id=spdx, acknowledgement=DECLARED))
        else:
            licences.append(DisjunctiveLicense(name=short, acknowledgement=DECLARED))
    return licences


def _python_licences(distribution: Distribution) -> list[License]:
    """PEP 639's License-Expression; else a short License field; else the trove classifiers
    (as names: `License :: OSI Approved :: MIT License` → "MIT License")."""
    factory = LicenseFactory()
    expression = _field(distribution, "License-Expression")
    if expression:
        return [factory.make_from_string(expression, license_acknowledgement=DECLARED)]
    declared = _field(distribution, "License").strip()
    if declared and "\n" not in declared and len(declared) <= 80:
        return [factory.make_from_string(declared, license_acknowledgement=DECLARED)]
    licences: list[License] = []
    for classifier in distribution.metadata.get_all("Classifier") or []:
        if classifier.startswith("License ::"):
            name = classifier.rsplit("::", 1)[1].strip()
            if name not in ("OSI Approved", "Other/Proprietary License"):
                licences.append(DisjunctiveLicense(name=name, acknowledgement=DECLARED))
    return licences


def _field(distribution: Distribution, name: str) -> str:
    """A core-metadata field, "" where it is missing."""
    metadata = distribution.metadata
    return str(metadata[name]) if name in metadata else ""


def read_os_release(rootfs: Path) -> dict[str, str]:
    for candidate in OS_RELEASE:
        path = rootfs / candidate
        if path.is_file():
            values: dict[str, str] = {}
            for line in path.read_text().splitlines():
                key, sep, value = line.partition("=")
                if sep:
                    values[key.strip()] = value.strip().strip('"')
            return values
    return {}


def python_distributions(rootfs: Path) -> list[tuple[str, Distribution]]:
    """(site-packages directory relative to the root, distribution) of every distribution
    installed in one of the image's own environments."""
    found: list[tuple[str, Distribution]] = []
    for pattern in SITE_PACKAGES:
        for directory in sorted(rootfs.glob(pattern)):
            relative = "/" + directory.relative_to(rootfs).as_posix()
            for distribution in distributions(path=[str(directory)]):
                if _field(distribution, "Name"):
                    found.append((relative, distribution))
    return found


def build_bom(
    rootfs: Path,
    *,
    name: str,
    version: str,
    image_id: str | None = None,
    repository: str | None = None,
) -> Bom:
    packages = read_dpkg_status(rootfs)
    os_release = read_os_release(rootfs)
    distro_id = os_release.get("ID", "debian")
    distro = f"{distro_id}-{os_release['VERSION_ID']}" if "VERSION_ID" in os_release else None

    image_purl = None
    if image_id:
        qualifiers = {"repository_url": repository} if repository else {}
        image_purl = PackageURL("oci", None, name, image_id, qualifiers)
    image = Component(
        type=ComponentType.CONTAINER,
        name=name,
        version=version,
        purl=image_purl,
        bom_ref=f"image:{name}@{version}",
        licenses=[DisjunctiveLicense(id="EUPL-1.2", acknowledgement=DECLARED)],
    )
    bom = Bom()
    bom.metadata.component = image
    bom.metadata.tools.components.add(this_component())

    components: list[Component] = []
    if os_release:
        system = Component(
            type=ComponentType.OPERATING_SYSTEM,
            name=distro_id,
            version=os_release.get("VERSION_ID"),
            description=os_release.get("PRETTY_NAME"),
            bom_ref=f"os:{distro_id}@{os_release.get('VERSION_ID', '')}",
        )
        components.append(system)

    by_name: dict[str, Component] = {}
    deb_components: list[tuple[DebPackage, Component]] = []
    for package in packages:
        qualifiers = {"arch": package.architecture}
        if distro:
            qualifiers["distro"] = distro
        # The source package (what Debian's security tracker lists), its version only
        # where it differs from the binary package's (a binNMU, gcc's runtime libraries).
        if package.source_version != package.version:
            qualifiers["upstream"] = f"{package.source}@{package.source_version}"
        elif package.source != package.name:
            qualifiers["upstream"] = package.source
        purl = PackageURL("deb", distro_id, package.name, package.version, qualifiers)
        component = Component(
            type=ComponentType.LIBRARY,
            name=package.name,
            version=package.version,
            purl=purl,
            bom_ref=purl.to_string(),
            licenses=_deb_licences(package.licences),
            properties=[
                Property(name="smartcity:package:type", value="deb"),
                Property(name="smartcity:deb:source", value=package.source),
            ],
        )
        components.append(component)
        deb_components.append((package, component))
        by_name.setdefault(package.name, component)
    for package, component in deb_components:
        for provided in package.provides:
            by_name.setdefault(provided, component)

    by_python_name: dict[str, Component] = {}
    python_components: list[tuple[Distribution, Component]] = []
    for location, distribution in python_distributions(rootfs):
        dist_name = distribution.metadata["Name"]
        purl = PackageURL("pypi", None, canonicalize_name(dist_name), distribution.version)
        component = Component(
            type=ComponentType.LIBRARY,
            name=dist_name,
            version=distribution.version,
            purl=purl,
            bom_ref=f"{purl.to_string()}#{location}",
            licenses=_python_licences(distribution),
            properties=[
                Property(name="smartcity:package:type", value="python"),
                Property(name="smartcity:python:site-packages", value=location),
            ],
        )
        components.append(component)
        python_components.append((distribution, component))
        by_python_name.setdefault(canonicalize_name(dist_name), component)

    for component in components:
        bom.components.add(component)
    bom.register_dependency(image, components)
    for package, component in deb_components:
        needed = {by_name[n] for n in package.depends if n in by_name} - {component}
        bom.register_dependency(component, needed)
    for distribution, component in python_components:
        wanted = {by_python_name[n] for n in _requirements(distribution) if n in by_python_name}
        bom.register_dependency(component, wanted - {component})
    return bom


def _requirements(distribution: Distribution) -> set[str]:
    """Normalised names of what a distribution requires unconditionally (no extra) on the
    image's interpreter."""
    names: set[str] = set()
    for line in distribution.requires or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.add(canonicalize_name(requirement.name))
    return names


def to_json(bom: Bom) -> str:
    """The document as CycloneDX 1.6 JSON, checked against the schema."""
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    error = JsonStrictValidator(SCHEMA).validate_str(text)
    if error is not None:
        raise SbomError(f"the SBOM is not valid CycloneDX {SCHEMA.to_version()}: {error}")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("rootfs", type=Path, help="the image's root file system (or its parts)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--image-id", help="the image's digest or id (sha256:…)")
    parser.add_argument("--repository", help="where the image is kept (localhost/smartcity)")
    parser.add_argument("-o", "--output", type=Path, required=True)
    options = parser.parse_args(argv)
    try:
        bom = build_bom(
            options.rootfs,
            name=options.name,
            version=options.version,
            image_id=options.image_id,
            repository=options.repository,
        )
        text = to_json(bom)
    except SbomError as exc:
        print(f"image SBOM: {exc}", file=sys.stderr)
        return 1
    options.output.write_text(text + "\n")
    kinds = [c for c in bom.components if c.type is ComponentType.LIBRARY]
    debs = sum(1 for c in kinds if c.purl is not None and c.purl.type == "deb")
    print(
        f"image SBOM: {debs} Debian packages, {len(kinds) - debs} Python distributions "
        f"→ {options.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
