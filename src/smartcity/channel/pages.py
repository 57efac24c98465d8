"""The channel's pages: on the portal the news, the events and each post; in the back office
the list of posts, the editor (write, schedule, update, withdraw), the department channels and
the federation status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from smartcity.channel import federation
from smartcity.channel import services as channels
from smartcity.channel.federation import Context
from smartcity.channel.models import CERTAINTIES, SEVERITIES, URGENCIES, Post
from smartcity.channel.permissions import CHANNEL_FEDERATION, CHANNEL_PUBLISH
from smartcity.core.db import utcnow
from smartcity.core.errors import Gone, InvalidInput, NotFound, ServiceError
from smartcity.core.http.deps import IdPath, MunicipalityDep, PlatformDep, PortalDep, TenantDbDep
from smartcity.core.modules import registry_of
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.web import layout
from smartcity.core.web.deps import FormDep, PageDep, form_photo, form_text, row_id, staff_page
from smartcity.core.web.i18n import _, gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState

portal_pages = APIRouter(prefix="/{municipality}", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung/kanal", include_in_schema=False)
Publisher = Annotated[WebState, Depends(staff_page(CHANNEL_PUBLISH))]
FederationViewer = Annotated[WebState, Depends(staff_page(CHANNEL_FEDERATION))]

KIND_LABELS = {
    "news": _("News"),
    "press": _("Press release"),
    "event": _("Event"),
    "warning": _("Warning"),
}
LABELS = {
    "channel": _("Channel"),
    "kind": _("Kind of post"),
    "title": _("Title"),
    "teaser": _("Teaser"),
    "body": _("Text"),
    "language": _("Language"),
    "categories": _("Categories"),
    "publish_at": _("Publish at"),
    "starts_at": _("Starts"),
    "ends_at": _("Ends"),
    "location": _("Place"),
    "severity": _("Severity"),
    "urgency": _("Urgency"),
    "certainty": _("Certainty"),
    "expires_at": _("Warning expires"),
    "area_polygon": _("Area as polygon"),
    "area_description": _("Area description"),
    "image": _("Image"),
    "image_alt": _("Image description (alternative text)"),
    "slug": _("Address"),
    "name": _("Name"),
}


def _labels() -> dict[str, str]:
    return {name: gettext_(label) for name, label in LABELS.items()}


# A warning's CAP codes (stored and sent as they are), in words.
CAP_LABELS = {
    "Extreme": _("Extreme"),
    "Severe": _("Severe"),
    "Moderate": _("Moderate"),
    "Minor": _("Minor"),
    "Immediate": _("Immediate"),
    "Expected": _("Expected"),
    "Future": _("Future"),
    "Past": _("Past"),
    "Observed": _("Observed"),
    "Likely": _("Likely"),
    "Possible": _("Possible"),
    "Unlikely": _("Unlikely"),
    "Unknown": _("Unknown"),
}


def _cap(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(code, gettext_(CAP_LABELS[code])) for code in codes]


# ---- portal ------------------------------------------------------------------------------


@portal_pages.get("/aktuelles")
def news(
    request: Request,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    kanal: Annotated[str | None, Query(max_length=40)] = None,
    kategorie: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    channel = channels.channel_by_slug(db, kanal) if kanal else None
    items = channels.public_posts(db, channel=channel, category=kategorie or None)
    ids = [post.id for post in items]
    return render(
        request,
        "channel/news.html",
        state,
        posts=items,
        channel=channel,
        category=kategorie,
        channels=channels.channels(db),
        categories=channels.categories_of(db, ids),
        images=channels.images_of(db, ids),
        kinds=KIND_LABELS,
        zone=municipality.timezone,
        **layout.portal(request, municipality, "aktuelles", gettext_("News")),
    )


@portal_pages.get("/veranstaltungen")
def events(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return render(
        request,
        "channel/events.html",
        state,
        events=channels.upcoming_events(db),
        channels=channels.channels(db),
        zone=municipality.timezone,
        **layout.portal(request, municipality, "veranstaltungen", gettext_("Events")),
    )


@portal_pages.get("/aktuelles/{post_id}")
def post_page(
    request: Request,
    post_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    post = channels.public_post(db, post_id)
    if post.withdrawn_at is not None:
        raise Gone(gettext_("This post was withdrawn."))
    channel = next(c for c in channels.channels(db) if c.id == post.channel_id)
    return render(
        request,
        "channel/post.html",
        state,
        post=post,
        channel=channel,
        categories=channels.categories_of(db, [post.id])[post.id],
        images=channels.images_of(db, [post.id])[post.id],
        kinds=KIND_LABELS,
        severity=gettext_(CAP_LABELS.get(post.severity or "Unknown", post.severity or "")),
        zone=municipality.timezone,
        **layout.portal(request, municipality, "aktuelles", post.title),
    )


@portal_pages.get("/aktuelles/bilder/{public_id}")
def image(public_id: str, state: PageDep, db: TenantDbDep, portal: PortalDep) -> Response:
    stored = channels.public_image(db, public_id)
    return Response(
        uploads.read(portal.data_dir, stored),
        media_type=stored.content_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


# ---- back office -------------------------------------------------------------------------


@staff_pages.get("")
def overview(
    request: Request,
    state: Publisher,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    channels.main_channel(db, municipality, platform.settings.require_secret_key())
    return _overview(request, state, db, municipality, {}, {})


def _overview(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    found = channels.channels(db)
    return render(
        request,
        "channel/staff_overview.html",
        state,
        status_code=status_code,
        posts=channels.all_posts(db),
        channels=found,
        channel_names={c.id: c.name for c in found},
        kinds=KIND_LABELS,
        now=utcnow(),
        proposals=channels.open_proposals(db, registry_of(request).channel_proposals(db)),
        values=values,
        errors=errors,
        labels=_labels(),
        zone=municipality.timezone,
        **layout.staff(request, municipality, state.principal, "kanal", gettext_("Channel")),
    )


@staff_pages.post("/kanaele")
def add_channel(
    request: Request,
    state: Publisher,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    values = {name: form_text(form, name, 200) for name in ("slug", "name", "summary")}
    try:
        channels.create_department_channel(
            db,
            municipality,
            slug=values["slug"],
            name=values["name"],
            summary=values["summary"],
            secret=platform.settings.require_secret_key(),
            actor=state.principal.actor,
        )
    except InvalidInput as exc:
        errors = {k: gettext_(v) for k, v in exc.errors.items()}
        return _overview(request, state, db, municipality, values, errors, 422)
    return RedirectResponse(f"/{municipality.slug}/verwaltung/kanal", status_code=303)


def _local_input(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _parse_local(text: str, zone: str) -> datetime | None:
    """A `datetime-local` field, in the municipality's time zone, as UTC."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except ValueError:
        raise InvalidInput("date", errors={"_date": ""}) from None


FIELDS = (
    "channel",
    "kind",
    "title",
    "teaser",
    "body",
    "language",
    "categories",
    "publish_at",
    "starts_at",
    "ends_at",
    "location",
    "severity",
    "urgency",
    "certainty",
    "expires_at",
    "area_polygon",
    "area_description",
    "image_alt",
    "source",
)
DATES = ("publish_at", "starts_at", "ends_at", "expires_at")


def _values_of(post: Post | None, categories: list[str], zone: str, kind: str) -> dict[str, str]:
    if post is None:
        return {"kind": kind if kind in KIND_LABELS else "news", "language": "de"}
    return {
        "channel": str(post.channel_id),
        "kind": post.kind,
        "title": post.title,
        "teaser": post.teaser,
        "body": post.body_html,
        "language": post.language,
        "categories": ", ".join(categories),
        "publish_at": _local_input(post.publish_at, zone),
        "starts_at": _local_input(post.starts_at, zone),
        "ends_at": _local_input(post.ends_at, zone),
        "location": post.location,
        "severity": post.severity or "",
        "urgency": post.urgency or "",
        "certainty": post.certainty or "",
        "expires_at": _local_input(post.expires_at, zone),
        "area_polygon": post.area_polygon,
        "area_description": post.area_description,
    }


def _editor(
    request: Request,
    state: WebState,
    db: Any,
    municipality: Municipality,
    post: Post | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    title = gettext_("Edit post") if post else gettext_("New post")
    return render(
        request,
        "channel/editor.html",
        state,
        status_code=status_code,
        post=post,
        values=values,
        errors=errors,
        labels=_labels(),
        channels=[(str(c.id), c.name) for c in channels.channels(db)],
        kinds=[(k, gettext_(v)) for k, v in KIND_LABELS.items()],
        severities=_cap(SEVERITIES),
        urgencies=_cap(URGENCIES),
        certainties=_cap(CERTAINTIES),
        images=channels.images_of(db, [post.id])[post.id] if post else [],
        **layout.staff(request, municipality, state.principal, "kanal", title),
    )


@staff_pages.get("/neu")
def new_post(
    request: Request,
    state: Publisher,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    art: Annotated[str, Query(max_length=10)] = "news",
    vorschlag: Annotated[str | None, Query(max_length=160)] = None,
) -> Response:
    main = channels.main_channel(db, municipality, platform.settings.require_secret_key())
    values = _values_of(None, [], municipality.timezone, art)
    values["channel"] = str(main.id)
    if vorschlag:
        proposals = channels.open_proposals(db, registry_of(request).channel_proposals(db))
        proposal = next((p for source, p in proposals if source == vorschlag), None)
        if proposal is None:
            raise NotFound(gettext_("This proposal was taken or is no longer offered."))
        zone = municipality.timezone
        values.update(
            kind=proposal.kind,
            title=proposal.title,
            teaser=proposal.teaser,
            starts_at=_local_input(proposal.starts_at, zone),
            ends_at=_local_input(proposal.ends_at, zone),
            location=proposal.location,
            source=vorschlag,
        )
    return _editor(request, state, db, municipality, None, values, {})


@staff_pages.get("/{post_id}")
def edit_post(
    request: Request,
    post_id: IdPath,
    state: Publisher,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    post = channels.get_post(db, post_id)
    values = _values_of(
        post, channels.categories_of(db, [post.id])[post.id], municipality.timezone, post.kind
    )
    return _editor(request, state, db, municipality, post, values, {})


def _input(
    form: FormData, values: dict[str, str], zone: str, limits: Any
) -> tuple[channels.PostInput, dict[str, str]]:
    errors: dict[str, str] = {}
    dates: dict[str, datetime | None] = {}
    for name in DATES:
        try:
            dates[name] = _parse_local(values[name], zone)
        except InvalidInput:
            errors[name] = gettext_("Please enter a date and time.")
            dates[name] = None
    picture, problem = form_photo(form, "image", limits, channels.IMAGE_TYPES)
    if problem:
        errors["image"] = problem
    images = []
    if picture is not None and not problem:
        images.append(channels.ImageInput(picture[0], picture[1], values["image_alt"]))
    data = channels.PostInput(
        channel_id=row_id(values["channel"]) or 0,
        kind=values["kind"],
        title=values["title"],
        teaser=values["teaser"],
        body=values["body"],
        language=values["language"],
        categories=[c.strip().lower() for c in values["categories"].split(",") if c.strip()],
        publish_at=dates["publish_at"],
        starts_at=dates["starts_at"],
        ends_at=dates["ends_at"],
        location=values["location"],
        severity=values["severity"] or None,
        urgency=values["urgency"] or None,
        certainty=values["certainty"] or None,
        expires_at=dates["expires_at"],
        area_polygon=values["area_polygon"],
        area_description=values["area_description"],
        images=images,
        source=values["source"] or None,
    )
    return data, errors


def _form_values(form: FormData) -> dict[str, str]:
    limits = {"body": 50_000, "teaser": 500, "area_polygon": 10_000, "image_alt": 500}
    return {name: form_text(form, name, limits.get(name, 300)) for name in FIELDS}


def _save(
    request: Request,
    state: WebState,
    form: FormData,
    db: Any,
    municipality: Municipality,
    platform: Any,
    portal: Any,
    post: Post | None,
) -> Response:
    values = _form_values(form)
    data, errors = _input(form, values, municipality.timezone, portal.limits)
    author = state.principal.id if state.principal.kind == "user" else None
    try:
        if errors:
            raise InvalidInput("form", errors=errors)
        if post is None:
            post = channels.create_post(
                db,
                data,
                author_id=author,
                actor=state.principal.actor,
                data_dir=portal.data_dir,
                limits=portal.limits,
            )
        else:
            channels.update_post(
                db,
                post,
                data,
                actor=state.principal.actor,
                data_dir=portal.data_dir,
                limits=portal.limits,
            )
    except InvalidInput as exc:
        shown = {k: gettext_(v) for k, v in {**exc.errors, **errors}.items() if v}
        return _editor(
            request,
            state,
            db,
            municipality,
            post,
            values,
            shown or {"title": gettext_(exc.detail)},
            422,
        )
    except ServiceError as exc:
        return _editor(
            request, state, db, municipality, post, values, {"image": exc.detail}, exc.status
        )
    federation.announce(db, post, Context.of(platform, municipality))
    return RedirectResponse(
        f"/{municipality.slug}/verwaltung/kanal?gespeichert={post.id}", status_code=303
    )


@staff_pages.post("/neu")
def create(
    request: Request,
    state: Publisher,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    portal: PortalDep,
) -> Response:
    return _save(request, state, form, db, municipality, platform, portal, None)


@staff_pages.post("/{post_id}")
def update(
    request: Request,
    post_id: IdPath,
    state: Publisher,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    portal: PortalDep,
) -> Response:
    post = channels.get_post(db, post_id)
    return _save(request, state, form, db, municipality, platform, portal, post)


@staff_pages.post("/{post_id}/zurueckziehen")
def withdraw(
    post_id: IdPath,
    state: Publisher,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    post = channels.withdraw_post(db, channels.get_post(db, post_id), actor=state.principal.actor)
    federation.announce(db, post, Context.of(platform, municipality))
    return RedirectResponse(f"/{municipality.slug}/verwaltung/kanal", status_code=303)


federation_pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)


@federation_pages.get("/foederation")
def federation_status(
    request: Request, state: FederationViewer, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    found = channels.channels(db)
    return render(
        request,
        "channel/federation.html",
        state,
        servers=federation.status(db),
        channels=[(c, federation.follower_count(db, c)) for c in found],
        zone=municipality.timezone,
        **layout.staff(
            request, municipality, state.principal, "foederation", gettext_("Federation")
        ),
    )
