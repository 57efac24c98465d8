"""Run by the CKAN virtual environment of test_harvester.py (not by the platform's): parse a
DCAT catalogue page from stdin with ckanext-dcat's RDFParser and the euro_dcat_ap_3 profile,
and print what a CKAN harvester would create, as JSON."""

import json
import sys

from ckanext.dcat.processors import RDFParser  # type: ignore[import-not-found]

parser = RDFParser(profiles=["euro_dcat_ap_3"])
parser.parse(sys.stdin.read(), _format=sys.argv[1] if len(sys.argv) > 1 else "turtle")
datasets = []
for dataset in parser.datasets():
    extras = {extra["key"]: extra["value"] for extra in dataset.get("extras", [])}
    datasets.append(
        {
            "uri": dataset.get("uri") or extras.get("uri"),
            "title": dataset.get("title"),
            "license_id": dataset.get("license_id"),
            "resources": [
                {
                    "url": resource.get("url"),
                    "download_url": resource.get("download_url"),
                    "format": resource.get("format"),
                    "license": resource.get("license"),
                }
                for resource in dataset.get("resources", [])
            ],
        }
    )
print(json.dumps({"datasets": datasets, "next_page": parser.next_page()}))
