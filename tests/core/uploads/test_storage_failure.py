"""When the upload storage fails (here: its directory is not a directory), the citizen gets a
clear 503 with Retry-After, and nothing of the report is kept half."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from smartcity.open311.demo import CATEGORIES
from smartcity.open311.models import ServiceRequest
from tests.conftest import World
from tests.core.uploads.pictures import png

PNG = png()  # a real picture: images are decoded and drawn again before they are stored


def test_a_failing_upload_storage_is_a_clear_error(
    client: TestClient, admin: TestClient, world: World
) -> None:
    admin.put("/dresden/api/v1/open311/categories", json=CATEGORIES[3])
    uploads = world.platform.settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / str(world.dresden.id)).write_text("not a directory")
    key = world.api_key(world.dresden, "open311:write")
    refused = client.post(
        "/dresden/open311/v2/requests.json",
        data={"api_key": key, "service_code": "spielplatz", "address_string": "Zwingerteich"},
        files={"media": ("schaukel.png", PNG, "image/png")},
    )
    assert refused.status_code == 503
    assert "kann gerade nicht gespeichert werden" in refused.json()[0]["description"]
    assert "Traceback" not in refused.text
    with world.tenant(world.dresden) as db:
        assert db.scalar(select(func.count()).select_from(ServiceRequest)) == 0
