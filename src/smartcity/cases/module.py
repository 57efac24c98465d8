"""Case files (E-Akte): workflow, inbox, actions, decisions, retention."""

from __future__ import annotations

from pathlib import Path

from smartcity.cases.pages import router as pages
from smartcity.cases.permissions import CASES_READ, CASES_WORK
from smartcity.cases.retention import CASE_RETENTION
from smartcity.cases.routes import router
from smartcity.core.modules import Module, NavEntry

HERE = Path(__file__).parent

module = Module(
    name="cases",
    # No other domain: what cases know of an application, its module provides
    # (smartcity.cases.interfaces; citizen services register theirs).
    requires=(),
    models=("smartcity.cases.models",),
    permissions=(CASES_READ, CASES_WORK),
    routers=(router,),
    pages=(pages,),
    templates=HERE / "templates",
    translations=HERE / "locale",
    jobs=(CASE_RETENTION,),
    navigation=(NavEntry("vorgaenge", "Inbox", CASES_READ, order=10),),
)
