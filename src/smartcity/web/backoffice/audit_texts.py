"""The audit log in words: what an action code, an object type and a recorded change mean,
in the reader's language. The log itself keeps its stable codes (they are hashed into the
chain and read by exports); only the page translates them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from smartcity.cases.decisions import OUTCOMES
from smartcity.cases.pages import CASE_ACTIONS
from smartcity.core.identity.permissions import ROLES, SCOPES
from smartcity.core.web.i18n import _, current_language, gettext_

ACTIONS: dict[str, str] = {
    **CASE_ACTIONS,
    "login": _("Logged in"),
    "login.failed": _("Failed login"),
    "login.mfa_failed": _("Wrong second factor at login"),
    "login.oidc": _("Logged in through the single sign-on"),
    "login.initial_password_expired": _("Login refused: initial password expired"),
    "password.change_failed": _("Password change refused"),
    "password.reset": _("Password reset"),
    "password.reset_requested": _("Password reset requested"),
    "mfa.enrol": _("Two-factor authentication set up"),
    "mfa.passkey_added": _("Passkey added"),
    "mfa.recovery_code_used": _("Recovery code used"),
    "mfa.remove": _("Two-factor authentication removed"),
    "user.create": _("Staff account created"),
    "user.set_password": _("Password set"),
    "user.lock": _("Staff account locked"),
    "user.unlock": _("Staff account unlocked"),
    "role.assign": _("Role assigned"),
    "role.revoke": _("Role removed"),
    "apikey.create": _("API key created"),
    "apikey.revoke": _("API key revoked"),
    "municipality.create": _("Municipality created"),
    "municipality.logo": _("Logo changed"),
    "municipality.profile": _("Municipality details changed"),
    "municipality.export": _("Data export downloaded"),
    "catalog.template.create": _("Service template created"),
    "catalog.template.update": _("Service template changed"),
    "catalog.form.create": _("Form version created"),
    "catalog.form.update": _("Form version changed"),
    "catalog.form.publish": _("Form version published"),
    "catalog.adopt": _("Service offered"),
    "catalog.adoption.update": _("Offered service changed"),
    "open311.category.save": _("Defect category saved"),
    "open311.photo_shown": _("Photo of a defect report made public"),
    "watermeter.import": _("Water meters imported"),
    "watermeter.reading": _("Meter reading received"),
    "watermeter.review.accepted": _("Meter reading accepted"),
    "watermeter.review.rejected": _("Meter reading rejected"),
    "parking.import": _("Car parks imported"),
    "parking.car_park.change": _("Car park changed"),
    "benches.create": _("Bench registered"),
    "benches.alert_settings": _("Air-quality alert settings changed"),
    "benches.air_quality.alert": _("Air-quality alert sent"),
    "opendata.register": _("Open data set registered"),
    "opendata.release": _("Open data set released"),
    "opendata.file": _("Open data file published"),
    "opendata.settings": _("Open data settings changed"),
    "lighting.group.create": _("Lighting group created"),
    "lighting.group.program": _("Lighting program changed"),
    "lighting.luminaire.create": _("Luminaire added"),
}

OBJECTS: dict[str, str] = {
    "case": _("Case"),
    "user": _("Staff account"),
    "api_key": _("API key"),
    "municipality": _("Municipality"),
    "service_template": _("Service template"),
    "service_adoption": _("Offered service"),
    "report_category": _("Defect category"),
    "meter_reading": _("Meter reading"),
    "water_meter": _("Water meter"),
    "car_park": _("Car park"),
    "bench": _("Bench"),
    "air_quality": _("Air quality"),
    "opendata_dataset": _("Open data set"),
    "opendata_settings": _("Open data settings"),
    "lighting_group": _("Lighting group"),
    "luminaire": _("Luminaire"),
}

# Names of the recorded fields; a field not named here is shown under its code.
FIELDS: dict[str, str] = {
    "name": _("Name"),
    "scopes": _("Rights"),
    "role": _("Role"),
    "department": _("Department"),
    "status": _("State"),
    "outcome": _("Outcome"),
    "assignee_id": _("Assigned to"),
    "version": _("Version"),
    "form_version": _("Form version"),
    "service": _("Service"),
    "template": _("Service"),
    "key": _("Key"),
    "username": _("User name"),
    "reason": _("Reason"),
    "count": _("Number"),
    "file": _("File"),
    "files": _("Files"),
    "meter_number": _("Meter number"),
    "brand_colour": _("Colour"),
    "display_name": _("Name in the header"),
    "contact_email": _("Contact e-mail address"),
    "contact_phone": _("Contact phone number"),
    "contact_address": _("Postal address"),
    "type": _("File type"),
    "bytes": _("Size in bytes"),
}


@dataclass(frozen=True)
class Change:
    field: str
    text: str


def action_label(code: str) -> str:
    return gettext_(ACTIONS[code]) if code in ACTIONS else code


def object_label(code: str) -> str:
    return gettext_(OBJECTS[code]) if code in OBJECTS else code


def _value(field: str, value: Any, names: Mapping[str, str], status: Callable[[str], str]) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext_("yes") if value else gettext_("no")
    if field == "scopes" and isinstance(value, list):
        return ", ".join(gettext_(SCOPES.get(str(s), str(s))) for s in value)
    if field == "role" and str(value) in ROLES:
        # The label its module declares, in the reader's language.
        return ROLES[str(value)].label_in(current_language.get())
    if field == "status":
        return status(str(value))
    if field == "outcome" and str(value) in OUTCOMES:
        return OUTCOMES[str(value)][current_language.get()]
    if field == "assignee_id":
        return names.get(str(value), str(value))
    if isinstance(value, list):
        return ", ".join(_value(field, item, names, status) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{field_label(k)}: {_value(k, v, names, status)}" for k, v in value.items()
        )
    return str(value)


def field_label(code: str) -> str:
    return gettext_(FIELDS[code]) if code in FIELDS else code


def changes(
    recorded: Mapping[str, Any], names: Mapping[str, str], status: Callable[[str], str]
) -> list[Change]:
    """The recorded changes as "field: value" lines; a change with an old and a new value
    reads "from … to …"."""
    lines = []
    for field, value in recorded.items():
        if isinstance(value, dict) and set(value) == {"old", "new"}:
            text = gettext_("from %(old)s to %(new)s") % {
                "old": _value(field, value["old"], names, status),
                "new": _value(field, value["new"], names, status),
            }
        else:
            text = _value(field, value, names, status)
        lines.append(Change(field_label(field), text))
    return lines
