"""Leisure tickets: time slots for pools, saunas and museums, signed QR tickets, entry scan and
live occupancy (docs/leisure.md)."""
