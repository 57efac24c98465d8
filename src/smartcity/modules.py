"""The installed modules, in order. Each name is a package of `smartcity` whose `module.py`
declares the module (`smartcity.core.modules.Module`); everything else — routes, models,
migrations, jobs, demo data, navigation, map layers — is read from those declarations.

The order matters in two places: API routers are registered in this order (pages of every
module after all APIs), and demo seeders run in this order.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from smartcity.core import migrate
from smartcity.core.jobs import PeriodicJob
from smartcity.core.modules import Module, Registry

MODULES: tuple[str, ...] = (
    "core",
    "sensorthings",
    "parking",
    "open311",
    "lighting",
    "benches",
    "citizen",
    "cases",
    "watermeter",
    "privacy",
    "opendata",
    "channel",
    "participation",
    "leisure",
    "council",
    "transit",
    "charging",
    "energy",
    "wifi",
    # Last: the shell's pages under /{municipality}/… must not shadow the modules' pages.
    "web",
)


def declaration(package: str) -> Module:
    """The declaration of `package`: a name of `MODULES` or a dotted path of any package
    (tests register their own)."""
    path = package if "." in package else f"smartcity.{package}"
    found = importlib.import_module(f"{path}.module").module
    if not isinstance(found, Module):
        raise TypeError(f"{path}.module.module is not a Module")
    return found


def installed_modules(packages: Iterable[str] = MODULES) -> Registry:
    return Registry(tuple(declaration(package) for package in packages))


def reserved_slugs(packages: Iterable[str] = MODULES) -> frozenset[str]:
    """The path segments a municipality's slug must not take (see `Registry.reserved_slugs`)."""
    return installed_modules(packages).reserved_slugs()


def import_models(packages: Iterable[str] = MODULES) -> None:
    """Import every module's models so that the metadata is complete (migrations, export), and
    make the migrations that modules own known to Alembic."""
    for module in installed_modules(packages):
        for name in module.models:
            importlib.import_module(name)
        if module.migrations is not None:
            migrate.add_version_location(module.migrations)


def periodic_jobs() -> list[PeriodicJob]:
    return installed_modules().jobs()
