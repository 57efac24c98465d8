"""How the simulator talks to the platform: its public HTTP APIs, readings over HTTP
(`CreateObservations`) or MQTT (one message per Datastream, as a plain STA device would)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


class Api:
    def __init__(
        self, base_url: str, municipality: str, key: str, http: httpx.Client | None = None
    ) -> None:
        self.root = f"{base_url.rstrip('/')}/{municipality}"
        self._own = http is None
        self.http = http or httpx.Client(timeout=30)
        self.http.headers["Authorization"] = f"Bearer {key}"

    def get(self, path: str) -> Any:
        response = self.http.get(f"{self.root}/api/v1/{path}")
        response.raise_for_status()
        return response.json()

    def newest(self, datastream: int) -> float | None:
        response = self.http.get(
            f"{self.root}/sta/v1.1/Datastreams({datastream})/Observations",
            params={"$top": "1", "$orderby": "phenomenonTime desc", "$select": "result"},
        )
        response.raise_for_status()
        found = response.json()["value"]
        return float(found[0]["result"]) if found else None

    def newest_task_level(self, tasking_capability: int) -> int | None:
        response = self.http.get(
            f"{self.root}/sta/v1.1/TaskingCapabilities({tasking_capability})/Tasks",
            params={"$top": "1", "$orderby": "creationTime desc,id desc"},
        )
        response.raise_for_status()
        found = response.json()["value"]
        return int(found[0]["taskingParameters"]["dimLevel"]) if found else None

    def send_http(self, at: datetime, readings: list[tuple[int, Any]]) -> int:
        by_stream: dict[int, list[Any]] = defaultdict(list)
        for datastream, value in readings:
            by_stream[datastream].append([at.isoformat(), value])
        body = [
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
            for ds, rows in by_stream.items()
        ]
        response = self.http.post(f"{self.root}/sta/v1.1/CreateObservations", json=body)
        response.raise_for_status()
        return sum(1 for answer in response.json() if answer != "error")

    def close(self) -> None:
        if self._own:
            self.http.close()


class MqttSender:
    """Publishes each reading to `v1.1/Datastreams(id)/Observations` with QoS 1; the API key
    is the MQTT password."""

    def __init__(self, mqtt_url: str, key: str) -> None:
        parts = urlsplit(mqtt_url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv311)
        self.client.username_pw_set("simulator", key)
        self.client.connect(parts.hostname or "127.0.0.1", parts.port or 1883)
        self.client.loop_start()

    def send(self, at: datetime, readings: list[tuple[int, Any]]) -> int:
        infos = [
            self.client.publish(
                f"v1.1/Datastreams({ds})/Observations",
                json.dumps({"phenomenonTime": at.isoformat(), "result": value}),
                qos=1,
            )
            for ds, value in readings
        ]
        for info in infos:
            info.wait_for_publish(timeout=30)
        return sum(1 for info in infos if info.is_published())

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
