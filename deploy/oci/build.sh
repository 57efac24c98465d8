#!/bin/sh
# Build the OCI image: wheels first (on this machine, from PyPI or a mirror), then the
# Containerfile installs them without an index and without build tools in the image.
#
#   deploy/oci/build.sh [TAG]                     base: python:3.11-slim from a registry
#   BASE_IMAGE=debian deploy/oci/build.sh [TAG]   base: made from Debian packages (mmdebstrap),
#                                                 for machines without a container registry
#
# Environment: PODMAN (the podman command with its options, e.g. "podman --storage-driver vfs"),
# PYTHON (the interpreter that builds the wheels: same minor version as the base image's),
# SMARTCITY_OCI_CACHE (where the base, wheels and build context are kept between builds),
# DEBIAN_SUITE (bookworm), SBOM_OUTPUT (where the image's CycloneDX SBOM is written; default
# $SMARTCITY_OCI_CACHE/smartcity-image.cdx.json).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
tag=${1:-localhost/smartcity:latest}
podman=${PODMAN:-podman}
python=${PYTHON:-python3}
cache=${SMARTCITY_OCI_CACHE:-$root/build/oci}
suite=${DEBIAN_SUITE:-bookworm}
base=${BASE_IMAGE:-docker.io/library/python:3.11-slim-bookworm}
context=$cache/context

if ! "$python" -c 'import cyclonedx.validation.json' 2>/dev/null; then
  echo "$python lacks the CycloneDX library the image's SBOM is made with:" \
    "set PYTHON to the dev environment's interpreter (pip install -e '.[dev]')" >&2
  exit 1
fi
mkdir -p "$context/wheels" "$context/app"
if [ "$base" = debian ]; then
  base=localhost/smartcity-base:$suite
  if ! $podman image exists "$base"; then
    echo "== base image $base from Debian $suite (mmdebstrap)"
    mmdebstrap --quiet --variant=apt \
      --include=python3,python3-venv,ca-certificates,tzdata,netbase,postgresql-client \
      "$suite" "$cache/base.tar"
    $podman import --quiet "$cache/base.tar" "$base" >/dev/null
    rm -f "$cache/base.tar"
  fi
fi

# The runtime dependencies pinned by requirements.lock (hashes checked when the wheels are
# fetched); the image installs exactly these versions.
"$python" - "$root/requirements.lock" > "$context/requirements.new" <<'PY'
import sys
for line in open(sys.argv[1]):
    if line[:1].isalnum():
        print(line.rstrip().removesuffix("\\").rstrip())
PY
if ! cmp -s "$context/requirements.new" "$context/requirements.txt"; then
  echo "== dependency wheels"
  "$python" -m pip wheel --quiet --disable-pip-version-check --require-hashes --no-deps \
    --wheel-dir "$context/wheels" --requirement "$root/requirements.lock"
  mv "$context/requirements.new" "$context/requirements.txt"
else
  rm "$context/requirements.new"
fi
echo "== smartcity wheel"
rm -f "$context"/app/*.whl
"$python" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$context/app" "$root"
cp "$root/Containerfile" "$context/Containerfile"

echo "== image $tag"
version=$("$python" -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' "$root/pyproject.toml")
revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
$podman build --quiet --layers=false \
  --build-arg "BASE_IMAGE=$base" \
  --build-arg "VERSION=$version" \
  --build-arg "REVISION=$revision" \
  --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --tag "$tag" "$context" >/dev/null
echo "built $tag ($version, $revision) on $base"

# The image's SBOM (CycloneDX JSON, next to the build context): its Debian packages (dpkg's
# status, licences from machine-readable copyright files) and its Python distributions, read
# from the image's own files. Needs the CycloneDX library: PYTHON of the dev environment.
sbom=${SBOM_OUTPUT:-$cache/smartcity-image.cdx.json}
rootfs=$cache/sbom-rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs"
container=$($podman create "$tag")
# tar reads the whole stream (podman export blocks on a reader that stops early); names the
# image does not have (/usr/local's site-packages in a Debian-made base) are no error.
{ $podman export "$container" || echo failed > "$rootfs/.export-failed"; } |
  tar -x -C "$rootfs" --wildcards var/lib/dpkg/status etc/os-release usr/lib/os-release \
    usr/share/doc 'opt/smartcity/lib/python3*/site-packages/*.dist-info/*' \
    'usr/local/lib/python3*/site-packages/*.dist-info/*' 2>/dev/null || :
$podman rm "$container" >/dev/null
if [ -e "$rootfs/.export-failed" ]; then
  echo "podman export of $tag failed" >&2
  exit 1
fi
# podman: the manifest's digest; Docker has none before a push: the image id.
digest=$($podman image inspect --format '{{.Digest}}' "$tag" 2>/dev/null ||
  $podman image inspect --format '{{.Id}}' "$tag")
"$python" "$root/tools/image_sbom.py" "$rootfs" --name smartcity --version "$version" \
  --image-id "$digest" --repository "${tag%:*}" --output "$sbom"
rm -rf "$rootfs"
