"""The platform's own module: municipalities, accounts, audit log, signing keys, mail."""

from __future__ import annotations

from smartcity.core.audit.anchors import CHECKPOINTS
from smartcity.core.audit.routes import router as audit_router
from smartcity.core.identity.account_routes import account_router
from smartcity.core.identity.housekeeping import LOGIN_HOUSEKEEPING
from smartcity.core.identity.permissions import (
    APIKEYS_MANAGE,
    AUDIT_READ,
    DATA_EXPORT,
    MUNICIPALITY_READ,
    STAFF_MANAGE,
    STAFF_READ,
)
from smartcity.core.identity.routes import auth_router, staff_router
from smartcity.core.mail.services import MAIL
from smartcity.core.modules import Module
from smartcity.core.signing.routes import router as signing_router
from smartcity.core.tenancy.routes import router as tenancy_router

module = Module(
    name="core",
    models=(
        "smartcity.core.audit.models",
        "smartcity.core.identity.models",
        "smartcity.core.mail.models",
        "smartcity.core.signing.models",
        "smartcity.core.tenancy.models",
        "smartcity.core.uploads.models",
    ),
    permissions=(
        MUNICIPALITY_READ,
        STAFF_READ,
        STAFF_MANAGE,
        APIKEYS_MANAGE,
        AUDIT_READ,
        DATA_EXPORT,
    ),
    routers=(
        tenancy_router,
        auth_router,
        account_router,
        staff_router,
        audit_router,
        signing_router,
    ),
    jobs=(LOGIN_HOUSEKEEPING, MAIL, CHECKPOINTS),
)
