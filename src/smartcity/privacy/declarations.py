"""The personal-data declarations of the installed modules, checked and made usable: each
declaration's ORM class, the order in which erasure must visit them, and the fideslang
taxonomy their categories, subjects and uses are keys of."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from fideslang.default_taxonomy import DEFAULT_TAXONOMY
from sqlalchemy import Column, Text

from smartcity.core.db import Base
from smartcity.core.modules import (
    ERASE_ANONYMISE,
    ERASE_DELETE,
    ERASE_KEEP,
    PersonalData,
    Registry,
)

ERASURES = (ERASE_DELETE, ERASE_ANONYMISE, ERASE_KEEP)
# What a rectifiable column holds (Art. 16): besides e-mail and names, which are corrected
# wherever a declaration finds people by them.
RECTIFIABLE = ("address", "phone", "public_name", "birth_date")


class DeclarationError(ValueError):
    """A declaration that names an unknown table, column or taxonomy key, or is incomplete."""


@dataclass(frozen=True)
class Declared:
    """One declaration with the module that made it and the ORM class of its table."""

    module: str
    data: PersonalData
    model: type[Any]

    @property
    def table(self) -> str:
        return self.data.table

    def column(self, name: str) -> Column[Any]:
        column: Column[Any] = self.model.__table__.c[name]
        return column

    @property
    def primary_key(self) -> Column[Any]:
        (key,) = self.model.__table__.primary_key.columns
        column: Column[Any] = key
        return column


@cache
def taxonomy() -> dict[str, frozenset[str]]:
    """The keys of the fideslang default taxonomy, by kind."""
    return {
        "category": frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        "subject": frozenset(s.fides_key for s in DEFAULT_TAXONOMY.data_subject),
        "use": frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
    }


def models_by_table() -> dict[str, type[Any]]:
    return {
        mapper.class_.__tablename__: mapper.class_
        for mapper in Base.registry.mappers
        if hasattr(mapper.class_, "__tablename__")
    }


def problems(data: PersonalData, models: dict[str, type[Any]]) -> list[str]:
    """What is wrong with one declaration (empty when nothing is)."""
    where = f"{data.table} {list(data.columns)}"
    model = models.get(data.table)
    if model is None:
        return [f"{where}: no such table"]
    columns = set(model.__table__.c.keys())
    found = []
    named = [*data.columns, *data.identifiers]
    if data.link is not None:
        named += [data.link.column, *data.link.where]
        target = models.get(data.link.table)
        if target is None or data.link.target not in target.__table__.c:
            found.append(f"{where}: link to unknown {data.link.table}.{data.link.target}")
    found += [f"{where}: no column {name}" for name in named if name not in columns]
    keys = taxonomy()
    found += [
        f"{where}: {c} is no fideslang data category"
        for c in data.categories
        if c not in keys["category"]
    ]
    if data.subject not in keys["subject"]:
        found.append(f"{where}: {data.subject} is no fideslang data subject")
    if data.use not in keys["use"]:
        found.append(f"{where}: {data.use} is no fideslang data use")
    if data.erasure not in ERASURES:
        found.append(f"{where}: erasure {data.erasure!r} is not one of {ERASURES}")
    if data.erasure == ERASE_KEEP and not data.keep_reason:
        found.append(f"{where}: kept on erasure without the law's reason")
    if data.retention.action not in (ERASE_DELETE, ERASE_ANONYMISE):
        found.append(f"{where}: retention action {data.retention.action!r}")
    if data.retention.days is not None and data.retention.after not in columns:
        found.append(f"{where}: retention counted from unknown column {data.retention.after}")
    for recount in data.recount:
        parent = models.get(recount.table)
        if (
            parent is None
            or recount.column not in parent.__table__.c
            or recount.target not in parent.__table__.c
            or recount.via not in columns
        ):
            found.append(f"{where}: recount of unknown {recount.table}.{recount.column}")
    for name, kind in data.rectifiable.items():
        if name not in data.columns:
            found.append(f"{where}: rectifiable column {name} is not among the declared ones")
        if kind not in RECTIFIABLE:
            found.append(f"{where}: rectifiable kind {kind!r} is not one of {RECTIFIABLE}")
    if not (data.identifiers or data.link or data.unidentifiable):
        found.append(f"{where}: neither identifiers nor a link: access and erasure miss it")
    if not data.purpose or not data.legal_basis or not data.retention.label:
        found.append(f"{where}: purpose, legal basis and retention class are required")
    return found


def declared(registry: Registry) -> list[Declared]:
    """Every installed module's declarations, checked, in erasure order: a declaration whose
    rows belong to another table's rows comes before that table's, so that a row is
    anonymised or deleted before what it points to (and foreign keys hold throughout)."""
    models = models_by_table()
    found: list[Declared] = []
    wrong: list[str] = []
    jobs = {job.name for job in registry.retention_jobs()}
    for module in registry:
        for data in module.personal_data:
            wrong += problems(data, models)
            handled_by = data.retention.handled_by
            if handled_by is not None and handled_by not in jobs:
                wrong.append(
                    f"{data.table} {list(data.columns)}: retention by {handled_by}, which no "
                    "module declares as a retention job (its dry run could not count it)"
                )
            if data.table in models:
                found.append(Declared(module.name, data, models[data.table]))
    if wrong:
        raise DeclarationError("; ".join(wrong))
    return erasure_order(found)


def erasure_order(items: Sequence[Declared]) -> list[Declared]:
    """Children (declarations with a link) before their parents, stable otherwise."""
    depth: dict[int, int] = {}

    def level(item: Declared, seen: frozenset[str]) -> int:
        link = item.data.link
        if link is None or link.table in seen:
            return 0
        parents = [p for p in items if p.table == link.table]
        return 1 + max((level(p, seen | {item.table}) for p in parents), default=0)

    for index, item in enumerate(items):
        depth[index] = level(item, frozenset())
    order = sorted(range(len(items)), key=lambda i: -depth[i])
    return [items[i] for i in order]


def tables(items: Iterable[Declared]) -> list[str]:
    return sorted({item.table for item in items})


# Column names that usually hold personal data: names, contact and address, birth dates,
# network addresses and devices, free text and messages, form answers, uploads' names,
# and who did something. Long text columns are treated as free text whatever their name.
LOOKS_PERSONAL = re.compile(
    r"(^|_)(name|names|email|mail|phone|mobile|fax|address|street|postcode|zip|birth|birthday|"
    r"dob|ip|user_agent|device|text|description|note|comment|message|body|data|answers|"
    r"subject|original_name|filename|contact|by|actor|author|owner|iban|receipt|username|"
    r"properties|parameters)($|_)"
)


def looks_personal(column: Column[Any]) -> bool:
    return bool(LOOKS_PERSONAL.search(column.name)) or isinstance(column.type, Text)


def undeclared(registry: Registry) -> list[str]:
    """`table.column` of every column that looks personal and that no module declares, either
    as personal data or as not personal (with a reason)."""
    covered = {(d.table, c) for d in registry.personal_data() for c in d.columns}
    covered |= {(n.table, c) for n in registry.not_personal() for c in n.columns}
    return [
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if looks_personal(column) and (table.name, column.name) not in covered
    ]
