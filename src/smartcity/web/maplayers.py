"""What the maps show: the installed modules' map layers (`Module.map_layers`), as GeoJSON
FeatureCollections built on the server. The map script only draws them.

The portal's maps show the public layers (those without a permission); the cockpit shows
the layers the member of staff may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from smartcity.core.errors import NotFound
from smartcity.core.geojson import Feature, geojson_response
from smartcity.core.http.deps import TenantDbDep
from smartcity.core.identity.permissions import Principal
from smartcity.core.modules import MapLayer, registry_of
from smartcity.core.web.deps import PageDep
from smartcity.core.web.i18n import gettext_

router = APIRouter(include_in_schema=False)


def visible_layers(request: Request, principal: Principal | None) -> list[MapLayer]:
    """The layers `principal` may see; without a principal the public ones."""
    return [
        layer
        for layer in registry_of(request).map_layers()
        if layer.permission is None or (principal is not None and layer.visible_to(principal))
    ]


def features(
    request: Request, db: Session, name: str, principal: Principal | None = None
) -> list[Feature]:
    """The features of the layer `name`; a layer the principal may not see does not exist."""
    for layer in visible_layers(request, principal):
        if layer.name == name:
            return registry_of(request).features(layer, db)
    raise NotFound(gettext_("This page or entry does not exist."))


def layer_response(
    request: Request, db: Session, name: str, principal: Principal | None = None
) -> Response:
    return geojson_response(features(request, db, name, principal))


@router.get("/{municipality}/karten/{name}.geojson")
def public_layer(name: str, request: Request, state: PageDep, db: TenantDbDep) -> Response:
    """A public layer, for the portal's maps."""
    return layer_response(request, db, name)
