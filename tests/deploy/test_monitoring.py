"""The alert rules and the Grafana dashboard ask only for metrics the platform exports: a
misspelt or renamed metric would make an alert that never fires."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
METRIC = re.compile(r"\bsmartcity_[a-z0-9_]+")
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gauge": ("",),
}


def exported(client: TestClient) -> set[str]:
    """Every series name /metrics can show, including families with no sample yet."""
    client.get("/healthz")
    answer = client.get("/metrics")
    assert answer.status_code == 200
    names: set[str] = set()
    for family in text_string_to_metric_families(answer.text):
        names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def alert_rules() -> list[dict[str, object]]:
    document = yaml.safe_load((MONITORING / "prometheus" / "smartcity-alerts.yaml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana" / "smartcity.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_every_alert_and_panel_names_an_exported_metric(client: TestClient) -> None:
    names = exported(client)
    expressions = [str(rule["expr"]) for rule in alert_rules()] + dashboard_expressions()
    assert len(expressions) > 20
    for expression in expressions:
        used = set(METRIC.findall(expression))
        assert used, f"no platform metric in {expression!r}"
        assert used <= names, f"{sorted(used - names)} not exported (in {expression!r})"


def test_alerts_cover_the_operators_questions() -> None:
    rules = {str(rule["alert"]): rule for rule in alert_rules()}
    covered = " ".join(str(rule["expr"]) for rule in rules.values())
    for metric in (
        "smartcity_ready",  # database, broker, ingestion session
        "smartcity_mqtt_disconnects_total",
        'status=~"5.."',
        "smartcity_ingest_write_failures_total",
        "smartcity_ingest_flush_seconds_bucket",  # ingestion lag
        "smartcity_mqtt_messages_total",  # rejects
        "smartcity_job_runs_total",
        "smartcity_requests_waiting",  # queue depth
    ):
        assert metric in covered, metric
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name  # type: ignore[index]
        assert rule["annotations"]["summary"], name  # type: ignore[index]
