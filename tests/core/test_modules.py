"""A module is its package: declared once, it gets its route, permission, navigation entry,
migration and demo data without a line changed elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from smartcity.modules import MODULES, installed_modules

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def seen(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # A process of its own: the tiny module's table must not join this session's metadata.
    result = subprocess.run(
        [sys.executable, "-m", "tests.core.tinymodule.scenario", str(tmp_path_factory.mktemp("t"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_its_migration_runs_on_a_branch_of_its_own(seen: dict[str, Any]) -> None:
    assert "tiny_note" in seen["tables"]
    assert seen["up_to_date"] is True


def test_its_route_is_denied_unless_a_role_holds_its_permission(seen: dict[str, Any]) -> None:
    assert seen["anonymous"] == 401
    assert seen["dresden.revision"]["status"] == 403
    assert seen["dresden.betrieb"]["status"] == 200


def test_its_page_renders_its_template_in_german_for_its_role_only(seen: dict[str, Any]) -> None:
    operator = seen["dresden.betrieb"]
    assert operator["page"] == 200
    assert "<h1>Kleine Notizen</h1>" in operator["page_text"]
    assert "Hello from Landeshauptstadt Dresden" in operator["page_text"]
    assert seen["dresden.revision"]["page"] == 403


def test_its_demo_data_is_seeded(seen: dict[str, Any]) -> None:
    assert seen["dresden.betrieb"]["body"] == ["Hello from Landeshauptstadt Dresden"]


def test_its_navigation_entry_shows_for_the_role_that_may_use_it(seen: dict[str, Any]) -> None:
    assert 'href="/dresden/verwaltung/notizen"' in seen["dresden.betrieb"]["overview"]
    assert 'href="/dresden/verwaltung/notizen"' not in seen["dresden.revision"]["overview"]


def test_its_role_is_offered_by_the_administration_with_its_labels(seen: dict[str, Any]) -> None:
    admin = seen["admin"]
    assert '<option value="tiny_keeper">Notizpflege</option>' in admin["german"]
    assert "Liest die kleinen Notizen" in admin["german"]
    assert '<option value="tiny_keeper">Keeper of the tiny notes</option>' in admin["english"]
    assert admin["declared"] == 303
    assert admin["staff"]["dd.keeper"] == ["tiny_keeper"]


def test_its_role_holds_what_it_declares_and_gets_its_demo_account(seen: dict[str, Any]) -> None:
    keeper = seen["dresden.notizen"]
    assert keeper["status"] == 200
    assert 'href="/dresden/verwaltung/notizen"' in keeper["overview"]


def test_a_role_no_module_declares_is_refused(seen: dict[str, Any]) -> None:
    admin = seen["admin"]
    assert admin["undeclared"] == 422
    assert "Please choose a role." in admin["undeclared_text"]
    assert "dd.overlord" not in admin["staff"]
    assert admin["api_undeclared"] == 422
    assert "dd.api" not in admin["staff"]


def test_every_installed_module_is_declared_in_its_own_package() -> None:
    registry = installed_modules()
    assert [module.name for module in registry] == list(MODULES)
