"""Street lighting: luminaires as SensorThings Things, control programs per group (astronomical
clock, dimming profile, light on demand), commands as Tasks, fault detection that opens
repair cases, and the energy report."""
