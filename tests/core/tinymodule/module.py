from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select

from smartcity.core.demo import DemoContext
from smartcity.core.http.deps import ContextDep, MunicipalityDep, TenantDbDep, requires
from smartcity.core.identity.permissions import (
    MUNICIPALITY_READ,
    DemoAccount,
    Role,
    define_permission,
    define_role,
)
from smartcity.core.modules import Module, NavEntry
from smartcity.core.web import layout
from smartcity.core.web.deps import staff_page
from smartcity.core.web.i18n import gettext_
from smartcity.core.web.rendering import render
from smartcity.core.web.session import WebState
from tests.core.tinymodule.models import TinyNote

HERE = Path(__file__).parent
TINY_READ = define_permission("tiny.read", "Read the tiny notes", roles={Role.OPERATOR})
# A role of the module's own: offered by the back office with its labels, holding its permission.
TINY_KEEPER = define_role(
    "tiny_keeper",
    label="Keeper of the tiny notes",
    label_de="Notizpflege",
    description="Reads the tiny notes",
    description_de="Liest die kleinen Notizen",
    holds=(MUNICIPALITY_READ, TINY_READ),
    demo=(DemoAccount("dresden.notizen", "Notizpflege Dresden"),),
)
router = APIRouter(prefix="/{municipality}/api/v1/tiny", tags=["tiny"])


@router.get("/notes", dependencies=[Depends(requires(TINY_READ))])
def notes(context: ContextDep) -> list[str]:
    return list(context.db.scalars(select(TinyNote.text).order_by(TinyNote.id)))


pages = APIRouter(prefix="/{municipality}/verwaltung", include_in_schema=False)


@pages.get("/notizen")
def notes_page(
    request: Request,
    state: Annotated[WebState, Depends(staff_page(TINY_READ))],
    db: TenantDbDep,
    municipality: MunicipalityDep,
) -> Response:
    return render(
        request,
        "tiny/notes.html",
        state,
        notes=list(db.scalars(select(TinyNote.text).order_by(TinyNote.id))),
        **layout.staff(request, municipality, state.principal, "notizen", gettext_("Tiny notes")),
    )


def seed(context: DemoContext) -> None:
    for municipality in context.municipalities.values():
        with context.tenant_session(municipality) as db:
            db.add(TinyNote(text=f"Hello from {municipality.name}"))


module = Module(
    name="tiny",
    models=("tests.core.tinymodule.models",),
    migrations=HERE / "migrations",
    permissions=(TINY_READ,),
    roles=(TINY_KEEPER,),
    routers=(router,),
    pages=(pages,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    demo_seeders=(seed,),
    navigation=(NavEntry("notizen", "Tiny notes", TINY_READ),),
)
