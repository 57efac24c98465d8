"""Runs in a process of its own (its model and migration must not leak into the test session's
metadata): installs the tiny module next to the platform's, and prints what a user sees."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import inspect

from smartcity.app import create_app
from smartcity.core import migrate
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.demo import create_demo_data
from smartcity.modules import MODULES, import_models

TINY = "tests.core.tinymodule"


def main(data_dir: Path) -> None:
    modules = (*MODULES, TINY)
    settings = Settings(data_dir=data_dir, secret_key="tiny-module-test-secret-0123456789abcdef")
    import_models(modules)
    platform = Platform.from_settings(settings)
    passwords = create_demo_data(platform, modules=("core", TINY))
    seen: dict[str, object] = {
        "tables": sorted(inspect(platform.engine).get_table_names()),
        "up_to_date": migrate.is_up_to_date(platform.engine),
    }
    app = create_app(platform=platform, run_broker=False, run_jobs=False, modules=modules)
    with TestClient(app, base_url="https://testserver") as client:
        seen["anonymous"] = client.get("/dresden/api/v1/tiny/notes").status_code
        for user in ("dresden.betrieb", "dresden.revision", "dresden.notizen"):
            login = client.post("/auth/login", json={"username": user, "password": passwords[user]})
            token = login.json()["csrf_token"]
            answer = client.get("/dresden/api/v1/tiny/notes")
            page = client.get("/dresden/verwaltung/notizen", follow_redirects=False)
            seen[user] = {
                "status": answer.status_code,
                "body": answer.json() if answer.status_code == 200 else None,
                "overview": client.get("/dresden/verwaltung/").text,
                "page": page.status_code,
                "page_text": page.text,
            }
            client.post("/auth/logout", headers={"X-CSRF-Token": token})
        seen["admin"] = administration(client, passwords["dresden.admin"])
    print(json.dumps(seen))


def administration(client: TestClient, password: str) -> dict[str, object]:
    """What the administration sees of the module's role, and what it may give."""
    login = client.post("/auth/login", json={"username": "dresden.admin", "password": password})
    token = login.json()["csrf_token"]
    german = client.get("/dresden/verwaltung/benutzer?lang=de").text
    english = client.get("/dresden/verwaltung/benutzer?lang=en").text
    form = re.search(r'name="csrf_token" value="([^"]+)"', english)
    assert form is not None
    fields = {"csrf_token": form.group(1), "action": "create", "username": "dd.overlord"}
    fields |= {"password": "a long enough password 1", "display_name": "Overlord"}
    undeclared = client.post("/dresden/verwaltung/benutzer", data={**fields, "role": "overlord"})
    declared = client.post(
        "/dresden/verwaltung/benutzer",
        data={**fields, "username": "dd.keeper", "role": "tiny_keeper"},
        follow_redirects=False,
    )
    staff = client.get("/dresden/api/v1/staff").json()
    api = client.post(
        "/dresden/api/v1/staff",
        json={"username": "dd.api", "password": "a long enough password 2", "role": "overlord"},
        headers={"X-CSRF-Token": token},
    )
    client.post("/auth/logout", headers={"X-CSRF-Token": token})
    return {
        "german": german,
        "english": english,
        "undeclared": undeclared.status_code,
        "undeclared_text": undeclared.text,
        "declared": declared.status_code,
        "staff": {member["username"]: member["roles"] for member in staff},
        "api_undeclared": api.status_code,
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]))
