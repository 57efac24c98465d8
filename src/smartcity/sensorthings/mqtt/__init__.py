"""The SensorThings MQTT extension (OGC 18-088, 14): Observations created by publishing,
and notifications of every create and update for subscribers."""
