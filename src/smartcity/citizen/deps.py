"""Dependencies of the citizen services' routes and pages: the signed-in citizen, if any, and
the service key in paths."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from starlette.concurrency import run_in_threadpool

from smartcity.citizen import login
from smartcity.core.http.deps import DbDep, PlatformDep
from smartcity.core.identity.models import CitizenSession


async def citizen_session(
    request: Request, db: DbDep, platform: PlatformDep
) -> CitizenSession | None:
    """The signed-in citizen, if any (the citizen login's cookie). Most applications come
    without one: only then is a thread needed for the lookup."""
    token = request.cookies.get(login.COOKIE)
    if not token:
        return None
    return await run_in_threadpool(login.resolve, db, token, platform.session_policy)


async def citizen_subject(
    session: Annotated[CitizenSession | None, Depends(citizen_session)],
) -> str | None:
    return session.subject if session is not None else None


ServiceKey = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
CitizenSessionDep = Annotated[CitizenSession | None, Depends(citizen_session)]
CitizenDep = Annotated[str | None, Depends(citizen_subject)]
