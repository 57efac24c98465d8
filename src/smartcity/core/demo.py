"""What a module's demo seeder receives. Each module registers its own seeder in
`modules.py`; the demo command runs them in order after creating region and municipalities."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from smartcity.core.db import transaction
from smartcity.core.modules import Registry
from smartcity.core.platform import Platform
from smartcity.core.tenancy.models import Municipality
from smartcity.core.tenancy.scope import SCOPE_KEY
from smartcity.core.tenancy.services import scope_for


@dataclass
class DemoContext:
    platform: Platform
    municipalities: dict[str, Municipality]
    say: Callable[[str], None]
    # The installed modules, for seeders that act on other modules' declarations (open data
    # releases the datasets the modules declare).
    modules: Registry = field(default_factory=lambda: Registry(()))

    @contextmanager
    def tenant_session(self, municipality: Municipality) -> Iterator[Session]:
        with transaction(self.platform.sessions, **{SCOPE_KEY: scope_for(municipality)}) as db:
            yield db


DemoSeeder = Callable[[DemoContext], None]
