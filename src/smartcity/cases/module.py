"""Case files (E-Akte): workflow, inbox, actions, decisions, retention."""

from __future__ import annotations

from smartcity.cases.permissions import CASES_READ, CASES_WORK
from smartcity.cases.retention import CASE_RETENTION
from smartcity.cases.routes import router
from smartcity.core.modules import Module

module = Module(
    name="cases",
    models=("smartcity.cases.models",),
    permissions=(CASES_READ, CASES_WORK),
    routers=(router,),
    jobs=(CASE_RETENTION,),
)
