"""The catalogue's rows: settings, releasing a module's dataset, keeping its files current,
datasets registered by hand and their review, and what the catalogue lists."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from smartcity.core.audit import services as audit
from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound
from smartcity.core.modules import DatasetDeclaration, Period, Table
from smartcity.core.tenancy.models import Municipality
from smartcity.opendata import guard, vocab
from smartcity.opendata.models import (
    DRAFT,
    MANUAL,
    PUBLISHED,
    REVIEW,
    WITHDRAWN,
    OpenDataset,
    OpenDatasetSeries,
    OpenDataSettings,
    OpenDistribution,
)

# Catalogue pages hold this many datasets (harvesters follow hydra:next).
PAGE_SIZE = 100


def settings_of(db: Session, *, create: bool = True) -> OpenDataSettings:
    """The municipality's settings; the defaults where none were saved (stored only when
    `create`: the catalogue's GET requests run in read-only transactions)."""
    found = db.scalar(select(OpenDataSettings))
    if found is None:
        found = OpenDataSettings(
            licence=vocab.LICENCES + vocab.DEFAULT_LICENCE, min_persons=5, contact_email=""
        )
        found.contributor_id = ""
        if create:
            db.add(found)
            db.flush()
    return found


def change_settings(
    db: Session,
    *,
    actor: str,
    contact_email: str,
    contributor_id: str,
    licence: str,
    min_persons: int,
) -> OpenDataSettings:
    errors: dict[str, str] = {}
    if min_persons < 2:
        errors["min_persons"] = "At least 2: a cell of one person is that person."
    if contact_email and "@" not in contact_email:
        errors["contact_email"] = "Not an e-mail address."
    if contributor_id and not contributor_id.startswith(vocab.CONTRIBUTORS):
        errors["contributor_id"] = "Not a concept of the dcat-ap.de contributor list."
    if licence and vocab.licence_of(licence) is None:
        errors["licence"] = "Not a licence of the dcat-ap.de list."
    if errors:
        raise InvalidInput("Please check the catalogue settings.", errors=errors)
    found = settings_of(db)
    old = {"min_persons": found.min_persons, "licence": found.licence}
    found.contact_email = contact_email
    found.contributor_id = contributor_id
    found.licence = licence or found.licence
    found.min_persons = min_persons
    audit.record(
        db,
        actor=actor,
        action="opendata.settings",
        resource_type="opendata_settings",
        resource_id=found.id,
        changes={"old": old, "min_persons": min_persons, "licence": found.licence},
    )
    return found


# ---- datasets released from a module's declaration ------------------------------------------


def released(db: Session) -> dict[str, OpenDataset]:
    """The municipality's datasets from modules, by source ("<module>.<key>")."""
    return {
        d.source: d
        for d in db.scalars(
            select(OpenDataset).where(
                OpenDataset.source != MANUAL, OpenDataset.source.not_like(f"%{MEMBER}%")
            )
        )
    }


def released_series(db: Session) -> dict[str, OpenDatasetSeries]:
    """The municipality's series from modules, by source ("<module>.<key>")."""
    return {
        s.source: s
        for s in db.scalars(select(OpenDatasetSeries).where(OpenDatasetSeries.source != MANUAL))
    }


def is_released(db: Session, source: str) -> bool:
    """Whether a module's declaration is published (a dataset, or a series)."""
    found = released(db).get(source) or released_series(db).get(source)
    return found is not None and found.status == PUBLISHED


def switch_on(
    db: Session,
    municipality: Municipality,
    source: str,
    declaration: DatasetDeclaration,
    *,
    actor: str,
    now: datetime | None = None,
) -> OpenDataset | None:
    """Release a module's dataset: published at once with its files made from today's data.
    A dataset switched on again keeps its URI. A declared series is released with its
    members (`release_series`; None is returned then)."""
    now = now or utcnow()
    vocab.check_themes(declaration.themes)
    vocab.check_frequency(declaration.frequency)
    if declaration.series is not None:
        release_series(db, municipality, source, declaration, actor=actor, now=now)
        return None
    dataset = released(db).get(source)
    if dataset is None:
        dataset = OpenDataset(uuid=str(uuid.uuid4()), source=source, issued=now)
        db.add(dataset)
    _describe(dataset, declaration)
    dataset.status = PUBLISHED
    db.flush()
    refresh_dataset(db, municipality, dataset, declaration, now=now)
    audit.record(
        db,
        actor=actor,
        action="opendata.release",
        resource_type="opendata_dataset",
        resource_id=dataset.uuid,
        changes={"source": source, "status": PUBLISHED},
    )
    return dataset


def switch_off(db: Session, source: str, *, actor: str) -> None:
    series = released_series(db).get(source)
    if series is not None and series.status == PUBLISHED:
        withdraw_series(db, series, actor=actor)
        return
    dataset = released(db).get(source)
    if dataset is None or dataset.status != PUBLISHED:
        raise NotFound("This dataset is not released.")
    _set_status(db, dataset, WITHDRAWN, actor=actor)


def _describe(dataset: OpenDataset, declaration: DatasetDeclaration) -> None:
    dataset.title = declaration.title
    dataset.title_en = declaration.title_en
    dataset.description = declaration.description
    dataset.description_en = declaration.description_en
    dataset.themes = list(declaration.themes)
    dataset.keywords = list(declaration.keywords)
    dataset.frequency = declaration.frequency
    dataset.hvd_category = declaration.hvd_category
    api = declaration.api
    dataset.api_title = api.title if api else None
    dataset.api_description = api.description if api else None
    dataset.api_path = api.path if api else None
    dataset.api_description_path = api.description_path if api else None
    dataset.api_conforms_to = api.conforms_to if api else None


@dataclass(frozen=True)
class _File:
    format: str
    title: str
    data: bytes | None = None
    url: str | None = None
    via_api: bool = False


def refresh_dataset(
    db: Session,
    municipality: Municipality,
    dataset: OpenDataset,
    declaration: DatasetDeclaration,
    *,
    now: datetime | None = None,
) -> bool:
    """Make the dataset's files from the module's current rows; a file whose bytes did not
    change keeps its `modified`, so harvesters see a change only when there is one. True when
    something changed."""
    now = now or utcnow()
    files: list[_File] = []
    if declaration.api is not None:
        files.append(_File("JSON", declaration.api.title, url=declaration.api.path, via_api=True))
    period: tuple[datetime | None, datetime | None] | None = None
    if declaration.table is not None:
        table = declaration.table(db, municipality, now)
        minimum = settings_of(db).min_persons
        files += _table_files(declaration.title, table, declaration.about_people, minimum)
        period = (table.start, table.end)
    changed = _sync_files(dataset, files, declaration.key, now)
    # The period belongs to the files: taken over only with a change of their bytes, so that
    # a period that ends (or starts) "now" does not move the catalogue at every refresh.
    if period is not None and (changed or dataset.modified is None):
        dataset.temporal_start, dataset.temporal_end = period
    if changed or dataset.modified is None:
        dataset.modified = now
    db.flush()
    return changed


def _table_files(title: str, table: Table, about_people: bool, min_persons: int) -> list[_File]:
    """A module's rows as CSV and JSON, through the personal-data guard."""
    out = guard.release(table, about_people=about_people, min_persons=min_persons)
    return [
        _File("CSV", f"{title} (CSV)", data=guard.to_csv(out)),
        _File("JSON", f"{title} (JSON)", data=guard.to_json(out)),
    ]


def _sync_files(dataset: OpenDataset, files: list[_File], stem: str, now: datetime) -> bool:
    """The dataset's distributions made to be `files`; True when any bytes changed."""
    existing = list(dataset.distributions)
    changed = False
    for position, file in enumerate(files):
        if position < len(existing):
            target = existing[position]
        else:
            target = OpenDistribution(uuid=str(uuid.uuid4()), issued=now, modified=now)
            dataset.distributions.append(target)
            changed = True
        changed |= _fill(target, file, stem, now)
    for stale in existing[len(files) :]:
        dataset.distributions.remove(stale)
        changed = True
    return changed


def _fill(target: OpenDistribution, file: _File, stem: str, now: datetime) -> bool:
    kind = vocab.FILE_TYPES[file.format]
    digest = hashlib.sha256(file.data).hexdigest() if file.data is not None else None
    same = (
        target.format == file.format
        and target.sha256 == digest
        and target.url == file.url
        and target.via_api == file.via_api
    )
    target.title = file.title
    target.format = file.format
    target.media_type = kind.media_type
    target.file_name = stem + kind.extension
    target.url = file.url
    target.via_api = file.via_api
    if not same:
        target.content = file.data
        target.byte_size = len(file.data) if file.data is not None else None
        target.sha256 = digest
        target.modified = now
    return not same


def refresh_all(
    db: Session,
    municipality: Municipality,
    declarations: Mapping[str, DatasetDeclaration],
    now: datetime | None = None,
    *,
    every: bool = False,
) -> int:
    """Refresh every released dataset and series of the municipality; the number that
    changed. A dataset whose module is no longer installed stays as it was. `every`: the
    files of long-closed periods too (after a change of the guard's minimum)."""
    changed = 0
    for source, dataset in released(db).items():
        declaration = declarations.get(source)
        if dataset.status == PUBLISHED and declaration is not None:
            # Texts and codes follow the module's declaration (a new release of the software).
            _describe(dataset, declaration)
            changed += refresh_dataset(db, municipality, dataset, declaration, now=now)
    for source, series in released_series(db).items():
        declaration = declarations.get(source)
        if series.status == PUBLISHED and declaration is not None:
            changed += refresh_series(db, municipality, series, declaration, now=now, every=every)
    return changed


# ---- series released from a module's declaration --------------------------------------------

# Between a declared series' source and a period's key in its members' sources.
MEMBER = "/"
# How long after its period a member's files are still made again by the refresh.
LATE_DATA = timedelta(days=7)


def _describe_series(series: OpenDatasetSeries, declaration: DatasetDeclaration) -> None:
    series.title = declaration.title
    series.title_en = declaration.title_en
    series.description = declaration.description
    series.description_en = declaration.description_en
    series.themes = list(declaration.themes)
    series.keywords = list(declaration.keywords)
    series.frequency = declaration.frequency


def release_series(
    db: Session,
    municipality: Municipality,
    source: str,
    declaration: DatasetDeclaration,
    *,
    actor: str,
    now: datetime,
) -> OpenDatasetSeries:
    """Release a module's series: one published dataset per closed period that has data,
    made now; the next ones come with the refresh when their period closes. Switched on
    again, the series and its members keep their URIs."""
    assert declaration.series is not None
    vocab.check_frequency(declaration.series.member_frequency)
    series = released_series(db).get(source)
    if series is None:
        series = OpenDatasetSeries(uuid=str(uuid.uuid4()), source=source)
        db.add(series)
    _describe_series(series, declaration)
    series.status = PUBLISHED
    db.flush()
    for member in db.scalars(select(OpenDataset).where(OpenDataset.series_id == series.id)):
        if member.status == WITHDRAWN:
            member.status = PUBLISHED
    refresh_series(db, municipality, series, declaration, now=now)
    audit.record(
        db,
        actor=actor,
        action="opendata.release",
        resource_type="opendata_series",
        resource_id=series.uuid,
        changes={"source": source, "status": PUBLISHED},
    )
    return series


def refresh_series(
    db: Session,
    municipality: Municipality,
    series: OpenDatasetSeries,
    declaration: DatasetDeclaration,
    *,
    now: datetime | None = None,
    every: bool = False,
) -> int:
    """A dataset for each closed period the module lists (new ones published, the files of
    those closed for less than `LATE_DATA` made again: late data changes them, otherwise
    nothing moves; with `every` all of them); the number that changed. A member whose period
    the module no longer lists stays as it was."""
    assert declaration.series is not None
    now = now or utcnow()
    _describe_series(series, declaration)
    members = {
        d.source: d
        for d in db.scalars(
            select(OpenDataset)
            .where(OpenDataset.series_id == series.id)
            .options(selectinload(OpenDataset.distributions))
        )
    }
    changed = 0
    minimum: int | None = None
    for period in declaration.series.periods(db, municipality, now):
        source = f"{series.source}{MEMBER}{period.key}"
        member = members.get(source)
        if member is None:
            member = OpenDataset(
                uuid=str(uuid.uuid4()),
                source=source,
                status=PUBLISHED,
                issued=now,
                series_id=series.id,
            )
            db.add(member)
        elif member.status != PUBLISHED:
            continue
        _describe_member(member, declaration, period)
        if not every and member.modified is not None and period.end < now - LATE_DATA:
            # Long closed: its files stay as they are (the settings' refresh makes them all).
            continue
        table = declaration.series.table(db, municipality, period)
        title = member.title
        if minimum is None:
            minimum = settings_of(db).min_persons  # read once, for the first member made
        files = _table_files(title, table, declaration.about_people, minimum)
        if _sync_files(member, files, f"{declaration.key}-{period.key}", now) or (
            member.modified is None
        ):
            member.modified = now
            changed += 1
    db.flush()
    return changed


def _describe_member(member: OpenDataset, declaration: DatasetDeclaration, period: Period) -> None:
    assert declaration.series is not None
    member.title = f"{declaration.title} {period.label}"
    member.title_en = f"{declaration.title_en} {period.label_en}" if declaration.title_en else ""
    member.description = f"{declaration.description} Dieser Datensatz: {period.label}."
    member.description_en = (
        f"{declaration.description_en} This dataset: {period.label_en}."
        if declaration.description_en
        else ""
    )
    member.themes = list(declaration.themes)
    member.keywords = [*declaration.keywords, period.label]
    member.frequency = declaration.series.member_frequency
    member.hvd_category = declaration.hvd_category
    # A closed period: its bounds never move, so they are the member's from the start.
    member.temporal_start, member.temporal_end = period.start, period.end


def withdraw_series(db: Session, series: OpenDatasetSeries, *, actor: str) -> OpenDatasetSeries:
    """A series out of the catalogue (its URI answers 410 Gone). A module's series takes its
    members with it (they are made from the module's data); the data officer's datasets of a
    series of their own stay published, without it."""
    if series.status != PUBLISHED:
        raise InvalidInput("This series is already withdrawn.")
    series.status = WITHDRAWN
    if series.source != MANUAL:
        for member in db.scalars(
            select(OpenDataset).where(
                OpenDataset.series_id == series.id, OpenDataset.status == PUBLISHED
            )
        ):
            member.status = WITHDRAWN
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="opendata.series.withdrawn",
        resource_type="opendata_series",
        resource_id=series.uuid,
        changes={"status": [PUBLISHED, WITHDRAWN], "source": series.source},
    )
    return series


# ---- datasets registered by hand ------------------------------------------------------------

# Who may move a dataset from which status to which.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (REVIEW,),
    REVIEW: (PUBLISHED, DRAFT),
    PUBLISHED: (WITHDRAWN,),
    WITHDRAWN: (REVIEW,),
}


@dataclass(frozen=True)
class ManualInput:
    title: str
    description: str
    themes: list[str]
    frequency: str
    keywords: list[str]
    licence_note: str = ""
    # The UUID of the series the dataset belongs to ("" for none).
    series: str = ""


def check_url(url: str) -> str:
    if not url.startswith("https://") or len(url) > 1000:
        raise InvalidInput("Please enter an https:// address.", errors={"url": "https"})
    return url


def check_manual(data: ManualInput) -> None:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = "Please enter a title."
    if not data.description.strip():
        errors["description"] = "Please describe the data."
    if not data.themes or any(t not in vocab.THEMES for t in data.themes):
        errors["themes"] = "Please choose at least one theme."
    if data.frequency not in vocab.FREQUENCIES:
        errors["frequency"] = "Please choose how often the data changes."
    if errors:
        raise InvalidInput("Please check your entries.", errors=errors)


def register(
    db: Session, data: ManualInput, *, actor: str, user_id: int | None, now: datetime | None = None
) -> OpenDataset:
    check_manual(data)
    series = series_choice(db, data.series)
    now = now or utcnow()
    dataset = OpenDataset(
        uuid=str(uuid.uuid4()),
        source=MANUAL,
        status=DRAFT,
        title=data.title.strip(),
        description=data.description.strip(),
        themes=data.themes,
        keywords=[k for k in data.keywords if k],
        frequency=data.frequency,
        created_by=user_id,
        modified=now,
        series=series,
    )
    db.add(dataset)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="opendata.register",
        resource_type="opendata_dataset",
        resource_id=dataset.uuid,
        changes={
            "title": dataset.title,
            "status": DRAFT,
            "series": series.uuid if series else None,
        },
    )
    return dataset


# ---- dataset series -------------------------------------------------------------------------


def create_series(db: Session, data: ManualInput, *, actor: str) -> OpenDatasetSeries:
    """A series (dcat:DatasetSeries) the data officer's datasets can be members of."""
    check_manual(data)
    series = OpenDatasetSeries(
        uuid=str(uuid.uuid4()),
        title=data.title.strip(),
        description=data.description.strip(),
        themes=data.themes,
        keywords=[k for k in data.keywords if k],
        frequency=data.frequency,
    )
    db.add(series)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="opendata.series",
        resource_type="opendata_series",
        resource_id=series.uuid,
        changes={"title": series.title, "frequency": series.frequency},
    )
    return series


def _kept_by_hand(series: OpenDatasetSeries) -> None:
    if series.source != MANUAL:
        raise InvalidInput(
            "This series is made by a module: it follows the module and is released or "
            "withdrawn by switching it."
        )


def _series_fields(series: OpenDatasetSeries) -> dict[str, object]:
    return {
        "title": series.title,
        "description": series.description,
        "themes": list(series.themes),
        "frequency": series.frequency,
        "keywords": list(series.keywords),
    }


def edit_series(
    db: Session, series: OpenDatasetSeries, data: ManualInput, *, actor: str
) -> OpenDatasetSeries:
    """New texts and codes for a series the data officer keeps (audited with the old and
    new values); its URI stays."""
    _kept_by_hand(series)
    check_manual(data)
    old = _series_fields(series)
    series.title = data.title.strip()
    series.description = data.description.strip()
    series.themes = data.themes
    series.frequency = data.frequency
    series.keywords = [k for k in data.keywords if k]
    new = _series_fields(series)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="opendata.series.edited",
        resource_type="opendata_series",
        resource_id=series.uuid,
        changes={
            "old": {k: v for k, v in old.items() if new[k] != v},
            "new": {k: v for k, v in new.items() if old[k] != v},
        },
    )
    return series


def restore_series(db: Session, series: OpenDatasetSeries, *, actor: str) -> OpenDatasetSeries:
    """A withdrawn series of the data officer's back in the catalogue, with its members."""
    _kept_by_hand(series)
    if series.status == PUBLISHED:
        raise InvalidInput("This series is already published.")
    series.status = PUBLISHED
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="opendata.series.published",
        resource_type="opendata_series",
        resource_id=series.uuid,
        changes={"status": [WITHDRAWN, PUBLISHED]},
    )
    return series


def series_members(db: Session, series: OpenDatasetSeries) -> list[OpenDataset]:
    """Every dataset of a series, whatever its status, oldest first."""
    return list(
        db.scalars(
            select(OpenDataset).where(OpenDataset.series_id == series.id).order_by(OpenDataset.id)
        )
    )


def addable(db: Session) -> list[OpenDataset]:
    """The data officer's datasets that are in no series (and not withdrawn)."""
    return list(
        db.scalars(
            select(OpenDataset)
            .where(
                OpenDataset.source == MANUAL,
                OpenDataset.series_id.is_(None),
                OpenDataset.status != WITHDRAWN,
            )
            .order_by(OpenDataset.title)
        )
    )


def add_member(
    db: Session, series: OpenDatasetSeries, dataset_uuid: str, *, actor: str
) -> OpenDataset:
    """One of the data officer's datasets into a series of theirs (dcat:inSeries)."""
    _kept_by_hand(series)
    dataset = db.scalar(select(OpenDataset).where(OpenDataset.uuid == dataset_uuid))
    if dataset is None or dataset.source != MANUAL or dataset.status == WITHDRAWN:
        raise InvalidInput(
            "Please check your entries.",
            errors={"member": "Please choose one of your datasets of the list."},
        )
    if dataset.series_id == series.id:
        return dataset
    if dataset.series_id is not None:
        raise InvalidInput(
            "Please check your entries.",
            errors={"member": "This dataset is in another series: remove it there first."},
        )
    dataset.series_id = series.id
    db.flush()
    _membership_audit(db, series, dataset, "added", actor)
    return dataset


def remove_member(
    db: Session, series: OpenDatasetSeries, dataset_uuid: str, *, actor: str
) -> OpenDataset:
    """A dataset out of a series; it stays in the catalogue on its own."""
    _kept_by_hand(series)
    dataset = db.scalar(
        select(OpenDataset).where(
            OpenDataset.uuid == dataset_uuid, OpenDataset.series_id == series.id
        )
    )
    if dataset is None:
        raise NotFound("This dataset is not in the series.")
    dataset.series_id = None
    db.flush()
    _membership_audit(db, series, dataset, "removed", actor)
    return dataset


def _membership_audit(
    db: Session, series: OpenDatasetSeries, dataset: OpenDataset, change: str, actor: str
) -> None:
    audit.record(
        db,
        actor=actor,
        action=f"opendata.series.member_{change}",
        resource_type="opendata_series",
        resource_id=series.uuid,
        changes={"dataset": dataset.uuid, "title": dataset.title},
    )


def series_choice(db: Session, series_uuid: str) -> OpenDatasetSeries | None:
    """The series a form chose ("" for none); an unknown one is an input error."""
    if not series_uuid:
        return None
    found = db.scalar(
        select(OpenDatasetSeries).where(
            OpenDatasetSeries.uuid == series_uuid, OpenDatasetSeries.source == MANUAL
        )
    )
    if found is None:
        raise InvalidInput(
            "Please check your entries.", errors={"series": "Please choose a series of the list."}
        )
    return found


def series_by_uuid(db: Session, series_uuid: str) -> OpenDatasetSeries:
    found = db.scalar(select(OpenDatasetSeries).where(OpenDatasetSeries.uuid == series_uuid))
    if found is None:
        raise NotFound("There is no such series.")
    return found


def all_series(db: Session) -> list[OpenDatasetSeries]:
    return list(db.scalars(select(OpenDatasetSeries).order_by(OpenDatasetSeries.title)))


def member_counts(db: Session) -> dict[int, int]:
    """The number of published datasets of each series, by the series' id."""
    return {
        series_id: int(count)
        for series_id, count in db.execute(
            select(OpenDataset.series_id, func.count())
            .where(OpenDataset.status == PUBLISHED, OpenDataset.series_id.is_not(None))
            .group_by(OpenDataset.series_id)
        )
        if series_id is not None
    }


def published_series(db: Session) -> dict[str, tuple[OpenDatasetSeries, int]]:
    """The series with at least one published member, by UUID, with the number of members."""
    counts = (
        select(OpenDataset.series_id, func.count().label("members"))
        .where(OpenDataset.status == PUBLISHED, OpenDataset.series_id.is_not(None))
        .group_by(OpenDataset.series_id)
        .subquery()
    )
    rows = db.execute(
        select(OpenDatasetSeries, counts.c.members)
        .join(counts, counts.c.series_id == OpenDatasetSeries.id)
        .where(OpenDatasetSeries.status == PUBLISHED)
        .order_by(OpenDatasetSeries.title)
    )
    return {series.uuid: (series, int(members)) for series, members in rows}


def published_members(db: Session, series_ids: list[int]) -> dict[int, list[OpenDataset]]:
    """The published datasets of each series, oldest first."""
    found: dict[int, list[OpenDataset]] = {}
    for dataset in db.scalars(
        select(OpenDataset)
        .where(OpenDataset.series_id.in_(series_ids), OpenDataset.status == PUBLISHED)
        .order_by(OpenDataset.id)
        .options(selectinload(OpenDataset.distributions), selectinload(OpenDataset.series))
    ):
        if dataset.series_id is not None:
            found.setdefault(dataset.series_id, []).append(dataset)
    return found


def add_file(
    db: Session,
    dataset: OpenDataset,
    *,
    file_type: str,
    name: str,
    data: bytes | None = None,
    url: str | None = None,
    actor: str,
    now: datetime | None = None,
) -> OpenDistribution:
    """A checked upload (its bytes) or an external file (its URL) as a distribution."""
    if dataset.source != MANUAL or dataset.status not in (DRAFT, REVIEW):
        raise InvalidInput("Files can be added to drafts only.")
    kind = vocab.check_file_type(file_type)
    if (data is None) == (url is None):
        raise InvalidInput("Either a file or a URL.")
    if url is not None:
        check_url(url)
    now = now or utcnow()
    distribution = OpenDistribution(
        uuid=str(uuid.uuid4()),
        title=name,
        format=kind.code,
        media_type=kind.media_type,
        file_name=name,
        content=data,
        byte_size=len(data) if data is not None else None,
        sha256=hashlib.sha256(data).hexdigest() if data is not None else None,
        url=url,
        issued=now,
        modified=now,
    )
    dataset.distributions.append(distribution)
    dataset.modified = now
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="opendata.file",
        resource_type="opendata_dataset",
        resource_id=dataset.uuid,
        changes={"file": name, "format": kind.code, "external": url is not None},
    )
    return distribution


def move(
    db: Session, dataset: OpenDataset, status: str, *, actor: str, now: datetime | None = None
) -> OpenDataset:
    if status not in TRANSITIONS.get(dataset.status, ()):
        raise InvalidInput(f"A dataset in status {dataset.status} cannot become {status}.")
    if status == PUBLISHED and not dataset.distributions:
        raise InvalidInput("A dataset needs at least one file before it is published.")
    if status == PUBLISHED and dataset.issued is None:
        dataset.issued = now or utcnow()
    return _set_status(db, dataset, status, actor=actor)


def _set_status(db: Session, dataset: OpenDataset, status: str, *, actor: str) -> OpenDataset:
    old = dataset.status
    dataset.status = status
    db.flush()
    audit.record(
        db,
        actor=actor,
        action=f"opendata.{status}",
        resource_type="opendata_dataset",
        resource_id=dataset.uuid,
        changes={"status": [old, status]},
    )
    return dataset


# ---- what the catalogue lists ------------------------------------------------------------


def by_uuid(db: Session, dataset_uuid: str) -> OpenDataset:
    found = db.scalar(
        select(OpenDataset)
        .where(OpenDataset.uuid == dataset_uuid)
        .options(selectinload(OpenDataset.distributions), selectinload(OpenDataset.series))
    )
    if found is None:
        raise NotFound("There is no such dataset.")
    return found


def distribution_by_uuid(db: Session, distribution_uuid: str) -> OpenDistribution:
    found = db.scalar(select(OpenDistribution).where(OpenDistribution.uuid == distribution_uuid))
    if found is None:
        raise NotFound("There is no such file.")
    return found


def content_of(db: Session, distribution: OpenDistribution) -> bytes | None:
    content: bytes | None = db.scalar(
        select(OpenDistribution.content).where(OpenDistribution.id == distribution.id)
    )
    return content


@dataclass(frozen=True)
class Search:
    text: str = ""
    theme: str = ""
    file_type: str = ""
    # A series' id: only its members.
    series_id: int | None = None


def published_totals(db: Session) -> tuple[int, datetime | None]:
    """The number of published datasets and the newest `modified` among them (one statement:
    on PostgreSQL each round trip costs more than the scan)."""
    total, modified = db.execute(
        select(func.count(), func.max(OpenDataset.modified)).where(OpenDataset.status == PUBLISHED)
    ).one()
    return int(total or 0), modified


def published_page(db: Session, page: int, size: int = PAGE_SIZE) -> list[OpenDataset]:
    """One page of the catalogue in a stable order (by creation: a new dataset goes to the
    end, so the pages a harvester already read do not shift). Their series are not loaded
    here: the page's `catalogue.series_of` reads the published ones (a dataset's `series` is
    then taken from the session), only a withdrawn one is read on its own."""
    return list(
        db.scalars(
            select(OpenDataset)
            .where(OpenDataset.status == PUBLISHED)
            .order_by(OpenDataset.id)
            .offset((page - 1) * size)
            .limit(size)
            .options(selectinload(OpenDataset.distributions))
        )
    )


def search(db: Session, query: Search, limit: int = 200) -> list[OpenDataset]:
    statement = (
        select(OpenDataset)
        .where(OpenDataset.status == PUBLISHED)
        .order_by(OpenDataset.title)
        .limit(limit)
        .options(selectinload(OpenDataset.distributions), selectinload(OpenDataset.series))
    )
    if query.series_id is not None:
        statement = statement.where(OpenDataset.series_id == query.series_id)
    if query.text:
        pattern = "%" + query.text.replace("%", "").replace("_", "") + "%"
        statement = statement.where(
            or_(OpenDataset.title.ilike(pattern), OpenDataset.description.ilike(pattern))
        )
    if query.file_type:
        statement = statement.where(
            OpenDataset.distributions.any(OpenDistribution.format == query.file_type)
        )
    found = list(db.scalars(statement))
    # Themes are a JSON list: filtered here, the same way on SQLite and PostgreSQL.
    return [d for d in found if not query.theme or query.theme in d.themes]


def manual_datasets(db: Session) -> list[OpenDataset]:
    return list(
        db.scalars(
            select(OpenDataset)
            .where(OpenDataset.source == MANUAL)
            .order_by(OpenDataset.id.desc())
            .options(selectinload(OpenDataset.distributions))
        )
    )
