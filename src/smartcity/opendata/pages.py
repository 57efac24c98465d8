"""The portal's open-data pages (search, dataset with preview, downloads and licence) and
the data officer's page in the back office (release, register, review, withdraw)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from smartcity.core.db import utcnow
from smartcity.core.errors import InvalidInput, NotFound, ServiceError
from smartcity.core.http.deps import MunicipalityDep, PlatformDep, TenantDbDep
from smartcity.core.modules import registry_of
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_text, staff_page
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.opendata import catalogue, datastreams, services, uploads, vocab
from smartcity.opendata.models import (
    DRAFT,
    MANUAL,
    PUBLISHED,
    REVIEW,
    WITHDRAWN,
    OpenDataset,
    OpenDatasetSeries,
)
from smartcity.opendata.permissions import OPENDATA_MANAGE
from smartcity.opendata.routes import UuidPath

portal_pages = APIRouter(prefix="/{municipality}", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)
Manager = Annotated[WebState, Depends(staff_page(OPENDATA_MANAGE))]
PREVIEW_ROWS = 20


def _label(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _vocabularies(lang: str) -> dict[str, Any]:
    return {
        "themes": [(code, _label(labels, lang)) for code, labels in vocab.THEMES.items()],
        "frequencies": [(c, _label(labels, lang)) for c, labels in vocab.FREQUENCIES.items()],
        "file_types": [(code, code) for code in vocab.FILE_TYPES if code != "HTML"],
        "theme_names": {c: _label(labels, lang) for c, labels in vocab.THEMES.items()},
        "frequency_names": {c: _label(labels, lang) for c, labels in vocab.FREQUENCIES.items()},
    }


@portal_pages.get("/offene-daten")
def open_data(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    q: Annotated[str, Query(max_length=100)] = "",
    thema: Annotated[str, Query(max_length=20)] = "",
    format: Annotated[str, Query(max_length=20)] = "",
    reihe: Annotated[str, Query(max_length=36)] = "",
) -> Response:
    series = services.published_series(db)
    chosen = series.get(reihe) if reihe else None
    query = services.Search(
        text=q.strip(),
        theme=thema if thema in vocab.THEMES else "",
        file_type=format if format in vocab.FILE_TYPES else "",
        series_id=chosen[0].id if chosen else None,
    )
    return render(
        request,
        "opendata/portal.html",
        state,
        datasets=services.search(db, query),
        query=query,
        chosen_series=chosen[0] if chosen else None,
        series=list(series.values()),
        **_vocabularies(state.language),
        **layout.portal(request, municipality, "offene-daten", gettext_("Open data")),
    )


def _preview(db: TenantDbDep, dataset: OpenDataset) -> tuple[list[str], list[list[str]]]:
    """The first rows of the dataset's first CSV file, for a table on its page."""
    for distribution in dataset.distributions:
        if distribution.format == "CSV" and distribution.byte_size:
            content = services.content_of(db, distribution) or b""
            reader = csv.reader(io.StringIO(content.decode("utf-8-sig", errors="replace")))
            rows = [row for _, row in zip(range(PREVIEW_ROWS + 1), reader, strict=False)]
            return (rows[0], rows[1:]) if rows else ([], [])
    return [], []


@portal_pages.get("/offene-daten/{dataset_uuid}")
def dataset_page(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: UuidPath,
) -> Response:
    return _dataset_page(request, state, db, municipality, platform, dataset_uuid)


@portal_pages.get("/offene-daten/{dataset_uuid}/zeitraum")
def datastream_range(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: UuidPath,
    datastream: Annotated[int, Query(ge=1, le=2**31 - 1)],
    start: Annotated[str, Query(alias="from", max_length=40)] = "",
    end: Annotated[str, Query(alias="to", max_length=40)] = "",
) -> Response:
    """The portal's form for a Datastream's CSV: checked here, so that a wrong range comes
    back as the dataset page with the reason; then on to the download."""
    dataset = services.by_uuid(db, dataset_uuid)
    if dataset.source != datastreams.SOURCE or dataset.status != PUBLISHED:
        raise NotFound("There is no such dataset.")
    try:
        stream = datastreams.stream_of(db, datastream)
        span = datastreams.time_range(start, end, municipality, utcnow())
        datastreams.check_size(db, stream, span)
    except InvalidInput as exc:
        return _dataset_page(
            request,
            state,
            db,
            municipality,
            platform,
            dataset_uuid,
            error=gettext_(exc.detail),
            status_code=422,
            chosen=(start, end),
        )
    query = urlencode({"from": start, "to": end})
    return RedirectResponse(
        f"/{municipality.slug}/dcat/datastreams/{stream.id}/observations.csv?{query}",
        status_code=303,
    )


def _dataset_page(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    dataset_uuid: str,
    *,
    error: str = "",
    status_code: int = 200,
    chosen: tuple[str, str] | None = None,
) -> Response:
    dataset = services.by_uuid(db, dataset_uuid)
    if dataset.status == WITHDRAWN:
        return render(
            request,
            "error.html",
            state,
            status_code=410,
            title=gettext_("No longer available"),
            explanation=gettext_("This dataset was withdrawn."),
            detail="",
        )
    if dataset.status != PUBLISHED:
        raise NotFound("There is no such dataset.")
    settings = services.settings_of(db, create=False)
    urls = catalogue.urls_of(platform.portal, municipality)
    header, rows = _preview(db, dataset)
    geojson = [
        urls.download(d) for d in dataset.distributions if d.format == "GEOJSON" and d.byte_size
    ]
    streams = datastreams.public_streams(db) if dataset.source == datastreams.SOURCE else []
    today = utcnow().date()
    start, end = chosen or (str(today - timedelta(days=1)), str(today))
    return render(
        request,
        "opendata/dataset.html",
        state,
        status_code=status_code,
        streams=streams,
        max_days=datastreams.MAX_DAYS,
        range_from=start,
        range_to=end,
        range_error=error,
        dataset=dataset,
        licence=vocab.licence_of(settings.licence),
        licence_iri=settings.licence,
        urls=urls,
        header=header,
        rows=rows,
        geojson=geojson,
        zone=municipality.timezone,
        **_vocabularies(state.language),
        **layout.portal(request, municipality, "offene-daten", dataset.title),
    )


# ---- the back office ------------------------------------------------------------------------


def _statuses() -> dict[str, str]:
    return {
        DRAFT: gettext_("draft"),
        REVIEW: gettext_("in review"),
        PUBLISHED: gettext_("published"),
        WITHDRAWN: gettext_("withdrawn"),
    }


def _staff(
    request: Request,
    state: WebState,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    message: str = "",
) -> Response:
    declared = registry_of(request).datasets()
    released: dict[str, OpenDataset | OpenDatasetSeries] = {
        **services.released(db),
        **services.released_series(db),
    }
    settings = services.settings_of(db)
    every_series = services.all_series(db)
    return render(
        request,
        "opendata/manage.html",
        state,
        status_code=status_code,
        declared=sorted(declared.items(), key=lambda item: item[1].title),
        released=released,
        manual=services.manual_datasets(db),
        series_choices=[(item.uuid, item.title) for item in every_series if item.source == MANUAL],
        all_series=every_series,
        member_counts=services.member_counts(db),
        settings=settings,
        licences=[(lic.iri, lic.name) for lic in vocab.LICENCE_LIST.values()],
        errors=errors or {},
        message=message,
        statuses=_statuses(),
        transitions=services.TRANSITIONS,
        **_vocabularies(state.language),
        **layout.staff(
            request, municipality, state.principal, "offene-daten", gettext_("Open data")
        ),
    )


@staff_pages.get("/offene-daten")
def manage(
    request: Request, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return _staff(request, state, db, municipality)


def _back(municipality: MunicipalityDep) -> RedirectResponse:
    return RedirectResponse(f"/{municipality.slug}/verwaltung/offene-daten", status_code=303)


@staff_pages.post("/offene-daten/freigabe")
def release(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    source = form_text(form, "source", 100)
    declaration = registry_of(request).datasets().get(source)
    if declaration is None:
        raise NotFound("There is no such dataset.")
    if form_text(form, "action", 10) == "on":
        services.switch_on(db, municipality, source, declaration, actor=state.principal.actor)
    else:
        services.switch_off(db, source, actor=state.principal.actor)
    return _back(municipality)


@staff_pages.post("/offene-daten/einstellungen")
def change_settings(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    minimum = form_text(form, "min_persons", 4)
    try:
        services.change_settings(
            db,
            actor=state.principal.actor,
            contact_email=form_text(form, "contact_email", 254),
            contributor_id=form_text(form, "contributor_id", 200),
            licence=form_text(form, "licence", 200),
            min_persons=int(minimum) if minimum.isdecimal() else 0,
        )
        # A new minimum applies to the published files at once.
        services.refresh_all(db, municipality, registry_of(request).datasets(), every=True)
    except InvalidInput as exc:
        # Nothing was written: the settings are checked before they change.
        errors = {name: gettext_(text) for name, text in exc.errors.items()}
        return _staff(request, state, db, municipality, errors, 422)
    return _back(municipality)


@staff_pages.post("/offene-daten/neu")
def register(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    data = services.ManualInput(
        title=form_text(form, "title", 300),
        description=form_text(form, "description", 5000),
        themes=[t for t in form.getlist("themes") if isinstance(t, str)][:5],
        frequency=form_text(form, "frequency", 40),
        keywords=[k.strip() for k in form_text(form, "keywords", 500).split(",")][:20],
        series=form_text(form, "series", 36),
    )
    upload = form.get("file")
    url = form_text(form, "url", 1000)
    actor = state.principal.actor
    try:
        # Everything is checked before anything is written, so that a refused file leaves
        # no half-registered dataset behind.
        services.check_manual(data)
        services.series_choice(db, data.series)
        file: tuple[str, str, bytes | None, str | None] | None = None
        if isinstance(upload, UploadFile) and upload.filename:
            limits = platform.portal.limits
            content = upload.file.read(limits.max_bytes + 1)
            name, kind = uploads.check(limits, upload.filename, content)
            file = (name, kind, content, None)
        elif url:
            kind = vocab.check_file_type(form_text(form, "url_format", 20)).code
            services.check_url(url)
            file = (url.rsplit("/", 1)[-1][:200] or "data", kind, None, url)
    except ServiceError as exc:
        errors = {name: gettext_(text) for name, text in exc.errors.items()} or {
            "file": gettext_(exc.detail)
        }
        return _staff(request, state, db, municipality, errors, exc.status)
    user = state.user.id if state.user else None
    dataset = services.register(db, data, actor=actor, user_id=user)
    if file is not None:
        name, kind, payload, link = file
        services.add_file(
            db, dataset, file_type=kind, name=name, data=payload, url=link, actor=actor
        )
    return _back(municipality)


@staff_pages.post("/offene-daten/{dataset_uuid}/status")
def change_status(
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    dataset_uuid: UuidPath,
) -> Response:
    dataset = services.by_uuid(db, dataset_uuid)
    if dataset.source != MANUAL:
        raise InvalidInput("A module's dataset is released or withdrawn by switching it.")
    services.move(db, dataset, form_text(form, "status", 20), actor=state.principal.actor)
    return _back(municipality)


@staff_pages.post("/offene-daten/reihe")
def create_series(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    data = _series_input(form)
    try:
        services.create_series(db, data, actor=state.principal.actor)
    except InvalidInput as exc:
        errors = {f"series_{name}": gettext_(text) for name, text in exc.errors.items()}
        return _staff(request, state, db, municipality, errors, 422)
    return _back(municipality)


def _series_input(form: Any) -> services.ManualInput:
    return services.ManualInput(
        title=form_text(form, "series_title", 300),
        description=form_text(form, "series_description", 5000),
        themes=[t for t in form.getlist("series_themes") if isinstance(t, str)][:5],
        frequency=form_text(form, "series_frequency", 40),
        keywords=[k.strip() for k in form_text(form, "series_keywords", 500).split(",")][:20],
    )


def _series_page(
    request: Request,
    state: WebState,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    series: OpenDatasetSeries,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    entered: services.ManualInput | None = None,
) -> Response:
    """The data officer's page of one series: its texts, its state, its datasets."""
    return render(
        request,
        "opendata/series.html",
        state,
        status_code=status_code,
        series=series,
        entered=entered,
        by_hand=series.source == MANUAL,
        members=services.series_members(db, series),
        addable=[
            (d.uuid, f"{d.title} ({_statuses()[d.status]})")
            for d in (services.addable(db) if series.source == MANUAL else [])
        ],
        errors=errors or {},
        statuses=_statuses(),
        **_vocabularies(state.language),
        **layout.staff(request, municipality, state.principal, "offene-daten", series.title),
    )


def _series_back(municipality: MunicipalityDep, series: OpenDatasetSeries) -> RedirectResponse:
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/offene-daten/reihen/{series.uuid}", status_code=303
    )


def _errors_of(exc: ServiceError, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}{name}": gettext_(text) for name, text in exc.errors.items()} or {
        "series": gettext_(exc.detail)
    }


@staff_pages.get("/offene-daten/reihen/{series_uuid}")
def series_page(
    request: Request,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    series_uuid: UuidPath,
) -> Response:
    series = services.series_by_uuid(db, series_uuid)
    return _series_page(request, state, db, municipality, series)


@staff_pages.post("/offene-daten/reihen/{series_uuid}")
def edit_series(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    series_uuid: UuidPath,
) -> Response:
    series = services.series_by_uuid(db, series_uuid)
    data = _series_input(form)
    try:
        services.edit_series(db, series, data, actor=state.principal.actor)
    except InvalidInput as exc:
        # Checked before anything changed: the form comes back with what was entered.
        return _series_page(
            request, state, db, municipality, series, _errors_of(exc, "series_"), 422, data
        )
    return _series_back(municipality, series)


@staff_pages.post("/offene-daten/reihen/{series_uuid}/status")
def series_status(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    series_uuid: UuidPath,
) -> Response:
    series = services.series_by_uuid(db, series_uuid)
    wanted = form_text(form, "status", 20)
    try:
        if wanted == WITHDRAWN:
            services.withdraw_series(db, series, actor=state.principal.actor)
        elif wanted == PUBLISHED:
            services.restore_series(db, series, actor=state.principal.actor)
        else:
            raise InvalidInput("Please choose published or withdrawn.")
    except InvalidInput as exc:
        return _series_page(request, state, db, municipality, series, _errors_of(exc), 422)
    return _series_back(municipality, series)


@staff_pages.post("/offene-daten/reihen/{series_uuid}/datensaetze")
def series_membership(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    series_uuid: UuidPath,
) -> Response:
    series = services.series_by_uuid(db, series_uuid)
    dataset = form_text(form, "dataset", 36)
    actor = state.principal.actor
    try:
        if form_text(form, "action", 10) == "remove":
            services.remove_member(db, series, dataset, actor=actor)
        else:
            services.add_member(db, series, dataset, actor=actor)
    except InvalidInput as exc:
        errors = {"dataset": gettext_(exc.errors.get("member", exc.detail))}
        return _series_page(request, state, db, municipality, series, errors, 422)
    return _series_back(municipality, series)
