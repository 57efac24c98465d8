"""Public transport (ÖPNV) of the city's utilities: GTFS timetables, GTFS-Realtime trip
updates and service alerts, and the next departures at a stop (docs/transit.md)."""
