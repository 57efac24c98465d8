"""The ingestion path for Observations: one pipeline shared by single HTTP POSTs,
`CreateObservations` and MQTT, that validates against cached Datastream facts and writes in
batches (COPY on PostgreSQL, executemany on SQLite) with one commit per batch."""
