#!/bin/sh
# Supply-chain report (CI runs it): a CycloneDX SBOM of the Python environment, a licence
# report, and pip-audit of the locked dependencies. Fails on a known vulnerability that
# accepted-risks.txt does not list (or lists past its date).
#   deploy/supply-chain/report.sh [OUTPUT_DIR]     (default build/supply-chain)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/supply-chain}
python=${PYTHON:-$root/.venv/bin/python}
bin=$(dirname "$python")
mkdir -p "$out"

"$bin/cyclonedx-py" environment --pyproject "$root/pyproject.toml" --output-reproducible \
  --of JSON -o "$out/sbom-python.cdx.json" "$python"
"$python" - "$out/sbom-python.cdx.json" "$out/licences.txt" <<'PY'
import json, sys
sbom = json.load(open(sys.argv[1]))
rows = []
for component in sbom.get("components", []):
    names = []
    for entry in component.get("licenses", []):
        if "expression" in entry:
            names.append(entry["expression"])
        else:
            licence = entry.get("license", {})
            names.append(licence.get("id") or licence.get("name") or "?")
    rows.append((component["name"], component.get("version", ""), " OR ".join(names) or "UNKNOWN"))
rows.sort(key=lambda row: row[0].lower())
with open(sys.argv[2], "w") as report:
    for name, version, licence in rows:
        report.write(f"{name}\t{version}\t{licence}\n")
unknown = [name for name, _, licence in rows if licence == "UNKNOWN"]
print(f"SBOM: {len(rows)} components; licences in {sys.argv[2]}"
      + (f"; no licence metadata: {', '.join(unknown)}" if unknown else ""))
PY

today=$(date -u +%Y-%m-%d)
ignores=""
expired=""
while read -r id rest; do
  case "$id" in ''|'#'*) continue ;; esac
  until=$(printf '%s\n' "$rest" | grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' | tail -n 1 || true)
  if [ -z "$until" ] || [ "$until" \< "$today" ]; then expired="$expired $id"; fi
  ignores="$ignores --ignore-vuln $id"
done < "$here/accepted-risks.txt"
if [ -n "$expired" ]; then
  echo "accepted risks without a date or past it:$expired" >&2
  exit 1
fi
# shellcheck disable=SC2086 # one word per option
"$bin/pip-audit" --requirement "$root/requirements.lock" --disable-pip \
  --progress-spinner off --format json --output "$out/pip-audit.json" $ignores || {
  "$python" -m json.tool "$out/pip-audit.json" >&2 || true
  echo "pip-audit: known vulnerabilities in the locked dependencies (see above)" >&2
  exit 1
}
"$python" - "$out/pip-audit.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
deps = report["dependencies"]
skipped = [d for d in deps if d.get("skip_reason")]
print(f"pip-audit: {len(deps) - len(skipped)} of {len(deps)} locked packages audited, "
      "no known vulnerability")
if skipped:
    # The vulnerability service (PyPI's JSON API or OSV) was not reachable for these.
    print(f"pip-audit WARNING: {len(skipped)} packages could NOT be audited: "
          f"{skipped[0]['skip_reason']}")
PY
