"""A real harvester reads the catalogue unchanged: CKAN with ckanext-dcat's RDFParser and the
euro_dcat_ap_3 profile (what GovData runs), in a virtual environment of its own that is no
dependency of the platform. Every dataset arrives with its title, licence, resource URLs
and formats, the pages are followed by hydra:next, and a withdrawn dataset is gone on the
next harvest.

The environment is built once per version of ckan-requirements.txt into
$SMARTCITY_CKAN_VENV (default ~/.cache/smartcity/ckan-<hash>); CI caches that directory under
the file's hash (docs/opendata.md)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.opendata.conftest import released, submit
from tests.venvs import cached_python

HERE = Path(__file__).parent
REQUIREMENTS = HERE / "ckan-requirements.txt"


@pytest.fixture(scope="session")
def ckan_python() -> Path:
    return cached_python("ckan", REQUIREMENTS, "SMARTCITY_CKAN_VENV", "CKAN")


def harvest(ckan_python: Path, client: TestClient, slug: str) -> list[dict[str, Any]]:
    """Every page of the catalogue through the parser, following its next page."""
    url: str | None = f"/{slug}/dcat/catalog"
    found: list[dict[str, Any]] = []
    while url:
        response = client.get(url, headers={"Accept": "text/turtle"})
        assert response.status_code == 200
        parsed = subprocess.run(
            [str(ckan_python), str(HERE / "ckan_parse.py"), "turtle"],
            input=response.content,
            capture_output=True,
            check=True,
            timeout=120,
        )
        page = json.loads(parsed.stdout)
        found += page["datasets"]
        following = page["next_page"]
        url = f"{urlsplit(following).path}?{urlsplit(following).query}" if following else None
    return found


def test_ckan_harvests_every_dataset_and_drops_a_withdrawn_one(
    ckan_python: Path, client: TestClient, steward: TestClient, demo_catalogue: World
) -> None:
    harvested = harvest(ckan_python, client, "dresden")
    titles = {d["title"] for d in harvested}
    # CKAN keeps one language of a title (its default locale's where there is one).
    parking = {"Parkhausbelegung", "Car-park occupancy"}
    assert parking & titles
    assert "Bürgerbüros und Öffnungszeiten" in titles
    # Every module's declared dataset, the one registered by hand, the series' two members.
    assert len(harvested) == released(demo_catalogue) + 3
    for dataset in harvested:
        assert dataset["resources"], dataset["title"]
        for resource in dataset["resources"]:
            assert resource["url"].startswith("http"), resource
            assert resource["format"].endswith(("/CSV", "/JSON")), resource
            assert resource["license"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    downloads = [r["download_url"] for d in harvested for r in d["resources"] if r["download_url"]]
    for url in downloads:
        assert client.get(urlsplit(url).path).status_code == 200
    response = submit(
        steward,
        "/dresden/verwaltung/offene-daten/freigabe",
        {"source": "parking.belegung", "action": "off"},
    )
    assert response.status_code == 303
    again = {d["title"] for d in harvest(ckan_python, client, "dresden")}
    assert again == titles - parking
