"""The import contracts of `make lint` hold, and a wrong-way import breaks them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter.configuration import configure
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract
from tools.import_contracts import DeclaredDependencies

configure()  # import-linter's own settings, as its command line sets them
ROOT = Path(__file__).parents[1]
TYPES: dict[str, type[Contract]] = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "declared dependencies": DeclaredDependencies,
}


def contracts() -> list[Contract]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    session = {"root_packages": config["root_packages"]}
    found = []
    for options in config["contracts"]:
        options = dict(options)
        name, kind = options.pop("name"), options.pop("type")
        found.append(TYPES[kind](name, session, options))
    return found


@pytest.fixture(scope="module")
def graph() -> Any:
    return grimp.build_graph("smartcity")


def broken(graph: Any) -> list[str]:
    return [c.name for c in contracts() if not c.check(graph, verbose=False).kept]


def test_the_code_keeps_every_contract(graph: Any) -> None:
    assert broken(graph) == []


@pytest.mark.parametrize(
    ("importer", "imported", "contract"),
    [
        ("smartcity.core.db", "smartcity.parking.models", "core imports no other package"),
        ("smartcity.sensorthings.reading", "smartcity.web.site", "Layers"),
        ("smartcity.parking.services", "smartcity.lighting.models", "Domain modules import"),
        ("smartcity.cases.workflow", "smartcity.citizen.models", "Domain modules import"),
        ("smartcity.benches.services", "smartcity.simulator.runner", "Domain modules import"),
        ("smartcity.sensorthings.reading", "smartcity.parking.models", "Domain modules import"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(
    graph: Any, importer: str, imported: str, contract: str
) -> None:
    graph.add_import(importer=importer, imported=imported)
    try:
        assert any(name.startswith(contract) for name in broken(graph))
    finally:
        graph.remove_import(importer=importer, imported=imported)
