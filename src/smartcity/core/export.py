"""A municipality's complete data as one ZIP archive, so a city can leave with all of it.

Every tenant-owned table is exported as CSV (nested values as JSON in the cell), read through a
tenant-scoped session, so nothing of another municipality can end up in the archive. Columns
marked `info={"export": False}` (secrets such as key digests) are left out. `manifest.json`
lists tables, columns and row counts.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, inspect, select
from sqlalchemy.orm import Session

from smartcity import __version__
from smartcity.core.db import Base, utcnow
from smartcity.core.identity import users
from smartcity.core.tenancy.models import Municipality, TenantOwned

Progress = Callable[[str, int], None]


def tenant_tables() -> list[type[Any]]:
    classes = [
        mapper.class_ for mapper in Base.registry.mappers if issubclass(mapper.class_, TenantOwned)
    ]
    return sorted(classes, key=lambda cls: cls.__tablename__)


def link_tables() -> list[tuple[Table, type[Any]]]:
    """Association tables between tenant-owned entities (Things <-> Locations, ...), each with
    the tenant-owned class its first foreign key points to."""
    mapped = {mapper.local_table for mapper in Base.registry.mappers}
    owners = {cls.__table__: cls for cls in tenant_tables()}
    found = []
    for table in Base.metadata.sorted_tables:
        if table in mapped or not table.foreign_keys:
            continue
        first = sorted(table.foreign_keys, key=lambda fk: fk.parent.name)[0]
        owner = owners.get(first.column.table)
        if owner is not None:
            found.append((table, owner))
    return found


def _write_link_table(db: Session, archive: zipfile.ZipFile, table: Table, owner: type[Any]) -> int:
    first = sorted(table.foreign_keys, key=lambda fk: fk.parent.name)[0]
    # Joined to the owning entity so that the tenant criterion of the session applies.
    query = (
        select(*table.c)
        .join(owner, first.parent == first.column)
        .order_by(*table.primary_key.columns)
    )
    rows = 0
    with archive.open(f"tables/{table.name}.csv", "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(table.c.keys())
        for row in db.execute(query):
            writer.writerow([_cell(value) for value in row])
            rows += 1
        text.flush()
        text.detach()
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_export(
    db: Session,
    municipality: Municipality,
    target: IO[bytes] | Path,
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the archive for the session's municipality; returns the manifest."""
    manifest: dict[str, Any] = {
        "format": "smartcity-export/1",
        "platform_version": __version__,
        "exported_at": utcnow().isoformat(),
        "municipality": {
            "slug": municipality.slug,
            "name": municipality.name,
            "ags": municipality.ags,
            "timezone": municipality.timezone,
            "center": [municipality.center_lat, municipality.center_lon],
        },
        "tables": {},
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for cls in tenant_tables():
            columns = [c for c in cls.__table__.columns if c.info.get("export", True)]
            rows = 0
            with archive.open(f"tables/{cls.__tablename__}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow([c.name for c in columns])
                mapper = inspect(cls)
                attributes = [mapper.get_property_by_column(c).class_attribute for c in columns]
                query = select(*attributes).select_from(cls)
                pk = list(cls.__table__.primary_key.columns)
                result = db.execute(query.order_by(*pk).execution_options(yield_per=5000))
                for row in result:
                    writer.writerow([_cell(value) for value in row])
                    rows += 1
                text.flush()
                text.detach()
            manifest["tables"][cls.__tablename__] = {
                "rows": rows,
                "columns": [c.name for c in columns],
            }
            if progress:
                progress(cls.__tablename__, rows)
        for table, owner in link_tables():
            rows = _write_link_table(db, archive, table, owner)
            manifest["tables"][table.name] = {"rows": rows, "columns": list(table.c.keys())}
            if progress:
                progress(table.name, rows)
        staff = [
            {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "email": user.email,
                "is_active": user.is_active,
                "roles": roles,
            }
            for user, roles in users.staff_of(db, municipality)
        ]
        archive.writestr("staff.json", json.dumps(staff, ensure_ascii=False, indent=2))
        manifest["staff"] = len(staff)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest
