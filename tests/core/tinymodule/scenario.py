"""Runs in a process of its own (its model and migration must not leak into the test session's
metadata): installs the tiny module next to the platform's, and prints what a user sees."""

from __future__ import annotations

import json
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
        for user in ("dresden.betrieb", "dresden.revision"):
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
    print(json.dumps(seen))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
