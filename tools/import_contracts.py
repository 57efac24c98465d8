"""An import-linter contract built from the modules' declarations, so that a new module falls
under the rules without anyone editing the contracts.

For every package in `smartcity.modules.MODULES` except the platform's own layers (`core`,
and `web`, the shell), its code may import only: itself, `smartcity.core`, `smartcity.sensorthings`
(unless it is sensorthings), the top-level package, and the peers its declaration `requires`.
Everything else — another domain, the web shell, the app, the CLI — is a broken contract. The
declared dependencies must not form a circle either.
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain.contract import Contract, ContractCheck

ROOT = "smartcity"
# The layers every domain may use.
BELOW_DOMAINS = ("core", "sensorthings")
# Not a domain: the shell above every domain (checked by the layers contract).
SHELL = "web"


def _declared() -> dict[str, tuple[str, ...]]:
    from smartcity.modules import MODULES, declaration

    return {name: declaration(name).requires for name in MODULES if name not in ("core", SHELL)}


def _circle(requires: dict[str, tuple[str, ...]]) -> list[str] | None:
    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        for peer in requires.get(name, ()):
            found = visit(peer, [*path, name])
            if found:
                return found
        return None

    for start in requires:
        found = visit(start, [])
        if found:
            return found
    return None


class DeclaredDependencies(Contract):
    type_name = "declared dependencies"

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        requires = _declared()
        problems: list[str] = []
        for name, peers in requires.items():
            unknown = [peer for peer in peers if peer not in requires]
            if unknown:
                problems.append(f"{name} requires {', '.join(unknown)}, which is no domain module")
            allowed = {name, *peers, *BELOW_DOMAINS}
            if name == "sensorthings":  # a layer below the domains, not a peer of them
                allowed = {"sensorthings", "core"}
            package = f"{ROOT}.{name}"
            importers = {package, *graph.find_descendants(package)}
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    parts = imported.split(".")
                    if parts[0] != ROOT or len(parts) == 1 or parts[1] in allowed:
                        continue
                    lines = [
                        str(detail["line_number"])
                        for detail in graph.get_import_details(importer=importer, imported=imported)
                    ]
                    problems.append(
                        f"{importer} -> {imported} (l.{', '.join(lines)}): "
                        f"{name} may import {', '.join(sorted(allowed))} only"
                    )
        circle = _circle(requires)
        if circle:
            problems.append("declared dependencies form a circle: " + " -> ".join(circle))
        return ContractCheck(kept=not problems, metadata={"problems": problems})

    def render_broken_contract(self, check: ContractCheck) -> None:
        problems: list[Any] = check.metadata["problems"]
        for problem in problems:
            output.print_error(f"- {problem}")
        output.new_line()
        output.print(
            "A module imports its own package, core, sensorthings and the modules listed in "
            "`requires` of its declaration (module.py). Talk to any other module through an "
            "event, or declare the dependency on purpose."
        )
