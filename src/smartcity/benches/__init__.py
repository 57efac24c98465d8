"""Smart benches: temperature, humidity and air quality (EEA and UBA indices), the status of the
charging port and WiFi hotspot, a kiosk display per bench, and air-quality alerts."""
