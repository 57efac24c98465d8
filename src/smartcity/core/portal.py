"""What the citizen side, the case files and every page that links back need from the
configuration: public URLs, upload limits, draft lifetime, the secret for one-time tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from smartcity.core.settings import Settings
from smartcity.core.tenancy.models import Municipality
from smartcity.core.uploads import services as uploads


@dataclass(frozen=True)
class Portal:
    public_url: str
    data_dir: Path
    limits: uploads.UploadLimits
    draft_lifetime: timedelta
    secret: str

    @classmethod
    def of(cls, settings: Settings) -> Portal:
        return cls(
            public_url=settings.effective_public_url,
            data_dir=settings.data_dir,
            limits=uploads.UploadLimits.of(settings),
            draft_lifetime=timedelta(days=settings.draft_days),
            secret=settings.require_secret_key(),
        )

    def base(self, municipality: Municipality) -> str:
        return f"{self.public_url}/{municipality.slug}"

    def api(self, municipality: Municipality) -> str:
        return f"{self.base(municipality)}/api/v1/citizen"
