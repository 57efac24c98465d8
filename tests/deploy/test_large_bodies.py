"""The proxies in front of the app let the larger timetable uploads through on exactly the
paths the app takes them on (`Module.large_bodies` of the transit module): the regular
expression is written three times, in the module, the Caddyfile and the Ingress, and a change
to one must not leave uploads refused (or other paths opened) by another."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from smartcity.transit.module import module as transit
from smartcity.transit.settings import TransitSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _declared() -> str:
    (body,) = transit.large_bodies
    return body.path


def test_caddy_takes_the_larger_bodies_on_the_declared_paths_only() -> None:
    caddyfile = (DEPLOY / "compose" / "Caddyfile").read_text()
    matchers = dict(re.findall(r"^\s*@(\w+) (.+)$", caddyfile, flags=re.MULTILINE))
    assert matchers["timetable"] == f"path_regexp ^{_declared()}$"
    assert matchers["other"] == f"not path_regexp ^{_declared()}$"
    larger = re.search(r"request_body @timetable \{\s*max_size (\d+)MB", caddyfile)
    assert larger is not None
    assert int(larger.group(1)) * 1024 * 1024 >= TransitSettings().max_feed_bytes


def test_the_ingress_takes_them_on_the_declared_paths_only() -> None:
    documents = yaml.safe_load_all((DEPLOY / "kubernetes" / "base" / "ingress.yaml").read_text())
    uploads = next(d for d in documents if d["metadata"]["name"] == "smartcity-timetable-upload")
    (path,) = uploads["spec"]["rules"][0]["http"]["paths"]
    assert path["path"] == f"{_declared()}$"
