"""OGC SensorThings API 1.1 (Part 1: Sensing) per municipality at `/{municipality}/sta/v1.1`."""
