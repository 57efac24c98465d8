from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class MunicipalityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    ags: str
    timezone: str
    center_lat: float
    center_lon: float
