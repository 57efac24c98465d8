"""The staff API's bodies: report categories and the photo decision. (Open311 GeoReport v2
itself is form fields in, JSON or XML out: forms.py and formats.py.)"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(min_length=1, max_length=63)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    group: str = Field(default="", max_length=100)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    department: str = Field(min_length=1, max_length=100)
    attributes: list[dict[str, Any]] = Field(
        default_factory=list, max_length=50, description="Open311 attribute definitions"
    )
    active: bool = True


class CategoryOut(CategoryIn):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    id: int


class PhotoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public: bool = Field(description="Show the photo (or linked address) in the public view")


class PhotoOut(PhotoIn):
    request_id: int
