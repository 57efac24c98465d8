"""Public WiFi hotspots of the Stadtwerke: node lists (Freifunk meshviewer.json, nodes.json),
online state and client counts as SensorThings Datastreams, offline alerts, map and portal."""
