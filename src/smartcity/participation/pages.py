"""Participation pages: on the portal the processes with their timeline, proposals on a map,
the proposal page with comments, the voting page and the results; in the back office the
processes (phases, budget and voting rule, projects on the ballot), the review of proposals,
official answers and the moderation queue. Every form works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from smartcity.citizen.deps import CitizenSessionDep
from smartcity.core.db import utcnow
from smartcity.core.errors import Conflict, Gone, InvalidInput, NotFound, ServiceError
from smartcity.core.geojson import geojson_response
from smartcity.core.http.deps import (
    IdPath,
    MunicipalityDep,
    PlatformDep,
    PortalDep,
    TenantDbDep,
)
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads
from smartcity.core.web import geocoding, layout, unsubscribe
from smartcity.core.web.deps import FormDep, PageDep, form_text, row_id, staff_page
from smartcity.core.web.forms import GENERAL, in_language, submit
from smartcity.core.web.i18n import _, gettext_, gettext_noop
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from smartcity.participation import (
    attachments,
    blocking,
    districts,
    eligibility,
    exports,
    following,
    region,
    review_cases,
    services,
    voting,
)
from smartcity.participation.models import (
    ALLOWED,
    PHASES,
    Ballot,
    Comment,
    District,
    Follow,
    Process,
    Proposal,
)
from smartcity.participation.permissions import PARTICIPATION_MANAGE, PARTICIPATION_MODERATE

portal_pages = APIRouter(prefix="/{municipality}/beteiligung", include_in_schema=False)
staff_pages = APIRouter(prefix="/{municipality}/verwaltung/beteiligung", include_in_schema=False)
# Registered before `staff_pages`, whose "/{slug}" would otherwise take "moderation".
moderation_pages = APIRouter(
    prefix="/{municipality}/verwaltung/beteiligung/moderation", include_in_schema=False
)
Manager = Annotated[WebState, Depends(staff_page(PARTICIPATION_MANAGE))]
Moderator = Annotated[WebState, Depends(staff_page(PARTICIPATION_MODERATE))]
Slug = Annotated[str, Query(max_length=60)]

PHASE_LABELS = {
    "information": _("Information"),
    "proposals": _("Proposals"),
    "comments": _("Comments"),
    "support": _("Support"),
    "review": _("Review"),
    "voting": _("Voting"),
    "results": _("Results"),
    "implementation": _("Implementation"),
}
ACTION_LABELS = {
    "propose": _("make proposals"),
    "comment": _("comment on proposals"),
    "support": _("support proposals"),
    "vote": _("vote on the projects"),
}
STANCE_LABELS = {"pro": _("Pro"), "contra": _("Contra"), "neutral": _("Neutral")}
RULE_LABELS = {
    "approval": _("Approval: choose up to a number of projects"),
    "knapsack": _("Knapsack: choose projects whose costs fit the budget"),
    "supports": _("Supports: give up to a number of supports, several to one project if you like"),
}
TIE_LABELS = {
    "lower_cost": _("Equal votes: the cheaper project first"),
    "earlier_proposal": _("Equal votes: the earlier proposal first"),
}
# While paper ballots are counted the result is provisional: shown marked so, not as a file.
RESULT_PROVISIONAL = _("The result is published as a file once it is final.")
FEASIBILITY_LABELS = {"feasible": _("feasible"), "not_feasible": _("not feasible")}
IDENTIFICATION_LABELS = {
    "login": _("Citizen login (online ID, BundID)"),
    "codes": _("Voting codes printed and mailed by the city"),
}
LABELS = {
    "title": _("Title"),
    "text": _("Your proposal"),
    "public_name": _("Name shown with your contribution"),
    "category": _("Category"),
    "lat": _("Latitude"),
    "address": _("Search an address"),
    "body": _("Comment"),
    "stance": _("Your position"),
    "reason": _("Reason"),
    "choices": _("Projects"),
    "slug": _("Address"),
    "rule": _("Voting rule"),
    "max_choices": _("Most projects per ballot"),
    "tie_break": _("Tie-break"),
    "budget": _("Budget in euros"),
    "identification": _("How voters identify"),
    "min_share_percent": _("Knapsack: least share of the budget a ballot must spend, in percent"),
    "partial_funding": _("Partial funding"),
    "count": _("Number of codes"),
    "feasibility": _("Result of the review"),
    "cost": _("Estimated cost in euros"),
    "department": _("Responsible department"),
    "phases": _("Phases"),
    "files": _("Images and files"),
    "file1": _("File 1"),
    "file2": _("File 2"),
    "file3": _("File 3"),
    "description1": _("Description of file 1"),
    "description2": _("Description of file 2"),
    "description3": _("Description of file 3"),
    "words": _("Word list"),
}


# The services' messages (English), listed here so that the catalogue has them: pages show
# them with `gettext_`.
SERVICE_MESSAGES = (
    _("Please check the phases."),
    _("Please check your entries."),
    _("Please sign in to comment."),
    _("There is no such comment."),
    _("There is no such contribution."),
    _("There is no such participation process."),
    _("There is no such proposal."),
    _("This comment was removed by the moderation."),
    _("This contribution was removed already."),
    _("This proposal was removed by the moderation."),
    _("A chosen project is not on the ballot of this process."),
    _("A phase must end after it starts."),
    _("Comments cannot be written in the current phase of this process."),
    _("Each phase may appear once."),
    _("Each project can be chosen once."),
    _("Only a visible proposal reviewed as feasible, with its cost, can go on the ballot."),
    _("Please allow between 1 and 100 choices."),
    _("Please choose a voting rule."),
    _("Please choose at least one project."),
    _("You chose more projects than the voting rule allows."),
    _("Please choose how ties are broken."),
    _("Please choose one of the categories."),
    _("Please choose pro, contra or neutral."),
    _("Please describe your proposal."),
    _("Please enter a title."),
    _("Please enter the name to show (a pseudonym is fine)."),
    _("Please give both coordinates, or none."),
    _("Please give the public reason."),
    _("Please give the reason why it is not feasible."),
    _("Please say whether the proposal is feasible."),
    _("Please tell us what is wrong."),
    _("Please use at most 200 characters for the title."),
    _("Please use at most 5000 characters."),
    _("Please write your comment."),
    _("Proposals cannot be made in the current phase of this process."),
    _("Proposals cannot be supported in the current phase of this process."),
    _("The budget cannot be negative."),
    _("The chosen projects cost more than the budget."),
    _("The cost cannot be negative."),
    _("The text is too long."),
    _("There is no such comment to answer."),
    _("These coordinates are not on the map."),
    _("This address is taken."),
    _("Use 2 to 60 lower-case letters, digits and hyphens."),
    _("Voting is not open in the current phase of this process."),
    _("Please enter an amount."),
    _("Please choose what to do."),
    _("Please name the responsible department first."),
    _(
        "Voting has started: the voting rule, the budget, the voting phase and the projects "
        "on the ballot can no longer be changed."
    ),
)


def form_labels() -> dict[str, str]:
    return {name: gettext_(label) for name, label in LABELS.items()}


def _process_base(municipality: Municipality, process: Process) -> str:
    return f"/{municipality.slug}/beteiligung/{process.slug}"


def _proposal_url(municipality: Municipality, process: Process, proposal: Proposal) -> str:
    return f"{_process_base(municipality, process)}/vorschlaege/{proposal.id}"


def _notify(
    db: Session,
    platform: Any,
    municipality: Municipality,
    process: Process,
    proposal: Proposal,
    event: str,
    *,
    by_subject: str | None = None,
    by_name: str = "",
) -> None:
    """Mails the proposal's followers about `event` (not the person who caused it)."""
    following.notify(
        db,
        process,
        proposal,
        event,
        base_url=platform.settings.effective_public_url,
        municipality_slug=municipality.slug,
        secret=platform.settings.require_secret_key(),
        by_subject=by_subject,
        by_name=by_name,
    )


def _button(back: str, anchor: str, act: Callable[[], object]) -> Response:
    """A citizen's one-button form on a proposal's page (support, follow): the service call,
    then back to the page at `anchor`; a refusal is the error page in the reader's language."""
    try:
        act()
    except ServiceError as exc:
        raise in_language(exc) from None
    return RedirectResponse(f"{back}#{anchor}", status_code=303)


def _timeline(db: Session, process: Process, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "phase": phase,
            "label": gettext_(PHASE_LABELS[phase.kind]),
            "state": "past"
            if phase.ends_at <= now
            else ("current" if phase.starts_at <= now else "future"),
            "allows": [gettext_(ACTION_LABELS[a]) for a in sorted(ALLOWED[phase.kind])],
        }
        for phase in services.phases(db, process)
    ]


def allowed_now(db: Session, process: Process, now: datetime) -> frozenset[str]:
    phase = services.current_phase(db, process, now)
    return ALLOWED[phase.kind] if phase is not None else frozenset()


class CitizenLoginRequired(Exception):
    """A citizen's action without the citizen login: answered by a redirect to that login,
    which leads back to `back` (the page the form was on)."""

    def __init__(self, back: str) -> None:
        super().__init__(back)
        self.back = back


def citizen_login_redirect(request: Request, exc: Exception) -> Response:
    back = exc.back if isinstance(exc, CitizenLoginRequired) else "/"
    return RedirectResponse(f"/citizen/login?next={quote(back)}", status_code=303)


def _citizen(citizen: Any, back: str) -> str:
    if citizen is None:
        raise CitizenLoginRequired(back)
    return str(citizen.subject)


def parse_percent(text: str) -> int:
    """A percentage as typed; "" is 0, anything else not a whole number is refused."""
    if not text:
        return 0
    if not (text.isascii() and text.isdecimal()):
        raise InvalidInput(
            "form",
            errors={"min_share_percent": "Please give a share between 0 and 100 percent."},
        )
    return int(text)


def ballot_choices(form: Any, process: Process | District) -> list[int]:
    """The ballot as sent: checked projects, or under the "supports" rule each project's
    number of supports (a project id once per support). `process`: whose rule the ballot is
    under (with budgets per district, the district's)."""
    if process.rule != "supports":
        # Not cut short (a shorter knapsack ballot might pass): the form's field limit bounds it.
        return [row_id(v) or 0 for v in form.getlist("choice") if isinstance(v, str)]
    # One more than the rule allows is enough to refuse the ballot as too many: a larger
    # number (or one too long to read) is cut to that, never to a ballot that passes.
    over = process.max_choices + 1
    chosen: list[int] = []
    for name, value in form.multi_items():
        number = value.strip() if isinstance(value, str) else ""
        if name.startswith("support-") and number.isascii() and number.isdecimal():
            project = row_id(name.removeprefix("support-")) or 0
            chosen += [project] * (min(int(number), over) if len(number) <= 6 else over)
    return chosen[:over]


def _megabytes(request: Request) -> str:
    """The upload limit per file, as the form's hint says it."""
    limit: int = request.app.state.platform.settings.upload_max_bytes
    return f"{limit / 1_048_576:.0f}"


def _login_url(request: Request) -> str:
    return f"/citizen/login?next={quote(request.url.path)}"


def parse_euros(text: str) -> int | None:
    """A sum in euros as typed ("1.200,50", "1200.5") in cents; None when empty."""
    cleaned = text.replace(" ", "").replace("€", "")
    if not cleaned:
        return None
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = round(float(cleaned) * 100)
    except ValueError:
        raise InvalidInput("amount", errors={"_": ""}) from None
    if not 0 <= value < 10**14:
        raise InvalidInput("amount", errors={"_": ""})
    return value


# ---- portal ---------------------------------------------------------------------------------


@portal_pages.get("")
def process_list(
    request: Request, state: PageDep, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    now = utcnow()
    found = services.processes(db)
    current = {p.id: services.current_phase(db, p, now) for p in found}
    return render(
        request,
        "participation/processes.html",
        state,
        processes=found,
        current={k: gettext_(PHASE_LABELS[v.kind]) if v else "" for k, v in current.items()},
        # Region-wide processes other municipalities run with this one (only their shares).
        shared=region.shared_with(db, municipality),
        **layout.portal(request, municipality, "beteiligung", gettext_("Participation")),
    )


@portal_pages.get("/{slug}")
def process_page(
    request: Request,
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    sortierung: Annotated[str, Query(max_length=20)] = "newest",
    kategorie: Annotated[str, Query(max_length=60)] = "",
) -> Response:
    now = utcnow()
    try:
        process = services.process_by_slug(db, slug)
    except NotFound:
        # A region-wide process shared with this municipality lives at the lead's address.
        shared = region.shared_process(db, municipality, slug)
        if shared is None:
            raise
        return RedirectResponse(shared.url, status_code=303)
    sort = sortierung if sortierung in services.SORTS else "newest"
    proposals = services.visible_proposals(db, process, sort=sort, category=kategorie or None)
    district_list = districts.districts(db, process)
    return render(
        request,
        "participation/process.html",
        state,
        process=process,
        timeline=_timeline(db, process, now),
        allowed=allowed_now(db, process, now),
        proposals=proposals,
        files=attachments.of_process(db, process),
        files_base=f"{_process_base(municipality, process)}/dateien",
        comment_counts=services.count_comments(db, [p.id for p in proposals]),
        sort=sort,
        category=kategorie,
        base=_process_base(municipality, process),
        voting_closed=services.voting_closed(db, process, now),
        has_ballot=process.budget_cents is not None,
        feasibility=FEASIBILITY_LABELS,
        district_list=district_list,
        participants=region.participants(db, process),
        who_may_vote=_who_may_vote(db, process, district_list),
        **layout.portal(request, municipality, "beteiligung", process.title),
    )


@portal_pages.get("/{slug}/vorschlaege.csv")
def proposals_csv(slug: str, state: PageDep, db: TenantDbDep) -> Response:
    process = services.process_by_slug(db, slug)
    body = exports.csv_text(exports.PROPOSAL_COLUMNS, exports.proposal_rows(db, process))
    return Response(body, media_type="text/csv; charset=utf-8")


@portal_pages.get("/{slug}/vorschlaege.geojson")
def proposals_geojson(slug: str, state: PageDep, db: TenantDbDep) -> Response:
    process = services.process_by_slug(db, slug)
    return geojson_response(exports.proposal_features(db, process))


def _proposal_form(
    request: Request,
    state: WebState,
    municipality: Municipality,
    process: Process,
    citizen: Any,
    allowed: frozenset[str],
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    *,
    found: Sequence[geocoding.Match] = (),
    place_note: str = "",
) -> Response:
    chosen = _chosen_point(values)
    return render(
        request,
        "participation/proposal_form.html",
        state,
        status_code=status_code,
        process=process,
        address_search=bool(_geocoder_url(request)),
        found=found,
        place_note=place_note,
        map_center=chosen or (municipality.center_lat, municipality.center_lon),
        signed_in=citizen is not None,
        login_url=_login_url(request),
        open="propose" in allowed,
        category_options=[(c, c) for c in process.categories],
        max_files=attachments.MAX_PROPOSAL_FILES,
        max_megabytes=_megabytes(request),
        values=values,
        errors=errors,
        labels=form_labels(),
        base=_process_base(municipality, process),
        **layout.portal(request, municipality, "beteiligung", gettext_("Make a proposal")),
    )


@portal_pages.get("/{slug}/neu")
def new_proposal(
    request: Request,
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    values = {"public_name": (citizen.name or "") if citizen else ""}
    allowed = allowed_now(db, process, utcnow())
    return _proposal_form(request, state, municipality, process, citizen, allowed, values, {})


def _posted_files(form: Any, max_bytes: int, values: dict[str, str]) -> list[attachments.FileInput]:
    """The files of the proposal form's slots with their descriptions (kept in `values` for
    the form shown again); a description without a file is left out."""
    found = []
    for number in range(1, attachments.MAX_PROPOSAL_FILES + 1):
        description = form_text(form, f"description{number}", attachments.MAX_DESCRIPTION)
        values[f"description{number}"] = description
        upload = form.get(f"file{number}")
        if isinstance(upload, UploadFile) and upload.filename:
            data = upload.file.read(max_bytes + 1)
            found.append(attachments.FileInput(upload.filename, data, description, number))
    return found


def _geocoder_url(request: Request) -> str:
    url: str = request.app.state.platform.settings.geocoder_url
    return url


def _chosen_point(values: dict[str, str]) -> tuple[float, float] | None:
    """The place typed or chosen so far (the map opens there), if it reads as one."""
    try:
        lat, lon = _coordinate(values.get("lat", "")), _coordinate(values.get("lon", ""))
    except InvalidInput:
        return None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _address_step(
    request: Request,
    form: Any,
    municipality: Municipality,
    values: dict[str, str],
    show: Callable[..., Response],
) -> Response:
    """The proposal form again after "Suchen" (the matches offered as buttons) or after a
    match was chosen (its coordinates filled in); nothing is stored. Files are not kept: the
    form's hint asks to choose them again."""
    url = _geocoder_url(request)
    picked = form_text(form, "address_pick", 300)
    if picked:
        lat_text, _sep, rest = picked.partition(",")
        lon_text, _sep, label = rest.partition(",")
        point = _chosen_point({"lat": lat_text, "lon": lon_text})
        if point is None:
            return show({"address": gettext_("This address could not be used.")}, 422)
        values["lat"], values["lon"] = f"{point[0]:.6f}", f"{point[1]:.6f}"
        values["address"] = label.strip()[:200]
        note = gettext_(
            "The place is set to %(address)s. Check it on the map, then publish the proposal."
        ) % {"address": values["address"] or values["lat"] + ", " + values["lon"]}
        return show({}, 200, place_note=note)
    if not url:
        return show({}, 200)
    if not values["address"]:
        return show({"address": gettext_("Please enter an address to search for.")}, 422)
    try:
        found = geocoding.search(url, values["address"], municipality)
    except geocoding.GeocoderError as exc:
        return show({"address": exc.message}, 200)
    if not found:
        return show(
            {
                "address": gettext_(
                    "No address in %(town)s matches. Please check the spelling, or click "
                    "on the map."
                )
                % {"town": municipality.shown_name}
            },
            200,
        )
    return show({}, 200, found=found)


def _coordinate(text: str) -> float | None:
    try:
        return float(text.replace(",", ".")) if text else None
    except ValueError:
        raise InvalidInput("coordinate", errors={"lat": ""}) from None


@portal_pages.post("/{slug}/neu")
def submit_proposal(
    request: Request,
    slug: str,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
    portal: PortalDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    subject = _citizen(citizen, f"{_process_base(municipality, process)}/neu")
    values = {name: form_text(form, name, 200) for name in ("title", "public_name", "category")}
    values["text"] = form_text(form, "text", services.MAX_TEXT)
    values["lat"] = form_text(form, "lat", 30)
    values["lon"] = form_text(form, "lon", 30)
    values["address"] = form_text(form, "address", 200)
    if "address_search" in form or "address_pick" in form:
        for number in range(1, attachments.MAX_PROPOSAL_FILES + 1):
            values[f"description{number}"] = form_text(
                form, f"description{number}", attachments.MAX_DESCRIPTION
            )

        def show(errors: dict[str, str], status: int, **found: Any) -> Response:
            allowed = allowed_now(db, process, utcnow())
            return _proposal_form(
                request,
                state,
                municipality,
                process,
                citizen,
                allowed,
                values,
                errors,
                status,
                **found,
            )

        return _address_step(request, form, municipality, values, show)
    files = _posted_files(form, portal.limits.max_bytes, values)

    def change() -> str:
        try:
            lat, lon = _coordinate(values["lat"]), _coordinate(values["lon"])
        except InvalidInput:
            raise InvalidInput(
                "coordinate", errors={"lat": "These coordinates are not on the map."}
            ) from None
        # The cheap checks of the files first (count, description, size, type), so that a
        # form with wrong text and a wrong file names both at once; images are decoded only
        # once the proposal itself is acceptable.
        _, file_errors = attachments.check(
            files, portal.limits, most=attachments.MAX_PROPOSAL_FILES, decode=False
        )
        try:
            # A refused file refuses the proposal: the savepoint takes it back (its storing
            # included, so that a file the virus scanner refuses leaves no proposal behind).
            with db.begin_nested():
                proposal = services.submit_proposal(
                    db,
                    process,
                    services.ProposalInput(
                        title=values["title"],
                        text=values["text"],
                        public_name=values["public_name"],
                        category=values["category"],
                        lat=lat,
                        lon=lon,
                    ),
                    citizen_subject=subject,
                )
                if file_errors:
                    raise InvalidInput("Please check your entries.", errors=file_errors)
                ready, file_errors = attachments.check(
                    files, portal.limits, most=attachments.MAX_PROPOSAL_FILES
                )
                if file_errors:
                    raise InvalidInput("Please check your entries.", errors=file_errors)
                attachments.add_to_proposal(
                    db, process, proposal, ready, data_dir=portal.data_dir, limits=portal.limits
                )
        except InvalidInput as exc:
            raise InvalidInput(exc.detail, errors={**exc.errors, **file_errors}) from None
        return f"{_process_base(municipality, process)}/vorschlaege/{proposal.id}"

    def again(errors: dict[str, str], status: int) -> Response:
        allowed = allowed_now(db, process, utcnow())
        return _proposal_form(
            request, state, municipality, process, citizen, allowed, values, errors, status
        )

    return submit(change, again)


def _proposal_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    process: Process,
    proposal: Proposal,
    citizen: Any,
    sort: str,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    now = utcnow()
    subject = citizen.subject if citizen is not None else None
    threads = services.comments(db, proposal, sort, viewer=subject)
    allowed = allowed_now(db, process, now)
    # Its author may remove the files while proposals are made (the service decides too).
    own = subject is not None and proposal.author_subject == subject
    return render(
        request,
        "participation/proposal.html",
        state,
        status_code=status_code,
        process=process,
        proposal=proposal,
        held=proposal.held_at is not None,
        files=attachments.of_proposal(db, process, proposal),
        files_base=f"{_process_base(municipality, process)}/dateien",
        remove_base=f"{_proposal_url(municipality, process, proposal)}/dateien"
        if own and "propose" in allowed
        else "",
        threads=threads,
        parent_options=_parent_options(threads),
        sort=sort,
        allowed=allowed,
        signed_in=citizen is not None,
        supported=services.has_supported(db, proposal, subject),
        follows=following.following(db, proposal, subject),
        has_email=bool(citizen is not None and citizen.email),
        reached=services.reached_threshold(process, proposal),
        login_url=_login_url(request),
        stances=[(k, gettext_(v)) for k, v in STANCE_LABELS.items()],
        stance_labels={k: gettext_(v) for k, v in STANCE_LABELS.items()},
        feasibility=FEASIBILITY_LABELS,
        values=values,
        errors=errors,
        labels=form_labels(),
        base=_process_base(municipality, process),
        **layout.portal(request, municipality, "beteiligung", proposal.title),
    )


def _parent_options(threads: list[services.Thread]) -> list[tuple[str, str]]:
    """The visible comments one can answer, in page order: "name: beginning of the text"."""
    found = []
    pending = list(threads)
    while pending:
        thread = pending.pop(0)
        comment = thread.comment
        if comment.hidden_at is None and comment.held_at is None:
            found.append((str(comment.id), f"{comment.public_name}: {comment.body[:60]}"))
        pending[:0] = thread.replies
    return found


def _visible(db: Session, process: Process, proposal_id: int) -> Proposal:
    try:
        return services.visible_proposal(db, process, proposal_id)
    except Gone:
        found = services.get_proposal(db, process, proposal_id)
        raise Gone(
            gettext_("This proposal was removed by the moderation. Reason: %(reason)s")
            % {"reason": found.hidden_reason}
        ) from None


@portal_pages.get("/{slug}/vorschlaege/{proposal_id}")
def proposal_page(
    request: Request,
    slug: str,
    proposal_id: IdPath,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
    sortierung: Annotated[str, Query(max_length=20)] = "newest",
) -> Response:
    process = services.process_by_slug(db, slug)
    found = services.get_proposal(db, process, proposal_id)
    # Held for review: its author sees it with a note ("being checked"), nobody else at all.
    held_for_author = (
        found.held_at is not None
        and citizen is not None
        and found.author_subject == citizen.subject
        and found.hidden_at is None
    )
    proposal = found if held_for_author else _visible(db, process, proposal_id)
    sort = sortierung if sortierung in services.SORTS else "newest"
    values = {"public_name": (citizen.name or "") if citizen else "", "stance": "neutral"}
    return _proposal_page(
        request, state, db, municipality, process, proposal, citizen, sort, values, {}
    )


@portal_pages.post("/{slug}/vorschlaege/{proposal_id}/unterstuetzen")
def support(
    slug: str,
    proposal_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    proposal = _visible(db, process, proposal_id)
    back = _proposal_url(municipality, process, proposal)
    subject = _citizen(citizen, back)
    return _button(
        back, "unterstuetzung", lambda: services.support(db, proposal, citizen_subject=subject)
    )


@portal_pages.post("/{slug}/vorschlaege/{proposal_id}/dateien/{public_id}/entfernen")
def remove_proposal_file(
    slug: str,
    proposal_id: IdPath,
    public_id: Annotated[str, Path(max_length=40)],
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
    portal: PortalDep,
    background: BackgroundTasks,
) -> Response:
    """The author removes a file of their proposal (also of one held for review, which only
    they see); anybody else is refused by the service."""
    process = services.process_by_slug(db, slug)
    found = services.get_proposal(db, process, proposal_id)
    own = citizen is not None and found.author_subject == citizen.subject
    proposal = found if own and found.hidden_at is None else _visible(db, process, proposal_id)
    back = _proposal_url(municipality, process, proposal)
    subject = _citizen(citizen, back)

    def act() -> None:
        path = attachments.remove_from_proposal(
            db, process, proposal, public_id, citizen_subject=subject, data_dir=portal.data_dir
        )
        # The bytes go after the commit, so that a rollback never leaves a row without them.
        background.add_task(uploads.unlink_all, [path])

    return _button(back, "dateien", act)


@portal_pages.post("/{slug}/vorschlaege/{proposal_id}/folgen")
def follow(
    request: Request,
    slug: str,
    proposal_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    """Follow a proposal (e-mails about it) or stop following it."""
    process = services.process_by_slug(db, slug)
    proposal = _visible(db, process, proposal_id)
    back = _proposal_url(municipality, process, proposal)
    subject = _citizen(citizen, back)
    if form_text(form, "action", 10) == "stop":
        following.unfollow(db, proposal, citizen_subject=subject)
        return RedirectResponse(f"{back}#folgen", status_code=303)
    email = citizen.email if citizen is not None else None
    return _button(
        back,
        "folgen",
        lambda: following.follow(
            db, proposal, citizen_subject=subject, email=email, language=state.language
        ),
    )


def _unsubscribe_about(db: Session, found: Follow) -> str:
    proposal = db.get(Proposal, found.proposal_id)
    return gettext_("You receive e-mails about the proposal “%(title)s”.") % {
        "title": proposal.title if proposal is not None else ""
    }


unsubscribe.add_routes(
    portal_pages,
    unsubscribe.UnsubscribePage(
        area="beteiligung",
        heading=gettext_noop("E-mails about a proposal"),
        back_label=gettext_noop("All participation processes"),
        ended=gettext_noop("You will receive no more e-mails about this proposal."),
        invalid=gettext_noop(
            "This link is no longer valid: the e-mails have been stopped already, or the "
            "proposal was removed."
        ),
        find=lambda db, token, secret: following.by_token(db, token, secret=secret),
        about=_unsubscribe_about,
        end=following.end,
    ),
)


@portal_pages.post("/{slug}/vorschlaege/{proposal_id}/kommentare")
def comment(
    request: Request,
    slug: str,
    proposal_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
    platform: PlatformDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    proposal = _visible(db, process, proposal_id)
    subject = _citizen(citizen, _proposal_url(municipality, process, proposal))
    values = {name: form_text(form, name, 80) for name in ("public_name", "stance", "parent")}
    values["body"] = form_text(form, "body", services.MAX_COMMENT + 1)

    def change() -> str:
        created = services.add_comment(
            db,
            proposal,
            services.CommentInput(
                body=values["body"],
                public_name=values["public_name"],
                stance=values["stance"],
                parent_id=row_id(values["parent"]),
            ),
            citizen_subject=subject,
        )
        if created.held_at is None:  # a held comment is nobody's news until it is released
            _notify(
                db,
                platform,
                municipality,
                process,
                proposal,
                "comment",
                by_subject=subject,
                by_name=created.public_name,
            )
        return f"{_proposal_url(municipality, process, proposal)}#kommentar-{created.id}"

    def again(errors: dict[str, str], status: int) -> Response:
        return _proposal_page(
            request,
            state,
            db,
            municipality,
            process,
            proposal,
            citizen,
            "newest",
            values,
            errors,
            status,
        )

    return submit(change, again)


@portal_pages.post("/{slug}/vorschlaege/{proposal_id}/kommentare/{comment_id}/unterstuetzen")
def support_comment(
    slug: str,
    proposal_id: IdPath,
    comment_id: IdPath,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    proposal = _visible(db, process, proposal_id)
    back = _proposal_url(municipality, process, proposal)
    subject = _citizen(citizen, back)

    def act() -> None:
        found = services.comment_of(db, proposal, comment_id)
        services.support_comment(db, found, citizen_subject=subject)

    return _button(back, f"kommentar-{comment_id}", act)


@portal_pages.post("/{slug}/melden")
def report(
    request: Request,
    slug: str,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    citizen: CitizenSessionDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    subject = _citizen(citizen, _process_base(municipality, process))
    target_type = form_text(form, "target_type", 10)
    target_id = row_id(form_text(form, "target_id", 20)) or 0
    proposal_id = row_id(form_text(form, "proposal", 20)) or 0
    proposal = _visible(db, process, proposal_id)
    if target_type == "comment":
        services.comment_of(db, proposal, target_id)
    elif target_type != "proposal" or target_id != proposal.id:
        raise InvalidInput(gettext_("There is no such contribution."))
    try:
        services.flag(
            db,
            target_type,
            target_id,
            citizen_subject=subject,
            reason=form_text(form, "reason", 500),
        )
    except ServiceError as exc:
        raise in_language(exc) from None
    return render(
        request,
        "participation/reported.html",
        state,
        back=_proposal_url(municipality, process, proposal),
        **layout.portal(request, municipality, "beteiligung", gettext_("Thank you")),
    )


def _voting_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    platform: Any,
    process: Process,
    citizen: Any,
    chosen: list[int] | None,
    errors: dict[str, str],
    receipt: str | None = None,
    status_code: int = 200,
    code: str = "",
    projects: list[Proposal] | None = None,
    ballot: Ballot | None = None,
    district_id: int | None = None,
    district_list: list[District] | None = None,
    just_cast: bool = False,
) -> Response:
    """`projects`, `ballot` and `district_list` when the caller has read them already
    (casting); `district_id`: the district whose ballot the voter asked for (budgets per
    district); `just_cast`: `ballot` was just cast (so the voter's eligibility was checked)."""
    now = utcnow()
    secret = platform.settings.require_secret_key()
    uses_codes = process.identification == "codes"
    if ballot is None and uses_codes and code:
        # A code's ballot is shown only to whoever just typed the code in this form.
        ballot = voting.ballot_of_code(db, process, code=code, secret=secret)
    elif ballot is None and not uses_codes and citizen is not None:
        ballot = voting.ballot_of(db, process, citizen_subject=citizen.subject, secret=secret)
    if district_list is None:
        district_list = districts.districts(db, process)
    if just_cast and ballot is not None:
        # Just cast: the eligibility rules accepted the voter, in the ballot's district.
        district = next((d for d in district_list if d.id == ballot.district_id), None)
        refusal = ""
    else:
        district, refusal = _voting_district(
            db, process, citizen, uses_codes, district_list, district_id, ballot, now
        )
    if district is not None and ballot is not None and ballot.district_id != district.id:
        ballot = None  # the voter looks at another district's ballot than the one they cast
    if chosen is None:
        chosen = list(ballot.choices) if ballot is not None else []
    if projects is None:
        projects = voting.ballot_projects(db, process)
    if district_list:
        projects = [p for p in projects if district is not None and p.district_id == district.id]
    # The budget and rule the ballot is under: the district's own, or the process's.
    terms: Process | District = district if district is not None else process
    costs = sum(p.cost_cents or 0 for p in projects if p.id in chosen)
    supports = {p.id: chosen.count(p.id) for p in projects}
    return render(
        request,
        "participation/voting.html",
        state,
        status_code=status_code,
        process=process,
        terms=terms,
        district=district,
        district_list=district_list,
        district_options=[(d.id, d.name) for d in district_list],
        choose_district=bool(district_list) and (uses_codes or process.district_rule == "choice"),
        refusal=refusal,
        who_may_vote=_who_may_vote(db, process, district_list),
        projects=projects,
        chosen=chosen,
        chosen_cost=costs,
        supports=supports,
        remaining=(terms.budget_cents or 0) - costs,
        ballot=ballot,
        receipt=receipt,
        open="vote" in allowed_now(db, process, now),
        closed=services.voting_closed(db, process, now),
        signed_in=citizen is not None,
        uses_codes=uses_codes,
        code=code,
        login_url=_login_url(request),
        errors=errors,
        labels=form_labels(),
        rule_label=gettext_(RULE_LABELS[terms.rule]),
        tie_label=gettext_(TIE_LABELS[terms.tie_break]),
        base=_process_base(municipality, process),
        **layout.portal(request, municipality, "beteiligung", gettext_("Vote")),
    )


def _voting_district(
    db: Session,
    process: Process,
    citizen: Any,
    uses_codes: bool,
    district_list: list[District],
    district_id: int | None,
    ballot: Ballot | None,
    now: datetime,
) -> tuple[District | None, str]:
    """The district whose ballot the page shows, and why the signed-in citizen may not vote
    ("" when they may, or when nobody is signed in): the eligibility rules are checked on the
    page already, so that nobody fills in a ballot that will be refused."""
    home: District | None = None
    refusal = ""
    if not uses_codes and citizen is not None:
        try:
            home = eligibility.check(db, process, eligibility.Facts.of(citizen), now, district_list)
        except eligibility.NotEligible as exc:
            refusal = gettext_(exc.detail)
    if not district_list:
        return None, refusal
    if not uses_codes and process.district_rule == "residence":
        if citizen is not None and not refusal and home is None:
            refusal = gettext_(
                "Your address is in none of the districts of this vote, so we cannot tell "
                "which district's budget you vote in."
            )
        return home, refusal
    wanted = district_id if district_id is not None else (ballot.district_id if ballot else None)
    return _ballot_district(process, citizen, uses_codes, district_list, wanted), refusal


def _ballot_district(
    process: Process,
    citizen: Any,
    uses_codes: bool,
    district_list: Sequence[District],
    wanted: int | None,
) -> District | None:
    """The district whose ballot the voter fills in, without checking who may vote (casting
    checks that once, in `voting.cast`): under the rule "residence" with the citizen login
    the one of the voter's postal code, otherwise the one asked for (`wanted`)."""
    if not district_list:
        return None
    if not uses_codes and process.district_rule == "residence":
        postal_code = eligibility.Facts.of(citizen).postal_code
        return districts.district_by_postal_code(district_list, postal_code)
    return next((d for d in district_list if d.id == wanted), None)


def _who_may_vote(db: Session, process: Process, district_list: Sequence[District]) -> str:
    """The eligibility rules in words (the process and voting pages); "" when there are none.
    `district_list`: the process's districts as the page read them."""
    parts = []
    if process.identification == "codes":
        return gettext_("Residents who received a voting code from the city by letter.")
    if process.min_age is not None:
        parts.append(gettext_("aged %(age)s and over") % {"age": process.min_age})
    if process.residence == "municipality":
        lead = db.get(Municipality, process.municipality_id)
        assert lead is not None
        names = sorted(region.residence_keys(db, process, lead).values())
        parts.append(gettext_("living in %(places)s") % {"places": ", ".join(names)})
    elif process.residence == "district":
        names = [d.name for d in district_list]
        text = gettext_("living in one of the districts %(names)s")
        parts.append(text % {"names": ", ".join(names)})
    if not parts:
        return ""
    return gettext_("Citizens %(rules)s, signed in with the citizen login.") % {
        "rules": gettext_(" and ").join(parts)
    }


@portal_pages.get("/{slug}/abstimmung")
def voting_page(
    request: Request,
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    citizen: CitizenSessionDep,
    bezirk: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """`bezirk`: with budgets per district, the district whose ballot to show (where the
    voter chooses)."""
    process = services.process_by_slug(db, slug)
    return _voting_page(
        request,
        state,
        db,
        municipality,
        platform,
        process,
        citizen,
        None,
        {},
        district_id=row_id(bezirk) if bezirk else None,
    )


@portal_pages.post("/{slug}/abstimmung")
def cast(
    request: Request,
    slug: str,
    state: PageDep,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
    citizen: CitizenSessionDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    uses_codes = process.identification == "codes"
    code = form_text(form, "code", 40) if uses_codes else ""
    subject = (
        ""
        if uses_codes
        else _citizen(citizen, f"{_process_base(municipality, process)}/abstimmung")
    )
    district_text = form_text(form, "district", 20)
    district_id = row_id(district_text) if district_text else None
    # With budgets per district the marks are read under the rule of the district the ballot
    # is in (the voting page drew its fields by that rule), not the process's.
    # Read once here for the whole request (the ballot's check, the page).
    district_list = districts.districts(db, process)
    terms = _ballot_district(process, citizen, uses_codes, district_list, district_id)
    chosen = ballot_choices(form, terms if terms is not None else process)
    # Read once: the ballot is checked against them, and the page shows them.
    projects = voting.ballot_projects(db, process)

    def page(
        chosen: list[int] | None,
        errors: dict[str, str],
        status_code: int = 200,
        ballot: Ballot | None = None,
    ) -> Response:
        receipt = ballot.receipt if ballot is not None else None
        return _voting_page(
            request,
            state,
            db,
            municipality,
            platform,
            process,
            citizen,
            chosen,
            errors,
            receipt,
            status_code,
            code=code,
            projects=projects,
            ballot=ballot,
            district_id=district_id,
            district_list=district_list,
            just_cast=ballot is not None,
        )

    # "Check the sum" recomputes the remaining budget without casting (no JavaScript needed).
    if form_text(form, "action", 20) == "check":
        return page(chosen, {})
    secret = platform.settings.require_secret_key()
    try:
        if uses_codes:
            ballot = voting.cast_with_code(
                db,
                process,
                chosen,
                code=code,
                secret=secret,
                on_ballot=projects,
                district_id=district_id,
                found=district_list,
            )
        else:
            ballot = voting.cast(
                db,
                process,
                chosen,
                citizen_subject=subject,
                secret=secret,
                on_ballot=projects,
                facts=eligibility.Facts.of(citizen),
                district_id=district_id,
                found=district_list,
            )
    except InvalidInput as exc:
        field = next((f for f in ("code", "district") if f in exc.errors), "choices")
        return page(chosen, {field: gettext_(exc.errors.get(field) or exc.detail)}, 422)
    except ServiceError as exc:
        raise in_language(exc) from None
    return page(None, {}, ballot=ballot)


def _closed_process(db: Session, slug: str) -> Process:
    process = services.process_by_slug(db, slug)
    if not services.voting_closed(db, process):
        raise InvalidInput(gettext_("The result is published when voting has closed."))
    return process


@portal_pages.get("/{slug}/ergebnis")
def results(
    request: Request,
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    bezirk: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """With budgets per district, one district's result (`bezirk`), else the list of them."""
    process = _closed_process(db, slug)
    district_list = districts.districts(db, process)
    district = _result_district(db, process, district_list, bezirk)
    base = _process_base(municipality, process)
    provisional = not services.result_final(db, process)
    if district_list and district is None:
        return render(
            request,
            "participation/results_districts.html",
            state,
            process=process,
            provisional=provisional,
            results=[(d, voting.result(db, process, d)) for d in district_list],
            base=base,
            **layout.portal(request, municipality, "beteiligung", gettext_("Result")),
        )
    found = voting.result(db, process, district)
    top = max((line.votes for line in found.lines), default=0)
    terms: Process | District = district if district is not None else process
    return render(
        request,
        "participation/results.html",
        state,
        process=process,
        district=district,
        terms=terms,
        query=f"?bezirk={district.id}" if district is not None else "",
        result=found,
        provisional=provisional,
        top=top or 1,
        ballots=voting.published_ballots(db, process, district),
        rule_label=gettext_(RULE_LABELS[terms.rule]),
        tie_label=gettext_(TIE_LABELS[terms.tie_break]),
        base=base,
        **layout.portal(request, municipality, "beteiligung", gettext_("Result")),
    )


def _result_district(
    db: Session, process: Process, district_list: list[District], bezirk: str
) -> District | None:
    """The district a result or export is asked for: none without districts; an unknown one
    is not found (and never another process's)."""
    if not district_list or not bezirk:
        return None
    district_id = row_id(bezirk)
    found = next((d for d in district_list if d.id == district_id), None)
    if found is None:
        raise NotFound("There is no such district in this process.")
    return found


@portal_pages.get("/{slug}/ergebnis.csv")
def results_csv(
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    bezirk: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """With budgets per district: every district's lines (the column "district" says whose),
    or one district's (`bezirk`)."""
    process = _closed_process(db, slug)
    if not services.result_final(db, process):
        raise Conflict(gettext_(RESULT_PROVISIONAL))
    district_list = districts.districts(db, process)
    chosen = _result_district(db, process, district_list, bezirk)
    if not district_list:
        body = exports.csv_text(exports.RESULT_COLUMNS, exports.result_rows(db, process))
    else:
        rows = [
            row
            for d in ([chosen] if chosen is not None else district_list)
            for row in exports.result_rows(db, process, d)
        ]
        body = exports.csv_text(exports.DISTRICT_RESULT_COLUMNS, rows)
    return Response(body, media_type="text/csv; charset=utf-8")


@portal_pages.get("/{slug}/stimmzettel.csv")
def ballots_csv(
    slug: str,
    state: PageDep,
    db: TenantDbDep,
    bezirk: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """With budgets per district: one district's ballots (`bezirk`, recountable with that
    district's rules), or all with the column "district"."""
    process = _closed_process(db, slug)
    district_list = districts.districts(db, process)
    chosen = _result_district(db, process, district_list, bezirk)
    if district_list and chosen is None:
        rows: list[tuple[object, ...]] = [
            (receipt, d.id, choices)
            for d in district_list
            for receipt, choices in exports.ballot_rows(db, process, d)
        ]
        body = exports.csv_text(("receipt", "district", "choices"), rows)
    else:
        body = exports.csv_text(("receipt", "choices"), exports.ballot_rows(db, process, chosen))
    return Response(body, media_type="text/csv; charset=utf-8")


# ---- back office ----------------------------------------------------------------------------


def _local(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _parse_local(text: str, zone: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except ValueError:
        return None


@staff_pages.get("")
def staff_overview(
    request: Request,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return _staff_overview(request, state, db, municipality, {}, {})


def _staff_overview(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "participation/staff_overview.html",
        state,
        status_code=status_code,
        processes=services.processes(db),
        values=values,
        errors=errors,
        labels=form_labels(),
        rules=[(k, gettext_(v)) for k, v in RULE_LABELS.items()],
        ties=[(k, gettext_(v)) for k, v in TIE_LABELS.items()],
        **layout.staff(
            request, municipality, state.principal, "beteiligung", gettext_("Participation")
        ),
    )


PROCESS_FIELDS = ("slug", "title", "area", "categories", "threshold", "budget", "rule")


@staff_pages.post("")
def create_process(
    request: Request,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    values = {name: form_text(form, name, 300) for name in PROCESS_FIELDS}
    values["description"] = form_text(form, "description", 20_000)
    values["max_choices"] = form_text(form, "max_choices", 5)
    values["tie_break"] = form_text(form, "tie_break", 20)

    def change() -> str:
        try:
            budget = parse_euros(values["budget"])
        except InvalidInput:
            raise InvalidInput("form", errors={"budget": "Please enter an amount."}) from None
        process = services.create_process(
            db,
            services.ProcessInput(
                slug=values["slug"],
                title=values["title"],
                description=values["description"],
                area=values["area"],
                categories=values["categories"].split(","),
                support_threshold=row_id(values["threshold"]),
                budget_cents=budget,
                rule=values["rule"] or "approval",
                max_choices=row_id(values["max_choices"]) or 3,
                tie_break=values["tie_break"] or "lower_cost",
            ),
            actor=state.principal.actor,
        )
        return f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}"

    def again(errors: dict[str, str], status: int) -> Response:
        return _staff_overview(request, state, db, municipality, values, errors, status)

    return submit(change, again)


def staff_process_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    process: Process,
    errors: dict[str, str],
    status_code: int = 200,
    rules: dict[str, str] | None = None,
) -> Response:
    zone = municipality.timezone
    existing = {p.kind: p for p in services.phases(db, process)}
    return render(
        request,
        "participation/staff_process.html",
        state,
        status_code=status_code,
        process=process,
        phase_rows=[
            (
                kind,
                gettext_(PHASE_LABELS[kind]),
                _local(existing[kind].starts_at, zone) if kind in existing else "",
                _local(existing[kind].ends_at, zone) if kind in existing else "",
            )
            for kind in PHASES
        ],
        frozen=services.voting_started(db, process),
        proposals=list(services.visible_proposals(db, process, sort="supported")),
        hidden=[
            p for p in services.hidden(db) if isinstance(p, Proposal) and p.process_id == process.id
        ],
        rules_values=rules
        or {
            "rule": process.rule,
            "max_choices": str(process.max_choices),
            "tie_break": process.tie_break,
            "budget": "" if process.budget_cents is None else f"{process.budget_cents / 100:.2f}",
            "identification": process.identification,
            "min_share_percent": str(process.min_share_percent),
            "partial_funding": "yes" if process.partial_funding else "no",
        },
        partial_options=[
            ("no", gettext_("No: only projects that fit the remaining budget are funded")),
            ("yes", gettext_("Yes: the first project that no longer fits gets the rest")),
        ],
        rules=[(k, gettext_(v)) for k, v in RULE_LABELS.items()],
        identifications=[(k, gettext_(v)) for k, v in IDENTIFICATION_LABELS.items()],
        turnout=voting.code_turnout(db, process),
        files=attachments.of_process(db, process),
        files_base=f"/{municipality.slug}/beteiligung/{process.slug}/dateien",
        voting_closed=services.voting_closed(db, process),
        ties=[(k, gettext_(v)) for k, v in TIE_LABELS.items()],
        feasibility=FEASIBILITY_LABELS,
        errors=errors,
        labels=form_labels(),
        **layout.staff(request, municipality, state.principal, "beteiligung", process.title),
    )


@staff_pages.get("/{slug}")
def staff_process(
    request: Request, slug: str, state: Manager, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    process = services.process_by_slug(db, slug)
    return staff_process_page(request, state, db, municipality, process, {})


@staff_pages.post("/{slug}/phasen")
def save_phases(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    zone = municipality.timezone
    given = []
    errors: dict[str, str] = {}
    for kind in PHASES:
        start = _parse_local(form_text(form, f"{kind}_start", 20), zone)
        end = _parse_local(form_text(form, f"{kind}_end", 20), zone)
        if start is None and end is None:
            continue
        if start is None or end is None:
            errors["phases"] = gettext_("Please give each phase a start and an end.")
            continue
        given.append(services.PhaseInput(kind, start, end))

    def change() -> str:
        if errors:
            raise InvalidInput("form", errors=errors)
        services.set_phases(db, process, given, actor=state.principal.actor)
        return f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}"

    def again(found: dict[str, str], status: int) -> Response:
        shown = {"phases": " ".join(found.values())}  # the phases are one table
        return staff_process_page(request, state, db, municipality, process, shown, status)

    # Refused because voting started: audited, so answered rather than raised.
    return submit(change, again, answered={services.RulesFrozen: "phases"})


@staff_pages.post("/{slug}/regeln")
def save_rules(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    names = (
        "rule",
        "max_choices",
        "tie_break",
        "identification",
        "min_share_percent",
        "partial_funding",
    )
    values = {name: form_text(form, name, 30) for name in names}
    values["budget"] = form_text(form, "budget", 30)

    def change() -> str:
        try:
            budget = parse_euros(values["budget"])
        except InvalidInput:
            raise InvalidInput("form", errors={"budget": "Please enter an amount."}) from None
        services.change_rules(
            db,
            process,
            rule=values["rule"],
            max_choices=row_id(values["max_choices"]) or 0,
            tie_break=values["tie_break"],
            budget_cents=budget,
            identification=values["identification"] or None,
            min_share_percent=parse_percent(values["min_share_percent"]),
            partial_funding=values["partial_funding"] == "yes",
            actor=state.principal.actor,
        )
        return f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}"

    def again(errors: dict[str, str], status: int) -> Response:
        return staff_process_page(request, state, db, municipality, process, errors, status, values)

    return submit(change, again, answered={services.RulesFrozen: "rule"})


@staff_pages.post("/{slug}/abstimmungscodes")
def voting_codes(
    request: Request,
    slug: str,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    """New voting codes as a CSV file for the print shop: shown this once, kept as hashes."""
    process = services.process_by_slug(db, slug)
    count = row_id(form_text(form, "count", 10)) or 0
    try:
        codes = voting.generate_codes(
            db,
            process,
            count,
            secret=platform.settings.require_secret_key(),
            actor=state.principal.actor,
        )
    except ServiceError as exc:
        errors = {"count": gettext_(exc.errors.get("count") or exc.detail)}
        return staff_process_page(request, state, db, municipality, process, errors, exc.status)
    lines = ["serial;code"] + [f"{serial};{code}" for serial, code in codes]
    name = f"abstimmungscodes-{process.slug}-{codes[0][0]}-{codes[-1][0]}.csv"
    return Response(
        "\r\n".join(lines) + "\r\n",
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _staff_proposal(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    process: Process,
    proposal: Proposal,
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "participation/staff_proposal.html",
        state,
        status_code=status_code,
        process=process,
        proposal=proposal,
        threads=services.comments(db, proposal),
        frozen=services.voting_started(db, process),
        feasibility=[(k, gettext_(v)) for k, v in FEASIBILITY_LABELS.items()],
        stances=[(k, gettext_(v)) for k, v in STANCE_LABELS.items()],
        errors=errors,
        labels=form_labels(),
        **layout.staff(request, municipality, state.principal, "beteiligung", proposal.title),
    )


@staff_pages.get("/{slug}/vorschlaege/{proposal_id}")
def staff_proposal(
    request: Request,
    slug: str,
    proposal_id: IdPath,
    state: Manager,
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    proposal = services.get_proposal(db, process, proposal_id)
    return _staff_proposal(request, state, db, municipality, process, proposal, {})


@staff_pages.post("/{slug}/vorschlaege/{proposal_id}/pruefung")
def save_review(
    request: Request,
    slug: str,
    proposal_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    portal: PortalDep,
    platform: PlatformDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    proposal = services.get_proposal(db, process, proposal_id)
    open_case = form_text(form, "open_case", 5) == "yes"

    def change() -> str:
        try:
            cost = parse_euros(form_text(form, "cost", 30))
        except InvalidInput:
            raise InvalidInput("form", errors={"cost": "Please enter an amount."}) from None
        if open_case and not form_text(form, "department", 100):
            raise InvalidInput(
                "form", errors={"department": "Please name the responsible department first."}
            )
        before = (proposal.feasibility, proposal.review_reason, proposal.cost_cents)
        services.review(
            db,
            proposal,
            services.ReviewInput(
                feasibility=form_text(form, "feasibility", 20),
                reason=form_text(form, "reason", 5000),
                cost_cents=cost,
                department=form_text(form, "department", 100),
            ),
            actor=state.principal.actor,
        )
        after = (proposal.feasibility, proposal.review_reason, proposal.cost_cents)
        # Followers hear of the review when it says something new, not on every save.
        if proposal.hidden_at is None and after != before:
            _notify(db, platform, municipality, process, proposal, "review")
        wanted = form_text(form, "on_ballot", 5) == "yes"
        # Once voting started the box is disabled (and not sent): the ballot stays as it is.
        if wanted != proposal.on_ballot and not services.voting_started(db, process):
            services.set_on_ballot(db, proposal, wanted, actor=state.principal.actor)
        if open_case:
            review_cases.open_review_case(
                db, portal, municipality, proposal, actor=state.principal.actor
            )
        return (
            f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}/vorschlaege/{proposal.id}"
        )

    def again(errors: dict[str, str], status: int) -> Response:
        if status == 409:  # the ballot stays: show the proposal as it is stored
            db.expire(proposal)
        return _staff_proposal(request, state, db, municipality, process, proposal, errors, status)

    return submit(change, again, answered={services.RulesFrozen: "feasibility"})


@staff_pages.post("/{slug}/vorschlaege/{proposal_id}/antwort")
def official_answer(
    request: Request,
    slug: str,
    proposal_id: IdPath,
    state: Manager,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    process = services.process_by_slug(db, slug)
    proposal = services.get_proposal(db, process, proposal_id)

    def change() -> str:
        services.add_comment(
            db,
            proposal,
            services.CommentInput(
                body=form_text(form, "body", services.MAX_COMMENT + 1),
                public_name=municipality.shown_name,
                stance="neutral",
                parent_id=row_id(form_text(form, "parent", 20)),
            ),
            official_by=state.principal.id,
            actor=state.principal.actor,
        )
        if proposal.hidden_at is None:
            _notify(db, platform, municipality, process, proposal, "answer")
        return (
            f"/{municipality.slug}/verwaltung/beteiligung/{process.slug}/vorschlaege/{proposal.id}"
        )

    def again(errors: dict[str, str], status: int) -> Response:
        return _staff_proposal(request, state, db, municipality, process, proposal, errors, status)

    return submit(change, again)


@moderation_pages.get("")
def moderation(
    request: Request, state: Moderator, db: TenantDbDep, municipality: MunicipalityDep
) -> Response:
    return moderation_page(request, state, db, municipality, {})


def moderation_page(
    request: Request,
    state: WebState,
    db: Session,
    municipality: Municipality,
    errors: dict[str, str],
    status_code: int = 200,
    words: str | None = None,
) -> Response:
    """`words`: the word list as typed, when it is shown again with an error."""
    return render(
        request,
        "participation/moderation.html",
        state,
        status_code=status_code,
        queue=services.moderation_queue(db),
        hidden=services.hidden(db),
        held=blocking.held(db),
        blocks=blocking.blocks(db),
        words="\n".join(blocking.words(db)) if words is None else words,
        errors=errors,
        **layout.staff(
            request, municipality, state.principal, "beteiligung/moderation", gettext_("Moderation")
        ),
    )


@moderation_pages.post("")
def moderate(
    request: Request,
    state: Moderator,
    form: FormDep,
    db: TenantDbDep,
    municipality: MunicipalityDep,
    platform: PlatformDep,
) -> Response:
    """Hide, restore, dismiss the reports on, or release (publish) a held post."""
    action = form_text(form, "action", 10)
    target_type = form_text(form, "target_type", 10)
    target_id = row_id(form_text(form, "target_id", 20)) or 0
    actor = state.principal.actor

    def change() -> str:
        if action == "release":
            released = blocking.release(db, target_type, target_id, actor=actor)
            if isinstance(released, Comment):  # news for the followers, as when published
                proposal = db.get(Proposal, released.proposal_id)
                assert proposal is not None
                process = db.get(Process, proposal.process_id)
                assert process is not None
                _notify(
                    db,
                    platform,
                    municipality,
                    process,
                    proposal,
                    "comment",
                    by_subject=released.author_subject,
                    by_name=released.public_name,
                )
            return f"/{municipality.slug}/verwaltung/beteiligung/moderation#zurueckgehalten"
        if action == "hide":
            services.hide(
                db, target_type, target_id, reason=form_text(form, "reason", 200), actor=actor
            )
        elif action == "restore":
            services.restore(db, target_type, target_id, actor=actor)
        elif action == "dismiss":
            services.dismiss_flags(db, target_type, target_id, actor=actor)
        else:
            raise InvalidInput("Please choose what to do.")
        return f"/{municipality.slug}/verwaltung/beteiligung/moderation"

    def again(errors: dict[str, str], status: int) -> Response:
        return moderation_page(request, state, db, municipality, errors, status)

    return submit(change, again, answered={services.RulesFrozen: GENERAL})
