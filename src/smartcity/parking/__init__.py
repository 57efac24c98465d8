"""Parking: the car-park registry of each municipality (occupancy, forecasts and the
ParkenDD / DATEX II interfaces build on it)."""
